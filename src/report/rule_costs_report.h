// What each rule costs, and how overlapping rules share a joint cost (`--rule-interactions`),
// as Sections (the terminal and HTML reports render the same cells) and as JSON for
// `plan --json`. Amounts over the horizon are shown in the report currency with USD beside.
#pragma once

#include <nlohmann/json.hpp>

#include "plan/plan.h"
#include "report/economics_report.h"

namespace fleetplan::report {

//! One row per rule: binds, cost (a number always; a range with the gap when the re-solve
//! stopped at its limit), tokens/day and training the rule costs, the re-solve's status.
Section rule_cost_section(const plan::Problem& problem, const plan::Plan& plan,
                          const CurrencyView& view);
//! One row per rule of each overlap group (cost alone, Shapley share of the joint cost) and
//! a row for the group's joint cost; "" rows when there are no interactions.
Section rule_interaction_section(const plan::Problem& problem, const plan::Plan& plan,
                                 const CurrencyView& view);
//! The pairwise re-solves of the overlap groups: cost of both left out against the sum of
//! their costs alone.
Section rule_pair_section(const plan::Problem& problem, const plan::Plan& plan,
                          const CurrencyView& view);

//! A rule cost as JSON: {usd, usd_bound, gap, status, report_currency twins, tokens_per_day}.
nlohmann::ordered_json rule_cost_json(const plan::RuleCost& cost, const CurrencyView& view);
//! `rule_interactions[]`: {rules, joint, shapley[{rule, usd, report_currency}], pairs[], exact}.
nlohmann::ordered_json rule_interactions_json(const plan::Plan& plan, const CurrencyView& view);

}  // namespace fleetplan::report
