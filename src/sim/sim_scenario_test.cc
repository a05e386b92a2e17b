// Simulation scenario files, traces and quick flags: the examples parse, and bad input gets an
// error with the file, line, column (trace: line and field) and field path.
#include <string>

#include <gtest/gtest.h>

#include "catalog/catalog.h"
#include "perf/perf.h"
#include "sim/output.h"
#include "sim/perf_step_model.h"
#include "sim/sim_scenario.h"

namespace fleetplan::sim {
namespace {

// The built-in catalog and efficiency table, loaded once.
struct Data {
  catalog::Catalog catalog;
  perf::EfficiencyTable table;
  static const Data& get() {
    static const Data kData = [] {
      Data d;
      d.catalog = std::move(catalog::Catalog::load()).value();
      d.table = std::move(perf::EfficiencyTable::load_builtin()).value();
      return d;
    }();
    return kData;
  }
};

class SimScenarioTest : public ::testing::Test {
 protected:
  static const catalog::Catalog& cat() { return Data::get().catalog; }
  static const perf::EfficiencyTable& table() { return Data::get().table; }
  static Result<SimScenario> parse(const std::string& text) {
    return parse_scenario(text, "s.yaml", "", cat(), table());
  }
  // The error message of a scenario that must fail.
  static std::string error_of(const std::string& text) {
    auto s = parse(text);
    EXPECT_FALSE(s.ok());
    return s.ok() ? "" : s.error().message;
  }
};

const char* const kGood = R"(simulation: {seed: 4, requests: 1000}
fleet:
  router: least_kv
  deployments:
    - name: pool
      model: llama3.1-8b
      accelerator: H100-SXM
      count: 4
services:
  - name: chat
    model: llama3.1-8b
    arrival: {process: gamma, rate: 12.5, cv: 2}
    input_len: {dist: lognormal, mean: 900, sigma: 0.5}
    output_len: 200
    ttft_ms: 800
    tpot_ms: 40
)";

TEST_F(SimScenarioTest, ParsesAScenario) {
  auto s = parse(kGood);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->options.seed, 4U);
  EXPECT_EQ(s->workload.requests, 1000);
  EXPECT_EQ(s->fleet.router, RouterPolicy::kLeastKv);
  ASSERT_EQ(s->fleet.deployments.size(), 1U);
  const Deployment& d = s->fleet.deployments[0];
  // 8B parameters in FP8 fit one 80 GB H100: the smallest layout is tp = 1, so 4 replicas.
  EXPECT_EQ(d.replicas, 4);
  EXPECT_EQ(d.devices_per_replica, 1);
  ASSERT_EQ(s->workload.services.size(), 1U);
  const SimService& svc = s->workload.services[0];
  EXPECT_EQ(svc.arrival.kind, ArrivalProcess::Kind::kGamma);
  EXPECT_DOUBLE_EQ(svc.arrival.cv, 2);
  EXPECT_EQ(svc.input.kind, LengthDistribution::Kind::kLognormal);
  // The lognormal is clamped to the model's context window by default.
  EXPECT_EQ(svc.input.max, 131072);
  EXPECT_EQ(svc.output.value, 200);
  EXPECT_DOUBLE_EQ(*svc.ttft_target_s, 0.8);
  EXPECT_DOUBLE_EQ(*svc.tpot_target_s, 0.04);
}

TEST_F(SimScenarioTest, ExamplesParseAndRun) {
  for (const char* name : {"simulate-chat.yaml", "simulate-hetero.yaml", "simulate-disagg.yaml",
                           "simulate-trace.yaml", "simulate-dep-mtp.yaml"}) {
    const std::string path = std::string(FLEETPLAN_SOURCE_DIR) + "/examples/" + name;
    auto s = load_scenario(path, cat(), table());
    ASSERT_TRUE(s.ok()) << name << ": " << s.error().message;
    Workload w = s->workload;
    if (w.trace.empty()) {
      w.requests = 2000;  // a short run of each
      w.duration_s = 0;
    }
    auto r = simulate(s->fleet, w, s->options);
    ASSERT_TRUE(r.ok()) << name << ": " << r.error().message;
    EXPECT_EQ(r->overall.arrived, r->overall.completed + r->overall.dropped) << name;
    EXPECT_GT(r->overall.completed, 0) << name;
  }
}

