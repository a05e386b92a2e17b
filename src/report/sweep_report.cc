#include "report/sweep_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include <fmt/format.h>

#include "report/detail/html.h"
#include "report/plan_report.h"
#include "report/table.h"

namespace fleetplan::report {
namespace {

using detail::html_escape;
using detail::html_page;
using detail::html_table;

using analysis::ColumnSummary;
using analysis::OutputColumn;
using analysis::RunOutcome;
using analysis::Summary;
using analysis::Sweep;
using analysis::SweepMode;
using nlohmann::ordered_json;

constexpr const char* kPalette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
constexpr std::size_t kPaletteSize = 10;

bool starts_with(const std::string& s, std::string_view prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

bool planned(const RunOutcome& o) {
  return o.error.empty() && o.status != plan::SolveStatus::kInfeasible;
}

// Nine significant digits: enough for every figure, and no binary noise digits.
std::string number(double v) {
  if (std::isnan(v)) {
    return "";
  }
  return fmt::format("{:.9g}", v);
}
double rounded(double v) { return std::stod(fmt::format("{:.9g}", v)); }
ordered_json json_number(double v) {
  return std::isnan(v) ? ordered_json(nullptr) : ordered_json(rounded(v));
}

std::string flops(double v) {
  return std::abs(v) >= 1e18 ? fmt::format("{:.2f} EFLOP/s", v / 1e18)
                             : fmt::format("{:.1f} PFLOP/s", v / 1e15);
}

// A value of an output for people, in the output's unit.
std::string shown(const OutputColumn& column, double v) {
  if (std::isnan(v)) {
    return "-";
  }
  if (column.unit == "tokens/day") {
    return large(v);
  }
  if (column.unit == "USD") {
    return money(v);
  }
  if (column.unit == "FLOP/s") {
    return flops(v);
  }
  if (column.unit == "share" || column.unit == "flag") {
    return fmt::format("{:.1f} %", 100 * v);
  }
  if (column.unit == "accelerators") {
    return grouped(v);
  }
  return fmt::format("{} {}", large(v), column.unit);
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) {
    return s;
  }
  std::string out = "\"";
  for (char c : s) {
    out += c;
    if (c == '"') {
      out += '"';
    }
  }
  return out + "\"";
}

std::string parameter_origin(const analysis::Parameter& p) {
  if (p.distribution) {
    return p.distribution->text;
  }
  if (p.values.size() == 1) {
    return fmt::format("fixed at {}", p.values.front());
  }
  return fmt::format("{}", fmt::join(p.values, ", "));
}

std::string headline(const Sweep& sweep, const Summary& summary) {
  std::string what;
  switch (sweep.mode) {
    case SweepMode::kGrid:
      what = fmt::format("grid of {} runs", summary.runs);
      break;
    case SweepMode::kTornado:
      what =
          fmt::format("tornado of {} parameters ({} runs)", sweep.parameters.size(), summary.runs);
      break;
    case SweepMode::kMonteCarlo:
      what = fmt::format("Monte Carlo, {} samples (seed {})", summary.runs, sweep.spec.seed);
      break;
  }
  return fmt::format("Sweep of {}: {}, {}; {} planned, {} infeasible", sweep.scenario, what,
                     plan::objective_name(sweep.objective), summary.planned, summary.infeasible);
}

// ---- text ---------------------------------------------------------------------------------

std::string parameters_text(const Sweep& sweep) {
  TextTable table({"parameter", "in the file", "values"});
  for (const auto& p : sweep.parameters) {
    table.add_row(
        {p.path.text, p.shape.base.empty() ? "(absent)" : p.shape.base, parameter_origin(p)});
  }
  return table.render();
}

std::string outputs_text(const Sweep& sweep, const Summary& summary) {
  TextTable table({"output", "mean", "P10", "P50", "P90", "runs"},
                  {false, true, true, true, true, true});
  for (const auto& s : summary.columns) {
    const auto& column = sweep.columns[s.column];
    if (column.unit == "flag" || s.count == 0) {
      continue;
    }
    table.add_row({column.name, shown(column, s.mean), shown(column, s.p10), shown(column, s.p50),
                   shown(column, s.p90), grouped(static_cast<double>(s.count))});
  }
  return table.render();
}

std::string rules_text(const Sweep& sweep, const Summary& summary) {
  TextTable table({"rule", "binds in", "of runs"}, {false, true, true});
  bool any = false;
  for (const auto& s : summary.columns) {
    const auto& column = sweep.columns[s.column];
    if (column.unit != "flag" || s.count == 0) {
      continue;
    }
    any = true;
    table.add_row({column.name.substr(8, column.name.size() - 9),
                   fmt::format("{:.1f} %", 100 * s.mean), grouped(static_cast<double>(s.count))});
  }
  if (!any) {
    return "";
  }
  return fmt::format("\nHow often each rule binds{}\n{}",
                     sweep.spec.rule_costs ? " (the plan changes without it)"
                                           : " (one of its caps or shares is tight; rules that "
                                             "only exclude need rule costs)",
                     table.render());
}

std::string conflicts_text(const Summary& summary) {
  if (summary.infeasible == 0) {
    return "";
  }
  std::string out = fmt::format(
      "\nInfeasible runs: {} (kept in the CSV and JSON with their "
      "conflicts)\n",
      summary.infeasible);
  for (const auto& c : summary.conflicts) {
    out += fmt::format("  - {} in {} run{} (first: run {}): {}\n", c.constraint, c.runs,
                       c.runs == 1 ? "" : "s", c.first_run, c.example);
  }
  return out;
}

std::string tornado_text(const Sweep& sweep, const Summary& summary) {
  const auto& metric = sweep.columns[sweep.metric];
  TextTable table({"parameter", "low", "high", "at low", "at high", "swing"},
                  {false, false, false, true, true, true});
  for (const auto& bar : summary.tornado) {
    table.add_row({sweep.parameters[bar.parameter].path.text, bar.low, bar.high,
                   shown(metric, bar.at_low), shown(metric, bar.at_high),
                   shown(metric, bar.swing)});
  }
  return fmt::format(
      "\nTornado: {} ({}) with each parameter alone at its low and high value; "
      "base scenario {}\n{}",
      metric.name, metric.unit, shown(metric, summary.base_metric), table.render());
}

std::string pivot_text(const Sweep& sweep, const Summary& summary) {
  const auto& pivot = *summary.pivot;
  const auto& metric = sweep.columns[sweep.metric];
  const bool two = pivot.row_parameter != pivot.column_parameter;
  std::vector<std::string> headers = {sweep.parameters[pivot.row_parameter].path.text};
  std::vector<bool> numeric = {false};
  for (const auto& c : pivot.columns) {
    headers.push_back(two ? c : metric.name);
    numeric.push_back(true);
  }
  TextTable table(headers, numeric);
  for (std::size_t r = 0; r < pivot.rows.size(); ++r) {
    std::vector<std::string> cells = {pivot.rows[r]};
    for (double v : pivot.mean[r]) {
      cells.push_back(shown(metric, v));
    }
    table.add_row(cells);
  }
  const std::string by =
      two ? fmt::format(" by {} (rows) and {} (columns)",
                        sweep.parameters[pivot.row_parameter].path.text,
                        sweep.parameters[pivot.column_parameter].path.text)
          : fmt::format(" by {}", sweep.parameters[pivot.row_parameter].path.text);
  return fmt::format("\nPivot: mean {}{}{}\n{}", metric.name, by,
                     sweep.parameters.size() > (two ? 2U : 1U) ? ", over the other parameters" : "",
                     table.render());
}

// ---- HTML charts ------------------------------------------------------------------------------

// x from a value on [lo, hi] onto [left, left + width].
double scale(double v, double lo, double hi, double left, double width) {
  return hi > lo ? left + (v - lo) / (hi - lo) * width : left + width / 2;
}

std::string tornado_svg(const Sweep& sweep, const Summary& summary) {
  const auto& metric = sweep.columns[sweep.metric];
  double lo = summary.base_metric;
  double hi = summary.base_metric;
  for (const auto& bar : summary.tornado) {
    for (double v : {bar.at_low, bar.at_high}) {
      if (!std::isnan(v)) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
    }
  }
  const double pad = (hi - lo) * 0.05 + 1e-12;
  lo -= pad;
  hi += pad;
  constexpr double kLabel = 330;
  constexpr double kWidth = 520;
  constexpr double kRow = 30;
  const double height = 50 + kRow * static_cast<double>(summary.tornado.size());
  std::string svg = fmt::format(
      "<figure><figcaption>Tornado: {} with each parameter alone at its low and high "
      "value</figcaption><svg width=\"{}\" height=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">\n",
      html_escape(metric.name), kLabel + kWidth + 150, height);
  const double base_x = scale(summary.base_metric, lo, hi, kLabel, kWidth);
  for (std::size_t i = 0; i < summary.tornado.size(); ++i) {
    const auto& bar = summary.tornado[i];
    const double y = 20 + kRow * static_cast<double>(i);
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", kLabel - 8,
                       y + 15, html_escape(sweep.parameters[bar.parameter].path.text));
    const std::pair<double, std::string> ends[] = {{bar.at_low, bar.low}, {bar.at_high, bar.high}};
    // The longer bar first, so that a shorter one on the same side stays visible over it.
    const bool low_first =
        std::isnan(bar.at_high) ||
        std::abs(bar.at_low - summary.base_metric) >= std::abs(bar.at_high - summary.base_metric);
    for (std::size_t k : {low_first ? 0U : 1U, low_first ? 1U : 0U}) {
      const auto& [v, label] = ends[k];
      if (std::isnan(v)) {
        continue;
      }
      const double x = scale(v, lo, hi, kLabel, kWidth);
      svg += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"20\" fill=\"{}\"><title>{} = "
          "{}: {}</title></rect>\n",
          std::min(x, base_x), y, std::max(std::abs(x - base_x), 1.0), kPalette[k],
          html_escape(sweep.parameters[bar.parameter].path.text), html_escape(label),
          html_escape(shown(metric, v)));
    }
    // Each value's label at its bar's end; both on one side of the base: one label, at the
    // far end, naming both.
    const double x_low =
        std::isnan(bar.at_low) ? base_x : scale(bar.at_low, lo, hi, kLabel, kWidth);
    const double x_high =
        std::isnan(bar.at_high) ? base_x : scale(bar.at_high, lo, hi, kLabel, kWidth);
    const auto label = [&](double x, const std::string& text) {
      const bool right = x >= base_x;
      return fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"{}\" fill=\"#555\">{}</text>\n",
                         right ? x + 4 : x - 4, y + 15, right ? "start" : "end", html_escape(text));
    };
    if ((x_low >= base_x) == (x_high >= base_x)) {
      const bool low_far = std::abs(x_low - base_x) > std::abs(x_high - base_x);
      svg += label(low_far ? x_low : x_high, fmt::format("{} (low), {} (high)", bar.low, bar.high));
    } else {
      svg += label(x_low, bar.low) + label(x_high, bar.high);
    }
  }
  svg += fmt::format(
      "<line x1=\"{0:.1f}\" y1=\"14\" x2=\"{0:.1f}\" y2=\"{1}\" stroke=\"#222\"/>\n<text "
      "x=\"{0:.1f}\" "
      "y=\"{2}\" text-anchor=\"middle\">base {3}</text>\n",
      base_x, height - 24, height - 8, html_escape(shown(metric, summary.base_metric)));
  svg += fmt::format(
      "<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{}\" "
      "y=\"{}\">low value</text><rect x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" "
      "fill=\"{}\"/><text x=\"{}\" y=\"{}\">high value</text>\n",
      kLabel + kWidth + 20, 20, kPalette[0], kLabel + kWidth + 38, 31, kLabel + kWidth + 20, 40,
      kPalette[1], kLabel + kWidth + 38, 51);
  return svg + "</svg></figure>\n";
}

