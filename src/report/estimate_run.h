// One `estimate`, as `fleetplan estimate` and the HTTP API run it: the request by names (the
// flags of `fleetplan estimate`, as JSON fields), checked against the catalog; the estimate
// with its serving engine and its 80 % band; and its JSON (exactly what `fleetplan estimate
// --json` prints) or its text report.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "catalog/catalog.h"
#include "core/result.h"
#include "perf/band.h"
#include "perf/engine.h"
#include "perf/perf.h"

namespace fleetplan::report {

//! The options of `fleetplan estimate`, named as its flags (`--kv-cache` is `kv_cache` in
//! JSON). Defaults are the command's.
struct EstimateOptions {
  std::string model;
  std::string accelerator;
  int count = 1;
  std::string weights = "fp8";
  std::string kv_cache;  //!< empty: the engine's default
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

//! Reads options from a JSON object; errors name the field.
Result<EstimateOptions> parse_estimate_options(const nlohmann::json& json);

//! An estimate with everything its reports print.
struct EstimateRun {
  const catalog::Model* model = nullptr;
  const catalog::Accelerator* accelerator = nullptr;
  int count = 1;
  catalog::Precision weights{};
  catalog::Precision kv_cache{};
  bool kv_cache_given = false;
  int input_len = 0;
  int output_len = 0;
  perf::Engine engine;
  bool engine_given = false;
  perf::ResolvedFactors factors;
  perf::Band band;
  perf::Estimate estimate;
  bool targets_given = false;
};

//! Looks the names up and estimates. Errors name the option's JSON field ("weights: ...",
//! "engine: ...", "input_len ...").
Result<EstimateRun> compute_estimate(const EstimateOptions& options,
                                     const catalog::Catalog& catalog,
                                     const perf::EfficiencyTable& fitted);

//! The JSON of `fleetplan estimate --json`.
nlohmann::ordered_json estimate_json(const EstimateRun& run);

//! The text report of `fleetplan estimate`.
std::string estimate_text(const EstimateRun& run);

//! compute_estimate, then estimate_json.
Result<nlohmann::ordered_json> run_estimate(const EstimateOptions& options,
                                            const catalog::Catalog& catalog,
                                            const perf::EfficiencyTable& fitted);

}  // namespace fleetplan::report
