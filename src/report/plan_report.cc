#include "report/plan_report.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "report/table.h"

namespace fleetplan::report {

using nlohmann::ordered_json;
using plan::Plan;
using plan::Problem;
using plan::ServiceKind;

std::string money(double usd) {
  const double magnitude = std::abs(usd);
  if (magnitude >= 1e9) {
    return fmt::format("{:.2f} bn USD", usd / 1e9);
  }
  if (magnitude >= 1e6) {
    return fmt::format("{:.1f} M USD", usd / 1e6);
  }
  return grouped(usd) + " USD";
}

std::string large(double value) {
  const double magnitude = std::abs(value);
  if (magnitude >= 1e12) {
    return fmt::format("{:.2f} T", value / 1e12);
  }
  if (magnitude >= 1e9) {
    return fmt::format("{:.2f} bn", value / 1e9);
  }
  if (magnitude >= 1e6) {
    return fmt::format("{:.2f} M", value / 1e6);
  }
  return grouped(value);
}

namespace {

// A demand or capacity figure in the service's unit.
std::string amount(const plan::Service& service, double value) {
  if (service.kind == ServiceKind::kTraining) {
    return std::abs(value) >= 1e18 ? fmt::format("{:.2f} EFLOP/s", value / 1e18)
                                   : fmt::format("{:.1f} PFLOP/s", value / 1e15);
  }
  return large(value) + " tokens/day";
}

std::string signed_amount(const plan::Service& service, double value) {
  return (value > 0 ? "+" : "") + amount(service, value);
}

std::string mode_label(const plan::Option& option) {
  return option.installed_base ? "installed" : plan::mode_name(option.mode);
}

std::string percent(double fraction, int decimals = 1) {
  return fmt::format("{:.{}f} %", 100 * fraction, decimals);
}

std::string in_currency(const PlanContext& context, int period, double usd) {
  if (context.currency.empty() || context.currency == "USD" ||
      period >= static_cast<int>(context.per_usd.size())) {
    return "";
  }
  const double value = usd * context.per_usd[period];
  if (std::abs(value) >= 1e9) {
    return fmt::format(" ({:.2f} bn {})", value / 1e9, context.currency);
  }
  return fmt::format(" ({:.1f} M {})", value / 1e6, context.currency);
}

double inference_sum(const Problem& problem, const std::vector<double>& per_service) {
  double total = 0;
  for (std::size_t s = 0; s < problem.services.size(); ++s) {
    if (problem.services[s].kind == ServiceKind::kInference) {
      total += per_service[s];
    }
  }
  return total;
}

// What the accelerators of a fleet line serve: "doubao-chat 272,131; light-apps 140,893".
std::string serves(const Problem& problem, const plan::FleetLine& line) {
  std::string out;
  for (std::size_t s = 0; s < problem.services.size(); ++s) {
    if (line.allocated[s] >= 0.5) {
      out += fmt::format("{}{} {}", out.empty() ? "" : "; ", problem.services[s].name,
                         grouped(line.allocated[s]));
    }
  }
  if (out.empty()) {
    out = "idle";
  }
  return out;
}

// The fleet lines of one period, in option order.
std::vector<const plan::FleetLine*> fleet_of(const Plan& plan, int period) {
  std::vector<const plan::FleetLine*> lines;
  for (const auto& line : plan.fleet) {
    if (line.period == period) {
      lines.push_back(&line);
    }
  }
  return lines;
}

std::string rule_description(const Problem& problem, const std::string& name) {
  for (const auto& rule : problem.rules) {
    if (rule.name == name) {
      return rule.description;
    }
  }
  return "";
}

// The average over periods of a rule's inference tokens/day change.
double mean_tokens(const plan::RuleCost& cost) {
  if (cost.tokens_per_day.empty()) {
    return 0;
  }
  double total = 0;
  for (double t : cost.tokens_per_day) {
    total += t;
  }
  return total / static_cast<double>(cost.tokens_per_day.size());
}

// Changes in the training services' served compute, "+1.2 PFLOP/s foundation-training".
std::string training_change(const Problem& problem, const plan::RuleCost& cost) {
  std::string out;
  for (std::size_t s = 0; s < problem.services.size(); ++s) {
    if (problem.services[s].kind != ServiceKind::kTraining) {
      continue;
    }
    double total = 0;
    for (const auto& row : cost.served_change) {
      total += row[s];
    }
    total /= static_cast<double>(std::max<std::size_t>(1, cost.served_change.size()));
    if (std::abs(total) > 1e-9 * std::max(1.0, problem.services[s].demand.back())) {
      out += fmt::format("{}{} {}", out.empty() ? "" : "; ",
                         signed_amount(problem.services[s], total), problem.services[s].name);
    }
  }
  return out.empty() ? "-" : out;
}

// " (proven gap 0.002 %)", or for max-served the gaps of both stages.
std::string gap_text(const Plan& plan) {
  if (plan.objective == plan::Objective::kMaxServed) {
    return fmt::format(" (proven gaps: demand served {:.3f} %, cost at that service {:.3f} %)",
                       100 * plan.served_gap, 100 * plan.gap);
  }
  return fmt::format(" (proven gap {:.3f} %)", 100 * plan.gap);
}

std::string tight_list(const Plan& plan) {
  std::string out;
  for (const auto& tight : plan.tight) {
    out += fmt::format("  - {}{}\n", tight.name,
                       tight.rule.empty() ? "" : " (rule " + tight.rule + ")");
  }
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
    out +=
        "\nNo plan satisfies the hard constraints. The smallest relaxation that makes one "
        "feasible (elastic slacks, each relative to its bound):\n";
    for (const auto& conflict : plan.conflicts) {
      out += fmt::format("  - {}\n", conflict.message);
    }
    if (!plan.tight.empty()) {
      out +=
          "They conflict with these constraints, tight in the relaxed plan:\n" + tight_list(plan);
    }
    out +=
        "\nRelax one of them (a budget, a site's power, a rule with --without-rule) or let "
        "unmet demand be priced (settings.shortfall_usd_per_million_tokens).\n";
    return out;
  }

