#include "plan/plan.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/processes.h"
#include "plan/economics.h"
#include "plan/formulation.h"
#include "plan/milp.h"
#include "plan/plan_economics.h"
#include "plan/rule_interactions.h"

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
    // Each MILP starts from the previous stage's plan, except a small least-cost one: on
    // those, started from a plan of the same service (the second stage of max-served, a rule
    // re-solve at equal service), CBC 2.10's node LPs cycled for minutes (bytedance-2026
    // without us-lease-verification-2025-01, 142 columns: > 100 s, 0.13 s without the start),
    // and its heuristics find a first plan at once. A large one needs the start: without
    // it the synthetic 5 x 10 x 20 x 10 problem's second stage found no plan in 2,000 nodes
    // (docs/notes/speed.md).
    const bool small = solved.formulation->model().columns().size() < milp::kSmallModelColumns;
    if (start != nullptr && !(small && settings.goal == Settings::Goal::kMinCost)) {
      milp_options.start = *start;
    }
    // A large least-cost MILP also looks near its LP optimum for a better start (the
    // synthetic problem's second stage: from a 4 % gap at its node limit to 0.1 % at the
    // root; milp.h).
    milp_options.neighbourhood_start = !small && settings.goal == Settings::Goal::kMinCost;
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
    settings.score_floor = score - 1e-10 * std::max(1.0, std::abs(score));
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

// The price of one demand unit left unserved, [period][service], for rule costs, and one
// sentence per kind of price used.
struct UnmetPrices {
  std::vector<std::vector<double>> usd;
  std::vector<std::string> notes;
};

// Cost of one accelerator of option o for period p: its cost of ownership for the period's
// hours, or, without one, its cash less what is left of it.
double accelerator_period_usd(const Problem& problem, int o, int p) {
  const Option& option = problem.options[o];
  if (option.annual_usd > 0) {
    return option.annual_usd * problem.periods[p].hours / 8760.0;
  }
  return series_value(option.upfront_usd, p) - series_value(option.residual_usd, p) +
         series_value(option.recurring_usd, p);
}

UnmetPrices unmet_prices(const Problem& problem, const Plan& plan) {
  const int periods = static_cast<int>(problem.periods.size());
  const int services = static_cast<int>(problem.services.size());
  UnmetPrices prices;
  prices.usd.assign(periods, std::vector<double>(services, 0.0));
  // kind -> services priced so (in order: value, penalty, marginal, cheapest, none).
  std::vector<std::vector<std::string>> kinds(5);
  for (int s = 0; s < services; ++s) {
    const ServiceRow& service = problem.services[s];
    const bool inference = service.kind == ServiceKind::kInference;
    int kind = 4;
    for (int p = 0; p < periods; ++p) {
      double& price = prices.usd[p][s];
      if (!service.value_usd.empty()) {
        price = series_value(service.value_usd, p);
        kind = 0;
        continue;
      }
      if (!service.shortfall_penalty_usd.empty()) {
        price = series_value(service.shortfall_penalty_usd, p);
        kind = 1;
        continue;
      }
      for (const MarginalCost& marginal : plan.marginal_costs) {
        if (marginal.period == p && marginal.service == s && marginal.reachable &&
            marginal.usd > 0) {
          price = marginal.usd / (inference ? 1e12 : 1e15);  // per T tokens/day, per PFLOP/s
          kind = std::min(kind, 2);
        }
      }
      if (price > 0) {
        continue;
      }
      double cheapest = 0;
      for (int o = 0; o < static_cast<int>(problem.options.size()); ++o) {
        const double capacity = problem.options[o].capacity[s] / peak_ratio(problem, s, p);
        if (capacity > 0) {
          const double usd = accelerator_period_usd(problem, o, p) / capacity;
          cheapest = cheapest > 0 ? std::min(cheapest, usd) : usd;
        }
      }
      if (cheapest > 0) {
        price = cheapest;
        kind = std::min(kind, 3);
      }
    }
    kinds[kind].push_back(service.name);
  }
  static const char* const kHow[] = {
      "at its value per token (training: per FLOP/s) for the period", "at its shortfall penalty",
      "at the plan's marginal cost of more of it (no value given)",
      "at the cheapest accelerator's cost of serving it (no value given)",
      "at 0 (no value given, and no accelerator can serve it)"};
  for (std::size_t k = 0; k < kinds.size(); ++k) {
    if (!kinds[k].empty()) {
      prices.notes.push_back(
          fmt::format("unmet demand of {} priced {}", fmt::join(kinds[k], ", "), kHow[k]));
    }
  }
  return prices;
}

