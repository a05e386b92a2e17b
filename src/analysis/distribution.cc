#include "analysis/distribution.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <numbers>

#include <fmt/format.h>

#include "scenario/scenario.h"

namespace fleetplan::analysis {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
    s.remove_prefix(1);
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
    s.remove_suffix(1);
  }
  return s;
}

// Splits on `separator` outside parentheses.
std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '(') {
      ++depth;
    } else if (text[i] == ')') {
      --depth;
    } else if (text[i] == separator && depth == 0) {
      parts.push_back(trim(text.substr(start, i - start)));
      start = i + 1;
    }
  }
  parts.push_back(trim(text.substr(start)));
  return parts;
}

bool is_boolean(std::string_view text) { return text == "true" || text == "false"; }

std::uint64_t splitmix64(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31U);
}

struct KindName {
  DistributionKind kind;
  std::string_view name;
  std::size_t arguments;  // 0: any number (choice)
  std::string_view signature;
};
constexpr std::array<KindName, 6> kKinds = {{
    {DistributionKind::kNormal, "normal", 2, "normal(mean,sd)"},
    {DistributionKind::kLognormal, "lognormal", 2, "lognormal(median,sigma)"},
    {DistributionKind::kUniform, "uniform", 2, "uniform(lo,hi)"},
    {DistributionKind::kTriangular, "triangular", 3, "triangular(lo,mode,hi)"},
    {DistributionKind::kChoice, "choice", 0, "choice(a:p,b:q,...)"},
    {DistributionKind::kBernoulli, "bernoulli", 1, "bernoulli(p)"},
}};

std::string known_kinds() {
  std::vector<std::string_view> names;
  names.reserve(kKinds.size());
  for (const auto& k : kKinds) {
    names.push_back(k.signature);
  }
  return fmt::format("{}", fmt::join(names, ", "));
}

// The numeric arguments of a distribution; all that carry a unit must carry the same one.
// `unitless` lists argument positions that never carry one (lognormal's sigma).
Status parse_arguments(const std::vector<std::string_view>& parts, std::string_view text,
                       Distribution& out, const std::vector<std::size_t>& unitless) {
  for (std::size_t i = 0; i < parts.size(); ++i) {
    auto q = parse_quantity(parts[i]);
    if (!q.ok()) {
      return input_error(fmt::format("'{}': argument {} '{}' is not a number (with a unit)", text,
                                     i + 1, parts[i]));
    }
    const bool no_unit = std::find(unitless.begin(), unitless.end(), i) != unitless.end();
    if (no_unit && !q->unit.empty()) {
      return input_error(
          fmt::format("'{}': argument {} '{}' takes no unit", text, i + 1, parts[i]));
    }
    if (!q->unit.empty()) {
      if (!out.unit.empty() && out.unit != q->unit) {
        return input_error(
            fmt::format("'{}': arguments in '{}' and '{}'; use one unit", text, out.unit, q->unit));
      }
      out.unit = q->unit;
    }
    out.arguments.push_back(q->number);
  }
  return {};
}

Status check_numeric(Distribution& d) {
  const auto& a = d.arguments;
  const std::string_view text = d.text;
  switch (d.kind) {
    case DistributionKind::kNormal:
      if (!(a[1] > 0)) {
        return input_error(fmt::format("'{}': sd must be > 0", text));
      }
      break;
    case DistributionKind::kLognormal:
      if (!(a[0] > 0) || !(a[1] > 0)) {
        return input_error(fmt::format("'{}': median and sigma must be > 0", text));
      }
      break;
    case DistributionKind::kUniform:
      if (!(a[0] < a[1])) {
        return input_error(fmt::format("'{}': expected lo < hi", text));
      }
      break;
    case DistributionKind::kTriangular:
      if (!(a[0] <= a[1] && a[1] <= a[2] && a[0] < a[2])) {
        return input_error(fmt::format("'{}': expected lo <= mode <= hi and lo < hi", text));
      }
      break;
    case DistributionKind::kBernoulli:
      if (!(a[0] >= 0 && a[0] <= 1)) {
        return input_error(fmt::format("'{}': p must be in [0, 1]", text));
      }
      break;
    case DistributionKind::kChoice:
      break;
  }
  return {};
}

