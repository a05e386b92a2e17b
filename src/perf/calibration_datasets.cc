// The token lengths of benchmark datasets (data/reference/mlperf-datasets.csv), and the MLPerf
// rows of the calibration set scored at them.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/csv.h"
#include "perf/calibration.h"

namespace fleetplan::perf {
namespace {

Result<std::vector<DatasetLengths>> datasets_of(const csv::Table& table, const std::string& path) {
  static const char* const kColumns[] = {
      "model",          "benchmark",           "dataset",
      "samples",        "input_mean",          "input_p50",
      "input_p90",      "input_p99",           "input_max",
      "output_mean",    "output_mean_of_file", "server_ttft_ms",
      "server_tpot_ms", "interactive_ttft_ms", "interactive_tpot_ms",
      "input_file",     "output_file"};
  for (const std::string& column : table.columns) {
    if (std::find(std::begin(kColumns), std::end(kColumns), column) == std::end(kColumns)) {
      return input_error(fmt::format("{}:1: unknown column '{}'; expected {}", path, column,
                                     fmt::join(kColumns, ", ")));
    }
  }
  for (const char* column : {"model", "input_mean", "output_mean"}) {
    if (std::find(table.columns.begin(), table.columns.end(), column) == table.columns.end()) {
      return input_error(fmt::format("{}:1: missing column '{}'", path, column));
    }
  }
  std::vector<DatasetLengths> out;
  for (const csv::Row& r : table.rows) {
    // A number in (0, max], or "" (not known).
    const auto number = [&](const char* column, double max) -> Result<std::optional<double>> {
      const std::string& text = r.get(column);
      if (text.empty()) {
        return std::optional<double>{};
      }
      const auto v = csv::to_number(text);
      if (!v || !(*v > 0) || *v > max) {
        return input_error(fmt::format("{}:{}: {}: '{}' is not a number in (0, {}]", path, r.line,
                                       column, text, max));
      }
      return std::optional<double>{*v};
    };
    DatasetLengths d;
    d.model = r.get("model");
    d.benchmark = r.get("benchmark");
    d.dataset = r.get("dataset");
    if (d.model.empty()) {
      return input_error(fmt::format("{}:{}: model: empty", path, r.line));
    }
    auto samples = number("samples", 1e9);
    auto input = number("input_mean", kMaxTokens);
    auto output = number("output_mean", kMaxTokens);
    FLEETPLAN_RETURN_IF_ERROR(samples);
    FLEETPLAN_RETURN_IF_ERROR(input);
    FLEETPLAN_RETURN_IF_ERROR(output);
    if (!*input) {
      return input_error(
          fmt::format("{}:{}: input_mean: a dataset needs its mean input", path, r.line));
    }
    d.samples = static_cast<int>(samples->value_or(0));
    d.input_mean = **input;
    d.output_mean = output->value_or(0);
    const std::pair<const char*, std::optional<double>*> limits[] = {
        {"server_ttft_ms", &d.server_ttft_ms},
        {"server_tpot_ms", &d.server_tpot_ms},
        {"interactive_ttft_ms", &d.interactive_ttft_ms},
        {"interactive_tpot_ms", &d.interactive_tpot_ms}};
    for (const auto& [column, field] : limits) {
      auto v = number(column, 1e7);
      FLEETPLAN_RETURN_IF_ERROR(v);
      *field = *v;
    }
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace

Result<std::vector<DatasetLengths>> read_dataset_lengths(const std::string& path) {
  auto table = csv::read_file(path);
  FLEETPLAN_RETURN_IF_ERROR(table);
  return datasets_of(*table, path);
}

Result<std::vector<DatasetLengths>> parse_dataset_lengths(std::string_view text,
                                                          const std::string& name) {
  auto table = csv::parse(text, name);
  FLEETPLAN_RETURN_IF_ERROR(table);
  return datasets_of(*table, name);
}

int fill_dataset_lengths(std::vector<Measurement>& rows,
                         const std::vector<DatasetLengths>& datasets) {
  int filled = 0;
  for (Measurement& m : rows) {
    if (m.source.rfind("MLPerf", 0) != 0) {
      continue;
    }
    const auto it = std::find_if(datasets.begin(), datasets.end(),
                                 [&](const DatasetLengths& d) { return d.model == m.model; });
    if (it == datasets.end()) {
      continue;
    }
    if (!m.ttft_limit_ms && !m.tpot_limit_ms) {
      if (m.scenario == "Server") {
        m.ttft_limit_ms = it->server_ttft_ms;
        m.tpot_limit_ms = it->server_tpot_ms;
      } else if (m.scenario == "Interactive") {
        m.ttft_limit_ms = it->interactive_ttft_ms;
        m.tpot_limit_ms = it->interactive_tpot_ms;
      }
    }
    if (m.input_len || m.output_len || !(it->output_mean > 0)) {
      continue;
    }
    m.input_len = static_cast<int>(std::lround(it->input_mean));
    m.output_len = static_cast<int>(std::lround(it->output_mean));
    m.lengths_from = fmt::format("{} dataset ({}): mean input {:.0f}, mean output {:.0f} tokens",
                                 it->benchmark, it->dataset, it->input_mean, it->output_mean);
    ++filled;
  }
  return filled;
}

}  // namespace fleetplan::perf