// One plan found (or not) by a re-solve, priced: its priced cost, a lower bound on it, its
// status and gap.
struct Candidate {
  bool found = false;
  double priced = 0;
  double lower = -std::numeric_limits<double>::infinity();
  double gap = 0;
  SolveStatus status = SolveStatus::kInfeasible;
};

// Prices sets of rules left out against the baseline plan: the priced cost with them less
// the priced cost of the best plan found without them (RuleCost).
//! Rules to leave out, and the label of their cost ("a" or "a+b").
using LabelledRules = std::pair<std::set<std::string>, std::string>;

class RulePricer {
 public:
  RulePricer(const Problem& problem, const SolveOptions& options, Planner& planner,
             const Solved& baseline, const Plan& plan)
      : problem_(problem),
        options_(options),
        planner_(planner),
        baseline_(baseline),
        prices_(unmet_prices(problem, plan)),
        base_served_(served_of(problem, *baseline.formulation, baseline.x())),
        base_tokens_(tokens_per_day(problem, base_served_)),
        base_score_(plan.served_score) {
    base_priced_ = priced(*baseline.formulation, baseline.x());
    double total_demand_tokens = 0;
    for (const auto& service : problem.services) {
      if (service.kind == ServiceKind::kInference) {
        for (double d : service.demand) {
          total_demand_tokens += d;
        }
      }
      for (int p = 0; p < static_cast<int>(problem.periods.size()); ++p) {
        total_value_ += series_value(service.value_usd, p) * service.demand[p];
      }
    }
    // Differences below what the gap lets each solve be off by are noise, not a cost.
    usd_noise_ = std::max(1000.0, 2 * options.relative_gap * std::abs(base_priced_));
    token_noise_ = std::max(1.0, 2 * options.relative_gap * total_demand_tokens);
    score_noise_ = std::max(1e-9, 2 * options.relative_gap * plan.served_score);
  }

  [[nodiscard]] const std::vector<std::string>& notes() const { return prices_.notes; }
  [[nodiscard]] double usd_noise() const { return usd_noise_; }
  //! MILPs and nodes of the re-solves (the planner's own count those done in this process).
  [[nodiscard]] int solves() const {
    return (fallback_ ? fallback_->solves() : 0) + worker_solves_;
  }
  [[nodiscard]] long long nodes() const {
    return (fallback_ ? fallback_->nodes() : 0) + worker_nodes_;
  }

