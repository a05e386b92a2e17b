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

// The prefill a request needs: its input less the prefix found in the cache. New tokens
// attend to the cached ones and to each other (pairs = new x (cached + new / 2)).
struct PrefillWork {
  double new_tokens = 0;
  double cached_tokens = 0;
  [[nodiscard]] double pairs() const { return new_tokens * (cached_tokens + new_tokens / 2.0); }
};

inline PrefillWork prefill_work(int input_len, double hit_share) {
  const double cached = input_len * hit_share;
  return {input_len - cached, cached};
}

//! The decode batch a request shares on an open-loop replica that runs `batch` sequences on
//! average, at its 99th percentile. Under Poisson arrivals the sequences in flight are a
//! Poisson count (M/G/infinity, every request holding a slot for the same decode time T);
//! averaged over one request's life of T, the count it shares has variance 2 batch / 3 (an
//! arrival at distance x T overlaps it for (1 - x) T), so its p99 is batch + 2.326 sqrt(2
//! batch / 3) (normal approximation), capped at the replica's batch limit `max_batch`.
//! Where TPOT grows with the batch faster than the tail table's deployment (a large MoE at
//! small batches touches more experts with each sequence) this sets the TPOT tail.
int p99_shared_batch(int batch, int max_batch);

//! True when `a` is the better deployment: it meets the targets and `b` does not, else more
//! output throughput (or, both missing, the lower TPOT).
bool better_estimate(const Estimate& a, const Estimate& b);

//! The request with speculative decoding off and, where the model has MTP modules and the
//! engine runs them (or it is asked for), on: what the search tries.
std::vector<EstimateRequest> mtp_variants(const EstimateRequest& request);

}  // namespace fleetplan::perf
