// The plan as text: one function per section.
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

using plan::Plan;
using plan::Problem;
using namespace detail;  // NOLINT(google-build-using-namespace): this layer's own helpers

namespace {

// An assumption line without its "; why: ..." part (the terminal report keeps the value
// and the source; the reasoning runs to hundreds of characters).
std::string without_reasoning(const std::string& assumption) {
  const auto why = assumption.find("; why: ");
  if (why == std::string::npos) {
    return assumption;
  }
  const auto source = assumption.find("; source: ", why);
  return assumption.substr(0, why) +
         (source == std::string::npos ? std::string() : assumption.substr(source));
}

// No plan: the smallest relaxation that makes one feasible, and what it conflicts with.
std::string text_infeasible(const Plan& plan) {
  std::string out;
  out +=
      "\nNo plan satisfies the hard constraints. The smallest relaxation that makes one "
      "feasible (elastic slacks, each relative to its bound):\n";
  for (const auto& conflict : plan.conflicts) {
    out += fmt::format("  - {}\n", conflict.message);
  }
  if (!plan.tight.empty()) {
    out += "They conflict with these constraints, tight in the relaxed plan:\n" + tight_list(plan);
  }
  out +=
      "\nRelax one of them (a budget, a site's power, a rule with --without-rule) or let "
      "unmet demand be priced (settings.shortfall_usd_per_million_tokens).\n";
  return out;
}

// One period: budget and spend, the fleet, demand and service, shares, site power, budget lines.
std::string text_period(const Problem& problem, const Plan& plan, const PlanContext& context,
                        int p) {
  std::string out;
  const auto& period = problem.periods[p];
  const auto& outcome = plan.periods[p];
  out += fmt::format("\n== Period {} ==\n", period.name);
  const CurrencyView view{context.currency, context.per_usd};
  if (period.budget_usd) {
    out += fmt::format(
        "Budget {}; spend {} ({} of the budget)\n", with_currency(view, p, *period.budget_usd),
        with_currency(view, p, outcome.spend_usd),
        percent(*period.budget_usd > 0 ? outcome.spend_usd / *period.budget_usd : 0));
  } else {
    out += fmt::format("No budget cap; spend {}\n", with_currency(view, p, outcome.spend_usd));
  }
  out += "\nFleet\n";
  TextTable fleet({"accelerator", "site", "mode", "acquired", "active", "spend", "power MW",
                   "serves (accelerators)"},
                  {false, false, false, true, true, true, true, false});
  for (const auto* line : fleet_of(plan, p)) {
    const auto& option = problem.options[line->option];
    fleet.add_row({option.accelerator, problem.sites[option.site].name, mode_label(option),
                   grouped(line->acquired), grouped(line->active),
                   with_currency(view, p, line->spend_usd), grouped(line->power_w / 1e6, 1),
                   serves(problem, *line)});
  }
  out += fleet.render();

  out += "\nDemand\n";
  TextTable demand({"service", "demand", "served", "served %", "peak/avg"},
                   {false, true, true, true, true});
  for (std::size_t s = 0; s < problem.services.size(); ++s) {
    const auto& service = problem.services[s];
    const double ratio = service.peak_to_average.empty() ? 1.0 : service.peak_to_average[p];
    demand.add_row({service.name, amount(service, outcome.demand[s]),
                    amount(service, outcome.served[s]),
                    outcome.demand[s] > 0 ? percent(outcome.served[s] / outcome.demand[s]) : "-",
                    fmt::format("{:.2f}", ratio)});
  }
  out += demand.render();
  const double tokens_demand = inference_sum(problem, outcome.demand);
  const double tokens_served = inference_sum(problem, outcome.served);
  out += fmt::format("Inference: {} of {} tokens/day served ({})\n", large(tokens_served),
                     large(tokens_demand),
                     tokens_demand > 0 ? percent(tokens_served / tokens_demand) : "-");
  if (outcome.accelerators_acquired > 0) {
    out += fmt::format(
        "Domestic share of the accelerators acquired: {} by count, {} of the "
        "period's spend\n",
        percent(outcome.domestic_share_count), percent(outcome.domestic_share_spend));
  } else {
    out += "No accelerators acquired in the period.\n";
  }
  std::string sites;
  for (std::size_t k = 0; k < problem.sites.size(); ++k) {
    if (outcome.site_power_w[k] <= 0) {
      continue;
    }
    const auto& limit = problem.sites[k].power_limit_w;
    const auto& region = problem.sites[k].region;
    sites += fmt::format("{}{}{} {:.1f}{} MW", sites.empty() ? "" : "; ", problem.sites[k].name,
                         region.empty() ? std::string() : fmt::format(" ({})", region),
                         outcome.site_power_w[k] / 1e6,
                         limit ? fmt::format(" of {:.0f}", *limit / 1e6) : std::string());
  }
  if (!sites.empty()) {
    out += fmt::format("Site power: {}\n", sites);
  }
  for (const auto& cap : plan.spend_caps) {
    if (cap.period == p) {
      out += fmt::format("Budget line {}: {} of {}{}\n", cap.name,
                         with_currency(view, p, cap.spend_usd), with_currency(view, p, cap.max_usd),
                         cap.binding ? "" : " (reported only)");
    }
  }
  return out;
}

// The capacity of one accelerator for each service, at the latency targets.
std::string text_capacities(const Problem& problem, const PlanContext& context) {
  std::string out;
  out += "\nCapacity of one accelerator at each service's latency targets (goodput)\n";
  TextTable capacity({"accelerator", "service", "capacity", "how"}, {false, false, true, false});
  for (const auto& c : context.capacities) {
    const plan::ServiceRow* service = nullptr;
    for (const auto& s : problem.services) {
      if (s.name == c.service) {
        service = &s;
      }
    }
    capacity.add_row(
        {c.accelerator, c.service,
         service != nullptr && c.per_accelerator > 0 ? amount(*service, c.per_accelerator) : "0",
         c.note});
  }
  out += capacity.render();
  return out;
}

}  // namespace

