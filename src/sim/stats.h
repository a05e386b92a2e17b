// Summaries of samples: mean and percentiles, exact up to a bound and from a bounded-memory
// quantile sketch beyond it.
#pragma once

#include <cstddef>
#include <vector>

#include "sim/sim.h"

namespace fleetplan::sim {

//! The q-quantile (0 <= q <= 1) of `values` by linear interpolation between order statistics
//! (Hyndman and Fan type 7, numpy's default): h = (n - 1) q, x[floor h] + (h - floor h) *
//! (x[floor h + 1] - x[floor h]). Reorders `values` (selection, not a full sort).
double quantile(std::vector<double>& values, double q);

//! Count, mean, p50, p90 and p99 of `values` (reordered); all zero when empty.
LatencyStats summarize(std::vector<double>& values);

//! A stream of latencies (seconds, >= 0) summarised by count, mean and percentiles. The
//! values are kept, and the percentiles exact, up to kExactLimit values; beyond it they go
//! into a logarithmic-bucket sketch (DDSketch: Masson, Rim and Lee, VLDB 2019) whose
//! percentiles are within kRelativeError of the exact ones (relative to the value), in
//! memory that does not grow with the count (a few thousand buckets for 1 ns to 10^9 s).
//! The mean is exact at any count.
class LatencySample {
 public:
  //! 2^20 values (8 MiB) kept exactly per stream.
  static constexpr std::size_t kExactLimit = std::size_t{1} << 20;
  //! The sketch's bound on |estimate - exact| / exact for any percentile.
  static constexpr double kRelativeError = 0.005;

  void add(double seconds);
  //! Adds all of `other`'s values (exactly while the total stays within kExactLimit).
  void merge(const LatencySample& other);
  [[nodiscard]] long long count() const { return count_; }
  //! True while every value is kept (the percentiles are then exact).
  [[nodiscard]] bool exact() const { return !sketched_; }
  //! Count, mean, p50, p90 and p99 (type-7 interpolation while exact).
  [[nodiscard]] LatencyStats summary() const;

 private:
  void to_sketch();
  void add_to_sketch(double seconds, long long n);
  [[nodiscard]] double sketch_quantile(double q) const;

  std::vector<double> values_;
  bool sketched_ = false;
  long long count_ = 0;
  double sum_ = 0;
  // The sketch: bucket i holds values in (gamma^(i-1), gamma^i]; buckets_[k] is bucket
  // first_ + k. Values below kMinValue count as zero.
  std::vector<long long> buckets_;
  int first_ = 0;
  long long zeros_ = 0;
};

}  // namespace fleetplan::sim
