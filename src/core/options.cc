#include "core/options.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <stdexcept>

#include <fmt/format.h>

namespace fleetplan::options {
namespace {

std::string number_text(double value) { return fmt::format("{:g}", value); }

bool bounded_below(const Spec& spec) { return spec.min > -std::numeric_limits<double>::max(); }
bool bounded_above(const Spec& spec) { return spec.max < std::numeric_limits<double>::max(); }

std::string default_text(const Spec& spec) {
  switch (spec.kind) {
    case Kind::kNumber:
    case Kind::kInteger:
      return number_text(spec.default_number);
    case Kind::kSwitch:
      return spec.default_number != 0 ? "on" : "off";
    case Kind::kChoice:
    case Kind::kText:
      return spec.default_text;
  }
  return {};
}

}  // namespace

Spec number_option(std::string name, double fallback, double min, double max, std::string doc,
                   unsigned scopes) {
  Spec spec;
  spec.name = std::move(name);
  spec.kind = Kind::kNumber;
  spec.default_number = fallback;
  spec.min = min;
  spec.max = max;
  spec.doc = std::move(doc);
  spec.scopes = scopes;
  return spec;
}

Spec integer_option(std::string name, long long fallback, long long min, long long max,
                    std::string doc, unsigned scopes) {
  Spec spec =
      number_option(std::move(name), static_cast<double>(fallback), static_cast<double>(min),
                    static_cast<double>(max), std::move(doc), scopes);
  spec.kind = Kind::kInteger;
  return spec;
}

Spec choice_option(std::string name, std::string fallback, std::vector<std::string> choices,
                   std::string doc, unsigned scopes) {
  Spec spec;
  spec.name = std::move(name);
  spec.kind = Kind::kChoice;
  spec.default_text = std::move(fallback);
  spec.choices = std::move(choices);
  spec.doc = std::move(doc);
  spec.scopes = scopes;
  return spec;
}

Spec text_option(std::string name, std::string fallback, std::string doc, unsigned scopes) {
  Spec spec;
  spec.name = std::move(name);
  spec.kind = Kind::kText;
  spec.default_text = std::move(fallback);
  spec.doc = std::move(doc);
  spec.scopes = scopes;
  return spec;
}

Spec switch_option(std::string name, bool fallback, std::string doc, unsigned scopes) {
  Spec spec;
  spec.name = std::move(name);
  spec.kind = Kind::kSwitch;
  spec.default_number = fallback ? 1 : 0;
  spec.doc = std::move(doc);
  spec.scopes = scopes;
  return spec;
}

std::string flag(const Spec& spec) {
  std::string out = "--" + spec.name;
  for (char& c : out) {
    if (c == '_') {
      c = '-';
    }
  }
  return out;
}

std::string expected(const Spec& spec) {
  if (spec.kind == Kind::kChoice) {
    return "one of " + fmt::format("{}", fmt::join(spec.choices, ", "));
  }
  if (spec.kind == Kind::kText || spec.kind == Kind::kSwitch) {
    return spec.kind == Kind::kText ? "text" : "on or off";
  }
  const char* what = spec.kind == Kind::kInteger ? "an integer" : "a number";
  if (bounded_below(spec) && bounded_above(spec)) {
    return fmt::format("{} from {} to {}", what, number_text(spec.min), number_text(spec.max));
  }
  if (bounded_below(spec)) {
    return fmt::format("{} >= {}", what, number_text(spec.min));
  }
  if (bounded_above(spec)) {
    return fmt::format("{} <= {}", what, number_text(spec.max));
  }
  return what;
}

std::string describe(const Spec& spec) {
  const std::string value = default_text(spec);
  if (spec.kind == Kind::kSwitch || spec.kind == Kind::kText) {
    return value.empty() ? spec.doc : fmt::format("{} (default {})", spec.doc, value);
  }
  return fmt::format("{} (default {}; {})", spec.doc, value.empty() ? "none" : value,
                     expected(spec));
}

std::string describe_override(const Spec& spec) {
  return fmt::format("{} (default: the scenario's settings.{}, else {}; {})", spec.doc, spec.name,
                     default_text(spec), expected(spec));
}

Result<double> parse_number(const Spec& spec, std::string_view text, std::string_view where) {
  const std::string copy(text);
  const char* begin = copy.c_str();
  char* end = nullptr;
  errno = 0;
  const double value = copy.empty() ? 0.0 : std::strtod(begin, &end);
  const bool whole = !copy.empty() && end != nullptr && *end == '\0';
  if (!whole || errno == ERANGE || !std::isfinite(value)) {
    return input_error(
        fmt::format("{}: '{}' is not a finite number; expected {}", where, text, expected(spec)));
  }
  if (spec.kind == Kind::kInteger && std::floor(value) != value) {
    return input_error(
        fmt::format("{}: '{}' is not an integer; expected {}", where, text, expected(spec)));
  }
  if (value < spec.min || value > spec.max) {
    return input_error(
        fmt::format("{}: {} is out of range; expected {}", where, text, expected(spec)));
  }
  return value;
}

Result<std::string> parse_choice(const Spec& spec, std::string_view text, std::string_view where) {
  for (const auto& choice : spec.choices) {
    if (choice == text) {
      return choice;
    }
  }
  return input_error(
      fmt::format("{}: '{}' is not allowed; expected {}", where, text, expected(spec)));
}

Registry::Registry(std::vector<Spec> specs) : specs_(std::move(specs)) {}

const Spec* Registry::find(std::string_view name) const {
  for (const auto& spec : specs_) {
    if (spec.name == name) {
      return &spec;
    }
  }
  return nullptr;
}

const Spec& Registry::at(std::string_view name) const {
  if (const Spec* spec = find(name)) {
    return *spec;
  }
  throw std::logic_error(fmt::format("no option named '{}' in the registry", name));
}

}  // namespace fleetplan::options
