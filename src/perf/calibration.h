// Calibration of the efficiency factors against published measurements, and the accuracy
// report (predicted vs measured, per row and overall).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "core/result.h"
#include "perf/perf.h"

namespace fleetplan::perf {

class EngineTable;

//! One published measurement (a row of measurements-calibration.csv).
struct Measurement {
  int line = 0;
  std::string id;
  std::string source;
  std::string accelerator;
  std::string model;
  std::string precision;  //!< normalised: bf16, fp16, fp8, fp4, int8, int4 or ""
  std::string scenario;   //!< offline, online, Offline, Server, Interactive
  std::string framework;
  std::string engine;  //!< trtllm, vllm, sglang, chitu, jetstream (from the framework column)
  std::string notes;
  int count = 0;
  std::optional<int> input_len;
  std::optional<int> output_len;
  std::optional<int> concurrency;
  std::optional<double> output_tokens_per_s;
  std::optional<double> total_tokens_per_s;
  std::optional<double> ttft_ms;
  std::optional<double> tpot_ms;
  //! p99 latency limits the figure was measured under (MLPerf Server, Interactive), from the
  //! notes ("constraints TTFT<=2000.0 ms TPOT<=200.0 ms") or the benchmark's dataset table.
  std::optional<double> ttft_limit_ms;
  std::optional<double> tpot_limit_ms;
  //! Non-empty when the lengths were not published with the row but taken from the mean
  //! lengths of the benchmark's dataset (fill_dataset_lengths): says which.
  std::string lengths_from;
};

//! The token lengths of a benchmark's dataset (a row of data/reference/mlperf-datasets.csv).
struct DatasetLengths {
  std::string model;      //!< the catalog's model name
  std::string benchmark;  //!< e.g. "llama2-70b-99"
  std::string dataset;
  int samples = 0;
  double input_mean = 0;
  double output_mean = 0;                //!< 0: not known (the row stays unscored)
  std::optional<double> server_ttft_ms;  //!< the benchmark's p99 limits
  std::optional<double> server_tpot_ms;
  std::optional<double> interactive_ttft_ms;
  std::optional<double> interactive_tpot_ms;
};
//! Reads a dataset table; errors name the line and the column.
Result<std::vector<DatasetLengths>> read_dataset_lengths(const std::string& path);
Result<std::vector<DatasetLengths>> parse_dataset_lengths(std::string_view text,
                                                          const std::string& name);
//! Gives MLPerf rows (source "MLPerf-...") that publish no lengths the mean input and output
//! lengths of their model's dataset, and Server/Interactive rows without stated limits the
//! benchmark's; returns how many rows got lengths. Rows of a model without a dataset (or
//! whose output mean is unknown) keep no lengths and stay unscored.
int fill_dataset_lengths(std::vector<Measurement>& rows,
                         const std::vector<DatasetLengths>& datasets);

//! Reads a measurement CSV with the columns of the reference file; errors name the line.
Result<std::vector<Measurement>> read_measurements(const std::string& path);
//! The same from CSV text; `name` stands for the file in messages.
Result<std::vector<Measurement>> parse_measurements(std::string_view text, const std::string& name);

//! How a row takes part in the accuracy figures.
enum class RowUse {
  kThroughput,      //!< fully specified, output throughput compared (counts for accuracy)
  kTtft,            //!< fully specified, only a first-token latency was published
  kApart,           //!< speculative decoding or prefill/decode split: reported apart
  kUnderspecified,  //!< lengths or counts missing (e.g. MLPerf rows): predicted, not scored
  kUnmodelled,      //!< unknown chip or model, chip without figures, or the model failed
};
const char* row_use_name(RowUse use);

//! The prediction for one row.
struct RowResult {
  const Measurement* row = nullptr;
  RowUse use = RowUse::kUnmodelled;
  std::string why;      //!< reason for kApart / kUnderspecified / kUnmodelled
  std::string family;   //!< accelerator family
  std::string factors;  //!< efficiency entry used: "family" or "family/engine"
  double measured = 0;  //!< output tokens/s (or TTFT ms for kTtft)
  double predicted = 0;
  double error_pct = 0;  //!< (predicted - measured) / measured x 100
  Parallelism layout;
  EstimateRequest request;
};

//! Accuracy over a set of rows.
struct Accuracy {
  int rows = 0;
  double median_abs_error_pct = 0;
  double p90_abs_error_pct = 0;
  double mean_signed_error_pct = 0;
};

struct CalibrationReport {
  std::vector<RowResult> rows;
  Accuracy throughput;      //!< over kThroughput rows
  Accuracy ttft;            //!< over kTtft rows
  int fully_specified = 0;  //!< rows with lengths, count and a throughput or TTFT figure
  int modelled = 0;         //!< of those, rows the model could predict
  [[nodiscard]] double coverage() const {
    return fully_specified > 0 ? static_cast<double>(modelled) / fully_specified : 0.0;
  }
};

//! Accuracy of a list of signed percentage errors.
Accuracy accuracy_of(const std::vector<double>& errors_pct);

//! Predicts every row with the given factors.
//! With `engines`, each row's KV cache is its engine's default format (engines.yaml).
CalibrationReport evaluate(const std::vector<Measurement>& rows, const catalog::Catalog& catalog,
                           const EfficiencyTable& table, const EngineTable* engines = nullptr);

//! Fits the factors of each accelerator family on its fully specified throughput rows
//! (coordinate descent on the mean squared log error); families with few rows fit only
//! their compute and memory efficiencies. `provenance` is written into each fitted entry.
EfficiencyTable fit(const std::vector<Measurement>& rows, const catalog::Catalog& catalog,
                    const EfficiencyTable& start, const std::string& provenance,
                    const EngineTable* engines = nullptr);

//! The factors' key of a row result with its engine always named: "Hopper/trtllm".
std::string family_engine(const RowResult& row);

//! Leave-one-source-out cross-validation: for each source in turn, the factors are fitted from
//! `start` on the rows of every other source, and the rows of the source left out are
//! predicted with them. The report holds one held-out prediction per row, in input order; its
//! figures are what the model does on measurements it was not fitted to.
struct CrossValidation {
  CalibrationReport held_out;        //!< rows predicted by the fit without their source
  std::vector<std::string> sources;  //!< the folds, in order of first appearance
};
CrossValidation cross_validate_by_source(const std::vector<Measurement>& rows,
                                         const catalog::Catalog& catalog,
                                         const EfficiencyTable& start,
                                         const EngineTable* engines = nullptr);

}  // namespace fleetplan::perf