// The empirical CDF of one output over the planned runs, P10/P50/P90 marked.
std::string cdf_svg(const Sweep& sweep, const std::vector<RunOutcome>& outcomes,
                    const ColumnSummary& s, std::size_t colour) {
  const auto& column = sweep.columns[s.column];
  std::vector<double> values;
  for (const auto& o : outcomes) {
    if (planned(o) && !std::isnan(o.values[s.column])) {
      values.push_back(o.values[s.column]);
    }
  }
  std::sort(values.begin(), values.end());
  constexpr double kLeft = 50;
  constexpr double kTop = 10;
  constexpr double kWidth = 440;
  constexpr double kHeight = 160;
  double lo = values.front();
  double hi = values.back();
  if (hi - lo < 1e-9 * std::max(1.0, std::abs(hi))) {
    lo -= std::max(1.0, std::abs(lo)) * 0.01;
    hi += std::max(1.0, std::abs(hi)) * 0.01;
  }
  const auto y_of = [&](double f) { return kTop + kHeight * (1 - f); };
  std::string svg = fmt::format(
      "<figure class=\"small\"><figcaption>{} ({})</figcaption><svg width=\"{}\" height=\"{}\" "
      "xmlns=\"http://www.w3.org/2000/svg\">\n",
      html_escape(column.name), html_escape(column.unit), kLeft + kWidth + 20, kTop + kHeight + 40);
  for (double f : {0.0, 0.5, 1.0}) {
    svg += fmt::format(
        "<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#ddd\"/><text x=\"{}\" "
        "y=\"{:.1f}\" text-anchor=\"end\">{:.0f} %</text>\n",
        kLeft, y_of(f), kLeft + kWidth, y_of(f), kLeft - 4, y_of(f) + 4, 100 * f);
  }
  std::string path = fmt::format("M{:.1f},{:.1f}", kLeft, y_of(0));
  const double n = static_cast<double>(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double x = scale(values[i], lo, hi, kLeft, kWidth);
    path += fmt::format(" L{:.1f},{:.1f} L{:.1f},{:.1f}", x, y_of(static_cast<double>(i) / n), x,
                        y_of(static_cast<double>(i + 1) / n));
  }
  path += fmt::format(" L{:.1f},{:.1f}", kLeft + kWidth, y_of(1));
  svg += fmt::format("<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>\n", path,
                     kPalette[colour % kPaletteSize]);
  const std::pair<double, const char*> marks[] = {{s.p10, "P10"}, {s.p50, "P50"}, {s.p90, "P90"}};
  for (const auto& [v, name] : marks) {
    const double x = scale(v, lo, hi, kLeft, kWidth);
    svg += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"#888\" "
        "stroke-dasharray=\"3,3\"><title>{3} {4}</title></line>\n",
        x, kTop, kTop + kHeight, name, html_escape(shown(column, v)));
  }
  svg += fmt::format(
      "<text x=\"{}\" y=\"{}\">{}</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>"
      "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#555\">P10 {} · P50 {} · P90 {}"
      "</text>\n",
      kLeft, kTop + kHeight + 16, html_escape(shown(column, lo)), kLeft + kWidth,
      kTop + kHeight + 16, html_escape(shown(column, hi)), kLeft + kWidth / 2, kTop + kHeight + 34,
      html_escape(shown(column, s.p10)), html_escape(shown(column, s.p50)),
      html_escape(shown(column, s.p90)));
  return svg + "</svg></figure>\n";
}

