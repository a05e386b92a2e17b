// The options registry: one table of every tunable setting (name, type, default, range,
// doc) that the CLI flags, the scenario file's `settings:`, `--help` and the HTTP API read,
// so a default or a range is written once.
#pragma once

#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace fleetplan::options {

//! What values an option takes.
enum class Kind { kNumber, kInteger, kChoice, kText, kSwitch };

//! Where an option may be given (bit flags).
enum Scope : unsigned {
  kCommandLine = 1U << 0U,  //!< a flag `--name-with-dashes`
  kScenario = 1U << 1U,     //!< a field `settings.name` of a scenario file
  kApi = 1U << 2U,          //!< a field `options.name` of an API request
};

//! One option. `name` is the snake_case field name of scenario files and JSON; the flag
//! is the same name with dashes.
struct Spec {
  std::string name;
  Kind kind = Kind::kNumber;
  double default_number = 0;  //!< kNumber, kInteger, kSwitch (0 or 1)
  std::string default_text;   //!< kChoice, kText
  double min = -std::numeric_limits<double>::max();
  double max = std::numeric_limits<double>::max();
  std::vector<std::string> choices;  //!< kChoice
  std::string doc;
  unsigned scopes = kCommandLine | kScenario | kApi;
};

//! Options of each kind (scopes: where they may be given).
Spec number_option(std::string name, double fallback, double min, double max, std::string doc,
                   unsigned scopes);
Spec integer_option(std::string name, long long fallback, long long min, long long max,
                    std::string doc, unsigned scopes);
Spec choice_option(std::string name, std::string fallback, std::vector<std::string> choices,
                   std::string doc, unsigned scopes);
Spec text_option(std::string name, std::string fallback, std::string doc, unsigned scopes);
Spec switch_option(std::string name, bool fallback, std::string doc, unsigned scopes);

//! "--planning-utilization" for "planning_utilization".
std::string flag(const Spec& spec);

//! The doc with its default and range, for `--help` and the README:
//! "share of goodput ... (default 1, 0.05 to 1)".
std::string describe(const Spec& spec);

//! The same for a flag that overrides the scenario's `settings.<name>`:
//! "relative gap ... (default: the scenario's settings.gap, else 0.001; 0 to 1)".
std::string describe_override(const Spec& spec);

//! The range as text: "0.05 to 1", ">= 0", "one of min-cost, max-served".
std::string expected(const Spec& spec);

//! Parses a value written as text (a flag's argument): finite, in range, an integer when
//! the option is one, one of the choices. The message names `where` (a flag or a field
//! path), the value and what was expected.
Result<double> parse_number(const Spec& spec, std::string_view text, std::string_view where);
Result<std::string> parse_choice(const Spec& spec, std::string_view text, std::string_view where);

//! A table of options, in the order they were added.
class Registry {
 public:
  explicit Registry(std::vector<Spec> specs);
  //! The option of that name; an internal error when absent (a programming error).
  [[nodiscard]] const Spec& at(std::string_view name) const;
  [[nodiscard]] const Spec* find(std::string_view name) const;
  [[nodiscard]] const std::vector<Spec>& all() const { return specs_; }

 private:
  std::vector<Spec> specs_;
};

}  // namespace fleetplan::options
