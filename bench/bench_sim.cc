// Benchmarks of the serving simulator (named workloads). Each simulates llama3.1-8b on 8
// replicas (8 x H100-SXM, tp=1) at 80 % of the fleet's offline capacity (perf::estimate),
// Poisson arrivals, 1024 prompt tokens:
//   simulate/8b-8rep-80pct/out256     1 M requests of 256 output tokens
//                                     (target >= 1 M simulated requests/s on one core)
//   simulate/8b-8rep-80pct/out2048    1 M requests of 2048 output tokens (target: within
//                                     1.5x the time of out256: the cost of a request does
//                                     not grow with its output length)
//   simulate/8b-8rep-80pct/out8192    1 M requests of 8192 output tokens
//   reference/8b-8rep-80pct/outN      the step-by-step reference (one event per scheduler
//                                     step), 100 k requests, N = 256, 2048, 8192
// Counters: requests/s (simulated requests per second of wall time), events and scheduler
// steps per request.
#include <cstdlib>

#include <benchmark/benchmark.h>

#include "bench_fixture.h"

#include "catalog/catalog.h"
#include "perf/perf.h"
#include "sim/sim.h"
#include "sim/sim_scenario.h"

namespace {

namespace sim = fleetplan::sim;

using fleetplan::bench::Fixture;

// The fleet and workload of the named workloads: 8 replicas at 80 % of capacity.
struct Workload {
  sim::Fleet fleet;
  sim::Workload workload;
};

Workload make_workload(int output_len, long long requests) {
  const Fixture& f = Fixture::get();
  const auto* model = *f.catalog.model("llama3.1-8b");
  const auto* accelerator = *f.catalog.accelerator("H100-SXM");
  fleetplan::perf::EstimateRequest est_req;
  est_req.model = model;
  est_req.accelerator = accelerator;
  est_req.count = 8;
  est_req.input_len = 1024;
  est_req.output_len = output_len;
  est_req.parallelism = fleetplan::perf::Parallelism{1, 1, 1, 8};
  const auto est = fleetplan::perf::estimate(est_req, f.table);
  sim::DeploymentRequest req;
  req.model = model;
  req.accelerator = accelerator;
  req.count = 8;
  req.tp = 1;
  Workload w;
  w.fleet.deployments.push_back(std::move(sim::build_deployment(req, f.table)).value());
  sim::SimService service;
  service.name = "chat";
  service.model = model->name;
  service.arrival.rate = 0.8 * est->throughput_output_tokens_per_s / output_len;
  service.input = sim::LengthDistribution::fixed(1024);
  service.output = sim::LengthDistribution::fixed(output_len);
  w.workload.services.push_back(service);
  w.workload.requests = requests;
  return w;
}

void run(benchmark::State& state, int output_len, long long requests, bool step_by_step) {
  const Workload w = make_workload(output_len, requests);
  sim::Options options;
  options.step_by_step = step_by_step;
  long long events = 0;
  long long steps = 0;
  for (auto _ : state) {
    auto result = sim::simulate(w.fleet, w.workload, options);
    if (!result.ok()) {
      state.SkipWithError(result.error().message.c_str());
      return;
    }
    events = result->events;
    steps = result->steps;
    benchmark::DoNotOptimize(result->overall.e2e.mean);
  }
  state.SetItemsProcessed(state.iterations() * requests);
  state.counters["requests/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * requests), benchmark::Counter::kIsRate);
  state.counters["events/request"] = static_cast<double>(events) / static_cast<double>(requests);
  state.counters["steps/request"] = static_cast<double>(steps) / static_cast<double>(requests);
}

void fast_out256(benchmark::State& state) { run(state, 256, 1000000, false); }
void fast_out2048(benchmark::State& state) { run(state, 2048, 1000000, false); }
void reference_out256(benchmark::State& state) { run(state, 256, 100000, true); }
void reference_out2048(benchmark::State& state) { run(state, 2048, 100000, true); }
void fast_out8192(benchmark::State& state) { run(state, 8192, 1000000, false); }
void reference_out8192(benchmark::State& state) { run(state, 8192, 100000, true); }

BENCHMARK(fast_out256)->Name("simulate/8b-8rep-80pct/out256")->Unit(benchmark::kMillisecond);
BENCHMARK(fast_out2048)->Name("simulate/8b-8rep-80pct/out2048")->Unit(benchmark::kMillisecond);
BENCHMARK(fast_out8192)->Name("simulate/8b-8rep-80pct/out8192")->Unit(benchmark::kMillisecond);
BENCHMARK(reference_out256)->Name("reference/8b-8rep-80pct/out256")->Unit(benchmark::kMillisecond);
BENCHMARK(reference_out2048)
    ->Name("reference/8b-8rep-80pct/out2048")
    ->Unit(benchmark::kMillisecond);
BENCHMARK(reference_out8192)
    ->Name("reference/8b-8rep-80pct/out8192")
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
