// Private to perf: what estimate() and the disaggregated search share.
#pragma once

#include <vector>

#include "perf/perf.h"

namespace fleetplan::perf {

// Latency targets are p99 figures (as in MLPerf Server); the model predicts means. The
// ratios of p99 to mean in published MLPerf Inference v4.1 Server logs (llama2-70b on
// H100/H200/MI300X: TPOT 1.15-1.4, TTFT 1.6-2.4) give these factors.
inline constexpr double kTpotTail = 1.25;
inline constexpr double kTtftTail = 2.0;

//! True when `a` is the better deployment: it meets the targets and `b` does not, else more
//! output throughput (or, both missing, the lower TPOT).
bool better_estimate(const Estimate& a, const Estimate& b);

//! The request with speculative decoding off and, where the model has MTP modules and the
//! engine runs them (or it is asked for), on: what the search tries.
std::vector<EstimateRequest> mtp_variants(const EstimateRequest& request);

}  // namespace fleetplan::perf
