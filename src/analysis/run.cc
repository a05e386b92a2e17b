// run_sweep: each run is the scenario with its values written in, planned like `fleetplan
// plan` would; runs spread over TBB threads, each thread with its own copy of the
// performance-estimate cache (estimates are pure functions of their key, so a cached and a
// fresh estimate are the same number and the split never changes an output).
#include <atomic>
#include <cmath>
#include <exception>
#include <limits>
#include <map>
#include <set>

#include <fmt/format.h>
#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "analysis/sweep.h"
#include "plan/build.h"

namespace fleetplan::analysis {
namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

class OutcomeWriter {
 public:
  OutcomeWriter(const Sweep& sweep, const std::map<std::string, std::size_t>& index,
                RunOutcome& outcome)
      : index_(index), outcome_(outcome) {
    outcome_.values.assign(sweep.columns.size(), kNan);
  }
  void set(const std::string& name, double value) {
    auto it = index_.find(name);
    if (it != index_.end()) {
      outcome_.values[it->second] = value;
    }
  }
  void add(const std::string& name, double value) {
    auto it = index_.find(name);
    if (it != index_.end()) {
      double& cell = outcome_.values[it->second];
      cell = std::isnan(cell) ? value : cell + value;
    }
  }

 private:
  const std::map<std::string, std::size_t>& index_;
  RunOutcome& outcome_;
};

void record_served(const scenario::Scenario& scenario, const plan::Problem& problem,
                   const plan::Plan& plan, OutcomeWriter& out) {
  for (std::size_t p = 0; p < plan.periods.size() && p < scenario.periods.size(); ++p) {
    const auto& period = scenario.periods[p];
    double tokens = 0;
    for (std::size_t s = 0; s < problem.services.size(); ++s) {
      const auto& service = problem.services[s];
      const double served = plan.periods[p].served[s];
      if (service.kind == plan::ServiceKind::kInference) {
        out.set(fmt::format("served_tokens_per_day[{}][{}]", period.name, service.name), served);
        tokens += served;
      } else {
        out.set(fmt::format("served_flop_per_s[{}][{}]", period.name, service.name), served);
      }
    }
    if (p + 1 == scenario.periods.size()) {
      out.set("served_tokens_per_day", tokens);
    }
    out.set(fmt::format("domestic_share_count[{}]", period.name),
            plan.periods[p].domestic_share_count);
    out.set(fmt::format("domestic_share_spend[{}]", period.name),
            plan.periods[p].domestic_share_spend);
  }
}

void record_spend(const Sweep& sweep, const scenario::Scenario& scenario, const plan::Plan& plan,
                  OutcomeWriter& out) {
  out.set("spend_usd", plan.spend_usd);
  out.set("cost_usd", plan.cost_usd);
  if (sweep.currency != "USD") {
    double local = 0;
    for (std::size_t p = 0; p < plan.periods.size() && p < scenario.periods.size(); ++p) {
      const auto& rates = scenario.periods[p].exchange_rates;
      auto rate = rates.find(sweep.currency);
      local += plan.periods[p].spend_usd * (rate != rates.end() ? rate->second : kNan);
    }
    out.set(fmt::format("spend_{}", sweep.currency), local);
  }
}

void record_fleet(const plan::Problem& problem, const plan::Plan& plan, OutcomeWriter& out) {
  // Every option a run could acquire counts, so a zero is a zero and not a missing value.
  for (const auto& option : problem.options) {
    if (!option.installed_base) {
      out.add(fmt::format("acquired[{},{}]", option.accelerator, plan::mode_name(option.mode)), 0);
    }
  }
  for (const auto& line : plan.fleet) {
    const auto& option = problem.options[static_cast<std::size_t>(line.option)];
    if (!option.installed_base) {
      out.add(fmt::format("acquired[{},{}]", option.accelerator, plan::mode_name(option.mode)),
              line.acquired);
    }
  }
}

void record_rules(const Sweep& sweep, const plan::Problem& problem, const plan::Plan& plan,
                  OutcomeWriter& out) {
  if (sweep.spec.rule_costs) {
    for (const auto& cost : plan.rule_costs) {
      out.set(fmt::format("binding[{}]", cost.rule), cost.binding ? 1 : 0);
      out.set(fmt::format("rule_cost_usd[{}]", cost.rule), cost.cost_known ? cost.cost_usd : kNan);
    }
    return;
  }
  // Without re-solves, a rule binds when one of its caps or shares is tight; a rule that
  // only excludes options cannot be judged without a re-solve and stays empty.
  std::set<std::string> constrained;
  for (const auto& cap : problem.supply_caps) {
    constrained.insert(cap.rule);
  }
  for (const auto& share : problem.shares) {
    constrained.insert(share.rule);
  }
  for (const auto& rule : problem.rules) {
    if (constrained.count(rule.name) != 0) {
      out.set(fmt::format("binding[{}]", rule.name), 0);
    }
  }
  for (const auto& tight : plan.tight) {
    if (!tight.rule.empty()) {
      out.set(fmt::format("binding[{}]", tight.rule), 1);
    }
  }
}

RunOutcome run_one(const Sweep& sweep, const ScenarioDocument& document,
                   const catalog::Catalog& catalog, const perf::EfficiencyTable& efficiency,
                   const std::map<std::string, std::size_t>& index, std::size_t run,
                   plan::CapacityCache& cache) {
  RunOutcome outcome;
  OutcomeWriter out(sweep, index, outcome);
  std::vector<Assignment> assignments;
  double perf_error = 1;
  for (std::size_t j = 0; j < sweep.parameters.size(); ++j) {
    const auto& value = sweep.runs[run][j];
    assignments.push_back({&sweep.parameters[j].path, value});
    if (sweep.parameters[j].path.perf_error()) {
      auto q = parse_quantity(value);
      if (!q.ok() || !(q->number > 0)) {
        outcome.error = fmt::format("{} = '{}': expected a positive multiplier",
                                    sweep.parameters[j].path.text, value);
        return outcome;
      }
      perf_error = q->number;
    }
  }
  auto scenario = document.scenario_with(assignments, catalog);
  if (!scenario.ok()) {
    outcome.error = scenario.error().message;
    return outcome;
  }
  auto built = plan::build_problem(*scenario, catalog, efficiency, {}, &cache);
  if (!built.ok()) {
    outcome.error = built.error().message;
    return outcome;
  }
  if (perf_error != 1) {
    for (auto& option : built->problem.options) {
      for (double& capacity : option.capacity) {
        capacity *= perf_error;
      }
    }
  }
  plan::SolveOptions options;
  options.objective = sweep.objective;
  options.relative_gap = sweep.spec.relative_gap;
  options.rule_costs = sweep.spec.rule_costs;
  auto solved = plan::solve(built->problem, options);
  if (!solved.ok()) {
    outcome.error = solved.error().message;
    return outcome;
  }
  outcome.status = solved->status;
  outcome.gap = solved->gap;
  if (solved->status == plan::SolveStatus::kInfeasible) {
    for (const auto& conflict : solved->conflicts) {
      outcome.conflicts.push_back(conflict.message);
      outcome.conflict_names.push_back(conflict.constraint);
    }
    return outcome;
  }
  record_served(*scenario, built->problem, *solved, out);
  record_spend(sweep, *scenario, *solved, out);
  record_fleet(built->problem, *solved, out);
  record_rules(sweep, built->problem, *solved, out);
  return outcome;
}

}  // namespace

