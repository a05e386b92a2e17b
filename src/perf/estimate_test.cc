// estimate() with a prefix cache: the prefill computes only the input the cache misses, and
// the KV cache still holds the whole input.
#include <cmath>
#include <cstdlib>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "perf/perf.h"
#include "perf/perf_test_util.h"
#include "perf/search.h"

namespace fleetplan::perf {
namespace {

class PrefixCacheTest : public testing::CatalogTest {
 protected:
  // Llama 3.1 8B on one H100 under the pure roofline (every efficiency 1, no engine
  // overhead): a prefill of 1,024 tokens or more is compute-bound (16 TFLOP of GEMMs against
  // an 8 GB weight stream), so its time is its FLOPs over the peak.
  static EstimateRequest request(EfficiencyTable& table) {
    const catalog::Accelerator& h100 = chip("H100-SXM");
    Efficiency ideal_h100 = ideal();
    ideal_h100.family = h100.family;
    table.set(ideal_h100);
    EstimateRequest req;
    req.model = &model("llama3.1-8b");
    req.accelerator = &h100;
    req.count = 1;
    req.parallelism = Parallelism{};
    req.input_len = 4096;
    req.output_len = 256;
    req.concurrency = 1;
    return req;
  }
};

// With a hit share h of an input of I tokens, the prefill computes (1 - h) I new tokens,
// each attending to the h I cached ones and to the new ones before it: GEMM FLOPs in
// proportion to (1 - h) I, attention pairs (1 - h) I (h I + (1 - h) I / 2) = I^2 (1 - h^2) / 2.
// So at batch 1 (TTFT = the prefill) TTFT(h) = c + G (1 - h) + A (1 - h^2) for constants c
// (the LM head), G and A: three shares fix them, the fourth is predicted.
TEST_F(PrefixCacheTest, PrefillComputesOnlyTheUncachedInput) {
  EfficiencyTable table;
  EstimateRequest req = request(table);
  double ttft[4] = {};
  const double shares[4] = {0.0, 0.25, 0.5, 0.75};
  for (int i = 0; i < 4; ++i) {
    req.prefix_cache_hit_share = shares[i];
    auto est = estimate(req, table);
    ASSERT_TRUE(est.ok()) << est.error().message;
    ASSERT_EQ(est->batch, 1);
    EXPECT_EQ(est->prefill_bound, Bound::kCompute);
    ttft[i] = est->ttft_ms;
  }
  // Solve c + G (1 - h) + A (1 - h^2) at h = 0, 1/4, 1/2:
  //   t0 = c + G + A; t1 = c + 3G/4 + 15A/16; t2 = c + G/2 + 3A/4.
  //   t0 - t1 = G/4 + A/16; t1 - t2 = G/4 + 3A/16  =>  A = 8 (t1 - t2 - (t0 - t1)).
  const double a = 8 * ((ttft[1] - ttft[2]) - (ttft[0] - ttft[1]));
  const double g = 4 * ((ttft[0] - ttft[1]) - a / 16);
  const double c = ttft[0] - g - a;
  const double predicted = c + g * 0.25 + a * (1 - 0.75 * 0.75);
  EXPECT_NEAR(ttft[3], predicted, 1e-9 * ttft[0]);
  // The GEMMs dominate: at h = 3/4 the prefill is about a quarter of the uncached one.
  EXPECT_GT(g, 5 * a);
  EXPECT_NEAR(ttft[3] / ttft[0], 0.25, 0.05);
}

// The cached prefix is still context: its KV cache is held, so memory is the same whatever
// the share, while the steps carry less prefill and get faster.
TEST_F(PrefixCacheTest, CachedPrefixStillHoldsKvCache) {
  EfficiencyTable table;
  EstimateRequest req = request(table);
  req.concurrency = 16;
  auto cold = estimate(req, table);
  req.prefix_cache_hit_share = 0.5;
  auto warm = estimate(req, table);
  ASSERT_TRUE(cold.ok() && warm.ok());
  EXPECT_DOUBLE_EQ(warm->memory.free, cold->memory.free);
  EXPECT_EQ(warm->batch, cold->batch);
  EXPECT_LT(warm->tpot_ms, cold->tpot_ms);
  EXPECT_GT(warm->throughput_output_tokens_per_s, cold->throughput_output_tokens_per_s);
  EXPECT_GT(cold->prefill_time_share, warm->prefill_time_share);
  EXPECT_GT(warm->prefill_time_share, 0);
  EXPECT_LT(cold->prefill_time_share, 1);
}

TEST_F(PrefixCacheTest, ShareOutsideZeroToOneIsRefused) {
  EfficiencyTable table;
  EstimateRequest req = request(table);
  for (const double share : {-0.1, 1.0, 2.0}) {
    req.prefix_cache_hit_share = share;
    auto est = estimate(req, table);
    ASSERT_FALSE(est.ok());
    EXPECT_EQ(est.error().kind, ErrorKind::kInput);
    EXPECT_NE(est.error().message.find("prefix_cache_hit_share"), std::string::npos)
        << est.error().message;
  }
}

}  // namespace
}  // namespace fleetplan::perf

namespace fleetplan::perf {
namespace {

// p99_shared_batch by hand: b + 2.326 sqrt(2 b / 3), rounded up, capped at the batch limit.
//   b = 6:   6 + 2.326 * 2 = 10.652 -> 11;  b = 150: 150 + 2.326 * 10 = 173.26 -> 174.
TEST(SharedBatch, NinetyNinthPercentileByHand) {
  EXPECT_EQ(p99_shared_batch(6, 1000), 11);
  EXPECT_EQ(p99_shared_batch(150, 1000), 174);
  EXPECT_EQ(p99_shared_batch(150, 160), 160);
  EXPECT_EQ(p99_shared_batch(150, 100), 150);  // never below the batch itself
}

// The variance the formula rests on, drawn: Poisson arrivals at rate 10 each holding a slot
// for T = 1 s (mean batch 10); the others a request shares, averaged over its life, have mean
// 10 and variance 2 x 10 / 3 = 6.67 (not the instantaneous Poisson variance 10).
TEST(SharedBatch, TimeAveragedSharedCountHasVarianceTwoThirdsOfTheMean) {
  std::mt19937_64 rng(7);
  std::exponential_distribution<double> gap(10.0);
  std::vector<double> t(200000);
  double now = 0;
  for (double& x : t) {
    now += gap(rng);
    x = now;
  }
  double sum = 0;
  double sum2 = 0;
  long long n = 0;
  std::size_t lo = 0;
  std::size_t hi = 0;
  for (std::size_t i = 1000; i + 1000 < t.size(); ++i) {
    while (t[lo] <= t[i] - 1.0) {
      ++lo;
    }
    while (hi < t.size() && t[hi] < t[i] + 1.0) {
      ++hi;
    }
    double shared = 0;
    for (std::size_t j = lo; j < hi; ++j) {
      if (j != i) {
        shared += 1.0 - std::abs(t[j] - t[i]);
      }
    }
    sum += shared;
    sum2 += shared * shared;
    ++n;
  }
  const double mean = sum / static_cast<double>(n);
  const double variance = sum2 / static_cast<double>(n) - mean * mean;
  EXPECT_NEAR(mean, 10.0, 0.1);
  EXPECT_NEAR(variance, 20.0 / 3.0, 0.25);
}

}  // namespace
}  // namespace fleetplan::perf
