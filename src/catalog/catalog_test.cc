#include "catalog/catalog.h"

#include <cstdlib>

#include <gtest/gtest.h>

namespace fleetplan::catalog {
namespace {

class BuiltinCatalog : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("FLEETPLAN_DATA_DIR", FLEETPLAN_TEST_DATA_DIR, 1);
    auto loaded = Catalog::load();
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    catalog_ = std::move(loaded).value();
  }
  Catalog catalog_;
};

TEST_F(BuiltinCatalog, H100FiguresAreTheDatasheetInSiUnits) {
  auto h100 = catalog_.accelerator("H100-SXM");
  ASSERT_TRUE(h100.ok());
  // NVIDIA datasheet: 80 GB, 3.35 TB/s, 989 dense BF16 TFLOPS, NVLink 900 GB/s bidirectional.
  EXPECT_DOUBLE_EQ((*h100)->memory_bytes, 80e9);
  EXPECT_DOUBLE_EQ((*h100)->memory_bw, 3.35e12);
  EXPECT_DOUBLE_EQ((*h100)->dense_flops[0], 989e12);
  EXPECT_DOUBLE_EQ((*h100)->scaleup_bw, 450e9);
  EXPECT_DOUBLE_EQ((*h100)->scaleout_bw, 50e9);  // 400 Gbit/s
  EXPECT_FALSE((*h100)->native(Precision::kFp4));
  // FP4 weights on Hopper run through the FP8 path: no speed-up over FP8.
  EXPECT_DOUBLE_EQ((*h100)->peak_flops(Precision::kFp4), 1979e12);
}

TEST_F(BuiltinCatalog, LookupIsCaseInsensitiveAndSuggests) {
  EXPECT_TRUE(catalog_.accelerator("h100-sxm").ok());
  auto missing = catalog_.accelerator("H100-SMX");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::kNotFound);
  EXPECT_NE(missing.error().message.find("H100-SXM"), std::string::npos);
}

TEST_F(BuiltinCatalog, DomesticChipsAreMarkedEstimates) {
  auto ascend = catalog_.accelerator("Ascend-910C");
  ASSERT_TRUE(ascend.ok());
  EXPECT_TRUE((*ascend)->domestic_china);
  EXPECT_TRUE((*ascend)->estimate);
}

TEST_F(BuiltinCatalog, DeepSeekIsMlaMoe) {
  auto model = catalog_.model("deepseek-v3");
  ASSERT_TRUE(model.ok());
  EXPECT_EQ((*model)->attention, Attention::kMla);
  // 61 layers, first 3 dense: 58 MoE layers.
  EXPECT_EQ((*model)->moe_layers(), 58);
}

TEST(CatalogFile, BaseEntryEditsACopy) {
  Catalog catalog;
  ASSERT_TRUE(catalog
                  .add_text("accelerators:\n"
                            "  - {name: X1, vendor: V, family: F, memory_gb: 80, memory_bw_tbps: 2,\n"
                            "     dense_tflops: {bf16: 100}, sources: test}\n"
                            "  - {name: X2, base: X1, memory_gb: 96}\n",
                            "user.yaml")
                  .ok());
  auto x2 = catalog.accelerator("X2");
  ASSERT_TRUE(x2.ok());
  EXPECT_DOUBLE_EQ((*x2)->memory_bytes, 96e9);
  EXPECT_DOUBLE_EQ((*x2)->memory_bw, 2e12);
}

TEST(CatalogFile, BadFieldNamesFileLineAndPath) {
  Catalog catalog;
  Status status = catalog.add_text(
      "models:\n"
      "  - name: m\n"
      "    layers: many\n",
      "user.yaml");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message.rfind("user.yaml:3:13: models[0].layers: expected a whole number, got 'many'", 0),
            0u)
      << status.error().message;
}

TEST(CatalogFile, UnknownFieldAndMissingSources) {
  Catalog catalog;
  Status status = catalog.add_text(
      "accelerators:\n  - {name: X, vendor: V, family: F, memory_gbs: 80}\n", "u.yaml");
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("sources"), std::string::npos) << status.error().message;
}

TEST(CatalogFile, ActiveAboveTotalIsRejected) {
  Catalog catalog;
  Status status = catalog.add_text(
      "models:\n  - {name: m, params_total_b: 7, params_active_b: 8, layers: 1, hidden: 8,\n"
      "     ffn_hidden: 8, heads: 1, kv_heads: 1, head_dim: 8, vocab: 8, sources: s}\n",
      "u.yaml");
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("params_active_b"), std::string::npos);
}

}  // namespace
}  // namespace fleetplan::catalog
