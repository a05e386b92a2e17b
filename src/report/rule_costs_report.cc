#include "report/rule_costs_report.h"

#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "report/detail/plan_format.h"
#include "report/plan_report.h"

namespace fleetplan::report {
namespace {

using nlohmann::ordered_json;
using plan::RuleCost;
using plan::SolveStatus;

// The cost of a rule as a reader can use it: a number; a range with the gap when the
// re-solve stopped at its limit with a plan; the bound when it stopped before any plan.
std::string cost_text(const RuleCost& cost, const CurrencyView& view) {
  if (!cost.binding) {
    return "0";
  }
  const std::string found = with_currency_horizon(view, cost.cost_usd);
  switch (cost.status_without) {
    case SolveStatus::kFeasible:
      if (cost.cost_usd_bound > cost.cost_usd) {
        return fmt::format("between {} and {} (gap {})", found,
                           with_currency_horizon(view, cost.cost_usd_bound),
                           detail::percent(cost.gap, 2));
      }
      return found;
    case SolveStatus::kStopped:
      return fmt::format("at most {} (bound: the re-solve stopped before any plan)",
                         with_currency_horizon(view, cost.cost_usd_bound));
    case SolveStatus::kInfeasible:
    case SolveStatus::kOptimal:
      break;
  }
  return found;
}

std::string tokens_text(const RuleCost& cost) {
  if (!cost.binding) {
    return "0";
  }
  const double tokens = detail::mean_tokens(cost);
  return (tokens > 0 ? "+" : "") + large(tokens);
}

std::string status_text(const RuleCost& cost) {
  if (!cost.binding) {
    return "-";
  }
  return plan::solve_status_name(cost.status_without);
}

const char* status_field(const RuleCost& cost) {
  return plan::solve_status_name(cost.status_without);
}

}  // namespace

Section rule_cost_section(const plan::Problem& problem, const plan::Plan& plan,
                          const CurrencyView& view) {
  Section section;
  section.title =
      "What each rule costs (the plan re-solved without it; positive: the rule costs, "
      "negative: it permits)";
  section.headers = {"rule", "binds", "cost", "tokens/day", "training", "re-solve"};
  section.numeric = {false, false, true, true, false, false};
  for (const auto& cost : plan.rule_costs) {
    section.rows.push_back(
        {cost.rule, cost.binding ? "yes" : "no", cost_text(cost, view), tokens_text(cost),
         cost.binding ? detail::training_change(problem, cost) : "-", status_text(cost)});
  }
  const bool max_served = plan.objective == plan::Objective::kMaxServed;
  std::string note = fmt::format(
      "cost: this plan's priced cost (cash - residual value + unmet demand at its price) less "
      "that of the best plan found without the rule ({}); tokens/day and training: served "
      "without the rule less with it. {}.",
      max_served ? "the better of the most-served plan and the cheapest plan serving at least "
                   "this plan's demand"
                 : "the min-cost re-solve",
      fmt::join(plan.rule_cost_pricing, "; "));
  if (!view.currency.empty() && view.currency != "USD") {
    note += fmt::format(" Amounts over the horizon in {} at {:.4g} {} per USD{}.", view.currency,
                        horizon_per_usd(view), view.currency,
                        view.per_usd.size() > 1 ? " (the mean of the periods' rates)" : "");
  }
  section.note = note;
  return section;
}

Section rule_interaction_section(const plan::Problem& /*problem*/, const plan::Plan& plan,
                                 const CurrencyView& view) {
  Section section;
  section.title =
      "Rules that overlap (--rule-interactions): the joint cost of leaving a group out, split "
      "by Shapley value";
  section.headers = {"group", "rule", "cost alone", "Shapley share"};
  section.numeric = {false, false, true, true};
  int g = 0;
  for (const auto& interaction : plan.rule_interactions) {
    ++g;
    double alone = 0;
    for (std::size_t i = 0; i < interaction.rules.size(); ++i) {
      double cost = 0;
      for (const auto& c : plan.rule_costs) {
        if (c.rule == interaction.rules[i]) {
          cost = c.cost_usd;
        }
      }
      alone += cost;
      section.rows.push_back(
          {std::to_string(g), interaction.rules[i], with_currency_horizon(view, cost),
           interaction.exact ? with_currency_horizon(view, interaction.shapley_usd[i]) : "-"});
    }
    section.rows.push_back({std::to_string(g),
                            fmt::format("all {} together (joint)", interaction.rules.size()),
                            fmt::format("sum {}", with_currency_horizon(view, alone)),
                            cost_text(interaction.joint, view)});
  }
  section.note = fmt::format(
      "Two rules overlap when leaving both out costs other than the sum of leaving each out "
      "(pairwise re-solves of the rules that bind or constrain a common option). A group's "
      "joint cost is its rules left out together; each rule's Shapley share is its mean "
      "marginal cost over every order of leaving the group's rules out (every subset "
      "re-solved; groups of more than {} rules get the joint cost only). The shares add up to "
      "the joint cost: no money is counted twice.",
      plan::kShapleyMaxRules);
  return section;
}

Section rule_pair_section(const plan::Problem& /*problem*/, const plan::Plan& plan,
                          const CurrencyView& view) {
  Section section;
  section.title = "Pairwise re-solves of the overlapping rules";
  section.headers = {"rules left out", "cost of both", "sum of each alone", "tokens/day"};
  section.numeric = {false, true, true, true};
  for (const auto& interaction : plan.rule_interactions) {
    for (const auto& pair : interaction.pairs) {
      double alone = 0;
      for (const auto& c : plan.rule_costs) {
        if (c.rule == interaction.rules[pair.first] || c.rule == interaction.rules[pair.second]) {
          alone += c.cost_usd;
        }
      }
      section.rows.push_back({pair.cost.rule, cost_text(pair.cost, view),
                              with_currency_horizon(view, alone), tokens_text(pair.cost)});
    }
  }
  return section;
}

ordered_json rule_cost_json(const RuleCost& cost, const CurrencyView& view) {
  const double rate = horizon_per_usd(view);
  return {{"usd", cost.cost_usd},
          {"usd_bound", cost.cost_usd_bound},
          {"report_currency", cost.cost_usd * rate},
          {"report_currency_bound", cost.cost_usd_bound * rate},
          {"gap", std::isfinite(cost.gap) ? ordered_json(cost.gap) : ordered_json()},
          {"status", status_field(cost)},
          {"tokens_per_day", cost.tokens_per_day}};
}

ordered_json rule_interactions_json(const plan::Plan& plan, const CurrencyView& view) {
  const double rate = horizon_per_usd(view);
  ordered_json out = ordered_json::array();
  for (const auto& interaction : plan.rule_interactions) {
    ordered_json shapley = ordered_json::array();
    for (std::size_t i = 0; i < interaction.shapley_usd.size(); ++i) {
      shapley.push_back({{"rule", interaction.rules[i]},
                         {"usd", interaction.shapley_usd[i]},
                         {"report_currency", interaction.shapley_usd[i] * rate}});
    }
    ordered_json pairs = ordered_json::array();
    for (const auto& pair : interaction.pairs) {
      pairs.push_back({{"rules", {interaction.rules[pair.first], interaction.rules[pair.second]}},
                       {"cost", rule_cost_json(pair.cost, view)}});
    }
    out.push_back({{"rules", interaction.rules},
                   {"joint", rule_cost_json(interaction.joint, view)},
                   {"shapley", shapley},
                   {"exact", interaction.exact},
                   {"pairs", pairs}});
  }
  return out;
}

}  // namespace fleetplan::report
