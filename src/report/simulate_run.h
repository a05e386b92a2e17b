// `simulate` as the HTTP API runs it: a simulation scenario given as YAML text, or the
// command line's quick flags as JSON fields, with the command's overrides (requests,
// duration, seed) and limits a shared server needs.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "catalog/catalog.h"
#include "core/result.h"
#include "perf/perf.h"
#include "sim/sim_scenario.h"

namespace fleetplan::report {

//! The options of `fleetplan simulate`, named as its flags (`--input-len` is `input_len`,
//! `--duration` is `duration`).
struct SimulateOptions {
  std::string scenario_text;  //!< YAML of a simulation scenario; empty: the quick fields
  sim::QuickSpec quick;
  std::optional<double> ttft_ms;
  std::optional<double> tpot_ms;
  std::optional<long long> requests;
  std::optional<double> duration_s;
  std::optional<std::uint64_t> seed;
  bool step_by_step = false;
};

//! What one request may ask of a shared server.
struct SimulateLimits {
  long long max_requests = 200'000;
  double max_duration_s = 3'600;
};

//! Reads options from a JSON object; errors name the field. `catalog`, and `trace` or `file`
//! entries inside the scenario (paths on the server), are refused.
Result<SimulateOptions> parse_simulate_options(const nlohmann::json& json,
                                               const SimulateLimits& limits);

//! The scenario the options describe (`name` stands for the text in messages), with the
//! overrides applied and the limits checked.
Result<sim::SimScenario> simulate_scenario(const SimulateOptions& options,
                                           const catalog::Catalog& catalog,
                                           const perf::EfficiencyTable& efficiency,
                                           const SimulateLimits& limits,
                                           const std::string& name = "request");

}  // namespace fleetplan::report