// The fleet mix across the runs: runs sorted by the metric, put into at most 100 bins of
// equal size; each bin's bar stacks the mean accelerators acquired of each type.
std::string fleet_mix_svg(const Sweep& sweep, const std::vector<RunOutcome>& outcomes,
                          const Summary& summary) {
  std::vector<std::size_t> types;
  for (const auto& s : summary.columns) {
    if (starts_with(sweep.columns[s.column].name, "acquired[") && s.count > 0 && s.max > 0) {
      types.push_back(s.column);
    }
  }
  std::vector<std::size_t> runs;
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    if (planned(outcomes[i])) {
      runs.push_back(i);
    }
  }
  if (types.empty() || runs.size() < 2) {
    return "";
  }
  const std::size_t metric = sweep.metric;
  std::stable_sort(runs.begin(), runs.end(), [&](std::size_t a, std::size_t b) {
    return outcomes[a].values[metric] < outcomes[b].values[metric];
  });
  const std::size_t bins = std::min<std::size_t>(100, runs.size());
  std::vector<std::vector<double>> mean(bins, std::vector<double>(types.size(), 0.0));
  double top = 0;
  for (std::size_t b = 0; b < bins; ++b) {
    const std::size_t from = b * runs.size() / bins;
    const std::size_t to = (b + 1) * runs.size() / bins;
    double total = 0;
    for (std::size_t t = 0; t < types.size(); ++t) {
      for (std::size_t k = from; k < to; ++k) {
        mean[b][t] += outcomes[runs[k]].values[types[t]];
      }
      mean[b][t] /= static_cast<double>(to - from);
      total += mean[b][t];
    }
    top = std::max(top, total);
  }
  constexpr double kLeft = 70;
  constexpr double kTop = 10;
  constexpr double kWidth = 800;
  constexpr double kHeight = 220;
  const double bar = kWidth / static_cast<double>(bins);
  std::string svg = fmt::format(
      "<figure><figcaption>Fleet mix: accelerators acquired in each run, runs sorted by {} "
      "(left: lowest){}</figcaption><svg width=\"{}\" height=\"{}\" "
      "xmlns=\"http://www.w3.org/2000/svg\">\n",
      html_escape(sweep.columns[metric].name),
      bins < runs.size() ? fmt::format("; each bar the mean of {} runs", runs.size() / bins) : "",
      kLeft + kWidth + 260, kTop + kHeight + 30);
  for (double f : {0.0, 0.5, 1.0}) {
    const double y = kTop + kHeight * (1 - f);
    svg += fmt::format(
        "<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#ddd\"/><text x=\"{}\" "
        "y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n",
        kLeft, y, kLeft + kWidth, y, kLeft - 4, y + 4, html_escape(large(top * f)));
  }
  for (std::size_t b = 0; b < bins; ++b) {
    double base = 0;
    for (std::size_t t = 0; t < types.size(); ++t) {
      const double h = top > 0 ? kHeight * mean[b][t] / top : 0;
      if (h > 0) {
        svg += fmt::format(
            "<rect x=\"{:.2f}\" y=\"{:.2f}\" width=\"{:.2f}\" height=\"{:.2f}\" fill=\"{}\"/>\n",
            kLeft + bar * static_cast<double>(b), kTop + kHeight - base - h, bar * 0.9, h,
            kPalette[t % kPaletteSize]);
      }
      base += h;
    }
  }
  for (std::size_t t = 0; t < types.size(); ++t) {
    const std::string& name = sweep.columns[types[t]].name;
    const auto& s = summary.columns[types[t]];
    const double y = kTop + 14 + 20 * static_cast<double>(t);
    svg += fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{}\" "
        "y=\"{}\">{} (P50 {})</text>\n",
        kLeft + kWidth + 10, y - 10, kPalette[t % kPaletteSize], kLeft + kWidth + 28, y,
        html_escape(name.substr(9, name.size() - 10)), grouped(s.p50));
  }
  svg += fmt::format(
      "<text x=\"{}\" y=\"{}\">{}</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n",
      kLeft, kTop + kHeight + 18,
      html_escape(shown(sweep.columns[metric], outcomes[runs.front()].values[metric])),
      kLeft + kWidth, kTop + kHeight + 18,
      html_escape(shown(sweep.columns[metric], outcomes[runs.back()].values[metric])));
  return svg + "</svg></figure>\n";
}

