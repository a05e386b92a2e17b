// The sites section (see detail/parser.h).
#include "scenario/detail/parser.h"

namespace fleetplan::scenario::detail {

void Parser::parse_site(yaml::Reader& r) {
  Site s;
  s.name = unique_name(r, site_names_, "site");
  s.description = r.string_or("description", "");
  s.country = r.string("country");
  if (r.has("country") && !is_country_code(s.country)) {
    r.fail("country", fmt::format("'{}' is not a country code; expected an ISO 3166 alpha-2 "
                                  "code such as CN or MY",
                                  s.country));
  }
  s.region = r.string_or("region", "");
  if (auto power = r.optional_string("power")) {
    auto watts = units::parse_power(*power);
    if (!watts.ok()) {
      r.fail("power", watts.error().message);
    } else if (watts->value <= 0) {
      r.fail("power", fmt::format("'{}' must be positive", *power));
    } else {
      s.power_w = watts->value;
    }
  } else if (!r.has("power")) {
    r.fail("power", "required power is missing; expected e.g. '300 MW'");
  }
  s.pue = r.number("pue", 1.0, 3.0);
  if (auto m = money(r, "energy_price_per_kwh", true)) {
    s.energy_price_per_kwh = *m;
    pending_money_.push_back({r, "energy_price_per_kwh", *m});
  }
  s.max_accelerators = r.optional_integer("max_accelerators", 1, 1'000'000'000);
  s.ownership = r.choice("ownership", {"owned", "leased"}) == "leased" ? Ownership::kLeased
                                                                       : Ownership::kOwned;
  s.operator_name = r.string("operator");
  s.operator_verified = r.boolean("operator_verified");
  s.latency_class = r.string_or("latency_class", "");
  read_site_costs(r, s, economics_money_);
  s.provenance = provenance(r);
  r.reject_unknown_fields();
  out_.sites.push_back(std::move(s));
}

}  // namespace fleetplan::scenario::detail
