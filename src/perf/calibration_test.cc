#include "perf/calibration.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "perf/band.h"
#include "perf/engine.h"

namespace fleetplan::perf {
namespace {

TEST(Accuracy, MedianAndP90ByHand) {
  // |errors| sorted: 1 2 3 4 5 6 7 8 9 10 -> median (5+6)/2 = 5.5; p90 at rank 8.1 -> 9.1.
  const Accuracy a = accuracy_of({-1, 2, -3, 4, 5, -6, 7, 8, -9, 10});
  EXPECT_DOUBLE_EQ(a.median_abs_error_pct, 5.5);
  EXPECT_NEAR(a.p90_abs_error_pct, 9.1, 1e-12);
  EXPECT_DOUBLE_EQ(a.mean_signed_error_pct, 1.7);
}

TEST(Measurements, BadNumberNamesLineAndColumn) {
  const std::string path = testing::TempDir() + "bad_measurements.csv";
  std::ofstream(path) << "id,accelerator,accelerator_count,model,scenario,input_len,output_len,"
                         "tokens_per_s_output\n"
                         "a,H100-SXM,8,llama2-70b,offline,128,128,fast\n";
  auto rows = read_measurements(path);
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(rows.error().message,
            path + ":2: tokens_per_s_output: 'fast' is not a non-negative number");
}

Result<std::vector<Measurement>> read_one_row(const std::string& name, const std::string& count,
                                              const std::string& input_len) {
  const std::string path = testing::TempDir() + name;
  std::ofstream(path) << "id,accelerator,accelerator_count,model,scenario,input_len,output_len,"
                         "tokens_per_s_output\n"
                         "a,H100-SXM,"
                      << count << ",llama2-70b,offline," << input_len << ",128,1000\n";
  return read_measurements(path);
}

// Issue 8 A3: a count of 8.5 was rounded to 8, and 1e12 devices (beyond the old int guard)
// was reported as "not published"; both are errors in the file.
TEST(Measurements, CountsAreWholeNumbersInRange) {
  auto half = read_one_row("half.csv", "8.5", "128");
  ASSERT_FALSE(half.ok());
  EXPECT_EQ(half.error().message, testing::TempDir() +
                                      "half.csv:2: accelerator_count: '8.5' is not a whole number "
                                      "from 1 to 1048576");
  auto huge = read_one_row("huge.csv", "1e12", "128");
  ASSERT_FALSE(huge.ok());
  EXPECT_NE(huge.error().message.find("accelerator_count: '1e12' is not a whole number"),
            std::string::npos);
  auto zero = read_one_row("zero.csv", "8", "0");
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.error().message.find("input_len: '0' is not a whole number from 1 to 16777216"),
            std::string::npos);
  auto fine = read_one_row("fine.csv", "8", "");
  ASSERT_TRUE(fine.ok()) << fine.error().message;
  EXPECT_EQ((*fine)[0].count, 8);
  EXPECT_FALSE((*fine)[0].input_len.has_value());  // empty: not published
}

// MLPerf rows publish no lengths; the dataset table gives them their dataset's means (the
// values below are the file's, rounded: 222.33 -> 222 and the reference 294.45 -> 294) and
// Server rows keep the p99 limits their notes state.
TEST(Datasets, MlperfRowsGetTheirDatasetsMeanLengthsAndTheirLimits) {
  auto datasets =
      read_dataset_lengths(std::string(FLEETPLAN_TEST_DATA_DIR) + "/reference/mlperf-datasets.csv");
  ASSERT_TRUE(datasets.ok()) << datasets.error().message;
  auto rows = parse_measurements(
      "id,source,accelerator,accelerator_count,model,scenario,input_len,output_len,"
      "tokens_per_s_output,notes\n"
      "s,MLPerf-Inference-v4.1,H100-SXM,8,llama2-70b,Server,,,20000,"
      "\"p99 TTFT 1600 ms; constraints TTFT<=2000.0 ms TPOT<=200.0 ms (p99)\"\n"
      "i,MLPerf-Inference-v4.1,H100-SXM,8,llama2-70b,Interactive,,,9000,\n"
      "o,MLPerf-Inference-v4.1,H100-SXM,8,mixtral-8x7b,Offline,,,50000,\n"
      "u,MLPerf-Inference-v4.1,H100-SXM,8,llama3.1-8b,Offline,,,50000,\n"
      "t,TensorRT-LLM,H100-SXM,8,llama2-70b,offline,,,50000,\n",
      "rows.csv");
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  EXPECT_EQ(fill_dataset_lengths(*rows, *datasets), 3);
  const auto& v = *rows;
  EXPECT_EQ(v[0].input_len, 222);
  EXPECT_EQ(v[0].output_len, 294);
  EXPECT_EQ(v[0].ttft_limit_ms, 2000.0);
  EXPECT_EQ(v[0].tpot_limit_ms, 200.0);
  EXPECT_NE(v[0].lengths_from.find("llama2-70b-99"), std::string::npos);
  // Interactive: the benchmark's 450 ms / 40 ms from the table.
  EXPECT_EQ(v[1].ttft_limit_ms, 450.0);
  EXPECT_EQ(v[1].tpot_limit_ms, 40.0);
  EXPECT_EQ(v[2].input_len, 427);   // 427.39
  EXPECT_EQ(v[2].output_len, 145);  // 144.84
  // llama3.1-8b's output mean is not known in tokens: no lengths, the row stays unscored.
  EXPECT_FALSE(v[3].input_len.has_value());
  // Not an MLPerf row.
  EXPECT_FALSE(v[4].input_len.has_value());
}

TEST(Datasets, BadFieldNamesItsLineAndColumn) {
  auto d = parse_dataset_lengths("model,input_mean,output_mean\nx,-3,10\n", "d.csv");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().message, "d.csv:2: input_mean: '-3' is not a number in (0, 16777216]");
  d = parse_dataset_lengths("model,input_mean,outptu_mean\n", "d.csv");
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message.find("unknown column 'outptu_mean'"), std::string::npos);
}

