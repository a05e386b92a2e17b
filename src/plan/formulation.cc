#include "plan/formulation.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace fleetplan::plan::internal {
namespace {

using milp::kInfinity;

bool covers(const std::vector<int>& periods, int p) {
  return periods.empty() || std::find(periods.begin(), periods.end(), p) != periods.end();
}

// Sums the coefficients of a column that appears more than once (CBC wants one entry per
// column and row) and orders the terms by column, so the model is the same on every run.
std::vector<std::pair<int, double>> merged(const std::vector<std::pair<int, double>>& terms) {
  std::map<int, double> sums;
  for (const auto& [column, coefficient] : terms) {
    sums[column] += coefficient;
  }
  std::vector<std::pair<int, double>> out;
  out.reserve(sums.size());
  for (const auto& [column, coefficient] : sums) {
    if (coefficient != 0) {
      out.emplace_back(column, coefficient);
    }
  }
  return out;
}

double series_or_one(const std::vector<double>& series, int p) {
  return series.empty() ? 1.0 : series_value(series, p);
}

}  // namespace

bool Formulation::rule_on(const std::string& rule) const {
  return rule.empty() || settings_.disabled_rules.count(rule) == 0;
}

bool Formulation::exclusion_on(const Exclusion& exclusion) const {
  if (!exclusion.only_without.empty() &&
      settings_.disabled_rules.count(exclusion.only_without) == 0) {
    return false;
  }
  for (const auto& set : exclusion.lifted_by) {
    if (std::none_of(set.begin(), set.end(),
                     [&](const std::string& rule) { return rule_on(rule); })) {
      return false;  // every rule of a set that lifts it is left out
    }
  }
  return std::all_of(exclusion.rules.begin(), exclusion.rules.end(),
                     [&](const std::string& rule) { return rule_on(rule); });
}

std::vector<Formulation::Term> Formulation::active_terms(int p, int o, Share share) const {
  const Option& option = problem_.options[o];
  const int first =
      option.mode == Mode::kLease ? std::max(0, p - option.lease_term_periods + 1) : 0;
  std::vector<Term> terms;
  for (int q = first; q <= p; ++q) {
    double part = 1.0;
    if (q == p && share == Share::kServing) {
      part = delivered(p, o);
    } else if (q == p && share == Share::kPaid) {
      part = paid(p, o);
    }
    terms.push_back({acquire_[q][o], option.unit_size * part});
  }
  return terms;
}

double Formulation::delivered(int p, int o) const { return delivered_[p][o]; }

double Formulation::paid(int p, int o) const {
  const Option& option = problem_.options[o];
  // A lease's rent runs from delivery for its term, whatever a rule lets it do meanwhile;
  // a bought unit draws energy only while it serves.
  return option.mode == Mode::kLease ? series_or_one(option.delivered_fraction, p)
                                     : delivered(p, o);
}

int Formulation::deployment_size(int o, int s) const {
  const Option& option = problem_.options[o];
  if (option.deployment.empty()) {
    return 1;  // no deployment sizes: allocations are accelerators, continuous
  }
  return option.deployment[s] > 0 ? option.deployment[s] : option.unit_size;
}

double Formulation::allocated(const std::vector<double>& x, int p, int o, int s) const {
  const int column = allocate_[p][o][s];
  if (column < 0) {
    return 0.0;
  }
  const double value = std::max(0.0, x[column]);
  if (problem_.options[o].deployment.empty()) {
    return value;
  }
  // Whole deployments: the column counts them (an integer).
  return deployment_size(o, s) * std::round(value);
}

double Formulation::allocation_unit(int o, int s) const {
  return problem_.options[o].deployment.empty() ? 1.0 : deployment_size(o, s);
}

// The delivered share of each period for units acquired in it: the option's own
// (availability, lead time), then the rules' (delivery limits), as the rules switched on
// leave it.
void Formulation::set_delivered() {
  delivered_.assign(periods_, std::vector<double>(options_, 1.0));
  for (int p = 0; p < periods_; ++p) {
    for (int o = 0; o < options_; ++o) {
      delivered_[p][o] = series_or_one(problem_.options[o].delivered_fraction, p);
    }
  }
  for (const DeliveryLimit& limit : problem_.delivery_limits) {
    double fraction = limit.fraction;
    bool lifted = false;
    for (const auto& [rule, without] : limit.without) {
      if (!rule_on(rule)) {
        fraction = lifted ? std::max(fraction, without) : without;
        lifted = true;
      }
    }
    for (const auto& pair : limit.without_pairs) {
      if (!rule_on(pair.first) && !rule_on(pair.second)) {
        fraction = lifted ? std::max(fraction, pair.fraction) : pair.fraction;
        lifted = true;
      }
    }
    double& share = delivered_[limit.period][limit.option];
    share = std::min(share, fraction);
  }
}

