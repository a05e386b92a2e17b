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

double PerfStepModel::decode_time_s(int batch, double context) const {
  if (batch < static_cast<int>(costs_.size())) {
    return cost(batch).time(context);
  }
  return replica_.decode_cost(batch).time(context);
}

double PerfStepModel::decode_total_time_s(int batch, double context, long long steps) const {
  if (batch < static_cast<int>(costs_.size())) {
    return cost(batch).total_time(context, batch, steps);
  }
  return replica_.decode_cost(batch).total_time(context, batch, steps);
}

DecodeLine PerfStepModel::decode_line(int batch) const {
  const perf::DecodeCost c =
      batch < static_cast<int>(costs_.size()) ? cost(batch) : replica_.decode_cost(batch);
  DecodeLine line;
  line.fixed_s = c.overhead_s + c.comm_s;
  line.a0 = c.compute_s;
  line.a1 = c.compute_s_per_token;
  line.b0 = c.memory_s;
  line.b1 = c.kv_s_per_token;
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
  return decode + replica_.prefill_marginal_time_s(shape.prefill_tokens, shape.prefill_pairs);
}

std::string PerfStepModel::describe() const {
  const perf::DeploymentSpec& s = replica_.spec();
  return fmt::format("{} on {} x {} (tp={} pp={} ep={}), KV cache {:.0f} tokens", s.model->name,
                     s.parallelism.devices_per_replica(), s.accelerator->name, s.parallelism.tp,
                     s.parallelism.pp, s.parallelism.ep, replica_.kv_capacity_tokens());
}

}  // namespace fleetplan::sim