// How often each rule binds, as bars.
std::string rules_html(const Sweep& sweep, const Summary& summary) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& s : summary.columns) {
    const auto& column = sweep.columns[s.column];
    if (column.unit != "flag" || s.count == 0) {
      continue;
    }
    rows.push_back({column.name.substr(8, column.name.size() - 9),
                    fmt::format("{:.1f} %", 100 * s.mean), grouped(static_cast<double>(s.count))});
  }
  if (rows.empty()) {
    return "";
  }
  std::string out = fmt::format(
      "<h2>How often each rule binds</h2><p>{}</p><table><thead><tr><th>rule</th><th>binds "
      "in</th><th></th><th>of runs</th></tr></thead><tbody>\n",
      sweep.spec.rule_costs ? "The plan changes without the rule."
                            : "One of the rule's caps or shares is tight (rules that only "
                              "exclude options need rule costs to be judged).");
  std::size_t k = 0;
  for (const auto& s : summary.columns) {
    const auto& column = sweep.columns[s.column];
    if (column.unit != "flag" || s.count == 0) {
      continue;
    }
    out += fmt::format(
        "<tr><td>{}</td><td>{}</td><td><svg width=\"200\" height=\"12\"><rect width=\"200\" "
        "height=\"12\" fill=\"#eee\"/><rect width=\"{:.1f}\" height=\"12\" "
        "fill=\"#e15759\"/></svg></td><td>{}</td></tr>\n",
        html_escape(rows[k][0]), rows[k][1], 200 * s.mean, rows[k][2]);
    ++k;
  }
  return out + "</tbody></table>\n";
}

