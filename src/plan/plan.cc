#include "plan/plan.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "plan/economics.h"
#include "plan/formulation.h"
#include "plan/milp.h"
#include "plan/plan_economics.h"

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
    case SolveStatus::kStopped:
      return "stopped";
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
    milp_options.node_limit = node_limit_ > 0 ? node_limit_ : options_.node_limit;
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
    settings.tier_floors = tier_floors_;
    return run(settings, &first->x());
  }

  //! The most served demand; with several priority tiers, tier by tier (each stage keeps
  //! what the earlier tiers got: their floors are left in tier_floors_).
  Result<Solved> serve_most(const std::set<std::string>& disabled,
                            const std::vector<double>* start) {
    tier_floors_.clear();
    std::vector<int> tiers;
    for (const ServiceRow& service : problem_.services) {
      tiers.push_back(service.priority);
    }
    std::sort(tiers.begin(), tiers.end());
    tiers.erase(std::unique(tiers.begin(), tiers.end()), tiers.end());
    std::vector<double> previous;
    for (std::size_t i = 0;; ++i) {
      const bool last = i + 1 >= tiers.size();
      Settings settings;
      settings.goal = Settings::Goal::kMaxServed;
      settings.disabled_rules = disabled;
      settings.max_tier = last ? 0 : tiers[i];
      settings.tier_floors = tier_floors_;
      auto solved = run(settings, previous.empty() ? start : &previous);
      if (last || !solved.ok() || !solved->has_plan()) {
        return solved;
      }
      const double score = solved->formulation->served_score(solved->x());
      // A later tier may take up to the solver's gap from an earlier one: a floor any
      // tighter leaves no room to round servers and the next stage stalls at its node limit.
      tier_floors_.emplace_back(tiers[i],
                                score * (1 - std::max(1e-7, options_.relative_gap)) - 1e-12);
      previous = solved->x();
    }
  }

  [[nodiscard]] int solves() const { return solves_; }
  //! The proven gap of the last first stage of max-served.
  [[nodiscard]] double served_gap() const { return served_gap_; }
  [[nodiscard]] long long nodes() const { return nodes_; }

 private:
  std::vector<std::pair<int, double>> tier_floors_;

 public:
  //! A node limit for the MILPs that follow (the rule re-solves), 0: SolveOptions'.
  void set_node_limit(long long limit) { node_limit_ = limit; }

 private:
  long long node_limit_ = 0;
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
    case milp::Status::kNoSolution:
      return SolveStatus::kStopped;  // a limit, not a proof that no plan exists
    case milp::Status::kInfeasible:
    case milp::Status::kUnbounded:
      return SolveStatus::kInfeasible;
  }
  return SolveStatus::kInfeasible;
}

// Which limit stopped CBC before it found any solution, for messages. CBC reports the stop,
// not its cause: the node count tells them apart.
std::string stopping_limit(const SolveOptions& options, long long nodes) {
  if (options.node_limit > 0 && (nodes >= options.node_limit || options.time_limit_s <= 0)) {
    return fmt::format("the node limit of {} branch-and-bound nodes", options.node_limit);
  }
  if (options.time_limit_s > 0) {
    return fmt::format("the time limit of {} s", options.time_limit_s);
  }
  return "a solver limit";
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
        capacity += f.allocated(x, p, o, s) * problem.options[o].capacity[s];
      }
      served[p][s] = std::min(problem.services[s].demand[p], capacity / peak_ratio(problem, s, p));
      // Training jobs run whole or not at all: what is served is the jobs run.
      const bool jobs =
          std::any_of(problem.training_jobs.begin(), problem.training_jobs.end(),
                      [&](const TrainingJob& job) { return job.period == p && job.service == s; });
      if (jobs) {
        served[p][s] = std::min(problem.services[s].demand[p],
                                std::max(0.0, x[f.served_column(p, s)]) * f.service_scale(s));
      }
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
      const ServiceRow& service = problem.services[s];
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
  return served_score_of(problem, served);  // value-based when the services are valued
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
        if (f.allocate_column(p, o, s) >= 0) {
          line.allocated[s] = f.allocated(x, p, o, s);
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
      const double active = f.active(x, cap.period, o, Formulation::Share::kPaid);
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

using RecordServed = std::function<void(RuleCost&, const Formulation&, const std::vector<double>&)>;

// What leaving one rule out changes: the cost (re-solved at equal service in max-served)
// and the service (tokens/day, served per service, served score).
Result<RuleCost> price_rule(const Rule& rule, const Problem& problem, const SolveOptions& options,
                            Planner& planner, const Solved& baseline, const Plan& plan,
                            const RecordServed& record_served,
                            const std::vector<std::vector<double>>& base_served) {
  RuleCost cost;
  cost.rule = rule.name;
  cost.tokens_per_day.assign(problem.periods.size(), 0.0);
  cost.served_change.assign(problem.periods.size(),
                            std::vector<double>(problem.services.size(), 0.0));
  const std::set<std::string> without = {rule.name};
  // The baseline is a solution without the rule too (unless the rule permits
  // something), so it starts each re-solve.
  if (options.objective == Objective::kMinCost) {
    auto relaxed = planner.plan(without, &baseline.x());
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
    auto most = planner.serve_most(without, &baseline.x());
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
    auto cheapest = planner.run(same_service, &baseline.x());
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
    } else if (cheapest->solution.status == milp::Status::kNoSolution) {
      cost.status_without = SolveStatus::kStopped;  // not "unreachable": the search gave up
    }
  }
  return cost;
}