// The layout fields of a deployment: attention_dp spreads the KV over the tp ranks, one MTP
// draft at the catalog's acceptance 0.85 gives 1.85 tokens a decode step.
TEST_F(SimScenarioTest, AttentionDpAndMtpFieldsReachTheStepModel) {
  auto s = load_scenario(std::string(FLEETPLAN_SOURCE_DIR) + "/examples/simulate-dep-mtp.yaml",
                         cat(), table());
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_EQ(s->fleet.deployments.size(), 2U);
  const Deployment& decode = s->fleet.deployments[1];
  EXPECT_EQ(decode.role, Role::kDecode);
  EXPECT_EQ(decode.step_model->kv_ranks(), 8);
  EXPECT_DOUBLE_EQ(decode.step_model->tokens_per_step(), 1.85);
  EXPECT_EQ(s->fleet.deployments[0].step_model->kv_ranks(), 1);
  EXPECT_DOUBLE_EQ(s->fleet.deployments[0].step_model->tokens_per_step(), 1.0);
}

// A 70B model in FP8 (70.6 GB of weights) does not fit one 80 GB H100 once the runtime
// reserve (8 %) is set aside; the smallest layout that fits is tp = 2.
TEST_F(SimScenarioTest, AutomaticLayoutIsTheSmallestThatFits) {
  DeploymentRequest req;
  req.model = *cat().model("llama3.1-70b");
  req.accelerator = *cat().accelerator("H100-SXM");
  req.count = 8;
  auto d = build_deployment(req, table());
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->devices_per_replica, 2);
  EXPECT_EQ(d->replicas, 4);
}

TEST_F(SimScenarioTest, UnknownModelNamesFileLineColumnAndField) {
  std::string text = kGood;
  text.replace(text.find("model: llama3.1-8b"), 18, "model: llama9-1t");
  const std::string e = error_of(text);
  EXPECT_EQ(e.rfind("s.yaml:6:14: fleet.deployments[0].model:", 0), 0U) << e;
  EXPECT_NE(e.find("llama9-1t"), std::string::npos) << e;
}

TEST_F(SimScenarioTest, ImpossibleDeploymentIsExplained) {
  std::string text = kGood;
  text.replace(text.find("model: llama3.1-8b"), 18, "model: llama3.1-405b");
  text.replace(text.find("count: 4"), 8, "count: 1");
  const std::string e = error_of(text);
  EXPECT_EQ(e.rfind("s.yaml:5:7: fleet.deployments[0]:", 0), 0U) << e;
  EXPECT_NE(e.find("does not fit"), std::string::npos) << e;
}

TEST_F(SimScenarioTest, CountNotAMultipleOfTheLayout) {
  std::string text = kGood;
  text.replace(text.find("count: 4"), 8, "count: 6\n      tp: 4");
  const std::string e = error_of(text);
  EXPECT_EQ(e.rfind("s.yaml:5:7: fleet.deployments[0]:", 0), 0U) << e;
  EXPECT_NE(e.find("not a multiple"), std::string::npos) << e;
}

TEST_F(SimScenarioTest, NegativeRateNamesTheField) {
  std::string text = kGood;
  text.replace(text.find("rate: 12.5"), 10, "rate: -3");
  const std::string e = error_of(text);
  EXPECT_EQ(e.rfind("s.yaml:12:37: services[0].arrival.rate:", 0), 0U) << e;
  EXPECT_NE(e.find("-3"), std::string::npos) << e;
}

TEST_F(SimScenarioTest, UnknownFieldIsRejected) {
  std::string text = kGood;
  text.replace(text.find("    tpot_ms: 40"), 15, "    tpot_ms: 40\n    tpot_msec: 40");
  const std::string e = error_of(text);
  EXPECT_EQ(e.rfind("s.yaml:17:5: services[0].tpot_msec: unknown field", 0), 0U) << e;
}

TEST_F(SimScenarioTest, ServiceWithoutDeployment) {
  std::string text = kGood;
  text.replace(text.rfind("model: llama3.1-8b"), 18, "model: llama3.1-70b");
  const std::string e = error_of(text);
  EXPECT_EQ(e.rfind("s.yaml:11:12: services[0].model:", 0), 0U) << e;
}

TEST_F(SimScenarioTest, BadLengthDistribution) {
  std::string text = kGood;
  text.replace(text.find("output_len: 200"), 15, "output_len: {dist: uniform, min: 50, max: 10}");
  const std::string e = error_of(text);
  EXPECT_EQ(e.rfind("s.yaml:14:47: services[0].output_len.max:", 0), 0U) << e;
}