// The pivot as a table shaded from the lowest to the highest mean.
std::string pivot_html(const Sweep& sweep, const Summary& summary) {
  const auto& pivot = *summary.pivot;
  const auto& metric = sweep.columns[sweep.metric];
  const bool two = pivot.row_parameter != pivot.column_parameter;
  double lo = std::numeric_limits<double>::infinity();
  double hi = -lo;
  for (const auto& row : pivot.mean) {
    for (double v : row) {
      if (!std::isnan(v)) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
    }
  }
  std::string out = fmt::format(
      "<h2>Pivot: mean {}</h2><p>Rows: {}{}.</p><table><thead><tr><th>{}</th>",
      html_escape(metric.name), html_escape(sweep.parameters[pivot.row_parameter].path.text),
      two ? "; columns: " + html_escape(sweep.parameters[pivot.column_parameter].path.text) : "",
      html_escape(sweep.parameters[pivot.row_parameter].path.text));
  for (const auto& c : pivot.columns) {
    out += "<th>" + html_escape(two ? c : metric.name) + "</th>";
  }
  out += "</tr></thead><tbody>\n";
  for (std::size_t r = 0; r < pivot.rows.size(); ++r) {
    out += "<tr><th>" + html_escape(pivot.rows[r]) + "</th>";
    for (double v : pivot.mean[r]) {
      const double t = std::isnan(v) || !(hi > lo) ? 0.5 : (v - lo) / (hi - lo);
      // From pale orange (low) to blue (high).
      const int red = static_cast<int>(std::lround(250 - t * (250 - 78)));
      const int green = static_cast<int>(std::lround(220 - t * (220 - 121)));
      const int blue = static_cast<int>(std::lround(180 + t * (167 - 180)));
      out += fmt::format("<td style=\"background:rgb({},{},{});color:{}\">{}</td>", red, green,
                         blue, t > 0.6 ? "#fff" : "#222", html_escape(shown(metric, v)));
    }
    out += "</tr>\n";
  }
  return out + "</tbody></table>\n";
}

