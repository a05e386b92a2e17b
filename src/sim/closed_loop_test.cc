// The closed loop: N users, each sending its next request a think time after the reply to
// its last one. Checked against the interactive response-time law (Little's law over the
// whole loop), N = X (R + Z), and against throughputs computed by hand where every service
// time is deterministic.
#include <gtest/gtest.h>

#include "sim/sim.h"
#include "sim/sim_test_util.h"

namespace fleetplan::sim {
namespace {

using testing::analytic_deployment;
using testing::run_checked;

SimService closed_service(int users, ThinkTime think, LengthDistribution input,
                          LengthDistribution output) {
  SimService s;
  s.name = "users";
  s.model = "m";
  s.arrival.kind = ArrivalProcess::Kind::kClosed;
  s.arrival.concurrency = users;
  s.arrival.think = think;
  s.input = std::move(input);
  s.output = std::move(output);
  return s;
}

// One replica that runs one request at a time (max_batch 1): a prefill step of 50 ms yields
// the first token, then each of the 10 other tokens takes a 10 ms decode step, so every
// request is served in S = 0.05 + 10 x 0.01 = 0.15 s.
Fleet single_server() {
  AnalyticStepParams p;
  p.decode_s = 0.01;
  p.prefill_s = 0.05;
  Fleet fleet;
  fleet.deployments.push_back(analytic_deployment(p, 1, 1));
  return fleet;
}

// Saturated: 4 users, no think time. The server never idles (a reply and the next request
// leave at the same instant, and 3 others wait), so X = 1 / S = 6.667 requests/s; each
// request waits for the 3 ahead of it, R = N S = 0.6 s, and its first token comes S - 0.1 s
// before its last: TTFT = 0.6 - 0.1 = 0.5 s.
TEST(ClosedLoopTest, SaturatedSingleServerRunsAtItsServiceRate) {
  Workload w;
  w.services.push_back(closed_service(4, ThinkTime::fixed(0), LengthDistribution::fixed(100),
                                      LengthDistribution::fixed(11)));
  w.requests = 400;
  const Results r = run_checked(single_server(), w, Options{});
  ASSERT_TRUE(r.closed_loop);
  EXPECT_EQ(r.warmup_requests, 8);  // default: twice the users
  EXPECT_EQ(r.overall.arrived, 400);
  EXPECT_EQ(r.overall.completed, 400);
  EXPECT_NEAR(r.overall.throughput_requests_per_s, 1.0 / 0.15, 1e-9);
  EXPECT_NEAR(r.overall.e2e.mean, 0.6, 1e-9);
  EXPECT_NEAR(r.overall.e2e.p99, 0.6, 1e-9);
  EXPECT_NEAR(r.overall.ttft.mean, 0.5, 1e-9);
  EXPECT_NEAR(r.overall.tpot.mean, 0.01, 1e-12);
  EXPECT_NEAR(r.overall.throughput_output_tokens_per_s, 11.0 / 0.15, 1e-6);
  // Four requests are always in system.
  EXPECT_NEAR(r.overall.mean_requests_in_system, 4.0, 1e-9);
  EXPECT_EQ(r.overall.concurrency, 4);
}

// Unsaturated: 2 users thinking 1 s each. After the first collision (both users' first
// requests arrive at time 0) the two are S apart and never meet again: each request is
// served at once, R = S = 0.15 s, and each user completes a cycle every S + Z = 1.15 s:
// X = 2 / 1.15 = 1.739 requests/s.
TEST(ClosedLoopTest, UnsaturatedUsersCycleEveryServiceTimePlusThinkTime) {
  Workload w;
  w.services.push_back(closed_service(2, ThinkTime::fixed(1.0), LengthDistribution::fixed(100),
                                      LengthDistribution::fixed(11)));
  w.requests = 200;
  const Results r = run_checked(single_server(), w, Options{});
  EXPECT_NEAR(r.overall.e2e.mean, 0.15, 1e-9);
  EXPECT_NEAR(r.overall.e2e.p99, 0.15, 1e-9);
  EXPECT_NEAR(r.overall.ttft.mean, 0.05, 1e-9);
  EXPECT_NEAR(r.overall.think_time_mean_s, 1.0, 1e-12);
  // 200 requests in 100 cycles of each user: the window spans 100 cycles exactly.
  EXPECT_NEAR(r.overall.throughput_requests_per_s, 2.0 / 1.15, 1e-9);
  // On average 2 x 0.15 / 1.15 of the users are waiting for a reply.
  EXPECT_NEAR(r.overall.mean_requests_in_system, 2 * 0.15 / 1.15, 1e-9);
}

// The interactive response-time law N = X (R + Z) holds for any closed system in steady
// state (Little's law applied to the whole loop: users thinking plus requests in system).
// Here with continuous batching, chunked prefill, random lengths and exponential think times,
// on the simulator's measured X, R (mean e2e) and Z (mean think time after measured replies).
// Over a finite window each user's first and last cycle straddle its ends: with ~60 cycles
// per user the law holds to about 1/60; the test allows 3 %.
TEST(ClosedLoopTest, InteractiveResponseTimeLawHolds) {
  AnalyticStepParams p;
  p.decode_s = 0.008;
  p.decode_s_per_sequence = 0.0002;
  p.decode_s_per_context_token = 1e-8;
  p.prefill_s = 0.01;
  p.prefill_s_per_token = 2e-5;
  Fleet fleet;
  fleet.deployments.push_back(analytic_deployment(p, 2, 32));
  for (const double think_s : {0.0, 0.5, 3.0}) {
    Workload w;
    w.services.push_back(closed_service(48, ThinkTime::exponential(think_s),
                                        LengthDistribution::lognormal(800, 0.6, 1, 8000),
                                        LengthDistribution::exponential(120)));
    w.requests = 3000;
    const Results r = run_checked(fleet, w, Options{});
    const ServiceResult& s = r.overall;
    EXPECT_EQ(s.completed, 3000);
    const double users = s.throughput_requests_per_s * (s.e2e.mean + s.think_time_mean_s);
    EXPECT_NEAR(users, 48.0, 48.0 * 0.03) << "think " << think_s;
    // Little's law on the requests in system alone, L = X R, over the same window.
    EXPECT_NEAR(s.mean_requests_in_system, s.throughput_requests_per_s * s.e2e.mean,
                0.03 * s.mean_requests_in_system)
        << "think " << think_s;
    if (think_s == 0.0) {
      // Without think time every user always has a request in system.
      EXPECT_NEAR(s.mean_requests_in_system, 48.0, 1e-9);
    }
  }
}

// The fast kernel and the step-by-step reference agree on a closed loop too, and the same
// seed gives the same results.
TEST(ClosedLoopTest, FastKernelMatchesStepByStepAndIsDeterministic) {
  AnalyticStepParams p;
  p.decode_s = 0.01;
  p.decode_s_per_sequence = 0.0001;
  p.prefill_s = 0.02;
  p.prefill_s_per_token = 1e-5;
  Fleet fleet;
  fleet.deployments.push_back(analytic_deployment(p, 1, 16));
  Workload w;
  w.services.push_back(closed_service(24, ThinkTime::uniform(0, 0.2),
                                      LengthDistribution::uniform(200, 1200),
                                      LengthDistribution::uniform(20, 300)));
  w.requests = 1500;
  Options fast;
  Options slow;
  slow.step_by_step = true;
  const Results a = run_checked(fleet, w, fast);
  const Results b = run_checked(fleet, w, slow);
  EXPECT_NEAR(a.overall.ttft.mean, b.overall.ttft.mean, 0.01 * b.overall.ttft.mean);
  EXPECT_NEAR(a.overall.tpot.p99, b.overall.tpot.p99, 0.01 * b.overall.tpot.p99);
  EXPECT_NEAR(a.overall.throughput_requests_per_s, b.overall.throughput_requests_per_s,
              0.01 * b.overall.throughput_requests_per_s);
  const Results c = run_checked(fleet, w, fast);
  EXPECT_EQ(a.overall.ttft.p99, c.overall.ttft.p99);
  EXPECT_EQ(a.events, c.events);
}

TEST(ClosedLoopTest, BadClosedLoopsAreRefusedWithTheirField) {
  Fleet fleet = single_server();
  Workload w;
  w.services.push_back(closed_service(0, ThinkTime::fixed(0), LengthDistribution::fixed(10),
                                      LengthDistribution::fixed(10)));
  w.requests = 10;
  auto r = simulate(fleet, w, Options{});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("services[0].arrival.concurrency: 0"), std::string::npos)
      << r.error().message;
  w.services[0].arrival.concurrency = 2;
  w.services[0].arrival.think = ThinkTime::fixed(-1);
  r = simulate(fleet, w, Options{});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("services[0].arrival.think_time_ms"), std::string::npos)
      << r.error().message;
  w.services[0].arrival.think = ThinkTime::fixed(0);
  w.requests = 0;
  w.duration_s = 10;
  r = simulate(fleet, w, Options{});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("simulation.requests"), std::string::npos) << r.error().message;
  // Open and closed loops in one run.
  w.requests = 10;
  w.services.push_back(
      testing::poisson_service(1, LengthDistribution::fixed(10), LengthDistribution::fixed(10)));
  r = simulate(fleet, w, Options{});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("services[1].arrival: closed-loop and open-loop"),
            std::string::npos)
      << r.error().message;
}

}  // namespace
}  // namespace fleetplan::sim
