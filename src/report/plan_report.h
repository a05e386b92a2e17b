// Reports of a plan: a terminal report, JSON, and a self-contained HTML page with inline
// SVG charts (no scripts, no network). All three read the same Problem and Plan, so every
// number they show is the same number.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "plan/build.h"
#include "plan/plan.h"
#include "plan/verify.h"

namespace fleetplan::report {

//! What a plan report says besides the plan itself.
struct PlanContext {
  std::string scenario;     //!< name
  std::string description;  //!< one paragraph
  std::string source;       //!< file it was read from
  //! Currency to show next to USD ("CNY") and units of it per USD in each period; empty
  //! or "USD": USD only.
  std::string currency;
  std::vector<double> per_usd;
  std::vector<plan::Capacity> capacities;   //!< how each capacity figure was measured
  std::vector<std::string> policy_notes;    //!< the policy engine's explanations
  std::vector<std::string> rules_left_out;  //!< by the user (`--without-rule`)
  std::vector<std::string> rules_added;     //!< variants switched on (`--with-rule`)
  //! How each modelled demand was derived, one line each (curve, users x requests x
  //! tokens, tokens per user a day).
  std::vector<std::string> demand_notes;
};

//! The terminal report: fleet per period, spend against budget, demand served, domestic
//! share, tight constraints, what each rule costs, capacities and assumptions (or, for an
//! infeasible plan, the conflicting constraints).
std::string plan_text(const plan::Problem& problem, const plan::Plan& plan,
                      const PlanContext& context);

//! The plan as JSON: status, periods[] (budget, spend, domestic share, capacity and demand
//! in tokens/day, fleet[], services[]), rules[], conflicts[], assumptions[].
nlohmann::ordered_json plan_json(const plan::Problem& problem, const plan::Plan& plan,
                                 const PlanContext& context);

//! A self-contained HTML page with the report's tables and inline SVG charts: fleet by
//! accelerator and site, spend against budget, capacity against demand.
std::string plan_html(const plan::Problem& problem, const plan::Plan& plan,
                      const PlanContext& context,
                      const std::vector<plan::Verification>& verifications = {});

//! The simulator's check of a plan (`--verify`): one row per deployment type.
std::string verification_text(const std::vector<plan::Verification>& verifications);
nlohmann::ordered_json verification_json(const std::vector<plan::Verification>& verifications);

//! "1.23 bn USD", "456.7 M USD", "12,345 USD".
std::string money(double usd);
//! "50.00 T", "812.5 bn", "3.2 M" (tokens/day and other large counts).
std::string large(double value);

}  // namespace fleetplan::report
