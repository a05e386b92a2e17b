#include "catalog/catalog.h"

#include <cstdlib>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "core/csv.h"

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

// Every accelerator and model that a published measurement names must be in the built-in
// catalog under exactly that name, or the calibration cannot use the row.
TEST_F(BuiltinCatalog, EveryCalibrationMeasurementResolves) {
  auto table = csv::read_file(std::string(FLEETPLAN_TEST_DATA_DIR) +
                              "/reference/measurements-calibration.csv");
  ASSERT_TRUE(table.ok()) << table.error().message;
  ASSERT_GT(table->rows.size(), 100u);
  std::set<std::string> accelerators;
  std::set<std::string> models;
  for (const auto& row : table->rows) {
    accelerators.insert(row.get("accelerator"));
    models.insert(row.get("model"));
  }
  for (const auto& name : accelerators) {
    auto found = catalog_.accelerator(name);
    ASSERT_TRUE(found.ok()) << found.error().message;
    EXPECT_EQ((*found)->name, name);  // exact spelling, not only a case-insensitive match
    EXPECT_TRUE((*found)->has_performance_figures()) << name;
  }
  for (const auto& name : models) {
    auto found = catalog_.model(name);
    ASSERT_TRUE(found.ok()) << found.error().message;
    EXPECT_EQ((*found)->name, name);
  }
}

TEST_F(BuiltinCatalog, CalibrationAcceleratorsMatchTheirDatasheets) {
  // H100 NVL datasheet: 94 GB HBM3, 3.9 TB/s, BF16 1,671 / FP8 3,341 TFLOPS with sparsity,
  // NVLink bridge 600 GB/s bidirectional between two cards.
  auto nvl = catalog_.accelerator("H100-NVL");
  ASSERT_TRUE(nvl.ok());
  EXPECT_DOUBLE_EQ((*nvl)->memory_bytes, 94e9);
  EXPECT_DOUBLE_EQ((*nvl)->memory_bw, 3.9e12);
  EXPECT_DOUBLE_EQ((*nvl)->dense_flops[0], 1671e12 / 2);
  EXPECT_DOUBLE_EQ((*nvl)->peak_flops(Precision::kFp8), 3341e12 / 2);
  EXPECT_DOUBLE_EQ((*nvl)->scaleup_bw, 600e9 / 2);
  EXPECT_EQ((*nvl)->scaleup_domain, 2);

  // GH200 (MLPerf v4.1 HPE system): 144 GB HBM3e at 4.9 TB/s, H100-class compute.
  auto gh200 = catalog_.accelerator("GH200");
  ASSERT_TRUE(gh200.ok());
  EXPECT_DOUBLE_EQ((*gh200)->memory_bytes, 144e9);
  EXPECT_DOUBLE_EQ((*gh200)->memory_bw, 4.9e12);
  EXPECT_DOUBLE_EQ((*gh200)->dense_flops[0], 989e12);
  EXPECT_FALSE((*gh200)->native(Precision::kFp4));

  // A800 40 GB: the A100 40 GB memory system (5120-bit HBM2 at 2.43 Gb/s = 1,555 GB/s) and
  // A100 compute (312 BF16 TFLOPS dense), inherited from the A800 entry through `base:`.
  auto a800 = catalog_.accelerator("A800-40G");
  ASSERT_TRUE(a800.ok());
  EXPECT_DOUBLE_EQ((*a800)->memory_bytes, 40e9);
  EXPECT_DOUBLE_EQ((*a800)->memory_bw, 1.555e12);
  EXPECT_DOUBLE_EQ((*a800)->dense_flops[0], 312e12);
  EXPECT_FALSE((*a800)->native(Precision::kFp8));
  EXPECT_TRUE((*a800)->estimate);  // the SKU behind the measurement is not stated

  // RTX PRO 6000 Blackwell Server Edition: 96 GB GDDR7 at 1,597 GB/s, 4 PFLOPS FP4 with
  // sparsity, no NVLink (PCIe Gen5 x16: 64 GB/s per direction).
  auto rtx = catalog_.accelerator("RTX-PRO-6000");
  ASSERT_TRUE(rtx.ok());
  EXPECT_DOUBLE_EQ((*rtx)->memory_bytes, 96e9);
  EXPECT_DOUBLE_EQ((*rtx)->memory_bw, 1597e9);
  EXPECT_DOUBLE_EQ((*rtx)->peak_flops(Precision::kFp4), 4000e12 / 2);
  EXPECT_DOUBLE_EQ((*rtx)->scaleup_bw, 64e9);

  // Hygon DCU K100 AI spec table: 64 GB, 896 GB/s, BF16 196 TFLOPS, INT8 392 TOPS.
  auto dcu = catalog_.accelerator("Hygon-DCU-64GB");
  ASSERT_TRUE(dcu.ok());
  EXPECT_DOUBLE_EQ((*dcu)->memory_bytes, 64e9);
  EXPECT_DOUBLE_EQ((*dcu)->memory_bw, 896e9);
  EXPECT_DOUBLE_EQ((*dcu)->dense_flops[0], 196e12);
  EXPECT_DOUBLE_EQ((*dcu)->peak_flops(Precision::kInt8), 392e12);
  EXPECT_TRUE((*dcu)->domestic_china);
  EXPECT_TRUE((*dcu)->estimate);
}