// The outputs worth a CDF: the total served, spend, domestic share and rule costs.
bool cdf_worthy(const OutputColumn& column) {
  return column.name == "served_tokens_per_day" || starts_with(column.name, "spend_") ||
         starts_with(column.name, "served_") || starts_with(column.name, "domestic_share_count") ||
         starts_with(column.name, "rule_cost_usd");
}

}  // namespace

std::string sweep_text(const Sweep& sweep, const Summary& summary, const SweepContext& context) {
  std::string out = headline(sweep, summary) + "\n";
  out += fmt::format("Scenario: {}\n\nParameters\n{}", context.source, parameters_text(sweep));
  for (const auto& c : sweep.correlations) {
    out +=
        fmt::format("Rank correlation (Gaussian copula): {} ~ {}: {}\n", c.first, c.second, c.rank);
  }
  out += fmt::format(
      "\nOutputs over the {} runs with a plan (P10/P50/P90: quantiles by linear "
      "interpolation)\n{}",
      summary.planned, outputs_text(sweep, summary));
  out += rules_text(sweep, summary);
  out += conflicts_text(summary);
  if (sweep.mode == SweepMode::kTornado) {
    out += tornado_text(sweep, summary);
  }
  if (summary.pivot) {
    out += pivot_text(sweep, summary);
  }
  return out;
}

std::string sweep_csv(const Sweep& sweep, const std::vector<RunOutcome>& outcomes) {
  std::vector<std::string> header = {"run"};
  for (const auto& p : sweep.parameters) {
    header.push_back(csv_field(p.path.text));
  }
  header.emplace_back("status");
  header.emplace_back("gap");
  for (const auto& c : sweep.columns) {
    header.push_back(csv_field(c.name));
  }
  header.emplace_back("conflicts");
  std::string out = fmt::format("{}\n", fmt::join(header, ","));
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    const auto& o = outcomes[i];
    std::vector<std::string> row = {std::to_string(i)};
    for (const auto& value : sweep.runs[i]) {
      row.push_back(csv_field(value));
    }
    row.emplace_back(o.error.empty() ? plan::solve_status_name(o.status) : "error");
    row.push_back(planned(o) ? number(o.gap) : "");
    for (double v : o.values) {
      row.push_back(number(v));
    }
    row.push_back(csv_field(fmt::format("{}", fmt::join(o.conflict_names, "; "))));
    out += fmt::format("{}\n", fmt::join(row, ","));
  }
  return out;
}

