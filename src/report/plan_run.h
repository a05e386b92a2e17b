// One plan run, as `fleetplan plan` and `fleetplan serve` both do it: build the problem of a
// loaded scenario, solve it, price the rules, verify by simulation when asked, and keep
// everything the reports need. The front ends only parse their input and print or store.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/catalog.h"
#include "core/result.h"
#include "perf/perf.h"
#include "plan/build.h"
#include "plan/plan.h"
#include "plan/verify.h"
#include "report/plan_report.h"
#include "scenario/scenario.h"

namespace fleetplan::report {

//! The options of a plan run, named as `fleetplan plan`'s flags (`--without-rule` is
//! `without_rule` in JSON). Defaults are the command's.
struct PlanOptions {
  std::string objective;  //!< "min-cost", "max-served"; empty: the scenario's
  //! Each empty: the scenario's `settings.<name>` (defaults and ranges in the options
  //! registry, scenario/settings_options.cc).
  std::optional<double> gap;                   //!< relative optimality gap at which CBC stops
  std::optional<double> node_limit;            //!< branch-and-bound nodes per MILP, 0: none
  std::optional<double> planning_utilization;  //!< share of goodput filled at the peak hour
  bool verify = false;  //!< simulate each period's peak hour on the planned deployments
  bool no_rule_costs = false;
  //! Also re-solve without pairs of rules that may overlap and split each overlap group's
  //! joint cost by Shapley value (`--rule-interactions`).
  bool rule_interactions = false;
  std::vector<std::string> without_rule;
  std::vector<std::string> with_rule;
  //! Rule re-solves at a time, in worker processes (`--jobs`; 0: every core this process may
  //! use). How a plan is computed, not what it is: not in the JSON, and 1 (in the process)
  //! unless the caller knows no other thread solves.
  int jobs = 1;
};

//! The options as JSON with only the fields that differ from the defaults, keys sorted
//! (the same options give the same text, which the plan store keeps).
nlohmann::ordered_json plan_options_json(const PlanOptions& options);
//! Reads options from JSON. An unknown field, a wrong type or an out-of-range value is an
//! error naming the field (`options.gap`); `catalog` is refused, since files of the machine
//! that runs the plan are not the requester's to name.
Result<PlanOptions> parse_plan_options(const nlohmann::json& json, const std::string& where);

//! Everything a plan run produced.
struct PlanRun {
  plan::Built built;
  plan::Plan plan;
  PlanContext context;
  std::vector<plan::Verification> verifications;
  bool verified = false;  //!< verification was asked for (and is in the JSON)

  //! Exactly `fleetplan plan --json`.
  [[nodiscard]] nlohmann::ordered_json json() const;
  [[nodiscard]] std::string text() const;
  [[nodiscard]] std::string html() const;
  [[nodiscard]] bool infeasible() const { return plan.status == plan::SolveStatus::kInfeasible; }
};

//! Told the share of the run done (0..1) as it passes each stage; may be empty.
using PlanProgress = std::function<void(double fraction)>;

//! Plans a loaded scenario. `source` is how the report names where the scenario came from
//! ("built-in scenario bytedance-2026", a file name, "request"). An infeasible scenario is
//! a PlanRun with status infeasible, not an error.
Result<PlanRun> run_plan(const scenario::Scenario& scenario, const catalog::Catalog& catalog,
                         const perf::EfficiencyTable& efficiency, const PlanOptions& options,
                         const std::string& source, const PlanProgress& progress = {});

//! Checks that a plan run of these options can start: the objective, the rule names, the
//! problem builds (what `run_plan` would refuse, with the same message), without solving.
Status check_plan(const scenario::Scenario& scenario, const catalog::Catalog& catalog,
                  const perf::EfficiencyTable& efficiency, const PlanOptions& options);

//! Headline figures of a `plan --json` document for lists of plans: spend and budget
//! summed over periods, demand, served and domestic share of the last period, accelerators
//! active in the last period, the number of periods. Null for an infeasible plan.
nlohmann::ordered_json plan_headline(const nlohmann::json& plan_json);

}  // namespace fleetplan::report
