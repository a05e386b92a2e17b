// Summaries of samples: mean and percentiles.
#pragma once

#include <vector>

#include "sim/sim.h"

namespace fleetplan::sim {

//! The q-quantile (0 <= q <= 1) of `values` by linear interpolation between order statistics
//! (Hyndman and Fan type 7, numpy's default): h = (n - 1) q, x[floor h] + (h - floor h) *
//! (x[floor h + 1] - x[floor h]). Reorders `values` (selection, not a full sort).
double quantile(std::vector<double>& values, double q);

//! Count, mean, p50, p90 and p99 of `values` (reordered); all zero when empty.
LatencyStats summarize(std::vector<double>& values);

}  // namespace fleetplan::sim