namespace {

// The sweep's parameters: each path with its base and its values or distribution.
ordered_json parameters_json(const Sweep& sweep) {
  ordered_json parameters = ordered_json::array();
  for (const auto& p : sweep.parameters) {
    ordered_json entry = {{"path", p.path.text}, {"base", p.shape.base}};
    if (p.distribution) {
      entry["distribution"] = p.distribution->text;
      entry["source"] = p.source;
    } else {
      entry["values"] = p.values;
    }
    parameters.push_back(entry);
  }
  return parameters;
}

// The summary: runs planned and infeasible, each output's statistics, the conflicts, and the
// tornado bars or the pivot table where the sweep has them.
ordered_json summary_json(const Sweep& sweep, const Summary& summary) {
  ordered_json outputs = ordered_json::array();
  for (const auto& s : summary.columns) {
    const auto& c = sweep.columns[s.column];
    outputs.push_back({{"name", c.name},
                       {"unit", c.unit},
                       {"description", c.description},
                       {"runs", s.count},
                       {"mean", s.count ? json_number(s.mean) : nullptr},
                       {"p10", s.count ? json_number(s.p10) : nullptr},
                       {"p50", s.count ? json_number(s.p50) : nullptr},
                       {"p90", s.count ? json_number(s.p90) : nullptr},
                       {"min", s.count ? json_number(s.min) : nullptr},
                       {"max", s.count ? json_number(s.max) : nullptr}});
  }
  ordered_json conflicts = ordered_json::array();
  for (const auto& c : summary.conflicts) {
    conflicts.push_back({{"constraint", c.constraint},
                         {"runs", c.runs},
                         {"first_run", c.first_run},
                         {"message", c.example}});
  }
  ordered_json out = {{"runs", summary.runs},
                      {"planned", summary.planned},
                      {"infeasible", summary.infeasible},
                      {"outputs", outputs},
                      {"conflicts", conflicts}};
  if (sweep.mode == SweepMode::kTornado) {
    ordered_json bars = ordered_json::array();
    for (const auto& bar : summary.tornado) {
      bars.push_back({{"parameter", sweep.parameters[bar.parameter].path.text},
                      {"low", bar.low},
                      {"high", bar.high},
                      {"at_low", json_number(bar.at_low)},
                      {"at_high", json_number(bar.at_high)},
                      {"swing", json_number(bar.swing)}});
    }
    out["tornado"] = {{"base", json_number(summary.base_metric)}, {"bars", bars}};
  }
  if (summary.pivot) {
    const auto& pivot = *summary.pivot;
    ordered_json mean = ordered_json::array();
    for (const auto& row : pivot.mean) {
      ordered_json cells = ordered_json::array();
      for (double v : row) {
        cells.push_back(json_number(v));
      }
      mean.push_back(cells);
    }
    out["pivot"] = {{"rows", sweep.parameters[pivot.row_parameter].path.text},
                    {"row_values", pivot.rows},
                    {"columns", sweep.parameters[pivot.column_parameter].path.text},
                    {"column_values", pivot.columns},
                    {"mean", mean}};
  }
  return out;
}

// Every run: its inputs, status, gap and outputs (and conflicts, if any).
ordered_json runs_json(const Sweep& sweep, const std::vector<RunOutcome>& outcomes) {
  ordered_json runs = ordered_json::array();
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    const auto& o = outcomes[i];
    ordered_json inputs = ordered_json::object();
    for (std::size_t j = 0; j < sweep.parameters.size(); ++j) {
      inputs[sweep.parameters[j].path.text] = sweep.runs[i][j];
    }
    ordered_json values = ordered_json::object();
    for (std::size_t c = 0; c < sweep.columns.size(); ++c) {
      values[sweep.columns[c].name] = json_number(o.values.empty() ? NAN : o.values[c]);
    }
    ordered_json run = {{"run", i},
                        {"inputs", inputs},
                        {"status", o.error.empty() ? plan::solve_status_name(o.status) : "error"},
                        {"gap", planned(o) ? json_number(o.gap) : nullptr},
                        {"outputs", values}};
    if (!o.conflicts.empty()) {
      run["conflicts"] = o.conflicts;
    }
    runs.push_back(run);
  }
  return runs;
}

}  // namespace

ordered_json sweep_json(const Sweep& sweep, const std::vector<RunOutcome>& outcomes,
                        const Summary& summary, const SweepContext& context) {
  ordered_json out;
  out["scenario"] = sweep.scenario;
  out["source"] = context.source;
  out["mode"] = analysis::sweep_mode_name(sweep.mode);
  out["objective"] = plan::objective_name(sweep.objective);
  out["rule_costs"] = sweep.spec.rule_costs;
  if (sweep.mode == SweepMode::kMonteCarlo) {
    out["seed"] = sweep.spec.seed;
    out["samples"] = sweep.spec.samples;
  }
  out["metric"] = sweep.columns[sweep.metric].name;
  out["parameters"] = parameters_json(sweep);
  if (!sweep.correlations.empty()) {
    ordered_json correlations = ordered_json::array();
    for (const auto& c : sweep.correlations) {
      correlations.push_back(
          {{"between", ordered_json::array({c.first, c.second})}, {"rank", c.rank}});
    }
    out["correlations"] = correlations;
  }
  out["summary"] = summary_json(sweep, summary);
  out["runs"] = runs_json(sweep, outcomes);
  return out;
}