TEST_F(SimScenarioTest, EndlessArrivalsAreAnError) {
  std::string text = kGood;
  text.replace(text.find("requests: 1000"), 14, "seed: 5");
  text.replace(text.find("seed: 4, "), 9, "");
  const std::string e = error_of(text);
  EXPECT_NE(e.find("requests"), std::string::npos) << e;
}

TEST(Trace, ParsesWithAndWithoutHeader) {
  auto with = parse_trace("arrival_s,input_len,output_len,service\n0.5,100,20,b\n1.5,7,3,a\n",
                          "t.csv", {"a", "b"});
  ASSERT_TRUE(with.ok()) << with.error().message;
  ASSERT_EQ(with->size(), 2U);
  EXPECT_DOUBLE_EQ((*with)[0].arrival_s, 0.5);
  EXPECT_EQ((*with)[0].input_tokens, 100);
  EXPECT_EQ((*with)[0].output_tokens, 20);
  EXPECT_EQ((*with)[0].service, 1);
  EXPECT_EQ((*with)[1].service, 0);
  auto without = parse_trace("# recorded 2026-11-01\n0,10,10\r\n2,10,10\r\n", "t.csv", {"a"});
  ASSERT_TRUE(without.ok()) << without.error().message;
  EXPECT_EQ(without->size(), 2U);
}

TEST(Trace, MalformedLineNamesLineColumnAndField) {
  auto bad =
      parse_trace("arrival_s,input_len,output_len\n0.5,100,20\n0.7, 12x,20\n", "t.csv", {"a"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message.rfind("t.csv:3:6: input_len: '12x'", 0), 0U) << bad.error().message;
  auto unsorted = parse_trace("1.0,1,1\n0.5,1,1\n", "t.csv", {"a"});
  ASSERT_FALSE(unsorted.ok());
  EXPECT_EQ(unsorted.error().message.rfind("t.csv:2:1: arrival_s:", 0), 0U)
      << unsorted.error().message;
  auto service = parse_trace("1.0,1,1,c\n", "t.csv", {"a", "b"});
  ASSERT_FALSE(service.ok());
  EXPECT_EQ(service.error().message.rfind("t.csv:1:9: service: no service named 'c'", 0), 0U)
      << service.error().message;
  auto negative = parse_trace("-1,1,1\n", "t.csv", {"a"});
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.error().message.rfind("t.csv:1:1: arrival_s:", 0), 0U);
  auto zero = parse_trace("1,1,0\n", "t.csv", {"a"});
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.error().message.rfind("t.csv:1:5: output_len:", 0), 0U);
}

// The trace's old column names (before one vocabulary: input_len/output_len in every file)
// are refused with their new names, located at the column.
TEST(Trace, RenamedColumnsNameTheirNewNames) {
  auto in = parse_trace("arrival_s,input_tokens,output_len\n0,1,1\n", "t.csv", {"a"});
  ASSERT_FALSE(in.ok());
  EXPECT_EQ(in.error().message, "t.csv:1:11: header: `input_tokens` was renamed `input_len`");
  auto out = parse_trace("# a trace\narrival_s, input_len, output_tokens\n0,1,1\n", "t.csv", {"a"});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().message, "t.csv:2:23: header: `output_tokens` was renamed `output_len`");
}

TEST_F(SimScenarioTest, RenamedTokenBudgetNamesMaxNumTokens) {
  std::string text = kGood;
  text.replace(text.find("      count: 4"), 14,
               "      count: 4\n      scheduler: {token_budget: 64}");
  const std::string e = error_of(text);
  EXPECT_EQ(e,
            "s.yaml:9:19: fleet.deployments[0].scheduler.token_budget: `token_budget` was "
            "renamed `max_num_tokens`");
  text = kGood;
  text.replace(text.find("      count: 4"), 14,
               "      count: 4\n      scheduler: {max_batch: 32, max_num_tokens: 64}");
  auto s = parse(text);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->fleet.deployments[0].scheduler.token_budget, 64);
}