std::vector<Formulation::Term> Formulation::spend_terms(int p, int o, double& constant) const {
  const Option& option = problem_.options[o];
  const double recurring = series_value(option.recurring_usd, p);
  constant = recurring * option.existing / kMoneyScale;
  std::vector<Term> terms;
  for (const Term& term : active_terms(p, o, Share::kPaid)) {
    terms.push_back({term.column, term.coefficient * recurring / kMoneyScale});
  }
  terms.push_back(
      {acquire_[p][o], option.unit_size * series_value(option.upfront_usd, p) / kMoneyScale});
  return terms;
}

void Formulation::add_hard_row(milp::Row row, HardRow info, double slack_sign,
                               double slack_weight) {
  row.terms = merged(row.terms);
  for (const auto& [column, coefficient] : row.terms) {
    if (model_.columns()[column].integer) {
      info.unit_step = std::max(info.unit_step, std::abs(coefficient));
    }
  }
  if (settings_.goal == Settings::Goal::kMinSlack) {
    info.slack = model_.add_column(
        {0, kInfinity, slack_weight, false, fmt::format("slack:{}", info.info.constraint)});
    row.terms.emplace_back(info.slack, slack_sign);
  }
  info.row = model_.add_row(std::move(row));
  hard_rows_.push_back(std::move(info));
}

Formulation::Formulation(const Problem& problem, const Settings& settings)
    : problem_(problem),
      settings_(settings),
      periods_(static_cast<int>(problem.periods.size())),
      options_(static_cast<int>(problem.options.size())),
      services_(static_cast<int>(problem.services.size())),
      elastic_(settings.goal == Settings::Goal::kMinSlack),
      min_cost_(settings.goal == Settings::Goal::kMinCost) {
  set_scales();
  set_delivered();
  set_value_scale();
  set_objective_scale();
  add_acquisitions();
  add_served();
  add_allocations();
  add_exclusions();
  add_fleet_rows();
  add_coverage_rows();
  add_training_jobs();
  add_budget_rows();
  add_power_rows();
  add_space_rows();
  add_supply_caps();
  add_spend_caps();
  add_shares();
  add_pool_rows();
  add_min_order_rows();
  add_score_floor();
  add_tier_floors();
}

// Max-served breaks ties by cost: the whole horizon's budget weighs 1e-4 of one fully
// served service-period, far below the solver's gap, so served demand always comes first;
// but among plans that serve the same, the relaxations CBC rounds are the cheap ones, which
// gives the second stage (least cost at that service) a good first plan.
void Formulation::set_scales() {
  cost_weight_ = 0;
  if (settings_.goal == Settings::Goal::kMaxServed) {
    double budgets = 0;
    for (const Period& period : problem_.periods) {
      budgets += period.budget_usd.value_or(0) / kMoneyScale;
    }
    cost_weight_ = budgets > 0 ? 1e-4 / budgets : 0.0;
  }

  // Served demand is counted in units of the best accelerator's capacity, so a served
  // column reads "accelerators' worth" and the coverage coefficients are at most 1.
  service_scale_.assign(services_, 1.0);
  for (int s = 0; s < services_; ++s) {
    double best = 0;
    for (const Option& option : problem_.options) {
      best = std::max(best, option.capacity[s]);
    }
    if (best > 0) {
      service_scale_[s] = best;
    }
  }
  // A fleet size to express count slacks relative to (the elastic problem's weights).
  double existing = 0;
  for (const Option& option : problem_.options) {
    existing += option.existing;
  }
  reference_fleet_ = std::max(1.0, existing);
  for (int s = 0; s < services_; ++s) {
    for (int p = 0; p < periods_; ++p) {
      reference_fleet_ =
          std::max(reference_fleet_, problem_.services[s].demand[p] / service_scale_[s]);
    }
  }
  largest_budget_ = 1e-3;  // 1,000 USD: the scale of an empty budget
  for (const Period& period : problem_.periods) {
    largest_budget_ = std::max(largest_budget_, period.budget_usd.value_or(0) / kMoneyScale);
  }
}