class ReferenceSet : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("FLEETPLAN_DATA_DIR", FLEETPLAN_TEST_DATA_DIR, 1);
    auto loaded = catalog::Catalog::load();
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    catalog_ = std::move(loaded).value();
    auto table = EfficiencyTable::load_builtin();
    ASSERT_TRUE(table.ok()) << table.error().message;
    table_ = *table;
    auto rows = read_measurements(std::string(FLEETPLAN_TEST_DATA_DIR) +
                                  "/reference/measurements-calibration.csv");
    ASSERT_TRUE(rows.ok()) << rows.error().message;
    rows_ = *rows;
    // MLPerf rows at their datasets' mean lengths, as `calibrate` scores them.
    auto datasets = read_dataset_lengths(std::string(FLEETPLAN_TEST_DATA_DIR) +
                                         "/reference/mlperf-datasets.csv");
    ASSERT_TRUE(datasets.ok()) << datasets.error().message;
    ASSERT_EQ(fill_dataset_lengths(rows_, *datasets), 40);
    auto engines = EngineTable::load_builtin();
    ASSERT_TRUE(engines.ok()) << engines.error().message;
    engines_ = *engines;
  }
  EngineTable engines_;
  catalog::Catalog catalog_;
  EfficiencyTable table_;
  std::vector<Measurement> rows_;
};

TEST_F(ReferenceSet, InSampleFitOfTheShippedFactors) {
  // In-sample (the factors were fitted on these rows): a lower bound on the error the model
  // makes on new measurements, kept so a change that breaks the fit itself shows at once.
  // (13.9 % / 51.7 % on 344 rows, MLPerf included, docs/notes/load.md.)
  const CalibrationReport report = evaluate(rows_, catalog_, table_, &engines_);
  EXPECT_GE(report.coverage(), 0.90) << report.modelled << " of " << report.fully_specified;
  EXPECT_LE(report.throughput.median_abs_error_pct, 15.0);
  EXPECT_LE(report.throughput.p90_abs_error_pct, 52.0);
}

