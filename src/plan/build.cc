#include "plan/build.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "plan/build_economics.h"
#include "plan/delivery.h"
#include "policy/policy.h"

namespace fleetplan::plan {
namespace {

using scenario::RuleKind;

constexpr double kSecondsPerDay = 86400;
constexpr double kDaysPerYear = 365.25;
constexpr double kDaysPerMonth = kDaysPerYear / 12;

// The periods a lease started in the first period runs: whole periods until they cover its
// term, within a day (12 months of 365.25 / 12 days against the 365 days of a year, or of two
// half-years of 181 and 184 days, or of four quarters). Beyond the last period the periods
// are taken to be as long as the last one.
int lease_term_periods(const std::vector<scenario::Period>& periods, double term_days) {
  const double needed = term_days - 1.0;
  double covered = 0;
  int count = 0;
  for (const auto& period : periods) {
    if (covered >= needed) {
      return std::max(1, count);
    }
    covered += static_cast<double>(period.days());
    ++count;
  }
  if (covered < needed && !periods.empty()) {
    const double last = std::max(1.0, static_cast<double>(periods.back().days()));
    const double more = std::ceil((needed - covered) / last);
    return static_cast<int>(std::min(1e6, count + more));
  }
  return std::max(1, count);
}

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

Mode plan_mode(scenario::Mode mode) {
  return mode == scenario::Mode::kBuy ? Mode::kBuy : Mode::kLease;
}

perf::SearchMode search_mode(scenario::ShapeSearch choice) {
  switch (choice) {
    case scenario::ShapeSearch::kOff:
      return perf::SearchMode::kOff;
    case scenario::ShapeSearch::kOn:
      return perf::SearchMode::kOn;
    case scenario::ShapeSearch::kAuto:
      break;
  }
  return perf::SearchMode::kAuto;
}

int base_size(const BuildOptions& options) {
  int base = 0;
  for (const int size : options.deployment_sizes) {
    base = std::max(base, size);
  }
  return base;
}

// The deployment sizes measured on an accelerator: the options' sizes, then doubling up to
// the largest deployment allowed (settings.max_deployment, else the scale-up domain but at
// least the largest of the options' sizes: 384 on a CloudMatrix384-class system, 72 on NVL72,
// 32 on 8-GPU servers), and that size itself.
std::vector<int> deployment_sizes(const scenario::Settings& settings,
                                  const catalog::Accelerator& accelerator,
                                  const BuildOptions& options) {
  const int base = base_size(options);
  const int limit = settings.max_deployment > 0 ? settings.max_deployment
                                                : std::max(base, accelerator.scaleup_domain);
  std::vector<int> sizes;
  for (const int size : options.deployment_sizes) {
    if (size <= limit) {
      sizes.push_back(size);
    }
  }
  for (long long size = 2LL * std::max(1, base); size < limit; size *= 2) {
    sizes.push_back(static_cast<int>(size));
  }
  if (std::find(sizes.begin(), sizes.end(), limit) == sizes.end()) {
    sizes.push_back(limit);
  }
  std::sort(sizes.begin(), sizes.end());
  return sizes;
}

// The best deployment of `size` accelerators at the service's targets, with the shapes the
// scenario lets the search use (the same search as `estimate --count size --max-deployment
// size`).
Result<perf::Estimate> estimate_size(const scenario::Scenario& scenario,
                                     const scenario::ServiceSpec& service,
                                     const catalog::Model& model,
                                     const catalog::Accelerator& accelerator, int size,
                                     const perf::EfficiencyTable& efficiency) {
  perf::EstimateRequest request;
  request.model = &model;
  request.accelerator = &accelerator;
  request.count = size;
  request.max_deployment = size;
  request.weights = service.weights;
  request.kv_cache = service.kv_cache;
  request.input_len = service.input_len;
  request.output_len = service.output_len;
  request.prefix_cache_hit_share = service.prefix_cache_hit_share;
  request.ttft_target_ms = service.ttft_ms;
  request.tpot_target_ms = service.tpot_ms;
  // The simulator behind `plan --verify` runs each of these shapes as planned.
  request.disaggregation = search_mode(scenario.settings.disaggregation);
  request.mtp = search_mode(scenario.settings.mtp);
  return perf::estimate(request, efficiency);
}

// The report's sentence on how inference capacity is measured.
std::string shapes_assumption(const scenario::Settings& settings, const BuildOptions& options) {
  std::string sizes;
  for (const int size : options.deployment_sizes) {
    sizes += (sizes.empty() ? "" : ", ") + std::to_string(size);
  }
  const auto mode = [](scenario::ShapeSearch s) {
    return s == scenario::ShapeSearch::kOff  ? "off"
           : s == scenario::ShapeSearch::kOn ? "on"
                                             : "auto";
  };
  const std::string limit =
      settings.max_deployment > 0
          ? fmt::format("{} (settings.max_deployment)", settings.max_deployment)
          : std::string("the accelerator's scale-up domain");
  return fmt::format(
      "planner: inference capacity is the perf model's goodput at the service's TTFT/TPOT "
      "targets, best of deployments of {} accelerators and, for MoE models (or where these "
      "miss the targets), doubling sizes up to {}, each searched as estimate --count N "
      "--max-deployment N --disaggregation {} --mtp {}; training capacity is BF16 peak x MFU",
      sizes, limit, mode(settings.disaggregation), mode(settings.mtp));
}

// Keeps the estimate of a deployment of `size` accelerators when it brings more goodput per
// accelerator than the capacity holds.
void keep_if_better(const perf::Estimate& estimate, int size, Capacity& capacity) {
  const double per_accelerator = estimate.throughput_total_tokens_per_s / size * kSecondsPerDay;
  if (per_accelerator <= capacity.per_accelerator) {
    return;
  }
  capacity.per_accelerator = per_accelerator;
  capacity.deployment = size;
  capacity.parallelism = estimate.parallelism;
  capacity.mtp_draft_tokens = estimate.mtp_draft_tokens;
  capacity.mtp_acceptance = estimate.mtp_acceptance;
  capacity.disaggregated = estimate.disaggregated;
  capacity.ttft_ms = estimate.ttft_ms;
  capacity.tpot_ms = estimate.tpot_ms;
  capacity.prefill_time_share = estimate.prefill_time_share;
  if (estimate.disaggregated) {
    // Instances apart: the share of the busy device time spent in the prefill pool.
    const perf::DisaggregatedShape& d = *estimate.disaggregated;
    const double prefill = d.prefill_devices * d.prefill_utilization;
    const double decode = d.decode_devices * d.decode_utilization;
    capacity.prefill_time_share = prefill + decode > 0 ? prefill / (prefill + decode) : 0.0;
  }
}

// The capacity's note: the deployment measured and its latencies.
std::string capacity_note(const Capacity& capacity, const catalog::Accelerator& accelerator) {
  const auto layout_text = [](const perf::Parallelism& p) {
    return fmt::format("TP{} PP{} EP{}{}", p.tp, p.pp, p.ep, p.attention_dp ? " DP-attn" : "");
  };
  const std::string mtp = capacity.mtp_draft_tokens > 0
                              ? fmt::format(", MTP {} at acceptance {:.2f}",
                                            capacity.mtp_draft_tokens, capacity.mtp_acceptance)
                              : "";
  std::string shape;
  if (capacity.disaggregated) {
    const perf::DisaggregatedShape& d = *capacity.disaggregated;
    shape = fmt::format("{} prefill x {} ({}) + {} decode x {} ({}){}", d.prefill_instances,
                        d.prefill.devices_per_replica(), layout_text(d.prefill), d.decode_instances,
                        d.decode.devices_per_replica(), layout_text(d.decode), mtp);
  } else {
    shape = fmt::format("{} x {} replicas{}", layout_text(capacity.parallelism),
                        capacity.parallelism.replicas, mtp);
  }
  return fmt::format("goodput of {} x {} ({}): TTFT {:.0f} ms, TPOT {:.1f} ms", capacity.deployment,
                     accelerator.name, shape, capacity.ttft_ms, capacity.tpot_ms);
}

// The capacity of one accelerator for one service: goodput at the latency targets from the
// best deployment of the sizes tried (inference), or achievable FLOP/s (training).
Capacity measure(const scenario::Scenario& scenario, const scenario::ServiceSpec& service,
                 const catalog::Accelerator& accelerator, const catalog::Catalog& catalog,
                 const perf::EfficiencyTable& efficiency, const BuildOptions& options,
                 CapacityCache* cache) {
  Capacity capacity;
  capacity.accelerator = accelerator.name;
  capacity.service = service.name;
  if (!accelerator.has_performance_figures()) {
    capacity.note = "the catalog has no performance figures for this accelerator";
    return capacity;
  }
  if (service.kind == scenario::Use::kTraining) {
    const double mfu =
        service.training_mfu > 0 ? service.training_mfu : scenario.settings.training_mfu;
    capacity.per_accelerator = accelerator.peak_flops(catalog::Precision::kBf16) * mfu;
    capacity.note = fmt::format("BF16 peak {:.0f} TFLOP/s x MFU {:.2f}",
                                accelerator.peak_flops(catalog::Precision::kBf16) / 1e12, mfu);
    return capacity;
  }
  const scenario::Settings& settings = scenario.settings;
  const CapacityCache::Key key{accelerator.name,
                               service.model,
                               static_cast<int>(service.weights),
                               static_cast<int>(service.kv_cache),
                               service.input_len,
                               service.output_len,
                               service.ttft_ms,
                               service.tpot_ms,
                               service.prefix_cache_hit_share,
                               static_cast<int>(settings.disaggregation),
                               static_cast<int>(settings.mtp),
                               settings.max_deployment};
  if (cache != nullptr) {
    auto hit = cache->entries.find(key);
    if (hit != cache->entries.end()) {
      Capacity cached = hit->second;
      cached.service = service.name;
      return cached;
    }
  }
  auto model = catalog.model(service.model);
  if (!model.ok()) {
    capacity.note = model.error().message;
    return capacity;
  }
  std::string failure;
  for (const int size : deployment_sizes(settings, accelerator, options)) {
    // Beyond the base sizes a deployment gains expert parallelism over a larger domain; a
    // dense model that met its targets there gains only more copies of the same unit (estimate
    // packs whole units), so its larger sizes are not measured (they cost most of the search:
    // a 384-device disaggregated search over 1-device instances).
    if (size > base_size(options) && !(*model)->is_moe() && capacity.per_accelerator > 0) {
      break;
    }
    auto estimate = estimate_size(scenario, service, **model, accelerator, size, efficiency);
    if (!estimate.ok()) {
      failure = estimate.error().message;
      continue;
    }
    if (!estimate->meets_targets) {
      failure = fmt::format(
          "best deployment on {} misses the targets (TTFT {:.0f} ms, TPOT "
          "{:.1f} ms against {:.0f} / {:.0f} ms)",
          size, estimate->ttft_ms, estimate->tpot_ms, service.ttft_ms, service.tpot_ms);
      continue;
    }
    keep_if_better(*estimate, size, capacity);
  }
  if (capacity.per_accelerator > 0) {
    capacity.note = capacity_note(capacity, accelerator);
  } else {
    capacity.note = failure.empty() ? "no deployment size tried" : failure;
  }
  if (cache != nullptr) {
    cache->entries.emplace(key, capacity);
  }
  return capacity;
}

// The accelerator's TDP; when the catalog has none, an estimate from the BF16 throughput at
// the median watts per TFLOPS of the vendor's chips that have both (or of all chips), with
// a sentence for the assumptions.
double tdp_w(const catalog::Accelerator& accelerator, const catalog::Catalog& catalog,
             std::string& assumption) {
  if (accelerator.tdp_w > 0) {
    return accelerator.tdp_w;
  }
  const auto median_ratio = [&](bool same_vendor) {
    std::vector<double> ratios;
    for (const auto& other : catalog.accelerators()) {
      if (other.tdp_w > 0 && other.dense_flops[0] > 0 &&
          (!same_vendor || other.vendor == accelerator.vendor)) {
        ratios.push_back(other.tdp_w / (other.dense_flops[0] / 1e12));
      }
    }
    std::sort(ratios.begin(), ratios.end());
    return ratios.empty() ? 0.0 : ratios[ratios.size() / 2];
  };
  double ratio = median_ratio(true);
  const bool vendor = ratio > 0;
  if (!vendor) {
    ratio = median_ratio(false);
  }
  const double watts = ratio * accelerator.dense_flops[0] / 1e12;
  assumption = fmt::format(
      "{}: the catalog has no TDP; {:.0f} W estimated from its {:.0f} BF16 TFLOPS at {:.2f} W "
      "per TFLOPS, the median of {}",
      accelerator.name, watts, accelerator.dense_flops[0] / 1e12, ratio,
      vendor ? fmt::format("{}'s other chips", accelerator.vendor) : std::string("the catalog"));
  return watts;
}

// "policy exclusion: rules a, b": the rules that deny a (procurement, site) option in a
// period (every one of them, also where two overlap and neither alone lifts it).
std::string denying_rules(const policy::PeriodPolicy& period, const std::string& procurement,
                          const std::string& site) {
  std::vector<std::string> names;
  for (const auto& excluded : period.excluded) {
    if (excluded.option.procurement != procurement || excluded.option.site != site) {
      continue;
    }
    for (const auto& reason : excluded.reasons) {
      if (!reason.allows && !contains(names, reason.rule)) {
        names.push_back(reason.rule);
      }
    }
  }
  if (names.empty()) {
    return "policy exclusion";
  }
  return fmt::format("policy exclusion: {} {}", names.size() == 1 ? "rule" : "rules",
                     fmt::join(names, ", "));
}

struct OptionSource {
  std::string procurement;  // empty for an installed-base option
  const scenario::Procurement* procurement_entry = nullptr;
  const scenario::Site* site = nullptr;
};

// The rules switched on for this build: enabled in the file or by the caller, not disabled.
std::vector<const scenario::Rule*> active_rules(const scenario::Scenario& scenario,
                                                const BuildOptions& options) {
  std::vector<const scenario::Rule*> rules;
  for (const auto& rule : scenario.rules) {
    const bool on = (rule.enabled || options.enabled_rules.count(rule.name) != 0) &&
                    options.disabled_rules.count(rule.name) == 0;
    if (on) {
      rules.push_back(&rule);
    }
  }
  return rules;
}

// The state build_problem's sections share: the inputs, the policy engine, and the problem
// as far as it is built. Each add_* method adds one section (one constraint family).
struct ProblemBuilder {
  ProblemBuilder(const scenario::Scenario& scenario_in, const catalog::Catalog& catalog_in,
                 const perf::EfficiencyTable& efficiency_in, const BuildOptions& options_in,
                 CapacityCache* cache_in, const policy::RuleEngine& engine_in)
      : scenario(scenario_in),
        catalog(catalog_in),
        efficiency(efficiency_in),
        options(options_in),
        cache(cache_in),
        engine(&engine_in),
        rules(active_rules(scenario_in, options_in)),
        periods(static_cast<int>(scenario_in.periods.size())) {}

