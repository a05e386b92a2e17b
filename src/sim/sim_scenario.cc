// Simulation scenario files: simulation settings, the fleet, the services.
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

namespace {

using Places = std::vector<std::pair<std::string, std::string>>;

// simulation: how to run.
void parse_simulation(yaml::Reader& sim, SimScenario& scenario) {
  scenario.options.seed = static_cast<std::uint64_t>(
      sim.integer_or("seed", 1, 0, std::numeric_limits<long long>::max()));
  scenario.workload.requests = sim.integer_or("requests", 0, 0, kMaxRequests);
  scenario.workload.duration_s = sim.number_or("duration_s", 0, 0, kMaxHorizonS);
  scenario.workload.warmup_requests = sim.optional_integer("warmup_requests", 0, kMaxRequests);
  scenario.options.step_by_step = sim.boolean_or("step_by_step", false);
  scenario.options.timeseries_interval_s =
      sim.number_or("timeseries_interval_s", 0, 0, kMaxHorizonS);
  sim.reject_unknown_fields();
}

// One deployment of the fleet: what to model with src/perf (build_deployment makes it).
DeploymentRequest parse_deployment_request(yaml::Reader& d, const catalog::Catalog& catalog,
                                           const SchedulerConfig& defaults,
                                           const std::optional<double>& link_gbps) {
  DeploymentRequest req;
  req.name = d.string_or("name", "");
  const std::string model_name = d.string("model");
  const std::string acc_name = d.string("accelerator");
  if (d.has("model")) {
    auto model = catalog.model(model_name);
    if (model.ok()) {
      req.model = *model;
    } else {
      d.fail("model", model.error().message);
    }
  }
  if (d.has("accelerator")) {
    auto acc = catalog.accelerator(acc_name);
    if (acc.ok()) {
      req.accelerator = *acc;
    } else {
      d.fail("accelerator", acc.error().message);
    }
  }
  req.count = static_cast<int>(d.integer("count", 1, 1 << 24));
  req.tp = static_cast<int>(d.integer_or("tp", 0, 1, 1024));
  req.pp = static_cast<int>(d.integer_or("pp", 1, 1, 1024));
  req.ep = static_cast<int>(d.integer_or("ep", 1, 1, 1 << 16));
  req.attention_dp = d.boolean_or("attention_dp", false);
  req.mtp_draft_tokens = static_cast<int>(d.integer_or("mtp_draft_tokens", 0, 0, 8));
  if (d.has("mtp_acceptance")) {
    req.mtp_acceptance = d.number("mtp_acceptance", 1e-9, 1);
  }
  req.weights = precision_or(d, "weights", catalog::Precision::kFp8);
  req.kv_cache = precision_or(d, "kv_cache", catalog::Precision::kFp8);
  const std::string role = d.choice_or("role", {"mixed", "prefill", "decode"}, "mixed");
  req.role = role == "prefill" ? Role::kPrefill : role == "decode" ? Role::kDecode : Role::kMixed;
  req.weight = d.number_or("weight", 1, 1e-9, 1e9);
  const auto kv_link = optional_positive(d, "kv_link_gbps", 1e9);
  if (kv_link) {
    req.kv_link_bytes_per_s = *kv_link * 1e9 / 8.0;
  } else if (link_gbps) {
    req.kv_link_bytes_per_s = *link_gbps * 1e9 / 8.0;
  }
  yaml::Reader sched = d.map("scheduler", false);
  req.scheduler = parse_scheduler(sched, defaults);
  d.reject_unknown_fields();
  if (req.name.empty() && req.model && req.accelerator) {
    req.name = fmt::format("{}@{}", req.model->name, req.accelerator->name);
  }
  return req;
}

// fleet: router, scheduler defaults, deployments. Returns the models the fleet serves.
std::set<std::string> parse_fleet(yaml::Reader& fleet, const catalog::Catalog& catalog,
                                  const perf::EfficiencyTable& efficiency, SimScenario& scenario,
                                  Places& places) {
  std::set<std::string> served_models;
  const std::string router = fleet.choice_or(
      "router", {"round_robin", "least_outstanding", "least_kv", "weighted", "random"},
      "least_outstanding");
  const auto policy = parse_router(router);
  scenario.fleet.router = policy.ok() ? *policy : RouterPolicy::kLeastOutstanding;
  yaml::Reader transfer = fleet.map("kv_transfer", false);
  scenario.fleet.kv_transfer_latency_s = transfer.number_or("latency_ms", 0, 0, 1e9) / 1000.0;
  const std::optional<double> link_gbps = optional_positive(transfer, "bandwidth_gbps", 1e9);
  transfer.reject_unknown_fields();
  yaml::Reader scheduler_defaults = fleet.map("scheduler", false);
  const SchedulerConfig defaults =
      parse_scheduler(scheduler_defaults, SchedulerConfig{0, 0, 16, 0.01, false, 0});
  std::set<std::string> names;
  auto deployments = fleet.list("deployments");
  if (deployments.empty() && fleet.has("deployments")) {
    fleet.fail("deployments", "the fleet has no deployment");
  }
  for (std::size_t i = 0; i < deployments.size(); ++i) {
    yaml::Reader& d = deployments[i];
    places.emplace_back(d.path(), location_of(d));
    DeploymentRequest req = parse_deployment_request(d, catalog, defaults, link_gbps);
    if (!names.insert(req.name).second) {
      d.fail("name", fmt::format("deployment name '{}' is used twice; give each a name", req.name));
    }
    if (!d.ok() || req.model == nullptr || req.accelerator == nullptr) {
      continue;
    }
    auto deployment = build_deployment(req, efficiency);
    if (!deployment.ok()) {
      d.fail_here(deployment.error().message);
      continue;
    }
    served_models.insert(deployment->model);
    scenario.fleet.deployments.push_back(std::move(deployment).value());
  }
  fleet.reject_unknown_fields();

  return served_models;
}

// One service of the workload.
SimService parse_service(yaml::Reader& s, std::size_t i, const catalog::Catalog& catalog,
                         const yaml::Reader& fleet, const std::set<std::string>& served_models,
                         bool has_trace, const std::string& base_dir) {
  SimService svc;
  svc.name = s.string_or("name", fmt::format("service-{}", i));
  const std::string model_name = s.string("model");
  long long max_tokens = kMaxTokens;
  if (s.has("model")) {
    auto model = catalog.model(model_name);
    if (!model.ok()) {
      s.fail("model", model.error().message);
    } else {
      svc.model = (*model)->name;
      if ((*model)->max_context > 0) {
        max_tokens = (*model)->max_context;
      }
      if (fleet.ok() && !served_models.count(svc.model)) {
        s.fail("model", fmt::format("no deployment of the fleet serves {}", svc.model));
      }
    }
  }
  if (has_trace) {
    for (const char* key : {"arrival", "input_len", "output_len"}) {
      if (s.has(key)) {
        s.fail(key, fmt::format("'{}' does not apply when the scenario replays a trace", key));
      }
    }
  } else {
    svc.arrival = parse_arrival(s);
    svc.input = parse_length(s, "input_len", max_tokens, base_dir);
    svc.output = parse_length(s, "output_len", max_tokens, base_dir);
  }
  if (const auto ttft = optional_positive(s, "ttft_ms", 1e9)) {
    svc.ttft_target_s = *ttft / 1000.0;
  }
  if (const auto tpot = optional_positive(s, "tpot_ms", 1e9)) {
    svc.tpot_target_s = *tpot / 1000.0;
  }
  s.renamed("prefix_cache_hit", "prefix_cache_hit_share");
  svc.prefix_cache_hit_share = s.number_or("prefix_cache_hit_share", 0, 0, 0.99);
  s.reject_unknown_fields();
  return svc;
}

}  // namespace

