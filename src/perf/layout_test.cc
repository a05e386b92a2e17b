// Expert-parallel (EP) and attention-data-parallel (DEP) layouts, and estimate() at a fixed
// concurrency. Expected values are worked out by hand from the architectures in
// data/catalog/models.yaml (HF config.json figures).
#include <cmath>
#include <cstdlib>

#include <gtest/gtest.h>

#include "perf/perf.h"
#include "perf/perf_test_util.h"

namespace fleetplan::perf {
namespace {

class Layouts : public testing::CatalogTest {
 protected:
  static void SetUpTestSuite() {
    CatalogTest::SetUpTestSuite();
    auto table = EfficiencyTable::load_builtin();
    ASSERT_TRUE(table.ok()) << table.error().message;
    table_ = new EfficiencyTable(*table);
  }
  static void TearDownTestSuite() {
    CatalogTest::TearDownTestSuite();
    delete table_;
  }
  static Result<ReplicaModel> replica(const char* m, Parallelism p,
                                      Precision kv = Precision::kFp8) {
    DeploymentSpec spec{&model(m), &chip("H200-SXM"), p, Precision::kFp8, kv};
    return ReplicaModel::create(spec, Efficiency{});
  }
  inline static EfficiencyTable* table_ = nullptr;
};

// Mixtral 8x7B (hidden 4096, 32 layers, 32 heads, 8 KV heads of 128, 8 experts of a gated
// 14,336-wide FFN, vocab 32,000), FP8 linear weights, BF16 embeddings and LM head:
//   attention per layer: 4096 x 4096 (Q) + 2 x 4096 x 1024 (K, V) + 4096 x 4096 (O)
//                        = 41,943,040;   router: 4096 x 8 = 32,768
//   non-expert bytes: 32 x 41,975,808 x 1 + 2 x 32,000 x 4096 x 2 = 1,867,513,856
//   expert bytes:     32 x 8 x 3 x 4096 x 14,336 x 1           = 45,097,156,608
constexpr double kMixtralNonExpert = 1867513856.0;
constexpr double kMixtralExperts = 45097156608.0;

TEST_F(Layouts, ExpertParallelHoldsTheSameBytesAsSlicedExperts) {
  // TP8 with experts sliced 8 ways (EP1) or spread whole over the 8 devices (EP8): each
  // device holds 1/8 of every weight either way.
  auto sliced = replica("mixtral-8x7b", {8, 1, 1, 1});
  auto spread = replica("mixtral-8x7b", {8, 1, 8, 1});
  ASSERT_TRUE(sliced.ok()) << sliced.error().message;
  ASSERT_TRUE(spread.ok()) << spread.error().message;
  const double expected = (kMixtralNonExpert + kMixtralExperts) / 8;  // 5,870,583,808
  EXPECT_NEAR(sliced->memory().weights, expected, 1.0);
  EXPECT_NEAR(spread->memory().weights, expected, 1.0);
  // EP moves tokens to their experts: an all-to-all a dense TP layout does not have, so a
  // decode step of the same batch carries more communication.
  EXPECT_GT(spread->decode_cost(64).comm_s, 0.0);
}

TEST_F(Layouts, AttentionDataParallelReplicatesTheNonExpertWeights) {
  // DEP8: attention, router, embeddings and LM head on every device (each owns its
  // sequences); experts spread 8 ways. 1,867,513,856 + 45,097,156,608 / 8 = 7,504,658,432.
  auto dep = replica("mixtral-8x7b", {8, 1, 8, 1, true});
  ASSERT_TRUE(dep.ok()) << dep.error().message;
  EXPECT_NEAR(dep->memory().weights, kMixtralNonExpert + kMixtralExperts / 8, 1.0);
}

TEST_F(Layouts, AttentionDataParallelStoresAnMlaCacheOnce) {
  // DeepSeek-V3's MLA cache is one latent (512) + rope key (64) per layer per token, 61
  // layers, FP8: 61 x 576 = 35,136 bytes per token. Under TP the latent is not split over
  // heads, so all 8 ranks hold a copy (8 x 35,136 = 281,088 bytes per token of the
  // replica); under DEP each sequence lives on one device: 35,136.
  auto tp = replica("deepseek-v3", {8, 1, 8, 1, false});
  auto dep = replica("deepseek-v3", {8, 1, 8, 1, true});
  ASSERT_TRUE(tp.ok()) << tp.error().message;
  ASSERT_TRUE(dep.ok()) << dep.error().message;
  EXPECT_DOUBLE_EQ(tp->kv_bytes_per_token(), 8 * 35136.0);
  EXPECT_DOUBLE_EQ(dep->kv_bytes_per_token(), 35136.0);
}

TEST_F(Layouts, InvalidExpertLayoutsAreInputErrors) {
  const struct {
    const char* model;
    Parallelism layout;
    const char* says;
  } cases[] = {
      {"mixtral-8x7b", {8, 1, 3, 1}, "must divide tp=8"},
      {"mixtral-8x7b", {4, 1, 8, 2}, "exceeds tp=4"},
      {"llama3.1-70b", {8, 1, 8, 1}, "dense model"},
      {"mixtral-8x7b", {1, 1, 1, 8, true}, "needs tp >= 2"},
  };
  for (const auto& c : cases) {
    auto r = replica(c.model, c.layout);
    ASSERT_FALSE(r.ok()) << c.model << " " << c.says;
    EXPECT_EQ(r.error().kind, ErrorKind::kInput) << r.error().message;
    EXPECT_NE(r.error().message.find(c.says), std::string::npos) << r.error().message;
  }
}

TEST_F(Layouts, EstimateKeepsTheDepLayoutItIsGiven) {
  EstimateRequest req;
  req.model = &model("deepseek-v3");
  req.accelerator = &chip("H200-SXM");
  req.count = 8;
  req.parallelism = Parallelism{8, 1, 8, 1, true};
  auto est = estimate(req, *table_);
  ASSERT_TRUE(est.ok()) << est.error().message;
  EXPECT_TRUE(est->parallelism.attention_dp);
  EXPECT_EQ(est->parallelism.ep, 8);
  EXPECT_EQ(est->parallelism.replicas, 1);
  EXPECT_EQ(est->deployments_searched, 1);
}

// estimate --concurrency: a closed loop keeps C requests in flight; each in-flight sequence
// emits one token per decode step, so by Little's law output tokens/s = C / TPOT.
TEST_F(Layouts, ConcurrencyIsLittlesLaw) {
  EstimateRequest req;
  req.model = &model("llama3.1-8b");
  req.accelerator = &chip("H100-SXM");
  req.count = 4;
  req.parallelism = Parallelism{1, 1, 1, 4};
  req.input_len = 1000;
  req.output_len = 200;
  for (const int c : {4, 10, 64, 101}) {
    req.concurrency = c;
    auto est = estimate(req, *table_);
    ASSERT_TRUE(est.ok()) << est.error().message;
    // Four replicas share C requests: the busiest holds ceil(C / 4).
    EXPECT_EQ(est->batch, (c + 3) / 4) << c;
    EXPECT_EQ(est->concurrency, c);
    EXPECT_EQ(est->limit, "concurrency");
    EXPECT_NEAR(est->throughput_output_tokens_per_s, c / (est->tpot_ms / 1000.0),
                1e-9 * est->throughput_output_tokens_per_s)
        << "C = " << c;
    // Input + output tokens/s is the output rate scaled by (I + O) / O = 1200 / 200.
    EXPECT_NEAR(est->throughput_total_tokens_per_s, est->throughput_output_tokens_per_s * 6.0,
                1e-9 * est->throughput_total_tokens_per_s);
  }
}

TEST_F(Layouts, ConcurrencyBeyondTheBatchQueues) {
  // Beyond the largest batch B the KV cache holds, requests queue: at C = 2 x 4 x B each
  // replica runs B and queues B; a slot frees every TPOT x O / B seconds, so a queued request
  // waits B of those: TPOT x O more than at C = 4 x B. Throughput stays that of 4 x B.
  EstimateRequest req;
  req.model = &model("llama3.1-8b");
  req.accelerator = &chip("H100-SXM");
  req.count = 4;
  req.parallelism = Parallelism{1, 1, 1, 4};
  req.input_len = 1000;
  req.output_len = 200;
  auto offline = estimate(req, *table_);
  ASSERT_TRUE(offline.ok()) << offline.error().message;
  const int b = offline->batch;
  req.concurrency = 4 * b;
  auto full = estimate(req, *table_);
  req.concurrency = 8 * b;
  auto queued = estimate(req, *table_);
  ASSERT_TRUE(full.ok() && queued.ok());
  EXPECT_EQ(queued->batch, b);
  EXPECT_DOUBLE_EQ(queued->tpot_ms, full->tpot_ms);
  EXPECT_NEAR(queued->ttft_ms - full->ttft_ms, full->tpot_ms * 200, 1e-6 * queued->ttft_ms);
  EXPECT_NEAR(queued->throughput_output_tokens_per_s, full->throughput_output_tokens_per_s,
              1e-9 * full->throughput_output_tokens_per_s);
}

}  // namespace
}  // namespace fleetplan::perf
