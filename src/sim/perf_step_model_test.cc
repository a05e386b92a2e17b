// The perf step model runs the layouts a plan can choose: attention data-parallelism (batch
// and KV cache over the DP ranks) and speculative decoding with MTP (1 + a + ... + a^k tokens
// a step). The expectations are derived by hand on an "instant" chip: every peak rate 1e12
// times the catalog's, so compute, memory and link time vanish and a step costs the engine's
// fixed overhead plus the collectives' fixed latencies (replica_model.cc: 6 us a collective
// inside the scale-up domain).
#include <cmath>
#include <memory>

#include <gtest/gtest.h>

#include "catalog/catalog.h"
#include "perf/perf.h"
#include "sim/perf_step_model.h"
#include "sim/sim_scenario.h"
#include "sim/sim_test_util.h"

namespace fleetplan::sim {
namespace {

constexpr double kOverheadS = 0.02;    // the engine's fixed time a step (set below)
constexpr double kCollectiveS = 6e-6;  // one collective inside the scale-up domain
constexpr int kMoeLayers = 61 - 3;     // DeepSeek-V3: 61 layers, the first 3 dense
constexpr int kLayers = 61;

class PerfStepModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = catalog::Catalog::load();
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    catalog_ = std::make_unique<catalog::Catalog>(std::move(loaded).value());
    model_ = *catalog_->model("deepseek-v3");
    instant_ = **catalog_->accelerator("H200-SXM");
    for (double& f : instant_.dense_flops) {
      f *= 1e12;
    }
    instant_.memory_bw *= 1e12;
    instant_.scaleup_bw *= 1e12;
    instant_.scaleout_bw *= 1e12;
    perf::Efficiency e;
    e.family = instant_.family;
    e.step_overhead_s = kOverheadS;
    e.layer_overhead_s = 0;
    e.seq_overhead_s = 0;
    table_.set(e);
  }
  // DeepSeek-V3 on 8 instant chips, tp = ep = 8 with attention-DP, `drafts` MTP tokens.
  [[nodiscard]] Deployment deployment(int drafts, double acceptance) const {
    DeploymentRequest req;
    req.model = model_;
    req.accelerator = &instant_;
    req.count = 8;
    req.tp = 8;
    req.ep = 8;
    req.attention_dp = true;
    req.mtp_draft_tokens = drafts;
    req.mtp_acceptance = acceptance;
    auto d = build_deployment(req, table_);
    EXPECT_TRUE(d.ok()) << (d.ok() ? "" : d.error().message);
    return d.ok() ? std::move(d).value() : Deployment{};
  }
  std::unique_ptr<catalog::Catalog> catalog_;
  const catalog::Model* model_ = nullptr;
  catalog::Accelerator instant_;
  perf::EfficiencyTable table_;
};

// Attention-DP has no TP all-reduce; each MoE layer runs an EP dispatch and a combine.
// Prefill step: overhead + 2 x 58 collectives. A real decode step also runs the MTP module
// once (1/61 of the main model's layers, so 1/61 of its collectives); it yields 1 + a
// tokens a sequence, and the simulator's per-token decode step is 1/(1 + a) of it.
TEST_F(PerfStepModelTest, SpeculativeDecodingYieldsOnePlusAcceptanceTokensAStep) {
  const double a = 0.5;
  const double prefill_s = kOverheadS + 2.0 * kMoeLayers * kCollectiveS;
  const double real_step_s = kOverheadS + 2.0 * kMoeLayers * kCollectiveS * (1.0 + 1.0 / kLayers);
  const double token_s = real_step_s / (1.0 + a);
  Fleet fleet;
  fleet.deployments.push_back(deployment(1, a));
  ASSERT_TRUE(fleet.deployments[0].step_model);
  EXPECT_DOUBLE_EQ(fleet.deployments[0].step_model->tokens_per_step(), 1.5);
  for (const bool step_by_step : {false, true}) {
    Workload w;
    w.services.push_back(testing::poisson_service(1e-3, LengthDistribution::fixed(100),
                                                  LengthDistribution::fixed(31), "deepseek-v3"));
    w.requests = 1;
    Options o;
    o.step_by_step = step_by_step;
    const Results r = testing::run_checked(fleet, w, o);
    ASSERT_EQ(r.overall.completed, 1);
    // The prefill step yields the first token; 30 more at 1.5 a real step: 20 real steps.
    EXPECT_NEAR(r.overall.ttft.mean, prefill_s, 1e-9 * prefill_s);
    EXPECT_NEAR(r.overall.tpot.mean, token_s, 1e-9 * token_s);
    EXPECT_NEAR(r.overall.e2e.mean, prefill_s + 20.0 * real_step_s, 1e-9);
  }
}

