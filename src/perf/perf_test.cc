#include "perf/perf.h"
#include "perf/perf_test_util.h"

#include <cmath>
#include <cstdlib>
#include <random>

#include <gtest/gtest.h>

namespace fleetplan::perf {
namespace {

class PerfTest : public testing::CatalogTest {
 protected:
  //! A request for `model_name` on `chip_name`, the other fields at their defaults.
  static EstimateRequest request(const char* model_name, const char* chip_name) {
    EstimateRequest req;
    req.model = &model(model_name);
    req.accelerator = &chip(chip_name);
    return req;
  }
};

TEST_F(PerfTest, ParameterCountsMatchPublishedTotals) {
  // Published totals (model cards / papers): Llama 2 70B 68.98 B, Llama 3.1 8B 8.03 B,
  // Llama 3.1 405B 405.85 B, Mixtral 8x7B 46.7 B (12.9 B active), DeepSeek-V3 671 B (37 B
  // active, without the 11.5 B MTP module).
  const struct {
    const char* name;
    double total;
    double active;
  } cases[] = {{"llama2-70b", 68.98e9, 68.98e9},
               {"llama3.1-8b", 8.03e9, 8.03e9},
               {"llama3.1-405b", 405.85e9, 405.85e9},
               {"mixtral-8x7b", 46.7e9, 12.9e9},
               {"deepseek-v3", 671e9, 37e9}};
  for (const auto& c : cases) {
    const auto& m = model(c.name);
    EXPECT_NEAR(parameter_count(m) / c.total, 1.0, 0.02) << c.name;
    EXPECT_NEAR(active_parameter_count(m) / c.active, 1.0, 0.03) << c.name;
  }
}

TEST_F(PerfTest, KvCacheBytesPerTokenFromTheArchitecture) {
  // Llama 2 70B, BF16: 80 layers x (K + V) x 8 KV heads x 128 dims x 2 bytes = 327,680 B.
  DeploymentSpec spec{
      &model("llama2-70b"), &chip("H200-SXM"), {}, Precision::kFp8, Precision::kBf16};
  auto r = ReplicaModel::create(spec, ideal());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_DOUBLE_EQ(r->kv_bytes_per_token(), 327680.0);
  // DeepSeek-V3 MLA, BF16: 61 layers x (512 latent + 64 rope) x 2 bytes = 70,272 B per token,
  // the same on every TP rank (the latent is not split over heads).
  DeploymentSpec ds{
      &model("deepseek-v3"), &chip("H200-SXM"), {8, 1, 1, 1}, Precision::kFp8, Precision::kBf16};
  auto mla = ReplicaModel::create(ds, ideal());
  ASSERT_TRUE(mla.ok()) << mla.error().message;
  EXPECT_DOUBLE_EQ(mla->kv_bytes_per_token() / 8, 70272.0);
}

TEST_F(PerfTest, DecodeAtBatchOneIsTheWeightStreamOverBandwidth) {
  // Llama 2 70B FP8 on one H200 at ideal efficiency: a decode step streams every weight once.
  // Per layer: Q 8192^2 + KV 2x8192x1024 + O 8192^2 + FFN 3x8192x28672 = 855,638,016 params;
  // x 80 = 68,451,041,280 bytes at FP8, + embeddings and LM head 2 x 8192 x 32000 at BF16
  // = 1,048,576,000 bytes. At 4.8 TB/s: 69,499,617,280 / 4.8e12 = 14.479 ms.
  DeploymentSpec spec{
      &model("llama2-70b"), &chip("H200-SXM"), {}, Precision::kFp8, Precision::kFp8};
  auto r = ReplicaModel::create(spec, ideal());
  ASSERT_TRUE(r.ok()) << r.error().message;
  const DecodeCost cost = r->decode_cost(1);
  EXPECT_NEAR(cost.memory_s, 69499617280.0 / 4.8e12, 1e-9);
  EXPECT_EQ(cost.bound(0), Bound::kMemory);
  // Each context token adds its KV: 80 x 2 x 8 x 128 x 1 byte = 163,840 bytes.
  EXPECT_NEAR(cost.kv_s_per_token, 163840.0 / 4.8e12, 1e-15);
  // Compute at batch 1: 2 FLOPs per weight: (68,451,041,280 + 262,144,000 LM head) x 2 over
  // 1,979 TFLOPS = 0.0694 ms, far below the memory time.
  EXPECT_NEAR(cost.dense_compute_s, 2.0 * (68451041280.0 + 262144000.0) / 1979e12, 1e-9);
  // One operator class (dense GEMMs), bound by its weights: the step is that read.
  EXPECT_NEAR(cost.gemm_s, 69499617280.0 / 4.8e12, 1e-9);
  EXPECT_EQ(cost.gemm_compute_bound_s, 0.0);
}

TEST_F(PerfTest, EachOperatorTakesItsOwnRoofline) {
  // DeepSeek-V3 FP8 weights, BF16 latent cache, on 8 x H200 as DEP8 (attention-DP, EP8) at
  // ideal efficiency, 256 sequences (32 a rank) of 4,000 tokens of context each.
  // Attention (MLA, absorbed): 2 x 128 x (512 + 64) + 2 x 128 x 512 = 278,528 FLOPs per pair
  // and layer, x 61 layers, over the 8 devices at the BF16 rate (989 TFLOPS; no FP8 cache),
  // against 61 x 576 x 2 bytes of latent per token over 8 ranks at 4.8 TB/s: 4.29 ps against
  // 1.83 ps a context token, so attention is bound by compute.
  // Routed experts: 58 MoE layers x 256 experts x 3 x 7168 x 2048 parameters (1 byte) over 8
  // devices, of which 256 tokens x top-8 touch 1 - (1 - 8/256)^256 = 99.97 %; their GEMMs
  // (40.9 GFLOP a token, padded to 64-row tiles: ~8 rows an expert) take ~6 ms, their weights
  // ~17 ms: bound by memory. A single max over the step would let attention's compute hide
  // under the experts' reads; per operator both count.
  const catalog::Model& v3 = model("deepseek-v3");
  DeploymentSpec spec{
      &v3, &chip("H200-SXM"), {8, 1, 8, 1, true}, Precision::kFp8, Precision::kBf16};
  auto r = ReplicaModel::create(spec, ideal());
  ASSERT_TRUE(r.ok()) << r.error().message;
  const DecodeCost cost = r->decode_cost(256);
  const double attention_per_token = 61.0 * (2.0 * 128 * 576 + 2.0 * 128 * 512) / (8 * 989e12);
  const double kv_per_token = 61.0 * 576 * 2 / 8 / 4.8e12;
  EXPECT_NEAR(cost.compute_s_per_token, attention_per_token, 1e-20);
  EXPECT_NEAR(cost.kv_s_per_token, kv_per_token, 1e-20);
  const double touched = 1.0 - std::pow(1.0 - 8.0 / 256.0, 256.0);
  const double expert_read_s = 58.0 * 256 * 3 * 7168 * 2048 / 8 * touched / 4.8e12;
  EXPECT_NEAR(cost.expert_memory_s, expert_read_s, 1e-9);
  EXPECT_LT(cost.expert_compute_s, 0.5 * cost.expert_memory_s);
  EXPECT_LT(cost.dense_compute_s, cost.dense_memory_s);
  EXPECT_NEAR(cost.gemm_s, cost.dense_memory_s + expert_read_s, 1e-9);
  EXPECT_EQ(cost.gemm_compute_bound_s, 0.0);
  // Every context token adds attention's compute, not its KV read.
  const double context = 256.0 * 4000;
  EXPECT_NEAR(cost.time(context) - cost.time(0), attention_per_token * context, 1e-9);
  // The sum of per-operator maxima exceeds one max over the whole step by attention's
  // compute less its reads.
  const double all_compute =
      cost.dense_compute_s + cost.expert_compute_s + attention_per_token * context;
  const double all_memory = cost.dense_memory_s + expert_read_s + kv_per_token * context;
  const double single_max = cost.overhead_s + cost.comm_s + std::max(all_compute, all_memory);
  EXPECT_NEAR(cost.time(context) - single_max, (attention_per_token - kv_per_token) * context,
              1e-9);
  // The step is mostly the experts' and dense weights' reads: memory-bound.
  EXPECT_EQ(cost.bound(context), Bound::kMemory);
}

TEST_F(PerfTest, PromptsRidingInADecodeStepShareItsExpertTiles) {
  // Llama 4 Maverick (24 MoE layers of 128 experts, top-1, 3 x 5120 x 8192 parameters each)
  // on 8 x H200 as TP8, ideal efficiency. 4,096 decoding sequences give each expert about
  // 4096 / 128 = 32 token rows, half a 64-row tile: the grouped GEMMs cost as if 8,192
  // tokens ran. A 4,096-token prompt chunk in the same step fills those tiles: 8,192 tokens,
  // 64 rows an expert, no padding, so its experts add nothing; priced alone, its 32 rows an
  // expert would cost 2 x 4096 tokens' expert FLOPs.
  DeploymentSpec spec{&model("llama4-maverick-17b-128e"),
                      &chip("H200-SXM"),
                      {8, 1, 1, 1},
                      Precision::kFp8,
                      Precision::kFp8};
  auto r = ReplicaModel::create(spec, ideal());
  ASSERT_TRUE(r.ok()) << r.error().message;
  const double expert_flops = 2.0 * 24 * 3 * 5120 * 8192;  // per token, top-1
  const double alone_s = 2.0 * 4096 * expert_flops / (8 * 1979e12);
  const double pairs = 4096.0 * 4096 / 2;
  const double priced_alone = r->prefill_marginal_time_s(4096, pairs);
  const double riding = r->prefill_marginal_time_s(4096, pairs, 4096);
  // Riding, it also sends its activations in the step's own all-reduces: two a layer over 48
  // layers, 6 us each (an NVLink collective's latency), not paid again.
  EXPECT_NEAR(priced_alone - riding, alone_s + 2.0 * 48 * 6e-6, 1e-6 * alone_s);
}

TEST_F(PerfTest, TotalTimeIsTheExactSumOfSteps) {
  // DecodeCost::total_time must equal the step-by-step sum for any crossing of the two lines.
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (int trial = 0; trial < 200; ++trial) {
    DecodeCost c;
    c.overhead_s = u(rng) * 1e-3;
    c.comm_s = u(rng) * 1e-3;
    c.compute_s = u(rng) * 2e-2;
    c.compute_s_per_token = u(rng) * 1e-7;
    c.memory_s = u(rng) * 2e-2;
    c.kv_s_per_token = u(rng) * 1e-7;
    const int batch = 1 + static_cast<int>(u(rng) * 64);
    const long long steps = 1 + static_cast<long long>(u(rng) * 500);
    const double s0 = u(rng) * 1e5;
    double sum = 0;
    for (long long i = 0; i < steps; ++i) {
      sum += c.time(s0 + static_cast<double>(batch) * static_cast<double>(i));
    }
    EXPECT_NEAR(c.total_time(s0, batch, steps), sum, 1e-9 * std::max(1.0, sum)) << trial;
  }
}

TEST_F(PerfTest, ModelThatDoesNotFitIsAnError) {
  // Llama 3.1 405B in BF16 needs ~812 GB of weights; 8 x H100 have 640 GB.
  EstimateRequest req = request("llama3.1-405b", "H100-SXM");
  req.count = 8;
  req.weights = req.kv_cache = Precision::kBf16;
  auto table = EfficiencyTable::load_builtin();
  ASSERT_TRUE(table.ok());
  auto est = estimate(req, *table);
  ASSERT_FALSE(est.ok());
  EXPECT_EQ(est.error().kind, ErrorKind::kInfeasible);
  EXPECT_NE(est.error().message.find("does not fit"), std::string::npos) << est.error().message;
  // In FP8 (~406 GB) it fits on the same eight GPUs.
  req.weights = req.kv_cache = Precision::kFp8;
  EXPECT_TRUE(estimate(req, *table).ok());
}

TEST_F(PerfTest, Fp4WithoutFp4UnitsComputesInBf16AndPaysTheUnpacking) {
  // Hopper has no FP4 tensor cores: FP4 weights halve the bytes, but the GEMMs run in BF16
  // (989 TFLOPS dense on H100 SXM, vs 1,979 in FP8) and every weight element read is unpacked
  // on the vector units: 2 operations at 989 / 15 TFLOPS.
  DeploymentSpec fp8{
      &model("llama3.1-70b"), &chip("H100-SXM"), {2, 1, 1, 1}, Precision::kFp8, Precision::kFp8};
  DeploymentSpec fp4 = fp8;
  fp4.weights = Precision::kFp4;
  auto a = ReplicaModel::create(fp8, ideal());
  auto b = ReplicaModel::create(fp4, ideal());
  ASSERT_TRUE(a.ok() && b.ok());
  // Linear weights per device: 70.55e9 parameters less 2 x 8192 x 128256 embedding/LM head,
  // halved by TP2; FP4 elements are read once per step (one micro-batch).
  const double linear_params = (parameter_count(model("llama3.1-70b")) - 2.0 * 8192 * 128256) / 2;
  const double unpack_s = linear_params * 2.0 / (989e12 / 15.0);
  const double gemm_fp8 = a->decode_cost(256).dense_compute_s;
  EXPECT_NEAR(b->decode_cost(256).dense_compute_s, 1979.0 / 989.0 * gemm_fp8 + unpack_s,
              1e-9 * gemm_fp8);
  EXPECT_GT(b->decode_cost(256).dense_compute_s, 2.0 * gemm_fp8);
  EXPECT_LT(b->decode_cost(1).dense_memory_s, 0.6 * a->decode_cost(1).dense_memory_s);
  // Blackwell has FP4 units: the same weights compute twice as fast as FP8, nothing unpacked.
  fp8.accelerator = fp4.accelerator = &chip("B200");
  auto c = ReplicaModel::create(fp8, ideal());
  auto d = ReplicaModel::create(fp4, ideal());
  ASSERT_TRUE(c.ok() && d.ok());
  EXPECT_NEAR(d->decode_cost(256).dense_compute_s / c->decode_cost(256).dense_compute_s, 0.5,
              1e-12);
}

TEST_F(PerfTest, RedundantExpertsWhenEpDoesNotDivideThem) {
  // DeepSeek-V3: 58 MoE layers of 256 routed experts, each 3 x 7168 x 2048 = 44,040,192
  // parameters (1 byte at FP8). Attention-DP over 48 devices gives each ceil(256/48) = 6
  // expert slots per layer (32 redundant copies in all); over 64 devices, 256/64 = 4. The
  // non-expert weights are a full copy on every rank in both, so the per-device weights differ
  // by 58 x 2 x 44,040,192 = 5,108,662,272 bytes.
  const catalog::Model& v3 = model("deepseek-v3");
  DeploymentSpec dep48{
      &v3, &chip("Ascend-910C"), {48, 1, 48, 1, true}, Precision::kFp8, Precision::kBf16};
  DeploymentSpec dep64 = dep48;
  dep64.parallelism = {64, 1, 64, 1, true};
  auto a = ReplicaModel::create(dep48, ideal());
  auto b = ReplicaModel::create(dep64, ideal());
  ASSERT_TRUE(a.ok()) << a.error().message;
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_NEAR(a->memory().weights - b->memory().weights, 5108662272.0, 1.0);
  // Plain EP48 (experts sliced, attention not data-parallel) cannot hold redundant copies.
  DeploymentSpec plain = dep48;
  plain.parallelism.attention_dp = false;
  EXPECT_FALSE(ReplicaModel::create(plain, ideal()).ok());
  // The search offers attention-DP over the whole 384-package CloudMatrix domain (tp beyond
  // the 128 heads), and no plain TP beyond the heads.
  bool whole_domain = false;
  for (const Parallelism& p : candidate_layouts(v3, chip("Ascend-910C"), 384)) {
    EXPECT_TRUE(p.tp <= v3.heads || p.attention_dp) << p.tp;
    whole_domain = whole_domain || (p.tp == 384 && p.ep == 384 && p.attention_dp);
  }
  EXPECT_TRUE(whole_domain);
}

TEST_F(PerfTest, KvCacheIsNeverFp4ByDefault) {
  // FP4 weights on Hopper or Blackwell keep an FP8 cache (both have FP8 units); on the A100
  // (no FP8 units) FP8 weights keep a BF16 cache; BF16 weights keep BF16 everywhere.
  EXPECT_EQ(default_kv_cache(chip("H100-SXM"), Precision::kFp4), Precision::kFp8);
  EXPECT_EQ(default_kv_cache(chip("B200"), Precision::kFp4), Precision::kFp8);
  EXPECT_EQ(default_kv_cache(chip("A100-SXM-80G"), Precision::kFp8), Precision::kBf16);
  EXPECT_EQ(default_kv_cache(chip("H100-SXM"), Precision::kBf16), Precision::kBf16);
}

TEST_F(PerfTest, PipelineBubbleKeepsBatchOneAtTheWeightStream) {
  // One sequence through 8 pipeline stages: its next token needs all 8 stages in turn, so a
  // step still streams every weight once, 69,499,617,280 bytes of Llama 2 70B at FP8 (see
  // DecodeAtBatchOneIsTheWeightStreamOverBandwidth) over 4.8 TB/s = 14.479 ms: the physical
  // floor, which spreading the layers over 8 chips does not lower.
  const double floor_s = 69499617280.0 / 4.8e12;
  DeploymentSpec spec{
      &model("llama2-70b"), &chip("H200-SXM"), {1, 8, 1, 1}, Precision::kFp8, Precision::kFp8};
  auto r = ReplicaModel::create(spec, ideal());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_NEAR(r->decode_cost(1).dense_memory_s, floor_s, 1e-9);
  EXPECT_GE(r->decode_step_time_s(1, 0), floor_s);
  // A full pipeline (batch >= 8) also reads each stage's weights once per micro-batch: 8 reads
  // of 1/8 of the weights per step, the same 14.479 ms, now for 8 sequences at once.
  EXPECT_NEAR(r->decode_cost(8).dense_memory_s, floor_s, 1e-9);
  // KV: a token of context costs 163,840 bytes over the 8 stages, 20,480 on each. With one
  // sequence all 8 stage reads are in series; with 3 micro-batches in flight, 3 run at once:
  // 8 slots each reading a third of the context's 20,480 bytes per token.
  EXPECT_NEAR(r->decode_cost(1).kv_s_per_token, 163840.0 / 4.8e12, 1e-15);
  EXPECT_NEAR(r->decode_cost(3).kv_s_per_token, 8.0 * 20480.0 / 3.0 / 4.8e12, 1e-15);
}

TEST_F(PerfTest, LayoutsKeepTensorParallelInsideTheScaleUpDomain) {
  const auto layouts = candidate_layouts(model("llama3.1-70b"), chip("H100-SXM"), 64);
  ASSERT_FALSE(layouts.empty());
  for (const auto& p : layouts) {
    EXPECT_LE(p.tp, 8);
    EXPECT_EQ(p.devices(), 64);
  }
}

TEST_F(PerfTest, LatencyTargetsHoldAtTheChosenBatch) {
  auto table = EfficiencyTable::load_builtin();
  ASSERT_TRUE(table.ok());
  EstimateRequest req = request("llama3.1-70b", "H100-SXM");
  req.count = 8;
  req.input_len = 1024;
  req.output_len = 256;
  // Colocated replicas: the check below re-estimates the chosen layout as one replica set
  // (a disaggregated shape applies the tail ratio per decode instance instead).
  req.disaggregation = SearchMode::kOff;
  auto offline = estimate(req, *table);
  req.tpot_target_ms = 40;
  req.ttft_target_ms = 1000;
  auto bounded = estimate(req, *table);
  ASSERT_TRUE(offline.ok() && bounded.ok());
  EXPECT_TRUE(bounded->meets_targets);
  // Targets are p99; the model's means carry the simulated p99/mean ratios at the load:
  // throughput over the same layout's offline maximum.
  EstimateRequest same = req;
  same.tpot_target_ms.reset();
  same.ttft_target_ms.reset();
  same.parallelism = bounded->parallelism;
  auto peak = estimate(same, *table);
  ASSERT_TRUE(peak.ok()) << peak.error().message;
  const double u = bounded->throughput_output_tokens_per_s / peak->throughput_output_tokens_per_s;
  EXPECT_LE(bounded->tpot_ms * table->tails().tpot(u), 40.0 + 1e-9);
  EXPECT_LE(bounded->ttft_ms * table->tails().ttft(u), 1000.0 + 1e-9);
  EXPECT_NE(table->tails().source().find("simulated"), std::string::npos);
  EXPECT_LE(bounded->throughput_output_tokens_per_s, offline->throughput_output_tokens_per_s);
}

TEST_F(PerfTest, MoreDevicesNeverServeLess) {
  auto table = EfficiencyTable::load_builtin();
  ASSERT_TRUE(table.ok());
  EstimateRequest req = request("llama3.1-8b", "H100-SXM");
  double last = 0;
  for (const int count : {1, 2, 4, 8}) {
    req.count = count;
    auto est = estimate(req, *table);
    ASSERT_TRUE(est.ok());
    EXPECT_GT(est->throughput_output_tokens_per_s, last);
    last = est->throughput_output_tokens_per_s;
  }
}

// Issue 8 A5: the deployment's concurrency (batch x replicas) was an int; 2048 sequences on
// each of 2^20 single-device replicas is 2^31, one past INT_MAX (UBSan: signed overflow).
TEST_F(PerfTest, ConcurrencyOfAHugeDeploymentDoesNotOverflow) {
  auto table = EfficiencyTable::load_builtin();
  ASSERT_TRUE(table.ok());
  EstimateRequest req = request("llama3.1-8b", "B200");
  req.count = kMaxDevices;
  req.input_len = 16;
  req.output_len = 16;
  req.parallelism = Parallelism{};  // tp 1 pp 1: 2^20 replicas
  auto est = estimate(req, *table);
  ASSERT_TRUE(est.ok()) << est.error().message;
  EXPECT_EQ(est->parallelism.replicas, 1 << 20);
  EXPECT_EQ(est->batch, table->for_family(chip("B200").family).max_batch);
  EXPECT_EQ(est->concurrency, static_cast<long long>(est->batch) << 20);
  EXPECT_GT(est->concurrency, 0);
}

// Issue 8 A2, B7, B8: sizes are bounded, NaN targets refused, and the messages name the
// request's fields, never a command-line flag (a server caller never saw `--count`).
TEST_F(PerfTest, OutOfRangeRequestsNameTheirField) {
  auto table = EfficiencyTable::load_builtin();
  ASSERT_TRUE(table.ok());
  EstimateRequest base;
  base.model = &model("llama3.1-8b");
  base.accelerator = &chip("H100-SXM");
  const struct {
    void (*edit)(EstimateRequest&);
    const char* message;
  } cases[] = {
      {[](EstimateRequest& r) { r.count = 0; }, "count = 0 is out of range; expected 1 to 1048576"},
      {[](EstimateRequest& r) { r.count = kMaxDevices + 1; },
       "count = 1048577 is out of range; expected 1 to 1048576"},
      {[](EstimateRequest& r) { r.input_len = kMaxTokens + 1; },
       "input_len = 16777217 is out of range"},
      {[](EstimateRequest& r) { r.output_len = -1; }, "output_len = -1 is out of range"},
      {[](EstimateRequest& r) { r.concurrency = 0; }, "concurrency = 0 is out of range"},
      {[](EstimateRequest& r) { r.ttft_target_ms = std::nan(""); },
       "ttft_target_ms = nan is not a latency target"},
      {[](EstimateRequest& r) { r.tpot_target_ms = HUGE_VAL; },
       "tpot_target_ms = inf is not a latency target"},
      {[](EstimateRequest& r) {
         r.parallelism = Parallelism{0, 1, 1, 1, false};
       },
       "parallelism.tp = 0 is out of range"},
  };
  for (const auto& c : cases) {
    EstimateRequest req = base;
    c.edit(req);
    auto est = estimate(req, *table);
    ASSERT_FALSE(est.ok()) << c.message;
    EXPECT_EQ(est.error().kind, ErrorKind::kInput);
    EXPECT_NE(est.error().message.find(c.message), std::string::npos) << est.error().message;
    EXPECT_EQ(est.error().message.find("--"), std::string::npos) << est.error().message;
  }
}

}  // namespace
}  // namespace fleetplan::perf

