#include "report/simulate_run.h"

#include <yaml-cpp/yaml.h>

#include <fmt/format.h>

#include "report/json_fields.h"

namespace fleetplan::report {
namespace {

// A mapping key that makes the simulator read a file: `trace:` and a distribution's
// `file:`. Returns the path of the first one, e.g. "services[0].input_len.file".
std::optional<std::string> file_reference(const YAML::Node& node, const std::string& path) {
  if (node.IsMap()) {
    for (const auto& entry : node) {
      const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : "?";
      const std::string child = path.empty() ? key : path + "." + key;
      if (key == "trace" || key == "file") {
        return child;
      }
      if (auto found = file_reference(entry.second, child)) {
        return found;
      }
    }
  } else if (node.IsSequence()) {
    for (std::size_t i = 0; i < node.size(); ++i) {
      if (auto found = file_reference(node[i], fmt::format("{}[{}]", path, i))) {
        return found;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

Result<SimulateOptions> parse_simulate_options(const nlohmann::json& json,
                                               const SimulateLimits& limits) {
  SimulateOptions o;
  JsonFields f(json, "");
  f.text("scenario", o.scenario_text);
  f.text("model", o.quick.model);
  f.text("accelerator", o.quick.accelerator);
  f.integer("count", o.quick.count, 1, 1 << 20);
  f.integer("tp", o.quick.tp, 1, 4096);
  f.number("rate", o.quick.rate, 0, 1e7, true);
  f.integer("requests", o.requests, 1, limits.max_requests);
  f.number("duration", o.duration_s, 0, limits.max_duration_s, true);
  f.integer("input_len", o.quick.input_len, 1, 1 << 24);
  f.integer("output_len", o.quick.output_len, 1, 1 << 24);
  f.text("arrival", o.quick.arrival);
  f.number("cv", o.quick.cv, 0, 100, true);
  f.number("ttft_ms", o.ttft_ms, 0, 1e9, true);
  f.number("tpot_ms", o.tpot_ms, 0, 1e9, true);
  f.text("router", o.quick.router);
  f.integer("max_batch", o.quick.max_batch, 1, 1 << 20);
  f.integer("token_budget", o.quick.token_budget, 1, 1 << 24);
  f.text("weights", o.quick.weights);
  f.text("kv_cache", o.quick.kv_cache);
  f.integer("seed", o.seed, 0, (1LL << 53));
  f.boolean("step_by_step", o.step_by_step);
  f.refuse("catalog", "a request may not name files of the server");
  f.refuse("timeseries", "the time series is written to a file; not available here");
  FLEETPLAN_RETURN_IF_ERROR(f.finish());
  const bool quick = !o.quick.model.empty() || !o.quick.accelerator.empty();
  if (!o.scenario_text.empty() && quick) {
    return input_error("give scenario (YAML text) or model and accelerator, not both");
  }
  if (o.scenario_text.empty() && (o.quick.model.empty() || o.quick.accelerator.empty())) {
    return input_error(
        "give scenario (YAML text), or model and accelerator (with rate, count, ...)");
  }
  if (!o.scenario_text.empty()) {
    if (o.ttft_ms || o.tpot_ms) {
      return input_error("ttft_ms/tpot_ms: set the targets of each service in the scenario");
    }
    try {
      if (auto path = file_reference(YAML::Load(o.scenario_text), "")) {
        return input_error(fmt::format(
            "scenario: {}: refused: a request may not name files of the server", *path));
      }
    } catch (const YAML::Exception&) {
      // Not YAML: the scenario parser reports it with its line and column.
    }
  }
  return o;
}

Result<sim::SimScenario> simulate_scenario(const SimulateOptions& o,
                                           const catalog::Catalog& catalog,
                                           const perf::EfficiencyTable& efficiency,
                                           const SimulateLimits& limits, const std::string& name) {
  Result<sim::SimScenario> scenario = Error{};
  if (!o.scenario_text.empty()) {
    scenario = sim::parse_scenario(o.scenario_text, name, "", catalog, efficiency);
  } else {
    sim::QuickSpec quick = o.quick;
    quick.ttft_ms = o.ttft_ms;
    quick.tpot_ms = o.tpot_ms;
    quick.requests = o.requests.value_or(o.duration_s ? 0 : 10000);
    quick.duration_s = o.duration_s.value_or(0);
    scenario = sim::quick_scenario(quick, catalog, efficiency);
  }
  if (!scenario.ok()) {
    return scenario.error();
  }
  if (o.requests) {
    scenario->workload.requests = *o.requests;
  }
  if (o.duration_s) {
    scenario->workload.duration_s = *o.duration_s;
  }
  if (o.seed) {
    scenario->options.seed = *o.seed;
  }
  scenario->options.step_by_step = scenario->options.step_by_step || o.step_by_step;
  scenario->options.timeseries_interval_s = 0;
  const auto& w = scenario->workload;
  if (w.requests == 0 || w.requests > limits.max_requests) {
    return input_error(fmt::format(
        "requests: at most {} requests a simulation here (the scenario asks {}); set requests",
        limits.max_requests,
        w.requests == 0 ? std::string("no limit") : std::to_string(w.requests)));
  }
  if (w.duration_s > limits.max_duration_s) {
    return input_error(fmt::format("duration: at most {} s of arrivals here (the scenario asks {})",
                                   limits.max_duration_s, w.duration_s));
  }
  return scenario;
}

}  // namespace fleetplan::report
