// Two plans side by side: fleet, spend, demand served, rule costs, and the inputs that
// differ (scenario fields and plan options). What /api/plans/{a}/diff/{b} answers.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace fleetplan::report {

//! One side of a comparison: a stored plan's `plan --json`, its scenario text and options.
struct PlanSide {
  long long id = 0;
  nlohmann::json plan;        //!< `fleetplan plan --json`
  std::string scenario_text;  //!< the YAML it was planned from
  nlohmann::json options;     //!< report::plan_options_json
};

//! b against a: every figure as {a, b, delta = b - a}, null where a plan has no such line
//! (a fleet line one plan lacks counts as 0 accelerators).
//! Rows: periods by name; fleet by (period, accelerator, site, mode); served by (period,
//! service); rules by name; inputs.scenario: YAML fields whose values differ, by path
//! (`periods[0].budget`); inputs.options: options whose values differ.
nlohmann::ordered_json plan_diff(const PlanSide& a, const PlanSide& b);

//! The scalar fields of a YAML text by path, for comparing inputs. Not YAML: one entry
//! "(text)" holding the whole text.
std::vector<std::pair<std::string, std::string>> yaml_fields(const std::string& text);

}  // namespace fleetplan::report
