// The planner: a mixed-integer program over periods, sites, accelerator types and
// procurement modes (buy, lease), solved by COIN-OR CBC. It decides what to acquire,
// where, and which service each accelerator serves; it prices every policy rule by
// re-solving without it, and explains an infeasible problem with elastic slacks.
// The formulation is written out in src/plan/README.md.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "plan/tco.h"

namespace fleetplan::plan {

//! How an option gets accelerators.
enum class Mode { kBuy, kLease };
//! "buy", "lease".
const char* mode_name(Mode mode);

//! What the planner optimises.
enum class Objective {
  kMinCost,    //!< meet demand (or pay its shortfall penalty) at least cost
  kMaxServed,  //!< serve the most demand within the budgets, then at least cost
};
//! "min-cost", "max-served".
const char* objective_name(Objective objective);
Result<Objective> parse_objective(std::string_view text);

//! One planning period (a year or a quarter). Money is USD of the scenario's price year.
struct Period {
  std::string name;
  double hours = 8760;               //!< length; prices per hour are charged for it
  std::optional<double> budget_usd;  //!< cash that may be spent in the period; none: no cap
};

//! A place accelerators run: an owned data centre or a third party's.
struct Site {
  std::string name;
  std::optional<double> power_limit_w;     //!< power at the wall available to accelerators
  std::optional<double> max_accelerators;  //!< space: accelerators the site can hold
  std::string region = {};                 //!< the scenario's free text (reports show it)
};

//! Inference (demand in tokens/day) or training (demand in sustained FLOP/s).
enum class ServiceKind { kInference, kTraining };

//! A service whose demand the fleet serves. Demand and capacity are rates in the service's
//! unit: tokens/day for inference, FLOP/s sustained over the period for training.
struct ServiceRow {
  std::string name;
  ServiceKind kind = ServiceKind::kInference;
  std::vector<double> demand;  //!< per period
  //! Weight of this service in max-served, which maximises sum(weight * served / demand).
  double weight = 1.0;
  //! USD per unit of demand left unserved in a period (a series: per period, or one value),
  //! in min-cost. Empty: in min-cost the demand is a hard constraint (an infeasible plan if
  //! it cannot be met).
  std::vector<double> shortfall_penalty_usd;
  //! Per period: the peak rate over the average. Capacity must cover the peak, so serving
  //! D tokens/day takes D x peak_to_average of capacity. Empty: 1.
  std::vector<double> peak_to_average;
  //! Value of serving one demand unit (one token/day, one FLOP/s) for the whole period, USD
  //! (a series). When any service has one, every service must: max-served then maximises
  //! the value served, and min-cost prices unmet demand at it.
  std::vector<double> value_usd;
  //! Priority tier (1 first): max-served serves tier 1 as well as it can before tier 2.
  int priority = 1;
  //! Inference: input and output tokens of one request (0: not known). A token/day of
  //! demand is input_tokens / (input_tokens + output_tokens) input tokens.
  double input_tokens = 0;
  double output_tokens = 0;
};

//! A training job: a cluster's worth of FLOP/s for one period, run at one site (its
//! gradients cannot cross a continent every step), which needs at least `min_cluster`
//! accelerators serving it there.
struct TrainingJob {
  std::string name;
  int service = 0;  //!< a training service of the Problem
  int period = 0;
  double demand = 0;       //!< FLOP/s sustained over the period
  double min_cluster = 0;  //!< accelerators at the site the job runs at
  std::vector<int> sites;  //!< where it may run; empty: every site
};

//! One way to get an accelerator type into a site: (accelerator, site, mode). All amounts
//! are per accelerator. A cost series holds one value per period, one value for every
//! period, or none (0).
struct Option {
  std::string accelerator;
  int site = 0;  //!< index into Problem::sites
  Mode mode = Mode::kBuy;
  bool domestic = false;  //!< made by a domestic supplier (for share rules and reports)
  int unit_size = 1;      //!< accelerators per integer decision (a server of 8, say)
  //! Cash at acquisition: purchase price with its share of the server (buy).
  std::vector<double> upfront_usd;
  //! Cash per period while active: lease rent for the period's hours, energy.
  std::vector<double> recurring_usd;
  //! Value left at the end of the horizon of an accelerator acquired in each period
  //! (straight-line depreciation); credited in the cost objective, never in budgets.
  std::vector<double> residual_usd;
  //! The same cash by spend item, per period (or one entry for every period): each entry's
  //! items add up to upfront_usd / recurring_usd. Empty: upfront is all accelerators,
  //! recurring all energy (buy) or leases (lease).
  std::vector<ItemAmounts> upfront_items;
  std::vector<ItemAmounts> recurring_items;
  //! Cost of ownership per accelerator-year (amortised capex over the assets' lives plus a
  //! year of running costs), for unit costs; 0: not known.
  double annual_usd = 0;
  double power_w = 0;             //!< at the wall: TDP x server overhead x PUE
  int lease_term_periods = 1;     //!< a lease started in period p is active in p..p+term-1
  double existing = 0;            //!< accelerators already active in every period, paid for
  bool installed_base = false;    //!< stands for installed accelerators only (never acquired)
  std::vector<bool> can_acquire;  //!< per period; empty: every period
  //! Per period: the share of the period that units acquired in it serve, draw energy and
  //! pay rent (delivery from a day inside the period); later periods count in full. Power,
  //! space, shares and caps count the units in full. Empty: 1.
  std::vector<double> delivered_fraction;
  //! Accelerators at least per period when any are acquired (0: no minimum).
  double min_order = 0;
  //! Per service: accelerators in one deployment (a replica of the chosen layout);
  //! allocations to the service are whole deployments (0: a lot of unit_size). Empty:
  //! allocations are continuous (a problem without deployment sizes, e.g. synthetic).
  std::vector<int> deployment;
  //! Per service: demand units one accelerator serves at the service's latency targets
  //! (0: cannot serve that service).
  std::vector<double> capacity;
  //! Per service: share of the accelerator's busy time spent on prefill (the rest decodes),
  //! from the perf model at the goodput; splits unit costs between input and output tokens.
  //! Empty or 0: not known.
  std::vector<double> prefill_time_share;
  std::string note;  //!< where the figures come from, for reports
};

//! A policy rule that the plan prices: constraints carry its name.
struct Rule {
  std::string name;
  std::string description;
  std::string source;
};

//! What an exclusion forbids.
enum class ExclusionScope {
  kAcquire,  //!< no purchases or lease starts of the option
  kUse,      //!< no use of the option for the service (or any service)
};

//! An option that may not be acquired or used in some periods, because of rules.
struct Exclusion {
  //! The rules that impose it: leaving any one of them out lifts it. Empty: no single rule
  //! lifts it (two rules forbid the same thing).
  std::vector<std::string> rules;
  //! Non-empty: the exclusion holds only when this rule is left out (a rule that permits
  //! what an older rule forbids).
  std::string only_without;
  int option = 0;
  std::vector<int> periods;  //!< empty: every period
  ExclusionScope scope = ExclusionScope::kAcquire;
  int service = -1;  //!< kUse only: the service, or -1 for every service
  std::string reason;
  //! Sets of rules that lift it only when all of each set are left out (two rules that
  //! forbid the same thing); `rules` is then empty. For the costs of rules left out together.
  std::vector<std::vector<std::string>> lifted_by = {};
};

//! At most `max_units` accelerators of the given options acquired in each listed period
//! (or, when `cumulative`, in all of them together).
struct SupplyCap {
  std::string name;
  std::string rule;  //!< a Rule name, or "" for a fact of the market (never relaxed)
  std::vector<int> options;
  std::vector<int> periods;  //!< empty: every period
  double max_units = 0;
  bool cumulative = false;
};

//! The delivered share of a period that rules allow an option (deliveries from the day a
//! rule allows them, or only on the days an operating rule allows). Leaving out one of the
//! rules in `without` gives that rule's fraction instead (the most permissive of those left
//! out).
struct DeliveryLimit {
  int option = 0;
  int period = 0;
  double fraction = 1;
  std::vector<std::pair<std::string, double>> without;
  //! Two rules that cut the same days: the fraction with both left out, where it is more
  //! than leaving either out gives (for the costs of rules left out together).
  struct Pair {
    std::string first;
    std::string second;
    double fraction = 1;
  };
  std::vector<Pair> without_pairs = {};
};

//! A supply pool shared by several options: sum(units_per_accelerator x accelerators
//! acquired) <= max_units[p] in each period, or, when `cumulative`, over all periods
//! together (sum of max_units). A fact of the market, never relaxed by a rule.
struct PoolLimit {
  std::string name;
  std::string unit;  //!< what the pool counts ("dies")
  std::vector<int> options;
  std::vector<double> units_per_accelerator;  //!< per entry of `options`
  std::vector<double> max_units;              //!< per period
  bool cumulative = false;
};

//! A cap on part of a period's cash (a budget line: "85 bn CNY for processors"). Each
//! option's cash counts with a weight on its upfront and on its recurring part, so that a
//! line can count only the accelerators' prices and not their servers or energy.
struct SpendCap {
  std::string name;
  int period = 0;
  std::vector<int> options;
  std::vector<double> upfront_weight;    //!< per entry of `options`, in [0, 1]
  std::vector<double> recurring_weight;  //!< per entry of `options`, in [0, 1]
  double max_usd = 0;
  bool binding = true;  //!< false: reported, not enforced
};

//! How a share rule measures.
enum class ShareBasis {
  kCount,  //!< accelerators
  kSpend,  //!< cash of the period
};
const char* share_basis_name(ShareBasis basis);

//! What a share rule measures.
enum class ShareOf {
  kAcquisitions,  //!< what is bought or leased in the period (count, or its cash in the period)
  kFleet,         //!< all that is active in the period (count, or all its cash in the period)
};

//! The options in `subset` make at least `min_share` of the options in `scope`.
struct ShareRule {
  std::string name;
  std::string rule;  //!< a Rule name, or "" for a fact (never relaxed)
  std::vector<int> scope;
  std::vector<int> subset;
  std::vector<int> periods;  //!< empty: every period
  double min_share = 0;
  ShareBasis basis = ShareBasis::kCount;
  ShareOf of = ShareOf::kAcquisitions;
};

//! Everything the planner needs, already resolved to numbers (USD, W, demand units).
struct Problem {
  std::string name;
  std::vector<Period> periods;
  std::vector<Site> sites;
  std::vector<ServiceRow> services;
  std::vector<Option> options;
  std::vector<Rule> rules;
  std::vector<Exclusion> exclusions;
  std::vector<SupplyCap> supply_caps;
  std::vector<PoolLimit> pools;
  std::vector<DeliveryLimit> delivery_limits;
  std::vector<ShareRule> shares;
  std::vector<SpendCap> spend_caps;
  std::vector<TrainingJob> training_jobs;
  std::vector<std::string> assumptions;  //!< figures that are estimates, for the report

