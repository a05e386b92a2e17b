#include "scenario/demand_model.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "scenario/scenario.h"

namespace fleetplan::scenario {
namespace {

// A count as files write it: "30e12", "30 T", "159 M", "1.5 bn", "800 k".
std::optional<double> parse_quantity(std::string_view text) {
  while (!text.empty() && text.back() == ' ') {
    text.remove_suffix(1);
  }
  double multiplier = 1;
  for (const auto& [suffix, factor] : {std::pair<std::string_view, double>{"bn", 1e9},
                                       {"T", 1e12},
                                       {"B", 1e9},
                                       {"M", 1e6},
                                       {"k", 1e3}}) {
    if (text.size() > suffix.size() && text.substr(text.size() - suffix.size()) == suffix) {
      multiplier = factor;
      text.remove_suffix(suffix.size());
      break;
    }
  }
  while (!text.empty() && text.back() == ' ') {
    text.remove_suffix(1);
  }
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value * multiplier;
}

// The observation's value mapped into the growth law's space, where the curve is linear.
double to_law_space(const DemandCurve& curve, double value) {
  switch (curve.growth) {
    case GrowthLaw::kLinear:
      return value;
    case GrowthLaw::kExponential:
      return std::log(value);
    case GrowthLaw::kLogistic:
      return std::log(value / (curve.ceiling - value));
  }
  return value;
}

double from_law_space(const DemandCurve& curve, double y) {
  switch (curve.growth) {
    case GrowthLaw::kLinear:
      return std::max(0.0, y);  // a falling line stops at zero demand
    case GrowthLaw::kExponential:
      return std::exp(y);
    case GrowthLaw::kLogistic:
      return curve.ceiling / (1.0 + std::exp(-y));
  }
  return y;
}

}  // namespace

std::string_view growth_law_name(GrowthLaw law) {
  switch (law) {
    case GrowthLaw::kLinear:
      return "linear";
    case GrowthLaw::kExponential:
      return "exponential";
    case GrowthLaw::kLogistic:
      return "logistic";
  }
  return "exponential";
}

std::string_view curve_unit_name(CurveUnit unit) {
  return unit == CurveUnit::kUsers ? "users" : "tokens_per_day";
}

std::string_view demand_basis_name(DemandBasis basis) {
  return basis == DemandBasis::kPeriodMean ? "mean" : "end";
}

double DemandCurve::value_at(double day) const {
  if (observations.empty()) {
    return 0;
  }
  if (observations.size() == 1) {
    return observations.front().value;
  }
  // The segment that holds `day`, or the nearest one beyond either end.
  std::size_t i = 1;
  while (i + 1 < observations.size() && static_cast<double>(observations[i].day) < day) {
    ++i;
  }
  const DemandObservation& a = observations[i - 1];
  const DemandObservation& b = observations[i];
  const double ya = to_law_space(*this, a.value);
  const double yb = to_law_space(*this, b.value);
  const double t = (day - static_cast<double>(a.day)) / static_cast<double>(b.day - a.day);
  return from_law_space(*this, ya + t * (yb - ya));
}

double DemandCurve::mean_between(long long first, long long last) const {
  if (last < first) {
    std::swap(first, last);
  }
  double sum = 0;
  for (long long day = first; day <= last; ++day) {
    sum += value_at(static_cast<double>(day));
  }
  return sum / static_cast<double>(last - first + 1);
}

Status DemandCurve::validate(std::string_view path) const {
  if (observations.empty()) {
    return input_error(fmt::format("{}.observations: expected at least one observation", path));
  }
  for (std::size_t i = 0; i < observations.size(); ++i) {
    const DemandObservation& o = observations[i];
    const std::string at = fmt::format("{}.observations[{}]", path, i);
    if (i > 0 && o.day <= observations[i - 1].day) {
      return input_error(
          fmt::format("{}.date: {} is not after the previous observation's {}; "
                      "expected observations in date order, one per date",
                      at, o.date, observations[i - 1].date));
    }
    if (!(o.value >= 0) || (growth != GrowthLaw::kLinear && o.value <= 0)) {
      return input_error(
          fmt::format("{}.value: {} is not {}; a{} curve needs {}", at, o.value,
                      growth == GrowthLaw::kLinear ? ">= 0" : "> 0",
                      growth == GrowthLaw::kExponential ? "n" : "",
                      growth == GrowthLaw::kLinear ? "values >= 0" : "positive values"));
    }
    if (growth == GrowthLaw::kLogistic && o.value >= ceiling) {
      return input_error(
          fmt::format("{}.value: {} is not below the ceiling {}; a logistic curve "
                      "stays under its ceiling",
                      at, o.value, ceiling));
    }
  }
  return {};
}

namespace {

// The curve's ceiling: required by logistic growth, refused by the others.
void read_ceiling(yaml::Reader& reader, DemandCurve& curve, const std::string& law) {
  if (curve.growth == GrowthLaw::kLogistic) {
    if (auto text = reader.optional_string("ceiling")) {
      auto value = parse_quantity(*text);
      if (!value || *value <= 0) {
        reader.fail("ceiling", fmt::format("'{}' is not a positive count; expected e.g. 200e12 "
                                           "or '200 T'",
                                           *text));
      } else {
        curve.ceiling = *value;
      }
    } else {
      reader.fail("ceiling", "a logistic curve needs a ceiling (the level it approaches)");
    }
  } else if (reader.has("ceiling")) {
    reader.optional_string("ceiling");
    reader.fail("ceiling", fmt::format("a ceiling applies to logistic growth; this curve's "
                                       "growth is {}",
                                       law));
  }
}

// One observation: its date, value and source or assumption.
DemandObservation read_observation(yaml::Reader& o) {
  DemandObservation observation;
  observation.date = o.string("date");
  if (!observation.date.empty()) {
    auto date = parse_date(observation.date);
    if (!date.ok()) {
      o.fail("date", date.error().message);
    } else {
      observation.day = date->days_since_epoch();
    }
  }
  if (auto text = o.optional_string("value")) {
    auto value = parse_quantity(*text);
    if (!value) {
      o.fail("value", fmt::format("'{}' is not a count; expected a number such as 50e12 or "
                                  "'50 T' (k, M, bn, T)",
                                  *text));
    } else {
      observation.value = *value;
    }
  } else if (!o.has("value")) {
    o.fail("value", "required value is missing; expected a number such as 50e12 or '50 T'");
  }
  observation.source = o.string_or("source", "");
  observation.assumption = o.string_or("assumption", "");
  if (observation.source.empty() && observation.assumption.empty()) {
    o.fail_here("an observation needs a `source` or an `assumption`");
  }
  o.reject_unknown_fields();
  return observation;
}

// The checks of validate() on the observations, located at the one that fails them: dates
// in order, values positive (unless linear) and under a logistic ceiling.
void check_observations(std::vector<yaml::Reader>& observations, const DemandCurve& curve,
                        const std::string& law) {
  for (std::size_t i = 0; i < curve.observations.size(); ++i) {
    const DemandObservation& o = curve.observations[i];
    if (i > 0 && o.day <= curve.observations[i - 1].day) {
      observations[i].fail("date", fmt::format("{} is not after the previous observation's {}; "
                                               "expected observations in date order, one per date",
                                               o.date, curve.observations[i - 1].date));
    } else if (curve.growth != GrowthLaw::kLinear && o.value <= 0) {
      observations[i].fail(
          "value", fmt::format("{} is not > 0; {} growth needs positive values", o.value, law));
    } else if (curve.growth == GrowthLaw::kLogistic && o.value >= curve.ceiling) {
      observations[i].fail("value", fmt::format("{} is not below the ceiling {}; a logistic "
                                                "curve stays under its ceiling",
                                                o.value, curve.ceiling));
    }
  }
}

}  // namespace

DemandCurve read_demand_curve(yaml::Reader& reader) {
  DemandCurve curve;
  curve.name = reader.string("name");
  curve.description = reader.string_or("description", "");
  curve.unit = reader.choice_or("unit", {"tokens_per_day", "users"}, "tokens_per_day") == "users"
                   ? CurveUnit::kUsers
                   : CurveUnit::kTokensPerDay;
  const std::string law =
      reader.choice_or("growth", {"linear", "exponential", "logistic"}, "exponential");
  curve.growth = law == "linear"     ? GrowthLaw::kLinear
                 : law == "logistic" ? GrowthLaw::kLogistic
                                     : GrowthLaw::kExponential;
  read_ceiling(reader, curve, law);
  auto observations = reader.list("observations");
  for (auto& o : observations) {
    curve.observations.push_back(read_observation(o));
  }
  if (observations.empty() && reader.has("observations")) {
    reader.fail("observations", "expected at least one observation");
  }
  if (!reader.ok()) {
    return curve;
  }
  // The same checks as validate(), located at the observation that fails them.
  check_observations(observations, curve, law);
  return curve;
}

double DiurnalProfile::peak_to_average() const {
  const double sum = std::accumulate(weights.begin(), weights.end(), 0.0);
  const double peak = *std::max_element(weights.begin(), weights.end());
  return sum > 0 ? peak / (sum / 24.0) : 1.0;
}

int DiurnalProfile::peak_hour() const {
  return static_cast<int>(std::max_element(weights.begin(), weights.end()) - weights.begin());
}

std::optional<DiurnalProfile> read_diurnal_profile(yaml::Reader& reader, std::string_view key) {
  if (!reader.has(key)) {
    return std::nullopt;
  }
  const std::vector<std::string> items = reader.string_list(key);
  if (items.size() != 24) {
    reader.fail(key,
                fmt::format("expected 24 hourly weights (hour 0 to 23), got {}", items.size()));
    return std::nullopt;
  }
  DiurnalProfile profile;
  double sum = 0;
  for (std::size_t h = 0; h < 24; ++h) {
    auto value = parse_quantity(items[h]);
    if (!value || *value < 0) {
      reader.fail(key, fmt::format("hour {}: '{}' is not a weight >= 0", h, items[h]));
      return std::nullopt;
    }
    profile.weights[h] = *value;
    sum += *value;
  }
  if (sum <= 0) {
    reader.fail(key, "every hourly weight is 0; expected some traffic in the day");
    return std::nullopt;
  }
  return profile;
}

double tokens_per_day_from_users(double users, double daily_active_share,
                                 double requests_per_user_per_day, double tokens_per_request) {
  return users * daily_active_share * requests_per_user_per_day * tokens_per_request;
}

}  // namespace fleetplan::scenario
