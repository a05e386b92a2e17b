#include "sim/perf_step_model.h"

#include <fmt/format.h>

namespace fleetplan::sim {

Result<std::shared_ptr<const PerfStepModel>> PerfStepModel::create(
    const perf::DeploymentSpec& spec, const perf::Efficiency& efficiency, int max_batch) {
  auto replica = perf::ReplicaModel::create(spec, efficiency);
  FLEETPLAN_RETURN_IF_ERROR(replica);
  std::vector<perf::DecodeCost> costs;
  costs.reserve(static_cast<std::size_t>(max_batch) + 1);
  for (int b = 0; b <= max_batch; ++b) {
    costs.push_back(replica->decode_cost(b));
  }
  return std::shared_ptr<const PerfStepModel>(
      new PerfStepModel(std::move(replica).value(), std::move(costs)));
}

const perf::DecodeCost& PerfStepModel::cost(int batch) const {
  return costs_[static_cast<std::size_t>(batch)];
}

int PerfStepModel::kv_ranks() const {
  const perf::Parallelism& p = replica_.spec().parallelism;
  return p.attention_dp ? p.tp : 1;
}

// Each decode step here is one token a sequence: 1/t of a real (speculative) step, see the
// header. Without speculation t = 1 and the division is exact.
double PerfStepModel::decode_time_s(int batch, double context) const {
  if (batch < static_cast<int>(costs_.size())) {
    return cost(batch).time(context) / replica_.tokens_per_step();
  }
  return replica_.decode_cost(batch).time(context) / replica_.tokens_per_step();
}

double PerfStepModel::decode_total_time_s(int batch, double context, long long steps) const {
  if (batch < static_cast<int>(costs_.size())) {
    return cost(batch).total_time(context, batch, steps) / replica_.tokens_per_step();
  }
  return replica_.decode_cost(batch).total_time(context, batch, steps) / replica_.tokens_per_step();
}

DecodeLine PerfStepModel::decode_line(int batch) const {
  const perf::DecodeCost c =
      batch < static_cast<int>(costs_.size()) ? cost(batch) : replica_.decode_cost(batch);
  const double t = replica_.tokens_per_step();
  DecodeLine line;
  line.fixed_s = (c.overhead_s + c.comm_s) / t;
  line.a0 = c.compute_s / t;
  line.a1 = c.compute_s_per_token / t;
  line.b0 = c.memory_s / t;
  line.b1 = c.kv_s_per_token / t;
  return line;
}

double PerfStepModel::step_time_s(const StepShape& shape, Rng& /*rng*/) const {
  if (shape.decode_batch <= 0) {
    return replica_.prefill_batch_time_s(shape.prefill_tokens, shape.prefill_pairs);
  }
  const double decode = decode_time_s(shape.decode_batch, shape.decode_context);
  if (shape.prefill_tokens <= 0) {
    return decode;
  }
  // The chunk shares the step's grouped expert GEMMs with the decoding sequences, as
  // estimate prices it (perf::ReplicaModel::prefill_marginal_time_s).
  return decode + replica_.prefill_marginal_time_s(shape.prefill_tokens, shape.prefill_pairs,
                                                   shape.decode_batch);
}

std::string PerfStepModel::describe() const {
  const perf::DeploymentSpec& s = replica_.spec();
  const std::string dp = s.parallelism.attention_dp ? " attention-dp" : "";
  const std::string mtp = s.mtp_draft_tokens > 0
                              ? fmt::format(", MTP {} draft(s) at acceptance {:.2f}",
                                            s.mtp_draft_tokens, s.mtp_acceptance)
                              : "";
  return fmt::format("{} on {} x {} (tp={} pp={} ep={}{}), KV cache {:.0f} tokens{}", s.model->name,
                     s.parallelism.devices_per_replica(), s.accelerator->name, s.parallelism.tp,
                     s.parallelism.pp, s.parallelism.ep, dp, replica_.kv_capacity_tokens(), mtp);
}

}  // namespace fleetplan::sim
