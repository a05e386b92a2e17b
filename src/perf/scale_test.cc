// Large deployments: prefill/decode disaggregation (P:D ratio, KV transfer over the link),
// speculative decoding with MTP modules, expert parallelism beyond the scale-up domain.
// Expected values are derived by hand in each test from the architectures in
// data/catalog/models.yaml and the stated chip figures.
#include <cmath>
#include <cstdlib>
#include <optional>

#include <gtest/gtest.h>

#include "catalog/test_catalog.h"
#include "perf/engine.h"
#include "perf/perf.h"

namespace fleetplan::perf {
namespace {

class Scale : public ::testing::Test {
 protected:
  static const catalog::Model& model(const char* name) {
    return **catalog::testing::builtin_catalog().model(name);
  }
  static const catalog::Accelerator& chip(const char* name) {
    return **catalog::testing::builtin_catalog().accelerator(name);
  }
  // A chip whose compute and memory are so fast that a step costs its fixed overheads and
  // its communication alone (1e21 FLOP/s, 1e18 B/s, 1 TB of memory): the times below are
  // then sums of overheads and link transfers, exact by hand.
  static catalog::Accelerator overhead_only_chip(double scaleup_bytes_per_s) {
    catalog::Accelerator a = chip("H100-SXM");
    a.name = "overhead-only";
    for (double& f : a.dense_flops) {
      f = f > 0 ? 1e21 : 0;
    }
    a.memory_bw = 1e18;
    a.memory_bytes = 1e12;
    a.scaleup_bw = scaleup_bytes_per_s;
    a.scaleup_domain = 8;
    return a;
  }
  static EfficiencyTable overhead_table(const std::string& family) {
    Efficiency e;
    e.family = family;
    e.compute = 1.0;
    e.memory = 1.0;
    e.link = 1.0;
    e.moe_compute = 1.0;
    e.step_overhead_s = 0.010;
    e.layer_overhead_s = 0;
    e.seq_overhead_s = 0;
    e.max_batch = 2048;
    e.max_num_tokens = 8192;
    EfficiencyTable t;
    t.set(e);
    return t;
  }
  // Llama 3.1 8B on `count` x `a`, FP8 weights and a BF16 KV cache: prompts of 1,024 tokens,
  // outputs of 128.
  static EstimateRequest llama8b_request(const catalog::Accelerator& a, int count) {
    EstimateRequest req;
    req.model = &model("llama3.1-8b");
    req.accelerator = &a;
    req.count = count;
    req.weights = Precision::kFp8;
    req.kv_cache = Precision::kBf16;
    req.input_len = 1024;
    req.output_len = 128;
    return req;
  }
};

// Llama 3.1 8B: 32 layers, 8 KV heads of 128: K and V are 2 x 8 x 128 x 32 = 65,536
// elements a token, 131,072 bytes in BF16; a 1,024-token prompt holds 134,217,728 bytes.
constexpr double kLlama8bKvBytesPerPrompt = 134217728.0;

TEST_F(Scale, KvTransferIsTheBytesOverTheLink) {
  const catalog::Accelerator a = overhead_only_chip(1e12);
  EstimateRequest req = llama8b_request(a, 3);
  auto est = estimate_disaggregated(req, overhead_table(a.family));
  ASSERT_TRUE(est.ok()) << est.error().message;
  ASSERT_TRUE(est->disaggregated.has_value());
  const DisaggregatedShape& d = *est->disaggregated;
  EXPECT_DOUBLE_EQ(d.kv_bytes_per_request, kLlama8bKvBytesPerPrompt);
  // One device holds the prompt's KV (tp=1) and sends it over one 1 TB/s link.
  EXPECT_TRUE(d.kv_over_scaleup);
  EXPECT_NEAR(d.kv_transfer_ms, kLlama8bKvBytesPerPrompt / 1e12 * 1e3, 1e-9);
}

TEST_F(Scale, DisaggregatedStepTimesAndTheRatioByHand) {
  // Every step costs its 10 ms overhead (plus the tp=2 all-reduce latencies, which make the
  // larger instances worse per device, so tp=1 instances win):
  //   prefill: 8,192 tokens a step = 8 prompts of 1,024 per 10 ms = 800 requests/s a device;
  //   decode: the 2,048-sequence cap, one token each per 10 ms, 128 tokens a request
  //           = 2,048 / (128 x 0.010) = 1,600 requests/s a device.
  // On 3 devices 2 prefill + 1 decode serve min(2 x 800, 1,600) = 1,600 requests/s, i.e.
  // 204,800 output tokens/s; TTFT = half a running step + its own step + the KV transfer
  // = 5 + 10 + 0.134 ms; TPOT = 10 ms.
  const catalog::Accelerator a = overhead_only_chip(1e12);
  EstimateRequest req = llama8b_request(a, 3);
  auto est = estimate_disaggregated(req, overhead_table(a.family));
  ASSERT_TRUE(est.ok()) << est.error().message;
  const DisaggregatedShape& d = *est->disaggregated;
  EXPECT_EQ(d.prefill_instances, 2);
  EXPECT_EQ(d.decode_instances, 1);
  EXPECT_EQ(d.prefill.devices_per_replica(), 1);
  EXPECT_EQ(d.decode.devices_per_replica(), 1);
  EXPECT_EQ(d.idle_devices, 0);
  EXPECT_EQ(d.prefill_tokens_per_step, 8192);
  EXPECT_NEAR(d.prefill_step_ms, 10.0, 1e-3);
  EXPECT_EQ(est->batch, 2048);
  EXPECT_NEAR(est->tpot_ms, 10.0, 1e-3);
  EXPECT_NEAR(est->throughput_output_tokens_per_s, 204800.0, 204800.0 * 1e-4);
  EXPECT_NEAR(est->ttft_ms, 15.0 + kLlama8bKvBytesPerPrompt / 1e12 * 1e3, 1e-3);
  EXPECT_NEAR(d.prefill_tokens_per_s_per_device, 800.0 * 1024, 800.0 * 1024 * 1e-4);
  EXPECT_NEAR(d.decode_tokens_per_s_per_device, 1600.0 * 128, 1600.0 * 128 * 1e-4);
}

TEST_F(Scale, TheKvLinkCapsTheRequestRate) {
  // At 100 GB/s a prompt's 134,217,728 bytes take 1.342 ms: a prefill device sends at most
  // 1e11 / 134,217,728 = 745.06 prompts/s (below its 800) and a decode device receives as
  // many. 1 prefill + 1 decode device serve 745.06 requests/s x 128 output tokens.
  const catalog::Accelerator a = overhead_only_chip(1e11);
  EstimateRequest req = llama8b_request(a, 2);
  auto est = estimate_disaggregated(req, overhead_table(a.family));
  ASSERT_TRUE(est.ok()) << est.error().message;
  const double expected = 1e11 / kLlama8bKvBytesPerPrompt * 128;
  EXPECT_NEAR(est->throughput_output_tokens_per_s, expected, expected * 1e-6);
}

TEST_F(Scale, MaxDeploymentBoundsTheUnit) {
  // Units of at most 2 devices on 3: one unit of 1 prefill + 1 decode, one device idle:
  // min(800, 1,600) = 800 requests/s (see DisaggregatedStepTimesAndTheRatioByHand).
  const catalog::Accelerator a = overhead_only_chip(1e12);
  EstimateRequest req = llama8b_request(a, 3);
  req.max_deployment = 2;
  auto est = estimate_disaggregated(req, overhead_table(a.family));
  ASSERT_TRUE(est.ok()) << est.error().message;
  EXPECT_EQ(est->disaggregated->unit_devices, 2);
  EXPECT_EQ(est->disaggregated->idle_devices, 1);
  EXPECT_NEAR(est->throughput_output_tokens_per_s, 800.0 * 128, 800.0 * 128 * 1e-4);
}

TEST_F(Scale, MtpSpeedUpIsOnePlusAcceptanceOverTheDraftPass) {
  // A dense model streaming its weights at batch 1 (memory-bound, no overheads, tp=1): the
  // verify pass reads the same bytes whether a sequence carries 1 or 2 query tokens, and the
  // one-layer draft module reads 1/L of them again. With one draft token accepted at a:
  //   TPOT ratio = (1 + a) / (1 + 1/L) = 1.8 / (1 + 1/32) for a = 0.8, L = 32.
  catalog::Model m = model("llama3.1-8b");
  m.mtp_layers = 1;
  m.mtp_acceptance = 0.8;
  catalog::Accelerator a = chip("H100-SXM");
  for (double& f : a.dense_flops) {
    f = f > 0 ? 1e21 : 0;  // compute never binds
  }
  Efficiency e;
  e.step_overhead_s = 0;
  DeploymentSpec plain{&m, &a, {1, 1, 1, 1}, Precision::kFp8, Precision::kBf16};
  DeploymentSpec mtp = plain;
  mtp.mtp_draft_tokens = 1;
  mtp.mtp_acceptance = 0.8;
  auto r0 = ReplicaModel::create(plain, e);
  auto r1 = ReplicaModel::create(mtp, e);
  ASSERT_TRUE(r0.ok()) << r0.error().message;
  ASSERT_TRUE(r1.ok()) << r1.error().message;
  EXPECT_DOUBLE_EQ(r1->tokens_per_step(), 1.8);
  const double context = 2000;
  const double tpot_plain = r0->decode_step_time_s(1, context) / r0->tokens_per_step();
  const double tpot_mtp = r1->decode_step_time_s(1, context) / r1->tokens_per_step();
  EXPECT_NEAR(tpot_plain / tpot_mtp, 1.8 / (1.0 + 1.0 / 32), 1e-9);
  // Two draft tokens accepted at 0.8 each given the previous: 1 + 0.8 + 0.64 tokens a step.
  mtp.mtp_draft_tokens = 2;
  auto r2 = ReplicaModel::create(mtp, e);
  ASSERT_TRUE(r2.ok()) << r2.error().message;
  EXPECT_DOUBLE_EQ(r2->tokens_per_step(), 2.44);
}

TEST_F(Scale, MtpNeedsTheModelsModules) {
  DeploymentSpec spec{
      &model("llama3.1-8b"), &chip("H100-SXM"), {1, 1, 1, 1}, Precision::kFp8, Precision::kBf16};
  spec.mtp_draft_tokens = 1;
  spec.mtp_acceptance = 0.8;
  auto r = ReplicaModel::create(spec, Efficiency{});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("multi-token prediction"), std::string::npos);
  EXPECT_EQ(model("deepseek-v3").mtp_layers, 1);
  EXPECT_DOUBLE_EQ(model("deepseek-v3").mtp_acceptance, 0.85);  // DeepSeek-V3 report: 85-90 %
}

TEST_F(Scale, ExpertParallelBeyondTheDomainCrossesTheScaleOutNetwork) {
  // DeepSeek-V3 DEP16 on H200 nodes of 8 (NVLink 450 GB/s a direction, 400 Gb/s = 50 GB/s
  // RDMA), compute and memory made instant, no overheads: a 1,000-token prefill costs only
  // its all-to-alls. Each device sends 1,000 x 8 experts x 7,168 x 2 bytes x 15/16 / 16 =
  // 6,720,000 bytes a dispatch; of its 15 peers 7 are in its node, 8 beyond it:
  //   inside: 6.72e6 x 7/15 / 450e9 = 6.97 us;  outside: 6.72e6 x 8/15 / 50e9 = 71.68 us
  // both at once, the slower sets the time; dispatch + combine on 58 MoE layers, each with
  // a 25 us RDMA latency: 2 x 58 x (25 + 71.68) us = 11.215 ms.
  catalog::Accelerator a = chip("H200-SXM");
  ASSERT_DOUBLE_EQ(a.scaleup_bw, 450e9);
  ASSERT_DOUBLE_EQ(a.scaleout_bw, 50e9);
  ASSERT_EQ(a.scaleup_domain, 8);
  for (double& f : a.dense_flops) {
    f = f > 0 ? 1e21 : 0;
  }
  a.memory_bw = 1e18;
  Efficiency e;
  e.link = 1.0;
  e.step_overhead_s = 0;
  DeploymentSpec spec{
      &model("deepseek-v3"), &a, {16, 1, 16, 1, true}, Precision::kFp8, Precision::kBf16};
  auto r = ReplicaModel::create(spec, e);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const double bytes = 1000.0 * 8 * 7168 * 2 * 15.0 / 16.0 / 16.0;
  const double outside = bytes * 8.0 / 15.0 / 50e9;
  const double expected = 2.0 * 58 * (25e-6 + outside);
  EXPECT_NEAR(r->prefill_batch_time_s(1000, 0), expected, expected * 1e-3);
  EXPECT_NEAR(r->ep_transfer_s(bytes), outside, 1e-12);
}

TEST_F(Scale, EstimateChoosesDisaggregatedExpertParallelForDeepSeekOnCloudMatrix384) {
  const catalog::Accelerator& ascend = chip("Ascend-910C");  // sets the data directory
  auto fitted = EfficiencyTable::load_builtin();
  ASSERT_TRUE(fitted.ok()) << fitted.error().message;
  auto engines = EngineTable::load_builtin();
  ASSERT_TRUE(engines.ok()) << engines.error().message;
  const Engine& engine = engines->default_for(ascend.family);
  ASSERT_EQ(engine.name, "mindie");
  const auto table =
      std::make_optional(with_resolved(*fitted, resolve_factors(*fitted, ascend.family, engine)));
  EstimateRequest req;
  req.model = &model("deepseek-v3");
  req.accelerator = &ascend;
  req.count = 384;
  req.weights = Precision::kInt8;
  req.kv_cache = Precision::kBf16;
  req.input_len = 2000;
  req.output_len = 400;
  req.tpot_target_ms = 50;
  req.engine = engine.name;
  req.layouts = layout_support(engine);
  auto est = estimate(req, *table);
  ASSERT_TRUE(est.ok()) << est.error().message;
  ASSERT_TRUE(est->disaggregated.has_value());
  EXPECT_TRUE(est->meets_targets);
  EXPECT_TRUE(est->disaggregated->decode.attention_dp);
  EXPECT_EQ(est->disaggregated->decode.ep, est->disaggregated->decode.tp);
  EXPECT_LE(est->tpot_ms * 1.25, 50.0);
  // A deployment bounded to 8 devices has no room for 384-chip units.
  req.max_deployment = 8;
  auto small = estimate(req, *table);
  ASSERT_TRUE(small.ok()) << small.error().message;
  EXPECT_LE(small->deployment_devices, 8);
}

}  // namespace
}  // namespace fleetplan::perf
