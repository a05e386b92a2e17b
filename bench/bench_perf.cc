// Benchmarks of the performance model (named workloads):
//   estimate/fixed-layout      one estimate of a given deployment (target >= 1 M/s on one core)
//   estimate/decode-step       one decode-step time from a built replica model
//   search/70b-on-64-gpus      best deployment of Llama 3.1 70B over every layout of 64 H100
//                              (target < 10 ms)
#include <cstdlib>

#include <benchmark/benchmark.h>

#include "bench_fixture.h"

#include "catalog/catalog.h"
#include "perf/perf.h"

namespace {

using fleetplan::perf::EstimateRequest;

using fleetplan::bench::Fixture;

void estimate_fixed_layout(benchmark::State& state) {
  const Fixture& f = Fixture::get();
  EstimateRequest req;
  req.model = *f.catalog.model("llama3.1-70b");
  req.accelerator = *f.catalog.accelerator("H100-SXM");
  req.count = 8;
  req.input_len = 1024;
  req.output_len = 256;
  req.parallelism = fleetplan::perf::Parallelism{8, 1, 1, 1};
  for (auto _ : state) {
    auto est = fleetplan::perf::estimate(req, f.table);
    benchmark::DoNotOptimize(est);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(estimate_fixed_layout)->Name("estimate/fixed-layout");

void decode_step(benchmark::State& state) {
  const Fixture& f = Fixture::get();
  fleetplan::perf::DeploymentSpec spec{*f.catalog.model("llama3.1-8b"),
                                       *f.catalog.accelerator("H100-SXM"),
                                       {},
                                       fleetplan::catalog::Precision::kFp8,
                                       fleetplan::catalog::Precision::kFp8};
  auto replica = fleetplan::perf::ReplicaModel::create(spec, f.table.for_family("Hopper"));
  int batch = 1;
  for (auto _ : state) {
    benchmark::DoNotOptimize(replica->decode_step_time_s(batch, batch * 1500.0));
    batch = batch % 256 + 1;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(decode_step)->Name("estimate/decode-step");

void search_70b_64(benchmark::State& state) {
  const Fixture& f = Fixture::get();
  EstimateRequest req;
  req.model = *f.catalog.model("llama3.1-70b");
  req.accelerator = *f.catalog.accelerator("H100-SXM");
  req.count = 64;
  req.input_len = 1024;
  req.output_len = 256;
  req.ttft_target_ms = 2000;
  req.tpot_target_ms = 50;
  for (auto _ : state) {
    auto est = fleetplan::perf::estimate(req, f.table);
    benchmark::DoNotOptimize(est);
  }
  state.SetLabel("layouts searched per call: " +
                 std::to_string(fleetplan::perf::estimate(req, f.table)->deployments_searched));
}
BENCHMARK(search_70b_64)->Name("search/70b-on-64-gpus")->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