// Without drafts the same deployment decodes one token a step.
TEST_F(PerfStepModelTest, WithoutDraftsOneTokenAStep) {
  Fleet fleet;
  fleet.deployments.push_back(deployment(0, 0.5));
  ASSERT_TRUE(fleet.deployments[0].step_model);
  Workload w;
  w.services.push_back(testing::poisson_service(1e-3, LengthDistribution::fixed(100),
                                                LengthDistribution::fixed(31), "deepseek-v3"));
  w.requests = 1;
  const Results r = testing::run_checked(fleet, w, Options{});
  const double step_s = kOverheadS + 2.0 * kMoeLayers * kCollectiveS;
  EXPECT_NEAR(r.overall.e2e.mean, step_s + 30.0 * step_s, 1e-9);
}

// Under attention-DP each sequence's KV lives on one of the 8 ranks: a sequence longer than
// an eighth of the replica's KV cache (minus the admission watermark) cannot be served even
// though the pooled cache would hold it; one that fits a rank is served.
TEST_F(PerfStepModelTest, AttentionDpSequenceMustFitOneRank) {
  Fleet fleet;
  fleet.deployments.push_back(deployment(0, 0.5));
  ASSERT_TRUE(fleet.deployments[0].step_model);
  const StepTimeModel& model = *fleet.deployments[0].step_model;
  EXPECT_EQ(model.kv_ranks(), 8);
  const double rank_tokens = model.kv_capacity_tokens() / 8.0;
  fleet.deployments[0].max_sequence_tokens = 0;  // the context window is not what is tested
  for (const double share : {0.5, 1.5}) {
    Workload w;
    const auto input = static_cast<long long>(share * rank_tokens);
    w.services.push_back(testing::poisson_service(1e-3, LengthDistribution::fixed(input),
                                                  LengthDistribution::fixed(2), "deepseek-v3"));
    w.requests = 1;
    const Results r = testing::run_checked(fleet, w, Options{});
    EXPECT_EQ(r.overall.completed, share < 1 ? 1 : 0) << "share " << share;
    EXPECT_EQ(r.overall.dropped, share < 1 ? 0 : 1) << "share " << share;
  }
}

// A loaded DP + MTP replica under Poisson arrivals: every request completes, L = X W holds
// (run_checked) and the throughput is the offered rate (the replica is far from saturated:
// a real step serves its whole batch in 21 ms).
TEST_F(PerfStepModelTest, LoadedReplicaObeysLittlesLaw) {
  Fleet fleet;
  fleet.deployments.push_back(deployment(1, 0.5));
  ASSERT_TRUE(fleet.deployments[0].step_model);
  Workload w;
  w.services.push_back(testing::poisson_service(20.0, LengthDistribution::fixed(100),
                                                LengthDistribution::fixed(31), "deepseek-v3"));
  w.requests = 5000;
  const Results r = testing::run_checked(fleet, w, Options{});
  EXPECT_EQ(r.overall.completed, 5000);
  EXPECT_NEAR(r.overall.throughput_requests_per_s, 20.0, 0.05 * 20.0);
}

}  // namespace
}  // namespace fleetplan::sim
