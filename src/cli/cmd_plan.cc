// `fleetplan plan [SCENARIO]`: the fleet to buy or lease for a scenario, what it serves, and
// what each rule costs. With no scenario, the built-in reference scenario bytedance-2026.
#include <filesystem>
#include <fstream>
#include <memory>

#include <fmt/format.h>

#include "cli/command.h"
#include "perf/perf.h"
#include "report/plan_run.h"
#include "scenario/scenario.h"

namespace fleetplan::cli {
namespace {

struct Options {
  std::string scenario;
  std::string scenario_flag;
  report::PlanOptions plan;
  bool json = false;
  std::string html;
  std::vector<std::string> catalogs;
};

int run(const Options& o) {
  if (!o.scenario.empty() && !o.scenario_flag.empty()) {
    return report_error(input_error(fmt::format("give the scenario once: '{}' and --scenario '{}'",
                                                o.scenario, o.scenario_flag)));
  }
  const std::string name = !o.scenario_flag.empty() ? o.scenario_flag
                           : !o.scenario.empty()    ? o.scenario
                                                    : std::string(scenario::kDefaultScenario);
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
    fmt::print("{}\n", run->json().dump(2));
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
  return run->infeasible() ? kExitInfeasible : kExitOk;
}

void setup(CLI::App& app, RunFn& run_fn) {
  auto options = std::make_shared<Options>();
  app.add_option("scenario", options->scenario,
                 fmt::format("built-in scenario name or YAML file (default {}; see `fleetplan "
                             "scenarios`)",
                             scenario::kDefaultScenario));
  app.add_option("--scenario", options->scenario_flag, "the same, as a flag");
  app.add_option("--objective", options->plan.objective,
                 "min-cost (meet demand at least cost) or max-served (most demand within the "
                 "budgets); default: the scenario's")
      ->check(CLI::IsMember({"min-cost", "max-served"}));
  app.add_flag("--json", options->json, "print JSON instead of the report");
  app.add_option("--html", options->html,
                 "also write a self-contained HTML report with charts to this file");
  app.add_flag("--verify", options->plan.verify,
               "simulate each period's peak hour on the planned deployments and report whether "
               "the latency targets hold");
  app.add_flag("--no-rule-costs", options->plan.no_rule_costs,
               "skip re-solving without each rule (faster)");
  app.add_option("--gap", options->plan.gap,
                 "relative optimality gap at which CBC stops (default 0.001)")
      ->check(CLI::Range(0.0, 1.0));
  // One value per occurrence, so that a scenario name after the flag stays the scenario.
  app.add_option("--without-rule", options->plan.without_rule,
                 "leave a rule of the scenario out (repeatable)")
      ->allow_extra_args(false);
  app.add_option("--with-rule", options->plan.with_rule,
                 "switch on a variant rule the scenario marks `enabled: false` (repeatable)")
      ->allow_extra_args(false);
  add_catalog_option(app, options->catalogs);
  run_fn = [options] { return run(*options); };
}

const bool kRegistered = register_command(
    "plan", "the fleet to buy or lease for a scenario, what it serves, what each rule costs", 40,
    setup);

}  // namespace
}  // namespace fleetplan::cli