  //! The costs of leaving each set of rules out (with its label), in order; with
  //! SolveOptions::jobs > 1 in worker processes. Each cost depends on its set alone, so the
  //! figures are the same bytes however many workers price them.
  Result<std::vector<RuleCost>> price_many(const std::vector<LabelledRules>& sets,
                                           const std::function<void(std::size_t)>& on_done) {
    std::vector<RuleCost> costs;
    if (options_.jobs <= 1 || sets.size() <= 1) {
      for (const auto& [without, label] : sets) {
        auto cost = price(without, label);
        FLEETPLAN_RETURN_IF_ERROR(cost);
        costs.push_back(std::move(cost).value());
        if (on_done) {
          on_done(costs.size());
        }
      }
      return costs;
    }
    const auto task = [&](std::size_t k) {
      const int solves_before = planner_.solves() + solves();
      const long long nodes_before = planner_.nodes() + nodes();
      auto cost = price(sets[k].first, sets[k].second);
      internal::PricedInWorker worker;
      worker.solves = planner_.solves() + solves() - solves_before;
      worker.nodes = planner_.nodes() + nodes() - nodes_before;
      if (!cost.ok()) {
        worker.ok = false;
        worker.error_kind = static_cast<int>(cost.error().kind);
        worker.error = cost.error().message;
        return internal::encode_rule_cost(RuleCost{}, worker);
      }
      return internal::encode_rule_cost(*cost, worker);
    };
    auto results = map_in_processes(sets.size(), options_.jobs, task, on_done, "rule pricing");
    FLEETPLAN_RETURN_IF_ERROR(results);
    for (const auto& bytes : *results) {
      RuleCost cost;
      internal::PricedInWorker worker;
      if (!internal::decode_rule_cost(bytes, cost, worker)) {
        return internal_error("a rule-pricing worker sent a malformed rule cost");
      }
      if (!worker.ok) {
        return Error{static_cast<ErrorKind>(worker.error_kind), worker.error};
      }
      worker_solves_ += worker.solves;
      worker_nodes_ += worker.nodes;
      costs.push_back(std::move(cost));
    }
    return costs;
  }

  //! The cost of leaving the rules `without` out, named `label`.
  Result<RuleCost> price(const std::set<std::string>& without, const std::string& label) {
    RuleCost cost;
    cost.rule = label;
    cost.tokens_per_day.assign(problem_.periods.size(), 0.0);
    cost.served_change.assign(problem_.periods.size(),
                              std::vector<double>(problem_.services.size(), 0.0));
    std::vector<Candidate> candidates;
    auto status = options_.objective == Objective::kMinCost
                      ? min_cost_candidates(without, cost, candidates)
                      : max_served_candidates(without, cost, candidates);
    FLEETPLAN_RETURN_IF_ERROR(status);
    settle(candidates, cost);
    mark_binding(cost);
    return cost;
  }

 private:
  // Cash - residual + unmet demand at its price (USD).
  [[nodiscard]] double priced(const Formulation& f, const std::vector<double>& x) const {
    const Costs costs = costs_of(problem_, f, x);
    const auto served = served_of(problem_, f, x);
    return costs.spend - costs.residual + unmet_usd(served, false);
  }
  // The unmet demand at its price; with `unpenalized_only`, only of the services the
  // min-cost objective does not price itself.
  [[nodiscard]] double unmet_usd(const std::vector<std::vector<double>>& served,
                                 bool unpenalized_only) const {
    double usd = 0;
    for (std::size_t p = 0; p < served.size(); ++p) {
      for (std::size_t s = 0; s < served[p].size(); ++s) {
        const ServiceRow& service = problem_.services[s];
        if (unpenalized_only && !service.shortfall_penalty_usd.empty()) {
          continue;
        }
        usd += prices_.usd[p][s] * std::max(0.0, service.demand[p] - served[p][s]);
      }
    }
    return usd;
  }
  // A min-cost re-solve as a candidate: the model's objective is the priced cost (cash -
  // residual + penalties) in model money; its bound bounds the priced cost from below.
  [[nodiscard]] Candidate min_cost_candidate(const Solved& solved) const {
    Candidate candidate;
    candidate.status = status_of(solved.solution);
    double unpriced = 0;
    if (solved.has_plan()) {
      candidate.found = true;
      candidate.priced = priced(*solved.formulation, solved.x());
      candidate.gap = solved.solution.gap();
      unpriced = unmet_usd(served_of(problem_, *solved.formulation, solved.x()), true);
    }
    if (solved.solution.status == milp::Status::kInfeasible) {
      return candidate;
    }
    const double bound = solved.solution.best_bound;
    if (std::isfinite(bound)) {
      const double lower =
          (bound + solved.formulation->objective_constant()) * internal::kMoneyScale + unpriced;
      candidate.lower = candidate.found ? std::min(candidate.priced, lower) : lower;
    } else if (candidate.found) {
      candidate.lower = candidate.priced;
    }
    return candidate;
  }