Result<std::vector<RunOutcome>> run_sweep(const Sweep& sweep, const ScenarioDocument& document,
                                          const catalog::Catalog& catalog,
                                          const perf::EfficiencyTable& efficiency,
                                          const std::vector<std::size_t>& indices,
                                          const RunOptions& options) {
  std::map<std::string, std::size_t> index;
  for (std::size_t c = 0; c < sweep.columns.size(); ++c) {
    index.emplace(sweep.columns[c].name, c);
  }
  for (auto run : indices) {
    if (run >= sweep.runs.size()) {
      return internal_error(fmt::format("run {} of {}", run, sweep.runs.size()));
    }
  }
  std::vector<RunOutcome> outcomes(indices.size());
  tbb::enumerable_thread_specific<plan::CapacityCache> caches(sweep.capacity_cache);
  std::atomic<std::size_t> done{0};
  const int jobs = options.jobs > 0 ? options.jobs : tbb::this_task_arena::max_concurrency();
  tbb::task_arena arena(jobs);
  arena.execute([&] {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, indices.size(), 1),
                      [&](const tbb::blocked_range<std::size_t>& range) {
                        for (std::size_t k = range.begin(); k != range.end(); ++k) {
                          try {
                            outcomes[k] = run_one(sweep, document, catalog, efficiency, index,
                                                  indices[k], caches.local());
                          } catch (const std::exception& e) {
                            outcomes[k].error = fmt::format("internal error: {}", e.what());
                          }
                          const std::size_t now = ++done;
                          if (options.progress) {
                            options.progress(now);
                          }
                        }
                      });
  });
  return outcomes;
}

Status first_run_error(const Sweep& sweep, const std::vector<RunOutcome>& outcomes) {
  for (std::size_t i = 0; i < outcomes.size() && i < sweep.runs.size(); ++i) {
    if (outcomes[i].error.empty()) {
      continue;
    }
    std::vector<std::string> values;
    for (std::size_t j = 0; j < sweep.parameters.size(); ++j) {
      values.push_back(fmt::format("{}={}", sweep.parameters[j].path.text, sweep.runs[i][j]));
    }
    return input_error(
        fmt::format("run {} ({}): {}", i, fmt::join(values, ", "), outcomes[i].error));
  }
  return {};
}

}  // namespace fleetplan::analysis
