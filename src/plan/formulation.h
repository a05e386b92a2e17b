// The MILP of a Problem (private to src/plan). One Formulation is built per solve: the
// baseline, each stage of max-served, each rule re-solve and the elastic explanation
// differ only in the Settings below. src/plan/README.md writes the model out.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "plan/milp.h"
#include "plan/plan.h"

namespace fleetplan::plan::internal {

//! Money inside the model is in millions of USD and power in MW, so that the coefficients
//! stay near 1 (CBC's tolerances are absolute); demand is scaled per service (see below).
inline constexpr double kMoneyScale = 1e6;
inline constexpr double kPowerScale = 1e6;

//! What changes between the solves of one plan.
struct Settings {
  //! The objective: the cost (cash - residual + shortfall penalties), or the served score.
  enum class Goal { kMinCost, kMaxServed, kMinSlack };
  Goal goal = Goal::kMinCost;
  //! Demand is a hard constraint for services without a shortfall penalty (min-cost).
  bool hard_demand = false;
  //! Rules whose constraints are left out.
  std::set<std::string> disabled_rules;
  //! With kMinCost: the served score must reach this (the second stage of max-served).
  std::optional<double> score_floor;
  //! Max-served by priority tier: only services of priority <= max_tier count in the served
  //! score (0: all of them).
  int max_tier = 0;
  //! (tier, floor): the served score of the services of priority <= tier must reach floor
  //! (the earlier stages of max-served by tier).
  std::vector<std::pair<int, double>> tier_floors;
  //! With kMinCost: served[p][s] must reach these (pricing a rule at equal service).
  std::optional<std::vector<std::vector<double>>> served_floor;
};

//! A hard constraint as the elastic problem and the tight-constraint report see it.
struct HardRow {
  int row = -1;           //!< index in the model (or -1 for a bound on a column)
  int slack = -1;         //!< the elastic slack column, -1 when not elastic
  double to_natural = 1;  //!< multiplies a model amount into `unit`
  double bound = 0;       //!< the constraint's bound, natural units
  double unit_step = 0;  //!< the largest single-decision coefficient (model units): "one more fits"
  Conflict info;         //!< name, kind, rule, period, unit
};

class Formulation {
 public:
  Formulation(const Problem& problem, const Settings& settings);

  [[nodiscard]] const milp::Model& model() const { return model_; }
  //! Column of the acquisitions of option o in period p (integer, units of unit_size).
  [[nodiscard]] int acquire_column(int p, int o) const { return acquire_[p][o]; }
  //! Column of the allocation of option o to service s in period p: accelerators
  //! (continuous), or whole deployments (an integer) when the option gives deployment sizes
  //! (allocation_unit accelerators each); -1 if none.
  [[nodiscard]] int allocate_column(int p, int o, int s) const { return allocate_[p][o][s]; }
  //! Accelerators in one deployment of option o for service s.
  [[nodiscard]] int deployment_size(int o, int s) const;
  //! Accelerators one unit of an allocation column stands for: deployment_size(o, s) when
  //! the option gives deployment sizes, else 1.
  [[nodiscard]] double allocation_unit(int o, int s) const;
  //! Accelerators of option o serving service s in period p in a solution, in whole
  //! deployments of deployment_size(o, s) when the option gives its sizes (0 if none).
  [[nodiscard]] double allocated(const std::vector<double>& x, int p, int o, int s) const;
  [[nodiscard]] const Settings& settings() const { return settings_; }
  //! Column of the served demand of service s in period p, in units of scale(s).
  [[nodiscard]] int served_column(int p, int s) const { return served_[p][s]; }
  //! Demand units per model unit of served demand for service s.
  [[nodiscard]] double service_scale(int s) const { return service_scale_[s]; }
  [[nodiscard]] const std::vector<HardRow>& hard_rows() const { return hard_rows_; }
  //! Max-served's objective is the served score times this (and the floors on the score are
  //! written times this): the largest weight of a served column becomes 1, so that the
  //! reduced costs stay well above CBC's absolute tolerances (1e-7). With weights near 1e-6
  //! (served columns count accelerators' worth) CBC took columns that improve the score by
  //! less than 10 % of a weight for "no better" and reported wrong optima (seen on
  //! bytedance-2026-quarterly). A bound on the objective is -score x objective_scale().
  [[nodiscard]] double objective_scale() const { return objective_scale_; }
  //! Constant part of the objective (model units) left out of the columns' costs.
  [[nodiscard]] double objective_constant() const { return objective_constant_; }

