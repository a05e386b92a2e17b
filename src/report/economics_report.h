// The economics sections of a plan report: spend by item per period (adding up to the
// period's spend), unit costs per accelerator x service (USD per million tokens, tokens/s
// per MW), the marginal cost of more demand per service, the value served, and where the
// training jobs run. Each section is a table (headers and rows of text) that the terminal
// and HTML reports render the same way, and a JSON fragment for `plan --json`.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "plan/plan.h"

namespace fleetplan::report {

//! A titled table: the same cells in the terminal and in HTML.
struct Section {
  std::string title;
  std::vector<std::string> headers;
  std::vector<bool> numeric;
  std::vector<std::vector<std::string>> rows;
  std::string note;  //!< one paragraph under the table, or ""
};

//! Currency shown beside USD: units per USD in each period; "" or "USD": none.
struct CurrencyView {
  std::string currency;
  std::vector<double> per_usd;
};

//! An amount of period `period` in the view's currency with USD beside ("160.00 bn CNY
//! (22.99 bn USD)"), or in USD alone when the view has no other currency.
std::string with_currency(const CurrencyView& view, int period, double usd);
//! Units of the view's currency per USD for amounts over the whole horizon: the mean of the
//! periods' rates (1 without another currency).
double horizon_per_usd(const CurrencyView& view);
//! An amount over the whole horizon, converted at horizon_per_usd, USD beside.
std::string with_currency_horizon(const CurrencyView& view, double usd);

//! Spend by item in each period, with a total row equal to the period's spend.
Section spend_by_item_section(const plan::Problem& problem, const plan::Plan& plan,
                              const CurrencyView& view);
//! For each accelerator x service: the cheapest option's USD per million tokens (or per
//! exaFLOP for training) and tokens/s per MW, in the first period.
Section unit_cost_section(const plan::Problem& problem, const plan::Plan& plan,
                          const CurrencyView& view = {});
//! Marginal cost of one more T tokens/day (or PFLOP/s) per service and period.
Section marginal_cost_section(const plan::Problem& problem, const plan::Plan& plan,
                              const CurrencyView& view = {});
//! Value of the demand served per service and period (valued services only).
Section value_section(const plan::Problem& problem, const plan::Plan& plan,
                      const CurrencyView& view = {});
//! Training jobs: where each runs, on how many accelerators, whether it fits; the largest
//! training cluster per site.
Section training_job_section(const plan::Problem& problem, const plan::Plan& plan);

//! All the economics sections, after a "Demand" list of `demand_notes` (how each modelled
//! demand was derived, tokens per user a day): spend by item, value, unit costs, marginal
//! costs, training jobs.
std::string economics_text(const plan::Problem& problem, const plan::Plan& plan,
                           const CurrencyView& view, const std::vector<std::string>& demand_notes);
std::string economics_html(const plan::Problem& problem, const plan::Plan& plan,
                           const CurrencyView& view, const std::vector<std::string>& demand_notes);

//! The section as terminal text (title line, table, note); "" when it has no rows.
std::string section_text(const Section& section);
//! The section as an HTML <h2> and <table>; "" when it has no rows.
std::string section_html(const Section& section);

//! `periods[p].spend_by_item`: [{item, usd}] for every item, adding up to the spend.
nlohmann::ordered_json spend_by_item_json(const plan::PeriodOutcome& outcome);
//! `unit_costs`: [{period, accelerator, site, mode, service, usd_per_million_tokens,
//! tokens_per_s_per_mw, usd_per_exaflop, usd_per_accelerator_year}].
nlohmann::ordered_json unit_costs_json(const plan::Problem& problem, const plan::Plan& plan);
//! `marginal_costs`: [{period, service, usd, unit}].
nlohmann::ordered_json marginal_costs_json(const plan::Problem& problem, const plan::Plan& plan);
//! `training_jobs`: [{name, service, period, site, accelerators, min_cluster, fits}].
nlohmann::ordered_json training_jobs_json(const plan::Problem& problem, const plan::Plan& plan);

}  // namespace fleetplan::report
