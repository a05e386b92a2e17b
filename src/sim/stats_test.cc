// Percentiles by linear interpolation between order statistics (type 7), by hand.
#include <vector>

#include <gtest/gtest.h>

#include "sim/stats.h"

namespace fleetplan::sim {
namespace {

// Sorted 1..5: h = 4 q. q = 0.5: x[2] = 3. q = 0.9: h = 3.6, 4 + 0.6 (5 - 4) = 4.6.
// q = 0.99: h = 3.96: 4.96. Mean 3.
TEST(Stats, PercentilesInterpolateOrderStatistics) {
  std::vector<double> v = {5, 1, 4, 2, 3};
  const LatencyStats s = summarize(v);
  EXPECT_EQ(s.count, 5);
  EXPECT_DOUBLE_EQ(s.mean, 3.0);
  EXPECT_DOUBLE_EQ(s.p50, 3.0);
  EXPECT_DOUBLE_EQ(s.p90, 4.6);
  EXPECT_DOUBLE_EQ(s.p99, 4.96);
}

// 0..100: the q-quantile is 100 q exactly.
TEST(Stats, QuantileOfAnEvenGrid) {
  std::vector<double> v;
  for (int i = 100; i >= 0; --i) {
    v.push_back(i);
  }
  EXPECT_DOUBLE_EQ(quantile(v, 0.5), 50);
  EXPECT_DOUBLE_EQ(quantile(v, 0.9), 90);
  EXPECT_DOUBLE_EQ(quantile(v, 0.99), 99);
  EXPECT_DOUBLE_EQ(quantile(v, 0.0), 0);
  EXPECT_DOUBLE_EQ(quantile(v, 1.0), 100);
}

TEST(Stats, EmptyAndSingle) {
  std::vector<double> none;
  const LatencyStats e = summarize(none);
  EXPECT_EQ(e.count, 0);
  EXPECT_EQ(e.p99, 0);
  std::vector<double> one = {2.5};
  const LatencyStats s = summarize(one);
  EXPECT_DOUBLE_EQ(s.p50, 2.5);
  EXPECT_DOUBLE_EQ(s.p99, 2.5);
}

}  // namespace
}  // namespace fleetplan::sim