  Status min_cost_candidates(const std::set<std::string>& without, RuleCost& cost,
                             std::vector<Candidate>& candidates) {
    auto relaxed = planner_.plan(without, &baseline_.x());
    FLEETPLAN_RETURN_IF_ERROR(relaxed);
    candidates.push_back(min_cost_candidate(*relaxed));
    if (relaxed->has_plan()) {
      record(cost, *relaxed->formulation, relaxed->x());
      return {};
    }
    if (relaxed->solution.status != milp::Status::kInfeasible) {
      return {};  // stopped: its bound is all there is
    }
    // Demand that is hard (no value, no penalty) cannot be met without the rules: price its
    // shortfall (UnmetPrices) and solve again with every service's unmet demand priced.
    if (!fallback_) {
      priced_problem_ = problem_;
      for (std::size_t s = 0; s < priced_problem_->services.size(); ++s) {
        ServiceRow& service = priced_problem_->services[s];
        if (service.shortfall_penalty_usd.empty()) {
          for (std::size_t p = 0; p < priced_problem_->periods.size(); ++p) {
            service.shortfall_penalty_usd.push_back(prices_.usd[p][s]);
          }
        }
      }
      fallback_ = std::make_unique<Planner>(*priced_problem_, options_);
      fallback_->set_node_limit(options_.rule_node_limit);
    }
    auto priced_plan = fallback_->plan(without, nullptr);
    FLEETPLAN_RETURN_IF_ERROR(priced_plan);
    candidates.back() = min_cost_candidate(*priced_plan);
    if (priced_plan->has_plan()) {
      record(cost, *priced_plan->formulation, priced_plan->x());
    }
    return {};
  }

  Status max_served_candidates(const std::set<std::string>& without, RuleCost& cost,
                               std::vector<Candidate>& candidates) {
    auto most = planner_.serve_most(without, &baseline_.x());
    FLEETPLAN_RETURN_IF_ERROR(most);
    Candidate served;
    served.status = status_of(most->solution);
    if (most->has_plan()) {
      record(cost, *most->formulation, most->x());
      served.found = true;
      served.priced = priced(*most->formulation, most->x());
      served.lower = served.priced;
      // The served score can be at most -bound (the objective is -score + a tie-break on
      // cost that is >= 0): the value not yet proven out of reach lowers the priced cost.
      // The gap is the score's (CBC's objective can lag the plan it returns).
      const double score = most->formulation->served_score(most->x());
      if (std::isfinite(most->solution.best_bound)) {
        const double most_score = -most->solution.best_bound / most->formulation->objective_scale();
        served.gap = std::max(0.0, most_score - score) / std::max(1e-12, score);
        if (total_value_ > 0) {
          served.lower -= std::max(0.0, most_score - score) * total_value_;
        }
        if (served.gap <= options_.relative_gap) {
          served.status = SolveStatus::kOptimal;
        }
      }
    }
    candidates.push_back(served);
    // The cheapest plan that serves at least what this plan serves (out of reach when the
    // rules left out permitted part of it).
    Settings same_service;
    same_service.goal = Settings::Goal::kMinCost;
    same_service.disabled_rules = without;
    same_service.served_floor = base_served_;
    auto cheapest = planner_.run(same_service, &baseline_.x());
    FLEETPLAN_RETURN_IF_ERROR(cheapest);
    candidates.push_back(min_cost_candidate(*cheapest));
    return {};
  }

