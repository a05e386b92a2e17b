// Seeded random streams with explicitly implemented distributions. The standard library's
// distributions are not specified bit-for-bit (libstdc++ and libc++ draw differently), so
// only the engine (std::mt19937_64, whose output the standard fixes) comes from <random>;
// every distribution is written here from uniform draws.
#pragma once

#include <cstdint>
#include <random>
#include <string_view>

namespace fleetplan::sim {

//! One independent stream of random numbers. Each purpose (a service's arrivals, its
//! lengths, routing, a replica's random step times) owns its own stream, so adding a service
//! or a replica never shifts the draws of another.
class Rng {
 public:
  explicit Rng(std::uint64_t seed = 1) : engine_(seed) {}
  //! The stream for `purpose` number `index` under a run's `seed` (SplitMix64 of the three).
  static Rng stream(std::uint64_t seed, std::string_view purpose, std::uint64_t index = 0);

  //! Uniform in [0, 1) with 53 random bits.
  double uniform();
  //! Uniform in (0, 1): never 0, so log() of it is finite.
  double uniform_open();
  //! Uniform integer in [0, n), n >= 1 (rejection, no modulo bias).
  std::uint64_t below(std::uint64_t n);
  //! Exponential with the given rate (mean 1/rate): -ln(U)/rate.
  double exponential(double rate);
  //! Standard normal (Marsaglia's polar method; the second value is kept for the next call).
  double normal();
  //! Gamma with `shape` k > 0 and `scale` theta (mean k*theta, variance k*theta^2):
  //! Marsaglia and Tsang (2000); for k < 1, Gamma(k+1) * U^(1/k).
  double gamma(double shape, double scale);
  //! Lognormal: exp(mu + sigma * N(0,1)).
  double lognormal(double mu, double sigma);

 private:
  std::mt19937_64 engine_;
  double spare_normal_ = 0;
  bool has_spare_ = false;
};

}  // namespace fleetplan::sim