// Acquisitions: integer, in units of unit_size accelerators.
void Formulation::add_acquisitions() {
  acquire_.assign(periods_, std::vector<int>(options_, -1));
  for (int p = 0; p < periods_; ++p) {
    for (int o = 0; o < options_; ++o) {
      const Option& option = problem_.options[o];
      const bool can = option.can_acquire.empty() || option.can_acquire[p];
      double cost = 0;
      if (min_cost_ || cost_weight_ > 0) {
        // Cash of one unit over the rest of the horizon, less what it is still worth at the end.
        const int last = option.mode == Mode::kLease
                             ? std::min(periods_ - 1, p + option.lease_term_periods - 1)
                             : periods_ - 1;
        double cash = series_value(option.upfront_usd, p);
        for (int q = p; q <= last; ++q) {
          cash += series_value(option.recurring_usd, q) * (q == p ? paid(p, o) : 1.0);
        }
        cost = option.unit_size * (cash - series_value(option.residual_usd, p)) / kMoneyScale;
        if (!min_cost_) {
          cost *= cost_weight_ * objective_scale_;
        }
      }
      acquire_[p][o] = model_.add_column(
          {0, can ? kInfinity : 0.0, cost, true, fmt::format("acquire[{}][{}]", p, o)});
    }
  }
  if (min_cost_) {
    for (int p = 0; p < periods_; ++p) {
      for (const Option& option : problem_.options) {
        objective_constant_ +=
            series_value(option.recurring_usd, p) * option.existing / kMoneyScale;
      }
    }
  }
}

// Served demand per service and period.
void Formulation::add_served() {
  served_.assign(periods_, std::vector<int>(services_, -1));
  for (int p = 0; p < periods_; ++p) {
    for (int s = 0; s < services_; ++s) {
      const ServiceRow& service = problem_.services[s];
      const double demand = service.demand[p] / service_scale_[s];
      double lower = 0;
      double cost = 0;
      if (settings_.goal == Settings::Goal::kMaxServed && demand > 0) {
        cost = -served_weight(p, s) * objective_scale_;
      }
      const bool priced = !service.shortfall_penalty_usd.empty();
      if (min_cost_ && priced) {
        const double penalty = series_value(service.shortfall_penalty_usd, p);
        cost = -penalty * service_scale_[s] / kMoneyScale;
        objective_constant_ += penalty * service.demand[p] / kMoneyScale;
      }
      const bool hard = settings_.hard_demand && !priced && demand > 0;
      if (hard && !elastic_) {
        lower = demand;
      }
      if (settings_.served_floor) {
        // A hair below the floor: the floor is itself a solution's value, read back in floats.
        lower = std::max(lower, std::min(demand, (*settings_.served_floor)[p][s] /
                                                     service_scale_[s] * (1 - 1e-9)));
      }
      served_[p][s] =
          model_.add_column({lower, demand, cost, false, fmt::format("served[{}][{}]", p, s)});
      if (hard && elastic_) {
        HardRow info;
        info.to_natural = service_scale_[s];
        info.bound = service.demand[p];
        info.info = {fmt::format("demand[{}][{}]", service.name, problem_.periods[p].name),
                     "demand",
                     "",
                     p,
                     0,
                     service.kind == ServiceKind::kInference ? "tokens/day" : "FLOP/s",
                     0,
                     ""};
        add_hard_row({demand, kInfinity, {{served_[p][s], 1.0}}, info.info.constraint}, info, 1.0,
                     1.0 / demand);
      }
    }
  }
}

// Allocation of active accelerators to services.
void Formulation::add_allocations() {
  allocate_.assign(periods_,
                   std::vector<std::vector<int>>(options_, std::vector<int>(services_, -1)));
  for (int p = 0; p < periods_; ++p) {
    for (int o = 0; o < options_; ++o) {
      for (int s = 0; s < services_; ++s) {
        if (problem_.options[o].capacity[s] > 0) {
          // With deployment sizes, whole deployments (an integer count of them); without,
          // accelerators, continuous.
          const bool whole = !problem_.options[o].deployment.empty();
          allocate_[p][o][s] = model_.add_column(
              {0, kInfinity, 0, whole, fmt::format("allocate[{}][{}][{}]", p, o, s)});
        }
      }
    }
  }
}