std::string sweep_html(const Sweep& sweep, const std::vector<RunOutcome>& outcomes,
                       const Summary& summary, const SweepContext& context) {
  std::string body = fmt::format("<h1>{}</h1>\n<p>{}</p>\n", html_escape(headline(sweep, summary)),
                                 html_escape("Scenario: " + context.source));
  std::vector<std::vector<std::string>> rows;
  const bool sources = std::any_of(sweep.parameters.begin(), sweep.parameters.end(),
                                   [](const analysis::Parameter& p) { return !p.source.empty(); });
  for (const auto& p : sweep.parameters) {
    rows.push_back(
        {p.path.text, p.shape.base.empty() ? "(absent)" : p.shape.base, parameter_origin(p)});
    if (sources) {
      rows.back().push_back(p.source);
    }
  }
  std::vector<std::string> headers = {"parameter", "in the file", "values"};
  if (sources) {
    headers.emplace_back("source");
  }
  body += "<h2>Parameters</h2>" + html_table(headers, rows);
  for (const auto& c : sweep.correlations) {
    body += fmt::format("<p>Rank correlation (Gaussian copula): {} ~ {}: {}</p>",
                        html_escape(c.first), html_escape(c.second), c.rank);
  }
  if (sweep.mode == SweepMode::kTornado && !summary.tornado.empty()) {
    body += tornado_svg(sweep, summary);
  }
  if (summary.pivot) {
    body += pivot_html(sweep, summary);
  }
  if (summary.planned > 1 && sweep.mode != SweepMode::kTornado) {
    body += "<h2>Distributions of the outputs over the runs with a plan</h2>\n<div class=\"grid\">";
    std::size_t colour = 0;
    for (const auto& s : summary.columns) {
      if (s.count > 1 && cdf_worthy(sweep.columns[s.column])) {
        body += cdf_svg(sweep, outcomes, s, colour++);
      }
    }
    body += "</div>\n";
  }
  if (sweep.mode != SweepMode::kTornado) {
    body += fleet_mix_svg(sweep, outcomes, summary);
  }
  body += rules_html(sweep, summary);
  rows.clear();
  for (const auto& s : summary.columns) {
    const auto& c = sweep.columns[s.column];
    if (s.count == 0 || c.unit == "flag") {
      continue;
    }
    rows.push_back({c.name, shown(c, s.mean), shown(c, s.p10), shown(c, s.p50), shown(c, s.p90),
                    shown(c, s.min), shown(c, s.max), grouped(static_cast<double>(s.count))});
  }
  body += "<h2>Outputs</h2>" +
          html_table({"output", "mean", "P10", "P50", "P90", "min", "max", "runs"}, rows);
  if (summary.infeasible > 0) {
    rows.clear();
    for (const auto& c : summary.conflicts) {
      rows.push_back({c.constraint, grouped(static_cast<double>(c.runs)),
                      std::to_string(c.first_run), c.example});
    }
    body += fmt::format("<h2>Infeasible runs: {}</h2>", summary.infeasible) +
            html_table({"conflict", "runs", "first run", "message"}, rows);
  }
  return html_page("fleetplan sweep: " + sweep.scenario, body,
                   ".grid{display:flex;flex-wrap:wrap;gap:0 20px}\n.small{margin:0}\n");
}

ProgressBar::ProgressBar(std::size_t total, bool enabled, std::string label)
    : total_(total),
      enabled_(enabled && total > 0),
      label_(std::move(label)),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

void ProgressBar::update(std::size_t done) {
  if (!enabled_) {
    return;
  }
  std::unique_lock lock(mutex_, std::try_to_lock);
  if (!lock.owns_lock()) {
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  if (done < total_ && now - last_ < std::chrono::milliseconds(200)) {
    return;
  }
  last_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
  const double eta = rate > 0 ? static_cast<double>(total_ - std::min(done, total_)) / rate : 0;
  constexpr std::size_t kWidth = 30;
  const std::size_t filled = total_ ? kWidth * std::min(done, total_) / total_ : 0;
  const std::string bar = std::string(filled, '#') + std::string(kWidth - filled, '.');
  std::fprintf(stderr, "\r%s [%s] %zu/%zu  %.1f runs/s  ETA %.0f s ", label_.c_str(), bar.c_str(),
               done, total_, rate, eta);
  std::fflush(stderr);
}

void ProgressBar::finish() {
  if (enabled_) {
    std::fprintf(stderr, "\r%78s\r", "");
    std::fflush(stderr);
  }
}

}  // namespace fleetplan::report