  for (int p = 0; p < static_cast<int>(problem.periods.size()); ++p) {
    const auto& period = problem.periods[p];
    const auto& outcome = plan.periods[p];
    out += fmt::format("\n== Period {} ==\n", period.name);
    if (period.budget_usd) {
      out +=
          fmt::format("Budget {}{}; spend {}{} ({} of the budget)\n", money(*period.budget_usd),
                      in_currency(context, p, *period.budget_usd), money(outcome.spend_usd),
                      in_currency(context, p, outcome.spend_usd),
                      percent(*period.budget_usd > 0 ? outcome.spend_usd / *period.budget_usd : 0));
    } else {
      out += fmt::format("No budget cap; spend {}\n", money(outcome.spend_usd));
    }
    out += "\nFleet\n";
    TextTable fleet({"accelerator", "site", "mode", "acquired", "active", "spend", "power MW",
                     "serves (accelerators)"},
                    {false, false, false, true, true, true, true, false});
    for (const auto* line : fleet_of(plan, p)) {
      const auto& option = problem.options[line->option];
      fleet.add_row({option.accelerator, problem.sites[option.site].name, mode_label(option),
                     grouped(line->acquired), grouped(line->active), money(line->spend_usd),
                     grouped(line->power_w / 1e6, 1), serves(problem, *line)});
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
      sites += fmt::format("{}{} {:.1f}{} MW", sites.empty() ? "" : "; ", problem.sites[k].name,
                           outcome.site_power_w[k] / 1e6,
                           limit ? fmt::format(" of {:.0f}", *limit / 1e6) : std::string());
    }
    if (!sites.empty()) {
      out += fmt::format("Site power: {}\n", sites);
    }
    for (const auto& cap : plan.spend_caps) {
      if (cap.period == p) {
        out += fmt::format("Budget line {}: {} of {}{}\n", cap.name, money(cap.spend_usd),
                           money(cap.max_usd), cap.binding ? "" : " (reported only)");
      }
    }
  }

  out += fmt::format(
      "\nOver the horizon: cash {}; value left at the end {}; cost (cash - residual value + "
      "unmet-demand penalties) {}\n",
      money(plan.spend_usd), money(plan.residual_usd), money(plan.cost_usd));
  if (!plan.tight.empty()) {
    out += "\nBinding constraints (no room for one more server):\n" + tight_list(plan);
  }

  if (!plan.rule_costs.empty()) {
    out += "\nWhat each rule costs (the plan re-solved without it)\n";
    const bool max_served = plan.objective == plan::Objective::kMaxServed;
    TextTable rules({"rule", "binds", max_served ? "cost at equal service" : "cost",
                     "tokens/day without", "training without"},
                    {false, false, true, true, false});
    for (const auto& cost : plan.rule_costs) {
      std::string usd = cost.binding ? money(cost.cost_usd) : "0";
      if (!cost.cost_known) {
        usd = "n/a (unreachable)";
      } else if (cost.status_without == plan::SolveStatus::kFeasible) {
        // The re-solve stopped at its node limit: its cost is an upper bound, so the rule's
        // cost is a lower bound.
        usd.insert(0, "at least ");
      }
      const double tokens = mean_tokens(cost);
      rules.add_row({cost.rule, cost.binding ? "yes" : "no", usd,
                     cost.binding ? (tokens > 0 ? "+" : "") + large(tokens) : "0",
                     cost.binding ? training_change(problem, cost) : "-"});
    }
    out += rules.render();
    out += max_served
               ? "cost at equal service: least cost of the same demand served without the rule, "
                 "less this plan's cost; tokens/day and training: the most served without it, "
                 "less this plan's. Negative: the rule permits something.\n"
               : "cost: this plan's cost less the plan's without the rule. Negative: the rule "
                 "permits something.\n";
  }