// Exclusions: bounds at 0, or in the elastic problem rows with a slack.
void Formulation::add_exclusions() {
  for (const Exclusion& exclusion : problem_.exclusions) {
    if (!exclusion_on(exclusion)) {
      continue;
    }
    const std::string rules = fmt::format("{}", fmt::join(exclusion.rules, "+"));
    const Option& option = problem_.options[exclusion.option];
    for (int p = 0; p < periods_; ++p) {
      if (!covers(exclusion.periods, p)) {
        continue;
      }
      std::vector<int> columns;
      double to_natural = 1;
      if (exclusion.scope == ExclusionScope::kAcquire) {
        columns.push_back(acquire_[p][exclusion.option]);
        to_natural = option.unit_size;
      } else {
        for (int s = 0; s < services_; ++s) {
          if ((exclusion.service < 0 || exclusion.service == s) &&
              allocate_[p][exclusion.option][s] >= 0) {
            columns.push_back(allocate_[p][exclusion.option][s]);
            to_natural = allocation_unit(exclusion.option, s);
          }
        }
      }
      for (int column : columns) {
        if (!elastic_) {
          model_.mutable_columns()[column].upper = 0;
          continue;
        }
        if (model_.columns()[column].upper == 0) {
          continue;  // already impossible for a reason that is not a rule
        }
        HardRow info;
        info.to_natural = to_natural;
        info.info = {fmt::format("exclusion[{}][{}][{}]", rules,
                                 problem_.option_label(exclusion.option), problem_.periods[p].name),
                     "exclusion",
                     rules,
                     p,
                     0,
                     "accelerators",
                     0,
                     exclusion.reason};
        // Breaking an export rule weighs ten times a relative slack of the same size elsewhere.
        add_hard_row({-kInfinity, 0, {{column, 1.0}}, info.info.constraint}, info, -1.0,
                     10.0 * to_natural / reference_fleet_);
      }
    }
  }
}

// Fleet: the accelerators allocated to services are at most those active.
void Formulation::add_fleet_rows() {
  for (int p = 0; p < periods_; ++p) {
    for (int o = 0; o < options_; ++o) {
      milp::Row row;
      row.name = fmt::format("fleet[{}][{}]", p, o);
      for (int s = 0; s < services_; ++s) {
        if (allocate_[p][o][s] >= 0) {
          row.terms.emplace_back(allocate_[p][o][s], allocation_unit(o, s));
        }
      }
      if (row.terms.empty()) {
        continue;
      }
      for (const Term& term : active_terms(p, o, Share::kServing)) {
        row.terms.emplace_back(term.column, -term.coefficient);
      }
      row.upper = problem_.options[o].existing;
      row.terms = merged(row.terms);
      model_.add_row(std::move(row));
    }
  }
}

// Coverage: served demand is at most the capacity allocated to the service.
void Formulation::add_coverage_rows() {
  for (int p = 0; p < periods_; ++p) {
    for (int s = 0; s < services_; ++s) {
      milp::Row row;
      row.name = fmt::format("cover[{}][{}]", p, s);
      row.upper = 0;
      row.terms.emplace_back(served_[p][s], series_or_one(problem_.services[s].peak_to_average, p));
      for (int o = 0; o < options_; ++o) {
        if (allocate_[p][o][s] >= 0) {
          row.terms.emplace_back(allocate_[p][o][s], -problem_.options[o].capacity[s] *
                                                         allocation_unit(o, s) / service_scale_[s]);
        }
      }
      model_.add_row(std::move(row));
    }
  }
}

// Budget: cash of the period.
void Formulation::add_budget_rows() {
  for (int p = 0; p < periods_; ++p) {
    const auto& budget = problem_.periods[p].budget_usd;
    if (!budget) {
      continue;
    }
    milp::Row row;
    double constant_total = 0;
    for (int o = 0; o < options_; ++o) {
      double constant = 0;
      for (const Term& term : spend_terms(p, o, constant)) {
        row.terms.emplace_back(term.column, term.coefficient);
      }
      constant_total += constant;
    }
    row.upper = *budget / kMoneyScale - constant_total;
    HardRow info;
    info.to_natural = kMoneyScale;
    info.bound = *budget;
    info.info = {
        fmt::format("budget[{}]", problem_.periods[p].name), "budget", "", p, 0, "USD", 0, ""};
    row.name = info.info.constraint;
    add_hard_row(std::move(row), info, -1.0, 1.0 / std::max(1e-3, *budget / kMoneyScale));
  }
}

