// The plan as JSON.
#include "report/plan_report.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "report/detail/plan_format.h"
#include "report/economics_report.h"
#include "report/rule_costs_report.h"
#include "report/table.h"

namespace fleetplan::report {

using nlohmann::ordered_json;
using plan::Plan;
using plan::Problem;
using plan::ServiceKind;
using namespace detail;  // NOLINT(google-build-using-namespace): this layer's own helpers

namespace {

// One period: exchange rate, budget, spend, shares, fleet, demand and service, site power,
// budget lines.
ordered_json period_json(const Problem& problem, const Plan& plan, const PlanContext& context,
                         int p) {
  const auto& period = problem.periods[p];
  const auto& outcome = plan.periods[p];
  ordered_json j;
  j["name"] = period.name;
  // Units of the report currency per USD in this period (1 when the report is in USD).
  j["report_currency_per_usd"] =
      p < static_cast<int>(context.per_usd.size()) && !context.currency.empty() ? context.per_usd[p]
                                                                                : 1.0;
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
    const auto& region = problem.sites[k].region;
    sites.push_back({{"name", problem.sites[k].name},
                     {"region", region.empty() ? ordered_json() : ordered_json(region)},
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

// The name of the report-currency twin of a USD field: spend_usd -> spend_report_currency,
// usd -> report_currency, usd_per_million_tokens -> report_currency_per_million_tokens; ""
// when the field is not in USD.
std::string twin_name(const std::string& key) {
  if (key.rfind("report_currency", 0) == 0) {
    return "";  // the rate itself
  }
  if (key == "usd") {
    return "report_currency";
  }
  if (key.size() > 4 && key.compare(key.size() - 4, 4, "_usd") == 0) {
    return key.substr(0, key.size() - 4) + "_report_currency";
  }
  if (key.rfind("usd_", 0) == 0 && key != "usd_bound") {
    return "report_currency_" + key.substr(4);
  }
  return "";
}

// Gives every USD amount (a number, or null) a twin in the report currency right after it:
// amounts inside periods[p], or in an object naming its period, at that period's rate; others
// (over the horizon) at the mean of the periods' rates. Objects that already hold the twin
// (rule costs) are left as they are.
void add_report_currency(ordered_json& node, double rate, const Problem& problem,
                         const std::vector<double>& rates, double horizon_rate) {
  if (node.is_array()) {
    for (auto& item : node) {
      add_report_currency(item, rate, problem, rates, horizon_rate);
    }
    return;
  }
  if (!node.is_object()) {
    return;
  }
  if (node.contains("period") && node["period"].is_string()) {
    for (std::size_t p = 0; p < problem.periods.size() && p < rates.size(); ++p) {
      if (problem.periods[p].name == node["period"].get<std::string>()) {
        rate = rates[p];
      }
    }
  }
  ordered_json out = ordered_json::object();
  for (auto& [key, value] : node.items()) {
    if (key == "periods" && value.is_array()) {
      for (std::size_t p = 0; p < value.size(); ++p) {
        add_report_currency(value[p], p < rates.size() ? rates[p] : horizon_rate, problem, rates,
                            horizon_rate);
      }
    } else {
      add_report_currency(value, rate, problem, rates, horizon_rate);
    }
    out[key] = value;
    const std::string twin = twin_name(key);
    if (!twin.empty() && !node.contains(twin) && (value.is_number() || value.is_null())) {
      out[twin] = value.is_number() ? ordered_json(value.get<double>() * rate) : ordered_json();
    }
  }
  node = std::move(out);
}

// What each rule costs, with the rule's description and source.
ordered_json rules_json(const Problem& problem, const Plan& plan, const CurrencyView& view) {
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
                     {"cost_usd", cost.cost_usd},
                     {"cost", rule_cost_json(cost, view)},
                     {"tokens_per_day", cost.tokens_per_day},
                     {"served_score_change", cost.served_score_change},
                     {"status_without", plan::solve_status_name(cost.status_without)}});
  }
  return rules;
}

// The constraints in conflict when the plan is infeasible.
ordered_json conflicts_json(const Problem& problem, const Plan& plan) {
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
  return conflicts;
}

// The capacity of one accelerator for each service, as the plan used it.
ordered_json capacities_json(const PlanContext& context) {
  ordered_json capacities = ordered_json::array();
  for (const auto& c : context.capacities) {
    capacities.push_back({{"accelerator", c.accelerator},
                          {"service", c.service},
                          {"per_accelerator", c.per_accelerator},
                          {"deployment", c.deployment},
                          {"note", c.note}});
  }
  return capacities;
}

}  // namespace

ordered_json plan_json(const Problem& problem, const Plan& plan, const PlanContext& context) {
  ordered_json out;
  out["scenario"] = context.scenario;
  // The currency the text report shows beside USD; every amount here stays in USD.
  out["report_currency"] = context.currency.empty() ? std::string("USD") : context.currency;
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
    periods.push_back(period_json(problem, plan, context, p));
  }
  out["periods"] = periods;
  out["unit_costs"] = unit_costs_json(problem, plan);
  out["marginal_costs"] = marginal_costs_json(problem, plan);
  out["training_jobs"] = training_jobs_json(problem, plan);
  out["demand_notes"] = context.demand_notes;
  const CurrencyView view{context.currency, context.per_usd};
  out["rules"] = rules_json(problem, plan, view);
  out["rule_cost_pricing"] = plan.rule_cost_pricing;
  out["rule_interactions"] = rule_interactions_json(plan, view);
  ordered_json tight = ordered_json::array();
  for (const auto& t : plan.tight) {
    tight.push_back({{"name", t.name}, {"kind", t.kind}, {"rule", t.rule}});
  }
  out["tight"] = tight;
  out["conflicts"] = conflicts_json(problem, plan);
  out["capacities"] = capacities_json(context);
  out["assumptions"] = problem.assumptions;
  out["policy"] = context.policy_notes;
  std::vector<double> rates;
  for (std::size_t p = 0; p < plan.periods.size(); ++p) {
    rates.push_back(p < context.per_usd.size() && !context.currency.empty() ? context.per_usd[p]
                                                                            : 1.0);
  }
  add_report_currency(out, horizon_per_usd(view), problem, rates, horizon_per_usd(view));
  return out;
}

}  // namespace fleetplan::report
