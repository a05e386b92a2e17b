// The policy engine: evaluates a scenario's dated rules (export controls, domestic-share
// quotas, lease verification, use restrictions, supply caps) for each period, and hands
// the planner the result as data: which options are excluded and why, and which share and
// cap constraints apply. Every decision names its rules, their dates and sources.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "core/result.h"
#include "scenario/scenario.h"

namespace fleetplan::policy {

using scenario::Mode;
using scenario::RuleKind;
using scenario::Use;

//! One rule's part in a decision.
struct Reason {
  std::string rule;  //!< the rule's stable name
  RuleKind kind = RuleKind::kExportControl;
  scenario::Date effective;
  std::optional<scenario::Date> until;
  std::string source;
  bool allows = false;  //!< true when the rule permits (an export-control allow)
  //! Whom the rule binds, what it covers and where (see scope_description).
  std::string scope;
  //! A sentence: "H200-SXM not available in period 2025: rule us-export-2023-10,
  //! effective 2023-11-17, source BIS ...".
  std::string message;
};

//! The answer for one (period, site, accelerator, mode, use).
//! Rules change mid-period, so a period's decision is made day by day: the option is
//! allowed in the period unless it is denied on more than half of its days (on any day
//! with `rule_coverage: any`).
struct Decision {
  bool allowed = true;
  //! Fraction of the period's days on which the option is allowed (1 for a single day).
  double allowed_fraction = 1.0;
  //! The first day of the span on which the option is allowed; absent when it is denied on
  //! every day. A planner that prorates by days counts deliveries from this day.
  std::optional<scenario::Date> first_allowed;
  //! The rules that denied the option on some day, and any allow that overrode an older
  //! deny; each message says on how many of the period's days it decided.
  std::vector<Reason> reasons;
  //! The reasons' messages joined with "; ".
  [[nodiscard]] std::string explain() const;
};

//! What is asked. `use` empty: the option itself (use restrictions are not applied).
struct Query {
  std::string period;
  std::string site;
  std::string accelerator;
  Mode mode = Mode::kBuy;
  std::optional<Use> use;
  //! Evaluate on this day only (it need not lie in `period`); absent = the whole period.
  std::optional<scenario::Date> on;
  //! With a period: evaluate only its days from this one on (the first day an option can
  //! deliver); a day after the period's end leaves no day, and the option is denied.
  std::optional<scenario::Date> from;
};

//! One plannable option: a procurement option (accelerator x mode) placed at a site.
struct Option {
  std::string procurement;  //!< scenario::Procurement::name
  std::string accelerator;
  std::string site;
  Mode mode = Mode::kBuy;
  bool domestic = false;  //!< the accelerator is made by a Chinese vendor (catalog flag)
};

//! An option that no plan may use in a period, and the rules that exclude it.
struct Exclusion {
  Option option;
  double allowed_fraction = 0;  //!< fraction of the period's days it is allowed
  //! First day of the period on which it is allowed; absent when denied on every day.
  std::optional<scenario::Date> first_allowed;
  std::vector<Reason> reasons;
};

//! The options in `terms` may serve only `allowed_uses` (e.g. domestic chips: inference).
struct UseConstraint {
  std::string rule;
  std::vector<Use> allowed_uses;
  std::vector<Option> terms;
  Reason reason;
};

//! sum(domestic terms) >= min_share x sum(all terms), counted in units (basis count) or in
//! USD of acquisition cost (basis spend); over the period's acquisitions or its whole fleet.
struct ShareConstraint {
  std::string rule;
  double min_share = 0;
  scenario::ShareBasis basis = scenario::ShareBasis::kCount;
  scenario::ShareOf share_of = scenario::ShareOf::kAcquisitions;
  std::vector<Option> terms;  //!< the denominator; those with `domestic` form the numerator
  Reason reason;
};

//! sum(units acquired through `terms`) <= max_units in the period, or, when `cumulative`,
//! over all the periods in `periods` together. A cap applies to every period it overlaps by
//! at least one day: units delivered on any day under a licence count against it.
struct CapConstraint {
  std::string rule;
  long long max_units = 0;
  bool cumulative = false;
  std::vector<std::string> periods;  //!< the periods the cap spans (this one unless cumulative)
  std::vector<Option> terms;
  Reason reason;
};

//! Everything the planner needs from the rules for one period.
struct PeriodPolicy {
  std::string period;
  //! Active rules in force on at least one day of the period. Exclusions are decided day
  //! by day; share, cap and use constraints come from the rules that `RuleEngine::in_force`.
  std::vector<std::string> rules_in_force;
  std::vector<Exclusion> excluded;  //!< options (procurement x site) not allowed
  //! Options allowed in the period but denied on some of its days (fewer than half, under
  //! `rule_coverage: majority`): for reports, and for planners that prorate.
  std::vector<Exclusion> restricted;
  std::vector<UseConstraint> use_constraints;
  std::vector<ShareConstraint> share_constraints;
  std::vector<CapConstraint> cap_constraints;
  //! True when the (procurement, site) option is excluded in this period.
  [[nodiscard]] bool is_excluded(std::string_view procurement, std::string_view site) const;
};

//! Evaluates the rules of one scenario. Rules can be switched off by name to measure what
//! each one costs. The scenario and catalog must outlive the engine.
class RuleEngine {
 public:
  //! Checks that every name in `disabled_rules` and `enabled_rules` is a rule of the
  //! scenario. `enabled_rules` switches on rules the file marks `enabled: false` (variants
  //! such as a 60 % domestic share); `disabled_rules` switches rules off.
  static Result<RuleEngine> create(const scenario::Scenario& scenario,
                                   const catalog::Catalog& catalog,
                                   const std::set<std::string>& disabled_rules = {},
                                   const std::set<std::string>& enabled_rules = {});

