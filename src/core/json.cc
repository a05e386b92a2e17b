#include "core/json.h"

#include <charconv>
#include <cmath>
#include <system_error>

#include <fmt/format.h>

namespace fleetplan::json {

double round_significant(double value, int digits) {
  if (!std::isfinite(value)) {
    return value;
  }
  if (value == 0) {
    return 0.0;  // and -0 prints as 0
  }
  // fmt and from_chars are locale-independent, so is the result.
  const std::string text = fmt::format("{:.{}e}", value, digits - 1);
  double rounded = value;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), rounded);
  (void)end;
  return error == std::errc() ? rounded : value;
}

}  // namespace fleetplan::json
