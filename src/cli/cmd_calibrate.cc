// `fleetplan calibrate --measurements FILE.csv`: fits the efficiency factors per accelerator
// family and prints predicted vs measured per row and overall.
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "core/json.h"
#include "perf/band.h"
#include "perf/calibration.h"
#include "perf/engine.h"
#include "report/table.h"

namespace fleetplan::cli {
namespace {

using nlohmann::ordered_json;

struct Options {
  std::string measurements;
  std::vector<std::string> catalogs;
  std::string efficiency;
  bool no_fit = false;
  bool json = false;
  bool rows = true;
  std::string write;
  std::string date = "undated";
  std::string cv;  //!< "" or "source": leave-one-source-out cross-validation
  std::string write_bands;
};

std::string layout_text(const perf::Parallelism& p) {
  std::string s = p.attention_dp ? fmt::format("DEP{}", p.tp) : fmt::format("TP{}", p.tp);
  if (p.pp > 1) {
    s += fmt::format(" PP{}", p.pp);
  }
  if (p.ep > 1 && !p.attention_dp) {
    s += fmt::format(" EP{}", p.ep);
  }
  if (p.replicas > 1) {
    s += fmt::format(" x{}", p.replicas);
  }
  return s;
}

// Median absolute error of the scored rows, grouped by a key.
template <typename KeyFn>
std::vector<std::pair<std::string, perf::Accuracy>> grouped_accuracy(
    const perf::CalibrationReport& report, KeyFn key) {
  std::map<std::string, std::vector<double>> groups;
  for (const auto& r : report.rows) {
    if (r.use == perf::RowUse::kThroughput) {
      groups[key(r)].push_back(r.error_pct);
    }
  }
  std::vector<std::pair<std::string, perf::Accuracy>> out;
  out.reserve(groups.size());
  for (const auto& [name, errors] : groups) {
    out.emplace_back(name, perf::accuracy_of(errors));
  }
  return out;
}

// What one `calibrate` run found: the factors, the in-sample scores and, with --cv, the
// held-out ones (`report` is the held-out report then, else the in-sample one).
struct Calibration {
  perf::EfficiencyTable table;
  perf::CalibrationReport in_sample;
  std::optional<perf::CrossValidation> cv;
  double coverage = 0.0;  //!< 80 % band coverage on held-out sources (with --cv)

