// Results as JSON (one object; the same results give the same bytes) and the queue-length
// time series as CSV.
#pragma once

#include <string>

#include "sim/sim.h"

namespace fleetplan::sim {

//! The results as pretty-printed JSON: overall figures at the top level (requests_*,
//! duration_s, throughput_output_tokens_per_s, goodput_requests_per_s,
//! mean_requests_in_system, ttft_ms / tpot_ms / e2e_ms as {mean, p50, p90, p99}), then
//! `services`, `deployments` and `simulation`. Times are rounded to 0.1 microsecond.
std::string results_json(const Results& results);

//! The time series: time_s, in_system, waiting, running, kv_occupancy, then waiting and
//! running per service.
std::string timeseries_csv(const Results& results);

}  // namespace fleetplan::sim
