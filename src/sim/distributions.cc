#include "sim/distributions.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace fleetplan::sim {

LengthDistribution LengthDistribution::fixed(long long tokens) {
  LengthDistribution d;
  d.kind = Kind::kFixed;
  d.value = tokens;
  d.min = tokens;
  d.max = tokens;
  d.mean = static_cast<double>(tokens);
  return d;
}

LengthDistribution LengthDistribution::uniform(long long lo, long long hi) {
  LengthDistribution d;
  d.kind = Kind::kUniform;
  d.min = lo;
  d.max = hi;
  d.mean = (static_cast<double>(lo) + static_cast<double>(hi)) / 2.0;
  return d;
}

LengthDistribution LengthDistribution::lognormal(double mean, double sigma, long long lo,
                                                 long long hi) {
  LengthDistribution d;
  d.kind = Kind::kLognormal;
  d.mean = mean;
  d.sigma = sigma;
  d.min = lo;
  d.max = hi;
  return d;
}

LengthDistribution LengthDistribution::exponential(double mean, long long hi) {
  LengthDistribution d;
  d.kind = Kind::kExponential;
  d.mean = mean;
  d.min = 1;
  d.max = hi;
  return d;
}

LengthDistribution LengthDistribution::empirical(std::vector<long long> values,
                                                 std::vector<double> weights) {
  LengthDistribution d;
  d.kind = Kind::kEmpirical;
  d.values = std::move(values);
  d.weights = std::move(weights);
  d.prepare();
  return d;
}

void LengthDistribution::prepare() {
  cumulative_.clear();
  if (kind != Kind::kEmpirical) {
    return;
  }
  if (weights.size() != values.size()) {
    weights.assign(values.size(), 1.0);
  }
  double total = 0;
  double weighted = 0;
  min = std::numeric_limits<long long>::max();
  max = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    total += weights[i];
    weighted += weights[i] * static_cast<double>(values[i]);
    cumulative_.push_back(total);
    min = std::min(min, values[i]);
    max = std::max(max, values[i]);
  }
  mean = total > 0 ? weighted / total : 0;
}

long long LengthDistribution::sample(Rng& rng) const {
  switch (kind) {
    case Kind::kFixed:
      return value;
    case Kind::kUniform:
      return min + static_cast<long long>(rng.below(static_cast<std::uint64_t>(max - min + 1)));
    case Kind::kLognormal: {
      const double mu = std::log(mean) - sigma * sigma / 2.0;
      const double x = std::round(rng.lognormal(mu, sigma));
      return std::clamp(static_cast<long long>(std::min(x, 9e18)), min, max);
    }
    case Kind::kExponential: {
      if (mean <= 1.0) {
        return 1;
      }
      // Geometric on {1, 2, ...} with success probability p = 1/mean (mean 1/p):
      // 1 + floor(ln U / ln(1 - p)).
      const double n = 1.0 + std::floor(std::log(rng.uniform_open()) / std::log1p(-1.0 / mean));
      return std::min(static_cast<long long>(std::min(n, 9e18)), max);
    }
    case Kind::kEmpirical: {
      const double u = rng.uniform() * cumulative_.back();
      const auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), u);
      const auto index = std::min<std::size_t>(it - cumulative_.begin(), values.size() - 1);
      return values[index];
    }
  }
  return value;
}

long long LengthDistribution::upper_bound() const { return kind == Kind::kFixed ? value : max; }

double LengthDistribution::nominal_mean() const {
  return kind == Kind::kFixed ? static_cast<double>(value) : mean;
}

std::string LengthDistribution::describe() const {
  switch (kind) {
    case Kind::kFixed:
      return fmt::format("fixed {}", value);
    case Kind::kUniform:
      return fmt::format("uniform {}..{}", min, max);
    case Kind::kLognormal:
      return fmt::format("lognormal mean {} sigma {}", mean, sigma);
    case Kind::kExponential:
      return fmt::format("exponential mean {}", mean);
    case Kind::kEmpirical:
      return fmt::format("empirical ({} values, mean {:.1f})", values.size(), mean);
  }
  return "?";
}

ThinkTime ThinkTime::fixed(double seconds) {
  ThinkTime t;
  t.kind = Kind::kFixed;
  t.mean_s = seconds;
  t.min_s = seconds;
  t.max_s = seconds;
  return t;
}

ThinkTime ThinkTime::exponential(double mean_seconds) {
  ThinkTime t;
  t.kind = Kind::kExponential;
  t.mean_s = mean_seconds;
  return t;
}

