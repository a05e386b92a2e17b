// From a scenario to the planner's Problem: prices converted to USD with each period's
// exchange rate, energy and power from the sites, capacity per (accelerator, service) from
// the performance model at the service's latency targets (goodput, not peak), and the
// policy engine's exclusions, shares and caps tagged with the rules that impose them.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "catalog/catalog.h"
#include "core/result.h"
#include "perf/perf.h"
#include "plan/plan.h"
#include "scenario/scenario.h"

namespace fleetplan::plan {

//! How a scenario is turned into a Problem. Every figure here is an assumption the report
//! lists.
struct BuildOptions {
  std::set<std::string> disabled_rules;  //!< rules left out (`--without-rule`)
  std::set<std::string> enabled_rules;   //!< variants switched on (`--with-rule`)
  //! Accelerators per deployment tried when measuring a service's capacity on a chip: these,
  //! then doubling sizes up to the largest deployment the scenario allows
  //! (settings.max_deployment, else the accelerator's scale-up domain but at least the
  //! largest of these), and that size itself; sizes beyond it are skipped. The larger sizes
  //! are measured for MoE models (expert parallelism over the domain) or where these sizes
  //! miss the targets. The best goodput per accelerator that meets the targets is kept.
  std::vector<int> deployment_sizes = {8, 16, 32};
  //! Server power over the accelerators' TDP (CPUs, memory, NICs, fans): an 8-GPU H100
  //! server is rated 10.2 kW for 5.6 kW of GPUs; typical draw is lower.
  double server_power_factor = 1.5;
  int unit_size = 8;  //!< accelerators bought or leased per decision: one server
};

//! The capacity of one accelerator for one service, and where it comes from.
struct Capacity {
  std::string accelerator;
  std::string service;
  double per_accelerator = 0;  //!< tokens/day (inference) or FLOP/s (training); 0: cannot serve
  int deployment = 0;          //!< accelerators in the deployment measured (inference)
  //! The layout measured: of each replica, or of each decode instance when disaggregated.
  perf::Parallelism parallelism;
  int mtp_draft_tokens = 0;  //!< speculative decoding: tokens drafted a step (0: off)
  double mtp_acceptance = 0;
  //! Set when the deployment is prefill and decode instances apart (perf's shape: instances,
  //! their layouts and counts, the KV transfer).
  std::optional<perf::DisaggregatedShape> disaggregated;
  double ttft_ms = 0;
  double tpot_ms = 0;
  //! Share of the deployment's busy time spent on prefill at the goodput (inference).
  double prefill_time_share = 0;
  std::string note;  //!< how it was measured, or why it is 0
};

//! Performance estimates already made, by (accelerator, model, precisions, lengths, targets).
class CapacityCache {
 public:
  //! (accelerator, model, weights, KV cache, input, output, TTFT, TPOT, prefix-cache hit
  //! share, disaggregation, MTP, largest deployment).
  using Key = std::tuple<std::string, std::string, int, int, int, int, double, double, double, int,
                         int, int>;
  std::map<Key, Capacity> entries;
};

//! A Problem and what it was built from.
struct Built {
  Problem problem;
  Objective objective = Objective::kMaxServed;  //!< the scenario's objective
  std::vector<Capacity> capacities;             //!< one per (accelerator, service), in option order
  //! The policy engine's explanations of what is excluded, one line each, by period.
  std::vector<std::string> policy_notes;
};

//! Builds the Problem of a scenario. `cache` (may be null) keeps performance estimates
//! between calls, e.g. when the same scenario is planned again with other rules.
Result<Built> build_problem(const scenario::Scenario& scenario, const catalog::Catalog& catalog,
                            const perf::EfficiencyTable& efficiency,
                            const BuildOptions& options = {}, CapacityCache* cache = nullptr);

}  // namespace fleetplan::plan
