#include "plan/plan.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "plan/formulation.h"
#include "plan/milp.h"

namespace fleetplan::plan {

const char* mode_name(Mode mode) { return mode == Mode::kBuy ? "buy" : "lease"; }

const char* objective_name(Objective objective) {
  return objective == Objective::kMinCost ? "min-cost" : "max-served";
}

Result<Objective> parse_objective(std::string_view text) {
  if (text == "min-cost") {
    return Objective::kMinCost;
  }
  if (text == "max-served") {
    return Objective::kMaxServed;
  }
  return input_error(
      fmt::format("objective '{}' is not known; expected min-cost or max-served", text));
}

const char* share_basis_name(ShareBasis basis) {
  return basis == ShareBasis::kCount ? "count" : "spend";
}

const char* solve_status_name(SolveStatus status) {
  switch (status) {
    case SolveStatus::kOptimal:
      return "optimal";
    case SolveStatus::kFeasible:
      return "feasible";
    case SolveStatus::kInfeasible:
      return "infeasible";
  }
  return "unknown";
}

double series_value(const std::vector<double>& series, int p) {
  if (series.empty()) {
    return 0.0;
  }
  return series.size() == 1 ? series[0] : series[p];
}

std::string Problem::option_label(int option) const {
  const Option& o = options[option];
  const std::string site = o.site >= 0 && o.site < static_cast<int>(sites.size())
                               ? sites[o.site].name
                               : std::string("?");
  return fmt::format("{}@{}/{}", o.accelerator, site, mode_name(o.mode));
}

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

}  // namespace