  // The best plan found sets the cost; the lowest bound sets the other end.
  void settle(const std::vector<Candidate>& candidates, RuleCost& cost) const {
    const Candidate* best = nullptr;
    double lowest = std::numeric_limits<double>::infinity();
    for (const Candidate& candidate : candidates) {
      if (candidate.found && (best == nullptr || candidate.priced < best->priced)) {
        best = &candidate;
      }
      lowest = std::min(lowest, candidate.lower);
    }
    if (best != nullptr) {
      cost.cost_usd = base_priced_ - best->priced;
      cost.cost_usd_bound = std::isfinite(lowest) ? base_priced_ - lowest : cost.cost_usd;
      cost.cost_usd_bound = std::max(cost.cost_usd_bound, cost.cost_usd);
      cost.gap = best->gap;
      cost.status_without = best->status;
      if (cost.cost_usd_bound > cost.cost_usd + usd_noise_ &&
          cost.status_without == SolveStatus::kOptimal) {
        cost.status_without = SolveStatus::kFeasible;  // another re-solve was stopped
      }
      return;
    }
    cost.status_without = SolveStatus::kStopped;
    bool stopped = false;
    for (const Candidate& candidate : candidates) {
      stopped = stopped || candidate.status == SolveStatus::kStopped;
    }
    if (!stopped) {
      cost.status_without = SolveStatus::kInfeasible;
    }
    // No plan found: the bound is the only figure (the rules are worth at most this).
    cost.cost_usd = cost.cost_usd_bound = std::isfinite(lowest) ? base_priced_ - lowest : 0.0;
    cost.gap = std::numeric_limits<double>::infinity();
  }

  void record(RuleCost& cost, const Formulation& f, const std::vector<double>& x) const {
    const auto served = served_of(problem_, f, x);
    const auto tokens = tokens_per_day(problem_, served);
    for (std::size_t p = 0; p < served.size(); ++p) {
      cost.tokens_per_day[p] = tokens[p] - base_tokens_[p];
      for (std::size_t s = 0; s < served[p].size(); ++s) {
        cost.served_change[p][s] = served[p][s] - base_served_[p][s];
      }
    }
    cost.served_score_change = score_of(problem_, served) - base_score_;
  }

  // A rule binds when leaving it out changes the cost or the service by more than the noise
  // of the solver's gap; one that does not is reported as free.
  void mark_binding(RuleCost& cost) const {
    double token_change = 0;
    for (double t : cost.tokens_per_day) {
      token_change = std::max(token_change, std::abs(t));
    }
    cost.binding = cost.status_without == SolveStatus::kStopped ||
                   std::abs(cost.cost_usd) > usd_noise_ ||
                   std::abs(cost.cost_usd_bound) > usd_noise_ || token_change > token_noise_ ||
                   std::abs(cost.served_score_change) > score_noise_;
    if (!cost.binding) {
      cost.cost_usd = cost.cost_usd_bound = 0;
      cost.served_score_change = 0;
      std::fill(cost.tokens_per_day.begin(), cost.tokens_per_day.end(), 0.0);
      for (auto& row : cost.served_change) {
        std::fill(row.begin(), row.end(), 0.0);
      }
    }
  }

  const Problem& problem_;
  const SolveOptions& options_;
  Planner& planner_;
  const Solved& baseline_;
  UnmetPrices prices_;
  std::vector<std::vector<double>> base_served_;
  std::vector<double> base_tokens_;
  double base_score_ = 0;
  double base_priced_ = 0;
  double total_value_ = 0;
  double usd_noise_ = 0;
  double token_noise_ = 0;
  double score_noise_ = 0;
  std::optional<Problem> priced_problem_;  // every service's unmet demand priced
  std::unique_ptr<Planner> fallback_;
  int worker_solves_ = 0;
  long long worker_nodes_ = 0;  // plans priced_problem_
};