  void add_periods_and_sites();
  void add_services();
  double power_of(const catalog::Accelerator& accelerator, const scenario::Site& site);
  void fill_capacity(Option& option, const catalog::Accelerator& accelerator);
  Status add_procurement_options();
  Status add_installed_base();
  [[nodiscard]] int procurement_option(const policy::Option& option) const;
  Status add_exclusions();
  Status add_use_restrictions();
  Status add_delivery_limits();
  [[nodiscard]] Result<double> rule_fraction(const policy::RuleEngine& rule_engine,
                                             const scenario::Period& period,
                                             const policy::Query& query) const;
  void add_placement_exclusions();
  void add_supply_pools();
  Status add_shares_and_caps();
  void add_share(const policy::ShareConstraint& share, int p);
  void add_supply_limits();
  Status add_budget_lines();
  void add_assumptions();

  const scenario::Scenario& scenario;
  const catalog::Catalog& catalog;
  const perf::EfficiencyTable& efficiency;
  const BuildOptions& options;
  CapacityCache* cache;
  const policy::RuleEngine* engine;
  const std::vector<const scenario::Rule*> rules;
  const int periods;

  Built built;
  Problem& problem = built.problem;
  std::map<std::string, int, std::less<>> site_index;
  std::vector<OptionSource> sources;  // one per option, in problem.options order
  std::vector<std::string> power_assumptions;
  int option_count = 0;
  // Export-control and lease-verification rules: the ones that exclude options.
  std::vector<std::string> exclusion_rules;
  // One engine without each exclusion rule, in exclusion_rules order.
  std::vector<policy::RuleEngine> without_engines;
  //! An engine without two exclusion rules (indices into exclusion_rules), made when first
  //! asked, for the costs of rules left out together.
  Result<const policy::RuleEngine*> pair_engine(std::size_t a, std::size_t b);
  std::map<std::pair<std::size_t, std::size_t>, std::unique_ptr<policy::RuleEngine>> pair_engines;
};

void ProblemBuilder::add_periods_and_sites() {
  built.objective = scenario.settings.objective == scenario::Objective::kMinCost
                        ? Objective::kMinCost
                        : Objective::kMaxServed;
  problem.name = scenario.name;
  for (const auto& period : scenario.periods) {
    problem.periods.push_back({period.name, period.hours(), period.budget_usd});
  }
  for (const auto& site : scenario.sites) {
    site_index[site.name] = static_cast<int>(problem.sites.size());
    Site plan_site{site.name, std::nullopt, std::nullopt, site.region};
    if (site.power_w > 0) {
      plan_site.power_limit_w = site.power_w;
    }
    if (site.max_accelerators) {
      plan_site.max_accelerators = static_cast<double>(*site.max_accelerators);
    }
    problem.sites.push_back(std::move(plan_site));
  }
}

// Services and their demand per period.
void ProblemBuilder::add_services() {
  for (const auto& service : scenario.services) {
    ServiceRow plan_service;
    plan_service.name = service.name;
    plan_service.kind =
        service.kind == scenario::Use::kTraining ? ServiceKind::kTraining : ServiceKind::kInference;
    if (plan_service.kind == ServiceKind::kInference) {
      plan_service.input_tokens = service.input_len;
      plan_service.output_tokens = service.output_len;
    }
    for (const auto& period : scenario.periods) {
      const scenario::Demand* demand = period.demand_for(service.name);
      double value = 0;
      double peak = 1;
      if (demand != nullptr) {
        if (plan_service.kind == ServiceKind::kTraining) {
          value = demand->training_flop / (period.hours() * 3600.0);  // sustained FLOP/s
        } else {
          value = demand->tokens_per_day();
          peak = std::max(1.0, demand->peak_to_average);
        }
      }
      plan_service.demand.push_back(value);
      plan_service.peak_to_average.push_back(peak);
      const double price = scenario.settings.shortfall_usd_per_million_tokens;
      if (plan_service.kind == ServiceKind::kInference && price > 0) {
        // USD per token/day left unserved for the whole period.
        plan_service.shortfall_penalty_usd.push_back(price / 1e6 *
                                                     static_cast<double>(period.days()));
      }
    }
    problem.services.push_back(std::move(plan_service));
  }
}

double ProblemBuilder::power_of(const catalog::Accelerator& accelerator,
                                const scenario::Site& site) {
  std::string assumption;
  const double watts = tdp_w(accelerator, catalog, assumption);
  if (!assumption.empty() && std::find(power_assumptions.begin(), power_assumptions.end(),
                                       assumption) == power_assumptions.end()) {
    power_assumptions.push_back(assumption);
  }
  return watts * options.server_power_factor * site.pue;
}

void ProblemBuilder::fill_capacity(Option& option, const catalog::Accelerator& accelerator) {
  for (const auto& service : scenario.services) {
    Capacity capacity =
        measure(scenario, service, accelerator, catalog, efficiency, options, cache);
    // Inference capacity is planned at a share of goodput, keeping headroom for bursts.
    const double usable =
        service.kind == scenario::Use::kTraining ? 1.0 : scenario.settings.planning_utilization;
    option.capacity.push_back(capacity.per_accelerator * usable);
    option.deployment.push_back(capacity.deployment);
    option.prefill_time_share.push_back(capacity.prefill_time_share);
    const bool known =
        std::any_of(built.capacities.begin(), built.capacities.end(), [&](const Capacity& c) {
          return c.accelerator == capacity.accelerator && c.service == capacity.service;
        });
    if (!known) {
      built.capacities.push_back(std::move(capacity));
    }
  }
}

// Options: every procurement option at every site it may be placed at.
Status ProblemBuilder::add_procurement_options() {
  auto accelerator_of = [&](const std::string& name) { return catalog.accelerator(name); };
  for (const policy::Option& candidate : engine->options()) {
    const scenario::Procurement* procurement = nullptr;
    for (const auto& p : scenario.procurement) {
      if (p.name == candidate.procurement) {
        procurement = &p;
      }
    }
    const scenario::Site* site = scenario.site(candidate.site);
    if (procurement == nullptr || site == nullptr) {
      return internal_error(fmt::format("plan: policy option {} at {} has no procurement or site",
                                        candidate.procurement, candidate.site));
    }
    auto accelerator = accelerator_of(candidate.accelerator);
    if (!accelerator.ok()) {
      return accelerator.error();
    }
    Option option;
    option.accelerator = (*accelerator)->name;
    option.site = site_index.at(site->name);
    option.mode = plan_mode(candidate.mode);
    option.domestic = candidate.domestic;
    option.unit_size = procurement->lot_size.value_or(options.unit_size);
    option.min_order = static_cast<double>(procurement->min_order);
    option.power_w = power_of(**accelerator, *site);
    // Deliveries start no earlier than the option's first day and its lead time after the
    // start of the plan; units serve from then on (delivery by day).
    scenario::Date first_delivery =
        scenario::add_days(scenario.periods.front().start, procurement->lead_time_days);
    if (procurement->available_from && first_delivery < *procurement->available_from) {
      first_delivery = *procurement->available_from;
    }
    for (int p = 0; p < periods; ++p) {
      const auto& period = scenario.periods[p];
      option.delivered_fraction.push_back(
          delivered_fraction(period.start, period.end, first_delivery));
      option.can_acquire.push_back(procurement->available_fraction(period) > 0 &&
                                   option.delivered_fraction.back() > 0);
    }
    // Cash by item per period, residual value and cost per accelerator-year (build_economics).
    FLEETPLAN_RETURN_IF_ERROR(fill_option_costs(scenario, procurement, *site, false, option));
    if (option.mode == Mode::kLease && procurement->min_term_months > 0) {
      option.lease_term_periods =
          lease_term_periods(scenario.periods, procurement->min_term_months * kDaysPerMonth);
    }
    fill_capacity(option, **accelerator);
    option.note = fmt::format("procurement {}", procurement->name);
    problem.options.push_back(std::move(option));
    sources.push_back({candidate.procurement, procurement, site});
  }
  return Status::ok_status();
}

// Options of the installed base.
Status ProblemBuilder::add_installed_base() {
  auto accelerator_of = [&](const std::string& name) { return catalog.accelerator(name); };
  for (const auto& installed : scenario.installed) {
    const scenario::Site* site = scenario.site(installed.site);
    if (site == nullptr) {
      return input_error(fmt::format("{}: installed {} at unknown site '{}'", scenario.file,
                                     installed.accelerator, installed.site));
    }
    auto accelerator = accelerator_of(installed.accelerator);
    if (!accelerator.ok()) {
      return accelerator.error();
    }
    Option option;
    option.accelerator = (*accelerator)->name;
    option.site = site_index.at(site->name);
    option.mode = Mode::kBuy;
    option.domestic = installed.domestic;
    option.unit_size = options.unit_size;
    option.power_w = power_of(**accelerator, *site);
    option.existing = static_cast<double>(installed.count);
    option.installed_base = true;
    option.can_acquire.assign(periods, false);
    // Energy, rent and operations (the chips are paid); a buy procurement of the same chip
    // stands for its replacement cost in operations and unit costs.
    const scenario::Procurement* replacement = nullptr;
    for (const auto& p : scenario.procurement) {
      if (p.accelerator == option.accelerator && p.mode == scenario::Mode::kBuy) {
        replacement = &p;
        break;
      }
    }
    FLEETPLAN_RETURN_IF_ERROR(fill_option_costs(scenario, replacement, *site, true, option));
    fill_capacity(option, **accelerator);
    option.note = fmt::format("installed ({})", installed.acquired);
    problem.options.push_back(std::move(option));
    sources.push_back({"", nullptr, site});
  }
  option_count = static_cast<int>(problem.options.size());
  return Status::ok_status();
}

int ProblemBuilder::procurement_option(const policy::Option& option) const {
  for (int o = 0; o < option_count; ++o) {
    if (sources[o].procurement == option.procurement && sources[o].site->name == option.site) {
      return o;
    }
  }
  return -1;
}

Result<const policy::RuleEngine*> ProblemBuilder::pair_engine(std::size_t a, std::size_t b) {
  auto it = pair_engines.find({a, b});
  if (it == pair_engines.end()) {
    auto disabled = options.disabled_rules;
    disabled.insert(exclusion_rules[a]);
    disabled.insert(exclusion_rules[b]);
    auto other = policy::RuleEngine::create(scenario, catalog, disabled, options.enabled_rules);
    if (!other.ok()) {
      return other.error();
    }
    it = pair_engines
             .emplace(std::make_pair(a, b),
                      std::make_unique<policy::RuleEngine>(std::move(other).value()))
             .first;
  }
  return it->second.get();
}

// The rules, then the exclusions from export controls and lease verification: which rules
// impose each one is found by asking the policy engine again with each rule left out.
Status ProblemBuilder::add_exclusions() {
  for (const scenario::Rule* rule : rules) {
    problem.rules.push_back({rule->name, rule->description, rule->source});
  }
  for (const scenario::Rule* rule : rules) {
    if (rule->kind == RuleKind::kExportControl || rule->kind == RuleKind::kLeaseVerification) {
      exclusion_rules.push_back(rule->name);
    }
  }
  const auto baseline = engine->all_periods();
  std::vector<std::vector<policy::PeriodPolicy>> without;
  for (const auto& name : exclusion_rules) {
    auto disabled = options.disabled_rules;
    disabled.insert(name);
    auto other = policy::RuleEngine::create(scenario, catalog, disabled, options.enabled_rules);
    if (!other.ok()) {
      return other.error();
    }
    without.push_back(other->all_periods());
    without_engines.push_back(std::move(other).value());
  }
  // The policy of every period with two exclusion rules left out, made when first asked.
  std::map<std::pair<std::size_t, std::size_t>, std::vector<policy::PeriodPolicy>> pairs;
  const auto pair_policies =
      [&](std::size_t a, std::size_t b) -> Result<const std::vector<policy::PeriodPolicy>*> {
    auto it = pairs.find({a, b});
    if (it == pairs.end()) {
      auto other = pair_engine(a, b);
      if (!other.ok()) {
        return other.error();
      }
      it = pairs.emplace(std::make_pair(a, b), (*other)->all_periods()).first;
    }
    return &it->second;
  };
  for (int p = 0; p < periods; ++p) {
    for (const auto& excluded : baseline[p].excluded) {
      built.policy_notes.push_back([&] {
        std::string text;
        for (const auto& reason : excluded.reasons) {
          if (!reason.allows) {
            text += (text.empty() ? "" : "; ") + reason.message;
          }
        }
        return text;
      }());
    }
    for (int o = 0; o < option_count; ++o) {
      if (sources[o].procurement.empty()) {
        continue;
      }
      const std::string& site = sources[o].site->name;
      const bool excluded = baseline[p].is_excluded(sources[o].procurement, site);
      std::vector<std::string> lifting;
      for (std::size_t r = 0; r < exclusion_rules.size(); ++r) {
        const bool excluded_without = without[r][p].is_excluded(sources[o].procurement, site);
        if (excluded && !excluded_without) {
          lifting.push_back(exclusion_rules[r]);
        }
        if (!excluded && excluded_without) {
          problem.exclusions.push_back(
              {{},
               exclusion_rules[r],
               o,
               {p},
               ExclusionScope::kAcquire,
               -1,
               fmt::format("excluded without the permit {}", exclusion_rules[r])});
        }
      }
      if (excluded) {
        Exclusion exclusion{lifting,
                            "",
                            o,
                            {p},
                            ExclusionScope::kAcquire,
                            -1,
                            denying_rules(baseline[p], sources[o].procurement, site)};
        if (lifting.empty()) {
          // No single rule lifts it: the pairs of rules that do (two rules that ban the
          // same thing), for the costs of rules left out together.
          for (std::size_t a = 0; a < exclusion_rules.size(); ++a) {
            for (std::size_t b = a + 1; b < exclusion_rules.size(); ++b) {
              auto both = pair_policies(a, b);
              if (!both.ok()) {
                return both.error();
              }
              if (!(**both)[p].is_excluded(sources[o].procurement, site)) {
                exclusion.lifted_by.push_back({exclusion_rules[a], exclusion_rules[b]});
              }
            }
          }
        }
        problem.exclusions.push_back(std::move(exclusion));
      }
    }
  }
  return Status::ok_status();
}

// Use restrictions, for every option (installed ones too) and service.
Status ProblemBuilder::add_use_restrictions() {
  for (int p = 0; p < periods; ++p) {
    for (int o = 0; o < option_count; ++o) {
      for (int s = 0; s < static_cast<int>(scenario.services.size()); ++s) {
        if (problem.options[o].capacity[s] <= 0) {
          continue;
        }
        policy::Query query;
        query.period = scenario.periods[p].name;
        query.site = sources[o].site->name;
        query.accelerator = problem.options[o].accelerator;
        query.mode =
            problem.options[o].mode == Mode::kBuy ? scenario::Mode::kBuy : scenario::Mode::kLease;
        query.use = scenario.services[s].kind;
        auto decision = engine->evaluate(query);
        if (!decision.ok()) {
          return decision.error();
        }
        std::vector<std::string> denying;
        std::string message;
        for (const auto& reason : decision->reasons) {
          if (reason.kind == RuleKind::kUseRestriction && !reason.allows) {
            denying.push_back(reason.rule);
            message = reason.message;
          }
        }
        if (!denying.empty()) {
          std::vector<std::vector<std::string>> lifted_by;
          if (denying.size() > 1) {
            // Two rules forbid it: leaving one out does not lift it, leaving all out does.
            lifted_by.push_back(denying);
            denying.clear();
          }
          problem.exclusions.push_back({denying,
                                        "",
                                        o,
                                        {p},
                                        ExclusionScope::kUse,
                                        s,
                                        std::move(message),
                                        std::move(lifted_by)});
        }
      }
    }
  }
  return Status::ok_status();
}

// Shares and caps: their terms from an engine without exclusions, so that an option that
// only a rule keeps out still counts when that rule is left out.
// The share of a period in which units of an option acquired in it can serve, under an
// engine's rules: from the first day on or after the option's first delivery that the rules
// allow (a purchase ban leaves delivered units running), or, when an operating rule
// (verification) denies days, only the days it allows.
Result<double> ProblemBuilder::rule_fraction(const policy::RuleEngine& rule_engine,
                                             const scenario::Period& period,
                                             const policy::Query& query) const {
  auto decision = rule_engine.evaluate(query);
  if (!decision.ok()) {
    return decision.error();
  }
  if (!decision->first_allowed) {
    return 0.0;
  }
  const bool operating = std::any_of(
      decision->reasons.begin(), decision->reasons.end(),
      [](const auto& r) { return !r.allows && r.kind == RuleKind::kLeaseVerification; });
  const scenario::Date first =
      query.from && period.start < *query.from ? *query.from : period.start;
  const auto span =
      static_cast<double>(period.end.days_since_epoch() - first.days_since_epoch() + 1);
  if (operating) {
    return decision->allowed_fraction * span / static_cast<double>(period.days());
  }
  return delivered_fraction(period.start, period.end, *decision->first_allowed);
}

// Delivery limits: for each option and period, the share the rules leave (and what it
// would be without each exclusion rule), where the rules cut the option's own share.
Status ProblemBuilder::add_delivery_limits() {
  for (int o = 0; o < option_count; ++o) {
    if (sources[o].procurement_entry == nullptr) {
      continue;  // the installed base is in service already
    }
    const Option& option = problem.options[o];
    for (int p = 0; p < periods; ++p) {
      const scenario::Period& period = scenario.periods[p];
      const double own = series_value(option.delivered_fraction, p);
      if (own <= 0) {
        continue;
      }
      policy::Query query;
      query.period = period.name;
      query.site = sources[o].site->name;
      query.accelerator = option.accelerator;
      query.mode = option.mode == Mode::kBuy ? scenario::Mode::kBuy : scenario::Mode::kLease;
      const auto days = static_cast<double>(period.days());
      query.from = scenario::add_days(period.start, std::llround((1.0 - own) * days));
      auto fraction = rule_fraction(*engine, period, query);
      if (!fraction.ok()) {
        return fraction.error();
      }
      DeliveryLimit limit;
      limit.option = o;
      limit.period = p;
      limit.fraction = std::min(own, *fraction);
      for (std::size_t r = 0; r < exclusion_rules.size(); ++r) {
        auto other = rule_fraction(without_engines[r], period, query);
        if (!other.ok()) {
          return other.error();
        }
        if (std::min(own, *other) != limit.fraction) {
          limit.without.emplace_back(exclusion_rules[r], std::min(own, *other));
        }
      }
      // Two rules that cut the same days: without both, more than without either.
      for (std::size_t a = 0; a < exclusion_rules.size() && limit.fraction < own; ++a) {
        for (std::size_t b = a + 1; b < exclusion_rules.size(); ++b) {
          double apart = limit.fraction;
          for (const auto& [rule, without] : limit.without) {
            if (rule == exclusion_rules[a] || rule == exclusion_rules[b]) {
              apart = std::max(apart, without);
            }
          }
          if (apart >= own) {
            continue;
          }
          auto both_engine = pair_engine(a, b);
          if (!both_engine.ok()) {
            return both_engine.error();
          }
          auto both = rule_fraction(**both_engine, period, query);
          if (!both.ok()) {
            return both.error();
          }
          if (std::min(own, *both) > apart) {
            limit.without_pairs.push_back(
                {exclusion_rules[a], exclusion_rules[b], std::min(own, *both)});
          }
        }
      }
      if (limit.fraction < own || !limit.without.empty()) {
        problem.delivery_limits.push_back(std::move(limit));
      }
    }
  }
  return {};
}

// Placement: a service may run only at sites in its allowed countries and latency classes;
// elsewhere its allocations are excluded (a fact of the service, not a rule: no rule lifts
// it).
void ProblemBuilder::add_placement_exclusions() {
  for (int o = 0; o < option_count; ++o) {
    const scenario::Site& site = *sources[o].site;
    for (int s = 0; s < static_cast<int>(scenario.services.size()); ++s) {
      const scenario::ServiceSpec& service = scenario.services[s];
      if (problem.options[o].capacity[s] <= 0) {
        continue;
      }
      std::string reason;
      if (!service.allowed_countries.empty() &&
          !contains(service.allowed_countries, site.country)) {
        reason =
            fmt::format("{} may be served only from sites in {}; site {} is in {}", service.name,
                        fmt::join(service.allowed_countries, ", "), site.name, site.country);
      } else if (!service.latency_classes.empty() &&
                 !contains(service.latency_classes, site.latency_class)) {
        reason = fmt::format(
            "{} may be served only from sites of latency class {}; site {} is "
            "'{}'",
            service.name, fmt::join(service.latency_classes, ", "), site.name, site.latency_class);
      }
      if (!reason.empty()) {
        problem.exclusions.push_back({{}, "", o, {}, ExclusionScope::kUse, s, std::move(reason)});
      }
    }
  }
}

// Supply pools: each pool's attainable share of its capacity in each period (prorated by
// days), drawn by the purchases of the accelerators that use it. Leases draw on the
// lessor's fleet, not on the vendor's output, so only purchases count.
void ProblemBuilder::add_supply_pools() {
  for (const auto& pool : scenario.supply_pools) {
    PoolLimit limit;
    limit.name = pool.name;
    limit.unit = pool.unit;
    limit.cumulative = pool.cumulative;
    std::vector<DatedAmount> amounts;
    for (const auto& c : pool.capacity) {
      amounts.push_back({c.start, c.end, c.units});
    }
    for (const auto& period : scenario.periods) {
      limit.max_units.push_back(pool.attainable_share *
                                prorated_units(amounts, period.start, period.end));
    }
    for (int o = 0; o < option_count; ++o) {
      const Option& option = problem.options[o];
      if (sources[o].procurement_entry == nullptr || option.mode != Mode::kBuy) {
        continue;
      }
      for (const auto& draw : pool.draws) {
        if (draw.accelerator == option.accelerator) {
          limit.options.push_back(o);
          limit.units_per_accelerator.push_back(draw.units_per_accelerator);
        }
      }
    }
    if (!limit.options.empty()) {
      problem.pools.push_back(std::move(limit));
    }
  }
}

Status ProblemBuilder::add_shares_and_caps() {
  auto unrestricted_disabled = options.disabled_rules;
  for (const auto& name : exclusion_rules) {
    unrestricted_disabled.insert(name);
  }
  auto unrestricted =
      policy::RuleEngine::create(scenario, catalog, unrestricted_disabled, options.enabled_rules);
  if (!unrestricted.ok()) {
    return unrestricted.error();
  }
  std::set<std::string> cumulative_done;
  for (int p = 0; p < periods; ++p) {
    const policy::PeriodPolicy policy = unrestricted->period_policy(static_cast<std::size_t>(p));
    for (const auto& share : policy.share_constraints) {
      add_share(share, p);
    }
    for (const auto& cap : policy.cap_constraints) {
      if (cap.cumulative && !cumulative_done.insert(cap.rule).second) {
        continue;
      }
      SupplyCap supply;
      supply.name = cap.rule;
      supply.rule = cap.rule;
      supply.max_units = static_cast<double>(cap.max_units);
      supply.cumulative = cap.cumulative;
      for (const auto& name : cap.periods) {
        auto index = scenario.period_index(name);
        if (index) {
          supply.periods.push_back(static_cast<int>(*index));
        }
      }
      for (const auto& term : cap.terms) {
        const int o = procurement_option(term);
        if (o >= 0) {
          supply.options.push_back(o);
        }
      }
      problem.supply_caps.push_back(std::move(supply));
    }
  }
  return Status::ok_status();
}

void ProblemBuilder::add_share(const policy::ShareConstraint& share, int p) {
  ShareRule rule;
  rule.name = share.rule;
  rule.rule = share.rule;
  rule.periods = {p};
  rule.min_share = share.min_share;
  rule.basis =
      share.basis == scenario::ShareBasis::kSpend ? ShareBasis::kSpend : ShareBasis::kCount;
  rule.of = share.share_of == scenario::ShareOf::kFleet ? ShareOf::kFleet : ShareOf::kAcquisitions;
  for (const auto& term : share.terms) {
    const int o = procurement_option(term);
    if (o < 0) {
      continue;
    }
    rule.scope.push_back(o);
    if (term.domestic) {
      rule.subset.push_back(o);
    }
  }
  if (rule.of == ShareOf::kFleet) {
    // The installed base counts in a fleet share when a bought option of the same
    // accelerator at the same site is in the rule's scope.
    for (int o = 0; o < option_count; ++o) {
      if (!problem.options[o].installed_base) {
        continue;
      }
      const bool in_scope = std::any_of(share.terms.begin(), share.terms.end(), [&](const auto& t) {
        return t.accelerator == problem.options[o].accelerator && t.site == sources[o].site->name &&
               t.mode == scenario::Mode::kBuy;
      });
      if (in_scope) {
        rule.scope.push_back(o);
        if (problem.options[o].domestic) {
          rule.subset.push_back(o);
        }
      }
    }
  }
  problem.shares.push_back(std::move(rule));
}

// Supply limits of the procurement options themselves (facts of the market, not rules).
void ProblemBuilder::add_supply_limits() {
  for (const auto& procurement : scenario.procurement) {
    for (const auto& limit : procurement.supply) {
      auto index = scenario.period_index(limit.period);
      if (!index) {
        continue;
      }
      SupplyCap supply;
      supply.name = fmt::format("{}-supply", procurement.name);
      supply.max_units = static_cast<double>(limit.max_units);
      supply.periods = {static_cast<int>(*index)};
      for (int o = 0; o < option_count; ++o) {
        if (sources[o].procurement == procurement.name) {
          supply.options.push_back(o);
        }
      }
      problem.supply_caps.push_back(std::move(supply));
    }
  }
}

// Budget lines: the part of each option's cash that the line's items count.
Status ProblemBuilder::add_budget_lines() {
  for (int p = 0; p < periods; ++p) {
    for (const auto& line : scenario.periods[p].budget_lines) {
      SpendCap cap;
      cap.name = line.name;
      cap.period = p;
      cap.max_usd = line.usd;
      cap.binding = line.binding;
      for (int o = 0; o < option_count; ++o) {
        const Option& option = problem.options[o];
        const scenario::Site& site = *sources[o].site;
        const std::string mode = mode_name(option.mode);
        if ((!line.accelerators.empty() && !contains(line.accelerators, option.accelerator)) ||
            (!line.sites.empty() && !contains(line.sites, site.name)) ||
            (!line.countries.empty() && !contains(line.countries, site.country)) ||
            contains(line.not_countries, site.country) ||
            (!line.modes.empty() && !contains(line.modes, mode))) {
          continue;
        }
        // The line counts the share of the option's cash that is in its items.
        double upfront_weight = 0;
        double recurring_weight = 0;
        budget_line_weights(option, p, line.items, upfront_weight, recurring_weight);
        if (upfront_weight > 0 || recurring_weight > 0) {
          cap.options.push_back(o);
          cap.upfront_weight.push_back(std::min(1.0, upfront_weight));
          cap.recurring_weight.push_back(std::min(1.0, recurring_weight));
        }
      }
      problem.spend_caps.push_back(std::move(cap));
    }
  }
  return {};
}

// Assumptions: the scenario's (with why and where from), each period's exchange rates (with
// their source), then the planner's own.
void ProblemBuilder::add_assumptions() {
  for (const auto& assumption : scenario.assumptions) {
    std::string line = fmt::format("{}: {}", assumption.name, assumption.value);
    if (!assumption.reasoning.empty()) {
      line += fmt::format("; why: {}", assumption.reasoning);
    }
    if (!assumption.source.empty()) {
      line += fmt::format("; source: {}", assumption.source);
    }
    problem.assumptions.push_back(std::move(line));
  }
  for (const auto& period : scenario.periods) {
    if (period.exchange_rates.empty()) {
      continue;
    }
    std::vector<std::string> rates;
    for (const auto& [currency, per_usd] : period.exchange_rates) {
      rates.push_back(fmt::format("{} {} per USD", per_usd, currency));
    }
    problem.assumptions.push_back(fmt::format(
        "exchange rates of period {}: {}; source: {}", period.name, fmt::join(rates, ", "),
        period.exchange_rates_source.empty() ? "not given" : period.exchange_rates_source));
  }
  for (auto& assumption : power_assumptions) {
    problem.assumptions.push_back("planner: " + assumption);
  }
  problem.assumptions.push_back(fmt::format(
      "planner: accelerators are bought and leased in lots (procurement lot_size; default a "
      "server of {}); allocations are whole deployments; a server draws {:.1f} x "
      "the accelerators' TDP, times the site's PUE",
      options.unit_size, options.server_power_factor));
  problem.assumptions.push_back(
      "planner: purchases are charged in full to the budget of the period they are made in and "
      "credited at their straight-line residual value at the end of the horizon in the cost "
      "objective; leases are charged per hour of each period they run");
  problem.assumptions.push_back(shapes_assumption(scenario.settings, options));
}

}  // namespace

Result<Built> build_problem(const scenario::Scenario& scenario, const catalog::Catalog& catalog,
                            const perf::EfficiencyTable& efficiency, const BuildOptions& options,
                            CapacityCache* cache) {
  if (scenario.periods.empty()) {
    return input_error(fmt::format("{}: the scenario has no periods", scenario.file));
  }
  auto engine =
      policy::RuleEngine::create(scenario, catalog, options.disabled_rules, options.enabled_rules);
  if (!engine.ok()) {
    return engine.error();
  }
  ProblemBuilder builder(scenario, catalog, efficiency, options, cache, *engine);
  builder.add_periods_and_sites();
  builder.add_services();
  FLEETPLAN_RETURN_IF_ERROR(add_service_values(scenario, catalog, builder.problem));
  FLEETPLAN_RETURN_IF_ERROR(add_training_jobs(scenario, catalog, builder.problem));
  FLEETPLAN_RETURN_IF_ERROR(builder.add_procurement_options());
  FLEETPLAN_RETURN_IF_ERROR(builder.add_installed_base());
  FLEETPLAN_RETURN_IF_ERROR(builder.add_exclusions());
  FLEETPLAN_RETURN_IF_ERROR(builder.add_use_restrictions());
  FLEETPLAN_RETURN_IF_ERROR(builder.add_delivery_limits());
  builder.add_placement_exclusions();
  builder.add_supply_pools();
  FLEETPLAN_RETURN_IF_ERROR(builder.add_shares_and_caps());
  builder.add_supply_limits();
  FLEETPLAN_RETURN_IF_ERROR(builder.add_budget_lines());
  builder.add_assumptions();
  FLEETPLAN_RETURN_IF_ERROR(builder.problem.validate());
  return std::move(builder.built);
}

}  // namespace fleetplan::plan
