// The plan as JSON.
#include "report/plan_report.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "report/detail/plan_format.h"
#include "report/economics_report.h"
#include "report/table.h"

namespace fleetplan::report {

using nlohmann::ordered_json;
using plan::Plan;
using plan::Problem;
using plan::ServiceKind;
using namespace detail;  // NOLINT(google-build-using-namespace): this layer's own helpers

namespace {

// One period: budget, spend, shares, fleet, demand and service, site power, budget lines.
ordered_json period_json(const Problem& problem, const Plan& plan, int p) {
  const auto& period = problem.periods[p];
  const auto& outcome = plan.periods[p];
  ordered_json j;
  j["name"] = period.name;
  j["budget_usd"] = period.budget_usd ? ordered_json(*period.budget_usd) : ordered_json();
  j["spend_usd"] = outcome.spend_usd;
  j["domestic_share"] = outcome.accelerators_acquired > 0
                            ? ordered_json(outcome.domestic_share_count)
                            : ordered_json();
  j["domestic_share_spend"] = outcome.domestic_share_spend;
  j["capacity_tokens_per_day"] = inference_sum(problem, outcome.capacity);
  j["demand_tokens_per_day"] = inference_sum(problem, outcome.demand);
  j["served_tokens_per_day"] = inference_sum(problem, outcome.served);
  j["accelerators_active"] = outcome.accelerators_active;
  j["accelerators_acquired"] = outcome.accelerators_acquired;
  ordered_json services = ordered_json::array();
  for (std::size_t s = 0; s < problem.services.size(); ++s) {
    const auto& service = problem.services[s];
    services.push_back({{"name", service.name},
                        {"kind", service.kind == ServiceKind::kTraining ? "training" : "inference"},
                        {"unit", service.kind == ServiceKind::kTraining ? "FLOP/s" : "tokens/day"},
                        {"demand", outcome.demand[s]},
                        {"served", outcome.served[s]},
                        {"capacity", outcome.capacity[s]}});
  }
  j["services"] = services;
  ordered_json fleet = ordered_json::array();
  for (const auto* line : fleet_of(plan, p)) {
    const auto& option = problem.options[line->option];
    ordered_json allocation = ordered_json::object();
    for (std::size_t s = 0; s < problem.services.size(); ++s) {
      if (line->allocated[s] > 0) {
        allocation[problem.services[s].name] = line->allocated[s];
      }
    }
    fleet.push_back({{"accelerator", option.accelerator},
                     {"site", problem.sites[option.site].name},
                     {"mode", mode_label(option)},
                     {"count", line->active},
                     {"acquired", line->acquired},
                     {"cost_usd", line->spend_usd},
                     {"power_w", line->power_w},
                     {"domestic", option.domestic},
                     {"allocation", allocation}});
  }
  j["fleet"] = fleet;
  ordered_json sites = ordered_json::array();
  for (std::size_t k = 0; k < problem.sites.size(); ++k) {
    const auto& limit = problem.sites[k].power_limit_w;
    sites.push_back({{"name", problem.sites[k].name},
                     {"power_w", outcome.site_power_w[k]},
                     {"power_limit_w", limit ? ordered_json(*limit) : ordered_json()}});
  }
  j["sites"] = sites;
  ordered_json lines = ordered_json::array();
  for (const auto& cap : plan.spend_caps) {
    if (cap.period == p) {
      lines.push_back({{"name", cap.name},
                       {"spend_usd", cap.spend_usd},
                       {"max_usd", cap.max_usd},
                       {"binding", cap.binding}});
    }
  }
  j["budget_lines"] = lines;
  j["spend_by_item"] = spend_by_item_json(plan.periods[p]);
  if (!plan.periods[p].value_usd.empty()) {
    ordered_json value = ordered_json::array();
    for (std::size_t s = 0; s < problem.services.size(); ++s) {
      value.push_back(
          {{"service", problem.services[s].name}, {"usd", plan.periods[p].value_usd[s]}});
    }
    j["value_served"] = value;
  }
  return j;
}

}  // namespace

ordered_json plan_json(const Problem& problem, const Plan& plan, const PlanContext& context) {
  ordered_json out;
  out["scenario"] = context.scenario;
  out["objective"] = plan::objective_name(plan.objective);
  out["status"] = plan::solve_status_name(plan.status);
  out["gap"] = plan.gap;
  out["served_gap"] = plan.served_gap;
  out["solves"] = plan.solves;
  out["nodes"] = plan.nodes;
  out["spend_usd"] = plan.spend_usd;
  out["residual_usd"] = plan.residual_usd;
  out["cost_usd"] = plan.cost_usd;
  out["served_score"] = plan.served_score;
  out["rules_left_out"] = context.rules_left_out;
  out["rules_added"] = context.rules_added;
  ordered_json periods = ordered_json::array();
  for (int p = 0; p < static_cast<int>(plan.periods.size()); ++p) {
    periods.push_back(period_json(problem, plan, p));
  }
  out["periods"] = periods;
  out["unit_costs"] = unit_costs_json(problem, plan);
  out["marginal_costs"] = marginal_costs_json(problem, plan);
  out["training_jobs"] = training_jobs_json(problem, plan);
  out["demand_notes"] = context.demand_notes;
  ordered_json rules = ordered_json::array();
  for (const auto& cost : plan.rule_costs) {
    const plan::Rule* rule = nullptr;
    for (const auto& r : problem.rules) {
      if (r.name == cost.rule) {
        rule = &r;
      }
    }
    rules.push_back({{"name", cost.rule},
                     {"description", rule != nullptr ? rule->description : ""},
                     {"source", rule != nullptr ? rule->source : ""},
                     {"binding", cost.binding},
                     {"cost_usd", cost.cost_known ? ordered_json(cost.cost_usd) : ordered_json()},
                     {"tokens_per_day", cost.tokens_per_day},
                     {"served_score_change", cost.served_score_change},
                     {"status_without", plan::solve_status_name(cost.status_without)}});
  }
  out["rules"] = rules;
  ordered_json tight = ordered_json::array();
  for (const auto& t : plan.tight) {
    tight.push_back({{"name", t.name}, {"kind", t.kind}, {"rule", t.rule}});
  }
  out["tight"] = tight;
  ordered_json conflicts = ordered_json::array();
  for (const auto& c : plan.conflicts) {
    conflicts.push_back(
        {{"constraint", c.constraint},
         {"kind", c.kind},
         {"rule", c.rule},
         {"period", c.period >= 0 ? ordered_json(problem.periods[c.period].name) : ordered_json()},
         {"amount", c.amount},
         {"unit", c.unit},
         {"relative", c.relative},
         {"message", c.message}});
  }
  out["conflicts"] = conflicts;
  ordered_json capacities = ordered_json::array();
  for (const auto& c : context.capacities) {
    capacities.push_back({{"accelerator", c.accelerator},
                          {"service", c.service},
                          {"per_accelerator", c.per_accelerator},
                          {"deployment", c.deployment},
                          {"note", c.note}});
  }
  out["capacities"] = capacities;
  out["assumptions"] = problem.assumptions;
  out["policy"] = context.policy_notes;
  return out;
}

}  // namespace fleetplan::report