TEST_F(BuiltinCatalog, Llama4LayoutsFollowTheirConfigs) {
  // Scout: interleave_moe_layer_step 1 (all 48 layers MoE), 16 experts top-1 + 1 shared.
  auto scout = catalog_.model("llama4-scout-17b-16e");
  ASSERT_TRUE(scout.ok());
  EXPECT_EQ((*scout)->moe_layers(), 48);
  EXPECT_EQ((*scout)->experts, 16);
  EXPECT_EQ((*scout)->experts_active, 1);
  EXPECT_EQ((*scout)->shared_experts, 1);
  EXPECT_EQ((*scout)->moe_ffn_hidden, 8192);
  // Maverick: interleave_moe_layer_step 2, MoE layers are range(1, 48, 2): 24 of them; the
  // other 24 have the dense intermediate_size_mlp 16384.
  auto maverick = catalog_.model("llama4-maverick-17b-128e");
  ASSERT_TRUE(maverick.ok());
  EXPECT_EQ((*maverick)->moe_layer_step, 2);
  EXPECT_EQ((*maverick)->moe_layers(), 24);
  EXPECT_EQ((*maverick)->experts, 128);
  EXPECT_EQ((*maverick)->dense_ffn_hidden, 16384);
  EXPECT_EQ((*maverick)->moe_ffn_hidden, 8192);
  // attention_chunk_size 8192 on the 3 of every 4 layers that use RoPE.
  EXPECT_EQ((*maverick)->sliding_window, 8192);
  EXPECT_EQ((*maverick)->sliding_window_layers, 36);
}

TEST_F(BuiltinCatalog, MoeModelsMatchTheirConfigs) {
  auto qwen = catalog_.model("qwen3-30b-a3b");  // 48 layers, 128 experts top-8 of 768
  ASSERT_TRUE(qwen.ok());
  EXPECT_EQ((*qwen)->moe_layers(), 48);
  EXPECT_EQ((*qwen)->experts_active, 8);
  EXPECT_EQ((*qwen)->moe_ffn_hidden, 768);
  EXPECT_EQ((*qwen)->kv_heads, 4);

  auto glm = catalog_.model("glm-4.5-air");  // first_k_dense_replace 1 of 46 layers
  ASSERT_TRUE(glm.ok());
  EXPECT_EQ((*glm)->dense_layers, 1);
  EXPECT_EQ((*glm)->moe_layers(), 45);
  EXPECT_EQ((*glm)->dense_ffn_hidden, 10944);
  EXPECT_EQ((*glm)->moe_ffn_hidden, 1408);
  EXPECT_EQ((*glm)->heads, 96);
  EXPECT_EQ((*glm)->shared_experts, 1);

  auto kimi = catalog_.model("kimi-k2");  // DeepSeek-V3 layout: 384 experts, 64 heads, 1 dense
  ASSERT_TRUE(kimi.ok());
  EXPECT_EQ((*kimi)->attention, Attention::kMla);
  EXPECT_EQ((*kimi)->experts, 384);
  EXPECT_EQ((*kimi)->heads, 64);
  EXPECT_EQ((*kimi)->moe_layers(), 60);
  EXPECT_EQ((*kimi)->kv_lora_rank + (*kimi)->qk_rope_dim, 576);
  EXPECT_EQ((*kimi)->vocab, 163840);

  auto oss = catalog_.model("gpt-oss-20b");  // 24 layers, half of them with a 128 window
  ASSERT_TRUE(oss.ok());
  EXPECT_EQ((*oss)->experts, 32);
  EXPECT_EQ((*oss)->experts_active, 4);
  EXPECT_EQ((*oss)->sliding_window, 128);
  EXPECT_EQ((*oss)->sliding_window_layers, 12);

  // DeepSeek-V3/R1/R1-0528: 3 dense layers of 18432, 58 MoE layers of 2048-wide experts.
  for (const char* name : {"deepseek-v3", "deepseek-r1", "deepseek-r1-0528"}) {
    auto ds = catalog_.model(name);
    ASSERT_TRUE(ds.ok()) << name;
    EXPECT_EQ((*ds)->dense_ffn_hidden, 18432) << name;
    EXPECT_EQ((*ds)->moe_ffn_hidden, 2048) << name;
    EXPECT_EQ((*ds)->moe_layers(), 58) << name;
  }
  auto qwen235 = catalog_.model("qwen3-235b-a22b");  // every one of 94 layers is MoE
  ASSERT_TRUE(qwen235.ok());
  EXPECT_EQ((*qwen235)->moe_layers(), 94);
}

