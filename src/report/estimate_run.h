// One `estimate` as the command line and the HTTP API both run it: the request by names,
// checked against the catalog, the estimate, and its JSON.
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
  std::string kv_precision;  //!< empty: as precision
  int input_len = 1024;
  int output_len = 256;
  std::optional<int> concurrency;
  std::optional<double> ttft_ms;
  std::optional<double> tpot_ms;
  std::optional<int> tp;
  std::optional<int> pp;
  std::optional<int> ep;
  bool attention_dp = false;
};

//! Largest count, lengths and concurrency an estimate accepts (the command's limits).
inline constexpr int kMaxEstimateCount = 1 << 20;
inline constexpr int kMaxEstimateTokens = 1 << 24;

//! Reads options from a JSON object; errors name the field.
Result<EstimateOptions> parse_estimate_options(const nlohmann::json& json);

//! An estimate and what it was asked.
struct EstimateRun {
  EstimateOptions options;
  const catalog::Model* model = nullptr;
  const catalog::Accelerator* accelerator = nullptr;
  catalog::Precision weights = catalog::Precision::kFp8;
  catalog::Precision kv_cache = catalog::Precision::kFp8;
  perf::Estimate estimate;
  perf::Efficiency efficiency;

  //! Exactly `fleetplan estimate --json`.
  [[nodiscard]] nlohmann::ordered_json json() const;
};

//! Looks the names up and estimates. Errors say which field is wrong ("precision: ...").
Result<EstimateRun> run_estimate(const EstimateOptions& options, const catalog::Catalog& catalog,
                                 const perf::EfficiencyTable& efficiency);

}  // namespace fleetplan::report
