// Parameters by path: any scalar of a scenario file, addressed in the file's own terms
// with list items selected by name (`procurement[H200-SXM,buy].unit_price`,
// `periods[2026].exchange_rates.CNY`, `rules[h200-licence-batch-2026].effective`), plus
// `perf.error`, a multiplier on every capacity of the performance model. A variant of the
// scenario is its YAML document with values written in, parsed and validated by the
// scenario layer like any file, so every sample gets the same checks and errors.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "catalog/catalog.h"
#include "core/result.h"
#include "scenario/scenario.h"

namespace fleetplan::analysis {

//! One step of a path: a field, and for a list the names that select one item.
struct PathStep {
  std::string field;                  //!< "procurement"
  std::vector<std::string> selector;  //!< {"H200-SXM", "buy"}; empty: not a list
};

//! A parsed parameter path.
struct ParameterPath {
  std::string text;  //!< as written
  std::vector<PathStep> steps;
  //! `perf.error`: not a field of the file but a multiplier on every capacity.
  [[nodiscard]] bool perf_error() const;
};

//! The path of the performance model's error multiplier.
inline constexpr std::string_view kPerfErrorPath = "perf.error";

//! Parses "a.b[x,y].c"; the error says what was expected.
Result<ParameterPath> parse_path(std::string_view text);

//! The fields that name the items of a list, in the order a selector gives them:
//! procurement [accelerator, mode], installed [accelerator, site], demand [service],
//! supply [period]; every other list [name]. A single name also matches an item's `name`.
std::vector<std::string> item_keys(std::string_view list_field);

//! A value for one parameter.
struct Assignment {
  const ParameterPath* path = nullptr;
  std::string value;  //!< as the file would write it ("25000 USD")
};

//! A scenario file's YAML document, from which variants are made.
class ScenarioDocument {
 public:
  //! Reads a built-in scenario by name, or a file.
  static Result<ScenarioDocument> load(std::string_view name_or_path);
  //! From YAML text; `name` stands for the file in messages.
  static Result<ScenarioDocument> from_text(std::string text, std::string name);

  [[nodiscard]] const std::string& name() const { return name_; }
  //! The value at `path` as the file writes it; nullopt when the field is absent (it may be
  //! set: the scenario layer then says whether the field exists). Errors name the path and
  //! what was found there (no such item: the items there; a list or mapping, not a value).
  [[nodiscard]] Result<std::optional<std::string>> value_at(const ParameterPath& path) const;
  //! The scenario with `assignments` written in (perf.error is skipped: it is no field),
  //! parsed and validated by the scenario layer against `catalog`.
  [[nodiscard]] Result<scenario::Scenario> scenario_with(const std::vector<Assignment>& assignments,
                                                         const catalog::Catalog& catalog) const;

 private:
  std::string text_;
  std::string name_;
  YAML::Node root_;
};

}  // namespace fleetplan::analysis
