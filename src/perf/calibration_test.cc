#include "perf/calibration.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "core/csv.h"
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

// Issue 9 item 6: 100 colocated DeepSeek-R1 records of SemiAnalysis InferenceX (one node, no
// draft model, closed loop of `concurrency` users). Each user's cycle is one TTFT plus
// (O - 1) TPOT, so by Little's law the output rate is at most concurrency x O / (TTFT +
// (O - 1) TPOT): the published rates must sit just under that bound (ramp-up and the spread
// of lengths keep them a few percent below), which checks the transcription of every row.
TEST_F(ReferenceSet, InferenceXRowsObeyLittlesLaw) {
  int rows = 0;
  for (const Measurement& m : rows_) {
    if (m.source != "SemiAnalysis-InferenceX") {
      continue;
    }
    ++rows;
    ASSERT_TRUE(m.input_len && m.output_len && m.concurrency && m.ttft_ms && m.tpot_ms) << m.id;
    const double in = *m.input_len;
    const double out = *m.output_len;
    const double measured =
        m.output_tokens_per_s ? *m.output_tokens_per_s : *m.total_tokens_per_s * out / (in + out);
    const double bound = *m.concurrency * out / ((*m.ttft_ms + (out - 1) * *m.tpot_ms) / 1000.0);
    EXPECT_GE(measured / bound, 0.90) << m.id;
    EXPECT_LE(measured / bound, 1.01) << m.id;
  }
  EXPECT_EQ(rows, 100);
}

TEST_F(ReferenceSet, CrossValidatedAccuracy) {
  // The accuracy that counts: each source's rows predicted by factors fitted without it. The
  // project's targets are median <= 12 %, p90 <= 50 %, coverage >= 90 %; the bounds below are
  // today's held-out figures (docs/notes/fidelity.md) rounded up, so a change that makes the
  // model worse on data it has not seen fails here. The median/p90 targets are not met yet:
  // 25.6 % / 64.6 % on 344 rows with one max over the step; 24.1 % / 61.2 % with the
  // per-operator roofline (docs/notes/roofline.md); 24.7 % / 59.2 % on 444 with the 97 modelled
  // InferenceX rows and the other added measurements (docs/notes/data.md).
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

// Issue 9 item 6: the large-EP, disaggregated and Ascend measurements (docs/notes/data.md),
// 47 rows from seven publications. Each carries its source, the rows that disaggregate or
// decode speculatively are never fitted, and the system figures are the publications'
// per-device figures times the device counts they state.
TEST_F(ReferenceSet, LargeScaleAndAscendRowsCarryTheirSources) {
  const std::map<std::string, int> expected = {
      {"CloudMatrix384-arXiv-2506.12708", 7},    {"LMSYS-SGLang-large-EP-H100", 6},
      {"LMSYS-SGLang-GB200-NVL72", 5},           {"LMSYS-Mooncake-Kimi-K2-H200", 2},
      {"TensorRT-LLM-DeepSeek-R1-best-perf", 5}, {"TensorRT-LLM-DeepSeek-R1-min-latency-blog", 2},
      {"SGLang-Ascend-NPU-best-practice", 20}};
  auto table = csv::read_file(std::string(FLEETPLAN_TEST_DATA_DIR) +
                              "/reference/measurements-calibration.csv");
  ASSERT_TRUE(table.ok()) << table.error().message;
  std::map<std::string, int> counted;
  for (const csv::Row& row : table->rows) {
    if (expected.count(row.get("source")) == 0) {
      continue;
    }
    ++counted[row.get("source")];
    EXPECT_FALSE(row.get("source_detail").empty()) << row.get("id");
    EXPECT_FALSE(row.get("notes").empty()) << row.get("id");
    EXPECT_FALSE(row.get("accelerator_count").empty()) << row.get("id");
  }
  EXPECT_EQ(counted, expected);

  const CalibrationReport report = evaluate(rows_, catalog_, table_, &engines_);
  std::map<std::string, const RowResult*> by_id;
  for (const RowResult& r : report.rows) {
    by_id[r.row->id] = &r;
  }
  int scored = 0;
  for (const RowResult& r : report.rows) {
    if (expected.count(r.row->source) == 0) {
      continue;
    }
    const std::string notes = r.row->notes;
    const bool apart = notes.find("disaggregated") != std::string::npos ||
                       notes.find("speculative") != std::string::npos;
    if (apart) {
      EXPECT_NE(r.use, RowUse::kThroughput) << r.row->id;
      EXPECT_NE(r.use, RowUse::kTtft) << r.row->id;
    }
    scored += r.use == RowUse::kThroughput ? 1 : 0;
  }
  // Only the three colocated runs without a draft model are scored: TensorRT-LLM DeepSeek-R1
  // max throughput on 8 x B200 and 8 x H200, and the one-user B200 run with prediction off.
  EXPECT_EQ(scored, 3);
  for (const char* id : {"trtr1-0001", "trtr1-0002", "trtr1-0006"}) {
    ASSERT_EQ(by_id.count(id), 1U) << id;
    EXPECT_EQ(by_id[id]->use, RowUse::kThroughput) << id;
  }
  // CloudMatrix384: 1,943 tokens/s per NPU on the 160-NPU decode instance, 5,655 prefill
  // tokens/s per NPU on the 16-NPU prefill instance (arXiv 2506.12708).
  EXPECT_DOUBLE_EQ(*by_id["cm384-0003"]->row->output_tokens_per_s, 1943.0 * 160);
  EXPECT_DOUBLE_EQ(*by_id["cm384-0001"]->row->total_tokens_per_s, 5655.0 * 16);
  // LMSYS 96 x H100: 22,282 output tokens/s per node on 9 decode nodes.
  EXPECT_DOUBLE_EQ(*by_id["lmsys-0005"]->row->output_tokens_per_s, 22282.0 * 9);
  // SGLang on Atlas 800I A3: the doc's summary table gives 396.796 tokens/s per card on 32.
  EXPECT_NEAR(*by_id["sglascend-0001"]->row->output_tokens_per_s / 32, 396.796, 0.001);
  // trtllm-bench at fixed 1,024 / 2,048 lengths: total / output = 3,072 / 2,048 (to 1e-5: both
  // are measured rates, 54,576.1257 and 36,384.0838, not one computed from the other).
  const Measurement& b200 = *by_id["trtr1-0001"]->row;
  EXPECT_NEAR(*b200.total_tokens_per_s / *b200.output_tokens_per_s, 1.5, 1e-5);
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