TEST_F(BuiltinCatalog, DenseModelsMatchTheirConfigs) {
  auto gemma2 = catalog_.model("gemma-2b");  // MQA: one KV head of 256
  ASSERT_TRUE(gemma2.ok());
  EXPECT_EQ((*gemma2)->kv_heads, 1);
  EXPECT_EQ((*gemma2)->head_dim, 256);
  EXPECT_EQ((*gemma2)->ffn_hidden, 16384);
  auto gemma7 = catalog_.model("gemma-7b");  // MHA, 16 heads of 256 on a 3072 residual
  ASSERT_TRUE(gemma7.ok());
  EXPECT_EQ((*gemma7)->attention, Attention::kMha);
  EXPECT_EQ((*gemma7)->heads * (*gemma7)->head_dim, 4096);
  EXPECT_TRUE((*gemma7)->gated_ffn);  // GeGLU

  auto falcon = catalog_.model("falcon-180b");  // 232 heads x 64 = 14848, GELU 4x FFN
  ASSERT_TRUE(falcon.ok());
  EXPECT_FALSE((*falcon)->gated_ffn);
  EXPECT_EQ((*falcon)->heads * (*falcon)->head_dim, (*falcon)->hidden);
  EXPECT_EQ((*falcon)->ffn_hidden, 4 * 14848);
  EXPECT_EQ((*falcon)->kv_heads, 8);

  auto mistral = catalog_.model("mistral-7b");  // v0.1: window 4096 on every layer
  ASSERT_TRUE(mistral.ok());
  EXPECT_EQ((*mistral)->sliding_window, 4096);
  EXPECT_EQ((*mistral)->sliding_window_layers, (*mistral)->layers);

  auto llama13 = catalog_.model("llama2-13b");  // MHA: 40 heads, 40 KV heads, FFN 13824
  ASSERT_TRUE(llama13.ok());
  EXPECT_EQ((*llama13)->kv_heads, 40);
  EXPECT_EQ((*llama13)->ffn_hidden, 13824);
  EXPECT_EQ((*llama13)->max_context, 4096);

  auto llama33 = catalog_.model("llama3.3-70b");  // the Llama 3.1 70B architecture
  auto llama31 = catalog_.model("llama3.1-70b");
  ASSERT_TRUE(llama33.ok() && llama31.ok());
  EXPECT_EQ((*llama33)->ffn_hidden, 28672);
  EXPECT_EQ((*llama33)->vocab, 128256);
  EXPECT_EQ((*llama33)->family, "llama3.3");
  EXPECT_DOUBLE_EQ((*llama33)->params_total, (*llama31)->params_total);
}

// Parameters of a transformer from its structure: per layer Q and O (hidden x heads x
// head_dim each), K and V (hidden x kv_heads x head_dim each), the FFN (3 matrices when
// gated, 2 otherwise; each MoE layer holds routed + shared experts), plus the embedding
// and, when untied, the output head. Norms, biases and routers are left out (< 0.1 %).
double structural_params(const Model& m, bool tied_embeddings) {
  const double h = m.hidden;
  const double attention = 2.0 * h * m.heads * m.head_dim + 2.0 * h * m.kv_heads * m.head_dim;
  const double matrices = m.gated_ffn ? 3.0 : 2.0;
  const int moe = m.moe_layers();
  const int dense = m.layers - moe;
  const double dense_width = m.is_moe() ? m.dense_ffn_hidden : m.ffn_hidden;
  const double ffn = dense * matrices * h * dense_width +
                     moe * matrices * h * m.moe_ffn_hidden * (m.experts + m.shared_experts);
  const double embeddings = (tied_embeddings ? 1.0 : 2.0) * m.vocab * h;
  return m.layers * attention + ffn + embeddings;
}

