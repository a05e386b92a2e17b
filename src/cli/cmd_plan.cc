// `fleetplan plan [SCENARIO]`: the fleet to buy or lease for a scenario, what it serves, and
// what each rule costs. With no scenario, the built-in reference scenario bytedance-2026.
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "cli/command.h"
#include "core/json.h"
#include "perf/perf.h"
#include "report/plan_run.h"
#include "scenario/scenario.h"
#include "scenario/settings_options.h"
#include "store/store.h"

namespace fleetplan::cli {
namespace {

struct Options {
  std::string scenario;
  std::string scenario_flag;
  report::PlanOptions plan;
  bool json = false;
  std::string html;
  std::vector<std::string> catalogs;
  std::string store;
};

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Keeps the plan in a plan store, as `fleetplan serve` keeps the plans it runs.
Status store_plan(const Options& o, const std::string& name, const std::string& source,
                  const report::PlanRun& run) {
  auto url = store::url_or_default(o.store == "default" ? std::string() : o.store);
  FLEETPLAN_RETURN_IF_ERROR(url);
  auto opened = store::open_store(*url);
  if (!opened.ok()) {
    return opened.error();
  }
  std::string path = name;
  if (!std::filesystem::exists(name)) {
    auto builtin = scenario::builtin_scenario_path(name);
    if (!builtin.ok()) {
      return builtin.error();
    }
    path = *builtin;
  }
  const auto plan = run.json();
  auto id = (*opened)->add_plan({run.context.scenario, source, read_text(path),
                                 report::plan_options_json(o.plan).dump(), FLEETPLAN_VERSION,
                                 store::utc_now()});
  if (!id.ok()) {
    return id.error();
  }
  store::FinishedPlan finished;
  finished.status = plan.value("status", "");
  finished.objective = plan.value("objective", "");
  finished.result = fleetplan::json::dump(plan);
  finished.headline = report::plan_headline(nlohmann::json::parse(finished.result)).dump();
  finished.finished_at = store::utc_now();
  FLEETPLAN_RETURN_IF_ERROR((*opened)->finish_plan(*id, finished));
  fmt::print(stderr, "fleetplan plan: stored as plan {} in the {} store{}\n", *id,
             (*opened)->kind(), (*opened)->kind() == "sqlite" ? " " + *url : "");
  return {};
}

int run(const Options& o) {
  if (!o.scenario.empty() && !o.scenario_flag.empty()) {
    return report_error(input_error(fmt::format("give the scenario once: '{}' and --scenario '{}'",
                                                o.scenario, o.scenario_flag)));
  }
  const std::string name = !o.scenario_flag.empty() ? o.scenario_flag
                           : !o.scenario.empty()    ? o.scenario
                                                    : std::string(scenario::kDefaultScenario);
  if (!o.html.empty()) {
    // Before any work: an unwritable path found after a minute of solving wastes the minute.
    if (auto writable = check_writable(o.html, "--html"); !writable.ok()) {
      return report_error(writable.error());
    }
  }
  auto catalog = load_catalog(o.catalogs);
  if (!catalog.ok()) {
    return report_error(catalog.error());
  }
  auto efficiency = perf::EfficiencyTable::load_builtin();
  if (!efficiency.ok()) {
    return report_error(efficiency.error());
  }
  auto scenario = scenario::load_scenario(name, *catalog);
  if (!scenario.ok()) {
    return report_error(scenario.error());
  }
  // The name as the user gave it: a built-in scenario's path depends on the installation,
  // and the report must read the same on every machine.
  const std::string source = std::filesystem::exists(name) ? name : "built-in scenario " + name;
  auto run = report::run_plan(*scenario, *catalog, *efficiency, o.plan, source);
  if (!run.ok()) {
    return report_error(run.error());
  }
  if (o.json) {
    fmt::print("{}", fleetplan::json::dump(run->json()));
  } else {
    fmt::print("{}", run->text());
  }
  if (!o.html.empty()) {
    std::ofstream out(o.html, std::ios::binary);
    out << run->html();
    if (!out) {
      return report_error(input_error(fmt::format("--html: cannot write '{}'", o.html)));
    }
  }
  if (!o.store.empty()) {
    if (auto stored = store_plan(o, name, source, *run); !stored.ok()) {
      return report_error(input_error("--store: " + stored.error().message));
    }
  }
  return run->infeasible() ? kExitInfeasible : kExitOk;
}

void setup(CLI::App& app, RunFn& run_fn) {
  auto options = std::make_shared<Options>();
  app.add_option("scenario", options->scenario,
                 fmt::format("built-in scenario name or YAML file (default {}; see `fleetplan "
                             "scenarios`)",
                             scenario::kDefaultScenario));
  app.add_option("--scenario", options->scenario_flag, "the same, as a flag");
  const options::Registry& settings = scenario::settings_options();
  add_setting_flag(app, settings.at("objective"), options->plan.objective, true);
  app.add_flag("--json", options->json, "print JSON instead of the report");
  app.add_option("--html", options->html,
                 "also write a self-contained HTML report with charts to this file");
  app.add_flag("--verify", options->plan.verify,
               "simulate each period's peak hour on the planned deployments and report whether "
               "the latency targets hold");
  app.add_flag("--no-rule-costs", options->plan.no_rule_costs,
               "skip re-solving without each rule (faster)");
  app.add_flag("--rule-interactions", options->plan.rule_interactions,
               "also re-solve without pairs of rules that may overlap and split each overlap "
               "group's joint cost by Shapley value (slower)");
  options->plan.jobs = 0;
  app.add_option("--jobs", options->plan.jobs,
                 "rule re-solves at a time (default: all cores): worker processes; the figures "
                 "are the same for any number")
      ->check(CLI::Range(1, 1024));
  add_setting_flag(app, settings.at("gap"), options->plan.gap, true);
  add_setting_flag(app, settings.at("node_limit"), options->plan.node_limit, true);
  add_setting_flag(app, settings.at("planning_utilization"), options->plan.planning_utilization,
                   true);
  // One value per occurrence, so that a scenario name after the flag stays the scenario.
  app.add_option("--without-rule", options->plan.without_rule,
                 "leave a rule of the scenario out (repeatable)")
      ->allow_extra_args(false);
  app.add_option("--with-rule", options->plan.with_rule,
                 "switch on a variant rule the scenario marks `enabled: false` (repeatable)")
      ->allow_extra_args(false);
  app.add_option("--store", options->store,
                 "also keep the plan in a plan store: postgresql://..., sqlite:PATH, a file, or "
                 "`default` ($XDG_DATA_HOME/fleetplan/plans.db, where `fleetplan serve` looks)");
  add_catalog_option(app, options->catalogs);
  run_fn = [options] { return run(*options); };
}

const bool kRegistered = register_command(
    "plan", "the fleet to buy or lease for a scenario, what it serves, what each rule costs", 40,
    setup);

}  // namespace
}  // namespace fleetplan::cli
