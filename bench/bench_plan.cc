// Benchmarks of the planner (named workloads):
//   plan/bytedance-2026          the built-in 2026 reference scenario end to end: load the
//                                catalog, the efficiency table and the scenario, build the
//                                problem (performance estimates included), solve it and price
//                                every rule (target < 2 s), the rule re-solves in one
//                                worker process per core as `fleetplan plan` runs them
//   plan/bytedance-2026-quarterly  the same with 2026 cut into four quarters (target < 2 s)
//   plan/bytedance-2026-quarterly/jobs:1  the same in one process
//   plan/bytedance-2025-ft       the January 2025 backtest
//   plan/synthetic-5p-10s-20a-10v  a synthetic problem of 5 periods x 10 sites x 20
//                                accelerator types x 10 services (2,000 integer and 20,000
//                                continuous variables) solved to a 1 % gap (target < 60 s)
// Counters: status (0 optimal, 1 feasible, 2 infeasible), served_gap (max-served: proven
// relative gap of the demand served), gap (proven relative gap of the final MILP: for
// max-served, the least cost at that service), MILPs solved, branch-and-bound nodes, jobs
// (worker processes for the rule re-solves).
#include <cstdlib>

#include <benchmark/benchmark.h>

#include "catalog/catalog.h"
#include "core/processes.h"
#include "perf/perf.h"
#include "plan/build.h"
#include "plan/plan.h"
#include "plan/synthetic.h"
#include "scenario/scenario.h"

namespace {

using fleetplan::plan::Plan;

void report(benchmark::State& state, const Plan& plan) {
  state.counters["status"] = static_cast<double>(plan.status);
  state.counters["gap"] = plan.gap;
  state.counters["served_gap"] = plan.served_gap;
  state.counters["milps"] = plan.solves;
  state.counters["nodes"] = static_cast<double>(plan.nodes);
}

void plan_reference(benchmark::State& state, const char* name, int jobs) {
  setenv("FLEETPLAN_DATA_DIR", FLEETPLAN_BENCH_DATA_DIR, 0);
  for (auto _ : state) {
    auto catalog = fleetplan::catalog::Catalog::load();
    auto efficiency = fleetplan::perf::EfficiencyTable::load_builtin();
    if (!catalog.ok() || !efficiency.ok()) {
      state.SkipWithError("cannot load the catalog or the efficiency table");
      return;
    }
    auto scenario = fleetplan::scenario::load_scenario(name, *catalog);
    if (!scenario.ok()) {
      state.SkipWithError(scenario.error().message.c_str());
      return;
    }
    auto built = fleetplan::plan::build_problem(*scenario, *catalog, *efficiency);
    if (!built.ok()) {
      state.SkipWithError(built.error().message.c_str());
      return;
    }
    fleetplan::plan::SolveOptions options;
    options.objective = built->objective;
    // As `fleetplan plan` does: the rule re-solves in one worker process per core.
    options.jobs = jobs > 0 ? jobs : fleetplan::available_cores();
    state.counters["jobs"] = options.jobs;
    auto plan = fleetplan::plan::solve(built->problem, options);
    if (!plan.ok()) {
      state.SkipWithError(plan.error().message.c_str());
      return;
    }
    report(state, *plan);
  }
}
// Wall time: the rule re-solves run in worker processes, whose CPU time the benchmark's own
// CPU column does not see.
BENCHMARK_CAPTURE(plan_reference, 2026, "bytedance-2026", 0)
    ->Name("plan/bytedance-2026")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(plan_reference, 2026q, "bytedance-2026-quarterly", 0)
    ->Name("plan/bytedance-2026-quarterly")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(plan_reference, 2026q1, "bytedance-2026-quarterly", 1)
    ->Name("plan/bytedance-2026-quarterly/jobs:1")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(plan_reference, 2025ft, "bytedance-2025-ft", 0)
    ->Name("plan/bytedance-2025-ft")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void plan_synthetic(benchmark::State& state) {
  fleetplan::plan::SyntheticSpec spec;  // 5 periods x 10 sites x 20 accelerators x 10 services
  const auto problem = fleetplan::plan::synthetic_problem(spec);
  fleetplan::plan::SolveOptions options;
  options.relative_gap = 0.01;
  options.rule_costs = false;  // the gap target is the plan's; pricing rules is 8 more MILPs
  for (auto _ : state) {
    auto plan = fleetplan::plan::solve(problem, options);
    if (!plan.ok()) {
      state.SkipWithError(plan.error().message.c_str());
      return;
    }
    report(state, *plan);
  }
}
BENCHMARK(plan_synthetic)
    ->Name("plan/synthetic-5p-10s-20a-10v")
    ->Unit(benchmark::kSecond)
    ->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