// Site power.
void Formulation::add_power_rows() {
  for (int k = 0; k < static_cast<int>(problem_.sites.size()); ++k) {
    const auto& limit = problem_.sites[k].power_limit_w;
    if (!limit) {
      continue;
    }
    for (int p = 0; p < periods_; ++p) {
      milp::Row row;
      double existing_w = 0;
      for (int o = 0; o < options_; ++o) {
        const Option& option = problem_.options[o];
        if (option.site != k) {
          continue;
        }
        existing_w += option.existing * option.power_w;
        for (const Term& term : active_terms(p, o)) {
          row.terms.emplace_back(term.column, term.coefficient * option.power_w / kPowerScale);
        }
      }
      if (row.terms.empty() && existing_w <= *limit) {
        continue;
      }
      row.upper = (*limit - existing_w) / kPowerScale;
      HardRow info;
      info.to_natural = kPowerScale;
      info.bound = *limit;
      info.info = {
          fmt::format("site-power[{}][{}]", problem_.sites[k].name, problem_.periods[p].name),
          "site-power",
          "",
          p,
          0,
          "W",
          0,
          ""};
      row.name = info.info.constraint;
      add_hard_row(std::move(row), info, -1.0, 1.0 / std::max(1e-3, *limit / kPowerScale));
    }
  }
}

// Site space: accelerators active at a site.
void Formulation::add_space_rows() {
  for (int k = 0; k < static_cast<int>(problem_.sites.size()); ++k) {
    const auto& limit = problem_.sites[k].max_accelerators;
    if (!limit) {
      continue;
    }
    for (int p = 0; p < periods_; ++p) {
      milp::Row row;
      double existing_units = 0;
      for (int o = 0; o < options_; ++o) {
        if (problem_.options[o].site != k) {
          continue;
        }
        existing_units += problem_.options[o].existing;
        for (const Term& term : active_terms(p, o)) {
          row.terms.emplace_back(term.column, term.coefficient);
        }
      }
      if (row.terms.empty() && existing_units <= *limit) {
        continue;
      }
      row.upper = *limit - existing_units;
      HardRow info;
      info.bound = *limit;
      info.info = {
          fmt::format("site-space[{}][{}]", problem_.sites[k].name, problem_.periods[p].name),
          "site-space",
          "",
          p,
          0,
          "accelerators",
          0,
          ""};
      row.name = info.info.constraint;
      add_hard_row(std::move(row), info, -1.0, 1.0 / std::max(1.0, *limit));
    }
  }
}

// Supply caps on acquisitions: one row per period, or one over the periods together.
void Formulation::add_supply_caps() {
  for (const SupplyCap& cap : problem_.supply_caps) {
    if (!rule_on(cap.rule)) {
      continue;
    }
    std::vector<std::vector<int>> groups;
    for (int p = 0; p < periods_; ++p) {
      if (covers(cap.periods, p)) {
        if (cap.cumulative && !groups.empty()) {
          groups.back().push_back(p);
        } else {
          groups.push_back({p});
        }
      }
    }
    for (const auto& group : groups) {
      milp::Row row;
      for (int p : group) {
        for (int o : cap.options) {
          row.terms.emplace_back(acquire_[p][o], problem_.options[o].unit_size);
        }
      }
      row.upper = cap.max_units;
      HardRow info;
      info.bound = cap.max_units;
      const std::string when = group.size() == 1
                                   ? problem_.periods[group[0]].name
                                   : fmt::format("{}..{}", problem_.periods[group.front()].name,
                                                 problem_.periods[group.back()].name);
      info.info = {fmt::format("supply-cap[{}][{}]", cap.name, when),
                   "supply-cap",
                   cap.rule,
                   group.front(),
                   0,
                   "accelerators",
                   0,
                   ""};
      row.name = info.info.constraint;
      add_hard_row(std::move(row), info, -1.0, 1.0 / std::max(1.0, cap.max_units));
    }
  }
}