  //! Accelerators of option o active in period p in a solution.
  //! How the units acquired in period p count in p: in full (power, space, counts at its
  //! end), for the share of p they serve, or for the share of p they are paid for (energy
  //! and rent; a lease's rent runs from delivery even on days a rule keeps it idle).
  enum class Share { kFull, kServing, kPaid };
  //! Accelerators of option o active in period p, counted as `share` says.
  [[nodiscard]] double active(const std::vector<double>& x, int p, int o,
                              Share share = Share::kFull) const;
  //! Cash of option o in period p in a solution (USD).
  [[nodiscard]] double spend(const std::vector<double>& x, int p, int o) const;
  //! The served score sum(weight * served / demand) of a solution's served columns.
  [[nodiscard]] double served_score(const std::vector<double>& x) const;

  // Economics (formulation_economics.cc): the value objective and training jobs.
  //! Weight of one model unit of served[p][s] in the served score: its value over the value
  //! of all demand (valued services), else weight / demand in model units.
  [[nodiscard]] double served_weight(int p, int s) const;
  //! The same, whatever Settings::max_tier says.
  [[nodiscard]] double value_weight(int p, int s) const;
  //! Column of training job j at site k (binary), -1 where it may not run.
  [[nodiscard]] int job_column(int j, int k) const;

 private:
  struct Term {
    int column;
    double coefficient;
  };
  //! Terms (acquisition columns x accelerators) of the active accelerators of o in p. With
  //! `averaged`, the units acquired in p count for their delivered share of p (what serves
  //! and pays by the day); without, in full (what draws power and takes space at its end).
  [[nodiscard]] std::vector<Term> active_terms(int p, int o, Share share = Share::kFull) const;
  //! Terms (model money) of the cash of o in p; the constant part (existing units) apart.
  [[nodiscard]] std::vector<Term> spend_terms(int p, int o, double& constant) const;
  [[nodiscard]] bool rule_on(const std::string& rule) const;
  //! The delivered share of period p for units of o acquired in it, under the rules on.
  [[nodiscard]] double delivered(int p, int o) const;
  //! The share of period p for which units of o acquired in it are paid (energy, rent).
  [[nodiscard]] double paid(int p, int o) const;
  [[nodiscard]] bool exclusion_on(const Exclusion& exclusion) const;
  void add_hard_row(milp::Row row, HardRow info, double slack_sign, double slack_weight);
  //! Supply pools: units drawn by the acquisitions of a period (or of all periods) at most
  //! the buyer's attainable share of the pool.
  void add_pool_rows();
  //! Minimum orders: an option either acquires nothing in a period or at least min_order.
  void add_min_order_rows();
  //! An upper bound on the lots of option o acquirable in period p (the site's power and
  //! space, the period's budget): the big M of the minimum-order rows.
  [[nodiscard]] double max_lots(int p, int o) const;

  // The constructor's sections, in order: scales, then columns, then one family of rows each.
  void set_scales();
  void set_delivered();
  void add_acquisitions();
  void add_served();
  void add_allocations();
  void add_exclusions();
  void add_fleet_rows();
  void add_coverage_rows();
  void add_budget_rows();
  void add_power_rows();
  void add_space_rows();
  void add_supply_caps();
  void add_spend_caps();
  void add_shares();
  void add_score_floor();

  const Problem& problem_;
  const Settings settings_;
  const int periods_;
  const int options_;
  const int services_;
  const bool elastic_;   // the elastic problem (Goal::kMinSlack)
  const bool min_cost_;  // Goal::kMinCost
  //! Max-served breaks ties by cost with this weight (0 in the other goals).
  double cost_weight_ = 0;
  double largest_budget_ = 1e-3;  // model money; 1,000 USD: the scale of an empty budget
  milp::Model model_;
  std::vector<std::vector<int>> acquire_;
  std::vector<std::vector<std::vector<int>>> allocate_;
  std::vector<std::vector<int>> served_;
  std::vector<double> service_scale_;
  std::vector<HardRow> hard_rows_;
  double objective_constant_ = 0;
  //! delivered(p, o), computed once: [p][o].
  std::vector<std::vector<double>> delivered_;
  double reference_fleet_ = 1;
  // Economics (formulation_economics.cc).
  void set_value_scale();
  void add_training_jobs();
  void add_tier_floors();
  void set_objective_scale();
  double value_scale_ = 0;                     //!< USD of all valued demand; 0: the share objective
  double objective_scale_ = 1;                 //!< see objective_scale()
  std::vector<std::vector<int>> job_columns_;  //!< [job][site]
};

}  // namespace fleetplan::plan::internal
