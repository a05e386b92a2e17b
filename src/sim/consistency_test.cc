// Consistency with `estimate`: at saturation (arrivals far above capacity) the simulated
// throughput equals the performance model's offline throughput for the same deployment,
// lengths and batch, within 5 %. The model's offline figure is a steady state: `batch`
// sequences decoding, each step also carrying batch/output prefills (chunked prefill); the
// simulator reaches it by running the scheduler step by step (ramp-up and drain included).
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "catalog/catalog.h"
#include "perf/perf.h"
#include "sim/sim_scenario.h"
#include "sim/sim_test_util.h"

namespace fleetplan::sim {
namespace {

struct Case {
  const char* model;
  const char* accelerator;
  int count;
  int input_len;
  int output_len;
};

TEST(Consistency, SaturationThroughputMatchesEstimate) {
  auto catalog = catalog::Catalog::load();
  ASSERT_TRUE(catalog.ok()) << catalog.error().message;
  auto table = perf::EfficiencyTable::load_builtin();
  ASSERT_TRUE(table.ok()) << table.error().message;
  // KV-bound and engine-cap-bound batches, short and long outputs, one and several devices.
  for (const Case& c :
       {Case{"llama3.1-8b", "H100-SXM", 1, 1024, 256}, Case{"llama3.1-8b", "H100-SXM", 1, 128, 128},
        Case{"llama3.1-8b", "H100-SXM", 1, 2048, 2048},
        Case{"llama3.1-70b", "H100-SXM", 8, 1024, 256},
        Case{"llama3.1-70b", "H200-SXM", 4, 4096, 512}}) {
    const std::string name = fmt::format("{} on {} x {}, {}/{}", c.model, c.count, c.accelerator,
                                         c.input_len, c.output_len);
    perf::EstimateRequest req;
    req.model = *catalog->model(c.model);
    req.accelerator = *catalog->accelerator(c.accelerator);
    req.count = c.count;
    req.input_len = c.input_len;
    req.output_len = c.output_len;
    auto est = perf::estimate(req, *table);
    ASSERT_TRUE(est.ok()) << name << ": " << est.error().message;

    DeploymentRequest dep;
    dep.model = req.model;
    dep.accelerator = req.accelerator;
    dep.count = c.count;
    dep.tp = est->parallelism.tp;
    dep.pp = est->parallelism.pp;
    dep.ep = est->parallelism.ep;
    dep.scheduler.max_batch = est->batch;  // the same batch as the estimate
    auto deployment = build_deployment(dep, *table);
    ASSERT_TRUE(deployment.ok()) << name << ": " << deployment.error().message;
    Fleet fleet;
    fleet.deployments.push_back(std::move(deployment).value());
    Workload w;
    w.services.push_back(testing::poisson_service(1e6, LengthDistribution::fixed(c.input_len),
                                                  LengthDistribution::fixed(c.output_len),
                                                  c.model));
    // Sixty batches' worth of requests per replica: ramp-up and drain are ~2 % of the run.
    w.requests = 60LL * est->batch * est->parallelism.replicas;
    const Results r = testing::run_checked(fleet, w, Options{});
    EXPECT_NEAR(r.overall.throughput_output_tokens_per_s, est->throughput_output_tokens_per_s,
                0.05 * est->throughput_output_tokens_per_s)
        << name;
    EXPECT_EQ(r.overall.preemptions, 0) << name;
  }
}

}  // namespace
}  // namespace fleetplan::sim