  [[nodiscard]] const perf::CalibrationReport& report() const {
    return cv ? cv->held_out : in_sample;
  }
  [[nodiscard]] const char* kind() const {
    return cv ? "held out, leave-one-source-out" : "in-sample";
  }
};

std::string measurements_name(const Options& o) {
  return std::filesystem::path(o.measurements).filename().string();
}

// --write-bands and --write.
Status write_files(const Options& o, const Calibration& c) {
  if (!o.write_bands.empty()) {
    const perf::BandTable bands = perf::BandTable::from_rows(c.cv->held_out.rows);
    std::ofstream out(o.write_bands);
    out << bands.to_yaml(fmt::format(
        "80 % error bands of estimate: 10th and 90th percentiles of measured / predicted output\n"
        "throughput on held-out rows (leave-one-source-out) of {}, per family/engine x model\n"
        "class (groups of >= {} rows; '*' = all). Written by `fleetplan calibrate --cv source\n"
        "--write-bands FILE` on {}. Coverage on held-out sources (each source's rows against\n"
        "bands computed without it): {:.1f} %.",
        measurements_name(o), perf::BandTable::kMinRows, o.date, 100.0 * c.coverage));
    if (!out) {
      return input_error(fmt::format("{}: cannot write", o.write_bands));
    }
  }
  if (!o.write.empty()) {
    const auto& in = c.in_sample.throughput;
    std::ofstream out(o.write);
    out << c.table.to_yaml(fmt::format(
        "Efficiency factors per accelerator family, fitted by `fleetplan calibrate` on {}\n"
        "from {} ({} scored rows). In-sample median |error| {:.1f} %, p90 {:.1f} %{}.\n"
        "Regenerate: fleetplan calibrate --measurements FILE --cv source --write FILE",
        o.date, measurements_name(o), in.rows, in.median_abs_error_pct, in.p90_abs_error_pct,
        c.cv ? fmt::format(";\nheld out (leave-one-source-out) median {:.1f} %, p90 {:.1f} %",
                           c.report().throughput.median_abs_error_pct,
                           c.report().throughput.p90_abs_error_pct)
             : std::string()));
    if (!out) {
      return input_error(fmt::format("--write: cannot write '{}'", o.write));
    }
  }
  return {};
}

ordered_json group_json(const perf::CalibrationReport& report, auto key) {
  ordered_json out = ordered_json::array();
  for (const auto& [name, a] : grouped_accuracy(report, key)) {
    out.push_back({{"name", name},
                   {"rows", a.rows},
                   {"median_abs_error_pct", a.median_abs_error_pct},
                   {"p90_abs_error_pct", a.p90_abs_error_pct},
                   {"mean_signed_error_pct", a.mean_signed_error_pct}});
  }
  return out;
}

ordered_json calibration_json(const Calibration& c) {
  const perf::CalibrationReport& report = c.report();
  ordered_json j;
  j["accuracy"] = c.cv ? "leave-one-source-out cross-validation" : "in-sample";
  if (c.cv) {
    j["folds"] = c.cv->sources;
    j["band_coverage"] = c.coverage;
    j["in_sample_throughput"] = {
        {"rows", c.in_sample.throughput.rows},
        {"median_abs_error_pct", c.in_sample.throughput.median_abs_error_pct},
        {"p90_abs_error_pct", c.in_sample.throughput.p90_abs_error_pct}};
  }
  j["throughput"] = {{"rows", report.throughput.rows},
                     {"median_abs_error_pct", report.throughput.median_abs_error_pct},
                     {"p90_abs_error_pct", report.throughput.p90_abs_error_pct},
                     {"mean_signed_error_pct", report.throughput.mean_signed_error_pct}};
  j["ttft"] = {{"rows", report.ttft.rows},
               {"median_abs_error_pct", report.ttft.median_abs_error_pct},
               {"p90_abs_error_pct", report.ttft.p90_abs_error_pct}};
  j["fully_specified_rows"] = report.fully_specified;
  j["modelled_rows"] = report.modelled;
  j["coverage"] = report.coverage();
  j["per_family_engine"] =
      group_json(report, [](const perf::RowResult& r) { return perf::family_engine(r); });
  j["per_model"] = group_json(report, [](const perf::RowResult& r) { return r.row->model; });
  j["families"] = ordered_json::array();
  for (const auto& e : c.table.entries()) {
    j["families"].push_back({{"family", e.family},
                             {"compute", e.compute},
                             {"memory", e.memory},
                             {"link", e.link},
                             {"moe_compute", e.moe_compute},
                             {"step_overhead_ms", e.step_overhead_s * 1000},
                             {"max_batch", e.max_batch}});
  }
  j["rows"] = ordered_json::array();
  for (const auto& r : report.rows) {
    ordered_json row = {{"id", r.row->id},
                        {"accelerator", r.row->accelerator},
                        {"model", r.row->model},
                        {"source", r.row->source},
                        {"use", perf::row_use_name(r.use)}};
    if (r.use == perf::RowUse::kThroughput || r.use == perf::RowUse::kTtft) {
      row["measured"] = r.measured;
      row["predicted"] = r.predicted;
      row["error_pct"] = r.error_pct;
      row["layout"] = layout_text(r.layout);
    } else {
      row["why"] = r.why;
    }
    j["rows"].push_back(row);
  }
  return j;
}

std::string accuracy_table(const char* first, const perf::CalibrationReport& report, auto key) {
  report::TextTable t({first, "rows", "median |err| %", "p90 |err| %", "mean err %"},
                      {false, true, true, true, true});
  for (const auto& [name, a] : grouped_accuracy(report, key)) {
    t.add_row({name, std::to_string(a.rows), fmt::format("{:.1f}", a.median_abs_error_pct),
               fmt::format("{:.1f}", a.p90_abs_error_pct),
               fmt::format("{:+.1f}", a.mean_signed_error_pct)});
  }
  return t.render();
}

void print_rows(const Calibration& c) {
  report::TextTable t({"id", "accelerator", "n", "model", "prec", "in/out", "conc", "layout",
                       "measured tok/s", "predicted", "error %"},
                      {false, false, true, false, false, true, true, false, true, true, true});
  for (const auto& r : c.report().rows) {
    if (r.use != perf::RowUse::kThroughput) {
      continue;
    }
    const auto& m = *r.row;
    t.add_row({m.id, m.accelerator, std::to_string(m.count), m.model, m.precision,
               fmt::format("{}/{}", m.input_len.value_or(0), m.output_len.value_or(0)),
               m.concurrency ? std::to_string(*m.concurrency) : "-", layout_text(r.layout),
               report::grouped(r.measured, 0), report::grouped(r.predicted, 0),
               fmt::format("{:+.1f}", r.error_pct)});
  }
  fmt::print("Output throughput, fully specified rows ({})\n{}\n", c.kind(), t.render());
}

void print_accuracy(const Calibration& c) {
  const perf::CalibrationReport& report = c.report();
  fmt::print("Per family x engine ({})\n{}\n", c.kind(),
             accuracy_table("family/engine", report,
                            [](const perf::RowResult& r) { return perf::family_engine(r); }));
  fmt::print("Per accelerator ({})\n{}\n", c.kind(),
             accuracy_table("accelerator", report,
                            [](const perf::RowResult& r) { return r.row->accelerator; }));
  fmt::print(
      "Per model ({})\n{}\n", c.kind(),
      accuracy_table("model", report, [](const perf::RowResult& r) { return r.row->model; }));
  std::map<std::string, int> apart;
  for (const auto& r : report.rows) {
    if (r.use != perf::RowUse::kThroughput && r.use != perf::RowUse::kTtft) {
      apart[fmt::format("{}: {}", perf::row_use_name(r.use), r.why)]++;
    }
  }
  if (!apart.empty()) {
    fmt::print("Rows not scored\n");
    for (const auto& [why, n] : apart) {
      fmt::print("  {:4d}  {}\n", n, why);
    }
    fmt::print("\n");
  }
}

void print_factors(const Options& o, const Calibration& c) {
  fmt::print("Efficiency factors{}\n",
             o.no_fit ? " (as given, not refitted)" : " (fitted on every row)");
  report::TextTable fac({"family", "compute", "memory", "link", "moe", "attention", "overhead ms",
                         "layer us", "seq us", "max batch"},
                        {false, true, true, true, true, true, true, true, true, true});
  for (const auto& e : c.table.entries()) {
    fac.add_row({e.family, fmt::format("{:.3f}", e.compute), fmt::format("{:.3f}", e.memory),
                 fmt::format("{:.3f}", e.link), fmt::format("{:.3f}", e.moe_compute),
                 e.attention > 0 ? fmt::format("{:.3f}", e.attention) : "as compute",
                 fmt::format("{:.2f}", e.step_overhead_s * 1000),
                 fmt::format("{:.1f}", e.layer_overhead_s * 1e6),
                 fmt::format("{:.1f}", e.seq_overhead_s * 1e6), std::to_string(e.max_batch)});
  }
  fmt::print("{}\n", fac.render());
}

void print_summary(const Calibration& c) {
  const perf::CalibrationReport& report = c.report();
  if (c.cv) {
    fmt::print(
        "Cross-validation: {} folds (one per source); each row predicted by the factors fitted "
        "without its source\nIn-sample fit: {} rows, median |error| {:.1f} %, p90 {:.1f} %\n",
        c.cv->sources.size(), c.in_sample.throughput.rows,
        c.in_sample.throughput.median_abs_error_pct, c.in_sample.throughput.p90_abs_error_pct);
    fmt::print("80 % band coverage (each source against bands computed without it): {:.1f} %\n",
               100.0 * c.coverage);
  }
  fmt::print(
      "Throughput ({}): {} rows scored, median |error| {:.1f} %, p90 {:.1f} %, mean signed "
      "{:+.1f} %\n"
      "TTFT:       {} rows scored, median |error| {:.1f} %\n"
      "Coverage:   {} of {} fully specified rows modelled ({:.1f} %)\n",
      c.kind(), report.throughput.rows, report.throughput.median_abs_error_pct,
      report.throughput.p90_abs_error_pct, report.throughput.mean_signed_error_pct,
      report.ttft.rows, report.ttft.median_abs_error_pct, report.modelled, report.fully_specified,
      100.0 * report.coverage());
}

int run(const Options& o) {
  if (!o.write.empty()) {
    if (auto writable = check_writable(o.write, "--write"); !writable.ok()) {
      return report_error(writable.error());
    }
  }
  if (!o.write_bands.empty() && o.cv.empty()) {
    return report_error(
        input_error("--write-bands needs --cv source (bands come from held-out rows)"));
  }
  auto catalog = load_catalog(o.catalogs);
  if (!catalog.ok()) {
    return report_error(catalog.error());
  }
  auto start = o.efficiency.empty() ? perf::EfficiencyTable::load_builtin()
                                    : perf::EfficiencyTable::load_file(o.efficiency);
  if (!start.ok()) {
    return report_error(start.error());
  }
  auto rows = perf::read_measurements(o.measurements);
  if (!rows.ok()) {
    return report_error(rows.error());
  }
  auto engines = perf::EngineTable::load_builtin();
  if (!engines.ok()) {
    return report_error(engines.error());
  }
  Calibration c{*start, {}, std::nullopt, 0.0};
  if (!o.no_fit) {
    c.table = perf::fit(*rows, *catalog, *start,
                        fmt::format("fitted {} on {}", o.date, measurements_name(o)), &*engines);
  }
  c.in_sample = perf::evaluate(*rows, *catalog, c.table, &*engines);
  if (o.cv == "source") {
    c.cv = perf::cross_validate_by_source(*rows, *catalog, *start, &*engines);
    c.coverage = perf::band_coverage(c.cv->held_out.rows);
  }
  if (auto written = write_files(o, c); !written.ok()) {
    return report_error(written.error());
  }
  if (o.json) {
    fmt::print("{}", json::dump(calibration_json(c)));
    return kExitOk;
  }
  // With --cv every figure below is the held-out one; the in-sample fit is shown beside it.
  if (o.rows) {
    print_rows(c);
  }
  print_accuracy(c);
  print_factors(o, c);
  print_summary(c);
  return kExitOk;
}

void setup(CLI::App& app, RunFn& run_fn) {
  auto o = std::make_shared<Options>();
  app.add_option("--measurements", o->measurements, "CSV of published measurements")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option(
         "--efficiency", o->efficiency,
         "starting efficiency factors (default: the shipped data/calibration/efficiency.yaml)")
      ->check(CLI::ExistingFile);
  app.add_flag("--no-fit", o->no_fit, "only evaluate the given factors (check on held-out rows)");
  app.add_option("--write", o->write, "write the fitted factors as YAML to this file");
  app.add_option("--date", o->date, "date recorded in the fitted factors (YYYY-MM-DD)");
  app.add_option("--cv", o->cv,
                 "cross-validate: 'source' fits with each source left out in turn and scores "
                 "the rows of the source left out")
      ->check(CLI::IsMember({"source"}));
  app.add_option("--write-bands", o->write_bands,
                 "write the 80 % error bands from the held-out rows as YAML (needs --cv source)");
  app.add_flag("--json", o->json, "print JSON");
  app.add_flag("!--no-rows", o->rows, "omit the per-row table");
  add_catalog_option(app, o->catalogs);
  run_fn = [o] { return run(*o); };
}

const bool kRegistered = register_command(
    "calibrate", "fit the performance model's efficiency factors to measurements", 21, setup);

}  // namespace
}  // namespace fleetplan::cli