  if (!context.capacities.empty()) {
    out += "\nCapacity of one accelerator at each service's latency targets (goodput)\n";
    TextTable capacity({"accelerator", "service", "capacity", "how"}, {false, false, true, false});
    for (const auto& c : context.capacities) {
      const plan::Service* service = nullptr;
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
  }

  if (!problem.assumptions.empty()) {
    out += "\nAssumptions (figures the facts do not give)\n";
    for (const auto& assumption : problem.assumptions) {
      out += fmt::format("  - {}\n", assumption);
    }
  }
  return out;
}

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
      services.push_back(
          {{"name", service.name},
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
    periods.push_back(std::move(j));
  }
  out["periods"] = periods;
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

namespace {

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

constexpr const char* kPalette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
constexpr int kPaletteSize = 10;

// A horizontal bar chart: one bar per row, each bar made of segments. Values share one
// scale; labels on the left, the total on the right.
struct Bar {
  std::string label;
  std::vector<double> segments;
  std::string total;
};

std::string bar_chart(const std::string& title, const std::vector<Bar>& bars,
                      const std::vector<std::string>& legend) {
  double max_total = 0;
  for (const auto& bar : bars) {
    double total = 0;
    for (double v : bar.segments) {
      total += v;
    }
    max_total = std::max(max_total, total);
  }
  const int label_width = 230;
  const int chart_width = 420;
  const int row = 24;
  const int legend_rows = legend.empty() ? 0 : 1 + static_cast<int>(legend.size() - 1) / 4;
  const int height = 30 + row * static_cast<int>(bars.size()) + 20 * legend_rows + 10;
  std::string svg = fmt::format(
      "<figure><figcaption>{}</figcaption><svg xmlns=\"http://www.w3.org/2000/svg\" "
      "width=\"{}\" height=\"{}\" role=\"img\">\n",
      escape(title), label_width + chart_width + 140, height);
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const int y = 20 + row * static_cast<int>(i);
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", label_width - 6,
                       y + 15, escape(bars[i].label));
    double x = label_width;
    for (std::size_t k = 0; k < bars[i].segments.size(); ++k) {
      const double w = max_total > 0 ? bars[i].segments[k] / max_total * chart_width : 0;
      if (w > 0) {
        svg += fmt::format(
            "<rect x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" fill=\"{}\"/>\n", x, y + 2,
            w, row - 6, kPalette[k % kPaletteSize]);
      }
      x += w;
    }
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\">{}</text>\n", x + 6, y + 15,
                       escape(bars[i].total));
  }
  for (std::size_t k = 0; k < legend.size(); ++k) {
    const int x = label_width + 150 * static_cast<int>(k % 4);
    const int y = 30 + row * static_cast<int>(bars.size()) + 20 * static_cast<int>(k / 4);
    svg += fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{}\" "
        "y=\"{}\">{}</text>\n",
        x, y - 10, kPalette[k % kPaletteSize], x + 16, y, escape(legend[k]));
  }
  svg += "</svg></figure>\n";
  return svg;
}

std::string html_table(const std::vector<std::string>& headers,
                       const std::vector<std::vector<std::string>>& rows) {
  std::string out = "<table><thead><tr>";
  for (const auto& h : headers) {
    out += "<th>" + escape(h) + "</th>";
  }
  out += "</tr></thead><tbody>\n";
  for (const auto& row : rows) {
    out += "<tr>";
    for (const auto& cell : row) {
      out += "<td>" + escape(cell) + "</td>";
    }
    out += "</tr>\n";
  }
  out += "</tbody></table>\n";
  return out;
}

}  // namespace

