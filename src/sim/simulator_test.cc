// The kernel on small cases worked out by hand (each expected time is derived in the
// comment above it), the routers, drops, determinism, and the closed-form jumps against the
// step-by-step reference.
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "sim/sim.h"
#include "sim/sim_test_util.h"

namespace fleetplan::sim {
namespace {

using testing::analytic_deployment;
using testing::poisson_service;
using testing::run_checked;

Workload trace_workload(std::vector<TraceRequest> trace, const std::string& model = "m") {
  Workload w;
  w.services.push_back(
      poisson_service(1, LengthDistribution::fixed(1), LengthDistribution::fixed(1), model));
  w.trace = std::move(trace);
  return w;
}

// Both modes must give the same results on the hand-computed cases.
std::vector<Results> run_both(const Fleet& fleet, const Workload& w) {
  std::vector<Results> out;
  for (const bool step_by_step : {false, true}) {
    Options o;
    o.step_by_step = step_by_step;
    out.push_back(run_checked(fleet, w, o));
  }
  return out;
}

// One request of 100 prompt tokens and 5 output tokens arriving at t = 1 on an idle replica.
// Prefill: 0.05 + 1e-4 * 100 = 0.06 s, which yields the first token: TTFT = 0.06.
// Four decode steps follow, with context S = 101, 102, 103, 104 (the prompt and the tokens
// written so far): each 0.01 + 1e-5 S, in all 0.04 + 1e-5 * 410 = 0.0441 s.
// e2e = 0.1041; TPOT = 0.0441 / 4 = 0.011025.
TEST(Simulator, SingleRequestByHand) {
  AnalyticStepParams p;
  p.prefill_s = 0.05;
  p.prefill_s_per_token = 1e-4;
  p.decode_s = 0.01;
  p.decode_s_per_context_token = 1e-5;
  Fleet fleet;
  fleet.deployments.push_back(analytic_deployment(p));
  const Workload w = trace_workload({{1.0, 100, 5, 0}});
  for (const Results& r : run_both(fleet, w)) {
    EXPECT_NEAR(r.overall.ttft.mean, 0.06, 1e-12);
    EXPECT_NEAR(r.overall.e2e.mean, 0.1041, 1e-12);
    EXPECT_NEAR(r.overall.tpot.mean, 0.011025, 1e-12);
    EXPECT_NEAR(r.start_s, 1.0, 1e-12);
    EXPECT_NEAR(r.duration_s, 0.1041, 1e-12);
    EXPECT_NEAR(r.overall.throughput_output_tokens_per_s, 5 / 0.1041, 1e-9);
    EXPECT_EQ(r.steps, 5);
  }
}

// Prefill 0.01 s + 1e-4 s a token + 1e-6 s an attention pair, decode 0.02 s; one replica of
// batch 1 with a 64-token budget a step.
AnalyticStepParams chunked_prefill_params() {
  AnalyticStepParams p;
  p.prefill_s = 0.01;
  p.prefill_s_per_token = 1e-4;
  p.prefill_s_per_pair = 1e-6;
  p.decode_s = 0.02;
  return p;
}

Fleet chunked_prefill_fleet(const AnalyticStepParams& p) {
  Fleet fleet;
  fleet.deployments.push_back(analytic_deployment(p, 1, 1));
  fleet.deployments[0].scheduler.token_budget = 64;
  return fleet;
}

// Chunked prefill: a 150-token prompt with a 64-token budget runs in chunks of 64, 64, 22.
// A chunk of c tokens after d cached ones has c (d + c/2) attention pairs:
//   64 * 32 = 2048, 64 * 96 = 6144, 22 * 139 = 3058.
// Step time 0.01 + 1e-4 c + 1e-6 pairs: 0.018448, 0.022544, 0.015258; TTFT = 0.05625.
// One decode step (output 2) of 0.02 s: e2e = 0.07625.
TEST(Simulator, ChunkedPrefillByHand) {
  const AnalyticStepParams p = chunked_prefill_params();
  const Fleet fleet = chunked_prefill_fleet(p);
  const Workload w = trace_workload({{0.0, 150, 2, 0}});
  for (const Results& r : run_both(fleet, w)) {
    EXPECT_NEAR(r.overall.ttft.mean, 0.05625, 1e-12);
    EXPECT_NEAR(r.overall.e2e.mean, 0.07625, 1e-12);
    EXPECT_EQ(r.steps, 4);
  }
}

// The same 150-token prompt with 40 % of it in the prefix cache: floor(0.4 * 150) = 60 tokens
// are cached, so the 90 computed run in chunks of 64 and 26 after 60 and 124 tokens of
// context: pairs 64 * (60 + 32) = 5888 and 26 * (124 + 13) = 3562; steps 0.01 + 0.0064 +
// 0.005888 = 0.022288 and 0.01 + 0.0026 + 0.003562 = 0.016162: TTFT 0.03845, e2e 0.05845.
// The cache still holds the whole prompt: on a replica of 100 KV tokens the same request
// (151 tokens of KV) is dropped however much of it is cached.
TEST(Simulator, PrefixCacheHitsSkipTheirPrefillByHand) {
  const AnalyticStepParams p = chunked_prefill_params();
  const Fleet fleet = chunked_prefill_fleet(p);
  Workload w = trace_workload({{0.0, 150, 2, 0}});
  w.services[0].prefix_cache_hit_share = 0.4;
  for (const Results& r : run_both(fleet, w)) {
    EXPECT_NEAR(r.overall.ttft.mean, 0.03845, 1e-12);
    EXPECT_NEAR(r.overall.e2e.mean, 0.05845, 1e-12);
    EXPECT_EQ(r.steps, 3);
    EXPECT_DOUBLE_EQ(r.overall.input_tokens, 150);
  }
  AnalyticStepParams tight = p;
  tight.kv_capacity_tokens = 100;
  Fleet small;
  small.deployments.push_back(analytic_deployment(tight, 1, 1));
  w.services[0].prefix_cache_hit_share = 0.9;
  const Results r = run_checked(small, w, {});
  EXPECT_EQ(r.overall.dropped, 1);
  w.services[0].prefix_cache_hit_share = 1.0;
  auto bad = simulate(small, w, {});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("services[0].prefix_cache_hit_share"), std::string::npos)
      << bad.error().message;
}

// Continuous batching, prefill 0.1 s, decode 0.05 s, a step carrying both takes the larger.
// R1 (t = 0, 3 output tokens): prefill [0, 0.1] -> token 1.
// R2 (t = 0.001, 2 tokens) waits for the step boundary at 0.1, then its prefill rides with
// R1's decode: [0.1, 0.2] -> R1 token 2, R2 token 1 (TTFT 0.199).
// [0.2, 0.25] decodes both: R1 token 3 and R2 token 2, both done at 0.25.
// TTFT 0.1 and 0.199; e2e 0.25 and 0.249; TPOT (0.25 - 0.1) / 2 = 0.075 and 0.05 / 1.
TEST(Simulator, ContinuousBatchingByHand) {
  AnalyticStepParams p;
  p.prefill_s = 0.1;
  p.decode_s = 0.05;
  Fleet fleet;
  fleet.deployments.push_back(analytic_deployment(p, 1, 2));
  const Workload w = trace_workload({{0.0, 10, 3, 0}, {0.001, 10, 2, 0}});
  for (const Results& r : run_both(fleet, w)) {
    EXPECT_NEAR(r.overall.ttft.mean, (0.1 + 0.199) / 2, 1e-12);
    EXPECT_NEAR(r.overall.e2e.mean, (0.25 + 0.249) / 2, 1e-12);
    EXPECT_NEAR(r.overall.tpot.mean, (0.075 + 0.05) / 2, 1e-12);
    // Two values x < y: p99 = x + 0.99 (y - x) (linear interpolation).
    EXPECT_NEAR(r.overall.e2e.p99, 0.249 + 0.99 * 0.001, 1e-12);
    EXPECT_EQ(r.steps, 3);
  }
}

// One replica with a KV cache of 24 tokens in blocks of 4 (6 blocks), no watermark; prefill
// 1 s, decode 0.1 s; `reserve_output`: admission reserves the whole sequence.
Fleet tight_kv_fleet(bool reserve_output) {
  AnalyticStepParams p;
  p.prefill_s = 1.0;
  p.decode_s = 0.1;
  p.kv_capacity_tokens = 24;
  Fleet fleet;
  fleet.deployments.push_back(analytic_deployment(p, 1, 8));
  fleet.deployments[0].scheduler.block_size = 4;
  fleet.deployments[0].scheduler.watermark = 0;
  fleet.deployments[0].scheduler.reserve_output = reserve_output;
  return fleet;
}

// Two requests of 8 prompt and 10 output tokens, both at t = 0.
Workload two_requests_at_once() { return trace_workload({{0.0, 8, 10, 0}, {0.0, 8, 10, 0}}); }

// Preemption by recompute. KV cache of 24 tokens in blocks of 4 (6 blocks), no watermark;
// prefill 1 s, decode 0.1 s; two requests of 8 prompt and 10 output tokens at t = 0.
//  t=0   R1 arrives at an idle replica: prefill [0, 1] (2 blocks). R2 arrives during it.
//  t=1   R1 token 1; R1 writes its 9th token into a 3rd block; R2 admitted (2 blocks): 5
//        used; the step carries R1's decode and R2's prefill: [1, 2].
//  t=2   R2 token 1 (TTFT 2). R2 writes its 9th token: block 6 of 6. Decode steps at
//        [2, 2.3] need no new block (KV 10..12 and 9..11).
//  t=2.3 R1 must write token 13 into a new block: none free -> R2, the newest, is
//        preempted (it has 4 tokens; its 3 blocks are freed). No admission in this step.
//        R1 decodes alone: 5 steps to its 10th token, done at 2.8 (e2e 2.8).
//  t=2.8 R2 is readmitted and prefills prompt + 4 generated = 12 tokens, [2.8, 3.8],
//        which yields token 5; 5 more decode steps: done at 4.3.
// TTFT 1 and 2; e2e 2.8 and 4.3; TPOT 1.8/9 and 2.3/9; one preemption.
TEST(Simulator, PreemptionByRecomputeByHand) {
  const Fleet fleet = tight_kv_fleet(false);
  const Workload w = two_requests_at_once();
  for (const Results& r : run_both(fleet, w)) {
    EXPECT_EQ(r.overall.preemptions, 1);
    EXPECT_EQ(r.deployments[0].preemptions, 1);
    EXPECT_NEAR(r.overall.ttft.mean, 1.5, 1e-12);
    EXPECT_NEAR(r.overall.e2e.mean, (2.8 + 4.3) / 2, 1e-12);
    EXPECT_NEAR(r.overall.tpot.mean, (1.8 / 9 + 2.3 / 9) / 2, 1e-12);
    EXPECT_NEAR(r.deployments[0].kv_occupancy_peak, 1.0, 1e-12);
  }
}

// The same two requests with admission that reserves the whole sequence (prompt + output - 1
// = 17 tokens: 5 blocks): R2 cannot be admitted beside R1 and waits; nothing is preempted.
// R1: prefill [0, 1], 9 decode steps: done at 1.9. R2: prefill [1.9, 2.9], done at 3.8.
TEST(Simulator, ReserveAdmissionNeverPreempts) {
  const Fleet fleet = tight_kv_fleet(true);
  const Workload w = two_requests_at_once();
  for (const Results& r : run_both(fleet, w)) {
    EXPECT_EQ(r.overall.preemptions, 0);
    EXPECT_NEAR(r.overall.ttft.mean, (1.0 + 2.9) / 2, 1e-12);
    EXPECT_NEAR(r.overall.e2e.mean, (1.9 + 3.8) / 2, 1e-12);
  }
}

// Prefill/decode disaggregation. The prefill replica takes 1 s for the prompt (TTFT 1);
// the KV cache, 100 tokens x 1000 bytes, crosses a 1 MB/s link in 0.1 s after a 0.5 s
// latency; the decode replica receives it at 1.6 and runs 3 decode steps of 0.1 s: 1.9.
TEST(Simulator, DisaggregatedPrefillDecodeByHand) {
  AnalyticStepParams prefill;
  prefill.prefill_s = 1.0;
  prefill.kv_bytes_per_token = 1000;
  AnalyticStepParams decode;
  decode.decode_s = 0.1;
  decode.kv_bytes_per_token = 1000;
  Fleet fleet;
  fleet.deployments.push_back(analytic_deployment(prefill, 1, 8, "m", "prefill"));
  fleet.deployments.push_back(analytic_deployment(decode, 1, 8, "m", "decode"));
  fleet.deployments[0].role = Role::kPrefill;
  fleet.deployments[1].role = Role::kDecode;
  fleet.deployments[0].kv_link_bytes_per_s = 1e6;
  fleet.deployments[1].kv_link_bytes_per_s = 1e6;
  fleet.kv_transfer_latency_s = 0.5;
  const Workload w = trace_workload({{0.0, 100, 4, 0}});
  for (const Results& r : run_both(fleet, w)) {
    EXPECT_NEAR(r.overall.ttft.mean, 1.0, 1e-12);
    EXPECT_NEAR(r.overall.e2e.mean, 1.9, 1e-12);
    EXPECT_EQ(r.deployments[0].requests, 1);
    EXPECT_EQ(r.deployments[1].requests, 1);
    EXPECT_EQ(r.deployments[0].steps, 1);
    EXPECT_EQ(r.deployments[1].steps, 3);
  }
}

Fleet two_replicas(RouterPolicy policy) {
  AnalyticStepParams p;
  p.prefill_s = 0.01;
  p.decode_s = 0.01;
  p.kv_capacity_tokens = 100000;
  Fleet fleet;
  fleet.deployments.push_back(analytic_deployment(p, 2, 64));
  fleet.router = policy;
  return fleet;
}

std::vector<long long> routed_per_replica(const Fleet& fleet, const Workload& w) {
  // One deployment per replica would be needed to see each replica; instead run with the
  // replicas split into two deployments of one replica each.
  Fleet split = fleet;
  split.deployments = {fleet.deployments[0], fleet.deployments[0]};
  split.deployments[0].replicas = 1;
  split.deployments[1].replicas = 1;
  split.deployments[1].name = "e";
  const Results r = run_checked(split, w, Options{});
  return {r.deployments[0].requests, r.deployments[1].requests};
}

// Round robin alternates: 6 requests give 3 and 3.
TEST(Router, RoundRobinAlternates) {
  std::vector<TraceRequest> trace;
  trace.reserve(6);
  for (int i = 0; i < 6; ++i) {
    trace.push_back({i * 1.0, 10, 10, 0});
  }
  EXPECT_EQ(routed_per_replica(two_replicas(RouterPolicy::kRoundRobin), trace_workload(trace)),
            (std::vector<long long>{3, 3}));
}

// Least outstanding: R1 (t = 0, 1000 tokens: busy for 10 s) goes to the first replica;
// R2, R3, R4 (t = 1, 2, 3, 2 tokens each: done within 0.02 s) all find the second replica
// with fewer requests in flight. Round robin would give 2 and 2.
TEST(Router, LeastOutstandingAvoidsTheBusyReplica) {
  const Workload w =
      trace_workload({{0.0, 10, 1000, 0}, {1.0, 10, 2, 0}, {2.0, 10, 2, 0}, {3.0, 10, 2, 0}});
  EXPECT_EQ(routed_per_replica(two_replicas(RouterPolicy::kLeastOutstanding), w),
            (std::vector<long long>{1, 3}));
}

// Least KV load: R1 (t = 0, 5000-token prompt) goes to the first replica; R2 (t = 0.5,
// 10 tokens, long output) to the second, whose cache is empty; R3 (t = 0.6) sees one
// request on each (a tie for least outstanding) but 5000+ tokens against ~10: the second.
TEST(Router, LeastKvLoadWeighsCachedTokens) {
  const Workload w = trace_workload({{0.0, 5000, 1000, 0}, {0.5, 10, 1000, 0}, {0.6, 10, 1000, 0}});
  EXPECT_EQ(routed_per_replica(two_replicas(RouterPolicy::kLeastKv), w),
            (std::vector<long long>{1, 2}));
}

// Smooth weighted round robin with weights 3 and 1 sends exactly 3 of every 4 requests to
// the first: 300 and 100 of 400.
TEST(Router, WeightedSplitsByWeight) {
  Fleet fleet = two_replicas(RouterPolicy::kWeighted);
  fleet.deployments = {fleet.deployments[0], fleet.deployments[0]};
  fleet.deployments[0].replicas = 1;
  fleet.deployments[0].weight = 3;
  fleet.deployments[1].replicas = 1;
  fleet.deployments[1].weight = 1;
  std::vector<TraceRequest> trace;
  trace.reserve(400);
  for (int i = 0; i < 400; ++i) {
    trace.push_back({i * 0.1, 10, 5, 0});
  }
  const Results r = run_checked(fleet, trace_workload(trace), Options{});
  EXPECT_EQ(r.deployments[0].requests, 300);
  EXPECT_EQ(r.deployments[1].requests, 100);
}

// Random routing: each of 2 replicas gets Binomial(10000, 1/2): 5000 +- 4 sd (sd = 50).
TEST(Router, RandomIsUniform) {
  std::vector<TraceRequest> trace;
  trace.reserve(10000);
  for (int i = 0; i < 10000; ++i) {
    trace.push_back({i * 0.1, 10, 5, 0});
  }
  const auto counts =
      routed_per_replica(two_replicas(RouterPolicy::kRandom), trace_workload(trace));
  EXPECT_NEAR(static_cast<double>(counts[0]), 5000, 200);
  EXPECT_EQ(counts[0] + counts[1], 10000);
}

// A request whose sequence cannot fit in the KV cache is dropped at arrival; one that fits
// is served. KV cache 100 tokens in blocks of 16 = 6 blocks (96 tokens), watermark 0.
TEST(Simulator, DropsWhatCannotFit) {
  AnalyticStepParams p;
  p.kv_capacity_tokens = 100;
  Fleet fleet;
  fleet.deployments.push_back(analytic_deployment(p));
  fleet.deployments[0].scheduler.watermark = 0;
  // 90 + 8 - 1 = 97 tokens need 7 blocks: dropped. 80 + 17 - 1 = 96: 6 blocks, served.
  const Workload w = trace_workload({{0.0, 90, 8, 0}, {1.0, 80, 17, 0}});
  const Results r = run_checked(fleet, w, Options{});
  EXPECT_EQ(r.overall.dropped, 1);
  EXPECT_EQ(r.overall.completed, 1);
}

// A queue limit: batch of 1, at most 1 waiting. R1 runs, R2 waits, R3 is turned away.
TEST(Simulator, DropsBeyondTheQueueLimit) {
  AnalyticStepParams p;
  p.prefill_s = 1.0;
  Fleet fleet;
  fleet.deployments.push_back(analytic_deployment(p, 1, 1));
  fleet.deployments[0].scheduler.max_waiting = 1;
  const Workload w = trace_workload({{0.0, 10, 1, 0}, {0.1, 10, 1, 0}, {0.2, 10, 1, 0}});
  const Results r = run_checked(fleet, w, Options{});
  EXPECT_EQ(r.overall.dropped, 1);
  EXPECT_EQ(r.overall.completed, 2);
  // R1: e2e 1; R2: waits to 1, served to 2: e2e 1.9.
  EXPECT_NEAR(r.overall.e2e.mean, (1.0 + 1.9) / 2, 1e-12);
}

// Queue length over time. Batch 1, 2 s per request, arrivals at 0.5 and 1.5:
// t=0: empty; t=1: R1 running; t=2: R1 running, R2 waiting; t=3, 4: R2 running
// (R1 left at 2.5); R2 leaves at 4.5. Samples every second from 0 to 4.
TEST(Simulator, TimeseriesSamplesQueueLengths) {
  AnalyticStepParams p;
  p.prefill_s = 2.0;
  Fleet fleet;
  fleet.deployments.push_back(analytic_deployment(p, 1, 1));
  const Workload w = trace_workload({{0.5, 10, 1, 0}, {1.5, 10, 1, 0}});
  Options o;
  o.timeseries_interval_s = 1.0;
  const Results r = run_checked(fleet, w, o);
  ASSERT_EQ(r.timeseries.size(), 5U);
  const std::vector<long long> in_system = {0, 1, 2, 1, 1};
  const std::vector<long long> waiting = {0, 0, 1, 0, 0};
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_DOUBLE_EQ(r.timeseries[i].time_s, static_cast<double>(i));
    EXPECT_EQ(r.timeseries[i].in_system, in_system[i]) << "t=" << i;
    EXPECT_EQ(r.timeseries[i].waiting, waiting[i]) << "t=" << i;
    EXPECT_EQ(r.timeseries[i].running, in_system[i] - waiting[i]) << "t=" << i;
  }
}

