// Benchmarks of the performance model (named workloads):
//   estimate/fixed-layout      one estimate of a given deployment (target >= 1 M/s on one core)
//   estimate/decode-step       one decode-step time from a built replica model
//   search/70b-on-64-gpus      best deployment of Llama 3.1 70B over every layout of 64 H100
//                              (target < 10 ms)
//   search/671b-moe-on-384     best deployment of DeepSeek-V3 (671 B MoE) on 384 Ascend 910C
//                              at 2,000/400 tokens, TPOT 50 ms: every shape (colocated TP/PP/
//                              EP/attention-DP, disaggregated P:D, MTP on and off) (target
//                              < 10 ms)
#include <cstdlib>

#include <benchmark/benchmark.h>

#include "bench_fixture.h"

#include "catalog/catalog.h"
#include "perf/engine.h"
#include "perf/perf.h"

namespace {

using fleetplan::perf::EstimateRequest;

using fleetplan::bench::Fixture;

// A request for `count` x `accelerator` serving `model`, prompts of `input_len` and outputs
// of `output_len` tokens.
EstimateRequest request(const Fixture& f, const char* model, const char* accelerator, int count,
                        int input_len, int output_len) {
  EstimateRequest req;
  req.model = *f.catalog.model(model);
  req.accelerator = *f.catalog.accelerator(accelerator);
  req.count = count;
  req.input_len = input_len;
  req.output_len = output_len;
  return req;
}

// Runs estimate() on `req` for every iteration of the benchmark.
void estimate_loop(benchmark::State& state, const EstimateRequest& req,
                   const fleetplan::perf::EfficiencyTable& table) {
  for (auto _ : state) {
    auto est = fleetplan::perf::estimate(req, table);
    benchmark::DoNotOptimize(est);
  }
}

void estimate_fixed_layout(benchmark::State& state) {
  const Fixture& f = Fixture::get();
  EstimateRequest req = request(f, "llama3.1-70b", "H100-SXM", 8, 1024, 256);
  req.parallelism = fleetplan::perf::Parallelism{8, 1, 1, 1};
  estimate_loop(state, req, f.table);
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
  EstimateRequest req = request(f, "llama3.1-70b", "H100-SXM", 64, 1024, 256);
  req.ttft_target_ms = 2000;
  req.tpot_target_ms = 50;
  estimate_loop(state, req, f.table);
  state.SetLabel("layouts searched per call: " +
                 std::to_string(fleetplan::perf::estimate(req, f.table)->deployments_searched));
}
BENCHMARK(search_70b_64)->Name("search/70b-on-64-gpus")->Unit(benchmark::kMillisecond);

void search_671b_384(benchmark::State& state) {
  const Fixture& f = Fixture::get();
  EstimateRequest req = request(f, "deepseek-v3", "Ascend-910C", 384, 2000, 400);
  req.weights = fleetplan::catalog::Precision::kInt8;
  req.kv_cache = fleetplan::catalog::Precision::kBf16;
  req.tpot_target_ms = 50;
  // As `fleetplan estimate` runs it: the family's engine (MindIE), its layouts and caps.
  const auto engines = fleetplan::perf::EngineTable::load_builtin().value();
  const fleetplan::perf::Engine& engine = engines.default_for(req.accelerator->family);
  req.engine = engine.name;
  req.layouts = fleetplan::perf::layout_support(engine);
  const auto table = fleetplan::perf::with_resolved(
      f.table, fleetplan::perf::resolve_factors(f.table, req.accelerator->family, engine));
  estimate_loop(state, req, table);
  auto est = fleetplan::perf::estimate(req, table);
  state.SetLabel(
      est.ok() ? "deployments searched per call: " + std::to_string(est->deployments_searched) +
                     "; chosen " + fleetplan::perf::shape_text(*est)
               : est.error().message);
}
BENCHMARK(search_671b_384)->Name("search/671b-moe-on-384")->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