std::string verification_text(const std::vector<plan::Verification>& verifications) {
  if (verifications.empty()) {
    return "Verification: no inference deployment to simulate.\n";
  }
  std::string out =
      "Verification by simulation: each deployment type at its share of the peak-hour load\n";
  TextTable table({"period", "service", "accelerator", "deployment", "load", "req/s", "requests",
                   "TTFT p90 ms", "TPOT p90 ms", "within targets", "holds"},
                  {false, false, false, false, true, true, true, true, true, true, false});
  std::string notes;
  for (const auto& v : verifications) {
    const auto& l = v.layout;
    table.add_row({v.period, v.service, v.accelerator,
                   v.deployment > 0
                       ? fmt::format("{} (TP{} PP{} EP{})", v.deployment, l.tp, l.pp, l.ep)
                       : "-",
                   percent(v.utilisation, 0), grouped(v.request_rate, 2),
                   grouped(static_cast<double>(v.requests)), grouped(v.ttft_p90_ms, 0),
                   grouped(v.tpot_p90_ms, 1), percent(v.attainment), v.holds ? "yes" : "NO"});
    if (!v.note.empty()) {
      notes += fmt::format("  - {} / {} / {}: {}\n", v.period, v.service, v.accelerator, v.note);
    }
  }
  out += table.render();
  out +=
      "A deployment holds when at least 90 % of its simulated requests meet both of its "
      "service's TTFT and TPOT targets.\n";
  return out + notes;
}

ordered_json verification_json(const std::vector<plan::Verification>& verifications) {
  ordered_json out = ordered_json::array();
  for (const auto& v : verifications) {
    out.push_back({{"period", v.period},
                   {"service", v.service},
                   {"accelerator", v.accelerator},
                   {"deployment", v.deployment},
                   {"tp", v.layout.tp},
                   {"pp", v.layout.pp},
                   {"ep", v.layout.ep},
                   {"deployments", v.deployments},
                   {"utilisation", v.utilisation},
                   {"request_rate", v.request_rate},
                   {"window_s", v.window_s},
                   {"requests", v.requests},
                   {"ttft_p90_ms", v.ttft_p90_ms},
                   {"ttft_p99_ms", v.ttft_p99_ms},
                   {"tpot_p90_ms", v.tpot_p90_ms},
                   {"tpot_p99_ms", v.tpot_p99_ms},
                   {"ttft_target_ms", v.ttft_target_ms},
                   {"tpot_target_ms", v.tpot_target_ms},
                   {"attainment", v.attainment},
                   {"holds", v.holds},
                   {"note", v.note}});
  }
  return out;
}