TEST_F(SimScenarioTest, QuickFlagsErrors) {
  QuickSpec q;
  q.model = "llama3.1-8b";
  q.accelerator = "H100-SXM";
  q.rate = -1;
  auto s = quick_scenario(q, cat(), table());
  ASSERT_FALSE(s.ok());
  // The library names the field; the command line adds its flag (issue 8 B8).
  EXPECT_EQ(s.error().message.rfind("rate: -1 requests/s must be > 0", 0), 0u) << s.error().message;
  EXPECT_EQ(s.error().message.find("--"), std::string::npos) << s.error().message;
  q.rate = 5;
  q.model = "nope";
  s = quick_scenario(q, cat(), table());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, ErrorKind::kNotFound);
  q.model = "llama3.1-405b";
  s = quick_scenario(q, cat(), table());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("does not fit"), std::string::npos) << s.error().message;
}

// The quick flags reach the step model as the file's fields do: --attention-dp over tp 8
// spreads the KV over 8 ranks; --mtp on at the model's acceptance 0.85 gives 1.85 tokens a
// decode step, at 0.5 gives 1.5; a prefix-cache share reaches the service. --mtp takes off or
// on only.
TEST_F(SimScenarioTest, QuickLayoutFlagsReachTheStepModel) {
  QuickSpec q;
  q.model = "deepseek-v3";
  q.accelerator = "H200-SXM";
  q.count = 8;
  q.tp = 8;
  q.ep = 8;
  q.attention_dp = true;
  q.mtp = "on";
  q.prefix_cache_hit_share = 0.5;
  auto s = quick_scenario(q, cat(), table());
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->fleet.deployments[0].step_model->kv_ranks(), 8);
  EXPECT_DOUBLE_EQ(s->fleet.deployments[0].step_model->tokens_per_step(), 1.85);
  EXPECT_DOUBLE_EQ(s->workload.services[0].prefix_cache_hit_share, 0.5);
  q.mtp_acceptance = 0.5;
  s = quick_scenario(q, cat(), table());
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_DOUBLE_EQ(s->fleet.deployments[0].step_model->tokens_per_step(), 1.5);
  q.mtp = "auto";
  s = quick_scenario(q, cat(), table());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "mtp: 'auto' is not known; expected off or on");
}

// Same inputs and seed, same bytes of JSON; and it carries the fields the issue names.
TEST_F(SimScenarioTest, JsonIsDeterministicAndComplete) {
  auto s = parse(kGood);
  ASSERT_TRUE(s.ok());
  const std::string a = results_json(*simulate(s->fleet, s->workload, s->options));
  const std::string b = results_json(*simulate(s->fleet, s->workload, s->options));
  EXPECT_EQ(a, b);
  for (const char* key : {"\"requests_completed\"", "\"requests_dropped\"", "\"duration_s\"",
                          "\"throughput_output_tokens_per_s\"", "\"goodput_requests_per_s\"",
                          "\"mean_requests_in_system\"", "\"ttft_ms\"", "\"tpot_ms\"", "\"e2e_ms\"",
                          "\"p50\"", "\"p90\"", "\"p99\""}) {
    EXPECT_NE(a.find(key), std::string::npos) << key;
  }
}

// The closed form the kernel jumps with (perf::DecodeCost::total_time through PerfStepModel)
// equals the sum of the single steps, for the real roofline of a real deployment.
TEST_F(SimScenarioTest, PerfDecodeJumpEqualsTheSumOfSteps) {
  perf::DeploymentSpec spec;
  spec.model = *cat().model("llama3.1-70b");
  spec.accelerator = *cat().accelerator("H100-SXM");
  spec.parallelism.tp = 4;
  auto model = PerfStepModel::create(spec, table().for_family("Hopper"), 512);
  ASSERT_TRUE(model.ok()) << model.error().message;
  for (const int batch : {1, 7, 64, 512}) {
    const double s0 = batch * 1500.0;
    for (const long long steps : {1LL, 2LL, 17LL, 400LL, 3000LL}) {
      double sum = 0;
      for (long long i = 0; i < steps; ++i) {
        sum += (*model)->decode_time_s(batch, s0 + static_cast<double>(i * batch));
      }
      EXPECT_NEAR((*model)->decode_total_time_s(batch, s0, steps), sum, 1e-9 * sum)
          << "batch " << batch << " steps " << steps;
      // The step-count estimate inverts it: the smallest k whose total reaches the sum.
      const long long k = estimate_decode_steps((*model)->decode_line(batch), batch, s0, sum);
      EXPECT_NEAR(static_cast<double>(k), static_cast<double>(steps), 1.0);
    }
  }
}

}  // namespace
}  // namespace fleetplan::sim
