// `fleetplan scenarios`: lists the built-in scenarios; `scenarios show NAME` prints one
// verbatim (to copy and edit); `scenarios check FILE|NAME` validates a scenario file;
// `scenarios policy FILE|NAME` prints what the rules exclude and require in each period.
#include <cmath>
#include <memory>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "core/file.h"
#include "core/json.h"
#include "policy/policy.h"
#include "report/listing_json.h"
#include "report/table.h"
#include "scenario/scenario.h"

namespace fleetplan::cli {
namespace {

using nlohmann::ordered_json;

struct Options {
  std::string name;
  bool json = false;
  std::vector<std::string> catalogs;
  std::vector<std::string> without_rules;
  std::vector<std::string> with_rules;
};

// A number with one decimal, without a trailing ".0".
std::string short_number(double value) {
  std::string text = report::grouped(value, 1);
  if (text.size() > 2 && text.compare(text.size() - 2, 2, ".0") == 0) {
    text.resize(text.size() - 2);
  }
  return text;
}

// "160 bn CNY", "6.8 bn USD", "20,000 USD": the way the seed facts write amounts.
std::string money_text(double amount, const std::string& currency) {
  const double magnitude = std::fabs(amount);
  if (magnitude >= 1e9) {
    return fmt::format("{} bn {}", short_number(amount / 1e9), currency);
  }
  if (magnitude >= 1e6) {
    return fmt::format("{} M {}", short_number(amount / 1e6), currency);
  }
  return fmt::format("{} {}", report::grouped(amount, magnitude < 100 ? 2 : 0), currency);
}

// Wraps text at `width` columns, each line indented by `indent` spaces.
std::string wrap(const std::string& text, std::size_t width, std::size_t indent) {
  std::istringstream words(text);
  std::string word;
  std::string out;
  std::string line;
  while (words >> word) {
    if (!line.empty() && indent + line.size() + 1 + word.size() > width) {
      out += std::string(indent, ' ') + line + "\n";
      line.clear();
    }
    line += line.empty() ? word : " " + word;
  }
  if (!line.empty()) {
    out += std::string(indent, ' ') + line + "\n";
  }
  return out;
}

std::string budget_text(const scenario::Period& p) {
  std::string text = money_text(p.budget.amount, p.budget.currency);
  if (p.budget.currency != "USD") {
    text += fmt::format(" ({})", money_text(p.budget_usd, "USD"));
  }
  return text;
}

int list(const Options& options) {
  auto catalog = load_catalog(options.catalogs);
  if (!catalog.ok()) {
    return report_error(catalog.error());
  }
  const auto builtins = scenario::builtin_scenarios();
  ordered_json json = ordered_json::array();
  std::string text;
  for (const auto& b : builtins) {
    auto s = scenario::load_scenario_file(b.path, *catalog);
    if (!s.ok()) {
      return report_error(s.error());
    }
    std::vector<std::string> budgets;
    for (const auto& p : s->periods) {
      budgets.push_back(budget_text(p));
    }
    const bool is_default = b.name == scenario::kDefaultScenario;
    text += fmt::format("\n{}{}\n", b.name, is_default ? " (default)" : "");
    for (std::size_t i = 0; i < s->periods.size(); ++i) {
      const auto& p = s->periods[i];
      text += fmt::format("  period {} ({} to {}): budget {}\n", p.name, p.start.to_string(),
                          p.end.to_string(), budgets[i]);
    }
    text += wrap(s->description, 96, 2);
    json.push_back(report::scenario_summary_json(b.name, *s));
  }
  if (options.json) {
    fmt::print("{}", fleetplan::json::dump(json));
    return kExitOk;
  }
  fmt::print("{} built-in scenarios (`fleetplan scenarios show NAME` prints one)\n{}",
             builtins.size(), text);
  return kExitOk;
}

int show(const Options& options) {
  auto path = scenario::builtin_scenario_path(options.name);
  if (!path.ok()) {
    return report_error(path.error());
  }
  auto text = files::read_text(*path);
  if (!text.ok()) {
    return report_error(internal_error(text.error().message));
  }
  fmt::print("{}", *text);
  return kExitOk;
}

// The catalog (built-in + --catalog files) and the scenario named by the options.
struct Loaded {
  catalog::Catalog catalog;
  scenario::Scenario scenario;
};

Result<Loaded> load(const Options& options) {
  auto catalog = load_catalog(options.catalogs);
  FLEETPLAN_RETURN_IF_ERROR(catalog);
  auto s = scenario::load_scenario(options.name, *catalog);
  FLEETPLAN_RETURN_IF_ERROR(s);
  return Loaded{std::move(catalog).value(), std::move(s).value()};
}

int check(const Options& options) {
  auto loaded = load(options);
  if (!loaded.ok()) {
    return report_error(loaded.error());
  }
  const scenario::Scenario* s = &loaded->scenario;
  fmt::print(
      "{}: ok: {} periods, {} sites, {} services, {} procurement options, {} installed "
      "groups, {} rules, {} assumptions\n",
      s->file, s->periods.size(), s->sites.size(), s->services.size(), s->procurement.size(),
      s->installed.size(), s->rules.size(), s->assumptions.size());
  return kExitOk;
}

ordered_json reason_json(const policy::Reason& r) {
  return {{"rule", r.rule},
          {"kind", std::string(scenario::rule_kind_name(r.kind))},
          {"effective", r.effective.to_string()},
          {"until", r.until ? ordered_json(r.until->to_string()) : ordered_json()},
          {"source", r.source},
          {"allows", r.allows},
          {"scope", r.scope},
          {"message", r.message}};
}

ordered_json option_json(const policy::Option& o) {
  return {{"procurement", o.procurement},
          {"accelerator", o.accelerator},
          {"site", o.site},
          {"mode", std::string(scenario::mode_name(o.mode))},
          {"domestic", o.domestic}};
}

ordered_json period_policy_json(const policy::PeriodPolicy& p) {
  ordered_json pj = {{"name", p.period},
                     {"rules_in_force", p.rules_in_force},
                     {"excluded", ordered_json::array()},
                     {"restricted", ordered_json::array()},
                     {"constraints", ordered_json::array()}};
  for (const auto* group : {&p.excluded, &p.restricted}) {
    for (const auto& e : *group) {
      ordered_json ej = option_json(e.option);
      ej["allowed_fraction"] = e.allowed_fraction;
      ej["reasons"] = ordered_json::array();
      for (const auto& r : e.reasons) {
        ej["reasons"].push_back(reason_json(r));
      }
      pj[group == &p.excluded ? "excluded" : "restricted"].push_back(ej);
    }
  }
  const auto add_constraint = [&](const std::string& kind, const policy::Reason& reason,
                                  const std::vector<policy::Option>& terms) {
    ordered_json cj = {{"kind", kind}, {"reason", reason_json(reason)}};
    cj["terms"] = ordered_json::array();
    for (const auto& t : terms) {
      cj["terms"].push_back(option_json(t));
    }
    pj["constraints"].push_back(cj);
  };
  for (const auto& c : p.share_constraints) {
    add_constraint("domestic_share", c.reason, c.terms);
  }
  for (const auto& c : p.cap_constraints) {
    add_constraint("supply_cap", c.reason, c.terms);
  }
  for (const auto& c : p.use_constraints) {
    add_constraint("use_restriction", c.reason, c.terms);
  }
  return pj;
}

void print_period_policy(const policy::PeriodPolicy& p) {
  fmt::print("\nperiod {}\n", p.period);
  fmt::print("  rules in force: {}\n", p.rules_in_force.empty()
                                           ? std::string("none")
                                           : fmt::format("{}", fmt::join(p.rules_in_force, ", ")));
  if (!p.excluded.empty()) {
    fmt::print("  excluded options:\n");
    for (const auto& e : p.excluded) {
      for (const auto& r : e.reasons) {
        fmt::print("    - {}\n", r.message);
      }
    }
  }
  if (!p.restricted.empty()) {
    fmt::print("  allowed, but not on every day:\n");
    for (const auto& e : p.restricted) {
      for (const auto& r : e.reasons) {
        fmt::print("    - {}\n", r.message);
      }
    }
  }
  const bool any_constraint =
      !p.share_constraints.empty() || !p.cap_constraints.empty() || !p.use_constraints.empty();
  if (any_constraint) {
    fmt::print("  constraints for the planner:\n");
  }
  for (const auto& c : p.share_constraints) {
    fmt::print("    - {}\n", c.reason.message);
  }
  for (const auto& c : p.cap_constraints) {
    fmt::print("    - {}\n", c.reason.message);
  }
  for (const auto& c : p.use_constraints) {
    fmt::print("    - {}\n", c.reason.message);
  }
}

int show_policy(const Options& options) {
  auto loaded = load(options);
  if (!loaded.ok()) {
    return report_error(loaded.error());
  }
  const scenario::Scenario* s = &loaded->scenario;
  const catalog::Catalog* catalog = &loaded->catalog;
  const std::set<std::string> without(options.without_rules.begin(), options.without_rules.end());
  const std::set<std::string> with(options.with_rules.begin(), options.with_rules.end());
  auto engine = policy::RuleEngine::create(*s, *catalog, without, with);
  if (!engine.ok()) {
    return report_error(engine.error());
  }
  const auto periods = engine->all_periods();
  if (options.json) {
    ordered_json out = {{"scenario", s->name},
                        {"rules", ordered_json::array()},
                        {"periods", ordered_json::array()}};
    for (const auto& name : engine->active_rules()) {
      out["rules"].push_back(
          {{"name", name}, {"scope", policy::scope_description(*s->rule(name))}});
    }
    for (const auto& p : periods) {
      out["periods"].push_back(period_policy_json(p));
    }
    fmt::print("{}", json::dump(out));
    return kExitOk;
  }
  fmt::print("scenario {}: rules applied: {}\n", s->name, fmt::join(engine->active_rules(), ", "));
  if (!engine->disabled_rules().empty()) {
    fmt::print("switched off: {}\n", fmt::join(engine->disabled_rules(), ", "));
  }
  fmt::print("whom each rule binds, what it covers and where:\n");
  for (const auto& name : engine->active_rules()) {
    fmt::print("  - {}: {}\n", name, policy::scope_description(*s->rule(name)));
  }
  for (const auto& p : periods) {
    print_period_policy(p);
  }
  return kExitOk;
}

void setup(CLI::App& app, RunFn& run_fn) {
  auto options = std::make_shared<Options>();
  app.add_flag("--json", options->json, "print JSON instead of a table");
  add_catalog_option(app, options->catalogs);
  CLI::App* show_cmd = app.add_subcommand("show", "print a built-in scenario's YAML verbatim");
  show_cmd->add_option("name", options->name, "built-in scenario name")->required();
  CLI::App* check_cmd =
      app.add_subcommand("check", "validate a scenario file (or a built-in scenario)");
  check_cmd->add_option("scenario", options->name, "scenario file or built-in name")->required();
  add_catalog_option(*check_cmd, options->catalogs);
  CLI::App* policy_cmd =
      app.add_subcommand("policy", "what the rules exclude and require in each period, and why");
  policy_cmd->add_option("scenario", options->name, "scenario file or built-in name")->required();
  policy_cmd->add_option("--without-rule", options->without_rules,
                         "switch a rule off by name (repeatable)");
  policy_cmd->add_option("--with-rule", options->with_rules,
                         "switch on a rule the file marks `enabled: false` (repeatable)");
  policy_cmd->add_flag("--json", options->json, "print JSON");
  add_catalog_option(*policy_cmd, options->catalogs);
  app.require_subcommand(0, 1);
  run_fn = [options, show_cmd, check_cmd, policy_cmd] {
    if (show_cmd->parsed()) {
      return show(*options);
    }
    if (check_cmd->parsed()) {
      return check(*options);
    }
    if (policy_cmd->parsed()) {
      return show_policy(*options);
    }
    return list(*options);
  };
}

const bool kRegistered = register_command(
    "scenarios", "list the built-in scenarios; show, check or explain the policy of one", 15,
    setup);

}  // namespace
}  // namespace fleetplan::cli