  //! Whether an option is allowed, and which rules say so.
  [[nodiscard]] Result<Decision> evaluate(const Query& query) const;
  //! Every option of the scenario (procurement x each site it may be placed at), in file
  //! order, whatever the rules say.
  [[nodiscard]] std::vector<Option> options() const;
  //! The constraints of one period (index into scenario.periods).
  [[nodiscard]] PeriodPolicy period_policy(std::size_t period) const;
  //! The constraints of every period, in order.
  [[nodiscard]] std::vector<PeriodPolicy> all_periods() const;

  //! Rules switched off by the caller or by `enabled: false` in the file.
  [[nodiscard]] const std::set<std::string>& disabled_rules() const { return disabled_; }
  //! Whether a rule applies to a period (enabled, and in force per the coverage setting).
  [[nodiscard]] bool in_force(const scenario::Rule& rule, const scenario::Period& period) const;
  //! Whether a rule is enabled and in force on at least one day of a period.
  [[nodiscard]] bool in_force_any_day(const scenario::Rule& rule,
                                      const scenario::Period& period) const;
  //! Whether a rule is enabled and in force on a day.
  [[nodiscard]] bool in_force_on(const scenario::Rule& rule, const scenario::Date& day) const;
  //! The rules this engine applies (not switched off), in file order: what "cost of each
  //! rule" re-solves without.
  [[nodiscard]] std::vector<std::string> active_rules() const;

 private:
  RuleEngine(const scenario::Scenario& scenario, const catalog::Catalog& catalog,
             std::set<std::string> disabled)
      : scenario_(&scenario), catalog_(&catalog), disabled_(std::move(disabled)) {}

  const scenario::Scenario* scenario_;
  const catalog::Catalog* catalog_;
  std::set<std::string> disabled_;
};

//! Whom a rule binds, what it covers and where, as one clause for reports, e.g. "binds the
//! buyer wherever it buys or leases; covers buying H200-SXM; placed at sites in CN only".
//! Every rule binds the scenario's buyer (the company planned); its scope then narrows
//! what (accelerators, domestic or foreign, buy or lease) and where (site countries or
//! sites). A rule with no site scope follows the buyer to every site, abroad included.
std::string scope_description(const scenario::Rule& rule);

//! The names of the enabled rules of a scenario, in file order (what "cost of each rule"
//! re-solves without).
std::vector<std::string> rule_names(const scenario::Scenario& scenario);

}  // namespace fleetplan::policy