namespace fleetplan::perf {
namespace {

// The tail table interpolates linearly between its points and holds its ends: halfway
// between (0.2: 1.5, 1.1) and (0.6: 2.5, 1.3) lies (0.4: 2.0, 1.2).
TEST(TailTableTest, InterpolatesBetweenSimulatedLoads) {
  auto t = TailTable::from_points({{0.6, 2.5, 1.3}, {0.2, 1.5, 1.1}}, "test");
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_DOUBLE_EQ(t->ttft(0.4), 2.0);
  EXPECT_DOUBLE_EQ(t->tpot(0.4), 1.2);
  EXPECT_DOUBLE_EQ(t->ttft(0.05), 1.5);
  EXPECT_DOUBLE_EQ(t->tpot(0.99), 1.3);
  auto bad = TailTable::from_points({{0.5, 0.9, 1.1}}, "test");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("tails.points[0]"), std::string::npos);
}

// A latency target is checked at p99: the mean times the table's ratio at the load. With
// the ratios doubled, the batch that meets a TPOT target shrinks (the mean TPOT must halve
// its headroom), and the chosen batch meets target / ratio at the mean.
TEST(TailTableTest, LatencyTargetsUseTheTableAtTheirLoad) {
  setenv("FLEETPLAN_DATA_DIR", FLEETPLAN_TEST_DATA_DIR, 1);
  auto catalog = catalog::Catalog::load();
  ASSERT_TRUE(catalog.ok()) << catalog.error().message;
  EfficiencyTable table;
  table.set(Efficiency{});
  EstimateRequest req;
  req.model = *catalog->model("llama3.1-8b");
  req.accelerator = *catalog->accelerator("H100-SXM");
  req.tpot_target_ms = 40;
  auto mild = TailTable::from_points({{1.0, 1.0, 1.1}}, "mild");
  auto harsh = TailTable::from_points({{1.0, 1.0, 2.2}}, "harsh");
  ASSERT_TRUE(mild.ok() && harsh.ok());
  table.set_tails(*mild);
  auto a = estimate(req, table);
  table.set_tails(*harsh);
  auto b = estimate(req, table);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_LE(a->tpot_ms * 1.1, 40.0);
  EXPECT_LE(b->tpot_ms * 2.2, 40.0);
  EXPECT_LT(b->batch, a->batch);
  EXPECT_GT(b->tpot_ms * 2.2, 40.0 * 0.8);  // the largest batch that fits, not any
}

}  // namespace
}  // namespace fleetplan::perf
