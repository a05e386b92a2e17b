// What the simulation-scenario and trace parsers promise about what they accept (sim.h):
// the fleet and workload pass sim::validate, every trace request is in time order with
// positive lengths and a known service.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "sim/sim.h"
#include "sim/sim_scenario.h"

namespace fleetplan::fuzz {

inline std::string trace_problem(const std::vector<sim::TraceRequest>& trace,
                                 std::size_t services) {
  double previous = 0;
  for (std::size_t i = 0; i < trace.size(); ++i) {
    const sim::TraceRequest& t = trace[i];
    if (!(std::isfinite(t.arrival_s) && t.arrival_s >= previous)) {
      return fmt::format("request {}: arrival {} s (previous {} s)", i, t.arrival_s, previous);
    }
    previous = t.arrival_s;
    if (t.input_tokens < 1 || t.output_tokens < 1) {
      return fmt::format("request {}: lengths {} / {}", i, t.input_tokens, t.output_tokens);
    }
    if (t.service < 0 || static_cast<std::size_t>(t.service) >= services) {
      return fmt::format("request {}: service index {} of {}", i, t.service, services);
    }
  }
  return "";
}

inline std::string sim_scenario_problem(const sim::SimScenario& s) {
  const Status status = sim::validate(s.fleet, s.workload);
  if (!status.ok()) {
    return "loaded, but sim::validate says: " + status.error().message;
  }
  if (!(std::isfinite(s.options.timeseries_interval_s) && s.options.timeseries_interval_s >= 0)) {
    return fmt::format("timeseries_interval_s {}", s.options.timeseries_interval_s);
  }
  if (!(std::isfinite(s.workload.duration_s) && s.workload.duration_s >= 0) ||
      s.workload.requests < 0) {
    return fmt::format("duration {} s, {} requests", s.workload.duration_s, s.workload.requests);
  }
  return trace_problem(s.workload.trace, s.workload.services.size());
}

}  // namespace fleetplan::fuzz
