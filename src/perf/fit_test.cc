// perf::fit and the calibrate --write round trip. The fit is checked on measurements made
// with known efficiency factors: it must find those factors again (within its last step,
// 8 %), whatever it starts from.
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "perf/calibration.h"
#include "perf/perf.h"

namespace fleetplan::perf {
namespace {

class Fit : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("FLEETPLAN_DATA_DIR", FLEETPLAN_TEST_DATA_DIR, 1);
    auto loaded = catalog::Catalog::load();
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    catalog_ = std::move(loaded).value();
  }
  // The rows a benchmark of `truth` would publish: TensorRT-LLM, FP8, offline runs at a
  // stated concurrency and layout, on H100-SXM (family Hopper).
  std::vector<Measurement> rows_made_with(const Efficiency& truth) {
    EfficiencyTable table;
    table.set(truth);
    struct Run {
      const char* model;
      int count;
      int tp;
      int input;
      int output;
      int concurrency;
    };
    // Batch 1 is bound by weight reads (memory); long prompts at large batches by compute.
    const Run runs[] = {
        {"llama3.1-8b", 1, 1, 128, 128, 1},     {"llama3.1-8b", 1, 1, 2048, 128, 64},
        {"llama3.1-8b", 1, 1, 128, 2048, 256},  {"llama3.1-70b", 4, 4, 128, 128, 1},
        {"llama3.1-70b", 8, 8, 2048, 128, 128}, {"llama3.1-70b", 8, 8, 128, 2048, 512},
        {"llama3.1-70b", 2, 2, 1024, 1024, 16}, {"llama3.1-8b", 1, 1, 8192, 256, 32}};
    std::vector<Measurement> rows;
    int line = 2;
    for (const Run& run : runs) {
      EstimateRequest req;
      req.model = *catalog_.model(run.model);
      req.accelerator = *catalog_.accelerator("H100-SXM");
      req.count = run.count;
      req.weights = req.kv_cache = Precision::kFp8;
      req.input_len = run.input;
      req.output_len = run.output;
      req.concurrency = run.concurrency;
      req.parallelism = Parallelism{run.tp, 1, 1, run.count / run.tp};
      req.enforce_context = false;
      req.engine = "trtllm";
      auto est = estimate(req, table);
      EXPECT_TRUE(est.ok()) << run.model << ": " << est.error().message;
      if (!est.ok()) {
        continue;
      }
      Measurement m;
      m.line = line++;
      m.id = fmt::format("synthetic-{}", m.line);
      m.source = "synthetic";
      m.accelerator = "H100-SXM";
      m.model = run.model;
      m.precision = "fp8";
      m.scenario = "offline";
      m.framework = "TensorRT-LLM";
      m.engine = "trtllm";
      m.notes = fmt::format("TP{}", run.tp);
      m.count = run.count;
      m.input_len = run.input;
      m.output_len = run.output;
      m.concurrency = run.concurrency;
      m.output_tokens_per_s = est->throughput_output_tokens_per_s;
      rows.push_back(m);
    }
    return rows;
  }
  catalog::Catalog catalog_;
};

TEST_F(Fit, RecoversTheFactorsThatMadeTheMeasurements) {
  Efficiency truth;
  truth.family = "Hopper";
  truth.compute = 0.45;
  truth.memory = 0.62;
  const std::vector<Measurement> rows = rows_made_with(truth);
  ASSERT_EQ(rows.size(), 8U);
  // Start far from the truth (the other factors as in the truth: with fewer than 15 rows a
  // family fits only compute and memory).
  Efficiency start = truth;
  start.compute = 0.8;
  start.memory = 0.9;
  EfficiencyTable table;
  table.set(start);
  const CalibrationReport before = evaluate(rows, catalog_, table);
  ASSERT_EQ(before.throughput.rows, 8);
  EXPECT_GT(before.throughput.median_abs_error_pct, 20.0);  // the test has something to fit

  const EfficiencyTable fitted = fit(rows, catalog_, table, "synthetic rows, 2026-12-01");
  const Efficiency& e = fitted.for_family("Hopper", "trtllm");
  EXPECT_NEAR(e.compute / truth.compute, 1.0, 0.08) << e.compute;
  EXPECT_NEAR(e.memory / truth.memory, 1.0, 0.08) << e.memory;
  EXPECT_NE(e.fitted_on.find("synthetic rows"), std::string::npos) << e.fitted_on;
  const CalibrationReport after = evaluate(rows, catalog_, fitted);
  EXPECT_LT(after.throughput.median_abs_error_pct, 5.0);
  EXPECT_LT(after.throughput.median_abs_error_pct, before.throughput.median_abs_error_pct / 4);
}