// A fleet and workload that exercise everything at once: several replicas, chunked prefill,
// lognormal lengths, a context-dependent decode time, KV pressure (preemptions).
struct Config {
  std::string name;
  Fleet fleet;
  Workload workload;
};

std::vector<Config> busy_configs() {
  std::vector<Config> configs;
  AnalyticStepParams p;
  p.prefill_s = 0.015;
  p.prefill_s_per_token = 3e-5;
  p.prefill_s_per_pair = 1e-9;
  p.decode_s = 0.008;
  p.decode_s_per_sequence = 1e-4;
  p.decode_s_per_context_token = 2e-8;
  p.kv_capacity_tokens = 400000;
  {
    Config c{"poisson-least-outstanding", {}, {}};
    c.fleet.deployments.push_back(analytic_deployment(p, 4, 128));
    c.fleet.deployments[0].scheduler.token_budget = 512;
    c.workload.services.push_back(
        poisson_service(40, LengthDistribution::lognormal(1000, 0.7, 16, 8000),
                        LengthDistribution::lognormal(250, 0.8, 1, 2000)));
    c.workload.requests = 20000;
    configs.push_back(std::move(c));
  }
  {
    Config c{"kv-pressure-preemption", {}, {}};
    AnalyticStepParams small = p;
    small.kv_capacity_tokens = 60000;
    c.fleet.deployments.push_back(analytic_deployment(small, 2, 128));
    c.workload.services.push_back(poisson_service(12, LengthDistribution::uniform(500, 3000),
                                                  LengthDistribution::uniform(100, 1500)));
    c.workload.requests = 5000;
    configs.push_back(std::move(c));
  }
  {
    Config c{"gamma-least-kv-two-services", {}, {}};
    c.fleet.deployments.push_back(analytic_deployment(p, 3, 64));
    c.fleet.router = RouterPolicy::kLeastKv;
    SimService chat = poisson_service(20, LengthDistribution::fixed(2000),
                                      LengthDistribution::exponential(300), "m", "chat");
    chat.arrival.kind = ArrivalProcess::Kind::kGamma;
    chat.arrival.cv = 2;
    chat.ttft_target_s = 0.5;
    chat.tpot_target_s = 0.02;
    SimService code = poisson_service(5, LengthDistribution::uniform(100, 200),
                                      LengthDistribution::fixed(800), "m", "code");
    c.workload.services = {chat, code};
    c.workload.requests = 10000;
    configs.push_back(std::move(c));
  }
  {
    Config c{"disaggregated", {}, {}};
    AnalyticStepParams prefill = p;
    prefill.kv_bytes_per_token = 131072;
    c.fleet.deployments.push_back(analytic_deployment(prefill, 2, 64, "m", "prefill"));
    c.fleet.deployments.push_back(analytic_deployment(prefill, 3, 128, "m", "decode"));
    c.fleet.deployments[0].role = Role::kPrefill;
    c.fleet.deployments[1].role = Role::kDecode;
    c.fleet.deployments[0].kv_link_bytes_per_s = 50e9;
    c.fleet.deployments[1].kv_link_bytes_per_s = 50e9;
    c.fleet.kv_transfer_latency_s = 0.002;
    c.workload.services.push_back(poisson_service(
        30, LengthDistribution::lognormal(1500, 0.5, 16, 8000), LengthDistribution::fixed(300)));
    c.workload.requests = 10000;
    configs.push_back(std::move(c));
  }
  return configs;
}

