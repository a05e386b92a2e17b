#include "sim/stats.h"

#include <algorithm>
#include <cmath>

namespace fleetplan::sim {

double quantile(std::vector<double>& values, double q) {
  if (values.empty()) {
    return 0;
  }
  const double h = static_cast<double>(values.size() - 1) * q;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const double frac = h - static_cast<double>(lo);
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(lo), values.end());
  const double x_lo = values[lo];
  if (frac <= 0 || lo + 1 >= values.size()) {
    return x_lo;
  }
  // After nth_element everything past lo is >= x_lo; the next order statistic is their min.
  const double x_hi =
      *std::min_element(values.begin() + static_cast<std::ptrdiff_t>(lo) + 1, values.end());
  return x_lo + frac * (x_hi - x_lo);
}

LatencyStats summarize(std::vector<double>& values) {
  LatencyStats out;
  out.count = static_cast<long long>(values.size());
  if (values.empty()) {
    return out;
  }
  double sum = 0;
  for (const double v : values) {
    sum += v;
  }
  out.mean = sum / static_cast<double>(values.size());
  // A selection leaves everything past its position >= it, so the next (higher) quantile is
  // selected within that tail only.
  const std::size_t n = values.size();
  std::size_t from = 0;
  const double qs[] = {0.50, 0.90, 0.99};
  double* targets[] = {&out.p50, &out.p90, &out.p99};
  for (int i = 0; i < 3; ++i) {
    const double h = static_cast<double>(n - 1) * qs[i];
    const auto lo = static_cast<std::size_t>(std::floor(h));
    const double frac = h - static_cast<double>(lo);
    const auto nth = values.begin() + static_cast<std::ptrdiff_t>(lo);
    std::nth_element(values.begin() + static_cast<std::ptrdiff_t>(from), nth, values.end());
    double value = *nth;
    if (frac > 0 && lo + 1 < n) {
      value += frac * (*std::min_element(nth + 1, values.end()) - *nth);
    }
    *targets[i] = value;
    from = lo;
  }
  return out;
}

namespace {

// gamma = (1 + a) / (1 - a): a bucket's midpoint 2 gamma^i / (gamma + 1) is within a of every
// value in (gamma^(i-1), gamma^i] (DDSketch, section 2).
constexpr double kGamma =
    (1.0 + LatencySample::kRelativeError) / (1.0 - LatencySample::kRelativeError);
const double kLogGamma = std::log(kGamma);
// Below a picosecond a latency is zero; it keeps the bucket range (and memory) bounded.
constexpr double kMinValue = 1e-12;

}  // namespace

void LatencySample::add(double seconds) {
  ++count_;
  sum_ += seconds;
  if (!sketched_) {
    values_.push_back(seconds);
    if (values_.size() > kExactLimit) {
      to_sketch();
    }
    return;
  }
  add_to_sketch(seconds, 1);
}

void LatencySample::merge(const LatencySample& other) {
  if (!sketched_ && !other.sketched_ && values_.size() + other.values_.size() <= kExactLimit) {
    values_.insert(values_.end(), other.values_.begin(), other.values_.end());
    count_ += other.count_;
    sum_ += other.sum_;
    return;
  }
  if (!sketched_) {
    to_sketch();
  }
  count_ += other.count_;
  sum_ += other.sum_;
  if (!other.sketched_) {
    for (const double v : other.values_) {
      add_to_sketch(v, 1);
    }
    return;
  }
  zeros_ += other.zeros_;
  for (std::size_t k = 0; k < other.buckets_.size(); ++k) {
    if (other.buckets_[k] > 0) {
      // The bucket's own midpoint lands back in the same bucket index.
      const int index = other.first_ + static_cast<int>(k);
      add_to_sketch(2.0 * std::pow(kGamma, index) / (kGamma + 1.0), other.buckets_[k]);
    }
  }
}

void LatencySample::to_sketch() {
  sketched_ = true;
  for (const double v : values_) {
    add_to_sketch(v, 1);
  }
  values_.clear();
  values_.shrink_to_fit();
}

void LatencySample::add_to_sketch(double seconds, long long n) {
  if (!(seconds >= kMinValue)) {
    zeros_ += n;
    return;
  }
  const int index = static_cast<int>(std::ceil(std::log(seconds) / kLogGamma));
  if (buckets_.empty()) {
    first_ = index;
    buckets_.assign(1, 0);
  } else if (index < first_) {
    buckets_.insert(buckets_.begin(), static_cast<std::size_t>(first_ - index), 0);
    first_ = index;
  } else if (index >= first_ + static_cast<int>(buckets_.size())) {
    buckets_.resize(static_cast<std::size_t>(index - first_ + 1), 0);
  }
  buckets_[static_cast<std::size_t>(index - first_)] += n;
}

double LatencySample::sketch_quantile(double q) const {
  // The value of rank floor(q (n - 1)) (0-based), as DDSketch defines its quantile.
  const auto rank = static_cast<long long>(std::floor(q * static_cast<double>(count_ - 1)));
  long long seen = zeros_;
  if (rank < seen) {
    return 0;
  }
  for (std::size_t k = 0; k < buckets_.size(); ++k) {
    seen += buckets_[k];
    if (rank < seen) {
      const int index = first_ + static_cast<int>(k);
      return 2.0 * std::pow(kGamma, index) / (kGamma + 1.0);
    }
  }
  return buckets_.empty() ? 0
                          : 2.0 * std::pow(kGamma, first_ + static_cast<int>(buckets_.size()) - 1) /
                                (kGamma + 1.0);
}

LatencyStats LatencySample::summary() const {
  if (!sketched_) {
    std::vector<double> copy = values_;
    return summarize(copy);  // its mean sums in the same order as before the sketch existed
  }
  LatencyStats out;
  out.count = count_;
  out.mean = sum_ / static_cast<double>(count_);
  out.p50 = sketch_quantile(0.50);
  out.p90 = sketch_quantile(0.90);
  out.p99 = sketch_quantile(0.99);
  return out;
}

}  // namespace fleetplan::sim
