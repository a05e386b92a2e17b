// Values as scenario files write them ("25000 USD", "6.96", "2026-02-15", "true"), lists
// and ranges of them for grids, and probability distributions over them for Monte Carlo.
// Every distribution is sampled through its quantile function at one uniform draw, so a
// rank correlation between two parameters is a Gaussian copula on those draws.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace fleetplan::analysis {

//! A number with what the file writes after it: "15000 USD" -> {15000, "USD"};
//! "160 bn CNY" -> {160, "bn CNY"}; "6.96" -> {6.96, ""}.
struct Quantity {
  double number = 0;
  std::string unit;
  //! Written without a fraction or exponent ("20000", not "2e4" or "0.5").
  bool integer = false;
};
//! Parses a quantity; the error says what was expected.
Result<Quantity> parse_quantity(std::string_view text);
//! "15000 USD", "6.5": at most 9 significant digits (no binary noise digits), rounded to a
//! whole number when `integer`.
std::string format_quantity(double number, std::string_view unit, bool integer);

//! How a value of a field is written, read from the file's own value at the path: a date,
//! a whole number, a boolean, or any other number.
struct ValueShape {
  bool date = false;     //!< "2026-02-15": a distribution gives days added to it
  bool integer = false;  //!< "20000 USD", "12": samples are rounded
  std::string unit;      //!< what the file writes after the number
  std::string base;      //!< the value in the file ("" when the field is absent)
};
//! The shape of a field whose file value is `base` (nullopt: absent from the file).
ValueShape shape_of(const std::optional<std::string>& base);

//! The values of a grid parameter: "6.5,7.0,7.5" (a list) or "15000 USD:40000 USD:6" (n
//! evenly spaced values from a to b, same unit at both ends; dates too).
Result<std::vector<std::string>> parse_values(std::string_view text);

//! The kinds of distribution.
enum class DistributionKind {
  kNormal,      //!< normal(mean, sd)
  kLognormal,   //!< lognormal(median, sigma): median x exp(sigma x N(0,1))
  kUniform,     //!< uniform(lo, hi)
  kTriangular,  //!< triangular(lo, mode, hi)
  kChoice,      //!< choice(a:p, b:q, ...): values with probabilities summing to 1
  kBernoulli,   //!< bernoulli(p): "true" with probability p, else "false"
};

//! A probability distribution over a field's values.
struct Distribution {
  DistributionKind kind = DistributionKind::kNormal;
  std::string text;                   //!< as written
  std::vector<double> arguments;      //!< numeric arguments, in the order written
  std::string unit;                   //!< unit of the arguments that carry one ("USD"; "" none)
  std::vector<std::string> choices;   //!< kChoice: the values
  std::vector<double> probabilities;  //!< kChoice: one per value
  [[nodiscard]] bool numeric() const {
    return kind != DistributionKind::kChoice && kind != DistributionKind::kBernoulli;
  }
  //! Numeric kinds: the value at cumulative probability u in (0, 1).
  [[nodiscard]] double quantile(double u) const;
  //! The value to write into the file at cumulative probability u, shaped like the field
  //! (rounded for whole numbers, days added for dates, the file's unit).
  [[nodiscard]] std::string value_at(double u, const ValueShape& shape) const;
  //! Checks the distribution against the field: a number for a date or a boolean field, no
  //! unit for a field the file writes with one, and the like (whether the unit suits the
  //! field is the scenario layer's call). `path` names the field.
  [[nodiscard]] Status check_against(const ValueShape& shape, std::string_view path) const;
};

//! Parses "normal(6.96,0.15)", "triangular(15000 USD,20000 USD,30000 USD)",
//! "choice(2026-02-15:0.5,2026-06-01:0.5)", "bernoulli(0.3)"; errors name what was expected.
Result<Distribution> parse_distribution(std::string_view text);

//! Standard normal CDF and its inverse (Acklam's rational approximation refined by one
//! Halley step: relative error below 1e-15 on (0, 1)).
double normal_cdf(double x);
double normal_quantile(double p);

//! The uniform draws of one sample: sample i of seed s always gets the same numbers,
//! whatever thread or MPI rank runs it (SplitMix64 of (seed, sample, parameter)).
double sample_uniform(std::uint64_t seed, std::uint64_t sample, std::uint64_t parameter);

//! Rank (Spearman) correlation rho of a Gaussian copula -> the normal correlation that
//! gives it: 2 sin(pi rho / 6).
double normal_correlation_for_rank(double rank_correlation);

}  // namespace fleetplan::analysis
