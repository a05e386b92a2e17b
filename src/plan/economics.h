// The economics of a solved plan: its cash by spend item, the cost of a token on each option
// for each service, and the marginal cost of more demand. Each function works on the
// Problem and the plan's figures, not on the solver, so the report and the tests can call
// them on any plan.
#pragma once

#include <vector>

#include "plan/plan.h"
#include "plan/tco.h"

namespace fleetplan::plan {

//! The cash of `acquired` and `active` accelerators of option `o` in period `p` by item:
//! upfront items x acquired + recurring items x active. An option without items counts its
//! upfront cash as accelerators and its recurring cash as energy (buy) or leases (lease).
ItemAmounts option_spend_by_item(const Problem& problem, int o, int p, double acquired,
                                 double active);

//! Puts each fleet line's spend by item, and each period's total by item, into the plan
//! (FleetLine::spend_by_item, PeriodOutcome::spend_by_item). The items of a line are
//! rescaled onto its spend_usd so that they add up to it exactly, rounding aside.
void fill_spend_by_item(const Problem& problem, Plan& plan);

//! The cost of a token (or of an exaFLOP, for training) on every option that can serve
//! each service, in every period: the option's cost of ownership per accelerator-year over
//! what it serves in a year at the planned utilisation (capacity / peak-to-average).
//! Options without a known annual cost are left out. Ordered by period, option, service.
//! Each cost names what forbids the option for the service in the period, if anything
//! (UnitCost::forbidden_by, forbidden_reason).
std::vector<UnitCost> unit_costs(const Problem& problem);

//! Splits a blended cost per million tokens between input and output tokens by the time
//! a request spends in prefill (`prefill_time_share`) and in decode: input = blended x
//! (I + O) x share / I, output = blended x (I + O) x (1 - share) / O, so that I x input +
//! O x output = (I + O) x blended. Leaves `cost` alone when I, O or the share is unknown.
void split_by_phase(double usd_per_million_tokens, double prefill_time_share, double input_tokens,
                    double output_tokens, UnitCost& cost);

//! The value of the demand served, per period and service (PeriodOutcome::value_usd), for
//! problems whose services are valued.
void fill_value_served(const Problem& problem, Plan& plan);

//! True when the services carry a value (the value objective applies).
bool has_service_values(const Problem& problem);

//! The served score of served demand [period][service]: with valued services the share of
//! the value of all demand served, sum v_ps y_ps / sum v_ps D_ps; else
//! sum weight_s y_ps / D_ps.
double served_score_of(const Problem& problem, const std::vector<std::vector<double>>& served);

//! Checks the economics fields: every service valued or none, values >= 0 and one per
//! period (or one), priorities >= 1, item series sizes, and training jobs (a training
//! service, a period, a site index, demand > 0).
Status validate_economics(const Problem& problem);

//! Where each training job runs (from the solution's job columns, one per job and site, -1
//! where it may not run) and the largest training cluster per period and site.
void fill_training_jobs(const Problem& problem, const std::vector<std::vector<int>>& job_columns,
                        const std::vector<double>& x, Plan& plan);

}  // namespace fleetplan::plan
