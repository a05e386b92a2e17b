// simulate_tails(): p99/mean of TTFT and TPOT by load, from the simulator (see tails.h).
#include "sim/tails.h"

#include <algorithm>

#include <fmt/format.h>

#include "sim/detail/scenario_fields.h"
#include "sim/sim.h"
#include "sim/sim_scenario.h"

namespace fleetplan::sim {

Result<LengthDistribution> load_length_distribution(const std::string& path) {
  std::vector<long long> values;
  std::vector<double> weights;
  FLEETPLAN_RETURN_IF_ERROR(detail::read_length_file(path, values, weights));
  if (values.empty()) {
    return input_error(fmt::format("{}: no lengths", path));
  }
  return LengthDistribution::empirical(std::move(values), std::move(weights));
}

Result<perf::TailTable> simulate_tails(const TailStudy& study,
                                       const perf::EfficiencyTable& efficiency) {
  if (study.model == nullptr || study.accelerator == nullptr) {
    return internal_error("simulate_tails: model and accelerator are required");
  }
  LengthDistribution input = study.input;
  LengthDistribution output = study.output;
  input.prepare();
  output.prepare();
  const double input_mean = input.nominal_mean();
  const double output_mean = output.nominal_mean();
  // The load's yardstick: the offline throughput of the same layout at the mean lengths.
  perf::EstimateRequest req;
  req.model = study.model;
  req.accelerator = study.accelerator;
  req.count = study.count;
  req.weights = study.weights;
  req.kv_cache = study.kv_cache;
  req.input_len = static_cast<int>(std::lround(input_mean));
  req.output_len = static_cast<int>(std::lround(output_mean));
  req.parallelism = perf::Parallelism{study.tp, 1, 1, 1};
  req.enforce_context = false;
  auto peak = perf::estimate(req, efficiency);
  FLEETPLAN_RETURN_IF_ERROR(peak);
  const double peak_requests_per_s = peak->throughput_output_tokens_per_s / output_mean;

  DeploymentRequest dep;
  dep.model = study.model;
  dep.accelerator = study.accelerator;
  dep.count = study.count;
  dep.tp = study.tp;
  dep.weights = study.weights;
  dep.kv_cache = study.kv_cache;
  auto deployment = build_deployment(dep, efficiency);
  FLEETPLAN_RETURN_IF_ERROR(deployment);
  Fleet fleet;
  fleet.deployments.push_back(std::move(deployment).value());

  std::vector<perf::TailTable::Point> points;
  for (const double u : study.utilisations) {
    Workload w;
    SimService s;
    s.name = "tail";
    s.model = study.model->name;
    s.arrival.kind = ArrivalProcess::Kind::kPoisson;
    s.arrival.rate = u * peak_requests_per_s;
    s.input = input;
    s.output = output;
    w.services.push_back(std::move(s));
    w.requests = study.requests;
    Options options;
    options.seed = study.seed;
    auto r = simulate(fleet, w, options);
    FLEETPLAN_RETURN_IF_ERROR(r);
    const ServiceResult& all = r->overall;
    if (!(all.ttft.mean > 0) || !(all.tpot.mean > 0)) {
      return internal_error(fmt::format("simulate_tails: no latency at utilisation {}", u));
    }
    points.push_back({u, std::max(1.0, all.ttft.p99 / all.ttft.mean),
                      std::max(1.0, all.tpot.p99 / all.tpot.mean)});
  }
  return perf::TailTable::from_points(
      std::move(points),
      fmt::format("simulated: {} on {} x {} (tp={}), Poisson arrivals, {} lengths, {} requests "
                  "per load (seed {})",
                  study.model->name, study.count, study.accelerator->name, study.tp, study.lengths,
                  study.requests, study.seed));
}

}  // namespace fleetplan::sim
