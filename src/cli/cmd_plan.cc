// `fleetplan plan [SCENARIO]`: the fleet to buy or lease for a scenario, what it serves, and
// what each rule costs. With no scenario, the built-in reference scenario bytedance-2026.
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "cli/command.h"
#include "core/json.h"
#include "perf/perf.h"
#include "plan/build.h"
#include "plan/plan.h"
#include "plan/verify.h"
#include "report/plan_report.h"
#include "scenario/economics.h"
#include "scenario/scenario.h"

namespace fleetplan::cli {
namespace {

struct Options {
  std::string scenario;
  std::string scenario_flag;
  std::string objective;
  bool json = false;
  std::string html;
  bool verify = false;
  bool no_rule_costs = false;
  double gap = 1e-3;
  std::vector<std::string> without_rules;
  std::vector<std::string> with_rules;
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
  plan::BuildOptions build_options;
  build_options.disabled_rules.insert(o.without_rules.begin(), o.without_rules.end());
  build_options.enabled_rules.insert(o.with_rules.begin(), o.with_rules.end());
  auto built = plan::build_problem(*scenario, *catalog, *efficiency, build_options);
  if (!built.ok()) {
    return report_error(built.error());
  }
  plan::SolveOptions solve_options;
  solve_options.objective = built->objective;
  if (!o.objective.empty()) {
    auto objective = plan::parse_objective(o.objective);
    if (!objective.ok()) {
      return report_error(objective.error());
    }
    solve_options.objective = *objective;
  }
  solve_options.relative_gap = o.gap;
  solve_options.rule_costs = !o.no_rule_costs;
  auto plan = plan::solve(built->problem, solve_options);
  if (!plan.ok()) {
    return report_error(plan.error());
  }

  report::PlanContext context;
  context.scenario = scenario->name;
  context.description = scenario->description;
  // The name as the user gave it: a built-in scenario's path depends on the installation,
  // and the report must read the same on every machine.
  context.source = std::filesystem::exists(name) ? name : "built-in scenario " + name;
  context.currency = scenario->settings.report_currency;
  for (const auto& period : scenario->periods) {
    auto rate = period.exchange_rates.find(context.currency);
    context.per_usd.push_back(rate != period.exchange_rates.end() ? rate->second : 1.0);
  }
  if (context.currency != "USD" && context.per_usd.size() != scenario->periods.size()) {
    context.currency.clear();
  }
  context.capacities = built->capacities;
  context.policy_notes = built->policy_notes;
  context.demand_notes = scenario::demand_notes(*scenario);
  context.rules_left_out = o.without_rules;
  context.rules_added = o.with_rules;

  std::vector<plan::Verification> verifications;
  if (o.verify && plan->status != plan::SolveStatus::kInfeasible) {
    auto checked = plan::verify(*scenario, *catalog, *efficiency, *built, *plan);
    if (!checked.ok()) {
      return report_error(checked.error());
    }
    verifications = std::move(*checked);
  }

  if (o.json) {
    auto json = report::plan_json(built->problem, *plan, context);
    if (o.verify) {
      json["verification"] = report::verification_json(verifications);
    }
    fmt::print("{}", fleetplan::json::dump(json));
  } else {
    fmt::print("{}", report::plan_text(built->problem, *plan, context));
    if (o.verify) {
      fmt::print("\n{}", report::verification_text(verifications));
    }
  }
  if (!o.html.empty()) {
    std::ofstream out(o.html, std::ios::binary);
    out << report::plan_html(built->problem, *plan, context, verifications);
    if (!out) {
      return report_error(input_error(fmt::format("--html: cannot write '{}'", o.html)));
    }
  }
  return plan->status == plan::SolveStatus::kInfeasible ? kExitInfeasible : kExitOk;
}

void setup(CLI::App& app, RunFn& run_fn) {
  auto options = std::make_shared<Options>();
  app.add_option("scenario", options->scenario,
                 fmt::format("built-in scenario name or YAML file (default {}; see `fleetplan "
                             "scenarios`)",
                             scenario::kDefaultScenario));
  app.add_option("--scenario", options->scenario_flag, "the same, as a flag");
  app.add_option("--objective", options->objective,
                 "min-cost (meet demand at least cost) or max-served (most demand within the "
                 "budgets); default: the scenario's")
      ->check(CLI::IsMember({"min-cost", "max-served"}));
  app.add_flag("--json", options->json, "print JSON instead of the report");
  app.add_option("--html", options->html,
                 "also write a self-contained HTML report with charts to this file");
  app.add_flag("--verify", options->verify,
               "simulate each period's peak hour on the planned deployments and report whether "
               "the latency targets hold");
  app.add_flag("--no-rule-costs", options->no_rule_costs,
               "skip re-solving without each rule (faster)");
  app.add_option("--gap", options->gap,
                 "relative optimality gap at which CBC stops (default 0.001)")
      ->check(finite_number(0.0, 1.0));
  // One value per occurrence, so that a scenario name after the flag stays the scenario.
  app.add_option("--without-rule", options->without_rules,
                 "leave a rule of the scenario out (repeatable)")
      ->allow_extra_args(false);
  app.add_option("--with-rule", options->with_rules,
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
