// The rules section; provenance references checked once all is read (see detail/parser.h).
#include "scenario/detail/parser.h"

namespace fleetplan::scenario::detail {

void Parser::parse_scope(yaml::Reader& r, RuleScope& scope) {
  for (const auto& a : r.string_list("accelerators", false)) {
    scope.accelerators.push_back(accelerator_name(r, "accelerators", a, false));
  }
  if (r.has("domestic")) {
    scope.domestic = r.boolean("domestic");
  }
  scope.sites = site_names(r, "sites");
  scope.countries = country_list(r, "countries");
  scope.not_countries = country_list(r, "not_countries");
  for (const auto& m : r.string_list("modes", false)) {
    if (m != "buy" && m != "lease") {
      r.fail("modes", fmt::format("'{}' is not a mode; expected buy or lease", m));
    } else {
      scope.modes.push_back(parse_mode(m));
    }
  }
}

void Parser::parse_rule(yaml::Reader& r) {
  Rule rule;
  rule.name = unique_name(r, rule_names_, "rule");
  const std::string kind = r.choice("kind", kRuleKinds);
  rule.description = r.string_or("description", "");
  if (auto d = date(r, "effective", true)) {
    rule.effective = *d;
  }
  rule.until = date(r, "until", false);
  if (rule.until && *rule.until < rule.effective) {
    r.fail("until", fmt::format("{} is before the effective date {}; expected until >= "
                                "effective",
                                rule.until->to_string(), rule.effective.to_string()));
  }
  rule.source = r.string("source");
  if (r.has("source") && rule.source.empty()) {
    r.fail("source", "empty source; every rule needs the source of its figure");
  }
  rule.enabled = r.boolean_or("enabled", true);
  parse_scope(r, rule.scope);

  // Parameters that belong to one kind only; given on another kind they are errors.
  static const std::vector<std::pair<std::string, std::string>> kKindFields = {
      {"action", "export_control"},        {"min_share", "domestic_share"},
      {"basis", "domestic_share"},         {"share_of", "domestic_share"},
      {"allowed_uses", "use_restriction"}, {"max_units", "supply_cap"},
      {"cumulative", "supply_cap"}};
  for (const auto& [field, owner] : kKindFields) {
    if (!kind.empty() && owner != kind && r.has(field)) {
      r.optional_string(field);
      r.fail(field,
             fmt::format("'{}' is a parameter of kind {}, not of kind {}", field, owner, kind));
    }
  }
  if (kind == "export_control") {
    rule.kind = RuleKind::kExportControl;
    rule.allow = r.choice_or("action", {"deny", "allow"}, "deny") == "allow";
  } else if (kind == "domestic_share") {
    rule.kind = RuleKind::kDomesticShare;
    rule.min_share = r.number("min_share", 0.0, 1.0);
    rule.basis = r.choice_or("basis", {"count", "spend"}, "count") == "spend" ? ShareBasis::kSpend
                                                                              : ShareBasis::kCount;
    rule.share_of = r.choice_or("share_of", {"acquisitions", "fleet"}, "acquisitions") == "fleet"
                        ? ShareOf::kFleet
                        : ShareOf::kAcquisitions;
    if (rule.scope.domestic) {
      r.fail("domestic",
             "a domestic_share rule counts domestic and foreign accelerators; "
             "expected no 'domestic' filter");
    }
  } else if (kind == "lease_verification") {
    rule.kind = RuleKind::kLeaseVerification;
    for (Mode m : rule.scope.modes) {
      if (m != Mode::kLease) {
        r.fail("modes",
               "a lease_verification rule applies to leases; expected modes [lease] "
               "or none");
      }
    }
  } else if (kind == "use_restriction") {
    rule.kind = RuleKind::kUseRestriction;
    const bool given = r.has("allowed_uses");
    for (const auto& u : r.string_list("allowed_uses", true)) {
      if (u != "inference" && u != "training") {
        r.fail("allowed_uses", fmt::format("'{}' is not a use; expected inference or training", u));
      } else {
        rule.allowed_uses.push_back(parse_use(u));
      }
    }
    if (given && rule.allowed_uses.empty() && r.ok()) {
      r.fail("allowed_uses", "empty list; expected at least one of inference, training");
    }
  } else if (kind == "supply_cap") {
    rule.kind = RuleKind::kSupplyCap;
    rule.max_units = r.integer("max_units", 0, 1'000'000'000);
    rule.cumulative = r.boolean_or("cumulative", false);
  }
  r.reject_unknown_fields();
  out_.rules.push_back(std::move(rule));
}

void Parser::check_provenance_references() {
  for (const auto& ref : references_) {
    if (out_.assumption(ref.name) == nullptr) {
      std::vector<std::string> names;
      for (const auto& a : out_.assumptions) {
        names.push_back(a.name);
      }
      late_errors_.push_back(fmt::format("{}: {}: unknown assumption '{}'; expected one of: {}",
                                         ref.location, ref.path, ref.name, fmt::join(names, ", ")));
    }
  }
  // Site energy prices are read before the periods; check their currencies now.
  for (auto& pending : pending_money_) {
    check_convertible_everywhere(pending.reader, pending.key, pending.money);
  }
}

}  // namespace fleetplan::scenario::detail
