#include "policy/policy.h"

#include <algorithm>

#include <fmt/format.h>

namespace fleetplan::policy {
namespace {

using scenario::Period;
using scenario::Procurement;
using scenario::Rule;
using scenario::RuleScope;
using scenario::Site;

template <typename T>
bool contains(const std::vector<T>& items, const T& value) {
  return std::find(items.begin(), items.end(), value) != items.end();
}

bool scope_matches(const RuleScope& scope, std::string_view accelerator, bool domestic,
                   const Site& site, Mode mode) {
  if (!scope.accelerators.empty() && std::find(scope.accelerators.begin(), scope.accelerators.end(),
                                               accelerator) == scope.accelerators.end()) {
    return false;
  }
  if (scope.domestic && *scope.domestic != domestic) {
    return false;
  }
  if (!scope.sites.empty() && !contains(scope.sites, site.name)) {
    return false;
  }
  if (!scope.countries.empty() && !contains(scope.countries, site.country)) {
    return false;
  }
  if (contains(scope.not_countries, site.country)) {
    return false;
  }
  return scope.modes.empty() || contains(scope.modes, mode);
}

std::string dates_and_source(const Rule& rule) {
  std::string out = fmt::format("rule {}, effective {}", rule.name, rule.effective.to_string());
  if (rule.until) {
    out += fmt::format(", until {}", rule.until->to_string());
  }
  out += fmt::format(", source {}", rule.source);
  return out;
}

Reason make_reason(const Rule& rule, bool allows, std::string message) {
  Reason r;
  r.rule = rule.name;
  r.kind = rule.kind;
  r.effective = rule.effective;
  r.until = rule.until;
  r.source = rule.source;
  r.allows = allows;
  r.message = std::move(message);
  return r;
}

std::string uses_text(const std::vector<Use>& uses) {
  std::vector<std::string> names;
  for (Use u : uses) {
    names.emplace_back(scenario::use_name(u));
  }
  return fmt::format("{}", fmt::join(names, " and "));
}

}  // namespace

std::string Decision::explain() const {
  std::vector<std::string> messages;
  for (const auto& r : reasons) {
    messages.push_back(r.message);
  }
  return fmt::format("{}", fmt::join(messages, "; "));
}

bool PeriodPolicy::is_excluded(std::string_view procurement, std::string_view site) const {
  return std::any_of(excluded.begin(), excluded.end(), [&](const Exclusion& e) {
    return e.option.procurement == procurement && e.option.site == site;
  });
}

Result<Engine> Engine::create(const scenario::Scenario& scenario, const catalog::Catalog& catalog,
                              const std::set<std::string>& disabled_rules,
                              const std::set<std::string>& enabled_rules) {
  std::set<std::string> disabled;
  std::set<std::string> named = disabled_rules;
  named.insert(enabled_rules.begin(), enabled_rules.end());
  for (const auto& name : named) {
    if (scenario.rule(name) == nullptr) {
      std::vector<std::string> names;
      for (const auto& r : scenario.rules) {
        names.push_back(r.name);
      }
      return not_found_error(fmt::format(
          "unknown rule '{}' in scenario '{}'; its rules are: {}", name, scenario.name,
          names.empty() ? std::string("none") : fmt::format("{}", fmt::join(names, ", "))));
    }
  }
  disabled = disabled_rules;
  for (const auto& r : scenario.rules) {
    if (!r.enabled && !enabled_rules.contains(r.name)) {
      disabled.insert(r.name);
    }
  }
  return Engine(scenario, catalog, std::move(disabled));
}

bool Engine::in_force(const Rule& rule, const Period& period) const {
  if (disabled_.contains(rule.name)) {
    return false;
  }
  const long long first =
      std::max(rule.effective.days_since_epoch(), period.start.days_since_epoch());
  const long long last =
      std::min(rule.until ? rule.until->days_since_epoch() : period.end.days_since_epoch(),
               period.end.days_since_epoch());
  const long long overlap = last >= first ? last - first + 1 : 0;
  if (scenario_->settings.rule_coverage == scenario::RuleCoverage::kAny) {
    return overlap > 0;
  }
  // More than half of the period's days.
  return overlap * 2 > period.days();
}

std::vector<Option> Engine::options() const {
  std::vector<Option> out;
  for (const auto& p : scenario_->procurement) {
    for (const auto& s : scenario_->sites) {
      if (p.allowed_at(s.name)) {
        out.push_back({p.name, p.accelerator, s.name, p.mode, p.domestic});
      }
    }
  }
  return out;
}

namespace {

// The decision for one option in one period, from the enabled rules in force.
Decision decide(const scenario::Scenario& scenario, const Engine& engine, const Period& period,
                const Site& site, std::string_view accelerator, bool domestic, Mode mode,
                std::optional<Use> use) {
  Decision decision;
  const std::string what = fmt::format("{} ({})", accelerator, scenario::mode_name(mode));

  // Export controls: the most recent matching rule decides; on the same date a deny wins.
  const Rule* decisive = nullptr;
  std::vector<const Rule*> export_rules;
  for (const auto& rule : scenario.rules) {
    if (rule.kind != RuleKind::kExportControl || !engine.in_force(rule, period) ||
        !scope_matches(rule.scope, accelerator, domestic, site, mode)) {
      continue;
    }
    export_rules.push_back(&rule);
    if (decisive == nullptr || decisive->effective < rule.effective ||
        (decisive->effective == rule.effective && decisive->allow && !rule.allow)) {
      decisive = &rule;
    }
  }
  if (decisive != nullptr && !decisive->allow) {
    decision.allowed = false;
    decision.reasons.push_back(make_reason(
        *decisive, false,
        fmt::format("{} not available at site {} ({}) in period {}: {}", what, site.name,
                    site.country, period.name, dates_and_source(*decisive))));
  } else if (decisive != nullptr) {
    std::vector<std::string> overridden;
    for (const Rule* r : export_rules) {
      if (!r->allow) {
        overridden.push_back(r->name);
      }
    }
    std::string message =
        fmt::format("{} allowed at site {} ({}) in period {}: {}", what, site.name, site.country,
                    period.name, dates_and_source(*decisive));
    if (!overridden.empty()) {
      message += fmt::format(" (overrides {})", fmt::join(overridden, ", "));
    }
    decision.reasons.push_back(make_reason(*decisive, true, std::move(message)));
  }

  for (const auto& rule : scenario.rules) {
    if (!engine.in_force(rule, period) ||
        !scope_matches(rule.scope, accelerator, domestic, site, mode)) {
      continue;
    }
    if (rule.kind == RuleKind::kLeaseVerification && mode == Mode::kLease &&
        !site.operator_verified) {
      decision.allowed = false;
      decision.reasons.push_back(make_reason(
          rule, false,
          fmt::format("{} not available at site {} ({}) in period {}: operator '{}' is not "
                      "verified; {}",
                      what, site.name, site.country, period.name, site.operator_name,
                      dates_and_source(rule))));
    }
    if (rule.kind == RuleKind::kUseRestriction && use && !contains(rule.allowed_uses, *use)) {
      decision.allowed = false;
      decision.reasons.push_back(
          make_reason(rule, false,
                      fmt::format("{} at site {} may not be used for {} in period {} (only {}): {}",
                                  accelerator, site.name, scenario::use_name(*use), period.name,
                                  uses_text(rule.allowed_uses), dates_and_source(rule))));
    }
  }
  return decision;
}

}  // namespace

Result<Decision> Engine::evaluate(const Query& query) const {
  const Period* period = scenario_->period(query.period);
  if (period == nullptr) {
    return not_found_error(
        fmt::format("unknown period '{}' in scenario '{}'", query.period, scenario_->name));
  }
  const Site* site = scenario_->site(query.site);
  if (site == nullptr) {
    return not_found_error(
        fmt::format("unknown site '{}' in scenario '{}'", query.site, scenario_->name));
  }
  auto accelerator = catalog_->accelerator(query.accelerator);
  if (!accelerator.ok()) {
    return accelerator.error();
  }
  return decide(*scenario_, *this, *period, *site, (*accelerator)->name,
                (*accelerator)->domestic_china, query.mode, query.use);
}

PeriodPolicy Engine::period_policy(std::size_t index) const {
  const Period& period = scenario_->periods.at(index);
  PeriodPolicy out;
  out.period = period.name;
  for (const auto& rule : scenario_->rules) {
    if (in_force(rule, period)) {
      out.rules_in_force.push_back(rule.name);
    }
  }
  const std::vector<Option> all = options();
  std::vector<Option> allowed;
  for (const auto& option : all) {
    const Site& site = *scenario_->site(option.site);
    Decision d = decide(*scenario_, *this, period, site, option.accelerator, option.domestic,
                        option.mode, std::nullopt);
    if (d.allowed) {
      allowed.push_back(option);
    } else {
      out.excluded.push_back({option, std::move(d.reasons)});
    }
  }

  for (const auto& rule : scenario_->rules) {
    if (!in_force(rule, period)) {
      continue;
    }
    std::vector<Option> terms;
    for (const auto& option : allowed) {
      const Site& site = *scenario_->site(option.site);
      // A share rule counts domestic and foreign chips alike, so its scope's domestic filter
      // (rejected by the parser) never applies here.
      if (scope_matches(rule.scope, option.accelerator, option.domestic, site, option.mode)) {
        terms.push_back(option);
      }
    }
    const std::string scope_text = [&] {
      std::vector<std::string> parts;
      if (!rule.scope.accelerators.empty()) {
        parts.push_back(fmt::format("{}", fmt::join(rule.scope.accelerators, ", ")));
      }
      if (rule.scope.domestic) {
        parts.emplace_back(*rule.scope.domestic ? "domestic accelerators" : "foreign accelerators");
      }
      if (!rule.scope.countries.empty()) {
        parts.push_back(fmt::format("at sites in {}", fmt::join(rule.scope.countries, ", ")));
      }
      if (!rule.scope.not_countries.empty()) {
        parts.push_back(
            fmt::format("at sites outside {}", fmt::join(rule.scope.not_countries, ", ")));
      }
      if (!rule.scope.sites.empty()) {
        parts.push_back(fmt::format("at {}", fmt::join(rule.scope.sites, ", ")));
      }
      return parts.empty() ? std::string("all accelerators")
                           : fmt::format("{}", fmt::join(parts, " "));
    }();
    switch (rule.kind) {
      case RuleKind::kUseRestriction:
        out.use_constraints.push_back(
            {rule.name, rule.allowed_uses, std::move(terms),
             make_reason(
                 rule, false,
                 fmt::format("{} may serve only {} in period {}: {}", scope_text,
                             uses_text(rule.allowed_uses), period.name, dates_and_source(rule)))});
        break;
      case RuleKind::kDomesticShare:
        out.share_constraints.push_back(
            {rule.name, rule.min_share, rule.basis, rule.share_of, std::move(terms),
             make_reason(
                 rule, false,
                 fmt::format(
                     "at least {:.0f} % of {} ({} of {}) must be domestic in period {}: "
                     "{}",
                     rule.min_share * 100, scope_text,
                     rule.basis == scenario::ShareBasis::kSpend ? "by spend" : "by count",
                     rule.share_of == scenario::ShareOf::kFleet ? "the fleet" : "acquisitions",
                     period.name, dates_and_source(rule)))});
        break;
      case RuleKind::kSupplyCap: {
        std::vector<std::string> periods;
        if (rule.cumulative) {
          for (const auto& p : scenario_->periods) {
            if (in_force(rule, p)) {
              periods.push_back(p.name);
            }
          }
        } else {
          periods.push_back(period.name);
        }
        out.cap_constraints.push_back(
            {rule.name, rule.max_units, rule.cumulative, periods, std::move(terms),
             make_reason(rule, false,
                         fmt::format("at most {} units of {} {}: {}", rule.max_units, scope_text,
                                     rule.cumulative
                                         ? fmt::format("over periods {}", fmt::join(periods, ", "))
                                         : fmt::format("in period {}", period.name),
                                     dates_and_source(rule)))});
        break;
      }
      case RuleKind::kExportControl:
      case RuleKind::kLeaseVerification:
        break;  // exclusions, handled above
    }
  }
  return out;
}

std::vector<PeriodPolicy> Engine::all_periods() const {
  std::vector<PeriodPolicy> out;
  for (std::size_t i = 0; i < scenario_->periods.size(); ++i) {
    out.push_back(period_policy(i));
  }
  return out;
}

std::vector<std::string> rule_names(const scenario::Scenario& scenario) {
  std::vector<std::string> out;
  for (const auto& r : scenario.rules) {
    if (r.enabled) {
      out.push_back(r.name);
    }
  }
  return out;
}

}  // namespace fleetplan::policy