void expect_close(const LatencyStats& fast, const LatencyStats& ref, double tolerance,
                  const std::string& what) {
  EXPECT_EQ(fast.count, ref.count) << what;
  EXPECT_NEAR(fast.mean, ref.mean, tolerance * ref.mean) << what << " mean";
  EXPECT_NEAR(fast.p50, ref.p50, tolerance * ref.p50) << what << " p50";
  EXPECT_NEAR(fast.p90, ref.p90, tolerance * ref.p90) << what << " p90";
  EXPECT_NEAR(fast.p99, ref.p99, tolerance * ref.p99) << what << " p99";
}

// The closed-form jumps against the step-by-step reference: every latency (mean, p50, p90,
// p99 of TTFT, TPOT and e2e, overall and per service), the run's duration, throughput,
// requests in system, utilisation and mean batch within 1e-9 relative: the two differ only by
// the rounding of a sum of step times against its closed form. The one exception is the
// time-averaged KV occupancy: the fast path integrates a run's block count with the
// trapezoid rule between its first and last step, where the reference integrates the
// staircase step by step; the difference is below 1e-5 relative on these configurations
// (the exact integral needs the step times at every block boundary, O(steps) per run).
TEST(FastPath, MatchesStepByStepToOnePartInABillion) {
  for (const Config& c : busy_configs()) {
    Options fast;
    Options ref;
    ref.step_by_step = true;
    // The time series reads the KV cache in the middle of runs of decode steps.
    fast.timeseries_interval_s = 2.5;
    ref.timeseries_interval_s = 2.5;
    const Results a = run_checked(c.fleet, c.workload, fast);
    const Results b = run_checked(c.fleet, c.workload, ref);
    EXPECT_EQ(a.overall.completed, b.overall.completed) << c.name;
    EXPECT_EQ(a.overall.preemptions, b.overall.preemptions) << c.name;
    EXPECT_EQ(a.steps, b.steps) << c.name;
    EXPECT_LT(a.events, b.events) << c.name << ": the fast path never needs more events";
    for (std::size_t s = 0; s < a.services.size(); ++s) {
      const std::string what = c.name + "/" + a.services[s].name;
      expect_close(a.services[s].ttft, b.services[s].ttft, 1e-9, what + " ttft");
      expect_close(a.services[s].tpot, b.services[s].tpot, 1e-9, what + " tpot");
      expect_close(a.services[s].e2e, b.services[s].e2e, 1e-9, what + " e2e");
    }
    expect_close(a.overall.e2e, b.overall.e2e, 1e-9, c.name + " overall e2e");
    const auto near = [&](double fast_value, double ref_value, const std::string& what) {
      EXPECT_NEAR(fast_value, ref_value, 1e-9 * std::fabs(ref_value)) << c.name << " " << what;
    };
    near(a.duration_s, b.duration_s, "duration");
    near(a.overall.throughput_output_tokens_per_s, b.overall.throughput_output_tokens_per_s,
         "throughput");
    near(a.overall.mean_requests_in_system, b.overall.mean_requests_in_system, "in system");
    ASSERT_EQ(a.deployments.size(), b.deployments.size()) << c.name;
    for (std::size_t d = 0; d < a.deployments.size(); ++d) {
      const std::string dep = fmt::format("deployment {} ", d);
      near(a.deployments[d].utilisation, b.deployments[d].utilisation, dep + "utilisation");
      near(a.deployments[d].mean_batch, b.deployments[d].mean_batch, dep + "mean batch");
      EXPECT_EQ(a.deployments[d].steps, b.deployments[d].steps) << c.name << " " << dep;
      EXPECT_EQ(a.deployments[d].kv_occupancy_peak, b.deployments[d].kv_occupancy_peak)
          << c.name << " " << dep;
      EXPECT_NEAR(a.deployments[d].kv_occupancy_mean, b.deployments[d].kv_occupancy_mean,
                  1e-5 * b.deployments[d].kv_occupancy_mean)
          << c.name << " " << dep << "KV occupancy (trapezoid over runs, see above)";
    }
    ASSERT_EQ(a.timeseries.size(), b.timeseries.size()) << c.name;
    for (std::size_t i = 0; i < a.timeseries.size(); ++i) {
      EXPECT_EQ(a.timeseries[i].waiting, b.timeseries[i].waiting) << c.name << " row " << i;
      EXPECT_EQ(a.timeseries[i].running, b.timeseries[i].running) << c.name << " row " << i;
      EXPECT_NEAR(a.timeseries[i].kv_occupancy, b.timeseries[i].kv_occupancy, 1e-9)
          << c.name << " row " << i;
    }
    if (c.name == "kv-pressure-preemption") {
      EXPECT_GT(a.overall.preemptions, 0) << "the configuration must exercise preemption";
    }
  }
}

