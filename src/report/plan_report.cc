// Plan reports: the figures they share (money, large numbers, percentages, labels).
#include "report/plan_report.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "report/detail/plan_format.h"
#include "report/table.h"

namespace fleetplan::report {

std::string money(double usd) {
  const double magnitude = std::abs(usd);
  if (magnitude >= 1e9) {
    return fmt::format("{:.2f} bn USD", usd / 1e9);
  }
  if (magnitude >= 1e6) {
    return fmt::format("{:.1f} M USD", usd / 1e6);
  }
  return grouped(usd) + " USD";
}

std::string large(double value) {
  const double magnitude = std::abs(value);
  if (magnitude >= 1e12) {
    return fmt::format("{:.2f} T", value / 1e12);
  }
  if (magnitude >= 1e9) {
    return fmt::format("{:.2f} bn", value / 1e9);
  }
  if (magnitude >= 1e6) {
    return fmt::format("{:.2f} M", value / 1e6);
  }
  return grouped(value);
}

namespace detail {

using plan::ServiceKind;

// A demand or capacity figure in the service's unit.
std::string amount(const plan::ServiceRow& service, double value) {
  if (service.kind == ServiceKind::kTraining) {
    return std::abs(value) >= 1e18 ? fmt::format("{:.2f} EFLOP/s", value / 1e18)
                                   : fmt::format("{:.1f} PFLOP/s", value / 1e15);
  }
  return large(value) + " tokens/day";
}

std::string signed_amount(const plan::ServiceRow& service, double value) {
  return (value > 0 ? "+" : "") + amount(service, value);
}

std::string mode_label(const plan::Option& option) {
  return option.installed_base ? "installed" : plan::mode_name(option.mode);
}

std::string percent(double fraction, int decimals) {
  return fmt::format("{:.{}f} %", 100 * fraction, decimals);
}

std::string in_currency(const PlanContext& context, int period, double usd) {
  if (context.currency.empty() || context.currency == "USD" ||
      period >= static_cast<int>(context.per_usd.size())) {
    return "";
  }
  const double value = usd * context.per_usd[period];
  if (std::abs(value) >= 1e9) {
    return fmt::format(" ({:.2f} bn {})", value / 1e9, context.currency);
  }
  return fmt::format(" ({:.1f} M {})", value / 1e6, context.currency);
}

double inference_sum(const Problem& problem, const std::vector<double>& per_service) {
  double total = 0;
  for (std::size_t s = 0; s < problem.services.size(); ++s) {
    if (problem.services[s].kind == ServiceKind::kInference) {
      total += per_service[s];
    }
  }
  return total;
}

// What the accelerators of a fleet line serve: "doubao-chat 272,131; light-apps 140,893".
std::string serves(const Problem& problem, const plan::FleetLine& line) {
  std::string out;
  for (std::size_t s = 0; s < problem.services.size(); ++s) {
    if (line.allocated[s] >= 0.5) {
      out += fmt::format("{}{} {}", out.empty() ? "" : "; ", problem.services[s].name,
                         grouped(line.allocated[s]));
    }
  }
  if (out.empty()) {
    out = "idle";
  }
  return out;
}

// The fleet lines of one period, in option order.
std::vector<const plan::FleetLine*> fleet_of(const Plan& plan, int period) {
  std::vector<const plan::FleetLine*> lines;
  for (const auto& line : plan.fleet) {
    if (line.period == period) {
      lines.push_back(&line);
    }
  }
  return lines;
}

std::string rule_description(const Problem& problem, const std::string& name) {
  for (const auto& rule : problem.rules) {
    if (rule.name == name) {
      return rule.description;
    }
  }
  return "";
}

// The average over periods of a rule's inference tokens/day change.
double mean_tokens(const plan::RuleCost& cost) {
  if (cost.tokens_per_day.empty()) {
    return 0;
  }
  double total = 0;
  for (double t : cost.tokens_per_day) {
    total += t;
  }
  return total / static_cast<double>(cost.tokens_per_day.size());
}

// Changes in the training services' served compute, "+1.2 PFLOP/s foundation-training".
std::string training_change(const Problem& problem, const plan::RuleCost& cost) {
  std::string out;
  for (std::size_t s = 0; s < problem.services.size(); ++s) {
    if (problem.services[s].kind != ServiceKind::kTraining) {
      continue;
    }
    double total = 0;
    for (const auto& row : cost.served_change) {
      total += row[s];
    }
    total /= static_cast<double>(std::max<std::size_t>(1, cost.served_change.size()));
    if (std::abs(total) > 1e-9 * std::max(1.0, problem.services[s].demand.back())) {
      out += fmt::format("{}{} {}", out.empty() ? "" : "; ",
                         signed_amount(problem.services[s], total), problem.services[s].name);
    }
  }
  return out.empty() ? "-" : out;
}

// " (proven gap 0.002 %)", or for max-served the gaps of both stages.
std::string gap_text(const Plan& plan) {
  if (plan.objective == plan::Objective::kMaxServed) {
    return fmt::format(" (proven gaps: demand served {:.3f} %, cost at that service {:.3f} %)",
                       100 * plan.served_gap, 100 * plan.gap);
  }
  return fmt::format(" (proven gap {:.3f} %)", 100 * plan.gap);
}

std::string tight_list(const Plan& plan) {
  std::string out;
  for (const auto& tight : plan.tight) {
    out += fmt::format("  - {}{}\n", tight.name,
                       tight.rule.empty() ? "" : " (rule " + tight.rule + ")");
  }
  return out;
}

}  // namespace detail

}  // namespace fleetplan::report
