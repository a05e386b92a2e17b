// One `estimate` as the HTTP API runs it: the request by names (the flags of `fleetplan
// estimate` as JSON fields), checked against the catalog, the estimate with its serving
// engine and its 80 % band, and exactly the JSON `fleetplan estimate --json` prints.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "catalog/catalog.h"
#include "core/result.h"
#include "perf/perf.h"

namespace fleetplan::report {

//! The options of `fleetplan estimate`, named as its flags (`--kv-precision` is
//! `kv_precision` in JSON). Defaults are the command's.
struct EstimateOptions {
  std::string model;
  std::string accelerator;
  int count = 1;
  std::string precision = "fp8";
  std::string kv_precision;  //!< empty: the engine's default
  int input_len = 1024;
  int output_len = 256;
  std::optional<int> concurrency;
  std::optional<double> ttft_ms;
  std::optional<double> tpot_ms;
  std::optional<int> tp;
  std::optional<int> pp;
  std::optional<int> ep;
  bool attention_dp = false;
  std::string engine;  //!< empty: the family's default engine
};

//! Largest count, lengths and concurrency an estimate accepts (the command's limits).
inline constexpr int kMaxEstimateCount = 1 << 20;
inline constexpr int kMaxEstimateTokens = 1 << 24;

//! Reads options from a JSON object; errors name the field.
Result<EstimateOptions> parse_estimate_options(const nlohmann::json& json);

//! Looks the names up and estimates; the JSON of `fleetplan estimate --json`. Errors name
//! the field ("precision: ...", "engine: ...").
Result<nlohmann::ordered_json> run_estimate(const EstimateOptions& options,
                                            const catalog::Catalog& catalog,
                                            const perf::EfficiencyTable& fitted);

}  // namespace fleetplan::report