// The heart of the speed claim: events per request do not grow with the output length.
// Each request costs its arrival, the end of the decode run it interrupts, its prefill
// step(s) and the end of the run that completes it: about 4 events, whether it decodes 2k
// or 8k tokens, while the steps the step-by-step reference runs per request (output length
// over the batch size, here ~140 then ~200) grow about threefold.
TEST(FastPath, EventsPerRequestDoNotGrowWithOutputLength) {
  AnalyticStepParams p;
  p.prefill_s = 0.02;
  p.prefill_s_per_token = 2e-5;
  p.decode_s = 0.01;
  p.decode_s_per_context_token = 1e-8;
  std::vector<double> events_per_request;
  std::vector<double> steps_per_request;
  for (const int output : {2048, 8192}) {
    Fleet fleet;
    fleet.deployments.push_back(analytic_deployment(p, 4, 256));
    // Half of the decode capacity: 4 replicas x 256 / (output x ~0.012 s).
    const double rate = 0.5 * 4 * 256 / (output * 0.012);
    Workload w;
    w.services.push_back(
        poisson_service(rate, LengthDistribution::fixed(512), LengthDistribution::fixed(output)));
    w.requests = 20000;
    const Results r = run_checked(fleet, w, Options{});
    events_per_request.push_back(static_cast<double>(r.events) / 20000.0);
    steps_per_request.push_back(static_cast<double>(r.steps) / 20000.0);
  }
  EXPECT_LT(events_per_request[1], 1.05 * events_per_request[0]);
  EXPECT_LT(events_per_request[1], 4.5);
  EXPECT_GT(steps_per_request[1], 2.5 * steps_per_request[0]);
}

