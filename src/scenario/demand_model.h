// Demand as it is reported: dated observations (30 T tokens a day in October 2025, 50 T in
// December) with a growth law between and beyond them, or users x requests per user x
// tokens per request; a day's profile by hour that gives the peak hour; and the figures
// the report prints so that an implausible mix shows (tokens per user a day).
//
// Each growth law is a straight line between neighbouring observations in its own space:
// linear in the value, exponential in log(value), logistic in log(value / (ceiling -
// value)). Beyond the first and last observation the nearest segment's line continues, so
// two observations define a curve everywhere and more observations bend it.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/yaml_reader.h"

namespace fleetplan::scenario {

//! How a demand curve grows between and beyond its observations.
enum class GrowthLaw { kLinear, kExponential, kLogistic };
//! "linear", "exponential", "logistic".
std::string_view growth_law_name(GrowthLaw law);

//! One dated figure: "50 T tokens a day on 2025-12-15 (FT)".
struct DemandObservation {
  std::string date;        //!< as written, YYYY-MM-DD
  long long day = 0;       //!< days since 1970-01-01
  double value = 0;        //!< tokens/day, users, ... (the curve's unit)
  std::string source;      //!< a citation, or empty when `assumption` is set
  std::string assumption;  //!< name of the scenario assumption that explains an estimate
};

//! What a curve counts.
enum class CurveUnit {
  kTokensPerDay,  //!< tokens a day (input and output together)
  kUsers,         //!< users (monthly active, as reported)
};
//! "tokens_per_day", "users".
std::string_view curve_unit_name(CurveUnit unit);

//! A named series of observations and the law that joins them.
struct DemandCurve {
  std::string name;
  std::string description;
  CurveUnit unit = CurveUnit::kTokensPerDay;
  GrowthLaw growth = GrowthLaw::kExponential;
  //! Logistic only: the level the curve approaches; every observation is below it.
  double ceiling = 0;
  std::vector<DemandObservation> observations;  //!< in date order, distinct dates

  //! The curve's value on day `day` (days since 1970-01-01; fractions allowed).
  [[nodiscard]] double value_at(double day) const;
  //! The mean of the daily values over the days first..last, both included.
  [[nodiscard]] double mean_between(long long first, long long last) const;
  //! Checks order, signs and the logistic ceiling; the message names the field.
  [[nodiscard]] Status validate(std::string_view path) const;
};

//! Reads one curve: {name, description?, unit?, growth, ceiling?, observations: [{date,
//! value, source | assumption}]}. Errors are located by the reader.
DemandCurve read_demand_curve(yaml::Reader& reader);

//! Which day of a period its demand is taken from.
enum class DemandBasis {
  kPeriodEnd,   //!< the last day: a fleet bought in the period must serve it at the end
  kPeriodMean,  //!< the mean over the period's days
};
//! "end", "mean".
std::string_view demand_basis_name(DemandBasis basis);

//! A day's traffic by hour (any scale): 24 non-negative weights, not all zero.
struct DiurnalProfile {
  std::array<double, 24> weights{};

  //! The busiest hour's weight over the mean hour's (>= 1).
  [[nodiscard]] double peak_to_average() const;
  //! The busiest hour, 0-23 (the first of equal ones).
  [[nodiscard]] int peak_hour() const;
};
//! Reads a list of 24 numbers at `key`; the error says what was wrong.
std::optional<DiurnalProfile> read_diurnal_profile(yaml::Reader& reader, std::string_view key);

//! Users x requests x tokens: tokens a day of `users` (monthly active) of whom
//! `daily_active_share` use the service on a day, each sending `requests_per_user_per_day`
//! requests of `tokens_per_request` tokens (input and output).
double tokens_per_day_from_users(double users, double daily_active_share,
                                 double requests_per_user_per_day, double tokens_per_request);

}  // namespace fleetplan::scenario
