#include "perf/engine.h"

#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

namespace fleetplan::perf {
namespace {

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("FLEETPLAN_DATA_DIR", FLEETPLAN_TEST_DATA_DIR, 1);
    auto loaded = EngineTable::load_builtin();
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    engines_ = *loaded;
    auto catalog = catalog::Catalog::load();
    ASSERT_TRUE(catalog.ok()) << catalog.error().message;
    catalog_ = std::move(catalog).value();
  }
  EngineTable engines_;
  catalog::Catalog catalog_;
};

TEST_F(EngineTest, DefaultsPerFamilyAndKnownNames) {
  EXPECT_EQ(engines_.default_for("Hopper").name, "trtllm");
  EXPECT_EQ(engines_.default_for("CDNA3").name, "vllm");
  EXPECT_EQ(engines_.default_for("Ascend (Da Vinci)").name, "mindie");
  auto missing = engines_.find("tgi");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("known: trtllm, vllm"), std::string::npos);
}

TEST_F(EngineTest, VllmKeepsABf16CacheBesideFp8Weights) {
  // vLLM's --kv-cache-dtype defaults to the model's dtype; TensorRT-LLM's FP8 checkpoints keep
  // an FP8 cache on chips with FP8 units.
  const catalog::Accelerator& h100 = **catalog_.accelerator("H100-SXM");
  EXPECT_EQ(engine_kv_cache(**engines_.find("vllm"), h100, catalog::Precision::kFp8),
            catalog::Precision::kBf16);
  EXPECT_EQ(engine_kv_cache(**engines_.find("trtllm"), h100, catalog::Precision::kFp8),
            catalog::Precision::kFp8);
}

TEST_F(EngineTest, UnfittedFamilyEngineFallsBackAndSaysSo) {
  EfficiencyTable table;
  Efficiency hopper;
  hopper.family = "Hopper";
  hopper.compute = 0.5;
  hopper.max_batch = 4096;
  table.set(hopper);
  const Engine& trtllm = **engines_.find("trtllm");
  const Engine& vllm = **engines_.find("vllm");
  const ResolvedFactors own = resolve_factors(table, "Hopper", trtllm);
  EXPECT_FALSE(own.fallback);
  EXPECT_EQ(own.efficiency.max_batch, 4096);
  // Hopper under vLLM was never fitted here: Hopper's factors stand in, with vLLM's cap of
  // 256 sequences (--max-num-seqs).
  const ResolvedFactors other = resolve_factors(table, "Hopper", vllm);
  EXPECT_TRUE(other.fallback);
  EXPECT_EQ(other.fitted_entry, "Hopper");
  EXPECT_EQ(other.efficiency.family, "Hopper/vllm");
  EXPECT_DOUBLE_EQ(other.efficiency.compute, 0.5);
  EXPECT_EQ(other.efficiency.max_batch, 256);
  EXPECT_NE(other.note.find("no factors fitted for Hopper/vllm"), std::string::npos);
}

TEST_F(EngineTest, BadEngineFileNamesTheField) {
  const std::string path = testing::TempDir() + "engines_bad.yaml";
  std::ofstream(path) << "engines:\n  - name: trtllm\n    title: T\n    kv_cache: fp4\n"
                         "    max_batch: 1\n    max_num_tokens: 1\n"
                         "    layouts: {pipeline: true, expert_parallel: true, attention_dp: true, "
                         "disaggregation: true, mtp: true}\n"
                         "    source: s\ndefaults: []\n";
  auto loaded = EngineTable::load_file(path);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().message.find("kv_cache"), std::string::npos) << loaded.error().message;
  EXPECT_NE(loaded.error().message.find("fp4"), std::string::npos) << loaded.error().message;
}

}  // namespace
}  // namespace fleetplan::perf
