// libFuzzer target for the measurements CSV parser (src/perf, what `calibrate --measurements`
// reads). An input that loads must have no column outside tests/fuzz/measurements.dict and
// give rows with non-negative counts, lengths and figures; one that fails must name the file
// and line. The rows are then evaluated against the built-in catalog and efficiency table:
// a prediction may be "unmodelled", never a throw, a crash or a non-finite error figure.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include <fmt/format.h>

#include "builtin.h"
#include "catalog/catalog.h"
#include "core/csv.h"
#include "perf/calibration.h"
#include "perf/perf.h"
#include "schema.h"
#include "target.h"

using fleetplan::fuzz::fail;

namespace {

std::string row_problem(const fleetplan::perf::Measurement& m) {
  const auto bad = [](const std::optional<double>& v) {
    return v && !(std::isfinite(*v) && *v >= 0);
  };
  const auto bad_int = [](const std::optional<int>& v) { return v && *v < 0; };
  if (m.count < 0 || bad_int(m.input_len) || bad_int(m.output_len) || bad_int(m.concurrency) ||
      bad(m.output_tokens_per_s) || bad(m.total_tokens_per_s) || bad(m.ttft_ms) || bad(m.tpot_ms)) {
    return fmt::format("line {}: a negative or non-finite figure", m.line);
  }
  return "";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const fleetplan::fuzz::Schema kSchema = fleetplan::fuzz::load_schema_named("measurements");
  const fleetplan::catalog::Catalog& catalog = fleetplan::fuzz::builtin_catalog();
  const fleetplan::perf::EfficiencyTable& efficiency = fleetplan::fuzz::builtin_efficiency();
  // Evaluating is the slow part; keep each input small enough for thousands of runs a second.
  if (size > 8192) {
    return 0;
  }
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::string name = "fuzz.csv";
  try {
    auto rows = fleetplan::perf::parse_measurements(text, name);
    if (!rows.ok()) {
      fleetplan::fuzz::check_rejected(rows.error(), name, text);
      return 0;
    }
    // The header as the CSV reader saw it (a quoted field may span lines, so a naive split
    // of the first line is no oracle): every column it accepted must be a known one.
    auto table = fleetplan::csv::parse(text, name);
    if (table.ok()) {
      for (const std::string& column : table->columns) {
        if (kSchema.fields.count(column) == 0) {
          fail("accepted an unknown column", column);
        }
      }
    }
    for (const auto& m : *rows) {
      const std::string problem = row_problem(m);
      if (!problem.empty()) {
        fail("accepted a row that breaks its invariants", problem);
      }
    }
    const auto report = fleetplan::perf::evaluate(*rows, catalog, efficiency);
    for (const auto& r : report.rows) {
      if (r.use == fleetplan::perf::RowUse::kThroughput && !std::isfinite(r.error_pct)) {
        fail("a scored row with a non-finite error", fmt::format("line {}", r.row->line));
      }
    }
  } catch (const std::exception& e) {
    fail("parse_measurements threw", e.what());
  }
  return 0;
}
