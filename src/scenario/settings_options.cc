#include "scenario/settings_options.h"

namespace fleetplan::scenario {
namespace {

using options::choice_option;
using options::integer_option;
using options::number_option;
using options::switch_option;
using options::text_option;

constexpr unsigned kEverywhere = options::kCommandLine | options::kScenario | options::kApi;
constexpr unsigned kScenarioOnly = options::kScenario;
constexpr unsigned kRunOnly = options::kCommandLine | options::kApi;

std::vector<options::Spec> specs() {
  return {
      choice_option("objective", "max-served", {"min-cost", "max-served"},
                    "max-served serves the most demand within the budgets, then at least cost; "
                    "min-cost meets demand at least cost, unmet demand priced at the shortfall "
                    "price",
                    kEverywhere),
      number_option("shortfall_usd_per_million_tokens", 0, 0, 1e9,
                    "USD charged per million tokens of demand not served (min-cost)",
                    kScenarioOnly),
      text_option("report_currency", "USD",
                  "currency shown beside USD in every report (three-letter ISO code)",
                  kScenarioOnly),
      number_option("training_mfu", 0.4, 0.01, 1,
                    "model-FLOP utilisation of training jobs that give none", kScenarioOnly),
      number_option("peak_to_average", 1, 1, 24,
                    "peak-hour over daily-average load, for demands that give none", kScenarioOnly),
      number_option("planning_utilization", 1, 0.05, 1,
                    "share of each accelerator's goodput at the latency targets the plan may "
                    "fill at the peak hour (below 1 keeps headroom for bursts)",
                    kEverywhere),
      choice_option("rule_coverage", "days", {"days", "majority", "any"},
                    "a rule in force for part of a period: decided day by day, deliveries "
                    "counted from the first allowed day (days), or applied to the whole period "
                    "when in force on more than half its days (majority) or on any day (any)",
                    kScenarioOnly),
      number_option("gap", 1e-3, 0, 1, "relative gap at which CBC stops each MILP", kEverywhere),
      integer_option("node_limit", 2000, 0, 1'000'000'000,
                     "branch-and-bound nodes per MILP, 0 for none (nodes, unlike seconds, give "
                     "the same plan on every machine)",
                     kEverywhere),
      choice_option("disaggregation", "auto", {"auto", "off", "on"},
                    "capacities from prefill and decode instances apart, the KV cache moved "
                    "between them: searched beside colocated replicas (auto), never (off), or "
                    "only they (on); as estimate --disaggregation",
                    kScenarioOnly),
      choice_option("mtp", "auto", {"auto", "off", "on"},
                    "speculative decoding with the model's multi-token prediction modules: "
                    "searched where the model has them (auto), off, or on; as estimate --mtp",
                    kScenarioOnly),
      integer_option("max_deployment", 0, 0, 1 << 20,
                     "largest deployment measured, in accelerators (a replica, or a prefill + "
                     "decode unit; 0: the accelerator's scale-up domain, at least 32); as "
                     "estimate --max-deployment",
                     kScenarioOnly),
      switch_option("rule_costs", true, "price each rule by re-solving without it", kRunOnly),
      switch_option("verify", false, "simulate each deployment type at its peak-hour load",
                    kRunOnly),
  };
}

}  // namespace

const options::Registry& settings_options() {
  static const options::Registry kRegistry(specs());
  return kRegistry;
}

double setting_default(std::string_view name) { return settings_options().at(name).default_number; }

std::string setting_default_text(std::string_view name) {
  return settings_options().at(name).default_text;
}

}  // namespace fleetplan::scenario
