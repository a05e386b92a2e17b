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

// Simulates one deployment at `rate` requests/s and fills the latency figures.
Status simulate_one(const scenario::ServiceSpec& service, const catalog::Model& model,
                    const catalog::Accelerator& accelerator, const Capacity& capacity,
                    const perf::EfficiencyTable& efficiency, const VerifyOptions& options,
                    Verification& v) {
  sim::DeploymentRequest request;
  request.name = fmt::format("{}-{}", accelerator.name, service.name);
  request.model = &model;
  request.accelerator = &accelerator;
  request.count = capacity.deployment;
  request.tp = capacity.parallelism.tp;
  request.pp = capacity.parallelism.pp;
  request.ep = capacity.parallelism.ep;
  request.weights = service.weights;
  request.kv_cache = service.kv_cache;
  auto deployment = sim::build_deployment(request, efficiency);
  if (!deployment.ok()) {
    return deployment.error();
  }
  sim::Fleet fleet;
  fleet.deployments.push_back(std::move(*deployment));
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
  workload.services.push_back(std::move(traffic));
  const double requests = std::min(static_cast<double>(options.max_requests),
                                   std::max(1.0, std::floor(v.request_rate * options.window_s)));
  workload.requests = static_cast<long long>(requests);
  sim::Options sim_options;
  sim_options.seed = options.seed;
  auto results = sim::simulate(fleet, workload, sim_options);
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
  if (capacity.parallelism.attention_dp) {
    v.note = "simulated without attention data-parallelism (the simulator's layouts lack it)";
  }
  return {};
}

}  // namespace

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
