// The economics part of build_problem: cash by spend item for each option and period (from
// the scenario's cost-of-ownership figures through plan/tco.h), the cost per
// accelerator-year for unit costs, the value of each service's demand, and the training
// jobs. Called by the ProblemBuilder (build.cc), one function per cost family.
#pragma once

#include <vector>

#include "catalog/catalog.h"
#include "core/result.h"
#include "plan/plan.h"
#include "plan/tco.h"
#include "scenario/scenario.h"

namespace fleetplan::plan {

//! One option's cash in one period by item, and its value at the end of the horizon.
struct OptionCosts {
  ItemAmounts upfront;      //!< per accelerator acquired
  ItemAmounts recurring;    //!< per accelerator active
  double residual_usd = 0;  //!< per accelerator acquired in the period
};

//! Cost-of-ownership inputs of a scenario (lives, salvage, cost of capital).
AnnualCostInputs annual_cost_inputs(const scenario::Scenario& scenario,
                                    const scenario::Procurement* procurement);

//! What one accelerator of `procurement` costs to acquire, by part (USD at the period's
//! rates), and its IT power (`power_w` at the wall over the site's PUE).
Result<AcceleratorCosts> accelerator_costs(const scenario::Scenario& scenario,
                                           const scenario::Procurement& procurement,
                                           const scenario::Period& period, double power_w,
                                           double pue);

//! How a site charges in a period (energy, building or colocation, operations), USD.
Result<SiteCosts> site_costs(const scenario::Site& site, const scenario::Period& period);

//! A bought option: acquisition items (the data-centre build only at an owned site, when it
//! has a build price), running items (energy, colocation rent at a leased site, operations)
//! and the residual value at `horizon_end_day` (days since 1970-01-01, exclusive).
Result<OptionCosts> buy_option_costs(const scenario::Scenario& scenario,
                                     const scenario::Procurement& procurement,
                                     const scenario::Site& site, const scenario::Period& period,
                                     double power_w, double horizon_end_day);

//! A leased option: rent for the period's hours (and energy when the lease excludes it).
Result<OptionCosts> lease_option_costs(const scenario::Procurement& procurement,
                                       const scenario::Site& site, const scenario::Period& period,
                                       double power_w);

//! An installed accelerator (already paid): energy, colocation and operations; operations
//! as a share of capex use `replacement` (a buy procurement of the same chip), when any.
Result<OptionCosts> installed_option_costs(const scenario::Scenario& scenario,
                                           const scenario::Procurement* replacement,
                                           const scenario::Site& site,
                                           const scenario::Period& period, double power_w);

//! Cost per accelerator-year of an option at the first period's prices, 0 when not known.
double option_annual_usd(const scenario::Scenario& scenario,
                         const scenario::Procurement* procurement, const scenario::Site& site,
                         double power_w);

//! USD per demand unit served over each period: per token/day (inference: the value per
//! million input, cached input and output tokens at the service's lengths and prefix-cache
//! hit share, times the period's days) or per FLOP/s (training: the value of a reference
//! accelerator-hour over its FLOP at the MFU, times the period's seconds). Empty when the
//! service has no value.
Result<std::vector<double>> service_value_series(const scenario::Scenario& scenario,
                                                 const scenario::ServiceSpec& service,
                                                 const catalog::Catalog& catalog);

//! The scenario's training jobs as Problem jobs (FLOP/s demand, minimum cluster, sites);
//! `sites` maps names to Problem site indices in order.
Result<std::vector<TrainingJob>> training_jobs(const scenario::Scenario& scenario,
                                               const catalog::Catalog& catalog);

//! Fills an option's cash series (upfront_usd, recurring_usd, residual_usd), their items
//! and its cost per accelerator-year, for every period: a bought or leased `procurement`,
//! or (installed) the installed base, whose operations use `procurement` as the
//! replacement when given. `power_w` is the option's power at the wall.
Status fill_option_costs(const scenario::Scenario& scenario,
                         const scenario::Procurement* procurement, const scenario::Site& site,
                         bool installed, Option& option);

//! The share of an option's upfront and recurring cash in period p that a budget line with
//! spend `items` counts (empty: all).
void budget_line_weights(const Option& option, int p, const std::vector<std::string>& items,
                         double& upfront_weight, double& recurring_weight);

//! Each service's value per demand unit and priority; in min-cost, unmet demand of a valued
//! service is priced at its value (instead of settings.shortfall_usd_per_million_tokens).
Status add_service_values(const scenario::Scenario& scenario, const catalog::Catalog& catalog,
                          Problem& problem);

//! The scenario's training jobs into the Problem; a training service's demand in a period
//! with jobs is the sum of its jobs' FLOP/s.
Status add_training_jobs(const scenario::Scenario& scenario, const catalog::Catalog& catalog,
                         Problem& problem);

//! FLOP/s a training job needs, sustained over its period.
Result<double> training_job_flops(const scenario::Scenario& scenario,
                                  const scenario::TrainingJob& job,
                                  const catalog::Catalog& catalog);

}  // namespace fleetplan::plan
