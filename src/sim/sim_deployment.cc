// A deployment of a simulation scenario: its router policy name and its perf-model replicas.
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

Result<RouterPolicy> parse_router(const std::string& name) {
  static const std::map<std::string, RouterPolicy, std::less<>> kPolicies = {
      {"round_robin", RouterPolicy::kRoundRobin},
      {"least_outstanding", RouterPolicy::kLeastOutstanding},
      {"least_kv", RouterPolicy::kLeastKv},
      {"weighted", RouterPolicy::kWeighted},
      {"random", RouterPolicy::kRandom}};
  const auto it = kPolicies.find(name);
  if (it == kPolicies.end()) {
    return input_error(fmt::format(
        "router '{}' is not known; expected one of: round_robin, least_outstanding, least_kv, "
        "weighted, random",
        name));
  }
  return it->second;
}

Result<Deployment> build_deployment(const DeploymentRequest& request,
                                    const perf::EfficiencyTable& efficiency) {
  if (request.model == nullptr || request.accelerator == nullptr) {
    return internal_error("build_deployment: model and accelerator are required");
  }
  const catalog::Model& model = *request.model;
  const catalog::Accelerator& acc = *request.accelerator;
  if (request.count < 1) {
    return input_error(fmt::format("count {} must be >= 1 accelerator", request.count));
  }
  if (request.pp < 1 || request.ep < 1 || request.tp < 0) {
    return input_error(
        fmt::format("tp={} pp={} ep={}: each must be >= 1", request.tp, request.pp, request.ep));
  }
  const perf::Efficiency& eff = efficiency.for_family(acc.family);
  SchedulerConfig scheduler = request.scheduler;
  if (scheduler.max_batch == 0) {
    scheduler.max_batch = eff.max_batch;
  }
  if (scheduler.token_budget == 0) {
    scheduler.token_budget = std::max(eff.max_num_tokens, scheduler.max_batch);
  }
  // Layouts to try: the given tp, or powers of two within the scale-up domain, smallest
  // first (the most replicas that fit).
  std::vector<int> tps;
  if (request.tp > 0) {
    tps.push_back(request.tp);
  } else {
    for (int tp = 1; tp <= std::max(1, acc.scaleup_domain); tp *= 2) {
      if (request.count % (tp * request.pp) == 0) {
        tps.push_back(tp);
      }
    }
    if (tps.empty()) {
      return input_error(
          fmt::format("count {} is not a multiple of pp={}", request.count, request.pp));
    }
  }
  Error last = infeasible_error("no layout");
  for (const int tp : tps) {
    const int per_replica = tp * request.pp;
    if (request.count % per_replica != 0) {
      return input_error(
          fmt::format("count {} is not a multiple of tp x pp = {} x {} = {} devices per replica",
                      request.count, tp, request.pp, per_replica));
    }
    perf::DeploymentSpec spec;
    spec.model = &model;
    spec.accelerator = &acc;
    spec.parallelism.tp = tp;
    spec.parallelism.pp = request.pp;
    spec.parallelism.ep = request.ep;
    spec.parallelism.replicas = request.count / per_replica;
    spec.parallelism.attention_dp = request.attention_dp;
    spec.weights = request.weights;
    spec.kv_cache = request.kv_cache;
    spec.mtp_draft_tokens = request.mtp_draft_tokens;
    spec.mtp_acceptance = request.mtp_acceptance.value_or(model.mtp_acceptance);
    auto step_model = PerfStepModel::create(spec, eff, scheduler.max_batch);
    if (!step_model.ok()) {
      last = step_model.error();
      continue;
    }
    Deployment d;
    d.name = request.name.empty() ? fmt::format("{}@{}", model.name, acc.name) : request.name;
    d.model = model.name;
    d.accelerator = acc.name;
    d.replicas = request.count / per_replica;
    d.devices_per_replica = per_replica;
    d.role = request.role;
    d.weight = request.weight;
    d.step_model = *step_model;
    d.scheduler = scheduler;
    d.max_sequence_tokens = model.max_context;
    d.kv_link_bytes_per_s = request.kv_link_bytes_per_s > 0
                                ? request.kv_link_bytes_per_s
                                : per_replica * acc.scaleout_bw * eff.link;
    return d;
  }
  if (request.tp == 0 && tps.size() > 1) {
    return Error{last.kind, fmt::format("{} (tried tp = {})", last.message, fmt::join(tps, ", "))};
  }
  return last;
}

}  // namespace fleetplan::sim