Status parse_choices(const std::vector<std::string_view>& parts, Distribution& out) {
  double total = 0;
  for (const auto part : parts) {
    const auto colon = part.rfind(':');
    if (colon == std::string_view::npos) {
      return input_error(
          fmt::format("'{}': choice '{}' has no probability; expected value:p", out.text, part));
    }
    const std::string_view value = trim(part.substr(0, colon));
    const std::string_view p_text = trim(part.substr(colon + 1));
    double p = 0;
    auto [ptr, ec] = std::from_chars(p_text.data(), p_text.data() + p_text.size(), p);
    if (ec != std::errc{} || ptr != p_text.data() + p_text.size() || !(p >= 0 && p <= 1) ||
        value.empty()) {
      return input_error(fmt::format(
          "'{}': choice '{}': expected value:p with p a probability in [0, 1]", out.text, part));
    }
    out.choices.emplace_back(value);
    out.probabilities.push_back(p);
    total += p;
  }
  if (std::abs(total - 1) > 1e-9) {
    return input_error(
        fmt::format("'{}': the probabilities add up to {}, expected 1", out.text, total));
  }
  return {};
}

}  // namespace

Result<Quantity> parse_quantity(std::string_view text) {
  text = trim(text);
  Quantity q;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), q.number);
  if (ec != std::errc{} || ptr == text.data() || !std::isfinite(q.number)) {
    return input_error(fmt::format("'{}' is not a number", text));
  }
  const std::string_view digits(text.data(), static_cast<std::size_t>(ptr - text.data()));
  q.integer = std::all_of(digits.begin(), digits.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '+';
  });
  q.unit = std::string(
      trim(std::string_view(ptr, static_cast<std::size_t>(text.data() + text.size() - ptr))));
  return q;
}

std::string format_quantity(double number, std::string_view unit, bool integer) {
  std::string digits =
      integer ? fmt::format("{:.0f}", std::round(number)) : fmt::format("{:.9g}", number);
  if (digits == "-0") {
    digits = "0";
  }
  return unit.empty() ? digits : fmt::format("{} {}", digits, unit);
}

ValueShape shape_of(const std::optional<std::string>& base) {
  ValueShape shape;
  if (!base) {
    return shape;
  }
  shape.base = *base;
  if (scenario::parse_date(*base).ok()) {
    shape.date = true;
    return shape;
  }
  if (auto q = parse_quantity(*base); q.ok()) {
    shape.integer = q->integer;
    shape.unit = q->unit;
  }
  return shape;
}

Result<std::vector<std::string>> parse_values(std::string_view text) {
  text = trim(text);
  if (text.empty()) {
    return input_error("no value; expected a value, a list 'a,b,c' or a range 'a:b:n'");
  }
  const auto range = split(text, ':');
  if (range.size() == 3) {
    long long n = 0;
    auto [ptr, ec] = std::from_chars(range[2].data(), range[2].data() + range[2].size(), n);
    if (ec != std::errc{} || ptr != range[2].data() + range[2].size() || n < 2 || n > 1000) {
      return input_error(fmt::format("'{}': range a:b:n needs a count n from 2 to 1000, got '{}'",
                                     text, range[2]));
    }
    std::vector<std::string> values;
    auto from_date = scenario::parse_date(range[0]);
    auto to_date = scenario::parse_date(range[1]);
    if (from_date.ok() && to_date.ok()) {
      const auto first = from_date->days_since_epoch();
      const auto span = to_date->days_since_epoch() - first;
      for (long long k = 0; k < n; ++k) {
        const auto days = static_cast<long long>(std::llround(
            static_cast<double>(span) * static_cast<double>(k) / static_cast<double>(n - 1)));
        values.push_back(scenario::add_days(*from_date, days).to_string());
      }
      return values;
    }
    auto a = parse_quantity(range[0]);
    auto b = parse_quantity(range[1]);
    if (!a.ok() || !b.ok()) {
      return input_error(
          fmt::format("'{}': range ends must be numbers (with the same unit) or dates", text));
    }
    if (a->unit != b->unit) {
      return input_error(
          fmt::format("'{}': range ends in '{}' and '{}'; use one unit", text, a->unit, b->unit));
    }
    for (long long k = 0; k < n; ++k) {
      const double t = static_cast<double>(k) / static_cast<double>(n - 1);
      const double value = k == n - 1 ? b->number : a->number + (b->number - a->number) * t;
      values.push_back(format_quantity(value, a->unit, false));
    }
    return values;
  }
  if (range.size() != 1) {
    return input_error(fmt::format("'{}': expected a range a:b:n (two colons)", text));
  }
  std::vector<std::string> values;
  for (const auto part : split(text, ',')) {
    if (part.empty()) {
      return input_error(fmt::format("'{}': empty value in the list", text));
    }
    values.emplace_back(part);
  }
  return values;
}