std::string plan_text(const Problem& problem, const Plan& plan, const PlanContext& context) {
  std::string out;
  out += fmt::format("Plan for {}: {}, {}", context.scenario, plan::objective_name(plan.objective),
                     plan::solve_status_name(plan.status));
  if (plan.status != plan::SolveStatus::kInfeasible) {
    out += gap_text(plan);
  }
  out += fmt::format("; {} MILPs solved by CBC, {} branch-and-bound nodes\n", plan.solves,
                     grouped(static_cast<double>(plan.nodes)));
  if (!context.source.empty()) {
    out += fmt::format("Scenario: {}\n", context.source);
  }
  if (!context.rules_left_out.empty()) {
    out += fmt::format("Rules left out: {}\n", fmt::join(context.rules_left_out, ", "));
  }
  if (!context.rules_added.empty()) {
    out += fmt::format("Variant rules switched on: {}\n", fmt::join(context.rules_added, ", "));
  }

  if (plan.status == plan::SolveStatus::kInfeasible) {
    out += text_infeasible(plan);
    return out;
  }

  for (int p = 0; p < static_cast<int>(problem.periods.size()); ++p) {
    out += text_period(problem, plan, context, p);
  }
  out += economics_text(problem, plan, {context.currency, context.per_usd}, context.demand_notes);
  const CurrencyView horizon{context.currency, context.per_usd};

  out += fmt::format(
      "\nOver the horizon: cash {}; value left at the end {}; cost (cash - residual value + "
      "unmet-demand penalties) {}\n",
      with_currency_horizon(horizon, plan.spend_usd),
      with_currency_horizon(horizon, plan.residual_usd),
      with_currency_horizon(horizon, plan.cost_usd));
  if (!plan.tight.empty()) {
    out += "\nBinding constraints (no room for one more server):\n" + tight_list(plan);
  }

  if (!plan.rule_costs.empty()) {
    const CurrencyView view{context.currency, context.per_usd};
    out += section_text(rule_cost_section(problem, plan, view));
    out += section_text(rule_interaction_section(problem, plan, view));
    out += section_text(rule_pair_section(problem, plan, view));
  }

  if (!context.capacities.empty()) {
    out += text_capacities(problem, context);
  }

  if (!problem.assumptions.empty()) {
    out +=
        "\nAssumptions (figures the facts do not give; --json and --html give each one's "
        "reasoning)\n";
    for (const auto& assumption : problem.assumptions) {
      out += fmt::format("  - {}\n", without_reasoning(assumption));
    }
  }
  return out;
}

}  // namespace fleetplan::report