// Same inputs and seed: the same results to the last bit; another seed: other results.
TEST(Simulator, DeterministicForASeed) {
  const Config c = busy_configs()[2];
  Options o;
  o.seed = 42;
  const Results a = run_checked(c.fleet, c.workload, o);
  const Results b = run_checked(c.fleet, c.workload, o);
  EXPECT_EQ(a.events, b.events);
  EXPECT_EQ(a.duration_s, b.duration_s);
  EXPECT_EQ(a.overall.e2e.mean, b.overall.e2e.mean);
  EXPECT_EQ(a.overall.ttft.p99, b.overall.ttft.p99);
  EXPECT_EQ(a.overall.tpot.p90, b.overall.tpot.p90);
  EXPECT_EQ(a.overall.mean_requests_in_system, b.overall.mean_requests_in_system);
  o.seed = 43;
  const Results d = run_checked(c.fleet, c.workload, o);
  EXPECT_NE(a.overall.e2e.mean, d.overall.e2e.mean);
}

TEST(Validate, NamesTheField) {
  AnalyticStepParams p;
  Fleet fleet;
  fleet.deployments.push_back(analytic_deployment(p, 1, 64));
  Workload w;
  w.services.push_back(
      poisson_service(1, LengthDistribution::fixed(10), LengthDistribution::fixed(10)));
  w.requests = 10;
  ASSERT_TRUE(validate(fleet, w).ok());

  Fleet bad_budget = fleet;
  bad_budget.deployments[0].scheduler.token_budget = 32;
  EXPECT_NE(
      validate(bad_budget, w).error().message.find("fleet.deployments[0].scheduler.max_num_tokens"),
      std::string::npos);

  Workload other_model = w;
  other_model.services[0].model = "nope";
  EXPECT_NE(validate(fleet, other_model).error().message.find("services[0].model"),
            std::string::npos);

  Workload negative = w;
  negative.services[0].arrival.rate = -1;
  EXPECT_NE(validate(fleet, negative).error().message.find("services[0].arrival.rate"),
            std::string::npos);

  Workload endless = w;
  endless.requests = 0;
  EXPECT_FALSE(validate(fleet, endless).ok());

  Fleet prefill_only = fleet;
  prefill_only.deployments[0].role = Role::kPrefill;
  prefill_only.deployments[0].kv_link_bytes_per_s = 1e9;
  EXPECT_NE(validate(prefill_only, w).error().message.find("decode deployment"), std::string::npos);

  Workload unsorted = w;
  unsorted.trace = {{2.0, 10, 10, 0}, {1.0, 10, 10, 0}};
  EXPECT_NE(validate(fleet, unsorted).error().message.find("trace[1].arrival_s"),
            std::string::npos);
}

}  // namespace
}  // namespace fleetplan::sim