Result<Distribution> parse_distribution(std::string_view text) {
  text = trim(text);
  Distribution d;
  d.text = std::string(text);
  const auto open = text.find('(');
  if (open == std::string_view::npos || text.back() != ')') {
    return input_error(
        fmt::format("'{}' is not a distribution; expected one of {}", text, known_kinds()));
  }
  const std::string_view name = trim(text.substr(0, open));
  const auto* kind =
      std::find_if(kKinds.begin(), kKinds.end(), [&](const KindName& k) { return k.name == name; });
  if (kind == kKinds.end()) {
    return input_error(fmt::format("'{}': unknown distribution '{}'; expected one of {}", text,
                                   name, known_kinds()));
  }
  d.kind = kind->kind;
  const auto parts = split(text.substr(open + 1, text.size() - open - 2), ',');
  if (kind->arguments != 0 && parts.size() != kind->arguments) {
    return input_error(fmt::format("'{}': expected {} ({} arguments), got {}", text,
                                   kind->signature, kind->arguments, parts.size()));
  }
  if (d.kind == DistributionKind::kChoice) {
    FLEETPLAN_RETURN_IF_ERROR(parse_choices(parts, d));
    return d;
  }
  std::vector<std::size_t> unitless;
  if (d.kind == DistributionKind::kLognormal) {
    unitless = {1};
  } else if (d.kind == DistributionKind::kBernoulli) {
    unitless = {0};
  }
  FLEETPLAN_RETURN_IF_ERROR(parse_arguments(parts, text, d, unitless));
  FLEETPLAN_RETURN_IF_ERROR(check_numeric(d));
  return d;
}

double Distribution::quantile(double u) const {
  const auto& a = arguments;
  switch (kind) {
    case DistributionKind::kNormal:
      return a[0] + a[1] * normal_quantile(u);
    case DistributionKind::kLognormal:
      return a[0] * std::exp(a[1] * normal_quantile(u));
    case DistributionKind::kUniform:
      return a[0] + (a[1] - a[0]) * u;
    case DistributionKind::kTriangular: {
      const double lo = a[0];
      const double mode = a[1];
      const double hi = a[2];
      const double f_mode = (mode - lo) / (hi - lo);
      if (u < f_mode) {
        return lo + std::sqrt(u * (hi - lo) * (mode - lo));
      }
      return hi - std::sqrt((1 - u) * (hi - lo) * (hi - mode));
    }
    case DistributionKind::kBernoulli:
      return u < a[0] ? 1.0 : 0.0;
    case DistributionKind::kChoice:
      break;
  }
  return 0;
}

std::string Distribution::value_at(double u, const ValueShape& shape) const {
  if (kind == DistributionKind::kChoice) {
    double cumulative = 0;
    for (std::size_t i = 0; i < choices.size(); ++i) {
      cumulative += probabilities[i];
      if (u < cumulative) {
        return choices[i];
      }
    }
    return choices.back();
  }
  if (kind == DistributionKind::kBernoulli) {
    return u < arguments[0] ? "true" : "false";
  }
  const double x = quantile(u);
  if (shape.date) {
    auto base = scenario::parse_date(shape.base);
    return scenario::add_days(*base, std::llround(x)).to_string();
  }
  return format_quantity(x, unit.empty() ? shape.unit : unit, shape.integer);
}