Status Problem::validate() const {
  const int period_count = static_cast<int>(periods.size());
  const int service_count = static_cast<int>(services.size());
  const int option_count = static_cast<int>(options.size());
  if (periods.empty()) {
    return input_error("plan: the problem has no periods; expected at least one");
  }
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
  for (int s = 0; s < service_count; ++s) {
    const Service& service = services[s];
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
  }
  for (int o = 0; o < option_count; ++o) {
    const Option& option = options[o];
    const std::string at = fmt::format("options[{}] ({})", o, option.accelerator);
    if (option.site < 0 || option.site >= static_cast<int>(sites.size())) {
      return input_error(fmt::format("{}.site = {} is out of range; expected 0..{}", at,
                                     option.site, static_cast<int>(sites.size()) - 1));
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
    if (!option.can_acquire.empty() &&
        static_cast<int>(option.can_acquire.size()) != period_count) {
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
  }
  std::set<std::string> rule_names;
  for (std::size_t r = 0; r < rules.size(); ++r) {
    if (rules[r].name.empty()) {
      return input_error(fmt::format("rules[{}].name is empty", r));
    }
    if (!rule_names.insert(rules[r].name).second) {
      return input_error(fmt::format("rules[{}].name '{}' is used twice", r, rules[r].name));
    }
  }
  auto known_rule = [&](const std::string& rule, const std::string& field,
                        bool may_be_empty) -> Status {
    if ((rule.empty() && may_be_empty) || rule_names.count(rule) != 0) {
      return {};
    }
    return input_error(
        fmt::format("{}.rule = '{}' is not one of the problem's rules", field, rule));
  };
  for (std::size_t i = 0; i < exclusions.size(); ++i) {
    const Exclusion& e = exclusions[i];
    const std::string at = fmt::format("exclusions[{}]", i);
    for (const auto& rule : e.rules) {
      FLEETPLAN_RETURN_IF_ERROR(known_rule(rule, at, false));
    }
    FLEETPLAN_RETURN_IF_ERROR(known_rule(e.only_without, at, true));
    FLEETPLAN_RETURN_IF_ERROR(check_indices({e.option}, option_count, at + ".option"));
    FLEETPLAN_RETURN_IF_ERROR(check_indices(e.periods, period_count, at + ".periods"));
    if (e.service < -1 || e.service >= service_count) {
      return input_error(fmt::format("{}.service = {} is out of range", at, e.service));
    }
  }
  for (std::size_t i = 0; i < supply_caps.size(); ++i) {
    const SupplyCap& cap = supply_caps[i];
    const std::string at = fmt::format("supply_caps[{}]", i);
    FLEETPLAN_RETURN_IF_ERROR(known_rule(cap.rule, at, true));
    FLEETPLAN_RETURN_IF_ERROR(check_indices(cap.options, option_count, at + ".options"));
    FLEETPLAN_RETURN_IF_ERROR(check_indices(cap.periods, period_count, at + ".periods"));
    if (!finite_non_negative(cap.max_units)) {
      return input_error(fmt::format("{}.max_units = {}; expected >= 0", at, cap.max_units));
    }
  }
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
    FLEETPLAN_RETURN_IF_ERROR(known_rule(share.rule, at, true));
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

namespace {

using internal::Formulation;
using internal::Settings;

//! One solved MILP and the formulation that reads its columns.
struct Solved {
  std::unique_ptr<Formulation> formulation;
  milp::Solution solution;
  [[nodiscard]] bool has_plan() const { return solution.has_values(); }
  [[nodiscard]] const std::vector<double>& x() const { return solution.values; }
};

class Planner {
 public:
  Planner(const Problem& problem, const SolveOptions& options)
      : problem_(problem), options_(options) {}

  Result<Solved> run(const Settings& settings, const std::vector<double>* start) {
    Solved solved;
    solved.formulation = std::make_unique<Formulation>(problem_, settings);
    milp::Options milp_options;
    milp_options.relative_gap = options_.relative_gap;
    milp_options.time_limit_s = options_.time_limit_s;
    milp_options.node_limit = options_.node_limit;
    if (start != nullptr) {
      milp_options.start = *start;
    }
    auto solution = milp::solve(solved.formulation->model(), milp_options);
    if (!solution.ok()) {
      return solution.error();
    }
    solved.solution = std::move(*solution);
    ++solves_;
    nodes_ += solved.solution.nodes;
    return solved;
  }

  //! The plan for the objective with some rules left out (the baseline leaves none out).
  Result<Solved> plan(const std::set<std::string>& disabled, const std::vector<double>* start) {
    if (options_.objective == Objective::kMinCost) {
      Settings settings;
      settings.goal = Settings::Goal::kMinCost;
      settings.hard_demand = true;
      settings.disabled_rules = disabled;
      return run(settings, start);
    }
    auto first = serve_most(disabled, start);
    if (!first.ok() || !first->has_plan()) {
      return first;
    }
    served_gap_ = first->solution.gap();
    // Second stage: the least cost that keeps the served score of the first.
    const double score = first->formulation->served_score(first->x());
    Settings settings;
    settings.goal = Settings::Goal::kMinCost;
    settings.disabled_rules = disabled;
    settings.score_floor = score - 1e-7 * std::max(1.0, std::abs(score));
    return run(settings, &first->x());
  }

  Result<Solved> serve_most(const std::set<std::string>& disabled,
                            const std::vector<double>* start) {
    Settings settings;
    settings.goal = Settings::Goal::kMaxServed;
    settings.disabled_rules = disabled;
    return run(settings, start);
  }

  [[nodiscard]] int solves() const { return solves_; }
  //! The proven gap of the last first stage of max-served.
  [[nodiscard]] double served_gap() const { return served_gap_; }
  [[nodiscard]] long long nodes() const { return nodes_; }

 private:
  const Problem& problem_;
  const SolveOptions& options_;
  int solves_ = 0;
  long long nodes_ = 0;
  double served_gap_ = 0;
};

SolveStatus status_of(const milp::Solution& solution) {
  switch (solution.status) {
    case milp::Status::kOptimal:
      return SolveStatus::kOptimal;
    case milp::Status::kFeasible:
      return SolveStatus::kFeasible;
    default:
      return SolveStatus::kInfeasible;
  }
}

double peak_ratio(const Problem& problem, int s, int p) {
  const auto& ratios = problem.services[s].peak_to_average;
  return ratios.empty() ? 1.0 : ratios[p];
}

// Served demand per period and service (demand units): the capacity allocated to the
// service, up to its demand. (The served columns can sit below this when nothing in the
// objective pushes them up, as in the second stage of max-served.)
std::vector<std::vector<double>> served_of(const Problem& problem, const Formulation& f,
                                           const std::vector<double>& x) {
  const int periods = static_cast<int>(problem.periods.size());
  const int services = static_cast<int>(problem.services.size());
  std::vector<std::vector<double>> served(periods, std::vector<double>(services, 0.0));
  for (int p = 0; p < periods; ++p) {
    for (int s = 0; s < services; ++s) {
      double capacity = 0;
      for (int o = 0; o < static_cast<int>(problem.options.size()); ++o) {
        const int column = f.allocate_column(p, o, s);
        if (column >= 0) {
          capacity += std::max(0.0, x[column]) * problem.options[o].capacity[s];
        }
      }
      served[p][s] = std::min(problem.services[s].demand[p], capacity / peak_ratio(problem, s, p));
    }
  }
  return served;
}

// The cost the cost objective measures, read back from a solution (USD).
struct Costs {
  double spend = 0;
  double residual = 0;
  double penalty = 0;
  [[nodiscard]] double total() const { return spend - residual + penalty; }
};

Costs costs_of(const Problem& problem, const Formulation& f, const std::vector<double>& x) {
  const auto served = served_of(problem, f, x);
  Costs costs;
  for (int p = 0; p < static_cast<int>(problem.periods.size()); ++p) {
    for (int o = 0; o < static_cast<int>(problem.options.size()); ++o) {
      const Option& option = problem.options[o];
      costs.spend += f.spend(x, p, o);
      costs.residual += series_value(option.residual_usd, p) * option.unit_size *
                        std::round(x[f.acquire_column(p, o)]);
    }
    for (int s = 0; s < static_cast<int>(problem.services.size()); ++s) {
      const Service& service = problem.services[s];
      if (!service.shortfall_penalty_usd.empty()) {
        costs.penalty += series_value(service.shortfall_penalty_usd, p) *
                         std::max(0.0, service.demand[p] - served[p][s]);
      }
    }
  }
  return costs;
}

// Hard constraints with no room for one more acquisition (or, without integers, at bound).
std::vector<TightConstraint> tight_of(const Formulation& f, const std::vector<double>& x) {
  std::vector<TightConstraint> tight;
  for (const auto& hard : f.hard_rows()) {
    if (hard.info.kind == "demand" || hard.info.kind == "exclusion") {
      continue;
    }
    const milp::Row& row = f.model().rows()[hard.row];
    double activity = 0;
    for (const auto& [column, coefficient] : row.terms) {
      if (column != hard.slack) {
        activity += coefficient * x[column];
      }
    }
    const double room = std::isfinite(row.upper) ? row.upper - activity : activity - row.lower;
    const double bound = std::isfinite(row.upper) ? row.upper : row.lower;
    if (room <= hard.unit_step + 1e-6 * std::max(1.0, std::abs(bound))) {
      tight.push_back({hard.info.constraint, hard.info.kind, hard.info.rule, hard.info.period});
    }
  }
  return tight;
}

std::string natural_amount(double amount, const std::string& unit) {
  const double magnitude = std::abs(amount);
  if (unit == "USD") {
    if (magnitude >= 1e9) {
      return fmt::format("{:.2f} bn USD", amount / 1e9);
    }
    return fmt::format("{:.2f} M USD", amount / 1e6);
  }
  if (unit == "W") {
    return fmt::format("{:.2f} MW", amount / 1e6);
  }
  if (unit == "tokens/day") {
    if (magnitude >= 1e12) {
      return fmt::format("{:.2f} T tokens/day", amount / 1e12);
    }
    return fmt::format("{:.2f} bn tokens/day", amount / 1e9);
  }
  if (unit == "FLOP/s") {
    return fmt::format("{:.2f} EFLOP/s", amount / 1e18);
  }
  return fmt::format("{:.0f} {}", amount, unit);
}

std::vector<Conflict> conflicts_of(const Formulation& f, const std::vector<double>& x) {
  std::vector<Conflict> conflicts;
  for (const auto& hard : f.hard_rows()) {
    if (hard.slack < 0) {
      continue;
    }
    const double amount = x[hard.slack] * hard.to_natural;
    // Below a millionth of the bound (or of one unit) the slack is solver noise.
    if (amount <= 1e-6 * std::max(1.0, std::abs(hard.bound))) {
      continue;
    }
    Conflict conflict = hard.info;
    conflict.amount = amount;
    conflict.relative = hard.bound != 0 ? amount / std::abs(hard.bound) : 0;
    const std::string size = natural_amount(amount, conflict.unit);
    const std::string share = hard.bound != 0
                                  ? fmt::format(" ({:.1f} % of {})", 100 * conflict.relative,
                                                natural_amount(hard.bound, conflict.unit))
                                  : std::string();
    if (conflict.kind == "budget" || conflict.kind == "site-power" ||
        conflict.kind == "site-space" || conflict.kind == "spend-cap") {
      conflict.message = fmt::format("{} is short by {}{}", conflict.constraint, size, share);
    } else if (conflict.kind == "supply-cap") {
      conflict.message = fmt::format("{} must allow {} more{}", conflict.constraint, size, share);
    } else if (conflict.kind == "share") {
      conflict.message = fmt::format("{} cannot be met: short by {} of the required subset",
                                     conflict.constraint, size);
    } else if (conflict.kind == "demand") {
      conflict.message =
          fmt::format("{} cannot be met: short by {}{}", conflict.constraint, size, share);
    } else {
      conflict.message =
          fmt::format("{} must be broken for {} ({})", conflict.constraint, size, conflict.message);
    }
    conflicts.push_back(std::move(conflict));
  }
  return conflicts;
}

// sum(weight * served / demand) over periods and services.
double score_of(const Problem& problem, const std::vector<std::vector<double>>& served) {
  double score = 0;
  for (std::size_t p = 0; p < problem.periods.size(); ++p) {
    for (std::size_t s = 0; s < problem.services.size(); ++s) {
      const Service& service = problem.services[s];
      if (service.demand[p] > 0) {
        score += service.weight * served[p][s] / service.demand[p];
      }
    }
  }
  return score;
}

void fill_plan(const Problem& problem, const Formulation& f, const std::vector<double>& x,
               Plan& plan) {
  const int periods = static_cast<int>(problem.periods.size());
  const int options = static_cast<int>(problem.options.size());
  const int services = static_cast<int>(problem.services.size());
  const Costs costs = costs_of(problem, f, x);
  plan.spend_usd = costs.spend;
  plan.residual_usd = costs.residual;
  plan.cost_usd = costs.total();
  const auto served = served_of(problem, f, x);
  plan.served_score = score_of(problem, served);
  plan.periods.assign(periods, {});
  for (int p = 0; p < periods; ++p) {
    PeriodOutcome& outcome = plan.periods[p];
    outcome.site_power_w.assign(problem.sites.size(), 0.0);
    outcome.served = served[p];
    outcome.capacity.assign(services, 0.0);
    for (int s = 0; s < services; ++s) {
      outcome.demand.push_back(problem.services[s].demand[p]);
    }
    double domestic_acquired = 0;
    double domestic_spend = 0;
    for (int o = 0; o < options; ++o) {
      const Option& option = problem.options[o];
      FleetLine line;
      line.period = p;
      line.option = o;
      line.acquired = option.unit_size * std::round(x[f.acquire_column(p, o)]);
      line.active = f.active(x, p, o);
      line.spend_usd = f.spend(x, p, o);
      line.power_w = line.active * option.power_w;
      line.allocated.assign(services, 0.0);
      line.capacity.assign(services, 0.0);
      for (int s = 0; s < services; ++s) {
        const int column = f.allocate_column(p, o, s);
        if (column >= 0) {
          line.allocated[s] = std::max(0.0, x[column]);
          line.capacity[s] = line.allocated[s] * option.capacity[s] / peak_ratio(problem, s, p);
          outcome.capacity[s] += line.capacity[s];
        }
      }
      outcome.spend_usd += line.spend_usd;
      outcome.accelerators_active += line.active;
      outcome.accelerators_acquired += line.acquired;
      outcome.site_power_w[option.site] += line.power_w;
      if (option.domestic) {
        domestic_acquired += line.acquired;
        domestic_spend += line.spend_usd;
      }
      if (line.acquired > 0.5 || line.active > 0.5) {
        plan.fleet.push_back(std::move(line));
      }
    }
    outcome.domestic_share_count =
        outcome.accelerators_acquired > 0 ? domestic_acquired / outcome.accelerators_acquired : 0;
    outcome.domestic_share_spend = outcome.spend_usd > 0 ? domestic_spend / outcome.spend_usd : 0;
  }
  for (const SpendCap& cap : problem.spend_caps) {
    SpendCapOutcome outcome{cap.name, cap.period, 0, cap.max_usd, cap.binding};
    for (std::size_t i = 0; i < cap.options.size(); ++i) {
      const int o = cap.options[i];
      const Option& option = problem.options[o];
      const double active = f.active(x, cap.period, o);
      const double acquired = option.unit_size * std::round(x[f.acquire_column(cap.period, o)]);
      outcome.spend_usd +=
          cap.upfront_weight[i] * acquired * series_value(option.upfront_usd, cap.period) +
          cap.recurring_weight[i] * active * series_value(option.recurring_usd, cap.period);
    }
    plan.spend_caps.push_back(std::move(outcome));
  }
  plan.tight = tight_of(f, x);
}

// Inference tokens/day served per period.
std::vector<double> tokens_per_day(const Problem& problem,
                                   const std::vector<std::vector<double>>& served) {
  std::vector<double> tokens(problem.periods.size(), 0.0);
  for (std::size_t p = 0; p < problem.periods.size(); ++p) {
    for (std::size_t s = 0; s < problem.services.size(); ++s) {
      if (problem.services[s].kind == ServiceKind::kInference) {
        tokens[p] += served[p][s];
      }
    }
  }
  return tokens;
}

}  // namespace

Result<Plan> solve(const Problem& problem, const SolveOptions& options) {
  FLEETPLAN_RETURN_IF_ERROR(problem.validate());
  if (!(options.relative_gap >= 0) || !(options.time_limit_s >= 0)) {
    return input_error(fmt::format("plan: relative_gap = {} and time_limit_s = {} must be >= 0",
                                   options.relative_gap, options.time_limit_s));
  }
  Planner planner(problem, options);
  Plan plan;
  plan.objective = options.objective;

  auto baseline = planner.plan({}, nullptr);
  if (!baseline.ok()) {
    return baseline.error();
  }
  if (!baseline->has_plan()) {
    plan.status = SolveStatus::kInfeasible;
    if (baseline->solution.status == milp::Status::kUnbounded) {
      return internal_error("plan: the MILP is unbounded; a cost or capacity is negative");
    }
    if (baseline->solution.status == milp::Status::kNoSolution) {
      return internal_error(fmt::format(
          "plan: the time limit of {} s ran out before any plan was found", options.time_limit_s));
    }
    if (options.explain_infeasible) {
      Settings settings;
      settings.goal = Settings::Goal::kMinSlack;
      settings.hard_demand = options.objective == Objective::kMinCost;
      auto elastic = planner.run(settings, nullptr);
      if (!elastic.ok()) {
        return elastic.error();
      }
      if (elastic->has_plan()) {
        plan.conflicts = conflicts_of(*elastic->formulation, elastic->x());
        plan.tight = tight_of(*elastic->formulation, elastic->x());
      }
    }
    plan.solves = planner.solves();
    plan.nodes = planner.nodes();
    return plan;
  }
  plan.status = status_of(baseline->solution);
  plan.gap = baseline->solution.gap();
  plan.served_gap = options.objective == Objective::kMaxServed ? planner.served_gap() : 0.0;
  fill_plan(problem, *baseline->formulation, baseline->x(), plan);

  if (options.rule_costs) {
    const auto base_served = served_of(problem, *baseline->formulation, baseline->x());
    const auto base_tokens = tokens_per_day(problem, base_served);
    double total_demand_tokens = 0;
    for (const auto& service : problem.services) {
      if (service.kind == ServiceKind::kInference) {
        for (double d : service.demand) {
          total_demand_tokens += d;
        }
      }
    }
    // Differences below what the gap lets each solve be off by are noise, not a cost.
    const double usd_noise = std::max(1000.0, 2 * options.relative_gap * std::abs(plan.cost_usd));
    const double token_noise = std::max(1.0, 2 * options.relative_gap * total_demand_tokens);
    const double score_noise = std::max(1e-9, 2 * options.relative_gap * plan.served_score);
    const auto record_served = [&](RuleCost& cost, const Formulation& f,
                                   const std::vector<double>& x) {
      const auto served = served_of(problem, f, x);
      const auto tokens = tokens_per_day(problem, served);
      for (std::size_t p = 0; p < served.size(); ++p) {
        cost.tokens_per_day[p] = tokens[p] - base_tokens[p];
        for (std::size_t s = 0; s < served[p].size(); ++s) {
          cost.served_change[p][s] = served[p][s] - base_served[p][s];
        }
      }
      cost.served_score_change = score_of(problem, served) - plan.served_score;
    };
    for (const Rule& rule : problem.rules) {
      RuleCost cost;
      cost.rule = rule.name;
      cost.tokens_per_day.assign(problem.periods.size(), 0.0);
      cost.served_change.assign(problem.periods.size(),
                                std::vector<double>(problem.services.size(), 0.0));
      const std::set<std::string> without = {rule.name};
      // The baseline is a solution without the rule too (unless the rule permits
      // something), so it starts each re-solve.
      if (options.objective == Objective::kMinCost) {
        auto relaxed = planner.plan(without, &baseline->x());
        if (!relaxed.ok()) {
          return relaxed.error();
        }
        cost.status_without = status_of(relaxed->solution);
        if (relaxed->has_plan()) {
          cost.cost_usd =
              plan.cost_usd - costs_of(problem, *relaxed->formulation, relaxed->x()).total();
          record_served(cost, *relaxed->formulation, relaxed->x());
        } else {
          cost.cost_known = false;
        }
      } else {
        auto most = planner.serve_most(without, &baseline->x());
        if (!most.ok()) {
          return most.error();
        }
        cost.status_without = status_of(most->solution);
        if (most->has_plan()) {
          record_served(cost, *most->formulation, most->x());
        }
        Settings same_service;
        same_service.goal = Settings::Goal::kMinCost;
        same_service.disabled_rules = without;
        same_service.served_floor = base_served;
        auto cheapest = planner.run(same_service, &baseline->x());
        if (!cheapest.ok()) {
          return cheapest.error();
        }
        if (cheapest->has_plan()) {
          cost.cost_usd =
              plan.cost_usd - costs_of(problem, *cheapest->formulation, cheapest->x()).total();
        } else {
          // Without a rule that permits something, the same service may be out of reach.
          cost.cost_known = false;
        }
        if (cheapest->solution.status == milp::Status::kFeasible) {
          cost.status_without = SolveStatus::kFeasible;
        }
      }
      // A rule that permits something (an export licence) has a negative cost: leaving it
      // out makes the plan dearer. It binds all the same.
      double token_change = 0;
      for (double t : cost.tokens_per_day) {
        token_change = std::max(token_change, std::abs(t));
      }
      cost.binding = !cost.cost_known || std::abs(cost.cost_usd) > usd_noise ||
                     token_change > token_noise || std::abs(cost.served_score_change) > score_noise;
      if (!cost.binding) {
        // Within the solver's tolerance the rule changes nothing: report it as free.
        cost.cost_usd = 0;
        cost.served_score_change = 0;
        std::fill(cost.tokens_per_day.begin(), cost.tokens_per_day.end(), 0.0);
        for (auto& row : cost.served_change) {
          std::fill(row.begin(), row.end(), 0.0);
        }
      }
      plan.rule_costs.push_back(std::move(cost));
    }
  }
  plan.solves = planner.solves();
  plan.nodes = planner.nodes();
  return plan;
}

}  // namespace fleetplan::plan
