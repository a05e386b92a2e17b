// The hand-written distributions against their moments. Tolerances are four standard errors
// of the estimate (sd / sqrt(n) for a mean; for a variance, sqrt((m4 - s^4) / n)).
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "sim/distributions.h"
#include "sim/random.h"

namespace fleetplan::sim {
namespace {

constexpr int kN = 400000;

struct Moments {
  double mean = 0;
  double variance = 0;
};

template <typename Draw>
Moments moments(Draw draw, int n = kN) {
  double sum = 0;
  double sum2 = 0;
  for (int i = 0; i < n; ++i) {
    const double x = draw();
    sum += x;
    sum2 += x * x;
  }
  const double mean = sum / n;
  return {mean, sum2 / n - mean * mean};
}

TEST(Random, StreamsAreReproducibleAndIndependent) {
  Rng a = Rng::stream(1, "arrivals", 0);
  Rng b = Rng::stream(1, "arrivals", 0);
  Rng c = Rng::stream(1, "arrivals", 1);
  Rng d = Rng::stream(1, "lengths", 0);
  for (int i = 0; i < 100; ++i) {
    const double x = a.uniform();
    EXPECT_EQ(x, b.uniform());
    EXPECT_NE(x, c.uniform());
    EXPECT_NE(x, d.uniform());
  }
}

// Uniform on [0, 1): mean 1/2, variance 1/12.
TEST(Random, UniformMoments) {
  Rng rng(3);
  const Moments m = moments([&] { return rng.uniform(); });
  EXPECT_NEAR(m.mean, 0.5, 4 * std::sqrt(1.0 / 12 / kN));
  EXPECT_NEAR(m.variance, 1.0 / 12, 4 * std::sqrt((1.0 / 80 - 1.0 / 144) / kN));
}

// below(n): each of n values with probability 1/n (binomial counts, sd sqrt(N p (1 - p))).
TEST(Random, BelowIsUniform) {
  Rng rng(4);
  std::vector<int> counts(7, 0);
  for (int i = 0; i < 70000; ++i) {
    counts[rng.below(7)] += 1;
  }
  for (const int c : counts) {
    EXPECT_NEAR(c, 10000, 4 * std::sqrt(70000 * (1.0 / 7) * (6.0 / 7)));
  }
}

// Exponential(rate): mean 1/rate, variance 1/rate^2.
TEST(Random, ExponentialMoments) {
  Rng rng(5);
  const double rate = 2.5;
  const Moments m = moments([&] { return rng.exponential(rate); });
  EXPECT_NEAR(m.mean, 1 / rate, 4 / rate / std::sqrt(kN));
  // Fourth central moment of Exp: 9 / rate^4.
  EXPECT_NEAR(m.variance, 1 / (rate * rate), 4 * std::sqrt(8.0 / kN) / (rate * rate));
}

// Standard normal: mean 0, variance 1 (fourth moment 3).
TEST(Random, NormalMoments) {
  Rng rng(6);
  const Moments m = moments([&] { return rng.normal(); });
  EXPECT_NEAR(m.mean, 0, 4 / std::sqrt(kN));
  EXPECT_NEAR(m.variance, 1, 4 * std::sqrt(2.0 / kN));
}

// Gamma(k, theta): mean k theta, variance k theta^2, for shapes below and above 1.
TEST(Random, GammaMoments) {
  for (const double k : {0.25, 1.0, 4.0}) {
    Rng rng(7);
    const double theta = 2.0;
    const Moments m = moments([&] { return rng.gamma(k, theta); });
    const double sd = std::sqrt(k) * theta;
    EXPECT_NEAR(m.mean, k * theta, 4 * sd / std::sqrt(kN)) << "k=" << k;
    // Fourth central moment of Gamma: 3 k (k + 2) theta^4.
    const double m4 = 3 * k * (k + 2) * std::pow(theta, 4);
    EXPECT_NEAR(m.variance, k * theta * theta, 4 * std::sqrt((m4 - std::pow(sd, 4)) / kN))
        << "k=" << k;
  }
}

// Lognormal lengths with mean m and sigma s: E = exp(mu + s^2/2) = m by construction
// (rounding to whole tokens moves it by less than 0.01 %; the clamp bounds are far away).
TEST(Random, LognormalLengthHasItsMean) {
  Rng rng(8);
  const auto d = LengthDistribution::lognormal(1000, 0.5, 1, 1000000);
  const Moments m = moments([&] { return static_cast<double>(d.sample(rng)); });
  // sd of a lognormal: m sqrt(exp(s^2) - 1).
  const double sd = 1000 * std::sqrt(std::exp(0.25) - 1);
  EXPECT_NEAR(m.mean, 1000, 4 * sd / std::sqrt(kN) + 0.5);
}

// Geometric on {1, 2, ...} with p = 1/m: mean m, variance (1 - p) / p^2.
TEST(Random, ExponentialLengthIsGeometric) {
  Rng rng(9);
  const auto d = LengthDistribution::exponential(50);
  const Moments m = moments([&] { return static_cast<double>(d.sample(rng)); });
  const double var = (1 - 0.02) / (0.02 * 0.02);
  EXPECT_NEAR(m.mean, 50, 4 * std::sqrt(var / kN));
  EXPECT_NEAR(m.variance, var, 0.03 * var);
}

// Uniform integers in [a, b]: mean (a + b) / 2, each value equally likely.
TEST(Random, UniformLengthCoversItsRange) {
  Rng rng(10);
  const auto d = LengthDistribution::uniform(3, 6);
  std::vector<int> counts(7, 0);
  for (int i = 0; i < 40000; ++i) {
    const long long x = d.sample(rng);
    ASSERT_GE(x, 3);
    ASSERT_LE(x, 6);
    counts[x] += 1;
  }
  for (int v = 3; v <= 6; ++v) {
    EXPECT_NEAR(counts[v], 10000, 4 * std::sqrt(40000 * 0.25 * 0.75));
  }
}

// Empirical: value i with probability w_i / sum w.
TEST(Random, EmpiricalFollowsWeights) {
  Rng rng(11);
  const auto d = LengthDistribution::empirical({100, 200, 300}, {1, 2, 7});
  std::vector<int> counts(3, 0);
  for (int i = 0; i < 100000; ++i) {
    counts[d.sample(rng) / 100 - 1] += 1;
  }
  const std::vector<double> p = {0.1, 0.2, 0.7};
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(counts[i], 100000 * p[i], 4 * std::sqrt(100000 * p[i] * (1 - p[i])));
  }
  EXPECT_DOUBLE_EQ(d.nominal_mean(), 0.1 * 100 + 0.2 * 200 + 0.7 * 300);
}

// Gamma arrivals: gaps with mean 1/rate and coefficient of variation cv.
TEST(Random, GammaArrivalsHaveTheirBurstiness) {
  ArrivalProcess a;
  a.kind = ArrivalProcess::Kind::kGamma;
  a.rate = 20;
  a.cv = 2;
  ArrivalGenerator gen(a, Rng(12));
  double last = 0;
  const Moments m = moments([&] {
    const double t = gen.next();
    const double gap = t - last;
    last = t;
    return gap;
  });
  EXPECT_NEAR(m.mean, 1 / a.rate, 4 * a.cv / a.rate / std::sqrt(kN));
  EXPECT_NEAR(std::sqrt(m.variance) / m.mean, a.cv, 0.03 * a.cv);
}

// Day curve: arrivals in each slot are Poisson with mean rate x slot length.
TEST(Random, DayCurveFollowsItsRates) {
  ArrivalProcess a;
  a.kind = ArrivalProcess::Kind::kDayCurve;
  a.curve = {10, 0, 40, 20};
  a.period_s = 400;  // slots of 100 s
  ArrivalGenerator gen(a, Rng(13));
  std::vector<double> counts(4, 0);
  const int periods = 50;
  while (true) {
    const double t = gen.next();
    if (t >= periods * a.period_s) {
      break;
    }
    counts[static_cast<int>(std::fmod(t, a.period_s) / 100)] += 1;
  }
  for (int s = 0; s < 4; ++s) {
    const double expected = a.curve[s] * 100 * periods;
    EXPECT_NEAR(counts[s], expected, 4 * std::sqrt(expected) + 1e-9) << "slot " << s;
  }
  EXPECT_DOUBLE_EQ(a.mean_rate(), 17.5);
}

}  // namespace
}  // namespace fleetplan::sim