ThinkTime ThinkTime::uniform(double lo_seconds, double hi_seconds) {
  ThinkTime t;
  t.kind = Kind::kUniform;
  t.min_s = lo_seconds;
  t.max_s = hi_seconds;
  t.mean_s = (lo_seconds + hi_seconds) / 2.0;
  return t;
}

ThinkTime ThinkTime::lognormal(double mean_seconds, double sigma) {
  ThinkTime t;
  t.kind = Kind::kLognormal;
  t.mean_s = mean_seconds;
  t.sigma = sigma;
  return t;
}

double ThinkTime::sample(Rng& rng) const {
  switch (kind) {
    case Kind::kFixed:
      return mean_s;
    case Kind::kExponential:
      return mean_s > 0 ? rng.exponential(1.0 / mean_s) : 0.0;
    case Kind::kUniform:
      return min_s + (max_s - min_s) * rng.uniform();
    case Kind::kLognormal:
      return mean_s > 0 ? rng.lognormal(std::log(mean_s) - sigma * sigma / 2.0, sigma) : 0.0;
  }
  return mean_s;
}

double ThinkTime::mean() const { return mean_s; }

std::string ThinkTime::describe() const {
  const auto ms = [](double s) { return fmt::format("{:g} ms", s * 1000.0); };
  switch (kind) {
    case Kind::kFixed:
      return mean_s == 0 ? std::string("none") : "fixed " + ms(mean_s);
    case Kind::kExponential:
      return "exponential mean " + ms(mean_s);
    case Kind::kUniform:
      return fmt::format("uniform {}..{}", ms(min_s), ms(max_s));
    case Kind::kLognormal:
      return fmt::format("lognormal mean {} sigma {:g}", ms(mean_s), sigma);
  }
  return "?";
}

double ArrivalProcess::mean_rate() const {
  if (kind == Kind::kClosed) {
    return 0;
  }
  if (kind != Kind::kDayCurve) {
    return rate;
  }
  double sum = 0;
  for (const double r : curve) {
    sum += r;
  }
  return curve.empty() ? 0 : sum / static_cast<double>(curve.size());
}

std::string ArrivalProcess::describe() const {
  switch (kind) {
    case Kind::kPoisson:
      return fmt::format("poisson {} req/s", rate);
    case Kind::kGamma:
      return fmt::format("gamma {} req/s cv {}", rate, cv);
    case Kind::kDayCurve:
      return fmt::format("day curve of {} slots, mean {:.3g} req/s", curve.size(), mean_rate());
    case Kind::kClosed:
      return fmt::format("closed loop of {} users, think time {}", concurrency, think.describe());
  }
  return "?";
}

ArrivalGenerator::ArrivalGenerator(const ArrivalProcess& process, Rng rng)
    : process_(&process), rng_(rng) {
  if (process.kind == ArrivalProcess::Kind::kGamma) {
    // Gaps with mean 1/rate and cv: shape k = 1/cv^2, scale theta = 1/(rate k).
    gamma_shape_ = 1.0 / (process.cv * process.cv);
    gamma_scale_ = 1.0 / (process.rate * gamma_shape_);
  }
}

double ArrivalGenerator::next() {
  switch (process_->kind) {
    case ArrivalProcess::Kind::kPoisson:
      now_ += rng_.exponential(process_->rate);
      return now_;
    case ArrivalProcess::Kind::kGamma:
      now_ += rng_.gamma(gamma_shape_, gamma_scale_);
      return now_;
    case ArrivalProcess::Kind::kDayCurve: {
      // Invert the cumulative intensity: draw E ~ Exp(1) and walk the piecewise-constant
      // rate from now until the integral of the rate reaches E.
      const auto& curve = process_->curve;
      const double slot = process_->period_s / static_cast<double>(curve.size());
      double need = rng_.exponential(1.0);
      while (true) {
        const double cycles = std::floor(now_ / process_->period_s);
        const double in_period = now_ - cycles * process_->period_s;
        auto index = static_cast<std::size_t>(in_period / slot);
        index = std::min(index, curve.size() - 1);
        const double slot_end = cycles * process_->period_s + static_cast<double>(index + 1) * slot;
        const double rate = curve[index];
        const double span = std::max(slot_end - now_, 0.0);
        if (rate > 0 && rate * span >= need) {
          now_ += need / rate;
          return now_;
        }
        need -= rate * span;
        // Step onto the next slot; guard against rounding keeping us in the same slot.
        now_ = std::max(slot_end, std::nextafter(now_, std::numeric_limits<double>::infinity()));
      }
    }
    case ArrivalProcess::Kind::kClosed:
      // A closed loop's arrivals follow its replies; the simulator draws them.
      return std::numeric_limits<double>::infinity();
  }
  return now_;
}

}  // namespace fleetplan::sim