  //! Checks sizes, indices, signs and rule names; the message names the bad field.
  [[nodiscard]] Status validate() const;
  //! A short name of an option: "H200-SXM@site/buy".
  [[nodiscard]] std::string option_label(int option) const;
};

//! The value of a cost series (Option::upfront_usd, ...) in period p.
double series_value(const std::vector<double>& series, int p);
//! The items of an item series (Option::upfront_items, ...) in period p; zero when empty.
ItemAmounts series_items(const std::vector<ItemAmounts>& series, int p);

//! Solver settings, shared by the CLI, the scenario file and the benchmarks.
struct SolveOptions {
  Objective objective = Objective::kMaxServed;
  //! CBC stops when the proven gap is below this. 0.1 % of a 23 bn USD plan is 23 M USD,
  //! finer than any figure in a scenario; closing the last integer rounding costs minutes.
  double relative_gap = 1e-3;
  //! Branch-and-bound nodes per MILP; the plan is then "feasible" with its proven gap. Nodes,
  //! unlike seconds, give the same answer on every machine.
  long long node_limit = 2000;
  double time_limit_s = 0;  //!< per MILP; 0: none (a limit makes results machine-dependent)
  bool rule_costs = true;   //!< re-solve without each rule to price it
  //! With rule_costs: re-solve without each pair of rules that may overlap, group the
  //! rules whose pairs interact, and split each group's joint cost by Shapley value.
  bool rule_interactions = false;
  //! Node limit of each rule re-solve (0: node_limit). A re-solve stopped by it prices its
  //! rule as a bound ("at least"); with training jobs (binaries per job and site) a few
  //! re-solves would otherwise run to node_limit each.
  long long rule_node_limit = 300;
  bool explain_infeasible = true;
  //! Marginal costs (Plan::marginal_costs: one LP with the integers held, and one per
  //! binding row). A sweep, which reports none of them, leaves them out.
  bool marginal_costs = true;
  //! Worker processes (fork) for the rule re-solves, which are independent of each other; 1:
  //! in this process. The figures are the same for any number. Fork only where no other
  //! thread is working (CBC lets one thread at a time in; the CLI, not the HTTP server).
  int jobs = 1;
  //! Told (solves done, solves planned) after the plan and after each rule priced; may be
  //! empty. For progress indicators only: it changes nothing in the plan.
  std::function<void(int done, int planned)> progress;
};

//! The plan's status, apart from the call's status (the Result around the Plan).
enum class SolveStatus {
  kOptimal,     //!< proven optimal within the relative gap
  kFeasible,    //!< a plan, but a limit stopped the proof
  kInfeasible,  //!< no plan satisfies the hard constraints; see Plan::conflicts
  kStopped,     //!< a limit (nodes, time) stopped the search before any plan was found:
                //!< whether one exists is unknown (a rule's re-solve only; the plan itself
                //!< is then an error)
};
//! "optimal", "feasible", "infeasible", "stopped".
const char* solve_status_name(SolveStatus status);

//! One option in one period.
struct FleetLine {
  int period = 0;
  int option = 0;
  double acquired = 0;        //!< accelerators bought or leased (lease starts) in the period
  double active = 0;          //!< accelerators running in the period (existing, bought, leased)
  double spend_usd = 0;       //!< cash for this line in the period
  ItemAmounts spend_by_item;  //!< the same cash by item; adds up to spend_usd
  double power_w = 0;
  std::vector<double> allocated;  //!< per service: accelerators serving it
  //! Per service: demand units those accelerators can serve (a service's total capacity
  //! may exceed its demand; PeriodOutcome::served is capped at the demand).
  std::vector<double> capacity;
};

//! Totals of one period.
struct PeriodOutcome {
  double spend_usd = 0;
  ItemAmounts spend_by_item;      //!< adds up to spend_usd
  std::vector<double> value_usd;  //!< per service: value of the demand served (when valued)
  std::vector<double> demand;     //!< per service
  std::vector<double> served;     //!< per service, at most the demand
  std::vector<double> capacity;   //!< per service: capacity of the accelerators allocated to it
  double accelerators_active = 0;
  double accelerators_acquired = 0;
  //! Domestic accelerators among those acquired in the period (count); 0 when none acquired.
  double domestic_share_count = 0;
  //! Domestic share of the period's cash spend on accelerators.
  double domestic_share_spend = 0;
  std::vector<double> site_power_w;  //!< per site
};

//! Cash counted against a spend cap in a plan.
struct SpendCapOutcome {
  std::string name;
  int period = 0;
  double spend_usd = 0;
  double max_usd = 0;
  bool binding = true;
};

//! A hard constraint that is tight in the plan (its slack is below 1e-6 of its bound).
struct TightConstraint {
  std::string name;
  std::string kind;  //!< "budget", "spend-cap", "site-power", "site-space", "supply-cap",
                     //!< "share"
  std::string rule;  //!< the rule it belongs to, or ""
  int period = -1;
};

//! What leaving some rules out is worth, against priced unmet demand: a plan's priced cost
//! is its cash less residual value plus the value of the demand it leaves unserved (each
//! service at its value per unit, training too; see RuleCost::priced_by). The cost of the
//! rules is the priced cost with them less the priced cost of the best plan found without
//! them. Positive: the rules cost; negative: they permit something. Always a number.
struct RuleCost {
  std::string rule;  //!< the rule; for a set of rules (RuleInteraction), "a+b"
  bool binding = false;
  //! USD over the horizon: the priced cost with the rule less the priced cost of the best
  //! plan found without it (min-cost: the min-cost re-solve; max-served: the better of the
  //! most-served re-solve and the cheapest plan at this plan's service).
  double cost_usd = 0;
  //! The other end of what the cost can be when the re-solve that gave cost_usd stopped at
  //! its node or time limit (from its proven bound): the cost lies between cost_usd and
  //! cost_usd_bound. Equal to cost_usd when the re-solve was proven within the gap.
  double cost_usd_bound = 0;
  //! Proven relative gap of the re-solve that gave cost_usd.
  double gap = 0;
  //! Served demand without the rule minus with it, [period][service] in demand units
  //! (max-served: the most served without the rule; min-cost: the cheapest plan's).
  std::vector<std::vector<double>> served_change;
  //! The same, as the served score sum(weight * served / demand).
  double served_score_change = 0;
  //! Extra inference tokens/day served without the rule, per period: the rule's cost in
  //! tokens (positive: the rule costs tokens; negative: it permits them).
  std::vector<double> tokens_per_day;
  //! The status of the re-solve that gave cost_usd (kStopped: no plan found, the cost is
  //! the bound alone).
  SolveStatus status_without = SolveStatus::kOptimal;
};

//! Rules whose costs overlap (leaving two out is not the sum of leaving each out) and the
//! split of their joint cost (leaving all of them out) by Shapley value over the group.
struct RuleInteraction {
  std::vector<std::string> rules;  //!< the group, in Problem::rules order
  //! The cost of leaving every rule of the group out (RuleCost of the set).
  RuleCost joint;
  //! Each rule's Shapley share of joint.cost_usd, per entry of `rules`; they add up to it.
  std::vector<double> shapley_usd;
  //! Pairwise re-solves inside the group: (i, j, cost of leaving both out).
  struct Pair {
    int first = 0;
    int second = 0;
    RuleCost cost;
  };
  std::vector<Pair> pairs;
  //! False when the group is larger than kShapleyMaxRules: shapley_usd is then empty and
  //! joint is still the cost of leaving them all out.
  bool exact = true;
};

//! Largest overlap group split exactly by Shapley value (2^n - 1 re-solves).
inline constexpr int kShapleyMaxRules = 6;

//! A hard constraint the elastic problem had to relax to find a plan.
struct Conflict {
  std::string constraint;  //!< "budget[2026]", "site-power[shanghai][2026]", ...
  std::string kind;        //!< "budget", "spend-cap", "site-power", "site-space", "supply-cap",
                           //!< "share", "demand", "exclusion"
  std::string rule;        //!< the rule it belongs to, or ""
  int period = -1;
  double amount = 0;    //!< how far it must move, in `unit`
  std::string unit;     //!< "USD", "W", "accelerators", "tokens/day", "FLOP/s"
  double relative = 0;  //!< amount / the constraint's bound (0 when the bound is 0)
  std::string message;  //!< one sentence for the report
};

//! What a token costs on one option for one service: its cost of ownership per
//! accelerator-year over the tokens it serves in a year at the planned utilisation (the
//! capacity the plan may fill, over the peak-to-average ratio).
struct UnitCost {
  int period = 0;
  int option = 0;
  int service = 0;
  double usd_per_million_tokens = 0;  //!< inference (input and output tokens together)
  double tokens_per_s_per_mw = 0;     //!< inference, at the planned utilisation, per MW at the wall
  double usd_per_exaflop = 0;         //!< training: USD per 1e18 FLOP at the service's MFU
  double usd_per_accelerator_year = 0;
  //! Inference: the request's cost split by the perf model's prefill and decode time, the
  //! prefill share over the input tokens and the decode share over the output tokens (0 when
  //! the split is not known); input x these + output x these = (input + output) x blended.
  double usd_per_million_input_tokens = 0;
  double usd_per_million_output_tokens = 0;
  //! What forbids this option for this service in this period in the plan as solved: rule
  //! names, "placement" (the service's allowed_countries or latency_classes exclude the
  //! site), "availability" (no delivery in the period) or "rules" (several rules overlap,
  //! none alone lifts it); empty: allowed. `forbidden_reason` says it in sentences.
  std::vector<std::string> forbidden_by;
  std::string forbidden_reason;
  [[nodiscard]] bool allowed() const { return forbidden_by.empty(); }
};

//! The cost of one more unit of a service's demand in a period: the min-cost LP of the plan
//! (purchases may grow from the plan's, continuously; budgets lifted; served demand held)
//! solved again with one more unit for that service, the cost difference.
struct MarginalCost {
  int period = 0;
  int service = 0;
  //! USD for one more T tokens/day (inference) or one more PFLOP/s (training) over the
  //! period; 0 when capacity is spare.
  double usd = 0;
  std::string unit;  //!< "T tokens/day", "PFLOP/s"
  //! False when a hard limit (site power, a supply cap, a rule) leaves no room for more.
  bool reachable = true;
};

//! Where a training job runs.
struct TrainingJobOutcome {
  int job = 0;
  int site = -1;            //!< -1: not run
  double accelerators = 0;  //!< serving the job's service at that site
  bool fits = false;        //!< run at one site with at least its minimum cluster
};

//! The answer.
struct Plan {
  SolveStatus status = SolveStatus::kInfeasible;
  Objective objective = Objective::kMaxServed;
  double served_score = 0;  //!< sum(weight * served / demand)
  double cost_usd = 0;      //!< cash spend minus residual value (+ shortfall penalties)
  double spend_usd = 0;     //!< cash over the horizon
  double residual_usd = 0;  //!< value left at the end of the horizon
  //! Proven relative gap of the final solve (for max-served: the least cost at the served
  //! demand of the first stage).
  double gap = 0;
  double served_gap = 0;         //!< max-served: proven relative gap of the served demand
  long long nodes = 0;           //!< branch-and-bound nodes, all solves
  int solves = 0;                //!< MILPs solved, all purposes
  std::vector<FleetLine> fleet;  //!< lines with acquired or active > 0
  std::vector<PeriodOutcome> periods;
  std::vector<SpendCapOutcome> spend_caps;
  std::vector<TightConstraint> tight;
  std::vector<RuleCost> rule_costs;                //!< one per rule, in Problem::rules order
  std::vector<RuleInteraction> rule_interactions;  //!< with SolveOptions::rule_interactions
  //! How unmet demand was priced for the rule costs, one sentence per kind of price used.
  std::vector<std::string> rule_cost_pricing;
  std::vector<Conflict> conflicts;           //!< when infeasible
  std::vector<UnitCost> unit_costs;          //!< per period x option x service it can serve
  std::vector<MarginalCost> marginal_costs;  //!< per period x service with demand
  std::vector<TrainingJobOutcome> training_jobs;
  //! Per period and site: the most accelerators serving training there (the largest
  //! cluster a job could use), [period][site].
  std::vector<std::vector<double>> largest_training_cluster;
};

//! Plans. A call error for a malformed Problem (kInput) or a solver failure (kInternal); an
//! infeasible problem is a Plan with status kInfeasible and its conflicts.
Result<Plan> solve(const Problem& problem, const SolveOptions& options = {});

}  // namespace fleetplan::plan
