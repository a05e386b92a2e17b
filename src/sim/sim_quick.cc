// The command line's one-service, one-deployment scenario.
#include "sim/sim_scenario.h"

#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "core/yaml_reader.h"
#include "sim/detail/scenario_fields.h"
#include "sim/perf_step_model.h"

namespace fleetplan::sim {

using namespace detail;  // NOLINT(google-build-using-namespace): this layer's own helpers

Result<SimScenario> quick_scenario(const QuickSpec& spec, const catalog::Catalog& catalog,
                                   const perf::EfficiencyTable& efficiency) {
  auto model = catalog.model(spec.model);
  if (!model.ok()) {
    return Error{model.error().kind, "model: " + model.error().message};
  }
  auto acc = catalog.accelerator(spec.accelerator);
  if (!acc.ok()) {
    return Error{acc.error().kind, "accelerator: " + acc.error().message};
  }
  if (spec.concurrency < 0 || spec.concurrency > kMaxUsers) {
    return input_error(fmt::format("concurrency: {} is out of range; expected 1 to {} users",
                                   spec.concurrency, kMaxUsers));
  }
  if (!(spec.think_time_ms >= 0 && spec.think_time_ms <= kMaxThinkTimeS * 1000.0)) {
    return input_error(fmt::format("think_time_ms: {} is out of range; expected 0 to {} ms",
                                   spec.think_time_ms, kMaxThinkTimeS * 1000.0));
  }
  if (spec.think_time != "fixed" && spec.think_time != "exponential" &&
      spec.think_time != "uniform") {
    return input_error(fmt::format(
        "think_time: '{}' is not known; expected fixed, exponential or uniform", spec.think_time));
  }
  if (!(spec.rate > 0) || !std::isfinite(spec.rate)) {
    return input_error(fmt::format("rate: {} requests/s must be > 0", spec.rate));
  }
  if (spec.requests < 0 || !(spec.duration_s >= 0) ||
      (spec.requests == 0 && spec.duration_s == 0)) {
    return input_error("requests (or duration_s) must be > 0");
  }
  if (spec.input_len < 1 || spec.output_len < 1) {
    return input_error(fmt::format("input_len {} and output_len {} must be >= 1 token",
                                   spec.input_len, spec.output_len));
  }
  if (!(spec.prefix_cache_hit_share >= 0 && spec.prefix_cache_hit_share <= 0.99)) {
    return input_error(fmt::format("prefix_cache_hit_share: {} is not a share in [0, 0.99]",
                                   spec.prefix_cache_hit_share));
  }
  if (spec.arrival != "poisson" && spec.arrival != "gamma") {
    return input_error(
        fmt::format("arrival: '{}' is not known; expected poisson or gamma", spec.arrival));
  }
  if (spec.arrival == "gamma" && (!(spec.cv > 0) || !std::isfinite(spec.cv))) {
    return input_error(fmt::format("cv: {} must be > 0", spec.cv));
  }
  auto router = parse_router(spec.router);
  if (!router.ok()) {
    return Error{router.error().kind, "router: " + router.error().message};
  }
  auto weights = catalog::parse_precision(spec.weights);
  if (!weights.ok()) {
    return Error{weights.error().kind, "weights: " + weights.error().message};
  }
  auto kv = catalog::parse_precision(spec.kv_cache.empty() ? spec.weights : spec.kv_cache);
  if (!kv.ok()) {
    return Error{kv.error().kind, "kv_cache: " + kv.error().message};
  }
  if (spec.mtp != "off" && spec.mtp != "on") {
    return input_error(fmt::format("mtp: '{}' is not known; expected off or on", spec.mtp));
  }
  if (spec.mtp_acceptance && !(*spec.mtp_acceptance > 0 && *spec.mtp_acceptance <= 1)) {
    return input_error(
        fmt::format("mtp_acceptance: {} is not a share in (0, 1]", *spec.mtp_acceptance));
  }
  DeploymentRequest req;
  req.model = *model;
  req.accelerator = *acc;
  req.count = spec.count;
  req.tp = spec.tp;
  req.pp = spec.pp;
  req.ep = spec.ep;
  req.attention_dp = spec.attention_dp;
  req.mtp_draft_tokens = spec.mtp == "on" ? 1 : 0;
  req.mtp_acceptance = spec.mtp_acceptance;
  req.weights = *weights;
  req.kv_cache = *kv;
  req.scheduler.max_batch = spec.max_batch;
  req.scheduler.token_budget = spec.token_budget;
  auto deployment = build_deployment(req, efficiency);
  if (!deployment.ok()) {
    return Error{deployment.error().kind,
                 fmt::format("{} on {} x {}: {}", (*model)->name, spec.count, (*acc)->name,
                             deployment.error().message)};
  }
  SimScenario s;
  s.source = "command line";
  s.fleet.router = *router;
  s.fleet.deployments.push_back(std::move(deployment).value());
  SimService svc;
  svc.name = (*model)->name;
  svc.model = (*model)->name;
  svc.arrival.kind =
      spec.arrival == "gamma" ? ArrivalProcess::Kind::kGamma : ArrivalProcess::Kind::kPoisson;
  svc.arrival.rate = spec.rate;
  svc.arrival.cv = spec.arrival == "gamma" ? spec.cv : 1.0;
  if (spec.concurrency > 0) {
    svc.arrival.kind = ArrivalProcess::Kind::kClosed;
    svc.arrival.concurrency = spec.concurrency;
    const double mean_s = spec.think_time_ms / 1000.0;
    svc.arrival.think = spec.think_time == "exponential" ? ThinkTime::exponential(mean_s)
                        : spec.think_time == "uniform"   ? ThinkTime::uniform(0, 2 * mean_s)
                                                         : ThinkTime::fixed(mean_s);
  }
  svc.input = LengthDistribution::fixed(spec.input_len);
  svc.output = LengthDistribution::fixed(spec.output_len);
  if (spec.ttft_ms) {
    svc.ttft_target_s = *spec.ttft_ms / 1000.0;
  }
  if (spec.tpot_ms) {
    svc.tpot_target_s = *spec.tpot_ms / 1000.0;
  }
  svc.prefix_cache_hit_share = spec.prefix_cache_hit_share;
  s.workload.services.push_back(std::move(svc));
  s.workload.requests = spec.requests;
  s.workload.duration_s = spec.duration_s;
  FLEETPLAN_RETURN_IF_ERROR(validate(s.fleet, s.workload));
  return s;
}

}  // namespace fleetplan::sim
