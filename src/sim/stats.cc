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

}  // namespace fleetplan::sim