Status Distribution::check_against(const ValueShape& shape, std::string_view path) const {
  if (!numeric()) {
    if (kind == DistributionKind::kBernoulli && !shape.base.empty() && !is_boolean(shape.base)) {
      return input_error(fmt::format("{}: bernoulli(p) gives true/false, but the file has '{}'",
                                     path, shape.base));
    }
    return {};
  }
  if (shape.date) {
    if (!unit.empty()) {
      return input_error(
          fmt::format("{}: '{}': a date field takes a distribution of days added to {} (no unit)",
                      path, text, shape.base));
    }
    return {};
  }
  if (!shape.base.empty() && !parse_quantity(shape.base).ok()) {
    return input_error(
        fmt::format("{}: '{}' is a number, but the file has '{}' there", path, text, shape.base));
  }
  if (unit.empty() && !shape.unit.empty()) {
    return input_error(
        fmt::format("{}: '{}' has no unit but the file writes '{}'; write the "
                    "values with their unit, e.g. '{}'",
                    path, text, shape.base, shape.base));
  }
  return {};
}

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); }

double normal_quantile(double p) {
  // Acklam (2003), "An algorithm for computing the inverse normal cumulative distribution
  // function": relative error 1.15e-9, refined below by one step of Halley's method.
  constexpr std::array<double, 6> kA = {-3.969683028665376e+01, 2.209460984245205e+02,
                                        -2.759285104469687e+02, 1.383577518672690e+02,
                                        -3.066479806614716e+01, 2.506628277459239e+00};
  constexpr std::array<double, 5> kB = {-5.447609879822406e+01, 1.615858368580409e+02,
                                        -1.556989798598866e+02, 6.680131188771972e+01,
                                        -1.328068155288572e+01};
  constexpr std::array<double, 6> kC = {-7.784894002430293e-03, -3.223964580411365e-01,
                                        -2.400758277161838e+00, -2.549732539343734e+00,
                                        4.374664141464968e+00,  2.938163982698783e+00};
  constexpr std::array<double, 4> kD = {7.784695709041462e-03, 3.224671290700398e-01,
                                        2.445134137142996e+00, 3.754408661907416e+00};
  constexpr double kLow = 0.02425;
  if (p <= 0) {
    return -std::numeric_limits<double>::infinity();
  }
  if (p >= 1) {
    return std::numeric_limits<double>::infinity();
  }
  double x = 0;
  if (p < kLow || p > 1 - kLow) {
    const double q = std::sqrt(-2 * std::log(p < kLow ? p : 1 - p));
    x = (((((kC[0] * q + kC[1]) * q + kC[2]) * q + kC[3]) * q + kC[4]) * q + kC[5]) /
        ((((kD[0] * q + kD[1]) * q + kD[2]) * q + kD[3]) * q + 1);
    if (p > 1 - kLow) {
      x = -x;
    }
  } else {
    const double q = p - 0.5;
    const double r = q * q;
    x = (((((kA[0] * r + kA[1]) * r + kA[2]) * r + kA[3]) * r + kA[4]) * r + kA[5]) * q /
        (((((kB[0] * r + kB[1]) * r + kB[2]) * r + kB[3]) * r + kB[4]) * r + 1);
  }
  const double e = normal_cdf(x) - p;
  const double u = e * std::sqrt(2 * std::numbers::pi) * std::exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

double sample_uniform(std::uint64_t seed, std::uint64_t sample, std::uint64_t parameter) {
  const std::uint64_t bits = splitmix64(splitmix64(splitmix64(seed) ^ sample) ^ parameter);
  // 53 random bits, centred in their interval: never 0 or 1.
  return (static_cast<double>(bits >> 11U) + 0.5) * 0x1.0p-53;
}

double normal_correlation_for_rank(double rank_correlation) {
  return 2 * std::sin(std::numbers::pi * rank_correlation / 6);
}

}  // namespace fleetplan::analysis
