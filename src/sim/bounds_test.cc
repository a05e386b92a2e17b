// Issue 8 B6/B7 and A2: every input of the simulator is bounded, and the statistics stay in
// bounded memory. Each test failed (or crashed) before the bound existed.
#include <cmath>
#include <string>

#include <gtest/gtest.h>

#include "sim/sim.h"
#include "sim/sim_test_util.h"
#include "sim/stats.h"

namespace fleetplan::sim {
namespace {

using testing::analytic_deployment;
using testing::poisson_service;

struct Case {
  Fleet fleet;
  Workload workload;
  Options options;
};

Case small_case() {
  Case c;
  c.fleet.deployments.push_back(analytic_deployment(AnalyticStepParams{}));
  c.workload.services.push_back(
      poisson_service(10, LengthDistribution::fixed(100), LengthDistribution::fixed(10)));
  c.workload.requests = 100;
  return c;
}

std::string error_of(const Case& c) {
  auto r = simulate(c.fleet, c.workload, c.options);
  EXPECT_FALSE(r.ok());
  return r.ok() ? std::string() : r.error().message;
}

// A rate of 1e-308 requests/s put every arrival at infinity: the run "finished" with 0
// arrivals and exit 0.
TEST(SimBounds, ATinyRateIsRefusedNotRunWithNoArrivals) {
  Case c = small_case();
  c.workload.services[0].arrival.rate = 1e-308;
  c.workload.requests = 2000;
  EXPECT_NE(error_of(c).find("services: 2000 requests at 1e-308 requests/s in all take inf s, "
                             "beyond the bound of 1000000000 s"),
            std::string::npos)
      << error_of(c);
}

TEST(SimBounds, RequestsDurationAndRateTimesDurationAreBounded) {
  Case c = small_case();
  c.workload.requests = kMaxRequests + 1;
  EXPECT_NE(error_of(c).find("simulation.requests: 10000000001 is beyond the bound"),
            std::string::npos);
  c.workload.requests = 0;
  c.workload.duration_s = 1e308;
  EXPECT_NE(error_of(c).find("simulation.duration_s: 1e+308 s is beyond the bound"),
            std::string::npos);
  // 10^6 requests/s for 10^5 s is 10^11 requests, ten times the bound.
  c.workload.duration_s = 1e5;
  c.workload.services[0].arrival.rate = 1e6;
  EXPECT_NE(error_of(c).find("beyond the bound of 10000000000"), std::string::npos);
}

// --max-batch 2147483647 sized a step-time table of 2^31 entries (96 GB).
TEST(SimBounds, MaxBatchAndTokenBudgetAreBounded) {
  Case c = small_case();
  c.fleet.deployments[0].scheduler.max_batch = kMaxBatch + 1;
  c.fleet.deployments[0].scheduler.token_budget = kMaxBatch + 1;
  EXPECT_NE(error_of(c).find("fleet.deployments[0].scheduler.max_batch: 1048577 is out of range; "
                             "expected 1 to 1048576"),
            std::string::npos);
}

TEST(SimBounds, ExtremeBurstinessIsRefused) {
  Case c = small_case();
  c.workload.services[0].arrival.kind = ArrivalProcess::Kind::kGamma;
  for (const double cv : {1e-9, 1000.0, std::nan("")}) {
    c.workload.services[0].arrival.cv = cv;
    EXPECT_NE(error_of(c).find("services[0].arrival.cv:"), std::string::npos) << cv;
  }
}

// Lengths near 2^62 overflowed `input + output` (UBSan at sim/engine.cc:664 before the split).
TEST(SimBounds, LengthsAreBounded) {
  Case c = small_case();
  c.workload.services[0].input = LengthDistribution::fixed(1LL << 62);
  EXPECT_NE(error_of(c).find("services[0].input_len: 4611686018427387904 tokens is beyond the "
                             "simulator's bound of 16777216"),
            std::string::npos)
      << error_of(c);
}

// A 1e-9 s interval filled memory with samples.
TEST(SimBounds, TimeseriesIntervalAndRowsAreBounded) {
  Case c = small_case();
  c.options.timeseries_interval_s = 1e-9;
  EXPECT_NE(error_of(c).find("timeseries_interval_s: 1e-09 s is out of range"), std::string::npos);
  // 1 ms samples over about 10^4 s of arrivals (10^5 requests at 10/s): 10^7 rows.
  c.options.timeseries_interval_s = 1e-3;
  c.workload.requests = 100000;
  EXPECT_NE(error_of(c).find("gives more than 1000000 samples"), std::string::npos);
}

// --requests 1e12 reserved memory for every request's latencies up front (bad_alloc). Now a
// huge cap costs nothing when the duration ends the run first.
TEST(SimBounds, AHugeRequestCapReservesNothing) {
  Case c = small_case();
  c.workload.requests = kMaxRequests;
  c.workload.duration_s = 10;  // about 100 arrivals at 10/s
  auto r = simulate(c.fleet, c.workload, c.options);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_GT(r->overall.arrived, 50);
  EXPECT_LT(r->overall.arrived, 200);
  EXPECT_TRUE(r->exact_percentiles);
}

// Beyond LatencySample::kExactLimit values the percentiles come from the sketch: within
// kRelativeError of the exact type-7 quantile. Values 1..N ms: the q-quantile is
// (1 + q (N - 1)) ms; the mean (N + 1) / 2 ms stays exact.
TEST(LatencySample, SketchBeyondTheExactLimitKeepsItsStatedError) {
  const long long n = static_cast<long long>(LatencySample::kExactLimit) * 2 + 12345;
  LatencySample sample;
  for (long long i = n; i >= 1; --i) {  // descending: the order does not matter
    sample.add(static_cast<double>(i) * 1e-3);
  }
  EXPECT_FALSE(sample.exact());
  const LatencyStats s = sample.summary();
  EXPECT_EQ(s.count, n);
  EXPECT_NEAR(s.mean, static_cast<double>(n + 1) / 2.0 * 1e-3, 1e-9 * s.mean);
  for (const auto& [q, got] : {std::pair{0.5, s.p50}, {0.9, s.p90}, {0.99, s.p99}}) {
    const double exact = (1.0 + q * static_cast<double>(n - 1)) * 1e-3;
    EXPECT_NEAR(got, exact, LatencySample::kRelativeError * exact) << "q " << q;
  }
}

TEST(LatencySample, ExactWithinTheLimitAndWhenMerged) {
  LatencySample a;
  LatencySample b;
  for (int i = 1; i <= 5; ++i) {
    (i % 2 == 0 ? a : b).add(i);
  }
  a.merge(b);
  ASSERT_TRUE(a.exact());
  const LatencyStats s = a.summary();  // 1..5: p90 = 4.6, p99 = 4.96 (type 7, by hand)
  EXPECT_EQ(s.count, 5);
  EXPECT_DOUBLE_EQ(s.mean, 3.0);
  EXPECT_DOUBLE_EQ(s.p90, 4.6);
  EXPECT_DOUBLE_EQ(s.p99, 4.96);
  // Merging a sketch in: still within the stated error.
  LatencySample big;
  for (std::size_t i = 0; i <= LatencySample::kExactLimit; ++i) {
    big.add(2.0);
  }
  ASSERT_FALSE(big.exact());
  a.merge(big);
  EXPECT_FALSE(a.exact());
  EXPECT_NEAR(a.summary().p50, 2.0, 2.0 * LatencySample::kRelativeError);
}

}  // namespace
}  // namespace fleetplan::sim
