// After a plan is solved: its economics (spend by item, unit costs, value served, training
// jobs) and the marginal cost of more demand per service, priced by the min-cost LP of the
// plan with every integer decision allowed to grow from its value and the budgets lifted,
// re-solved with one more unit of each service's demand (what one more unit would cost, not
// whether the budget has room for it). Private to src/plan: it needs the Formulation.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "plan/formulation.h"
#include "plan/plan.h"

namespace fleetplan::plan::internal {

//! Fills the plan's economics from the solved formulation and its solution `x`; the
//! marginal costs take one more LP solve (counted in plan.solves). A failed LP leaves the
//! marginal costs empty.
void add_plan_economics(const Problem& problem, const Formulation& solved,
                        const std::vector<double>& x, Plan& plan, bool with_marginal_costs = true);

//! The marginal cost per period and service: the min-cost LP with served demand held at the
//! plan's and integers at least the plan's, re-solved with one more T tokens/day (or
//! PFLOP/s) for each service; the difference in cost.
Result<std::vector<MarginalCost>> marginal_costs(const Problem& problem,
                                                 const std::set<std::string>& disabled_rules,
                                                 const std::vector<double>& x, const Plan& plan);

}  // namespace fleetplan::plan::internal