// Spend caps (budget lines): weighted cash of some options in one period.
void Formulation::add_spend_caps() {
  for (const SpendCap& cap : problem_.spend_caps) {
    if (!cap.binding) {
      continue;
    }
    const int p = cap.period;
    milp::Row row;
    double constant_total = 0;
    for (std::size_t i = 0; i < cap.options.size(); ++i) {
      const int o = cap.options[i];
      const Option& option = problem_.options[o];
      const double recurring = series_value(option.recurring_usd, p) * cap.recurring_weight[i];
      const double upfront = series_value(option.upfront_usd, p) * cap.upfront_weight[i];
      for (const Term& term : active_terms(p, o, Share::kPaid)) {
        row.terms.emplace_back(term.column, term.coefficient * recurring / kMoneyScale);
      }
      row.terms.emplace_back(acquire_[p][o], option.unit_size * upfront / kMoneyScale);
      constant_total += recurring * option.existing / kMoneyScale;
    }
    row.upper = cap.max_usd / kMoneyScale - constant_total;
    HardRow info;
    info.to_natural = kMoneyScale;
    info.bound = cap.max_usd;
    info.info = {fmt::format("spend-cap[{}][{}]", cap.name, problem_.periods[p].name),
                 "spend-cap",
                 "",
                 p,
                 0,
                 "USD",
                 0,
                 ""};
    row.name = info.info.constraint;
    add_hard_row(std::move(row), info, -1.0, 1.0 / std::max(1e-3, cap.max_usd / kMoneyScale));
  }
}

// Shares: subset >= share * scope, by count of acquisitions or by cash.
void Formulation::add_shares() {
  for (const ShareRule& share : problem_.shares) {
    if (!rule_on(share.rule)) {
      continue;
    }
    for (int p = 0; p < periods_; ++p) {
      if (!covers(share.periods, p)) {
        continue;
      }
      std::vector<double> weight(options_, 0.0);
      for (int o : share.subset) {
        weight[o] += 1.0;
      }
      for (int o : share.scope) {
        weight[o] -= share.min_share;
      }
      milp::Row row;
      double constant_total = 0;
      for (int o = 0; o < options_; ++o) {
        if (weight[o] == 0) {
          continue;
        }
        const Option& option = problem_.options[o];
        if (share.basis == ShareBasis::kCount && share.of == ShareOf::kAcquisitions) {
          row.terms.emplace_back(acquire_[p][o], weight[o] * option.unit_size);
        } else if (share.basis == ShareBasis::kCount) {
          for (const Term& term : active_terms(p, o)) {
            row.terms.emplace_back(term.column, weight[o] * term.coefficient);
          }
          constant_total += weight[o] * option.existing;
        } else if (share.of == ShareOf::kAcquisitions) {
          // The period's cash for what is acquired in it: price and the period's rent/energy.
          const double cash = series_value(option.upfront_usd, p) +
                              series_value(option.recurring_usd, p) * paid(p, o);
          row.terms.emplace_back(acquire_[p][o], weight[o] * option.unit_size * cash / kMoneyScale);
        } else {
          double constant = 0;
          for (const Term& term : spend_terms(p, o, constant)) {
            row.terms.emplace_back(term.column, weight[o] * term.coefficient);
          }
          constant_total += weight[o] * constant;
        }
      }
      row.lower = -constant_total;
      HardRow info;
      const bool count = share.basis == ShareBasis::kCount;
      info.to_natural = count ? 1.0 : kMoneyScale;
      info.info = {fmt::format("share[{}][{}]", share.name, problem_.periods[p].name),
                   "share",
                   share.rule,
                   p,
                   0,
                   count ? "accelerators" : "USD",
                   0,
                   ""};
      row.name = info.info.constraint;
      add_hard_row(std::move(row), info, 1.0,
                   count ? 1.0 / reference_fleet_ : 1.0 / largest_budget_);
    }
  }
}

// The second stage of max-served: keep the served score of the first.
void Formulation::add_score_floor() {
  if (settings_.score_floor) {
    milp::Row row;
    row.name = "served-score";
    row.lower = *settings_.score_floor * objective_scale_;
    for (int p = 0; p < periods_; ++p) {
      for (int s = 0; s < services_; ++s) {
        if (problem_.services[s].demand[p] > 0) {
          row.terms.emplace_back(served_[p][s], served_weight(p, s) * objective_scale_);
        }
      }
    }
    model_.add_row(std::move(row));
  }
}

double Formulation::active(const std::vector<double>& x, int p, int o, Share share) const {
  double total = problem_.options[o].existing;
  for (const Term& term : active_terms(p, o, share)) {
    total += term.coefficient * std::round(x[term.column]);
  }
  return total;
}

