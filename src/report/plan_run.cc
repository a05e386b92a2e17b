#include "report/plan_run.h"

#include <algorithm>
#include <mutex>
#include <set>

#include <fmt/format.h>

#include "core/processes.h"
#include "scenario/economics.h"
#include "scenario/settings_options.h"

namespace fleetplan::report {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

Result<std::vector<std::string>> string_list(const json& value, const std::string& field) {
  if (!value.is_array()) {
    return input_error(
        fmt::format("{}: expected a list of rule names, got {}", field, value.dump()));
  }
  std::vector<std::string> out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (!value[i].is_string() || value[i].get<std::string>().empty()) {
      return input_error(
          fmt::format("{}[{}]: expected a rule name, got {}", field, i, value[i].dump()));
    }
    out.push_back(value[i].get<std::string>());
  }
  return out;
}

// A number option of the registry, checked as the registry says (range, integer).
Result<double> setting_number(const std::string& name, const json& value,
                              const std::string& field) {
  const options::Spec& spec = scenario::settings_options().at(name);
  if (!value.is_number()) {
    return input_error(
        fmt::format("{}: expected {}, got {}", field, options::expected(spec), value.dump()));
  }
  return options::parse_number(spec, value.dump(), field);
}

Result<bool> boolean(const json& value, const std::string& field) {
  if (!value.is_boolean()) {
    return input_error(fmt::format("{}: expected true or false, got {}", field, value.dump()));
  }
  return value.get<bool>();
}

// Currency shown beside USD, and its units per USD in each period.
void set_currency(const scenario::Scenario& scenario, PlanContext& context) {
  context.currency = scenario.settings.report_currency;
  for (const auto& period : scenario.periods) {
    auto rate = period.exchange_rates.find(context.currency);
    context.per_usd.push_back(rate != period.exchange_rates.end() ? rate->second : 1.0);
  }
  if (context.currency != "USD" && context.per_usd.size() != scenario.periods.size()) {
    context.currency.clear();
  }
}

}  // namespace

ordered_json plan_options_json(const PlanOptions& options) {
  // Keys in alphabetical order: the stored text of equal options is equal.
  ordered_json out = ordered_json::object();
  if (options.gap) {
    out["gap"] = *options.gap;
  }
  if (options.no_rule_costs) {
    out["no_rule_costs"] = true;
  }
  if (options.node_limit) {
    out["node_limit"] = static_cast<long long>(*options.node_limit);
  }
  if (!options.objective.empty()) {
    out["objective"] = options.objective;
  }
  if (options.planning_utilization) {
    out["planning_utilization"] = *options.planning_utilization;
  }
  if (options.rule_interactions) {
    out["rule_interactions"] = true;
  }
  if (options.verify) {
    out["verify"] = true;
  }
  if (!options.with_rule.empty()) {
    out["with_rule"] = options.with_rule;
  }
  if (!options.without_rule.empty()) {
    out["without_rule"] = options.without_rule;
  }
  return out;
}

Result<PlanOptions> parse_plan_options(const json& value, const std::string& where) {
  PlanOptions options;
  if (value.is_null()) {
    return options;
  }
  if (!value.is_object()) {
    return input_error(
        fmt::format("{}: expected an object of plan options, got {}", where, value.dump()));
  }
  for (const auto& [key, field] : value.items()) {
    const std::string path = fmt::format("{}.{}", where, key);
    if (key == "objective") {
      if (!field.is_string()) {
        return input_error(
            fmt::format("{}: expected min-cost or max-served, got {}", path, field.dump()));
      }
      auto objective = plan::parse_objective(field.get<std::string>());
      if (!objective.ok()) {
        return input_error(fmt::format("{}: {}", path, objective.error().message));
      }
      options.objective = field.get<std::string>();
    } else if (key == "gap" || key == "node_limit" || key == "planning_utilization") {
      auto number = setting_number(key, field, path);
      if (!number.ok()) {
        return number.error();
      }
      (key == "gap"          ? options.gap
       : key == "node_limit" ? options.node_limit
                             : options.planning_utilization) = *number;
    } else if (key == "verify" || key == "no_rule_costs" || key == "rule_interactions") {
      auto flag = boolean(field, path);
      if (!flag.ok()) {
        return flag.error();
      }
      (key == "verify"          ? options.verify
       : key == "no_rule_costs" ? options.no_rule_costs
                                : options.rule_interactions) = *flag;
    } else if (key == "without_rule" || key == "with_rule") {
      auto rules = string_list(field, path);
      if (!rules.ok()) {
        return rules.error();
      }
      (key == "without_rule" ? options.without_rule : options.with_rule) = std::move(*rules);
    } else if (key == "catalog") {
      return input_error(fmt::format(
          "{}: refused: catalog files are read from the machine that plans, and a request may "
          "not name its files; put accelerators and models in the server's catalog",
          path));
    } else {
      return input_error(fmt::format(
          "{}: unknown option (expected objective, gap, node_limit, planning_utilization, verify, "
          "no_rule_costs, rule_interactions, without_rule, with_rule)",
          path));
    }
  }
  return options;
}

