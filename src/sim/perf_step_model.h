// The step-time model of src/perf: one replica's roofline (perf::ReplicaModel) answers the
// time of every prefill chunk, decode step and mixed step the simulator runs.
#pragma once

#include <memory>
#include <vector>

#include "core/result.h"
#include "perf/perf.h"
#include "sim/step_model.h"

namespace fleetplan::sim {

//! A StepTimeModel backed by perf::ReplicaModel:
//!  - a decode step of batch b holding S tokens: perf::DecodeCost(b).time(S), and runs of them
//!    in closed form with DecodeCost::total_time;
//!  - a prefill-only step: ReplicaModel::prefill_batch_time_s(tokens, pairs);
//!  - a decode step that also carries prefill chunks: the decode step plus
//!    ReplicaModel::prefill_marginal_time_s(tokens, pairs) (the chunks' compute and
//!    communication; the weights are streamed once for both).
class PerfStepModel final : public StepTimeModel {
 public:
  //! Checks the deployment (perf::ReplicaModel::create) and tabulates the decode costs of
  //! batches 0..max_batch.
  static Result<std::shared_ptr<const PerfStepModel>> create(const perf::DeploymentSpec& spec,
                                                             const perf::Efficiency& efficiency,
                                                             int max_batch);

  [[nodiscard]] double step_time_s(const StepShape& shape, Rng& rng) const override;
  [[nodiscard]] double decode_time_s(int batch, double context) const override;
  [[nodiscard]] double decode_total_time_s(int batch, double context,
                                           long long steps) const override;
  [[nodiscard]] DecodeLine decode_line(int batch) const override;
  [[nodiscard]] double kv_capacity_tokens() const override { return replica_.kv_capacity_tokens(); }
  [[nodiscard]] double kv_bytes_per_token() const override { return replica_.kv_bytes_per_token(); }
  [[nodiscard]] std::string describe() const override;
  [[nodiscard]] const perf::ReplicaModel& replica() const { return replica_; }

 private:
  PerfStepModel(perf::ReplicaModel replica, std::vector<perf::DecodeCost> costs)
      : replica_(std::move(replica)), costs_(std::move(costs)) {}
  [[nodiscard]] const perf::DecodeCost& cost(int batch) const;

  perf::ReplicaModel replica_;
  std::vector<perf::DecodeCost> costs_;  // by batch; larger batches are computed on demand
};

}  // namespace fleetplan::sim
