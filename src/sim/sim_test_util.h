// Helpers shared by the simulator's tests: small fleets built in code, and the invariants
// every run must satisfy.
#pragma once

#include <cmath>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "sim/sim.h"

namespace fleetplan::sim::testing {

//! One deployment of `replicas` replicas of an AnalyticStepModel.
inline Deployment analytic_deployment(const AnalyticStepParams& params, int replicas = 1,
                                      int max_batch = 256, const std::string& model = "m",
                                      const std::string& name = "d") {
  Deployment d;
  d.name = name;
  d.model = model;
  d.accelerator = model;
  d.replicas = replicas;
  d.step_model = std::make_shared<AnalyticStepModel>(params);
  d.scheduler.max_batch = max_batch;
  d.scheduler.token_budget = std::max(8192, max_batch);
  return d;
}

//! One service with Poisson arrivals and the given lengths.
inline SimService poisson_service(double rate, LengthDistribution input, LengthDistribution output,
                                  const std::string& model = "m", const std::string& name = "s") {
  SimService s;
  s.name = name;
  s.model = model;
  s.arrival.kind = ArrivalProcess::Kind::kPoisson;
  s.arrival.rate = rate;
  s.input = std::move(input);
  s.output = std::move(output);
  return s;
}

//! Invariants of every run.
//!  - Conservation: every arrived request is completed or dropped (arrived = completed +
//!    dropped), overall and per service.
//!  - Little's law, L = X W: the time-average number in system (integrated from the arrival
//!    and departure events) equals the throughput (completions / duration) times the mean
//!    time in system (mean e2e; drops leave at arrival and add nothing to either side).
//!  A closed loop measures over a window (warm-up before it, drain after it): requests in
//!  system at its ends make L = X W hold to the edge effects only, checked to 5 %.
inline void expect_invariants(const Results& r) {
  const double tolerance = r.closed_loop ? 0.05 : 1e-9;
  long long arrived = 0;
  for (const ServiceResult& s : r.services) {
    EXPECT_EQ(s.arrived, s.completed + s.dropped) << "service " << s.name;
    arrived += s.arrived;
    const double little = s.throughput_requests_per_s * s.e2e.mean;
    EXPECT_NEAR(s.mean_requests_in_system, little, tolerance * std::max(1.0, little))
        << "Little's law, service " << s.name;
  }
  EXPECT_EQ(r.overall.arrived, arrived);
  EXPECT_EQ(r.overall.arrived, r.overall.completed + r.overall.dropped);
  const double little = r.overall.throughput_requests_per_s * r.overall.e2e.mean;
  EXPECT_NEAR(r.overall.mean_requests_in_system, little, tolerance * std::max(1.0, little))
      << "Little's law, all services";
  EXPECT_GE(r.duration_s, 0);
}

//! Runs and checks the invariants; fails the test on an error.
inline Results run_checked(const Fleet& fleet, const Workload& workload, const Options& options) {
  auto result = simulate(fleet, workload, options);
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
  if (!result.ok()) {
    return {};
  }
  expect_invariants(*result);
  return std::move(result).value();
}

}  // namespace fleetplan::sim::testing