std::string plan_html(const Problem& problem, const Plan& plan, const PlanContext& context,
                      const std::vector<plan::Verification>& verifications) {
  std::string body;
  body += fmt::format("<h1>Plan for {}</h1>\n<p>{}</p>\n", escape(context.scenario),
                      escape(context.description));
  body += fmt::format("<p class=\"status\">Objective <b>{}</b>; status <b>{}</b>",
                      plan::objective_name(plan.objective), plan::solve_status_name(plan.status));
  if (plan.status != plan::SolveStatus::kInfeasible) {
    body += escape(gap_text(plan));
  }
  body += fmt::format("; {} MILPs solved by COIN-OR CBC.</p>\n", plan.solves);
  if (plan.status == plan::SolveStatus::kInfeasible) {
    body += "<h2>No feasible plan</h2><p>The smallest relaxation that makes one feasible:</p><ul>";
    for (const auto& conflict : plan.conflicts) {
      body += "<li>" + escape(conflict.message) + "</li>";
    }
    body += "</ul>\n";
  }

  // Sites in a fixed order give the segments' colours.
  std::vector<std::string> site_names;
  for (const auto& site : problem.sites) {
    site_names.push_back(site.name);
  }
  for (int p = 0; p < static_cast<int>(plan.periods.size()); ++p) {
    const auto& period = problem.periods[p];
    const auto& outcome = plan.periods[p];
    body += fmt::format("<h2>Period {}</h2>\n", escape(period.name));

    // Fleet by accelerator, split by site.
    std::map<std::string, std::vector<double>> by_chip;
    std::vector<std::string> chip_order;
    for (const auto* line : fleet_of(plan, p)) {
      const auto& option = problem.options[line->option];
      if (by_chip.find(option.accelerator) == by_chip.end()) {
        by_chip[option.accelerator].assign(problem.sites.size(), 0.0);
        chip_order.push_back(option.accelerator);
      }
      by_chip[option.accelerator][option.site] += line->active;
    }
    std::vector<Bar> fleet_bars;
    for (const auto& chip : chip_order) {
      double total = 0;
      for (double v : by_chip[chip]) {
        total += v;
      }
      fleet_bars.push_back({chip, by_chip[chip], grouped(total)});
    }
    body += bar_chart("Active accelerators by chip and site", fleet_bars, site_names);

    // Spend against budget (and budget lines).
    std::vector<Bar> spend_bars;
    if (period.budget_usd) {
      spend_bars.push_back({"budget", {*period.budget_usd}, money(*period.budget_usd)});
    }
    spend_bars.push_back({"spend", {outcome.spend_usd}, money(outcome.spend_usd)});
    for (const auto& cap : plan.spend_caps) {
      if (cap.period == p) {
        spend_bars.push_back({cap.name + " (line)", {cap.max_usd}, money(cap.max_usd)});
        spend_bars.push_back({cap.name + " (spent)", {cap.spend_usd}, money(cap.spend_usd)});
      }
    }
    body += bar_chart("Spend against budget (USD)", spend_bars, {});

    // Served against demand, as a share of each service's demand.
    std::vector<Bar> served_bars;
    for (std::size_t s = 0; s < problem.services.size(); ++s) {
      const double demand = outcome.demand[s];
      const double served = demand > 0 ? outcome.served[s] / demand : 0;
      served_bars.push_back(
          {problem.services[s].name,
           {served, std::max(0.0, 1 - served)},
           fmt::format("{} of {}", percent(served), amount(problem.services[s], demand))});
    }
    body += bar_chart("Demand served (share of each service's demand)", served_bars,
                      {"served", "not served"});

    std::vector<std::vector<std::string>> rows;
    for (const auto* line : fleet_of(plan, p)) {
      const auto& option = problem.options[line->option];
      rows.push_back({option.accelerator, problem.sites[option.site].name, mode_label(option),
                      grouped(line->acquired), grouped(line->active), money(line->spend_usd),
                      serves(problem, *line)});
    }
    body +=
        html_table({"accelerator", "site", "mode", "acquired", "active", "spend", "serves"}, rows);
  }

  if (!plan.rule_costs.empty()) {
    body += "<h2>What each rule costs</h2>\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& cost : plan.rule_costs) {
      const double tokens = mean_tokens(cost);
      rows.push_back({cost.rule, rule_description(problem, cost.rule), cost.binding ? "yes" : "no",
                      cost.cost_known ? money(cost.cost_usd) : "n/a (unreachable)",
                      (tokens > 0 ? "+" : "") + large(tokens),
                      cost.binding ? training_change(problem, cost) : "-"});
    }
    body += html_table(
        {"rule", "what it says", "binds", "cost", "tokens/day without", "training without"}, rows);
  }
  if (!plan.tight.empty()) {
    body += "<h2>Binding constraints</h2><ul>";
    for (const auto& tight : plan.tight) {
      body += "<li>" + escape(tight.name) + "</li>";
    }
    body += "</ul>\n";
  }
  if (!verifications.empty()) {
    std::vector<std::vector<std::string>> rows;
    rows.reserve(verifications.size());
    for (const auto& v : verifications) {
      rows.push_back({v.period, v.service, v.accelerator, std::to_string(v.deployment),
                      percent(v.utilisation, 0), grouped(v.ttft_p90_ms, 0),
                      grouped(v.tpot_p90_ms, 1), percent(v.attainment), v.holds ? "yes" : "NO"});
    }
    body += "<h2>Verification by simulation (peak hour)</h2>\n" +
            html_table({"period", "service", "accelerator", "deployment", "load", "TTFT p90 ms",
                        "TPOT p90 ms", "within targets", "holds"},
                       rows);
  }
  if (!context.capacities.empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& c : context.capacities) {
      rows.push_back({c.accelerator, c.service, large(c.per_accelerator), c.note});
    }
    body += "<h2>Capacity of one accelerator (goodput at the latency targets)</h2>\n" +
            html_table({"accelerator", "service", "per accelerator", "how"}, rows);
  }
  if (!problem.assumptions.empty()) {
    body += "<h2>Assumptions</h2><ul>";
    for (const auto& assumption : problem.assumptions) {
      body += "<li>" + escape(assumption) + "</li>";
    }
    body += "</ul>\n";
  }
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>fleetplan: "
      "{}</title>\n<style>\nbody{{font-family:sans-serif;max-width:1100px;margin:2em auto;"
      "color:#222}}\ntable{{border-collapse:collapse;margin:1em 0}}\ntd,th{{border:1px solid "
      "#ccc;padding:3px 8px;font-size:13px}}\nth{{background:#f2f2f2}}\nsvg text{{font-size:"
      "12px}}\nfigcaption{{font-weight:bold;margin:1em 0 .3em}}\n</style></head>\n<body>\n{}"
      "</body></html>\n",
      escape(context.scenario), body);
}

}  // namespace fleetplan::report