// The structural fields must add up to the parameter count the model card publishes;
// a wrong width, layer count or expert layout shows up here.
TEST_F(BuiltinCatalog, StructureAddsUpToThePublishedParameterCount) {
  struct Case {
    const char* name;
    bool tied;
    double published;  // parameters, from the model card or paper
    double tolerance;  // relative
  };
  const Case cases[] = {
      {"llama2-13b", false, 13.0e9, 0.02},
      {"mistral-7b", false, 7.3e9, 0.02},  // "7.3B" (Mistral announcement)
      {"gemma-2b", true, 2.506e9, 0.01},   // 524,550,144 + 1,981,884,416 (paper)
      {"gemma-7b", true, 8.538e9, 0.01},   // 786,825,216 + 7,751,248,896 (paper)
      {"llama4-scout-17b-16e", false, 109e9, 0.02},
      {"llama4-maverick-17b-128e", false, 400e9, 0.02},
      {"qwen3-30b-a3b", false, 30.5e9, 0.02},
      {"gpt-oss-20b", false, 21e9, 0.03},
  };
  for (const auto& c : cases) {
    auto model = catalog_.model(c.name);
    ASSERT_TRUE(model.ok()) << c.name;
    EXPECT_NEAR(structural_params(**model, c.tied) / c.published, 1.0, c.tolerance) << c.name;
  }
}

TEST(CatalogFile, BaseEntryEditsACopy) {
  Catalog catalog;
  ASSERT_TRUE(
      catalog
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
  EXPECT_EQ(status.error().message.rfind(
                "user.yaml:3:13: models[0].layers: expected a whole number, got 'many'", 0),
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

// Found by tests/fuzz (a duplicated line): yaml-cpp keeps repeated keys and lookups see the
// first, so "memory_gb: -5" after "memory_gb: 80" was silently ignored.
TEST(CatalogFile, RepeatedFieldIsAnErrorNotSilentlyIgnored) {
  Catalog catalog;
  Status status = catalog.add_text(
      "accelerators:\n  - name: X\n    vendor: V\n    family: F\n    memory_gb: 80\n"
      "    memory_gb: -5\n    sources: s\n",
      "u.yaml");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message,
            "u.yaml:6:5: accelerators[0].memory_gb: field 'memory_gb' is given more than once "
            "(first on line 5); keep one");
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

// A small valid dense model, with `extra` fields added to (or overriding) it.
std::string model_text(const std::string& extra, int kv_heads = 2) {
  return "models:\n  - {name: m, params_total_b: 1, params_active_b: 1, layers: 4, hidden: 64,\n"
         "     ffn_hidden: 128, heads: 8, head_dim: 8, vocab: 100, sources: s, kv_heads: " +
         std::to_string(kv_heads) + extra + "}\n";
}

TEST(CatalogFile, TheTestModelIsValid) {
  Catalog catalog;
  Status status = catalog.add_text(model_text(""), "u.yaml");
  EXPECT_TRUE(status.ok()) << status.error().message;
}

// Issue 8 A3: dense_layers above layers made the MoE layer count and the weight memory
// negative without a word.
TEST(CatalogFile, ImpossibleLayerCountsAreRejected) {
  const struct {
    std::string extra;
    std::string message;
    int kv_heads = 2;
  } cases[] = {
      {", experts: 8, experts_active: 2, moe_ffn_hidden: 32, dense_layers: 5",
       "u.yaml:3:148: models[0].dense_layers: 5 dense layers exceed the model's 4 layers"},
      {", experts: 8, experts_active: 2, moe_ffn_hidden: 32, dense_layers: 4",
       "models[0].dense_layers: all 4 layers are dense"},
      {", sliding_window: 128, sliding_window_layers: 6",
       "models[0].sliding_window_layers: 6 sliding-window layers exceed the model's 4 layers"},
      {", sliding_window_layers: 2", "models[0].sliding_window: 2 layers use a sliding window"},
      {"", "models[0].kv_heads: 8 query heads do not split evenly over 3 KV heads", 3},
      {", experts_active: 2",
       "models[0].experts_active: experts_active is 2, but the model has "
       "no routed experts"},
      {", attention: MLA, kv_lora_rank: 16, qk_rope_dim: 8",
       "models[0].qk_rope_dim: the rope part (8) of an MLA head must be smaller than the head (8)"},
  };
  for (const auto& c : cases) {
    Catalog catalog;
    Status status = catalog.add_text(model_text(c.extra, c.kv_heads), "u.yaml");
    ASSERT_FALSE(status.ok()) << c.extra;
    EXPECT_NE(status.error().message.find(c.message), std::string::npos) << c.extra << "\n"
                                                                         << status.error().message;
  }
}

// Issue 8 B8: "H100" suggested H800, A800 and B200 (one or two edits away) rather than the
// H100-SXM it is short for.
TEST_F(BuiltinCatalog, AShortNameSuggestsTheNamesItIsAPrefixOf) {
  auto missing = catalog_.accelerator("H100");
  ASSERT_FALSE(missing.ok());
  const std::string& message = missing.error().message;
  EXPECT_NE(message.find("closest known: H100-"), std::string::npos) << message;
  EXPECT_NE(message.find("H100-SXM"), std::string::npos) << message;
  EXPECT_EQ(message.find("H800"), std::string::npos) << message;
}

}  // namespace
}  // namespace fleetplan::catalog
