// plan --verify simulates exactly the planned layout: colocated attention-DP + MTP replicas,
// and disaggregated prefill and decode instances with their counts, layouts and KV link.
#include "plan/verify.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include "sim/sim.h"

namespace fleetplan::plan {
namespace {

class VerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto catalog = catalog::Catalog::load();
    ASSERT_TRUE(catalog.ok()) << catalog.error().message;
    catalog_ = std::move(*catalog);
    auto table = perf::EfficiencyTable::load_builtin();
    ASSERT_TRUE(table.ok()) << table.error().message;
    efficiency_ = std::move(*table);
    service_.name = "chat";
    service_.model = "deepseek-v3";
    service_.input_len = 2000;
    service_.output_len = 400;
    service_.ttft_ms = 5000;
    service_.tpot_ms = 50;
    service_.weights = catalog::Precision::kFp8;
    service_.kv_cache = catalog::Precision::kFp8;
    model_ = *catalog_.model("deepseek-v3");
  }
  catalog::Catalog catalog_;
  perf::EfficiencyTable efficiency_;
  scenario::ServiceSpec service_;
  const catalog::Model* model_ = nullptr;
};

// Two attention-DP replicas of 8 with one MTP draft: one deployment of 2 replicas whose KV is
// split over 8 ranks and whose decode steps yield 1 + a tokens (a = 0.85, the catalog's).
TEST_F(VerifyTest, ColocatedReplicasKeepAttentionDpAndMtp) {
  Capacity capacity;
  capacity.deployment = 16;
  capacity.parallelism = perf::Parallelism{8, 1, 8, 2};
  capacity.parallelism.attention_dp = true;
  capacity.mtp_draft_tokens = 1;
  capacity.mtp_acceptance = 0.85;
  auto fleet =
      simulated_fleet(service_, *model_, **catalog_.accelerator("H200-SXM"), capacity, efficiency_);
  ASSERT_TRUE(fleet.ok()) << fleet.error().message;
  ASSERT_EQ(fleet->deployments.size(), 1U);
  const sim::Deployment& d = fleet->deployments[0];
  EXPECT_EQ(d.replicas, 2);
  EXPECT_EQ(d.devices_per_replica, 8);
  EXPECT_EQ(d.role, sim::Role::kMixed);
  EXPECT_EQ(d.step_model->kv_ranks(), 8);
  EXPECT_DOUBLE_EQ(d.step_model->tokens_per_step(), 1.85);
}

// The estimate's disaggregated shape on 64 Ascend-910C: as many prefill and decode replicas
// as instances, each of its layout, the decode side with MTP, and a KV transfer of one
// prompt taking the estimate's kv_transfer_ms. At a tenth of the planned load every request
// completes and L = X W.
TEST_F(VerifyTest, DisaggregatedInstancesCountsAndKvLink) {
  const catalog::Accelerator& npu = **catalog_.accelerator("Ascend-910C");
  perf::EstimateRequest request;
  request.model = model_;
  request.accelerator = &npu;
  request.count = 64;
  request.max_deployment = 64;
  request.input_len = service_.input_len;
  request.output_len = service_.output_len;
  request.ttft_target_ms = service_.ttft_ms;
  request.tpot_target_ms = service_.tpot_ms;
  request.disaggregation = perf::SearchMode::kOn;
  request.mtp = perf::SearchMode::kOn;
  auto estimate = perf::estimate(request, efficiency_);
  ASSERT_TRUE(estimate.ok()) << estimate.error().message;
  ASSERT_TRUE(estimate->disaggregated.has_value());
  const perf::DisaggregatedShape& shape = *estimate->disaggregated;
  Capacity capacity;
  capacity.deployment = 64;
  capacity.parallelism = estimate->parallelism;
  capacity.mtp_draft_tokens = estimate->mtp_draft_tokens;
  capacity.mtp_acceptance = estimate->mtp_acceptance;
  capacity.disaggregated = shape;
  auto fleet = simulated_fleet(service_, *model_, npu, capacity, efficiency_);
  ASSERT_TRUE(fleet.ok()) << fleet.error().message;
  ASSERT_EQ(fleet->deployments.size(), 2U);
  const sim::Deployment& prefill = fleet->deployments[0];
  const sim::Deployment& decode = fleet->deployments[1];
  EXPECT_EQ(prefill.role, sim::Role::kPrefill);
  EXPECT_EQ(decode.role, sim::Role::kDecode);
  EXPECT_EQ(prefill.replicas, shape.prefill_instances);
  EXPECT_EQ(decode.replicas, shape.decode_instances);
  EXPECT_EQ(prefill.devices_per_replica, shape.prefill.devices_per_replica());
  EXPECT_EQ(decode.devices_per_replica, shape.decode.devices_per_replica());
  EXPECT_EQ(decode.step_model->kv_ranks(), shape.decode.attention_dp ? shape.decode.tp : 1);
  EXPECT_DOUBLE_EQ(decode.step_model->tokens_per_step(), 1.0 + estimate->mtp_acceptance);
  // A transfer: one prompt's KV over the slower end of the link.
  const double link = std::min(prefill.kv_link_bytes_per_s, decode.kv_link_bytes_per_s);
  EXPECT_NEAR(prefill.step_model->kv_transfer_bytes(service_.input_len) / link * 1000.0,
              shape.kv_transfer_ms, 1e-9 * shape.kv_transfer_ms);

  sim::Workload workload;
  sim::SimService traffic;
  traffic.name = "chat";
  traffic.model = model_->name;
  traffic.arrival.kind = sim::ArrivalProcess::Kind::kPoisson;
  traffic.arrival.rate =
      0.1 * estimate->throughput_total_tokens_per_s / (service_.input_len + service_.output_len);
  traffic.input = sim::LengthDistribution::fixed(service_.input_len);
  traffic.output = sim::LengthDistribution::fixed(service_.output_len);
  workload.services.push_back(traffic);
  workload.requests = 2000;
  auto results = sim::simulate(*fleet, workload, sim::Options{});
  ASSERT_TRUE(results.ok()) << results.error().message;
  const sim::ServiceResult& r = results->overall;
  EXPECT_EQ(r.completed, 2000);
  EXPECT_NEAR(r.mean_requests_in_system, r.throughput_requests_per_s * r.e2e.mean,
              1e-9 * r.mean_requests_in_system);
  // Each request's KV crossed the link before it decoded: e2e exceeds TTFT by the transfer.
  EXPECT_GE(r.e2e.mean - r.ttft.mean, shape.kv_transfer_ms / 1000.0);
}

}  // namespace
}  // namespace fleetplan::plan
