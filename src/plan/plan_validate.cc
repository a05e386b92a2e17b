// Problem::validate: the checks of each part of a problem, in order.
#include <cmath>
#include <set>
#include <string>

#include <fmt/format.h>

#include "plan/economics.h"
#include "plan/plan.h"

namespace fleetplan::plan {

namespace {

bool finite_non_negative(double value) { return std::isfinite(value) && value >= 0; }

Status check_indices(const std::vector<int>& indices, int size, const std::string& field) {
  for (std::size_t i = 0; i < indices.size(); ++i) {
    if (indices[i] < 0 || indices[i] >= size) {
      return input_error(fmt::format("{}[{}] = {} is out of range; expected 0..{}", field, i,
                                     indices[i], size - 1));
    }
  }
  return {};
}

Status validate_periods(const std::vector<Period>& periods) {
  const int period_count = static_cast<int>(periods.size());
  for (int p = 0; p < period_count; ++p) {
    const Period& period = periods[p];
    if (!(period.hours > 0) || !std::isfinite(period.hours)) {
      return input_error(
          fmt::format("periods[{}].hours = {}; expected a positive number", p, period.hours));
    }
    if (period.budget_usd && !finite_non_negative(*period.budget_usd)) {
      return input_error(fmt::format("periods[{}].budget_usd = {}; expected a number >= 0", p,
                                     *period.budget_usd));
    }
  }
  return {};
}

Status validate_service(const ServiceRow& service, int s, int period_count) {
  if (static_cast<int>(service.demand.size()) != period_count) {
    return input_error(
        fmt::format("services[{}].demand has {} values; expected one per period ({})", s,
                    service.demand.size(), period_count));
  }
  for (int p = 0; p < period_count; ++p) {
    if (!finite_non_negative(service.demand[p])) {
      return input_error(fmt::format("services[{}].demand[{}] = {}; expected a number >= 0", s, p,
                                     service.demand[p]));
    }
  }
  if (!finite_non_negative(service.weight)) {
    return input_error(
        fmt::format("services[{}].weight = {}; expected a number >= 0", s, service.weight));
  }
  if (!service.peak_to_average.empty() &&
      static_cast<int>(service.peak_to_average.size()) != period_count) {
    return input_error(fmt::format(
        "services[{}].peak_to_average has {} values; expected one per period ({}) or none", s,
        service.peak_to_average.size(), period_count));
  }
  for (double ratio : service.peak_to_average) {
    if (!(ratio >= 1) || !std::isfinite(ratio)) {
      return input_error(
          fmt::format("services[{}].peak_to_average = {}; expected a number >= 1", s, ratio));
    }
  }
  if (service.shortfall_penalty_usd.size() > 1 &&
      static_cast<int>(service.shortfall_penalty_usd.size()) != period_count) {
    return input_error(fmt::format(
        "services[{}].shortfall_penalty_usd has {} values; expected one per period ({}), one, "
        "or none",
        s, service.shortfall_penalty_usd.size(), period_count));
  }
  for (double penalty : service.shortfall_penalty_usd) {
    if (!finite_non_negative(penalty)) {
      return input_error(
          fmt::format("services[{}].shortfall_penalty_usd = {}; expected >= 0", s, penalty));
    }
  }
  return {};
}

Status validate_option(const Option& option, int o, int site_count, int period_count,
                       int service_count) {
  const std::string at = fmt::format("options[{}] ({})", o, option.accelerator);
  if (option.site < 0 || option.site >= site_count) {
    return input_error(fmt::format("{}.site = {} is out of range; expected 0..{}", at, option.site,
                                   site_count - 1));
  }
  if (option.unit_size < 1) {
    return input_error(fmt::format("{}.unit_size = {}; expected >= 1", at, option.unit_size));
  }
  if (option.lease_term_periods < 1) {
    return input_error(
        fmt::format("{}.lease_term_periods = {}; expected >= 1", at, option.lease_term_periods));
  }
  for (double value : {option.power_w, option.existing}) {
    if (!finite_non_negative(value)) {
      return input_error(
          fmt::format("{}: power_w and existing must be numbers >= 0; found {}", at, value));
    }
  }
  for (const auto* series : {&option.upfront_usd, &option.recurring_usd, &option.residual_usd}) {
    if (series->size() > 1 && static_cast<int>(series->size()) != period_count) {
      return input_error(fmt::format(
          "{}: upfront_usd, recurring_usd and residual_usd need one value per period ({}), "
          "one value, or none; found {}",
          at, period_count, series->size()));
    }
    for (double value : *series) {
      if (!finite_non_negative(value)) {
        return input_error(fmt::format("{}: costs must be numbers >= 0; found {}", at, value));
      }
    }
  }
  for (int p = 0; p < period_count; ++p) {
    if (series_value(option.residual_usd, p) > series_value(option.upfront_usd, p)) {
      return input_error(fmt::format("{}.residual_usd[{}] = {} exceeds upfront_usd = {}", at, p,
                                     series_value(option.residual_usd, p),
                                     series_value(option.upfront_usd, p)));
    }
  }
  if (!option.can_acquire.empty() && static_cast<int>(option.can_acquire.size()) != period_count) {
    return input_error(
        fmt::format("{}.can_acquire needs one value per period ({}) or none", at, period_count));
  }
  if (static_cast<int>(option.capacity.size()) != service_count) {
    return input_error(fmt::format("{}.capacity has {} values; expected one per service ({})", at,
                                   option.capacity.size(), service_count));
  }
  for (double value : option.capacity) {
    if (!finite_non_negative(value)) {
      return input_error(fmt::format("{}.capacity: {} is not a number >= 0", at, value));
    }
  }
  return {};
}

Status known_rule(const std::set<std::string>& rule_names, const std::string& rule,
                  const std::string& field, bool may_be_empty) {
  if ((rule.empty() && may_be_empty) || rule_names.count(rule) != 0) {
    return {};
  }
  return input_error(fmt::format("{}.rule = '{}' is not one of the problem's rules", field, rule));
}

// Rules, exclusions and supply caps: names of known rules, indices in range.
Status validate_rules(const Problem& problem, std::set<std::string>& rule_names) {
  const auto& rules = problem.rules;
  const auto& exclusions = problem.exclusions;
  const auto& supply_caps = problem.supply_caps;
  const int period_count = static_cast<int>(problem.periods.size());
  const int service_count = static_cast<int>(problem.services.size());
  const int option_count = static_cast<int>(problem.options.size());
  for (std::size_t r = 0; r < rules.size(); ++r) {
    if (rules[r].name.empty()) {
      return input_error(fmt::format("rules[{}].name is empty", r));
    }
    if (!rule_names.insert(rules[r].name).second) {
      return input_error(fmt::format("rules[{}].name '{}' is used twice", r, rules[r].name));
    }
  }
  for (std::size_t i = 0; i < exclusions.size(); ++i) {
    const Exclusion& e = exclusions[i];
    const std::string at = fmt::format("exclusions[{}]", i);
    for (const auto& rule : e.rules) {
      FLEETPLAN_RETURN_IF_ERROR(known_rule(rule_names, rule, at, false));
    }
    FLEETPLAN_RETURN_IF_ERROR(known_rule(rule_names, e.only_without, at, true));
    for (std::size_t k = 0; k < e.lifted_by.size(); ++k) {
      if (e.lifted_by[k].empty()) {
        return input_error(fmt::format("{}.lifted_by[{}] is empty; expected rule names", at, k));
      }
      for (const auto& rule : e.lifted_by[k]) {
        FLEETPLAN_RETURN_IF_ERROR(
            known_rule(rule_names, rule, fmt::format("{}.lifted_by[{}]", at, k), false));
      }
    }
    FLEETPLAN_RETURN_IF_ERROR(check_indices({e.option}, option_count, at + ".option"));
    FLEETPLAN_RETURN_IF_ERROR(check_indices(e.periods, period_count, at + ".periods"));
    if (e.service < -1 || e.service >= service_count) {
      return input_error(fmt::format("{}.service = {} is out of range", at, e.service));
    }
  }
  for (std::size_t i = 0; i < supply_caps.size(); ++i) {
    const SupplyCap& cap = supply_caps[i];
    const std::string at = fmt::format("supply_caps[{}]", i);
    FLEETPLAN_RETURN_IF_ERROR(known_rule(rule_names, cap.rule, at, true));
    FLEETPLAN_RETURN_IF_ERROR(check_indices(cap.options, option_count, at + ".options"));
    FLEETPLAN_RETURN_IF_ERROR(check_indices(cap.periods, period_count, at + ".periods"));
    if (!finite_non_negative(cap.max_units)) {
      return input_error(fmt::format("{}.max_units = {}; expected >= 0", at, cap.max_units));
    }
  }
  return {};
}

// Spend caps and shares.
Status validate_spend_caps_and_shares(const Problem& problem,
                                      const std::set<std::string>& rule_names) {
  const auto& spend_caps = problem.spend_caps;
  const auto& shares = problem.shares;
  const int period_count = static_cast<int>(problem.periods.size());
  const int option_count = static_cast<int>(problem.options.size());
  for (std::size_t i = 0; i < spend_caps.size(); ++i) {
    const SpendCap& cap = spend_caps[i];
    const std::string at = fmt::format("spend_caps[{}] ({})", i, cap.name);
    FLEETPLAN_RETURN_IF_ERROR(check_indices({cap.period}, period_count, at + ".period"));
    FLEETPLAN_RETURN_IF_ERROR(check_indices(cap.options, option_count, at + ".options"));
    if (cap.upfront_weight.size() != cap.options.size() ||
        cap.recurring_weight.size() != cap.options.size()) {
      return input_error(
          fmt::format("{}: upfront_weight and recurring_weight need one value per option ({})", at,
                      cap.options.size()));
    }
    for (std::size_t k = 0; k < cap.options.size(); ++k) {
      for (double w : {cap.upfront_weight[k], cap.recurring_weight[k]}) {
        if (!(w >= 0 && w <= 1)) {
          return input_error(fmt::format("{}: weight {} is not in [0, 1]", at, w));
        }
      }
    }
    if (!finite_non_negative(cap.max_usd)) {
      return input_error(fmt::format("{}.max_usd = {}; expected >= 0", at, cap.max_usd));
    }
  }
  for (std::size_t i = 0; i < shares.size(); ++i) {
    const ShareRule& share = shares[i];
    const std::string at = fmt::format("shares[{}]", i);
    FLEETPLAN_RETURN_IF_ERROR(known_rule(rule_names, share.rule, at, true));
    FLEETPLAN_RETURN_IF_ERROR(check_indices(share.scope, option_count, at + ".scope"));
    FLEETPLAN_RETURN_IF_ERROR(check_indices(share.subset, option_count, at + ".subset"));
    FLEETPLAN_RETURN_IF_ERROR(check_indices(share.periods, period_count, at + ".periods"));
    if (!(share.min_share >= 0 && share.min_share <= 1)) {
      return input_error(
          fmt::format("{}.min_share = {}; expected a fraction in [0, 1]", at, share.min_share));
    }
  }
  return {};
}

// Delivery by day, minimum orders and deployment sizes of one option.
Status validate_delivery(const Option& option, int o, int period_count, int service_count) {
  const std::string at = fmt::format("options[{}] ({})", o, option.accelerator);
  if (!option.delivered_fraction.empty() &&
      static_cast<int>(option.delivered_fraction.size()) != period_count) {
    return input_error(fmt::format("{}.delivered_fraction needs one value per period ({}) or none",
                                   at, period_count));
  }
  for (double f : option.delivered_fraction) {
    if (!(f >= 0 && f <= 1)) {
      return input_error(fmt::format("{}.delivered_fraction: {} is not in [0, 1]", at, f));
    }
  }
  if (!(option.min_order >= 0) || !std::isfinite(option.min_order)) {
    return input_error(fmt::format("{}.min_order = {}; expected >= 0", at, option.min_order));
  }
  if (!option.deployment.empty() && static_cast<int>(option.deployment.size()) != service_count) {
    return input_error(
        fmt::format("{}.deployment needs one value per service ({}) or none", at, service_count));
  }
  for (int d : option.deployment) {
    if (d < 0) {
      return input_error(fmt::format("{}.deployment: {} is negative", at, d));
    }
  }
  return {};
}

// Supply pools and delivery limits.
Status validate_pools(const Problem& problem) {
  const int period_count = static_cast<int>(problem.periods.size());
  const int option_count = static_cast<int>(problem.options.size());
  for (std::size_t i = 0; i < problem.pools.size(); ++i) {
    const PoolLimit& pool = problem.pools[i];
    const std::string at = fmt::format("pools[{}] ({})", i, pool.name);
    FLEETPLAN_RETURN_IF_ERROR(check_indices(pool.options, option_count, at + ".options"));
    if (pool.units_per_accelerator.size() != pool.options.size()) {
      return input_error(fmt::format("{}: units_per_accelerator needs one value per option ({})",
                                     at, pool.options.size()));
    }
    if (static_cast<int>(pool.max_units.size()) != period_count) {
      return input_error(
          fmt::format("{}: max_units needs one value per period ({})", at, period_count));
    }
    for (double v : pool.units_per_accelerator) {
      if (!(v > 0) || !std::isfinite(v)) {
        return input_error(fmt::format("{}: units_per_accelerator {} is not > 0", at, v));
      }
    }
    for (double v : pool.max_units) {
      if (!(v >= 0) || !std::isfinite(v)) {
        return input_error(fmt::format("{}: max_units {} is not >= 0", at, v));
      }
    }
  }
  for (std::size_t i = 0; i < problem.delivery_limits.size(); ++i) {
    const DeliveryLimit& limit = problem.delivery_limits[i];
    const std::string at = fmt::format("delivery_limits[{}]", i);
    FLEETPLAN_RETURN_IF_ERROR(check_indices({limit.option}, option_count, at + ".option"));
    FLEETPLAN_RETURN_IF_ERROR(check_indices({limit.period}, period_count, at + ".period"));
    if (!(limit.fraction >= 0 && limit.fraction <= 1)) {
      return input_error(fmt::format("{}.fraction = {}; expected 0..1", at, limit.fraction));
    }
    for (std::size_t k = 0; k < limit.without_pairs.size(); ++k) {
      const auto& pair = limit.without_pairs[k];
      if (!(pair.fraction >= 0 && pair.fraction <= 1)) {
        return input_error(
            fmt::format("{}.without_pairs[{}].fraction = {}; expected 0..1", at, k, pair.fraction));
      }
    }
  }
  return {};
}

}  // namespace

Status Problem::validate() const {
  const int period_count = static_cast<int>(periods.size());
  const int service_count = static_cast<int>(services.size());
  const int option_count = static_cast<int>(options.size());
  if (periods.empty()) {
    return input_error("plan: the problem has no periods; expected at least one");
  }
  FLEETPLAN_RETURN_IF_ERROR(validate_periods(periods));
  for (int s = 0; s < service_count; ++s) {
    FLEETPLAN_RETURN_IF_ERROR(validate_service(services[s], s, period_count));
  }
  for (int o = 0; o < option_count; ++o) {
    FLEETPLAN_RETURN_IF_ERROR(validate_option(options[o], o, static_cast<int>(sites.size()),
                                              period_count, service_count));
    FLEETPLAN_RETURN_IF_ERROR(validate_delivery(options[o], o, period_count, service_count));
  }
  FLEETPLAN_RETURN_IF_ERROR(validate_pools(*this));
  std::set<std::string> rule_names;
  FLEETPLAN_RETURN_IF_ERROR(validate_rules(*this, rule_names));
  FLEETPLAN_RETURN_IF_ERROR(validate_spend_caps_and_shares(*this, rule_names));
  return validate_economics(*this);
}

}  // namespace fleetplan::plan
