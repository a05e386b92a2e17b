#include "perf/calibration.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

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
  }
  catalog::Catalog catalog_;
  EfficiencyTable table_;
  std::vector<Measurement> rows_;
};

TEST_F(ReferenceSet, ShippedFactorsMeetTheAccuracyTargets) {
  // The targets of the project against published MLPerf / vendor measurements: median absolute
  // error of output throughput <= 15 %, p90 <= 50 %, over >= 90 % of fully specified rows.
  const CalibrationReport report = evaluate(rows_, catalog_, table_);
  EXPECT_GE(report.coverage(), 0.90) << report.modelled << " of " << report.fully_specified;
  EXPECT_LE(report.throughput.median_abs_error_pct, 15.0);
  EXPECT_LE(report.throughput.p90_abs_error_pct, 50.0);
}

}  // namespace
}  // namespace fleetplan::perf