// The options each rule constrains (exclusions, caps, shares, delivery limits), by rule name.
std::map<std::string, std::set<int>> options_of_rules(const Problem& problem) {
  std::map<std::string, std::set<int>> touched;
  for (const Exclusion& exclusion : problem.exclusions) {
    for (const std::string& rule : exclusion.rules) {
      touched[rule].insert(exclusion.option);
    }
    if (!exclusion.only_without.empty()) {
      touched[exclusion.only_without].insert(exclusion.option);
    }
    for (const auto& set : exclusion.lifted_by) {
      for (const std::string& rule : set) {
        touched[rule].insert(exclusion.option);
      }
    }
  }
  for (const SupplyCap& cap : problem.supply_caps) {
    touched[cap.rule].insert(cap.options.begin(), cap.options.end());
  }
  for (const ShareRule& share : problem.shares) {
    touched[share.rule].insert(share.subset.begin(), share.subset.end());
    touched[share.rule].insert(share.scope.begin(), share.scope.end());
  }
  for (const DeliveryLimit& limit : problem.delivery_limits) {
    for (const auto& [rule, fraction] : limit.without) {
      touched[rule].insert(limit.option);
    }
    for (const auto& pair : limit.without_pairs) {
      touched[pair.first].insert(limit.option);
      touched[pair.second].insert(limit.option);
    }
  }
  touched.erase("");
  return touched;
}

// Pairs of rules whose costs may overlap: both bind, or they constrain a common option
// (two rules that forbid the same thing bind only together).
std::vector<std::pair<int, int>> candidate_pairs(const Problem& problem, const Plan& plan) {
  const auto touched = options_of_rules(problem);
  const auto options = [&](int i) {
    auto it = touched.find(problem.rules[i].name);
    return it != touched.end() ? it->second : std::set<int>();
  };
  std::vector<std::pair<int, int>> pairs;
  const int n = static_cast<int>(problem.rules.size());
  for (int i = 0; i < n; ++i) {
    for (int j = i + 1; j < n; ++j) {
      bool common = plan.rule_costs[i].binding && plan.rule_costs[j].binding;
      const auto a = options(i);
      const auto b = options(j);
      for (int o : a) {
        common = common || b.count(o) > 0;
      }
      if (common) {
        pairs.emplace_back(i, j);
      }
    }
  }
  return pairs;
}

std::string joined_names(const Problem& problem, const std::vector<int>& rules) {
  std::vector<std::string> names;
  for (int i : rules) {
    names.push_back(problem.rules[i].name);
  }
  return fmt::format("{}", fmt::join(names, "+"));
}

// One overlap group: its pairs, the cost of every subset of it (re-solved side by side where
// no single rule or pair gives it) and the Shapley split of its joint cost.
Result<RuleInteraction> price_group(const Problem& problem, RulePricer& pricer, const Plan& plan,
                                    const std::vector<int>& group,
                                    const std::map<std::pair<int, int>, RuleCost>& pair_costs) {
  RuleInteraction interaction;
  const int n = static_cast<int>(group.size());
  for (int i : group) {
    interaction.rules.push_back(problem.rules[i].name);
  }
  for (int a = 0; a < n; ++a) {
    for (int b = a + 1; b < n; ++b) {
      auto it = pair_costs.find({group[a], group[b]});
      if (it != pair_costs.end()) {
        interaction.pairs.push_back({a, b, it->second});
      }
    }
  }
  const auto members_of = [&](std::uint32_t mask) {
    std::vector<int> members;
    for (int a = 0; a < n; ++a) {
      if ((mask >> static_cast<unsigned>(a)) & 1U) {
        members.push_back(group[a]);
      }
    }
    return members;
  };
  const std::uint32_t all = (1U << static_cast<unsigned>(std::min(n, 31))) - 1U;
  interaction.exact = n <= kShapleyMaxRules;
  // worth[mask]: the cost of leaving the rules of the mask out.
  std::map<std::uint32_t, RuleCost> worth;
  std::vector<std::uint32_t> to_solve;
  for (std::uint32_t mask = interaction.exact ? 1 : all; mask <= all; ++mask) {
    const auto members = members_of(mask);
    if (members.size() == 1) {
      worth.emplace(mask, plan.rule_costs[members[0]]);
    } else if (auto it = pair_costs.find({members[0], members[1]});
               members.size() == 2 && it != pair_costs.end()) {
      worth.emplace(mask, it->second);
    } else {
      to_solve.push_back(mask);
    }
  }
  std::vector<LabelledRules> sets;
  for (std::uint32_t mask : to_solve) {
    const auto members = members_of(mask);
    LabelledRules set;
    for (int i : members) {
      set.first.insert(problem.rules[i].name);
    }
    set.second = joined_names(problem, members);
    sets.push_back(std::move(set));
  }
  auto priced = pricer.price_many(sets, nullptr);
  FLEETPLAN_RETURN_IF_ERROR(priced);
  for (std::size_t k = 0; k < to_solve.size(); ++k) {
    worth.emplace(to_solve[k], std::move((*priced)[k]));
  }
  if (interaction.exact) {
    interaction.shapley_usd = internal::shapley_values(
        n, [&](std::uint32_t mask) { return mask == 0 ? 0.0 : worth.at(mask).cost_usd; });
  }
  interaction.joint = worth.at(all);
  return interaction;
}

