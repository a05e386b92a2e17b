// run_sweep: each run is the scenario with its values written in, planned like `fleetplan
// plan` would; runs spread over TBB threads, each thread with its own copy of the
// performance-estimate cache (estimates are pure functions of their key, so a cached and a
// fresh estimate are the same number and the split never changes an output).
#include <atomic>
#include <cmath>
#include <exception>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "analysis/distributed.h"
#include "analysis/sweep.h"
#include "core/processes.h"
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
  out.set("served_gap", plan.served_gap);
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
      out.set(fmt::format("rule_cost_usd[{}]", cost.rule), cost.cost_usd);
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

// perf.error=band: every inference capacity of an (accelerator, model) pair times that
// pair's draw for this sample (all services of one model on one accelerator share it).
void apply_band_draws(const Sweep& sweep, const scenario::Scenario& scenario, std::size_t run,
                      std::size_t parameter, plan::Problem& problem) {
  std::map<std::pair<std::string, std::string>, double> multiplier;
  for (std::size_t k = 0; k < sweep.band_pairs.size(); ++k) {
    const auto& pair = sweep.band_pairs[k];
    const double u = sample_uniform(sweep.spec.seed, run, band_stream(parameter, k));
    multiplier[{pair.accelerator, pair.model}] = band_multiplier(pair.band.p10, pair.band.p90, u);
  }
  for (auto& option : problem.options) {
    for (std::size_t s = 0; s < option.capacity.size() && s < scenario.services.size(); ++s) {
      if (scenario.services[s].kind != scenario::Use::kInference) {
        continue;
      }
      auto it = multiplier.find({option.accelerator, scenario.services[s].model});
      if (it != multiplier.end()) {
        option.capacity[s] *= it->second;
      }
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
  std::optional<std::size_t> band_parameter;
  for (std::size_t j = 0; j < sweep.parameters.size(); ++j) {
    const auto& value = sweep.runs[run][j];
    if (value.empty()) {
      continue;  // the file's own value (a tornado's base run, a field the file leaves out)
    }
    assignments.push_back({&sweep.parameters[j].path, value});
    if (sweep.parameters[j].band) {
      band_parameter = j;
      continue;
    }
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
  if (band_parameter) {
    apply_band_draws(sweep, *scenario, run, *band_parameter, built->problem);
  }
  plan::SolveOptions options;
  options.objective = sweep.objective;
  options.relative_gap = sweep.spec.relative_gap.value_or(scenario->settings.gap);
  options.node_limit = sweep.spec.node_limit.value_or(scenario->settings.node_limit);
  options.rule_costs = sweep.spec.rule_costs;
  options.marginal_costs = false;  // no output of a sweep reads them
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

using Runner = std::function<RunOutcome(std::size_t run)>;

std::vector<RunOutcome> run_on_threads(const std::vector<std::size_t>& indices, int jobs,
                                       const Runner& runner, const RunOptions& options) {
  std::vector<RunOutcome> outcomes(indices.size());
  std::atomic<std::size_t> done{0};
  tbb::task_arena arena(jobs);
  arena.execute([&] {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, indices.size(), 1),
                      [&](const tbb::blocked_range<std::size_t>& range) {
                        for (std::size_t k = range.begin(); k != range.end(); ++k) {
                          outcomes[k] = runner(indices[k]);
                          const std::size_t now = ++done;
                          if (options.progress) {
                            options.progress(now);
                          }
                        }
                      });
  });
  return outcomes;
}

// Each run in a forked worker (core/processes.h): the outcome travels back in its byte form.
Result<std::vector<RunOutcome>> run_in_processes(const std::vector<std::size_t>& indices, int jobs,
                                                 const Runner& runner, const RunOptions& options) {
  const auto task = [&](std::size_t k) { return encode_outcomes({runner(indices[k])}); };
  std::function<void(std::size_t)> on_done;
  if (options.progress) {
    on_done = [&](std::size_t done) { options.progress(done); };
  }
  auto results = map_in_processes(indices.size(), jobs, task, on_done, "sweep");
  FLEETPLAN_RETURN_IF_ERROR(results);
  std::vector<RunOutcome> outcomes(indices.size());
  for (std::size_t k = 0; k < indices.size(); ++k) {
    auto decoded = decode_outcomes((*results)[k]);
    FLEETPLAN_RETURN_IF_ERROR(decoded);
    if (decoded->size() != 1) {
      return internal_error("a sweep worker sent a malformed outcome");
    }
    outcomes[k] = std::move(decoded->front());
  }
  return outcomes;
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
  tbb::enumerable_thread_specific<plan::CapacityCache> caches(sweep.capacity_cache);
  const Runner runner = [&](std::size_t run) {
    try {
      return run_one(sweep, document, catalog, efficiency, index, run, caches.local());
    } catch (const std::exception& e) {
      RunOutcome failed;
      failed.error = fmt::format("internal error: {}", e.what());
      return failed;
    }
  };
  const int jobs = options.jobs > 0 ? options.jobs : tbb::this_task_arena::max_concurrency();
  if (jobs > 1 && indices.size() > 1 && options.workers == RunOptions::Workers::kProcesses) {
    return run_in_processes(indices, jobs, runner, options);
  }
  return run_on_threads(indices, jobs, runner, options);
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
