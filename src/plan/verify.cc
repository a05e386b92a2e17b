#include "plan/verify.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "sim/sim.h"
#include "sim/sim_scenario.h"

namespace fleetplan::plan {
namespace {

constexpr double kSecondsPerDay = 86400;

const Capacity* capacity_of(const Built& built, const std::string& accelerator,
                            const std::string& service) {
  for (const auto& capacity : built.capacities) {
    if (capacity.accelerator == accelerator && capacity.service == service) {
      return &capacity;
    }
  }
  return nullptr;
}

std::string layout_text(const perf::Parallelism& p) {
  return fmt::format("TP{} PP{} EP{}{}", p.tp, p.pp, p.ep, p.attention_dp ? " DP-attn" : "");
}

std::string shape_text(const Capacity& capacity) {
  const std::string mtp =
      capacity.mtp_draft_tokens > 0 ? fmt::format(", MTP {}", capacity.mtp_draft_tokens) : "";
  if (capacity.disaggregated) {
    const perf::DisaggregatedShape& d = *capacity.disaggregated;
    return fmt::format("P {} x {} + D {} x {}{}", d.prefill_instances, layout_text(d.prefill),
                       d.decode_instances, layout_text(d.decode), mtp);
  }
  return fmt::format("{} x {}{}", layout_text(capacity.parallelism), capacity.parallelism.replicas,
                     mtp);
}

// A deployment request for one layout of the capacity: `instances` replicas of `layout`.
sim::DeploymentRequest layout_request(const scenario::ServiceSpec& service,
                                      const catalog::Model& model,
                                      const catalog::Accelerator& accelerator,
                                      const perf::Parallelism& layout, int instances) {
  sim::DeploymentRequest request;
  request.model = &model;
  request.accelerator = &accelerator;
  request.count = instances * layout.devices_per_replica();
  request.tp = layout.tp;
  request.pp = layout.pp;
  request.ep = layout.ep;
  request.attention_dp = layout.attention_dp;
  request.weights = service.weights;
  request.kv_cache = service.kv_cache;
  return request;
}

// Simulates one deployment at `rate` requests/s and fills the latency figures.
Status simulate_one(const scenario::ServiceSpec& service, const catalog::Model& model,
                    const catalog::Accelerator& accelerator, const Capacity& capacity,
                    const perf::EfficiencyTable& efficiency, const VerifyOptions& options,
                    Verification& v) {
  auto fleet = simulated_fleet(service, model, accelerator, capacity, efficiency);
  FLEETPLAN_RETURN_IF_ERROR(fleet);
  sim::Workload workload;
  sim::SimService traffic;
  traffic.name = service.name;
  traffic.model = model.name;
  traffic.arrival.kind = sim::ArrivalProcess::Kind::kPoisson;
  traffic.arrival.rate = v.request_rate;
  traffic.input = sim::LengthDistribution::fixed(service.input_len);
  traffic.output = sim::LengthDistribution::fixed(service.output_len);
  traffic.ttft_target_s = service.ttft_ms / 1000.0;
  traffic.tpot_target_s = service.tpot_ms / 1000.0;
  traffic.prefix_cache_hit_share = service.prefix_cache_hit_share;
  workload.services.push_back(std::move(traffic));
  const double requests = std::min(static_cast<double>(options.max_requests),
                                   std::max(1.0, std::floor(v.request_rate * options.window_s)));
  workload.requests = static_cast<long long>(requests);
  sim::Options sim_options;
  sim_options.seed = options.seed;
  auto results = sim::simulate(*fleet, workload, sim_options);
  if (!results.ok()) {
    return results.error();
  }
  const sim::ServiceResult& r = results->overall;
  v.requests = r.arrived;
  v.window_s = requests / v.request_rate;
  v.ttft_p90_ms = r.ttft.p90 * 1000;
  v.ttft_p99_ms = r.ttft.p99 * 1000;
  v.tpot_p90_ms = r.tpot.p90 * 1000;
  v.tpot_p99_ms = r.tpot.p99 * 1000;
  v.attainment =
      r.arrived > 0 ? static_cast<double>(r.met_targets) / static_cast<double>(r.arrived) : 0.0;
  v.holds = v.attainment >= options.required_attainment;
  return {};
}

}  // namespace

Result<sim::Fleet> simulated_fleet(const scenario::ServiceSpec& service,
                                   const catalog::Model& model,
                                   const catalog::Accelerator& accelerator,
                                   const Capacity& capacity,
                                   const perf::EfficiencyTable& efficiency) {
  sim::Fleet fleet;
  const std::string name = fmt::format("{}-{}", accelerator.name, service.name);
  if (!capacity.disaggregated) {
    sim::DeploymentRequest request =
        layout_request(service, model, accelerator, capacity.parallelism,
                       capacity.deployment / capacity.parallelism.devices_per_replica());
    request.name = name;
    request.mtp_draft_tokens = capacity.mtp_draft_tokens;
    request.mtp_acceptance = capacity.mtp_acceptance;
    auto deployment = sim::build_deployment(request, efficiency);
    FLEETPLAN_RETURN_IF_ERROR(deployment);
    fleet.deployments.push_back(std::move(deployment).value());
    return fleet;
  }
  const perf::DisaggregatedShape& shape = *capacity.disaggregated;
  const perf::Efficiency& eff = efficiency.for_family(accelerator.family);
  // perf's KV link of one transfer (kv_transfer_ms for kv_bytes_per_request) at both ends.
  const double link =
      shape.kv_transfer_ms > 0 ? shape.kv_bytes_per_request / (shape.kv_transfer_ms / 1000.0) : 0.0;
  sim::DeploymentRequest prefill =
      layout_request(service, model, accelerator, shape.prefill, shape.prefill_instances);
  prefill.name = name + "-prefill";
  prefill.role = sim::Role::kPrefill;
  // An instance runs the prompt tokens perf planned a step: whole prompts on every DP rank.
  prefill.scheduler.token_budget = std::max(1, shape.prefill_tokens_per_step);
  // Its sequences leave it when their KV is sent, so a step holds only prompts being prefilled.
  // A prompt computes the tokens its prefix cache lacks (the simulator's cached prefix).
  const auto fresh =
      static_cast<int>(service.input_len - sim::cached_prefix_tokens(service.prefix_cache_hit_share,
                                                                     service.input_len));
  prefill.scheduler.max_batch = std::max(1, shape.prefill_tokens_per_step / fresh);
  prefill.kv_link_bytes_per_s = link;
  sim::DeploymentRequest decode =
      layout_request(service, model, accelerator, shape.decode, shape.decode_instances);
  decode.name = name + "-decode";
  decode.role = sim::Role::kDecode;
  decode.mtp_draft_tokens = capacity.mtp_draft_tokens;
  decode.mtp_acceptance = capacity.mtp_acceptance;
  // Each DP rank of a decode instance schedules its own sequences (perf's decode instances).
  decode.scheduler.max_batch = eff.max_batch * (shape.decode.attention_dp ? shape.decode.tp : 1);
  decode.kv_link_bytes_per_s = link;
  for (const sim::DeploymentRequest* request : {&prefill, &decode}) {
    auto deployment = sim::build_deployment(*request, efficiency);
    FLEETPLAN_RETURN_IF_ERROR(deployment);
    fleet.deployments.push_back(std::move(deployment).value());
  }
  return fleet;
}

Result<std::vector<Verification>> verify(const scenario::Scenario& scenario,
                                         const catalog::Catalog& catalog,
                                         const perf::EfficiencyTable& efficiency,
                                         const Built& built, const Plan& plan,
                                         const VerifyOptions& options) {
  const Problem& problem = built.problem;
  std::vector<Verification> out;
  if (plan.status == SolveStatus::kInfeasible) {
    return out;
  }
  for (int p = 0; p < static_cast<int>(problem.periods.size()); ++p) {
    for (int s = 0; s < static_cast<int>(problem.services.size()); ++s) {
      if (problem.services[s].kind != ServiceKind::kInference) {
        continue;
      }
      const scenario::ServiceSpec* service = scenario.service(problem.services[s].name);
      if (service == nullptr) {
        return internal_error(
            fmt::format("verify: service {} is not in the scenario", problem.services[s].name));
      }
      auto model = catalog.model(service->model);
      if (!model.ok()) {
        return model.error();
      }
      // Accelerators of each type serving the service, and the capacity they bring.
      std::vector<std::string> accelerators;
      std::vector<double> allocated;
      double raw_capacity = 0;
      for (const auto& line : plan.fleet) {
        if (line.period != p || line.allocated[s] < 0.5) {  // below one accelerator: LP noise
          continue;
        }
        const Option& option = problem.options[line.option];
        raw_capacity += line.allocated[s] * option.capacity[s];
        auto it = std::find(accelerators.begin(), accelerators.end(), option.accelerator);
        if (it == accelerators.end()) {
          accelerators.push_back(option.accelerator);
          allocated.push_back(line.allocated[s]);
        } else {
          allocated[it - accelerators.begin()] += line.allocated[s];
        }
      }
      const double peak =
          plan.periods[p].served[s] * (problem.services[s].peak_to_average.empty()
                                           ? 1.0
                                           : problem.services[s].peak_to_average[p]);
      if (raw_capacity <= 0 || peak <= 0) {
        continue;
      }
      // The load is spread in proportion to capacity, so every deployment runs at the same
      // utilisation of its goodput.
      // raw_capacity counts the planned share of goodput (settings.planning_utilization).
      const double utilisation =
          std::min(1.0, peak / raw_capacity) * scenario.settings.planning_utilization;
      for (std::size_t a = 0; a < accelerators.size(); ++a) {
        Verification v;
        v.period = problem.periods[p].name;
        v.service = service->name;
        v.accelerator = accelerators[a];
        v.utilisation = utilisation;
        v.ttft_target_ms = service->ttft_ms;
        v.tpot_target_ms = service->tpot_ms;
        const Capacity* capacity = capacity_of(built, accelerators[a], service->name);
        auto accelerator = catalog.accelerator(accelerators[a]);
        if (capacity == nullptr || capacity->deployment <= 0 || !accelerator.ok()) {
          v.note = "no measured deployment for this accelerator and service";
          out.push_back(std::move(v));
          continue;
        }
        v.deployment = capacity->deployment;
        v.layout = capacity->parallelism;
        v.shape = shape_text(*capacity);
        v.deployments = allocated[a] / capacity->deployment;
        v.request_rate = utilisation * capacity->per_accelerator * capacity->deployment /
                         kSecondsPerDay / (service->input_len + service->output_len);
        Status status =
            simulate_one(*service, **model, **accelerator, *capacity, efficiency, options, v);
        if (!status.ok()) {
          v.note = "not simulated: " + status.error().message;
          v.holds = false;
        }
        out.push_back(std::move(v));
      }
    }
  }
  return out;
}

}  // namespace fleetplan::plan