TEST_F(Fit, FamiliesWithoutRowsKeepTheirFactors) {
  Efficiency truth;
  truth.family = "Hopper";
  truth.compute = 0.45;
  truth.memory = 0.62;
  const std::vector<Measurement> rows = rows_made_with(truth);
  EfficiencyTable table;
  Efficiency hopper = truth;
  hopper.compute = 0.7;
  table.set(hopper);
  Efficiency other;
  other.family = "Ascend";
  other.compute = 0.33;
  other.memory = 0.44;
  table.set(other);
  const EfficiencyTable fitted = fit(rows, catalog_, table, "synthetic");
  EXPECT_EQ(fitted.for_family("Ascend").compute, 0.33);
  EXPECT_EQ(fitted.for_family("Ascend").memory, 0.44);
}

// What calibrate --write ships must read back as the factors it wrote: to_yaml prints
// fractions with 4 decimals (so within 5e-5), overheads in ms/us with 4 and 3 decimals.
TEST(EfficiencyYaml, WriteThenLoadGivesTheSameFactors) {
  EfficiencyTable table;
  Efficiency a;
  a.family = "Hopper";
  a.compute = 0.512345;
  a.memory = 0.7;
  a.link = 0.61;
  a.moe_compute = 0.42;
  a.step_overhead_s = 0.0031234;
  a.layer_overhead_s = 12.5e-6;
  a.seq_overhead_s = 3.25e-6;
  a.max_batch = 512;
  a.max_num_tokens = 16384;
  a.fitted_on = "fitted 2026-12-01 on \"my rows\".csv; 8 rows";  // quotes must survive
  table.set(a);
  Efficiency b = a;
  b.family = "Ascend/vllm";
  b.compute = 0.3;
  table.set(b);
  const std::string path = testing::TempDir() + "efficiency-roundtrip.yaml";
  std::ofstream(path) << table.to_yaml("written by a test\nsecond line");
  auto loaded = EfficiencyTable::load_file(path);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  ASSERT_EQ(loaded->entries().size(), 2U);
  const Efficiency& x = loaded->entries()[0];
  EXPECT_EQ(x.family, "Hopper");
  EXPECT_NEAR(x.compute, 0.512345, 5e-5);
  EXPECT_NEAR(x.memory, 0.7, 1e-12);
  EXPECT_NEAR(x.link, 0.61, 1e-12);
  EXPECT_NEAR(x.moe_compute, 0.42, 1e-12);
  EXPECT_NEAR(x.step_overhead_s, 0.0031234, 5e-8);  // 3.1234 ms
  EXPECT_NEAR(x.layer_overhead_s, 12.5e-6, 5e-10);
  EXPECT_NEAR(x.seq_overhead_s, 3.25e-6, 5e-10);
  EXPECT_EQ(x.max_batch, 512);
  EXPECT_EQ(x.max_num_tokens, 16384);
  EXPECT_EQ(x.fitted_on, a.fitted_on);
  EXPECT_EQ(loaded->entries()[1].family, "Ascend/vllm");
  EXPECT_NEAR(loaded->entries()[1].compute, 0.3, 1e-12);
}

TEST(Measurements, TextParsesAndAMisspeltColumnIsAnError) {
  const std::string header =
      "id,accelerator,accelerator_count,model,scenario,input_len,output_len,tokens_per_s_output";
  auto rows =
      parse_measurements(header + "\nr1,H100-SXM,8,llama2-70b,offline,128,256,1234.5\n", "m.csv");
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 1U);
  EXPECT_EQ((*rows)[0].line, 2);
  EXPECT_EQ((*rows)[0].count, 8);
  EXPECT_EQ((*rows)[0].output_len, 256);
  EXPECT_EQ((*rows)[0].output_tokens_per_s, 1234.5);
  // A typo in a column name would drop its figures without a word.
  auto typo = parse_measurements(
      header + ",ttft_mss\nr1,H100-SXM,8,llama2-70b,offline,128,256,1,2\n", "m.csv");
  ASSERT_FALSE(typo.ok());
  EXPECT_EQ(typo.error().message.rfind("m.csv:1: unknown column 'ttft_mss'", 0), 0U)
      << typo.error().message;
}

}  // namespace
}  // namespace fleetplan::perf
