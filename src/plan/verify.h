// Checks a plan with the serving simulator: for each period and inference service, each
// accelerator type's planned deployment is simulated at its share of the service's peak-hour
// load, and the latency targets are compared with what the simulated requests saw.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "core/result.h"
#include "perf/perf.h"
#include "plan/build.h"
#include "plan/plan.h"
#include "scenario/scenario.h"
#include "sim/sim.h"

namespace fleetplan::plan {

//! How a plan is checked.
struct VerifyOptions {
  double window_s = 3600;           //!< simulated time at the peak rate: an hour
  long long max_requests = 100000;  //!< per deployment; a shorter window past this many
  //! Share of requests that must meet both TTFT and TPOT targets for them to hold (the
  //! usual SLO-attainment goodput definition).
  double required_attainment = 0.9;
  std::uint64_t seed = 1;
};

//! One deployment type of the plan under its peak-hour load.
struct Verification {
  std::string period;
  std::string service;
  std::string accelerator;
  int deployment = 0;        //!< accelerators in one deployment
  perf::Parallelism layout;  //!< as planned (the capacity's best layout; decode instances'
                             //!< when disaggregated)
  //! The simulated shape in words: "TP8 PP1 EP8 DP-attn x 2, MTP 1", or the prefill and
  //! decode instances and their counts ("P 4 x TP8 EP8 + D 1 x TP32 EP32 DP-attn").
  std::string shape;
  double deployments = 0;   //!< of this type in the fleet for the service
  double utilisation = 0;   //!< planned peak load over planned capacity
  double request_rate = 0;  //!< requests/s into one deployment at the peak
  double window_s = 0;      //!< simulated time
  long long requests = 0;   //!< simulated requests
  double ttft_p90_ms = 0;
  double ttft_p99_ms = 0;
  double tpot_p90_ms = 0;
  double tpot_p99_ms = 0;
  double attainment = 0;  //!< share of requests within both targets
  double ttft_target_ms = 0;
  double tpot_target_ms = 0;
  bool holds = false;
  std::string note;  //!< why a deployment could not be simulated, or what was simplified
};

//! The simulated fleet of one planned deployment of `capacity.deployment` accelerators,
//! exactly as the capacity measured it: colocated replicas of its layout (attention-DP and
//! MTP included), or its prefill and decode instances with their counts and layouts, the
//! decode instances' MTP and perf's KV link at both ends (a transfer takes the estimate's
//! kv_transfer_ms). Idle accelerators of a disaggregated deployment are not simulated.
Result<sim::Fleet> simulated_fleet(const scenario::ServiceSpec& service,
                                   const catalog::Model& model,
                                   const catalog::Accelerator& accelerator,
                                   const Capacity& capacity,
                                   const perf::EfficiencyTable& efficiency);

//! Simulates the deployments of a plan. Needs the scenario, catalog and efficiency table the
//! plan was built from.
Result<std::vector<Verification>> verify(const scenario::Scenario& scenario,
                                         const catalog::Catalog& catalog,
                                         const perf::EfficiencyTable& efficiency,
                                         const Built& built, const Plan& plan,
                                         const VerifyOptions& options = {});

}  // namespace fleetplan::plan
