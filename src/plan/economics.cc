#include "plan/economics.h"

#include <algorithm>

#include <fmt/format.h>

namespace fleetplan::plan {
namespace {

constexpr double kSecondsPerYear = 8760 * 3600.0;

void add_once(std::vector<std::string>& list, const std::string& value) {
  if (std::find(list.begin(), list.end(), value) == list.end()) {
    list.push_back(value);
  }
}

bool in_periods(const std::vector<int>& periods, int p) {
  return periods.empty() || std::find(periods.begin(), periods.end(), p) != periods.end();
}

// What forbids option o for service s in period p in the plan as solved (every rule on): an
// exclusion from acquiring it (not for the installed base, which is never acquired), an
// exclusion from using it for the service, or no delivery in the period.
void mark_forbidden(const Problem& problem, UnitCost& cost) {
  const Option& option = problem.options[cost.option];
  std::vector<std::string> reasons;
  for (const Exclusion& exclusion : problem.exclusions) {
    if (exclusion.option != cost.option || !exclusion.only_without.empty() ||
        !in_periods(exclusion.periods, cost.period)) {
      continue;
    }
    const bool acquire = exclusion.scope == ExclusionScope::kAcquire;
    const bool applies = acquire ? !option.installed_base
                                 : exclusion.service < 0 || exclusion.service == cost.service;
    if (!applies) {
      continue;
    }
    std::vector<std::string> labels = exclusion.rules;
    if (labels.empty()) {
      labels.emplace_back(acquire ? "rules" : "placement");
    }
    for (const std::string& label : labels) {
      add_once(cost.forbidden_by, label);
    }
    add_once(reasons, exclusion.reason);
  }
  const bool deliverable = option.installed_base || option.can_acquire.empty() ||
                           (cost.period < static_cast<int>(option.can_acquire.size()) &&
                            option.can_acquire[cost.period]);
  if (!deliverable) {
    add_once(cost.forbidden_by, "availability");
    reasons.emplace_back("no delivery in the period (available_from or lead time)");
  }
  for (const std::string& reason : reasons) {
    cost.forbidden_reason += (cost.forbidden_reason.empty() ? "" : "; ") + reason;
  }
}

}  // namespace

void split_by_phase(double usd_per_million_tokens, double prefill_time_share, double input_tokens,
                    double output_tokens, UnitCost& cost) {
  if (!(input_tokens > 0) || !(output_tokens > 0) || !(prefill_time_share >= 0) ||
      prefill_time_share > 1) {
    return;
  }
  // A request costs (I + O) x blended; its prefill time pays for the I input tokens and its
  // decode time for the O output tokens.
  const double per_request = usd_per_million_tokens * (input_tokens + output_tokens);
  cost.usd_per_million_input_tokens = per_request * prefill_time_share / input_tokens;
  cost.usd_per_million_output_tokens = per_request * (1 - prefill_time_share) / output_tokens;
}

ItemAmounts series_items(const std::vector<ItemAmounts>& series, int p) {
  if (series.empty()) {
    return {};
  }
  return series[std::min<std::size_t>(static_cast<std::size_t>(p), series.size() - 1)];
}

ItemAmounts option_spend_by_item(const Problem& problem, int o, int p, double acquired,
                                 double active) {
  const Option& option = problem.options[o];
  ItemAmounts upfront = series_items(option.upfront_items, p);
  if (option.upfront_items.empty()) {
    upfront[SpendItem::kAccelerators] = series_value(option.upfront_usd, p);
  }
  ItemAmounts recurring = series_items(option.recurring_items, p);
  if (option.recurring_items.empty()) {
    recurring[option.mode == Mode::kLease ? SpendItem::kLeases : SpendItem::kEnergy] =
        series_value(option.recurring_usd, p);
  }
  ItemAmounts out = upfront.scaled(acquired);
  out += recurring.scaled(active);
  return out;
}

void fill_spend_by_item(const Problem& problem, Plan& plan) {
  for (PeriodOutcome& period : plan.periods) {
    period.spend_by_item = {};
  }
  for (FleetLine& line : plan.fleet) {
    ItemAmounts items =
        option_spend_by_item(problem, line.option, line.period, line.acquired, line.active);
    const double total = items.total();
    if (total > 0 && line.spend_usd > 0) {
      items = items.scaled(line.spend_usd / total);
    }
    line.spend_by_item = items;
    if (line.period >= 0 && line.period < static_cast<int>(plan.periods.size())) {
      plan.periods[line.period].spend_by_item += items;
    }
  }
}

std::vector<UnitCost> unit_costs(const Problem& problem) {
  std::vector<UnitCost> out;
  const int periods = static_cast<int>(problem.periods.size());
  const int services = static_cast<int>(problem.services.size());
  for (int p = 0; p < periods; ++p) {
    for (int o = 0; o < static_cast<int>(problem.options.size()); ++o) {
      const Option& option = problem.options[o];
      if (option.annual_usd <= 0) {
        continue;
      }
      for (int s = 0; s < services && s < static_cast<int>(option.capacity.size()); ++s) {
        if (option.capacity[s] <= 0) {
          continue;
        }
        const ServiceRow& service = problem.services[s];
        const double peak = std::max(1.0, series_value(service.peak_to_average, p) > 0
                                              ? series_value(service.peak_to_average, p)
                                              : 1.0);
        // What one accelerator serves on the average day: the capacity the plan may fill
        // at the peak hour, over the peak-to-average ratio.
        const double served = option.capacity[s] / peak;
        UnitCost cost;
        cost.period = p;
        cost.option = o;
        cost.service = s;
        cost.usd_per_accelerator_year = option.annual_usd;
        if (service.kind == ServiceKind::kInference) {
          cost.usd_per_million_tokens = usd_per_million_tokens(option.annual_usd, served, 1.0);
          cost.tokens_per_s_per_mw = tokens_per_s_per_mw(served, option.power_w);
          if (s < static_cast<int>(option.prefill_time_share.size()) &&
              option.prefill_time_share[s] > 0) {
            split_by_phase(cost.usd_per_million_tokens, option.prefill_time_share[s],
                           service.input_tokens, service.output_tokens, cost);
          }
        } else {
          const double exaflop_per_year = served * kSecondsPerYear / 1e18;
          cost.usd_per_exaflop = exaflop_per_year > 0 ? option.annual_usd / exaflop_per_year : 0.0;
        }
        mark_forbidden(problem, cost);
        out.push_back(cost);
      }
    }
  }
  return out;
}

bool has_service_values(const Problem& problem) {
  return std::any_of(problem.services.begin(), problem.services.end(),
                     [](const ServiceRow& s) { return !s.value_usd.empty(); });
}

double served_score_of(const Problem& problem, const std::vector<std::vector<double>>& served) {
  const bool valued = has_service_values(problem);
  double total_value = 0;
  if (valued) {
    for (const ServiceRow& service : problem.services) {
      for (std::size_t p = 0; p < problem.periods.size(); ++p) {
        total_value += series_value(service.value_usd, static_cast<int>(p)) * service.demand[p];
      }
    }
  }
  double score = 0;
  for (std::size_t p = 0; p < problem.periods.size() && p < served.size(); ++p) {
    for (std::size_t s = 0; s < problem.services.size() && s < served[p].size(); ++s) {
      const ServiceRow& service = problem.services[s];
      if (service.demand[p] <= 0) {
        continue;
      }
      if (valued) {
        score += total_value > 0 ? series_value(service.value_usd, static_cast<int>(p)) *
                                       served[p][s] / total_value
                                 : 0.0;
      } else {
        score += service.weight * served[p][s] / service.demand[p];
      }
    }
  }
  return score;
}

Status validate_economics(const Problem& problem) {
  const std::size_t periods = problem.periods.size();
  const bool valued = has_service_values(problem);
  for (std::size_t s = 0; s < problem.services.size(); ++s) {
    const ServiceRow& service = problem.services[s];
    if (valued && service.value_usd.empty()) {
      return input_error(fmt::format(
          "plan: services[{}] ({}) has no value while other services do; expected a value "
          "for every service or for none",
          s, service.name));
    }
    if (!service.value_usd.empty() && service.value_usd.size() != 1 &&
        service.value_usd.size() != periods) {
      return input_error(
          fmt::format("plan: services[{}].value_usd has {} entries; expected 1 "
                      "or one per period ({})",
                      s, service.value_usd.size(), periods));
    }
    for (const double v : service.value_usd) {
      if (!(v >= 0)) {
        return input_error(fmt::format("plan: services[{}].value_usd = {} is not >= 0", s, v));
      }
    }
    if (service.priority < 1) {
      return input_error(
          fmt::format("plan: services[{}].priority = {}; expected >= 1", s, service.priority));
    }
  }
  for (std::size_t o = 0; o < problem.options.size(); ++o) {
    const Option& option = problem.options[o];
    for (const auto* items : {&option.upfront_items, &option.recurring_items}) {
      if (items->size() > 1 && items->size() != periods) {
        return input_error(
            fmt::format("plan: options[{}] has {} item entries; expected 0, 1 or "
                        "one per period ({})",
                        o, items->size(), periods));
      }
    }
  }
  for (std::size_t j = 0; j < problem.training_jobs.size(); ++j) {
    const TrainingJob& job = problem.training_jobs[j];
    if (job.service < 0 || job.service >= static_cast<int>(problem.services.size()) ||
        problem.services[job.service].kind != ServiceKind::kTraining) {
      return input_error(fmt::format(
          "plan: training_jobs[{}].service = {} is not a training service", j, job.service));
    }
    if (job.period < 0 || job.period >= static_cast<int>(periods)) {
      return input_error(
          fmt::format("plan: training_jobs[{}].period = {} is out of range", j, job.period));
    }
    if (!(job.demand > 0) || !(job.min_cluster >= 0)) {
      return input_error(
          fmt::format("plan: training_jobs[{}] needs demand > 0 and min_cluster "
                      ">= 0 (got {} and {})",
                      j, job.demand, job.min_cluster));
    }
    for (const int k : job.sites) {
      if (k < 0 || k >= static_cast<int>(problem.sites.size())) {
        return input_error(
            fmt::format("plan: training_jobs[{}] names site {} of {}", j, k, problem.sites.size()));
      }
    }
  }
  return {};
}

void fill_value_served(const Problem& problem, Plan& plan) {
  if (!has_service_values(problem)) {
    return;
  }
  for (int p = 0; p < static_cast<int>(plan.periods.size()); ++p) {
    PeriodOutcome& period = plan.periods[p];
    period.value_usd.assign(problem.services.size(), 0.0);
    for (int s = 0; s < static_cast<int>(problem.services.size()); ++s) {
      if (s < static_cast<int>(period.served.size())) {
        period.value_usd[s] = series_value(problem.services[s].value_usd, p) * period.served[s];
      }
    }
  }
}

void fill_training_jobs(const Problem& problem, const std::vector<std::vector<int>>& job_columns,
                        const std::vector<double>& x, Plan& plan) {
  const int periods = static_cast<int>(problem.periods.size());
  const int sites = static_cast<int>(problem.sites.size());
  plan.largest_training_cluster.assign(periods, std::vector<double>(sites, 0.0));
  for (const FleetLine& line : plan.fleet) {
    const Option& option = problem.options[line.option];
    for (std::size_t s = 0; s < problem.services.size() && s < line.allocated.size(); ++s) {
      if (problem.services[s].kind == ServiceKind::kTraining) {
        plan.largest_training_cluster[line.period][option.site] += line.allocated[s];
      }
    }
  }
  plan.training_jobs.clear();
  for (int j = 0; j < static_cast<int>(problem.training_jobs.size()); ++j) {
    const TrainingJob& job = problem.training_jobs[j];
    TrainingJobOutcome outcome;
    outcome.job = j;
    for (int k = 0; k < sites && j < static_cast<int>(job_columns.size()); ++k) {
      const int column = job_columns[j][k];
      if (column >= 0 && column < static_cast<int>(x.size()) && x[column] > 0.5) {
        outcome.site = k;
      }
    }
    if (outcome.site >= 0) {
      for (const FleetLine& line : plan.fleet) {
        if (line.period == job.period && problem.options[line.option].site == outcome.site &&
            job.service < static_cast<int>(line.allocated.size())) {
          outcome.accelerators += line.allocated[job.service];
        }
      }
      outcome.fits = outcome.accelerators + 1e-6 >= job.min_cluster;
    }
    plan.training_jobs.push_back(outcome);
  }
}

}  // namespace fleetplan::plan
