// The plan as one self-contained HTML page (inline SVG charts); verification reports.
#include "report/plan_report.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "report/detail/html.h"
#include "report/detail/plan_format.h"
#include "report/economics_report.h"
#include "report/rule_costs_report.h"
#include "report/table.h"

namespace fleetplan::report {

using nlohmann::ordered_json;
using plan::Plan;
using plan::Problem;
using namespace detail;  // NOLINT(google-build-using-namespace): this layer's own helpers

namespace {

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
      html_escape(title), label_width + chart_width + 140, height);
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const int y = 20 + row * static_cast<int>(i);
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", label_width - 6,
                       y + 15, html_escape(bars[i].label));
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
                       html_escape(bars[i].total));
  }
  for (std::size_t k = 0; k < legend.size(); ++k) {
    const int x = label_width + 150 * static_cast<int>(k % 4);
    const int y = 30 + row * static_cast<int>(bars.size()) + 20 * static_cast<int>(k / 4);
    svg += fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{}\" "
        "y=\"{}\">{}</text>\n",
        x, y - 10, kPalette[k % kPaletteSize], x + 16, y, html_escape(legend[k]));
  }
  svg += "</svg></figure>\n";
  return svg;
}

// One period: its charts and its fleet table.
std::string period_html(const Problem& problem, const Plan& plan,
                        const std::vector<std::string>& site_names, const CurrencyView& view,
                        int p) {
  std::string body;
  const auto& period = problem.periods[p];
  const auto& outcome = plan.periods[p];
  body += fmt::format("<h2>Period {}</h2>\n", html_escape(period.name));

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
    spend_bars.push_back(
        {"budget", {*period.budget_usd}, with_currency(view, p, *period.budget_usd)});
  }
  spend_bars.push_back({"spend", {outcome.spend_usd}, with_currency(view, p, outcome.spend_usd)});
  for (const auto& cap : plan.spend_caps) {
    if (cap.period == p) {
      spend_bars.push_back(
          {cap.name + " (line)", {cap.max_usd}, with_currency(view, p, cap.max_usd)});
      spend_bars.push_back(
          {cap.name + " (spent)", {cap.spend_usd}, with_currency(view, p, cap.spend_usd)});
    }
  }
  body += bar_chart("Spend against budget", spend_bars, {});

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
    rows.push_back({option.accelerator, site_names[option.site], mode_label(option),
                    grouped(line->acquired), grouped(line->active),
                    with_currency(view, p, line->spend_usd), serves(problem, *line)});
  }
  body +=
      html_table({"accelerator", "site", "mode", "acquired", "active", "spend", "serves"}, rows);
  return body;
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
    table.add_row({v.period, v.service, v.accelerator,
                   v.deployment > 0 ? fmt::format("{} ({})", v.deployment, v.shape) : "-",
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
                   {"shape", v.shape},
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
  body += fmt::format("<h1>Plan for {}</h1>\n<p>{}</p>\n", html_escape(context.scenario),
                      html_escape(context.description));
  body += fmt::format("<p class=\"status\">Objective <b>{}</b>; status <b>{}</b>",
                      plan::objective_name(plan.objective), plan::solve_status_name(plan.status));
  if (plan.status != plan::SolveStatus::kInfeasible) {
    body += html_escape(gap_text(plan));
  }
  body += fmt::format("; {} MILPs solved by COIN-OR CBC.</p>\n", plan.solves);
  if (plan.status == plan::SolveStatus::kInfeasible) {
    body += "<h2>No feasible plan</h2><p>The smallest relaxation that makes one feasible:</p><ul>";
    for (const auto& conflict : plan.conflicts) {
      body += "<li>" + html_escape(conflict.message) + "</li>";
    }
    body += "</ul>\n";
  }

  // Sites in a fixed order give the segments' colours; a site is named with its region.
  std::vector<std::string> site_names;
  for (const auto& site : problem.sites) {
    site_names.push_back(site.region.empty() ? site.name
                                             : fmt::format("{} ({})", site.name, site.region));
  }
  for (int p = 0; p < static_cast<int>(plan.periods.size()); ++p) {
    body += period_html(problem, plan, site_names, {context.currency, context.per_usd}, p);
  }
  body += economics_html(problem, plan, {context.currency, context.per_usd}, context.demand_notes);

  if (!plan.rule_costs.empty()) {
    const CurrencyView view{context.currency, context.per_usd};
    body += section_html(rule_cost_section(problem, plan, view));
    body += section_html(rule_interaction_section(problem, plan, view));
    body += section_html(rule_pair_section(problem, plan, view));
  }
  if (!plan.tight.empty()) {
    body += "<h2>Binding constraints</h2><ul>";
    for (const auto& tight : plan.tight) {
      body += "<li>" + html_escape(tight.name) + "</li>";
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
      body += "<li>" + html_escape(assumption) + "</li>";
    }
    body += "</ul>\n";
  }
  return html_page("fleetplan: " + context.scenario, body);
}

}  // namespace fleetplan::report
