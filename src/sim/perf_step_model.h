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
//! Speculative decoding (DeploymentSpec::mtp_draft_tokens > 0): a real step yields t =
//! ReplicaModel::tokens_per_step() tokens a sequence on average (1 + a + ... + a^k). The
//! simulator's decode steps yield one token each, so every decode step here is 1/t of a real
//! one: it takes DecodeCost(b).time(S) / t, and the context grows one token a sequence per
//! such step, as it does on average (t a real step). TPOT and throughput are then perf's,
//! step / t and b t / step; the simulator does not draw the accepted count of each step, so
//! the spread of TPOT from acceptance luck is not simulated.
//! Attention data-parallelism (Parallelism::attention_dp): the replica's batch and KV cache
//! are spread over its tp ranks as perf's replica model assumes (balanced ranks: the
//! engine's DP router sends each sequence to the least-loaded rank); the step time is perf's
//! for the whole replica's batch; kv_ranks() = tp, so one sequence fits one rank's share.
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
  //! The sequence's KV once (copies on TP ranks counted once, sliding-window layers capped):
  //! what perf's disaggregated estimate moves, ReplicaModel::kv_bytes_per_sequence.
  [[nodiscard]] double kv_transfer_bytes(double tokens) const override {
    return replica_.kv_bytes_per_sequence(tokens);
  }
  [[nodiscard]] int kv_ranks() const override;
  [[nodiscard]] double tokens_per_step() const override { return replica_.tokens_per_step(); }
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
