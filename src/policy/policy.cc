#include "policy/policy.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

namespace fleetplan::policy {
namespace {

using scenario::Period;
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
  r.scope = scope_description(rule);
  r.rule = rule.name;
  r.kind = rule.kind;
  r.effective = rule.effective;
  r.until = rule.until;
  r.source = rule.source;
  r.allows = allows;
  r.message = std::move(message);
  return r;
}

bool has_site_scope(const RuleScope& scope) {
  return !scope.sites.empty() || !scope.countries.empty() || !scope.not_countries.empty();
}

std::string where_text(const RuleScope& scope) {
  std::vector<std::string> parts;
  if (!scope.countries.empty()) {
    parts.push_back(fmt::format("at sites in {}", fmt::join(scope.countries, ", ")));
  }
  if (!scope.not_countries.empty()) {
    parts.push_back(fmt::format("at sites outside {}", fmt::join(scope.not_countries, ", ")));
  }
  if (!scope.sites.empty()) {
    parts.push_back(fmt::format("at {}", fmt::join(scope.sites, ", ")));
  }
  return fmt::format("{}", fmt::join(parts, " and "));
}

std::string uses_text(const std::vector<Use>& uses) {
  std::vector<std::string> names;
  names.reserve(uses.size());
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

Result<RuleEngine> RuleEngine::create(const scenario::Scenario& scenario,
                                      const catalog::Catalog& catalog,
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
  return RuleEngine(scenario, catalog, std::move(disabled));
}

bool RuleEngine::in_force(const Rule& rule, const Period& period) const {
  if (disabled_.contains(rule.name)) {
    return false;
  }
  const long long first =
      std::max(rule.effective.days_since_epoch(), period.start.days_since_epoch());
  const long long last =
      std::min(rule.until ? rule.until->days_since_epoch() : period.end.days_since_epoch(),
               period.end.days_since_epoch());
  const long long overlap = last >= first ? last - first + 1 : 0;
  if (scenario_->settings.rule_coverage != scenario::RuleCoverage::kMajority) {
    return overlap > 0;
  }
  // More than half of the period's days.
  return overlap * 2 > period.days();
}

std::vector<Option> RuleEngine::options() const {
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

bool RuleEngine::in_force_any_day(const Rule& rule, const Period& period) const {
  return !disabled_.contains(rule.name) && !(period.end < rule.effective) &&
         !(rule.until && *rule.until < period.start);
}

bool RuleEngine::in_force_on(const Rule& rule, const scenario::Date& day) const {
  return !disabled_.contains(rule.name) && !(day < rule.effective) &&
         !(rule.until && *rule.until < day);
}

std::vector<std::string> RuleEngine::active_rules() const {
  std::vector<std::string> out;
  for (const auto& r : scenario_->rules) {
    if (!disabled_.contains(r.name)) {
      out.push_back(r.name);
    }
  }
  return out;
}

namespace {

// What the rules in force on one day say about one option.
struct DayDecision {
  bool allowed = true;
  const Rule* export_decider = nullptr;  // the export-control rule that decided, if any
  std::vector<const Rule*> overridden;   // older denies an allow overrode
  std::vector<const Rule*> denies;       // lease-verification and use-restriction denies
};

struct OptionRef {
  const Site* site;
  std::string_view accelerator;
  bool domestic;
  Mode mode;
  std::optional<Use> use;
};

DayDecision decide_day(const scenario::Scenario& scenario, const RuleEngine& engine,
                       const scenario::Date& day, const OptionRef& option) {
  DayDecision out;
  std::vector<const Rule*> export_rules;
  for (const auto& rule : scenario.rules) {
    if (!engine.in_force_on(rule, day) ||
        !scope_matches(rule.scope, option.accelerator, option.domestic, *option.site,
                       option.mode)) {
      continue;
    }
    switch (rule.kind) {
      case RuleKind::kExportControl:
        // The most recent matching rule decides; on the same date a deny wins.
        export_rules.push_back(&rule);
        if (out.export_decider == nullptr || out.export_decider->effective < rule.effective ||
            (out.export_decider->effective == rule.effective && out.export_decider->allow &&
             !rule.allow)) {
          out.export_decider = &rule;
        }
        break;
      case RuleKind::kLeaseVerification:
        // Every accelerator in scope at an unverified site, bought or leased: owning the
        // chip does not make an unverified operator verified (the scope's modes narrow it).
        if (!option.site->operator_verified) {
          out.denies.push_back(&rule);
        }
        break;
      case RuleKind::kUseRestriction:
        if (option.use && !contains(rule.allowed_uses, *option.use)) {
          out.denies.push_back(&rule);
        }
        break;
      case RuleKind::kDomesticShare:
      case RuleKind::kSupplyCap:
        break;  // constraints on quantities, not exclusions
    }
  }
  if (out.export_decider != nullptr && out.export_decider->allow) {
    for (const Rule* r : export_rules) {
      if (!r->allow) {
        out.overridden.push_back(r);
      }
    }
  }
  out.allowed = (out.export_decider == nullptr || out.export_decider->allow) && out.denies.empty();
  return out;
}

// How a span of days was decided: the days denied, and the days each rule decided, by the
// rule's position in the file (a deterministic order).
struct SpanTally {
  long long total = 0;
  long long denied_days = 0;
  std::optional<scenario::Date> first_allowed;
  std::map<std::size_t, long long> deny_days;
  std::map<std::size_t, long long> allow_days;
  std::map<std::size_t, std::set<std::size_t>> overrides;
};

// Rules change only on their effective dates and the day after their `until`, so the span
// [first, last] is cut there and each piece decided once.
SpanTally tally_span(const scenario::Scenario& scenario, const RuleEngine& engine,
                     const scenario::Date& first, const scenario::Date& last,
                     const OptionRef& option) {
  const long long first_day = first.days_since_epoch();
  const long long last_day = last.days_since_epoch();
  std::set<long long> cuts = {first_day};
  for (const auto& rule : scenario.rules) {
    const long long starts = rule.effective.days_since_epoch();
    if (starts > first_day && starts <= last_day) {
      cuts.insert(starts);
    }
    if (rule.until) {
      const long long ends = rule.until->days_since_epoch() + 1;
      if (ends > first_day && ends <= last_day) {
        cuts.insert(ends);
      }
    }
  }
  SpanTally t;
  t.total = last_day - first_day + 1;
  const auto index_of = [&](const Rule* r) {
    return static_cast<std::size_t>(r - scenario.rules.data());
  };
  for (auto it = cuts.begin(); it != cuts.end(); ++it) {
    const auto next = std::next(it);
    const long long segment_end = next == cuts.end() ? last_day : *next - 1;
    const long long days = segment_end - *it + 1;
    const DayDecision d =
        decide_day(scenario, engine, scenario::add_days(first, *it - first_day), option);
    if (!d.allowed) {
      t.denied_days += days;
    } else if (!t.first_allowed) {
      t.first_allowed = scenario::add_days(first, *it - first_day);
    }
    if (d.export_decider != nullptr && !d.export_decider->allow) {
      t.deny_days[index_of(d.export_decider)] += days;
    }
    if (d.export_decider != nullptr && d.export_decider->allow && !d.overridden.empty()) {
      t.allow_days[index_of(d.export_decider)] += days;
      for (const Rule* r : d.overridden) {
        t.overrides[index_of(d.export_decider)].insert(index_of(r));
      }
    }
    for (const Rule* r : d.denies) {
      t.deny_days[index_of(r)] += days;
    }
  }
  return t;
}

// The reasons of a decision: each rule that denied the option on some days, each export rule
// that allowed it over others.
std::vector<Reason> span_reasons(const scenario::Scenario& scenario, const SpanTally& t,
                                 const std::string& when, const OptionRef& option) {
  std::vector<Reason> reasons;
  const std::string what =
      fmt::format("{} ({})", option.accelerator, scenario::mode_name(option.mode));
  const Site& site = *option.site;
  const auto days_text = [&](long long days) {
    return days == t.total ? std::string() : fmt::format(" ({} of {} days)", days, t.total);
  };
  for (std::size_t i = 0; i < scenario.rules.size(); ++i) {
    const Rule& rule = scenario.rules[i];
    if (const auto d = t.deny_days.find(i); d != t.deny_days.end()) {
      std::string message;
      if (rule.kind == RuleKind::kUseRestriction) {
        message =
            fmt::format("{} at site {} may not be used for {} {}{} (only {}): {}",
                        option.accelerator, site.name, scenario::use_name(*option.use), when,
                        days_text(d->second), uses_text(rule.allowed_uses), dates_and_source(rule));
      } else if (rule.kind == RuleKind::kLeaseVerification) {
        message = fmt::format(
            "{} not available at site {} ({}) {}{}: operator '{}' is not "
            "verified; {}",
            what, site.name, site.country, when, days_text(d->second), site.operator_name,
            dates_and_source(rule));
      } else {
        message = fmt::format("{} not available at site {} ({}) {}{}: {}", what, site.name,
                              site.country, when, days_text(d->second), dates_and_source(rule));
      }
      reasons.push_back(make_reason(rule, false, std::move(message)));
    }
    if (const auto a = t.allow_days.find(i); a != t.allow_days.end()) {
      std::vector<std::string> names;
      for (std::size_t k : t.overrides.at(i)) {
        names.push_back(scenario.rules[k].name);
      }
      reasons.push_back(
          make_reason(rule, true,
                      fmt::format("{} allowed at site {} ({}) {}{}: {} (overrides {})", what,
                                  site.name, site.country, when, days_text(a->second),
                                  dates_and_source(rule), fmt::join(names, ", "))));
    }
  }
  return reasons;
}

// The decision over the days [first, last].
Decision decide_span(const scenario::Scenario& scenario, const RuleEngine& engine,
                     const scenario::Date& first, const scenario::Date& last,
                     const std::string& when, const OptionRef& option) {
  const SpanTally t = tally_span(scenario, engine, first, last, option);
  Decision decision;
  decision.allowed_fraction =
      static_cast<double>(t.total - t.denied_days) / static_cast<double>(t.total);
  decision.first_allowed = t.first_allowed;
  switch (scenario.settings.rule_coverage) {
    case scenario::RuleCoverage::kDays:
      decision.allowed = t.denied_days < t.total;  // allowed on some day: prorated by the planner
      break;
    case scenario::RuleCoverage::kAny:
      decision.allowed = t.denied_days == 0;
      break;
    case scenario::RuleCoverage::kMajority:
      decision.allowed = t.denied_days * 2 <= t.total;
      break;
  }
  decision.reasons = span_reasons(scenario, t, when, option);
  return decision;
}

// "H20, H200-SXM at sites in CN": what a rule's scope covers, for its reason text.
std::string scope_text(const scenario::RuleScope& scope) {
  std::vector<std::string> parts;
  if (!scope.accelerators.empty()) {
    parts.push_back(fmt::format("{}", fmt::join(scope.accelerators, ", ")));
  }
  if (scope.domestic) {
    parts.emplace_back(*scope.domestic ? "domestic accelerators" : "foreign accelerators");
  }
  if (!scope.countries.empty()) {
    parts.push_back(fmt::format("at sites in {}", fmt::join(scope.countries, ", ")));
  }
  if (!scope.not_countries.empty()) {
    parts.push_back(fmt::format("at sites outside {}", fmt::join(scope.not_countries, ", ")));
  }
  if (!scope.sites.empty()) {
    parts.push_back(fmt::format("at {}", fmt::join(scope.sites, ", ")));
  }
  if (scope.accelerators.empty() && !scope.domestic) {
    parts.insert(parts.begin(), "accelerators");
  }
  return fmt::format("{}", fmt::join(parts, " "));
}

// The constraint a quantity rule (use restriction, domestic share, supply cap) puts on the
// options `terms` of one period.
void add_quantity_rule(const scenario::Scenario& scenario, const RuleEngine& engine,
                       const Rule& rule, const Period& period, std::vector<Option> terms,
                       const std::string& scope, PeriodPolicy& out) {
  switch (rule.kind) {
    case RuleKind::kUseRestriction:
      out.use_constraints.push_back(
          {rule.name, rule.allowed_uses, std::move(terms),
           make_reason(
               rule, false,
               fmt::format("{} may serve only {} in period {}: {}", scope,
                           uses_text(rule.allowed_uses), period.name, dates_and_source(rule)))});
      break;
    case RuleKind::kDomesticShare:
      out.share_constraints.push_back(
          {rule.name, rule.min_share, rule.basis, rule.share_of, std::move(terms),
           make_reason(
               rule, false,
               fmt::format(
                   "at least {:.0f} % of {} ({} of {}; {}) must be domestic in period {}: "
                   "{}",
                   rule.min_share * 100, scope,
                   rule.basis == scenario::ShareBasis::kSpend ? "by spend" : "by count",
                   rule.share_of == scenario::ShareOf::kFleet ? "the fleet" : "acquisitions",
                   has_site_scope(rule.scope) ? "what is placed at other sites does not count"
                                              : "the buyer's, wherever placed",
                   period.name, dates_and_source(rule)))});
      break;
    case RuleKind::kSupplyCap: {
      std::vector<std::string> periods;
      if (rule.cumulative) {
        for (const auto& p : scenario.periods) {
          if (engine.in_force_any_day(rule, p)) {
            periods.push_back(p.name);
          }
        }
      } else {
        periods.push_back(period.name);
      }
      out.cap_constraints.push_back(
          {rule.name, rule.max_units, rule.cumulative, periods, std::move(terms),
           make_reason(rule, false,
                       fmt::format("at most {} units of {} {}: {}", rule.max_units, scope,
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

}  // namespace

Result<Decision> RuleEngine::evaluate(const Query& query) const {
  const Period* period = scenario_->period(query.period);
  if (period == nullptr && !query.on) {
    std::vector<std::string> names;
    for (const auto& p : scenario_->periods) {
      names.push_back(p.name);
    }
    return not_found_error(fmt::format("unknown period '{}' in scenario '{}'; expected one of: {}",
                                       query.period, scenario_->name, fmt::join(names, ", ")));
  }
  const Site* site = scenario_->site(query.site);
  if (site == nullptr) {
    std::vector<std::string> names;
    for (const auto& s : scenario_->sites) {
      names.push_back(s.name);
    }
    return not_found_error(fmt::format("unknown site '{}' in scenario '{}'; expected one of: {}",
                                       query.site, scenario_->name, fmt::join(names, ", ")));
  }
  auto accelerator = catalog_->accelerator(query.accelerator);
  if (!accelerator.ok()) {
    return accelerator.error();
  }
  const OptionRef option{site, (*accelerator)->name, (*accelerator)->domestic_china, query.mode,
                         query.use};
  if (query.on) {
    return decide_span(*scenario_, *this, *query.on, *query.on,
                       fmt::format("on {}", query.on->to_string()), option);
  }
  if (query.from && period->start < *query.from) {
    if (period->end < *query.from) {
      Decision none;
      none.allowed = false;
      none.allowed_fraction = 0;
      return none;
    }
    return decide_span(*scenario_, *this, *query.from, period->end,
                       fmt::format("in period {} from {}", period->name, query.from->to_string()),
                       option);
  }
  return decide_span(*scenario_, *this, period->start, period->end,
                     fmt::format("in period {}", period->name), option);
}

PeriodPolicy RuleEngine::period_policy(std::size_t index) const {
  const Period& period = scenario_->periods.at(index);
  PeriodPolicy out;
  out.period = period.name;
  for (const auto& rule : scenario_->rules) {
    if (in_force_any_day(rule, period)) {
      out.rules_in_force.push_back(rule.name);
    }
  }
  const std::vector<Option> all = options();
  std::vector<Option> allowed;
  for (const auto& option : all) {
    const Site& site = *scenario_->site(option.site);
    Decision d = decide_span(*scenario_, *this, period.start, period.end,
                             fmt::format("in period {}", period.name),
                             {&site, option.accelerator, option.domestic, option.mode, {}});
    if (d.allowed) {
      allowed.push_back(option);
      if (d.allowed_fraction < 1.0) {
        out.restricted.push_back(
            {option, d.allowed_fraction, d.first_allowed, std::move(d.reasons)});
      }
    } else {
      out.excluded.push_back({option, d.allowed_fraction, d.first_allowed, std::move(d.reasons)});
    }
  }

  for (const auto& rule : scenario_->rules) {
    // A supply cap counts every unit delivered while it is in force, so it applies to each
    // period it overlaps by a day (a licence starting mid-quarter still caps that quarter);
    // the other quantity rules follow the coverage setting.
    const bool applies =
        rule.kind == RuleKind::kSupplyCap ? in_force_any_day(rule, period) : in_force(rule, period);
    if (!applies) {
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
    const std::string scope = scope_text(rule.scope);
    add_quantity_rule(*scenario_, *this, rule, period, std::move(terms), scope, out);
  }
  return out;
}

std::vector<PeriodPolicy> RuleEngine::all_periods() const {
  std::vector<PeriodPolicy> out;
  for (std::size_t i = 0; i < scenario_->periods.size(); ++i) {
    out.push_back(period_policy(i));
  }
  return out;
}

std::string scope_description(const scenario::Rule& rule) {
  const RuleScope& scope = rule.scope;
  const bool buys = scope.modes.empty() || contains(scope.modes, Mode::kBuy);
  const bool leases = scope.modes.empty() || contains(scope.modes, Mode::kLease);
  const char* verb = buys && leases ? "buys or leases" : (buys ? "buys" : "leases");
  const char* participle = buys && leases ? "bought or leased" : (buys ? "bought" : "leased");
  const std::string where = where_text(scope);
  std::string chips;
  if (!scope.accelerators.empty()) {
    chips = fmt::format("{}", fmt::join(scope.accelerators, ", "));
  } else if (scope.domestic) {
    chips = *scope.domestic ? "domestic accelerators" : "foreign accelerators";
  } else {
    chips = "every accelerator";
  }
  const std::string who = where.empty() ? fmt::format("binds the buyer wherever it {}", verb)
                                        : fmt::format("binds the buyer {} only", where);
  switch (rule.kind) {
    case RuleKind::kLeaseVerification:
      return fmt::format("{}; covers {} {} at sites whose owner or operator is not verified", who,
                         chips, participle);
    case RuleKind::kDomesticShare:
      return fmt::format("{}; counts {} {}{}", who, chips, participle,
                         where.empty() ? ", wherever placed"
                                       : fmt::format(" and placed {} (acquisitions placed "
                                                     "elsewhere do not count)",
                                                     where));
    case RuleKind::kUseRestriction:
      return fmt::format("{}; covers {} {}, in service {}", who, chips, participle,
                         where.empty() ? "at every site" : where);
    case RuleKind::kExportControl:
    case RuleKind::kSupplyCap:
      break;
  }
  return fmt::format("{}; covers {} {}{}", who, chips, participle,
                     where.empty() ? ", at every site" : " " + where);
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