TEST_F(ReferenceSet, CrossValidatedAccuracy) {
  // The accuracy that counts: each source's rows predicted by factors fitted without it. The
  // project's targets are median <= 12 %, p90 <= 50 %, coverage >= 90 %; the bounds below are
  // today's held-out figures (docs/notes/fidelity.md) rounded up, so a change that makes the
  // model worse on data it has not seen fails here. The median/p90 targets are not met yet:
  // 24.1 % / 61.2 % on 344 rows with the per-operator roofline (docs/notes/roofline.md; 25.6 %
  // / 64.6 % with one max over the step).
  auto start = EfficiencyTable::load_file(std::string(FLEETPLAN_TEST_DATA_DIR) +
                                          "/calibration/efficiency-start.yaml");
  ASSERT_TRUE(start.ok()) << start.error().message;
  const CrossValidation cv = cross_validate_by_source(rows_, catalog_, *start, &engines_);
  const CalibrationReport& held = cv.held_out;
  EXPECT_EQ(held.rows.size(), rows_.size());
  EXPECT_GE(held.coverage(), 0.90) << held.modelled << " of " << held.fully_specified;
  EXPECT_GE(held.throughput.rows, 340);
  EXPECT_LE(held.throughput.median_abs_error_pct, 25.0);
  EXPECT_LE(held.throughput.p90_abs_error_pct, 63.0);
  // The 80 % bands, each source scored against bands computed without it: 61.9 % with the
  // raw 10th-90th percentiles (sources differ more than rows within one), 80 % once widened
  // by the factor band_widening() finds (1.52 today); a widening that stops reaching 80 %,
  // or a band that covers everything, fails.
  const double raw = band_coverage(held.rows);
  EXPECT_GE(raw, 0.50);
  EXPECT_LE(raw, 0.80);
  const double widen = band_widening(held.rows, 0.8);
  EXPECT_GT(widen, 1.0);
  EXPECT_LT(widen, 3.0);
  const double coverage = band_coverage(held.rows, widen);
  EXPECT_GE(coverage, 0.80);
  EXPECT_LE(coverage, 0.85);
}

TEST(CrossValidation, ASourceIsNeverFittedOnItself) {
  // Two sources, each the only one measuring its chip. Left out, a source's chip has no
  // training rows, so its rows must be predicted with the starting factors exactly; a fit
  // that leaked the held-out rows would move them.
  setenv("FLEETPLAN_DATA_DIR", FLEETPLAN_TEST_DATA_DIR, 1);
  auto catalog = catalog::Catalog::load();
  ASSERT_TRUE(catalog.ok()) << catalog.error().message;
  const std::string path = testing::TempDir() + "cv_measurements.csv";
  std::ofstream(path)
      << "id,source,accelerator,accelerator_count,model,framework,scenario,input_len,"
         "output_len,tokens_per_s_output,notes,precision_norm\n"
         "a1,first,H100-SXM,1,llama3.1-8b,TensorRT-LLM,offline,128,128,20000,TP1,fp8\n"
         "a2,first,H100-SXM,1,llama3.1-8b,TensorRT-LLM,offline,2048,128,9000,TP1,fp8\n"
         "b1,second,MI300X,1,llama3.1-8b,vLLM,offline,128,128,15000,TP1,fp8\n";
  auto rows = read_measurements(path);
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  EfficiencyTable start;
  start.set(Efficiency{});
  const CalibrationReport plain = evaluate(*rows, *catalog, start);
  const CrossValidation cv = cross_validate_by_source(*rows, *catalog, start);
  ASSERT_EQ(cv.sources, (std::vector<std::string>{"first", "second"}));
  ASSERT_EQ(cv.held_out.rows.size(), 3U);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(cv.held_out.rows[i].row, &(*rows)[i]);
    EXPECT_DOUBLE_EQ(cv.held_out.rows[i].predicted, plain.rows[i].predicted) << i;
  }
  // The in-sample fit, by contrast, moves them towards the measurements.
  const EfficiencyTable fitted = fit(*rows, *catalog, start, "test");
  const CalibrationReport in_sample = evaluate(*rows, *catalog, fitted);
  EXPECT_LT(std::fabs(in_sample.rows[2].error_pct), std::fabs(plain.rows[2].error_pct));
}

// Issue 8 B6: std::stoi on a layout note like "TP99999999999" threw out_of_range, which
// aborted `calibrate`. The row is set apart, with the reason.
TEST_F(ReferenceSet, AnImpossibleStatedLayoutSetsTheRowApart) {
  Measurement m;
  m.id = "x";
  m.accelerator = "H100-SXM";
  m.model = "llama2-70b";
  m.scenario = "offline";
  m.count = 8;
  m.input_len = 128;
  m.output_len = 128;
  m.output_tokens_per_s = 1000;
  m.notes = "TP99999999999";
  const CalibrationReport report = evaluate({m}, catalog_, table_);
  ASSERT_EQ(report.rows.size(), 1u);
  EXPECT_EQ(report.rows[0].use, RowUse::kUnmodelled);
  EXPECT_EQ(report.rows[0].why, "the notes state TP99999999999, beyond 1 to 1048576 devices");
}

}  // namespace
}  // namespace fleetplan::perf