Result<SimScenario> parse_scenario(const std::string& text, const std::string& name,
                                   const std::string& base_dir, const catalog::Catalog& catalog,
                                   const perf::EfficiencyTable& efficiency) {
  auto root_node = yaml::load_string(text, name);
  FLEETPLAN_RETURN_IF_ERROR(root_node);
  yaml::Reader root(*root_node, name);
  SimScenario scenario;
  scenario.source = name;
  std::vector<std::pair<std::string, std::string>> places;

  // simulation: how to run.
  yaml::Reader sim = root.map("simulation", false);
  parse_simulation(sim, scenario);

  // fleet: router, scheduler defaults, deployments.
  yaml::Reader fleet = root.map("fleet");
  const std::set<std::string> served_models =
      parse_fleet(fleet, catalog, efficiency, scenario, places);

  // services.
  const bool has_trace = root.has("trace");
  auto services = root.list("services");
  if (services.empty() && root.has("services")) {
    root.fail("services", "the workload has no service");
  }
  for (std::size_t i = 0; i < services.size(); ++i) {
    yaml::Reader& s = services[i];
    places.emplace_back(s.path(), location_of(s));
    SimService svc = parse_service(s, i, catalog, fleet, served_models, has_trace, base_dir);
    scenario.workload.services.push_back(std::move(svc));
  }
  std::string trace_file;
  std::string trace_place;  // "file:line:col: trace", for a trace that cannot be read
  if (has_trace) {
    trace_file = resolve(base_dir, root.string("trace"));
    const YAML::Node& map = root.node();
    const YAML::Node field = map["trace"];
    const YAML::Mark mark = field.IsDefined() ? field.Mark() : map.Mark();
    trace_place = fmt::format("{}:{}:{}: trace", name, mark.line + 1, mark.column + 1);
  } else if (root.ok() && scenario.workload.requests == 0 && scenario.workload.duration_s == 0) {
    sim.fail_here(
        "give 'requests' (arrivals in all) or 'duration_s' (seconds of arrivals): the arrival "
        "processes never stop");
  }
  root.reject_unknown_fields();
  FLEETPLAN_RETURN_IF_ERROR(root.status());

  if (has_trace) {
    std::vector<std::string> service_names;
    for (const SimService& s : scenario.workload.services) {
      service_names.push_back(s.name);
    }
    auto trace = load_trace(trace_file, service_names);
    if (!trace.ok()) {
      // A file that cannot be read at all has no line of its own: name the field instead.
      const std::string& message = trace.error().message;
      const std::string unlocated = trace_file + ": ";
      if (message.rfind(unlocated, 0) == 0) {
        return Error{trace.error().kind, fmt::format("{}: {}", trace_place, message)};
      }
      return trace.error();
    }
    scenario.workload.trace = std::move(trace).value();
  }
  const Status valid = validate(scenario.fleet, scenario.workload);
  if (!valid.ok()) {
    return Error{valid.error().kind, locate(valid.error().message, places, name)};
  }
  return scenario;
}

Result<SimScenario> load_scenario(const std::string& path, const catalog::Catalog& catalog,
                                  const perf::EfficiencyTable& efficiency) {
  auto text = read_text(path);
  FLEETPLAN_RETURN_IF_ERROR(text);
  const std::string base_dir = std::filesystem::path(path).parent_path().string();
  return parse_scenario(*text, path, base_dir, catalog, efficiency);
}

}  // namespace fleetplan::sim
