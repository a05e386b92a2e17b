// Private to src/report: the formatting helpers the plan reports share (plan_report.cc);
// the reports themselves are in plan_text.cc, plan_json.cc and plan_html.cc.
#pragma once

#include <string>
#include <vector>

#include "report/plan_report.h"

namespace fleetplan::report::detail {

using plan::Plan;
using plan::Problem;

// A demand or capacity figure in the service's unit.
std::string amount(const plan::ServiceRow& service, double value);

std::string signed_amount(const plan::ServiceRow& service, double value);

std::string mode_label(const plan::Option& option);

std::string percent(double fraction, int decimals = 1);

std::string in_currency(const PlanContext& context, int period, double usd);

double inference_sum(const Problem& problem, const std::vector<double>& per_service);

// What the accelerators of a fleet line serve: "doubao-chat 272,131; light-apps 140,893".
std::string serves(const Problem& problem, const plan::FleetLine& line);

// The fleet lines of one period, in option order.
std::vector<const plan::FleetLine*> fleet_of(const Plan& plan, int period);

std::string rule_description(const Problem& problem, const std::string& name);

// The average over periods of a rule's inference tokens/day change.
double mean_tokens(const plan::RuleCost& cost);

// Changes in the training services' served compute, "+1.2 PFLOP/s foundation-training".
std::string training_change(const Problem& problem, const plan::RuleCost& cost);

// " (proven gap 0.002 %)", or for max-served the gaps of both stages.
std::string gap_text(const Plan& plan);

std::string tight_list(const Plan& plan);

}  // namespace fleetplan::report::detail
