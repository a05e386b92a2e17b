#include "core/units.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <string>

#include <fmt/format.h>

namespace fleetplan::units {
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

// Splits "160 bn CNY" into the number 160 and the rest "bn CNY".
// from_chars also reads "nan", "inf" and "infinity", and saturates 1e999: none is a quantity.
bool split_number(std::string_view text, double& number, std::string_view& rest) {
  text = trim(text);
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(begin, end, number);
  if (ec != std::errc{} || ptr == begin || !std::isfinite(number)) {
    return false;
  }
  rest = trim(std::string_view(ptr, static_cast<size_t>(end - ptr)));
  return true;
}

}  // namespace

Result<Money> parse_money(std::string_view text) {
  double number = 0;
  std::string_view rest;
  if (!split_number(text, number, rest)) {
    return input_error(
        fmt::format("'{}' is not a money amount; expected a finite number, a scale and a currency, "
                    "e.g. '160 bn CNY' or '450 M USD'",
                    text));
  }
  double multiplier = 1;
  const auto space = rest.find(' ');
  std::string_view unit = rest;
  if (space != std::string_view::npos) {
    const std::string_view scale = rest.substr(0, space);
    unit = trim(rest.substr(space + 1));
    if (scale == "k" || scale == "K") {
      multiplier = 1e3;
    } else if (scale == "M" || scale == "m" || scale == "mn") {
      multiplier = 1e6;
    } else if (scale == "bn" || scale == "B" || scale == "billion") {
      multiplier = 1e9;
    } else if (scale == "T" || scale == "trillion") {
      multiplier = 1e12;
    } else {
      return input_error(fmt::format(
          "'{}': unknown scale '{}'; expected k, M, bn or T before the currency", text, scale));
    }
  }
  if (unit.size() != 3 || !std::isupper(static_cast<unsigned char>(unit[0])) ||
      !std::isupper(static_cast<unsigned char>(unit[1])) ||
      !std::isupper(static_cast<unsigned char>(unit[2]))) {
    return input_error(fmt::format(
        "'{}': currency '{}' is not a three-letter ISO code such as USD or CNY", text, unit));
  }
  const double amount = number * multiplier;
  if (!(std::fabs(amount) <= kMaxMoney)) {
    return input_error(fmt::format("'{}' is out of range; expected an amount of at most {:g} {}",
                                   text, kMaxMoney, unit));
  }
  return Money{amount, std::string(unit), 0};
}

Result<Watts> parse_power(std::string_view text) {
  double number = 0;
  std::string_view rest;
  if (!split_number(text, number, rest)) {
    return input_error(fmt::format(
        "'{}' is not a power; expected a finite number and a unit, e.g. '120 MW'", text));
  }
  double scale = 0;
  if (rest == "W") {
    scale = 1;
  } else if (rest == "kW") {
    scale = 1e3;
  } else if (rest == "MW") {
    scale = 1e6;
  } else if (rest == "GW") {
    scale = 1e9;
  } else {
    return input_error(
        fmt::format("'{}': unknown power unit '{}'; expected W, kW, MW or GW", text, rest));
  }
  const double watts = number * scale;
  if (!(watts >= 0 && watts <= kMaxWatts)) {
    return input_error(fmt::format("'{}' is out of range; expected a power from 0 to {:g} GW", text,
                                   kMaxWatts / 1e9));
  }
  return Watts{watts};
}

}  // namespace fleetplan::units
