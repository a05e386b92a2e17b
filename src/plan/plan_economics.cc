#include "plan/plan_economics.h"

#include <algorithm>

#include "plan/economics.h"
#include "plan/milp.h"

namespace fleetplan::plan::internal {

Result<std::vector<MarginalCost>> marginal_costs(const Problem& problem,
                                                 const std::set<std::string>& disabled_rules,
                                                 const std::vector<double>& x, const Plan& plan) {
  std::vector<MarginalCost> out;
  const int periods = static_cast<int>(problem.periods.size());
  const int services = static_cast<int>(problem.services.size());
  if (plan.periods.size() != problem.periods.size()) {
    return out;
  }
  Settings settings;
  settings.goal = Settings::Goal::kMinCost;
  settings.disabled_rules = disabled_rules;
  std::vector<std::vector<double>> served(periods, std::vector<double>(services, 0.0));
  for (int p = 0; p < periods; ++p) {
    for (int s = 0; s < services; ++s) {
      served[p][s] = plan.periods[p].served[s];
    }
  }
  settings.served_floor = served;
  const Formulation formulation(problem, settings);
  if (formulation.model().columns().size() != x.size()) {
    return internal_error("marginal costs: the plan's columns do not match the min-cost model");
  }
  milp::Model lp = milp::with_integers_at_least(formulation.model(), x);
  // The budgets are lifted: the question is what more demand costs, not whether it fits.
  for (const HardRow& hard : formulation.hard_rows()) {
    if ((hard.info.kind == "budget" || hard.info.kind == "spend-cap") && hard.row >= 0) {
      lp.mutable_rows()[hard.row].upper = milp::kInfinity;
    }
  }
  // Served demand costs nothing in itself here (no shortfall credit): the reduced cost of a
  // served column is then the cost of the capacity to serve one more unit.
  for (int p = 0; p < periods; ++p) {
    for (int s = 0; s < services; ++s) {
      lp.mutable_columns()[formulation.served_column(p, s)].cost = 0;
    }
  }
  auto base = milp::solve(lp);
  if (!base.ok()) {
    return base.error();
  }
  if (base->status != milp::Status::kOptimal) {
    return out;
  }
  // One more unit for one service, the rest held: the cost difference is the marginal
  // cost (exact, where a dual of a degenerate vertex could be any subgradient).
  for (int p = 0; p < periods; ++p) {
    for (int s = 0; s < services; ++s) {
      if (problem.services[s].demand[p] <= 0) {
        continue;
      }
      const bool training = problem.services[s].kind == ServiceKind::kTraining;
      const bool jobs =
          std::any_of(problem.training_jobs.begin(), problem.training_jobs.end(),
                      [&](const TrainingJob& job) { return job.period == p && job.service == s; });
      if (jobs) {
        // Training that runs as whole jobs has no marginal PFLOP/s to price.
        out.push_back({p, s, 0, "PFLOP/s", false});
        continue;
      }
      const double step = training ? 1e15 : 1e12;  // one PFLOP/s, one T tokens/day
      milp::Model more = lp;
      milp::Column& column = more.mutable_columns()[formulation.served_column(p, s)];
      column.lower = (served[p][s] + step) / formulation.service_scale(s);
      column.upper = std::max(column.upper, column.lower);
      auto solution = milp::solve(more);
      if (!solution.ok()) {
        return solution.error();
      }
      MarginalCost cost{p, s, 0, training ? "PFLOP/s" : "T tokens/day"};
      if (solution->status == milp::Status::kOptimal) {
        cost.usd = std::max(0.0, (solution->objective - base->objective) * kMoneyScale);
      } else {
        cost.reachable = false;  // a hard limit (power, supply, a rule) stops the expansion
      }
      out.push_back(cost);
    }
  }
  return out;
}

void add_plan_economics(const Problem& problem, const Formulation& solved,
                        const std::vector<double>& x, Plan& plan, bool with_marginal_costs) {
  fill_spend_by_item(problem, plan);
  plan.unit_costs = unit_costs(problem);
  fill_value_served(problem, plan);
  std::vector<std::vector<int>> job_columns(problem.training_jobs.size());
  for (int j = 0; j < static_cast<int>(problem.training_jobs.size()); ++j) {
    for (int k = 0; k < static_cast<int>(problem.sites.size()); ++k) {
      job_columns[j].push_back(solved.job_column(j, k));
    }
  }
  fill_training_jobs(problem, job_columns, x, plan);
  if (!with_marginal_costs) {
    return;
  }
  auto marginal = marginal_costs(problem, solved.settings().disabled_rules, x, plan);
  if (marginal.ok()) {
    plan.marginal_costs = std::move(marginal).value();
  }
  plan.solves += 1 + static_cast<int>(plan.marginal_costs.size());  // the LPs above
}

}  // namespace fleetplan::plan::internal