Result<PlanRun> run_plan(const scenario::Scenario& given, const catalog::Catalog& catalog,
                         const perf::EfficiencyTable& efficiency, const PlanOptions& options,
                         const std::string& source, const PlanProgress& progress) {
  // A planning utilization given with the run replaces the scenario's setting.
  std::optional<scenario::Scenario> overridden;
  if (options.planning_utilization) {
    overridden = given;
    overridden->settings.planning_utilization = *options.planning_utilization;
  }
  const scenario::Scenario& scenario = overridden ? *overridden : given;
  const auto tell = [&](double fraction) {
    if (progress) {
      progress(fraction);
    }
  };
  plan::BuildOptions build_options;
  build_options.disabled_rules.insert(options.without_rule.begin(), options.without_rule.end());
  build_options.enabled_rules.insert(options.with_rule.begin(), options.with_rule.end());
  auto built = plan::build_problem(scenario, catalog, efficiency, build_options);
  if (!built.ok()) {
    return built.error();
  }
  tell(0.2);
  plan::SolveOptions solve_options;
  solve_options.objective = built->objective;
  if (!options.objective.empty()) {
    auto objective = plan::parse_objective(options.objective);
    if (!objective.ok()) {
      return objective.error();
    }
    solve_options.objective = *objective;
  }
  solve_options.relative_gap = options.gap.value_or(scenario.settings.gap);
  solve_options.node_limit = static_cast<long long>(
      options.node_limit.value_or(static_cast<double>(scenario.settings.node_limit)));
  solve_options.rule_costs = !options.no_rule_costs;
  solve_options.rule_interactions = options.rule_interactions;
  solve_options.jobs = options.jobs > 0 ? options.jobs : available_cores();
  // The solves take most of a run: they span 0.2 to 0.95 (0.8 when verification follows).
  const double solved_at = options.verify ? 0.8 : 0.95;
  solve_options.progress = [&](int done, int planned) {
    tell(0.2 + (solved_at - 0.2) * done / std::max(planned, 1));
  };
  // COIN-OR CBC as Debian builds it is not safe to run in two threads at once (two plans
  // solved side by side came out different and some failed): one solve at a time per
  // process. Building, verifying and reporting still run in parallel.
  static std::mutex solver;
  std::unique_lock lock(solver);
  auto solved = plan::solve(built->problem, solve_options);
  lock.unlock();
  if (!solved.ok()) {
    return solved.error();
  }
  tell(solved_at);

  PlanRun run{std::move(*built), std::move(*solved), {}, {}, options.verify};
  PlanContext& context = run.context;
  context.scenario = scenario.name;
  context.description = scenario.description;
  context.source = source;
  set_currency(scenario, context);
  context.capacities = run.built.capacities;
  context.policy_notes = run.built.policy_notes;
  context.demand_notes = scenario::demand_notes(scenario);
  context.rules_left_out = options.without_rule;
  context.rules_added = options.with_rule;

  if (options.verify && !run.infeasible()) {
    auto checked = plan::verify(scenario, catalog, efficiency, run.built, run.plan);
    if (!checked.ok()) {
      return checked.error();
    }
    run.verifications = std::move(*checked);
  }
  tell(1.0);
  return run;
}

Status check_plan(const scenario::Scenario& scenario, const catalog::Catalog& catalog,
                  const perf::EfficiencyTable& efficiency, const PlanOptions& options) {
  if (!options.objective.empty()) {
    auto objective = plan::parse_objective(options.objective);
    if (!objective.ok()) {
      return objective.error();
    }
  }
  plan::BuildOptions build_options;
  build_options.disabled_rules.insert(options.without_rule.begin(), options.without_rule.end());
  build_options.enabled_rules.insert(options.with_rule.begin(), options.with_rule.end());
  auto built = plan::build_problem(scenario, catalog, efficiency, build_options);
  if (!built.ok()) {
    return built.error();
  }
  return {};
}

ordered_json PlanRun::json() const {
  auto out = plan_json(built.problem, plan, context);
  if (verified) {
    out["verification"] = verification_json(verifications);
  }
  return out;
}

std::string PlanRun::text() const {
  std::string out = plan_text(built.problem, plan, context);
  if (verified) {
    out += "\n" + verification_text(verifications);
  }
  return out;
}

std::string PlanRun::html() const { return plan_html(built.problem, plan, context, verifications); }

ordered_json plan_headline(const json& plan_json) {
  if (!plan_json.is_object() || plan_json.value("status", "") == "infeasible" ||
      !plan_json.contains("periods") || plan_json["periods"].empty()) {
    return nullptr;
  }
  const json& periods = plan_json["periods"];
  double spend = 0;
  double budget = 0;
  for (const auto& period : periods) {
    spend += period.value("spend_usd", 0.0);
    budget += period.value("budget_usd", 0.0);
  }
  const json& last = periods.back();
  return {{"spend_usd", spend},
          {"budget_usd", budget},
          {"demand_tokens_per_day", last.value("demand_tokens_per_day", 0.0)},
          {"served_tokens_per_day", last.value("served_tokens_per_day", 0.0)},
          {"domestic_share", last.value("domestic_share", 0.0)},
          {"accelerators_active", last.value("accelerators_active", 0.0)},
          {"periods", periods.size()}};
}

}  // namespace fleetplan::report
