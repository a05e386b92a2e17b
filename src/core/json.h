// JSON output with a fixed number of significant digits: every --json output (and the
// server's answers) goes through json::dump, so that the same result prints the same bytes
// on every machine and compiler (the last bits of a double differ between -O levels, FMA and
// libm versions; seven significant digits do not).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace fleetplan::json {

//! Significant digits of every floating-point number in JSON output.
inline constexpr int kSignificantDigits = 7;

//! The double nearest to `value` written with `digits` significant digits (0 for -0; NaN and
//! infinities unchanged).
double round_significant(double value, int digits = kSignificantDigits);

//! Rounds every floating-point number of `j` (at any depth) to `digits` significant digits;
//! integers, strings and booleans are left as they are.
template <typename Json>
void round_numbers(Json& j, int digits = kSignificantDigits) {
  if (j.is_number_float()) {
    j = round_significant(j.template get<double>(), digits);
  } else if (j.is_structured()) {
    for (auto& item : j) {
      round_numbers(item, digits);
    }
  }
}

//! `j` indented by two spaces, numbers rounded to kSignificantDigits, with a final newline.
//! Text is checked to be UTF-8 where it is read (core/utf8.h); a byte that still is not (a
//! name typed on the command line) prints as U+FFFD instead of throwing (issue 8 B6).
template <typename Json>
std::string dump(Json j) {
  round_numbers(j);
  return j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace fleetplan::json
