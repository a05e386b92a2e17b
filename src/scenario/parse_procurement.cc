// The procurement and installed sections (see detail/parser.h).
#include "scenario/detail/parser.h"

namespace fleetplan::scenario::detail {

void Parser::parse_procurement(yaml::Reader& r) {
  Procurement p;
  const std::string accelerator = r.string("accelerator");
  if (accelerator.empty() && r.has("accelerator")) {
    // `accelerator: >-` above a less indented line is an empty folded scalar (a fuzz find).
    r.fail("accelerator", "is empty; expected an accelerator of the catalog");
  }
  if (!accelerator.empty()) {
    p.accelerator = accelerator_name(r, "accelerator", accelerator, true);
    auto acc = catalog_.accelerator(accelerator);
    if (acc.ok()) {
      p.domestic = (*acc)->domestic_china;
    }
  }
  const std::string mode = r.choice("mode", kModeChoices);
  p.mode = parse_mode(mode);
  p.name = r.string_or("name", "");
  if (p.name.empty() && !p.accelerator.empty() && !mode.empty()) {
    p.name = fmt::format("{}-{}", p.accelerator, mode);
  }
  if (!p.name.empty() && !procurement_names_.insert(p.name).second) {
    r.fail(
        r.has("name") ? "name" : "accelerator",
        fmt::format("duplicate procurement option '{}'; give each option a unique name", p.name));
  }
  parse_procurement_terms(r, p, mode);
  p.sites = site_names(r, "sites");
  p.available_from = date(r, "available_from", false);
  p.available_until = date(r, "available_until", false);
  if (p.available_from && p.available_until && *p.available_until < *p.available_from) {
    r.fail("available_until",
           fmt::format("{} is before available_from {}", p.available_until->to_string(),
                       p.available_from->to_string()));
  }
  parse_supply(r, p);
  parse_lots(r, p);
  read_procurement_costs(r, p, out_.cost_of_ownership, economics_money_);
  p.provenance = provenance(r);
  r.reject_unknown_fields();
  out_.procurement.push_back(std::move(p));
}

// The terms of a buy option (unit price, overhead, depreciation) or a lease (hourly price,
// minimum term, energy); the other mode's fields are refused.
void Parser::parse_procurement_terms(yaml::Reader& r, Procurement& p, const std::string& mode) {
  if (p.mode == Mode::kBuy) {
    if (auto m = money(r, "unit_price", true)) {
      p.unit_price = *m;
      check_convertible_everywhere(r, "unit_price", *m);
    }
    p.server_overhead = r.number_or("server_overhead", 0, 0, 5);
    // The chips' useful life; with a cost_of_ownership section its default applies.
    if (out_.cost_of_ownership.given) {
      p.depreciation_years = r.number_or("depreciation_years", 0, 0.5, 30);
    } else {
      p.depreciation_years = r.number("depreciation_years", 0.5, 30);
    }
    for (const char* key :
         {"lease_price_per_gpu_hour", "min_term_months", "lease_includes_energy"}) {
      if (r.has(key)) {
        r.fail(key, fmt::format("'{}' applies to mode lease; expected none for mode buy", key));
      }
    }
  } else if (mode == "lease") {
    if (auto m = money(r, "lease_price_per_gpu_hour", true)) {
      p.lease_price_per_gpu_hour = *m;
      check_convertible_everywhere(r, "lease_price_per_gpu_hour", *m);
    }
    p.min_term_months = static_cast<int>(r.integer_or("min_term_months", 0, 0, 600));
    p.lease_includes_energy = r.boolean_or("lease_includes_energy", true);
    for (const char* key : {"unit_price", "server_overhead", "depreciation_years"}) {
      if (r.has(key)) {
        r.fail(key, fmt::format("'{}' applies to mode buy; expected none for mode lease", key));
      }
    }
  }
}

// The option's supply limits, at most one per period of the scenario.
void Parser::parse_supply(yaml::Reader& r, Procurement& p) {
  std::set<std::string> capped;
  for (auto& s : r.list("supply", false)) {
    SupplyLimit limit;
    limit.period = s.string("period");
    if (s.has("period") && out_.period(limit.period) == nullptr) {
      s.fail("period", fmt::format("unknown period '{}'; expected one of: {}", limit.period,
                                   known_periods()));
    } else if (!limit.period.empty() && !capped.insert(limit.period).second) {
      s.fail("period", fmt::format("period '{}' has two supply limits", limit.period));
    }
    limit.max_units = s.integer("max_units", 0, 1'000'000'000);
    limit.provenance = provenance(s);
    s.reject_unknown_fields();
    p.supply.push_back(std::move(limit));
  }
}

void Parser::parse_lots(yaml::Reader& r, Procurement& p) {
  if (r.has("lot_size")) {
    p.lot_size = static_cast<int>(r.integer("lot_size", 1, 100'000));
  }
  p.min_order = r.integer_or("min_order", 0, 0, 1'000'000'000);
  p.lead_time_days = static_cast<int>(r.integer_or("lead_time_days", 0, 0, 3650));
  if (p.lot_size && *p.lot_size > 0 && p.min_order % *p.lot_size != 0) {
    r.fail("min_order", fmt::format("{} is not a whole number of lots of {}; expected a "
                                    "multiple of lot_size",
                                    p.min_order, *p.lot_size));
  }
}

void Parser::parse_installed(yaml::Reader& r) {
  Installed item;
  const std::string accelerator = r.string("accelerator");
  if (accelerator.empty() && r.has("accelerator")) {
    // `accelerator: >-` above a less indented line is an empty folded scalar (a fuzz find).
    r.fail("accelerator", "is empty; expected an accelerator of the catalog");
  }
  if (!accelerator.empty()) {
    item.accelerator = accelerator_name(r, "accelerator", accelerator, true);
    auto acc = catalog_.accelerator(accelerator);
    if (acc.ok()) {
      item.domestic = (*acc)->domestic_china;
    }
  }
  item.site = r.string("site");
  if (r.has("site") && out_.site(item.site) == nullptr) {
    r.fail("site", fmt::format("unknown site '{}'; expected one of: {}", item.site, known_sites()));
  }
  item.count = r.integer("count", 1, 1'000'000'000);
  item.acquired = r.string_or("acquired", "");
  item.provenance = provenance(r);
  r.reject_unknown_fields();
  out_.installed.push_back(std::move(item));
}

}  // namespace fleetplan::scenario::detail
