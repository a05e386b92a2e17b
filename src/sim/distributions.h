// What a workload draws: request lengths and arrival times.
#pragma once

#include <string>
#include <vector>

#include "sim/random.h"

namespace fleetplan::sim {

//! A distribution of token counts (prompt or output lengths), in whole tokens >= 1.
struct LengthDistribution {
  enum class Kind {
    kFixed,        //!< always `value`
    kUniform,      //!< uniform integer in [min, max]
    kLognormal,    //!< round(exp(mu + sigma N)) with mu = ln(mean) - sigma^2/2, clamped to
                   //!< [min, max]
    kExponential,  //!< geometric on {1, 2, ...} with mean `mean` (the discrete exponential),
                   //!< clamped to max
    kEmpirical,    //!< `values` drawn with probability proportional to `weights`
  };
  Kind kind = Kind::kFixed;
  long long value = 1;
  long long min = 1;
  long long max = 1LL << 24;  //!< the simulator's bound, sim::kMaxTokens
  double mean = 1;
  double sigma = 0;
  std::vector<long long> values;
  std::vector<double> weights;

  static LengthDistribution fixed(long long tokens);
  static LengthDistribution uniform(long long lo, long long hi);
  static LengthDistribution lognormal(double mean, double sigma, long long lo, long long hi);
  static LengthDistribution exponential(double mean, long long hi = 1LL << 24);
  static LengthDistribution empirical(std::vector<long long> values, std::vector<double> weights);

  //! Prepares the sampler (cumulative weights); call after filling the fields by hand.
  void prepare();
  //! One draw.
  long long sample(Rng& rng) const;
  //! The largest value a draw can take.
  [[nodiscard]] long long upper_bound() const;
  //! The mean of the distribution before clamping (for reports and capacity estimates).
  [[nodiscard]] double nominal_mean() const;
  //! "fixed 1024", "lognormal mean 1024 sigma 0.8", ...
  [[nodiscard]] std::string describe() const;

 private:
  std::vector<double> cumulative_;  // empirical: running sums of weights, last = total
};

//! The time a closed-loop user waits between the reply to one request and its next request.
struct ThinkTime {
  enum class Kind {
    kFixed,        //!< always `mean_s` (0: the next request leaves with the reply)
    kExponential,  //!< exponential with mean `mean_s`
    kUniform,      //!< uniform in [min_s, max_s]
    kLognormal,    //!< exp(mu + sigma N) with mu = ln(mean_s) - sigma^2/2
  };
  Kind kind = Kind::kFixed;
  double mean_s = 0;
  double min_s = 0;
  double max_s = 0;
  double sigma = 0;

  static ThinkTime fixed(double seconds);
  static ThinkTime exponential(double mean_seconds);
  static ThinkTime uniform(double lo_seconds, double hi_seconds);
  static ThinkTime lognormal(double mean_seconds, double sigma);
  //! One draw, in seconds (>= 0).
  double sample(Rng& rng) const;
  //! The mean, in seconds.
  [[nodiscard]] double mean() const;
  //! "none", "fixed 500 ms", "exponential mean 500 ms", ...
  [[nodiscard]] std::string describe() const;
};

//! How requests of one service arrive.
struct ArrivalProcess {
  enum class Kind {
    kPoisson,   //!< exponential gaps with mean 1/rate
    kGamma,     //!< gamma gaps with mean 1/rate and coefficient of variation `cv` (burstiness:
                //!< cv > 1 is burstier than Poisson, cv = 1 is Poisson)
    kDayCurve,  //!< Poisson whose rate follows `curve` (requests/s per equal slot of
                //!< `period_s`, repeating): a non-homogeneous Poisson process
    kClosed,    //!< closed loop: `concurrency` users, each sending its next request `think`
                //!< after the reply to its last one (the simulator draws these arrivals)
  };
  Kind kind = Kind::kPoisson;
  double rate = 1;  //!< requests/s (poisson, gamma)
  double cv = 1;
  std::vector<double> curve;
  double period_s = 86400;
  int concurrency = 0;  //!< closed loop: users
  ThinkTime think;      //!< closed loop: think time

  //! Mean requests/s over time (0 for a closed loop: its rate is what the fleet serves).
  [[nodiscard]] double mean_rate() const;
  [[nodiscard]] std::string describe() const;
};

//! Draws the arrival times of one service, one at a time.
class ArrivalGenerator {
 public:
  ArrivalGenerator(const ArrivalProcess& process, Rng rng);
  //! The next arrival time after the previous one (the first is after time 0).
  double next();

 private:
  const ArrivalProcess* process_;
  Rng rng_;
  double now_ = 0;
  double gamma_shape_ = 1;
  double gamma_scale_ = 1;
};

}  // namespace fleetplan::sim