// A rule binds when leaving it out changes the cost or the service by more than the noise
// of the solver's gap; one that does not is reported as free.
void mark_binding(RuleCost& cost, double usd_noise, double token_noise, double score_noise) {
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
}

// The cost of each rule of the problem, against the baseline plan.
Status price_rules(const Problem& problem, const SolveOptions& options, Planner& planner,
                   const Solved& baseline, Plan& plan) {
  const auto base_served = served_of(problem, *baseline.formulation, baseline.x());
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
  const RecordServed record_served = [&](RuleCost& cost, const Formulation& f,
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
    auto cost =
        price_rule(rule, problem, options, planner, baseline, plan, record_served, base_served);
    FLEETPLAN_RETURN_IF_ERROR(cost);
    mark_binding(*cost, usd_noise, token_noise, score_noise);
    plan.rule_costs.push_back(std::move(cost).value());
    if (options.progress) {
      options.progress(static_cast<int>(plan.rule_costs.size()) + 1,
                       static_cast<int>(problem.rules.size()) + 1);
    }
  }
  return {};
}

// No plan meets the constraints: with explain_infeasible, the elastic problem says which.
Result<Plan> infeasible_plan(const Solved& baseline, const SolveOptions& options, Planner& planner,
                             Plan plan) {
  plan.status = SolveStatus::kInfeasible;
  if (baseline.solution.status == milp::Status::kUnbounded) {
    return internal_error("plan: the MILP is unbounded; a cost or capacity is negative");
  }
  if (baseline.solution.status == milp::Status::kNoSolution) {
    return internal_error(fmt::format(
        "plan: CBC stopped at {} before it found any plan ({} nodes searched); raise the limit or "
        "loosen the relative gap",
        stopping_limit(options, baseline.solution.nodes), baseline.solution.nodes));
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
    return infeasible_plan(*baseline, options, planner, std::move(plan));
  }
  plan.status = status_of(baseline->solution);
  plan.gap = baseline->solution.gap();
  plan.served_gap = options.objective == Objective::kMaxServed ? planner.served_gap() : 0.0;
  fill_plan(problem, *baseline->formulation, baseline->x(), plan);
  // Spend by item, unit costs, value served, training jobs, marginal costs (one LP).
  internal::add_plan_economics(problem, *baseline->formulation, baseline->x(), plan,
                               options.marginal_costs);
  if (options.progress) {
    options.progress(1, options.rule_costs ? static_cast<int>(problem.rules.size()) + 1 : 1);
  }

  if (options.rule_costs) {
    planner.set_node_limit(options.rule_node_limit);
    FLEETPLAN_RETURN_IF_ERROR(price_rules(problem, options, planner, *baseline, plan));
  }
  plan.solves += planner.solves();  // and the marginal-cost LP
  plan.nodes = planner.nodes();
  return plan;
}

}  // namespace fleetplan::plan