double Formulation::spend(const std::vector<double>& x, int p, int o) const {
  double constant = 0;
  double total = 0;
  for (const Term& term : spend_terms(p, o, constant)) {
    total += term.coefficient * std::round(x[term.column]);
  }
  return (total + constant) * kMoneyScale;
}

double Formulation::served_score(const std::vector<double>& x) const {
  double score = 0;
  for (int p = 0; p < static_cast<int>(problem_.periods.size()); ++p) {
    for (int s = 0; s < static_cast<int>(problem_.services.size()); ++s) {
      if (problem_.services[s].demand[p] > 0) {
        score += served_weight(p, s) * x[served_[p][s]];
      }
    }
  }
  return score;
}

void Formulation::add_pool_rows() {
  const int periods = static_cast<int>(problem_.periods.size());
  for (const PoolLimit& pool : problem_.pools) {
    std::vector<std::vector<int>> groups;
    for (int p = 0; p < periods; ++p) {
      if (pool.cumulative && !groups.empty()) {
        groups.back().push_back(p);
      } else {
        groups.push_back({p});
      }
    }
    for (const auto& group : groups) {
      milp::Row row;
      double bound = 0;
      for (int p : group) {
        bound += pool.max_units[p];
        for (std::size_t i = 0; i < pool.options.size(); ++i) {
          const int o = pool.options[i];
          row.terms.emplace_back(acquire_[p][o],
                                 problem_.options[o].unit_size * pool.units_per_accelerator[i]);
        }
      }
      if (row.terms.empty()) {
        continue;
      }
      row.upper = bound;
      HardRow info;
      info.bound = bound;
      const std::string when = group.size() == 1
                                   ? problem_.periods[group[0]].name
                                   : fmt::format("{}..{}", problem_.periods[group.front()].name,
                                                 problem_.periods[group.back()].name);
      info.info = {fmt::format("supply-pool[{}][{}]", pool.name, when),
                   "supply-pool",
                   "",
                   group.front(),
                   0,
                   pool.unit,
                   0,
                   ""};
      row.name = info.info.constraint;
      add_hard_row(std::move(row), info, -1.0, 1.0 / std::max(1.0, bound));
    }
  }
}

double Formulation::max_lots(int p, int o) const {
  const Option& option = problem_.options[o];
  double lots = kInfinity;
  const Site& site = problem_.sites[option.site];
  if (site.power_limit_w && option.power_w > 0) {
    lots = std::min(lots, *site.power_limit_w / (option.power_w * option.unit_size));
  }
  if (site.max_accelerators) {
    lots = std::min(lots, *site.max_accelerators / option.unit_size);
  }
  // The period's budget row holds this period's cash of what is acquired in it (its price,
  // and its rent or energy for the part of the period it is paid for) next to other
  // non-negative cash: that cash alone is at most the budget.
  const auto& budget = problem_.periods[p].budget_usd;
  const double cash =
      series_value(option.upfront_usd, p) + series_value(option.recurring_usd, p) * paid(p, o);
  if (budget && cash > 0) {
    lots = std::min(lots, *budget / (cash * option.unit_size));
  }
  return std::isfinite(lots) ? std::ceil(lots) : kInfinity;
}

void Formulation::add_min_order_rows() {
  const int periods = static_cast<int>(problem_.periods.size());
  for (int o = 0; o < static_cast<int>(problem_.options.size()); ++o) {
    const Option& option = problem_.options[o];
    const double min_lots = std::ceil(option.min_order / option.unit_size - 1e-9);
    if (min_lots <= 1) {
      continue;  // one lot is the least an order can be anyway
    }
    for (int p = 0; p < periods; ++p) {
      const int x = acquire_[p][o];
      const double upper = max_lots(p, o);
      if (model_.columns()[x].upper == 0 || !std::isfinite(upper)) {
        continue;  // nothing to order, or nothing bounds it (no big-M row can be written)
      }
      // z = 1 when the option orders in p: x <= upper z and x >= min_lots z.
      const int z = model_.add_column({0, 1, 0, true, fmt::format("ordered[{}][{}]", p, o)});
      model_.add_row({-kInfinity,
                      0,
                      {{x, 1.0}, {z, -std::max(upper, min_lots)}},
                      fmt::format("order-max[{}][{}]", p, o)});
      model_.add_row(
          {0, kInfinity, {{x, 1.0}, {z, -min_lots}}, fmt::format("order-min[{}][{}]", p, o)});
    }
  }
}

}  // namespace fleetplan::plan::internal