// Pairwise re-solves of the rules that may overlap; the groups whose pairs interact; each
// group's joint cost split by Shapley value over the group (every subset re-solved).
Status price_interactions(const Problem& problem, RulePricer& pricer, Plan& plan) {
  const auto names = [&](const std::vector<int>& rules) {
    LabelledRules set;
    for (int i : rules) {
      set.first.insert(problem.rules[i].name);
    }
    set.second = joined_names(problem, rules);
    return set;
  };
  const auto pairs = candidate_pairs(problem, plan);
  std::vector<LabelledRules> pair_sets;
  for (const auto& [i, j] : pairs) {
    pair_sets.push_back(names({i, j}));
  }
  auto pair_priced = pricer.price_many(pair_sets, nullptr);
  FLEETPLAN_RETURN_IF_ERROR(pair_priced);
  std::map<std::pair<int, int>, RuleCost> pair_costs;
  std::vector<std::pair<int, int>> interacting;
  for (std::size_t k = 0; k < pairs.size(); ++k) {
    const auto [i, j] = pairs[k];
    const double apart = plan.rule_costs[i].cost_usd + plan.rule_costs[j].cost_usd;
    if (std::abs((*pair_priced)[k].cost_usd - apart) > pricer.usd_noise()) {
      interacting.emplace_back(i, j);
    }
    pair_costs.emplace(pairs[k], std::move((*pair_priced)[k]));
  }
  for (const auto& group :
       internal::overlap_groups(static_cast<int>(problem.rules.size()), interacting)) {
    auto interaction = price_group(problem, pricer, plan, group, pair_costs);
    FLEETPLAN_RETURN_IF_ERROR(interaction);
    plan.rule_interactions.push_back(std::move(interaction).value());
  }
  return {};
}

// The cost of each rule of the problem, against the baseline plan; with rule_interactions,
// the joint costs of the rules that overlap.
Status price_rules(const Problem& problem, const SolveOptions& options, Planner& planner,
                   const Solved& baseline, Plan& plan) {
  RulePricer pricer(problem, options, planner, baseline, plan);
  if (!problem.rules.empty()) {
    plan.rule_cost_pricing = pricer.notes();
  }
  std::vector<LabelledRules> sets;
  for (const Rule& rule : problem.rules) {
    sets.push_back({{rule.name}, rule.name});
  }
  std::function<void(std::size_t)> on_done;
  if (options.progress) {
    on_done = [&](std::size_t done) {
      options.progress(static_cast<int>(done) + 1, static_cast<int>(problem.rules.size()) + 1);
    };
  }
  auto costs = pricer.price_many(sets, on_done);
  FLEETPLAN_RETURN_IF_ERROR(costs);
  plan.rule_costs = std::move(costs).value();
  if (options.rule_interactions) {
    FLEETPLAN_RETURN_IF_ERROR(price_interactions(problem, pricer, plan));
  }
  plan.solves += pricer.solves();
  plan.nodes += pricer.nodes();
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
  plan.nodes += planner.nodes();
  return plan;
}

}  // namespace fleetplan::plan
