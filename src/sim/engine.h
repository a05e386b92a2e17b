// Internal: the event kernel behind simulate() (engine.cc).
#pragma once

#include "sim/sim.h"

namespace fleetplan::sim {

//! Runs a validated fleet and workload.
Result<Results> run_engine(const Fleet& fleet, const Workload& workload, const Options& options);

}  // namespace fleetplan::sim
