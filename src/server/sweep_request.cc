#include "server/sweep_request.h"

#include <limits>
#include <vector>

#include <fmt/format.h>

#include "core/options.h"
#include "plan/plan.h"
#include "report/json_fields.h"
#include "scenario/settings_options.h"

namespace fleetplan::server {
namespace {

using nlohmann::json;

// A list of "PATH=..." strings (the CLI's repeatable flag).
Status read_list(const json& object, const std::string& key, const std::string& where,
                 std::vector<std::string>& out) {
  if (!object.contains(key) || object[key].is_null()) {
    return {};
  }
  const json& value = object[key];
  const std::string field = fmt::format("{}.{}", where, key);
  if (!value.is_array()) {
    return input_error(
        fmt::format("{}: expected a list of \"PATH=...\" strings, got {}", field, value.dump()));
  }
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (!value[i].is_string() || value[i].get<std::string>().empty()) {
      return input_error(
          fmt::format("{}[{}]: expected a \"PATH=...\" string, got {}", field, i, value[i].dump()));
    }
    out.push_back(value[i].get<std::string>());
  }
  return {};
}

// A number of the options registry (gap, node_limit), checked as the registry says, as the
// command line's flag of the same name is; absent: the scenario's setting.
Result<std::optional<double>> setting(const json& object, const std::string& key,
                                      const std::string& where) {
  if (!object.contains(key) || object[key].is_null()) {
    return std::optional<double>();
  }
  const options::Spec& spec = scenario::settings_options().at(key);
  const std::string field = fmt::format("{}.{}", where, key);
  if (!object[key].is_number()) {
    return input_error(
        fmt::format("{}: expected {}, got {}", field, options::expected(spec), object[key].dump()));
  }
  auto number = options::parse_number(spec, object[key].dump(), field);
  if (!number.ok()) {
    return number.error();
  }
  return std::optional<double>(*number);
}

}  // namespace

Result<analysis::SweepSpec> parse_sweep_options(const json& options, const std::string& where) {
  analysis::SweepSpec spec;
  if (options.is_null()) {
    return spec;
  }
  report::JsonFields fields(options, where);
  // Read by read_list below; named here so that they count as known fields.
  (void)fields.has("set");
  (void)fields.has("vary");
  fields.text("uncertainty", spec.uncertainty_text);
  bool tornado = false;
  fields.boolean("tornado", tornado);
  fields.integer("samples", spec.samples, 1, analysis::kMaxRuns);
  fields.integer("seed", spec.seed, 0, std::numeric_limits<long long>::max());
  fields.text("metric", spec.metric);
  fields.boolean("rule_costs", spec.rule_costs);
  std::string objective;
  fields.text("objective", objective);
  (void)fields.has("gap");  // read by setting() below, as is node_limit
  (void)fields.has("node_limit");
  fields.refuse("catalog",
                "catalog files are read from the machine that plans, and a request may not name "
                "its files; put accelerators and models in the server's catalog");
  fields.refuse("csv",
                "the API answers JSON (GET /api/sweeps/{id}); fleetplan sweep --csv "
                "writes the CSV");
  fields.refuse("html",
                "the API answers JSON (GET /api/sweeps/{id}); fleetplan sweep --html "
                "writes the page");
  fields.refuse("json", "the API always answers the JSON of fleetplan sweep --json");
  fields.refuse("jobs", "the server runs a sweep --jobs runs at a time (fleetplan serve --jobs)");
  FLEETPLAN_RETURN_IF_ERROR(fields.finish());
  FLEETPLAN_RETURN_IF_ERROR(read_list(options, "set", where, spec.sets));
  FLEETPLAN_RETURN_IF_ERROR(read_list(options, "vary", where, spec.varies));
  auto gap = setting(options, "gap", where);
  if (!gap.ok()) {
    return gap.error();
  }
  spec.relative_gap = *gap;
  auto node_limit = setting(options, "node_limit", where);
  if (!node_limit.ok()) {
    return node_limit.error();
  }
  if (*node_limit) {
    spec.node_limit = static_cast<long long>(**node_limit);
  }
  if (fields.has("uncertainty")) {
    if (spec.uncertainty_text.empty()) {
      return input_error(
          fmt::format("{}.uncertainty: is empty; expected the YAML text of an "
                      "uncertainty file (uncertainty:, correlations:)",
                      where));
    }
    spec.uncertainty_name = where + ".uncertainty";
  }
  // The modes as `fleetplan sweep` chooses them (cmd_sweep.cc), with fields for flags.
  if (tornado && spec.samples > 0) {
    return input_error(fmt::format("{0}.tornado and {0}.samples: choose one mode", where));
  }
  spec.mode = tornado            ? analysis::SweepMode::kTornado
              : spec.samples > 0 ? analysis::SweepMode::kMonteCarlo
                                 : analysis::SweepMode::kGrid;
  if (spec.mode != analysis::SweepMode::kMonteCarlo &&
      (!spec.varies.empty() || !spec.uncertainty_text.empty())) {
    return input_error(
        fmt::format("{0}.vary and {0}.uncertainty draw samples: give {0}.samples", where));
  }
  if (!objective.empty()) {
    auto parsed = plan::parse_objective(objective);
    if (!parsed.ok()) {
      return input_error(fmt::format("{}.objective: {}", where, parsed.error().message));
    }
    spec.objective = *parsed;
  }
  return spec;
}

}  // namespace fleetplan::server
