// Queueing theory the simulator must reproduce. Each test states the formula it checks; the
// expected values come from the formula, never from a run. Tolerances are at least four
// standard errors of the estimate at the run's length (the spread of the estimate over
// independent seeds was measured: e.g. the M/M/1 mean at rho 0.75 has a 0.9 % standard
// error over 400k requests, 0.55 % over 1M), so the tests are not flaky; the seeds are
// fixed, so they are deterministic.
#include <cmath>

#include <gtest/gtest.h>

#include "sim/sim.h"
#include "sim/sim_test_util.h"

namespace fleetplan::sim {
namespace {

using testing::analytic_deployment;
using testing::poisson_service;
using testing::run_checked;

// A replica with batch size 1 and a constant step time D per request (one prefill step that
// yields the only output token) under Poisson arrivals is an M/D/1 queue. Pollaczek-Khinchine:
//   mean wait Wq = rho D / (2 (1 - rho)),  rho = lambda D;  mean time in system W = Wq + D.
TEST(Queueing, MD1MeanWaitIsPollaczekKhinchine) {
  const double d = 1.0;
  for (const double rho : {0.5, 0.8}) {
    AnalyticStepParams p;
    p.prefill_s = d;
    Fleet fleet;
    fleet.deployments.push_back(analytic_deployment(p, 1, /*max_batch=*/1));
    Workload w;
    w.services.push_back(
        poisson_service(rho / d, LengthDistribution::fixed(16), LengthDistribution::fixed(1)));
    w.requests = 400000;
    Options o;
    o.seed = 7;
    const Results r = run_checked(fleet, w, o);
    const double wq = rho * d / (2.0 * (1.0 - rho));
    EXPECT_NEAR(r.overall.e2e.mean, wq + d, 0.02 * (wq + d)) << "rho " << rho;
    // With one output token the first token is the last: TTFT = e2e.
    EXPECT_DOUBLE_EQ(r.overall.ttft.mean, r.overall.e2e.mean);
    // Utilisation of a single server is rho, and so is its mean number in service.
    EXPECT_NEAR(r.deployments[0].utilisation, rho, 0.01);
    EXPECT_NEAR(r.deployments[0].mean_batch, rho, 0.01);
  }
}

// The same M/D/1 queue, with the service made of a prefill step p and n - 1 decode steps of
// d each (D = p + (n - 1) d): the fast kernel jumps over the decode steps in closed form and
// must give the same Pollaczek-Khinchine wait as the step-by-step reference.
TEST(Queueing, MD1ThroughDecodeJumps) {
  AnalyticStepParams p;
  p.prefill_s = 0.2;
  p.decode_s = 0.1;
  const int n = 9;
  const double service = p.prefill_s + (n - 1) * p.decode_s;  // 1.0 s
  const double rho = 0.7;
  Fleet fleet;
  fleet.deployments.push_back(analytic_deployment(p, 1, 1));
  Workload w;
  w.services.push_back(
      poisson_service(rho / service, LengthDistribution::fixed(4), LengthDistribution::fixed(n)));
  w.requests = 400000;
  const double expected = service + rho * service / (2.0 * (1.0 - rho));
  for (const bool step_by_step : {false, true}) {
    Options o;
    o.seed = 3;
    o.step_by_step = step_by_step;
    const Results r = run_checked(fleet, w, o);
    EXPECT_NEAR(r.overall.e2e.mean, expected, 0.025 * expected) << "step_by_step " << step_by_step;
    // The time between tokens is exactly one decode step: TPOT = d for every request.
    EXPECT_NEAR(r.overall.tpot.p99, p.decode_s, 1e-9);
    EXPECT_NEAR(r.overall.tpot.p50, p.decode_s, 1e-9);
  }
}

// Exponential step times with batch size 1 and one-token outputs make an M/M/1 queue:
// time in system is exponential with rate mu - lambda, so
//   W = 1 / (mu - lambda)  and its q-quantile is -ln(1 - q) / (mu - lambda).
TEST(Queueing, MM1TimeInSystemIsExponential) {
  const double mu = 1.0;
  const double lambda = 0.75;
  AnalyticStepParams p;
  p.prefill_s = 1.0 / mu;
  p.exponential = true;
  Fleet fleet;
  fleet.deployments.push_back(analytic_deployment(p, 1, 1));
  Workload w;
  w.services.push_back(
      poisson_service(lambda, LengthDistribution::fixed(8), LengthDistribution::fixed(1)));
  w.requests = 1000000;
  Options o;
  o.seed = 11;
  const Results r = run_checked(fleet, w, o);
  const double rate = mu - lambda;
  EXPECT_NEAR(r.overall.e2e.mean, 1.0 / rate, 0.025 / rate);
  EXPECT_NEAR(r.overall.e2e.p50, -std::log(0.5) / rate, 0.025 * -std::log(0.5) / rate);
  EXPECT_NEAR(r.overall.e2e.p90, -std::log(0.1) / rate, 0.025 * -std::log(0.1) / rate);
  EXPECT_NEAR(r.overall.e2e.p99, -std::log(0.01) / rate, 0.05 * -std::log(0.01) / rate);
  // L = lambda W for the queue as a whole (lambda the offered rate, all requests served).
  EXPECT_NEAR(r.overall.mean_requests_in_system, lambda / rate, 0.025 * lambda / rate);
}

// Erlang C: the probability that an arrival waits in an M/M/c queue with offered load
// a = lambda / mu is
//   C(c, a) = (a^c / c! * c / (c - a)) / (sum_{k<c} a^k / k! + a^c / c! * c / (c - a)),
// and the mean time in system is W = C(c, a) / (c mu - lambda) + 1 / mu.
double erlang_c(int c, double a) {
  double term = 1.0;  // a^k / k!
  double sum = 0.0;
  for (int k = 0; k < c; ++k) {
    sum += term;
    term *= a / (k + 1);
  }
  const double top = term * c / (c - a);
  return top / (sum + top);
}

// A replica with a batch of c slots whose step time does not depend on the batch serves c
// requests in parallel from one first-come-first-served queue: with exponential service it
// is an M/M/c queue. Service here is a geometric number of steps of a tiny constant step
// (mean 1000 steps of 1 ms: exponential to 0.1 %), so the fast kernel jumps over ~1000
// decode steps per request.
TEST(Queueing, MMcIsErlangC) {
  const int c = 4;
  const double step = 1e-3;
  const double mean_steps = 1000;
  const double mu = 1.0 / (mean_steps * step);
  const double lambda = 3.0;
  AnalyticStepParams p;
  p.prefill_s = step;
  p.decode_s = step;
  Fleet fleet;
  fleet.deployments.push_back(analytic_deployment(p, 1, c));
  Workload w;
  w.services.push_back(poisson_service(lambda, LengthDistribution::fixed(1),
                                       LengthDistribution::exponential(mean_steps)));
  w.requests = 600000;
  Options o;
  o.seed = 5;
  const Results r = run_checked(fleet, w, o);
  const double a = lambda / mu;
  const double wait = erlang_c(c, a) / (c * mu - lambda);
  const double expected = wait + 1.0 / mu;
  EXPECT_NEAR(r.overall.e2e.mean, expected, 0.025 * expected);
  // The mean wait before the first token is the Erlang C wait (plus the first step).
  EXPECT_NEAR(r.overall.ttft.mean, wait + step, 0.07 * wait);
  // Each slot is busy lambda / (c mu) of the time; the replica runs a step whenever any
  // slot is busy: 1 - P(empty), with P(empty) = 1 / (sum_{k<c} a^k/k! + a^c/c! c/(c-a)).
  double term = 1.0;
  double sum = 0.0;
  for (int k = 0; k < c; ++k) {
    sum += term;
    term *= a / (k + 1);
  }
  const double p_empty = 1.0 / (sum + term * c / (c - a));
  EXPECT_NEAR(r.deployments[0].utilisation, 1.0 - p_empty, 0.01);
  // The mean number of busy slots (the batch) is the offered load a = lambda / mu.
  EXPECT_NEAR(r.deployments[0].mean_batch, a, 0.03 * a);
  // The jumps: far fewer events than steps.
  EXPECT_LT(r.events * 20, r.steps);
}

// Little's law and conservation hold on every run; here under bursty gamma arrivals, a
// day curve, several services and a mix of lengths, where no closed form exists.
TEST(Queueing, LittleAndConservationOnBurstyMixedTraffic) {
  AnalyticStepParams p;
  p.prefill_s = 0.02;
  p.prefill_s_per_token = 2e-5;
  p.decode_s = 0.01;
  p.decode_s_per_context_token = 1e-7;
  p.kv_capacity_tokens = 200000;
  Fleet fleet;
  fleet.deployments.push_back(analytic_deployment(p, 3, 64));
  Workload w;
  SimService chat = poisson_service(10, LengthDistribution::lognormal(800, 0.8, 1, 8000),
                                    LengthDistribution::uniform(10, 400), "m", "chat");
  chat.arrival.kind = ArrivalProcess::Kind::kGamma;
  chat.arrival.cv = 3;
  SimService batch = poisson_service(0, LengthDistribution::fixed(3000),
                                     LengthDistribution::exponential(200), "m", "batch");
  batch.arrival.kind = ArrivalProcess::Kind::kDayCurve;
  batch.arrival.curve = {2, 0, 8, 4};
  batch.arrival.period_s = 400;
  w.services = {chat, batch};
  w.requests = 20000;
  for (const bool step_by_step : {false, true}) {
    Options o;
    o.step_by_step = step_by_step;
    const Results r = run_checked(fleet, w, o);
    EXPECT_EQ(r.overall.arrived, 20000);
    EXPECT_GT(r.services[0].completed, 0);
    EXPECT_GT(r.services[1].completed, 0);
  }
}

}  // namespace
}  // namespace fleetplan::sim
