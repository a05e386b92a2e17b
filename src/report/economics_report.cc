#include "report/economics_report.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include <fmt/format.h>

#include "plan/economics.h"
#include "report/detail/html.h"
#include "report/plan_report.h"
#include "report/table.h"

namespace fleetplan::report {
namespace {

using detail::html_escape;

using nlohmann::ordered_json;

std::string option_place(const plan::Problem& problem, const plan::Option& option) {
  return fmt::format("{}/{}", problem.sites[option.site].name,
                     option.installed_base ? "installed" : plan::mode_name(option.mode));
}

// Three significant digits: unit costs vary over orders of magnitude.
std::string sig3(double value) {
  if (value == 0) {
    return "0";
  }
  const int digits = std::max(0, 2 - static_cast<int>(std::floor(std::log10(std::abs(value)))));
  return grouped(value, digits);
}

// JSON numbers with 6 significant digits (output is a contract: no noise digits).
double sig6(double value) {
  if (value == 0 || !std::isfinite(value)) {
    return 0;
  }
  const double scale =
      std::pow(10.0, 5 - static_cast<int>(std::floor(std::log10(std::abs(value)))));
  return std::round(value * scale) / scale;
}

}  // namespace

std::string with_currency(const CurrencyView& view, int period, double usd) {
  std::string text = money(usd);
  if (view.currency.empty() || view.currency == "USD" || period < 0 ||
      period >= static_cast<int>(view.per_usd.size())) {
    return text;
  }
  const double value = usd * view.per_usd[period];
  const double magnitude = std::abs(value);
  if (magnitude >= 1e9) {
    return fmt::format("{:.2f} bn {} ({})", value / 1e9, view.currency, text);
  }
  if (magnitude >= 1e6) {
    return fmt::format("{:.1f} M {} ({})", value / 1e6, view.currency, text);
  }
  return fmt::format("{} {} ({})", grouped(value), view.currency, text);
}

double horizon_per_usd(const CurrencyView& view) {
  if (view.currency.empty() || view.currency == "USD" || view.per_usd.empty()) {
    return 1.0;
  }
  double total = 0;
  for (const double rate : view.per_usd) {
    total += rate;
  }
  return total / static_cast<double>(view.per_usd.size());
}

std::string with_currency_horizon(const CurrencyView& view, double usd) {
  if (view.currency.empty() || view.currency == "USD" || view.per_usd.empty()) {
    return money(usd);
  }
  const CurrencyView mean{view.currency, {horizon_per_usd(view)}};
  return with_currency(mean, 0, usd);
}

namespace {

bool other_currency(const CurrencyView& view, int period) {
  return !view.currency.empty() && view.currency != "USD" && period >= 0 &&
         period < static_cast<int>(view.per_usd.size());
}

// A small amount (a unit cost) to three significant digits: "19.2 (2.76)" in the report
// currency with USD in brackets, or "2.76" (USD) alone; the header names the currencies.
std::string small_amount(const CurrencyView& view, int period, double usd) {
  if (!other_currency(view, period)) {
    return fmt::format("{}", sig3(usd));
  }
  return fmt::format("{} ({})", sig3(usd * view.per_usd[period]), sig3(usd));
}

std::string per_header(const CurrencyView& view, const std::string& per) {
  if (!other_currency(view, 0)) {
    return "USD / " + per;
  }
  return fmt::format("{} / {} (USD)", view.currency, per);
}

}  // namespace

Section spend_by_item_section(const plan::Problem& problem, const plan::Plan& plan,
                              const CurrencyView& view) {
  Section section;
  section.title = "Spend by item";
  section.headers = {"item"};
  section.numeric = {false};
  for (const plan::Period& period : problem.periods) {
    section.headers.push_back(period.name);
    section.numeric.push_back(true);
  }
  for (int i = 0; i < plan::kSpendItemCount; ++i) {
    const auto item = static_cast<plan::SpendItem>(i);
    bool any = false;
    std::vector<std::string> row = {std::string(plan::spend_item_name(item))};
    for (int p = 0; p < static_cast<int>(plan.periods.size()); ++p) {
      const double usd = plan.periods[p].spend_by_item[item];
      any = any || usd != 0;
      row.push_back(with_currency(view, p, usd));
    }
    if (any) {
      section.rows.push_back(std::move(row));
    }
  }
  if (section.rows.empty()) {
    return section;
  }
  std::vector<std::string> total = {"total (= spend)"};
  for (int p = 0; p < static_cast<int>(plan.periods.size()); ++p) {
    total.push_back(with_currency(view, p, plan.periods[p].spend_by_item.total()));
  }
  section.rows.push_back(std::move(total));
  section.note =
      "Cash in the period: capex counts in full when bought (accelerators, servers, network, "
      "storage, data-centre build for their IT load); energy, colocation, leases and "
      "operations for the period's hours. Budget lines can target any item.";
  return section;
}

Section unit_cost_section(const plan::Problem& problem, const plan::Plan& plan,
                          const CurrencyView& view) {
  Section section;
  section.title = "Unit costs (cheapest option per accelerator x service, first period)";
  section.headers = {"accelerator",     "service",
                     "where",           per_header(view, "M tokens"),
                     "tokens/s per MW", per_header(view, "accelerator-year")};
  section.numeric = {false, false, false, true, true, true};
  // Cheapest option per (accelerator, service) in period 0.
  std::map<std::pair<std::string, int>, const plan::UnitCost*> best;
  for (const plan::UnitCost& cost : plan.unit_costs) {
    if (cost.period != 0) {
      continue;
    }
    const auto key = std::make_pair(problem.options[cost.option].accelerator, cost.service);
    const auto value = [](const plan::UnitCost& c) {
      return c.usd_per_million_tokens > 0 ? c.usd_per_million_tokens : c.usd_per_exaflop;
    };
    auto [it, inserted] = best.emplace(key, &cost);
    if (!inserted && value(cost) < value(*it->second)) {
      it->second = &cost;
    }
  }
  for (const auto& [key, cost] : best) {
    const plan::Option& option = problem.options[cost->option];
    const plan::ServiceRow& service = problem.services[cost->service];
    const bool training = service.kind == plan::ServiceKind::kTraining;
    section.rows.push_back(
        {option.accelerator, service.name, option_place(problem, option),
         training ? fmt::format("{} / EFLOP", small_amount(view, 0, cost->usd_per_exaflop))
                  : small_amount(view, 0, cost->usd_per_million_tokens),
         training ? "-" : grouped(cost->tokens_per_s_per_mw),
         other_currency(view, 0)
             ? fmt::format("{} ({})", grouped(cost->usd_per_accelerator_year * view.per_usd[0]),
                           grouped(cost->usd_per_accelerator_year))
             : grouped(cost->usd_per_accelerator_year)});
  }
  section.note =
      "Cost of ownership per accelerator-year (capex over each asset's useful life less its "
      "salvage value, plus a year of energy, rent and operations) over the tokens one "
      "accelerator serves on an average day at the planned utilisation (its goodput at the "
      "latency targets x planning_utilization / peak-to-average). Input and output tokens "
      "together; power at the wall (IT load x PUE).";
  return section;
}

Section marginal_cost_section(const plan::Problem& problem, const plan::Plan& plan,
                              const CurrencyView& view) {
  Section section;
  section.title = "Marginal cost of more demand";
  section.headers = {"service", "period", "cost per unit", "unit"};
  section.numeric = {false, false, true, false};
  for (const plan::MarginalCost& m : plan.marginal_costs) {
    section.rows.push_back({problem.services[m.service].name, problem.periods[m.period].name,
                            m.reachable ? with_currency(view, m.period, m.usd) : "n/a", m.unit});
  }
  section.note =
      "What one more unit of demand, served over the whole period, would cost by the cheapest "
      "expansion: the min-cost LP of the plan (purchases may grow from the plan's, budgets "
      "lifted) solved again with one more unit; cash less residual value. 0: spare capacity; "
      "n/a: site power, a supply cap or a rule leaves no room, or the training runs as whole "
      "jobs.";
  return section;
}

Section value_section(const plan::Problem& problem, const plan::Plan& plan,
                      const CurrencyView& view) {
  Section section;
  if (!plan::has_service_values(problem)) {
    return section;
  }
  section.title = "Value served";
  section.headers = {"service", "period", "priority", "value / M tokens", "value served"};
  section.numeric = {false, false, true, true, true};
  for (int p = 0; p < static_cast<int>(plan.periods.size()); ++p) {
    const plan::PeriodOutcome& outcome = plan.periods[p];
    const double days = problem.periods[p].hours / 24.0;
    for (int s = 0; s < static_cast<int>(problem.services.size()); ++s) {
      const plan::ServiceRow& service = problem.services[s];
      const double value = plan::series_value(service.value_usd, p);
      const bool training = service.kind == plan::ServiceKind::kTraining;
      // USD per token = value per (token/day over the period) / days.
      const double per_million = value / days * 1e6;
      std::string per_unit = "-";
      if (!training) {
        per_unit = other_currency(view, p)
                       ? fmt::format("{:.3f} {} ({:.3f} USD)", per_million * view.per_usd[p],
                                     view.currency, per_million)
                       : fmt::format("{:.3f} USD", per_million);
      }
      section.rows.push_back(
          {service.name, problem.periods[p].name, std::to_string(service.priority), per_unit,
           with_currency(
               view, p,
               s < static_cast<int>(outcome.value_usd.size()) ? outcome.value_usd[s] : 0)});
    }
  }
  section.note =
      "max-served maximises the value served within the budgets (tier 1 first); min-cost "
      "prices unmet demand at its value.";
  return section;
}

Section training_job_section(const plan::Problem& problem, const plan::Plan& plan) {
  Section section;
  if (problem.training_jobs.empty()) {
    return section;
  }
  section.title = "Training jobs";
  section.headers = {"job", "period", "site", "training accelerators there", "min cluster", "fits"};
  section.numeric = {false, false, false, true, true, false};
  for (const plan::TrainingJobOutcome& outcome : plan.training_jobs) {
    const plan::TrainingJob& job = problem.training_jobs[outcome.job];
    section.rows.push_back({job.name, problem.periods[job.period].name,
                            outcome.site >= 0 ? problem.sites[outcome.site].name : "(not run)",
                            grouped(outcome.accelerators), grouped(job.min_cluster),
                            outcome.fits ? "yes" : "no"});
  }
  std::vector<std::string> largest;
  for (int p = 0; p < static_cast<int>(plan.largest_training_cluster.size()); ++p) {
    for (int k = 0; k < static_cast<int>(plan.largest_training_cluster[p].size()); ++k) {
      if (plan.largest_training_cluster[p][k] > 0) {
        largest.push_back(fmt::format("{} {}: {}", problem.periods[p].name, problem.sites[k].name,
                                      grouped(plan.largest_training_cluster[p][k])));
      }
    }
  }
  section.note =
      "A job runs at one site. Largest training cluster per site: " +
      (largest.empty() ? std::string("none") : fmt::format("{}", fmt::join(largest, "; "))) + ".";
  return section;
}

std::string section_text(const Section& section) {
  if (section.rows.empty()) {
    return "";
  }
  TextTable table(section.headers, section.numeric);
  for (const auto& row : section.rows) {
    table.add_row(row);
  }
  std::string out = "\n" + section.title + "\n" + table.render();
  if (!section.note.empty()) {
    out += section.note + "\n";
  }
  return out;
}

std::string section_html(const Section& section) {
  if (section.rows.empty()) {
    return "";
  }
  std::string out = "<h2>" + html_escape(section.title) + "</h2>\n<table><thead><tr>";
  for (const auto& h : section.headers) {
    out += "<th>" + html_escape(h) + "</th>";
  }
  out += "</tr></thead><tbody>\n";
  for (const auto& row : section.rows) {
    out += "<tr>";
    for (const auto& cell : row) {
      out += "<td>" + html_escape(cell) + "</td>";
    }
    out += "</tr>\n";
  }
  out += "</tbody></table>\n";
  if (!section.note.empty()) {
    out += "<p>" + html_escape(section.note) + "</p>\n";
  }
  return out;
}

std::string economics_text(const plan::Problem& problem, const plan::Plan& plan,
                           const CurrencyView& view, const std::vector<std::string>& demand_notes) {
  std::string out;
  if (!demand_notes.empty()) {
    out += "\nDemand (as modelled)\n";
    for (const std::string& note : demand_notes) {
      out += "  - " + note + "\n";
    }
  }
  out += section_text(spend_by_item_section(problem, plan, view));
  out += section_text(value_section(problem, plan, view));
  out += section_text(unit_cost_section(problem, plan, view));
  out += section_text(marginal_cost_section(problem, plan, view));
  out += section_text(training_job_section(problem, plan));
  return out;
}

std::string economics_html(const plan::Problem& problem, const plan::Plan& plan,
                           const CurrencyView& view, const std::vector<std::string>& demand_notes) {
  std::string out;
  if (!demand_notes.empty()) {
    out += "<h2>Demand (as modelled)</h2>\n<ul>";
    for (const std::string& note : demand_notes) {
      out += "<li>" + html_escape(note) + "</li>";
    }
    out += "</ul>\n";
  }
  out += section_html(spend_by_item_section(problem, plan, view));
  out += section_html(value_section(problem, plan, view));
  out += section_html(unit_cost_section(problem, plan, view));
  out += section_html(marginal_cost_section(problem, plan, view));
  out += section_html(training_job_section(problem, plan));
  return out;
}

ordered_json spend_by_item_json(const plan::PeriodOutcome& outcome) {
  ordered_json items = ordered_json::array();
  for (int i = 0; i < plan::kSpendItemCount; ++i) {
    const auto item = static_cast<plan::SpendItem>(i);
    items.push_back({{"item", plan::spend_item_name(item)}, {"usd", outcome.spend_by_item[item]}});
  }
  return items;
}

ordered_json unit_costs_json(const plan::Problem& problem, const plan::Plan& plan) {
  ordered_json out = ordered_json::array();
  for (const plan::UnitCost& cost : plan.unit_costs) {
    const plan::Option& option = problem.options[cost.option];
    const plan::ServiceRow& service = problem.services[cost.service];
    const bool training = service.kind == plan::ServiceKind::kTraining;
    out.push_back(
        {{"period", problem.periods[cost.period].name},
         {"accelerator", option.accelerator},
         {"site", problem.sites[option.site].name},
         {"mode", option.installed_base ? "installed" : plan::mode_name(option.mode)},
         {"service", service.name},
         {"usd_per_million_tokens",
          training ? ordered_json() : ordered_json(sig6(cost.usd_per_million_tokens))},
         {"tokens_per_s_per_mw",
          training ? ordered_json() : ordered_json(sig6(cost.tokens_per_s_per_mw))},
         {"usd_per_exaflop", training ? ordered_json(sig6(cost.usd_per_exaflop)) : ordered_json()},
         {"usd_per_accelerator_year", sig6(cost.usd_per_accelerator_year)}});
  }
  return out;
}

ordered_json marginal_costs_json(const plan::Problem& problem, const plan::Plan& plan) {
  ordered_json out = ordered_json::array();
  for (const plan::MarginalCost& m : plan.marginal_costs) {
    out.push_back({{"period", problem.periods[m.period].name},
                   {"service", problem.services[m.service].name},
                   {"usd", m.reachable ? ordered_json(sig6(m.usd)) : ordered_json()},
                   {"unit", m.unit},
                   {"reachable", m.reachable}});
  }
  return out;
}

ordered_json training_jobs_json(const plan::Problem& problem, const plan::Plan& plan) {
  ordered_json out = ordered_json::array();
  for (const plan::TrainingJobOutcome& outcome : plan.training_jobs) {
    const plan::TrainingJob& job = problem.training_jobs[outcome.job];
    out.push_back({{"name", job.name},
                   {"service", problem.services[job.service].name},
                   {"period", problem.periods[job.period].name},
                   {"site", outcome.site >= 0 ? ordered_json(problem.sites[outcome.site].name)
                                              : ordered_json()},
                   {"accelerators", outcome.accelerators},
                   {"min_cluster", job.min_cluster},
                   {"fits", outcome.fits}});
  }
  return out;
}

}  // namespace fleetplan::report
