// Benchmarks of sweeps (named workloads), each run once end to end (prepare: the base
// scenario planned, its performance estimates cached; then every run planned):
//   sweep/monte-carlo-1000/bytedance-2026   1,000 samples of the 2026 reference scenario with
//                                the exchange rate, the H200 and Ascend-910B prices, the
//                                Doubao demand (its daily active share: the chat demand is
//                                modelled from users) and the performance model's error
//                                varied, no rule costs, on all cores (target < 30 s wall on
//                                the 2-core VM)
//   sweep/monte-carlo-200/bytedance-2026/perf-error-band  200 samples, every accelerator x
//                                model capacity drawn from its estimate band
//   sweep/grid-4x4-rule-costs/bytedance-2026  H200 price x exchange rate, 4 x 4, every rule
//                                priced in every run (target < 10 s)
//   sweep/monte-carlo-100/bytedance-2026/processes/jobs:N  100 samples, N worker processes
//   sweep/monte-carlo-100/bytedance-2026/threads/jobs:2    the same on 2 TBB threads (CBC's
//                                entry point admits one thread at a time: the solves do not
//                                overlap)
// Counters: runs, runs_per_s (wall), planned, infeasible. The first two run on one worker
// process per core, as `fleetplan sweep` does.
#include <cstdlib>
#include <numeric>

#include <benchmark/benchmark.h>

#include "analysis/sweep.h"
#include "bench_fixture.h"

namespace {

using fleetplan::analysis::SweepMode;
using fleetplan::analysis::SweepSpec;

SweepSpec monte_carlo(long long samples) {
  SweepSpec spec;
  spec.mode = SweepMode::kMonteCarlo;
  spec.samples = samples;
  spec.seed = 2026;
  spec.varies = {
      "periods[2026].exchange_rates.CNY=normal(6.96,0.15)",
      "procurement[H200-SXM,buy].unit_price=triangular(15000 USD,20000 USD,30000 USD)",
      "procurement[Ascend-910B,buy].unit_price=triangular(10000 USD,12000 USD,15000 USD)",
      "periods[2026].demand[doubao-chat].daily_active_share=triangular(0.25,0.35,0.45)",
      "perf.error=normal(1,0.1)",
  };
  return spec;
}

using Workers = fleetplan::analysis::RunOptions::Workers;

void run(benchmark::State& state, const SweepSpec& spec, int jobs,
         Workers workers = Workers::kProcesses) {
  fleetplan::analysis::RunOptions options;
  options.jobs = jobs;
  options.workers = workers;
  const auto& fixture = fleetplan::bench::Fixture::get();
  for (auto _ : state) {
    auto document = fleetplan::analysis::ScenarioDocument::load("bytedance-2026");
    if (!document.ok()) {
      state.SkipWithError(document.error().message.c_str());
      return;
    }
    auto sweep =
        fleetplan::analysis::prepare_sweep(*document, spec, fixture.catalog, fixture.table);
    if (!sweep.ok()) {
      state.SkipWithError(sweep.error().message.c_str());
      return;
    }
    std::vector<std::size_t> all(sweep->runs.size());
    std::iota(all.begin(), all.end(), 0);
    auto outcomes = fleetplan::analysis::run_sweep(*sweep, *document, fixture.catalog,
                                                   fixture.table, all, options);
    if (!outcomes.ok() || !fleetplan::analysis::first_run_error(*sweep, *outcomes).ok()) {
      state.SkipWithError("a run failed");
      return;
    }
    const auto summary = fleetplan::analysis::summarize(*sweep, *outcomes);
    state.counters["runs"] = static_cast<double>(summary.runs);
    state.counters["runs_per_s"] =
        benchmark::Counter(static_cast<double>(summary.runs), benchmark::Counter::kIsRate);
    state.counters["planned"] = static_cast<double>(summary.planned);
    state.counters["infeasible"] = static_cast<double>(summary.infeasible);
  }
}

void monte_carlo_1000(benchmark::State& state) { run(state, monte_carlo(1000), 0); }
BENCHMARK(monte_carlo_1000)
    ->Name("sweep/monte-carlo-1000/bytedance-2026")
    ->Unit(benchmark::kSecond)
    ->UseRealTime()
    ->Iterations(1);

void monte_carlo_band(benchmark::State& state) {
  SweepSpec spec = monte_carlo(200);
  spec.varies.back() = "perf.error=band";
  run(state, spec, 0);
}
BENCHMARK(monte_carlo_band)
    ->Name("sweep/monte-carlo-200/bytedance-2026/perf-error-band")
    ->Unit(benchmark::kSecond)
    ->UseRealTime()
    ->Iterations(1);

void grid_rule_costs(benchmark::State& state) {
  SweepSpec spec;
  spec.sets = {"procurement[H200-SXM,buy].unit_price=15000 USD:30000 USD:4",
               "periods[2026].exchange_rates.CNY=6.6,6.9,7.2,7.5"};
  spec.rule_costs = true;
  run(state, spec, 0);
}
BENCHMARK(grid_rule_costs)
    ->Name("sweep/grid-4x4-rule-costs/bytedance-2026")
    ->Unit(benchmark::kSecond)
    ->UseRealTime()
    ->Iterations(1);

void monte_carlo_processes(benchmark::State& state) {
  run(state, monte_carlo(100), static_cast<int>(state.range(0)), Workers::kProcesses);
}
BENCHMARK(monte_carlo_processes)
    ->Name("sweep/monte-carlo-100/bytedance-2026/processes")
    ->ArgName("jobs")
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kSecond)
    ->UseRealTime()
    ->Iterations(1);

void monte_carlo_threads(benchmark::State& state) {
  run(state, monte_carlo(100), static_cast<int>(state.range(0)), Workers::kThreads);
}
BENCHMARK(monte_carlo_threads)
    ->Name("sweep/monte-carlo-100/bytedance-2026/threads")
    ->ArgName("jobs")
    ->Arg(2)
    ->Unit(benchmark::kSecond)
    ->UseRealTime()
    ->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
