#include "plan/build_economics.h"

#include <algorithm>

#include <fmt/format.h>

namespace fleetplan::plan {
namespace {

constexpr double kDaysPerYear = 365.25;

// A money field in USD at the period's rate, or 0 when absent.
Result<double> usd_or_zero(const std::optional<units::Money>& money,
                           const scenario::Period& period) {
  if (!money) {
    return 0.0;
  }
  return period.to_usd(*money);
}

double mfu_of(const scenario::Scenario& scenario, const scenario::ServiceSpec& service) {
  return service.training_mfu > 0 ? service.training_mfu : scenario.settings.training_mfu;
}

const scenario::ServiceSpec* service_named(const scenario::Scenario& scenario,
                                           const std::string& name) {
  return scenario.service(name);
}

}  // namespace

AnnualCostInputs annual_cost_inputs(const scenario::Scenario& scenario,
                                    const scenario::Procurement* procurement) {
  const scenario::CostOfOwnership& c = scenario.cost_of_ownership;
  AnnualCostInputs inputs;
  inputs.lives.accelerators = c.life_accelerators;
  inputs.lives.servers = c.life_servers;
  inputs.lives.network = c.life_network;
  inputs.lives.storage = c.life_storage;
  inputs.lives.building = c.life_buildings;
  // A procurement's depreciation_years is the life of its chips and of their servers.
  if (procurement != nullptr && procurement->depreciation_years > 0) {
    inputs.lives.accelerators = procurement->depreciation_years;
    inputs.lives.servers = procurement->depreciation_years;
  }
  inputs.residual.salvage_share = c.salvage_share;
  inputs.cost_of_capital = c.cost_of_capital;
  return inputs;
}

Result<AcceleratorCosts> accelerator_costs(const scenario::Scenario& scenario,
                                           const scenario::Procurement& procurement,
                                           const scenario::Period& period, double power_w,
                                           double pue) {
  AcceleratorCosts a;
  auto price = period.to_usd(procurement.unit_price);
  if (!price.ok()) {
    return price.error();
  }
  a.accelerator_usd = *price;
  a.server_usd = *price * procurement.server_overhead;
  if (const scenario::NetworkFabric* fabric =
          scenario.cost_of_ownership.fabric(procurement.network)) {
    for (const units::Money* part :
         {&fabric->scale_up, &fabric->scale_out_nics, &fabric->scale_out_switches}) {
      if (part->amount == 0) {
        continue;
      }
      auto usd = period.to_usd(*part);
      if (!usd.ok()) {
        return usd.error();
      }
      a.network_usd += *usd;
    }
  }
  auto storage = usd_or_zero(procurement.storage, period);
  if (!storage.ok()) {
    return storage.error();
  }
  a.storage_usd = *storage;
  a.it_power_w = pue > 0 ? power_w / pue : power_w;
  return a;
}

Result<SiteCosts> site_costs(const scenario::Site& site, const scenario::Period& period) {
  SiteCosts s;
  s.pue = site.pue;
  auto energy = period.to_usd(site.energy_price_per_kwh);
  if (!energy.ok()) {
    return energy.error();
  }
  s.energy_usd_per_kwh = *energy;
  auto build = usd_or_zero(site.data_centre_per_mw, period);
  auto rent = usd_or_zero(site.colocation_per_kw_month, period);
  auto operations = usd_or_zero(site.operations_per_mw_year, period);
  for (const auto* r : {&build, &rent, &operations}) {
    if (!r->ok()) {
      return r->error();
    }
  }
  s.build_usd_per_w = *build / 1e6;
  s.colocation_usd_per_w_month = *rent / 1e3;
  s.operations_share_per_year = site.operations_share;
  s.operations_usd_per_w_year = *operations / 1e6;
  return s;
}

Result<OptionCosts> buy_option_costs(const scenario::Scenario& scenario,
                                     const scenario::Procurement& procurement,
                                     const scenario::Site& site, const scenario::Period& period,
                                     double power_w, double horizon_end_day) {
  auto accelerator = accelerator_costs(scenario, procurement, period, power_w, site.pue);
  if (!accelerator.ok()) {
    return accelerator.error();
  }
  auto costs = site_costs(site, period);
  if (!costs.ok()) {
    return costs.error();
  }
  OptionCosts out;
  out.upfront = acquisition_cost(*accelerator, *costs);
  out.recurring = running_cost(*accelerator, *costs, period.hours());
  const AnnualCostInputs inputs = annual_cost_inputs(scenario, &procurement);
  const double years_used =
      (horizon_end_day - static_cast<double>(period.start.days_since_epoch())) / kDaysPerYear;
  if (scenario.cost_of_ownership.given || procurement.depreciation_years > 0) {
    out.residual_usd =
        residual_value(out.upfront, years_used, inputs.lives, inputs.residual).total();
  }
  return out;
}

Result<OptionCosts> lease_option_costs(const scenario::Procurement& procurement,
                                       const scenario::Site& site, const scenario::Period& period,
                                       double power_w) {
  auto rate = procurement.lease_usd_per_hour(period);
  if (!rate.ok()) {
    return rate.error();
  }
  OptionCosts out;
  out.recurring[SpendItem::kLeases] = *rate * period.hours();
  if (!procurement.lease_includes_energy) {
    auto price = period.to_usd(site.energy_price_per_kwh);
    if (!price.ok()) {
      return price.error();
    }
    out.recurring[SpendItem::kEnergy] = power_w / 1000.0 * period.hours() * *price;
  }
  return out;
}

Result<OptionCosts> installed_option_costs(const scenario::Scenario& scenario,
                                           const scenario::Procurement* replacement,
                                           const scenario::Site& site,
                                           const scenario::Period& period, double power_w) {
  AcceleratorCosts accelerator;
  accelerator.it_power_w = site.pue > 0 ? power_w / site.pue : power_w;
  if (replacement != nullptr) {
    auto a = accelerator_costs(scenario, *replacement, period, power_w, site.pue);
    if (!a.ok()) {
      return a.error();
    }
    accelerator = *a;
  }
  auto costs = site_costs(site, period);
  if (!costs.ok()) {
    return costs.error();
  }
  OptionCosts out;
  out.recurring = running_cost(accelerator, *costs, period.hours());
  return out;
}

double option_annual_usd(const scenario::Scenario& scenario,
                         const scenario::Procurement* procurement, const scenario::Site& site,
                         double power_w) {
  if (procurement == nullptr || scenario.periods.empty()) {
    return 0;
  }
  const scenario::Period& period = scenario.periods.front();
  auto costs = site_costs(site, period);
  if (!costs.ok()) {
    return 0;
  }
  const AnnualCostInputs inputs = annual_cost_inputs(scenario, procurement);
  if (procurement->mode == scenario::Mode::kLease) {
    auto rate = procurement->lease_usd_per_hour(period);
    if (!rate.ok()) {
      return 0;
    }
    AcceleratorCosts accelerator;
    accelerator.it_power_w = site.pue > 0 ? power_w / site.pue : power_w;
    SiteCosts lessee = *costs;
    lessee.operations_usd_per_w_year = 0;  // the lessor runs it
    return annual_cost_leased(*rate, procurement->lease_includes_energy, accelerator, lessee,
                              inputs)
        .total();
  }
  auto accelerator = accelerator_costs(scenario, *procurement, period, power_w, site.pue);
  if (!accelerator.ok()) {
    return 0;
  }
  return annual_cost_owned(*accelerator, *costs, inputs).total();
}

Result<std::vector<double>> service_value_series(const scenario::Scenario& scenario,
                                                 const scenario::ServiceSpec& service,
                                                 const catalog::Catalog& catalog) {
  std::vector<double> out;
  const scenario::ServiceValue& value = service.value;
  if (!value.given()) {
    return out;
  }
  for (const scenario::Period& period : scenario.periods) {
    if (service.kind == scenario::Use::kInference) {
      auto input = period.to_usd(*value.input_per_million);
      auto output = period.to_usd(*value.output_per_million);
      auto cached =
          value.cached_input_per_million ? period.to_usd(*value.cached_input_per_million) : input;
      for (const auto* r : {&input, &output, &cached}) {
        if (!r->ok()) {
          return r->error();
        }
      }
      const double in = service.input_len;
      const double out_len = service.output_len;
      const double hit = service.prefix_cache_hit_share;
      const double usd_per_token =
          (in * ((1 - hit) * *input + hit * *cached) + out_len * *output) / (in + out_len) / 1e6;
      out.push_back(usd_per_token * static_cast<double>(period.days()));
    } else {
      auto hour = period.to_usd(*value.per_gpu_hour);
      if (!hour.ok()) {
        return hour.error();
      }
      auto chip = catalog.accelerator(value.gpu_hour_accelerator);
      if (!chip.ok()) {
        return chip.error();
      }
      const double flop_per_hour =
          (*chip)->peak_flops(catalog::Precision::kBf16) * mfu_of(scenario, service) * 3600.0;
      const double usd_per_flop = flop_per_hour > 0 ? *hour / flop_per_hour : 0.0;
      out.push_back(usd_per_flop * period.hours() * 3600.0);
    }
  }
  return out;
}

Result<double> training_job_flops(const scenario::Scenario& scenario,
                                  const scenario::TrainingJob& job,
                                  const catalog::Catalog& catalog) {
  const scenario::Period* period = scenario.period(job.period);
  const scenario::ServiceSpec* service = service_named(scenario, job.service);
  if (period == nullptr || service == nullptr) {
    return input_error(fmt::format("training job '{}': unknown period or service", job.name));
  }
  if (job.flop > 0) {
    return job.flop / (period->hours() * 3600.0);
  }
  auto chip = catalog.accelerator(job.cluster_accelerator);
  if (!chip.ok()) {
    return chip.error();
  }
  return static_cast<double>(job.cluster_accelerators) *
         (*chip)->peak_flops(catalog::Precision::kBf16) * mfu_of(scenario, *service);
}

Result<std::vector<TrainingJob>> training_jobs(const scenario::Scenario& scenario,
                                               const catalog::Catalog& catalog) {
  std::vector<TrainingJob> out;
  for (const scenario::TrainingJob& job : scenario.training_jobs) {
    TrainingJob plan_job;
    plan_job.name = job.name;
    for (std::size_t s = 0; s < scenario.services.size(); ++s) {
      if (scenario.services[s].name == job.service) {
        plan_job.service = static_cast<int>(s);
      }
    }
    if (auto p = scenario.period_index(job.period)) {
      plan_job.period = static_cast<int>(*p);
    }
    auto flops = training_job_flops(scenario, job, catalog);
    if (!flops.ok()) {
      return flops.error();
    }
    plan_job.demand = *flops;
    plan_job.min_cluster = static_cast<double>(job.min_cluster);
    for (const std::string& name : job.sites) {
      for (std::size_t k = 0; k < scenario.sites.size(); ++k) {
        if (scenario.sites[k].name == name) {
          plan_job.sites.push_back(static_cast<int>(k));
        }
      }
    }
    out.push_back(std::move(plan_job));
  }
  return out;
}

Status fill_option_costs(const scenario::Scenario& scenario,
                         const scenario::Procurement* procurement, const scenario::Site& site,
                         bool installed, Option& option) {
  const double horizon_end_day =
      static_cast<double>(scenario.periods.back().end.days_since_epoch()) + 1;
  option.upfront_usd.clear();
  option.recurring_usd.clear();
  option.residual_usd.clear();
  option.upfront_items.clear();
  option.recurring_items.clear();
  for (const scenario::Period& period : scenario.periods) {
    Result<OptionCosts> costs = OptionCosts{};
    if (installed) {
      costs = installed_option_costs(scenario, procurement, site, period, option.power_w);
    } else if (procurement != nullptr && procurement->mode == scenario::Mode::kLease) {
      costs = lease_option_costs(*procurement, site, period, option.power_w);
    } else if (procurement != nullptr) {
      costs =
          buy_option_costs(scenario, *procurement, site, period, option.power_w, horizon_end_day);
    }
    if (!costs.ok()) {
      return costs.error();
    }
    option.upfront_usd.push_back(costs->upfront.total());
    option.recurring_usd.push_back(costs->recurring.total());
    if (!installed && option.mode == Mode::kBuy) {
      option.residual_usd.push_back(costs->residual_usd);
    }
    option.upfront_items.push_back(costs->upfront);
    option.recurring_items.push_back(costs->recurring);
  }
  option.annual_usd = option_annual_usd(scenario, procurement, site, option.power_w);
  return {};
}

void budget_line_weights(const Option& option, int p, const std::vector<std::string>& items,
                         double& upfront_weight, double& recurring_weight) {
  const auto counted = [&](SpendItem item) {
    return items.empty() ||
           std::find(items.begin(), items.end(), spend_item_name(item)) != items.end();
  };
  const ItemAmounts upfront = series_items(option.upfront_items, p);
  const ItemAmounts recurring = series_items(option.recurring_items, p);
  double upfront_counted = 0;
  double recurring_counted = 0;
  for (int i = 0; i < kSpendItemCount; ++i) {
    if (counted(static_cast<SpendItem>(i))) {
      upfront_counted += upfront.usd[i];
      recurring_counted += recurring.usd[i];
    }
  }
  upfront_weight = upfront.total() > 0 ? upfront_counted / upfront.total() : 0.0;
  recurring_weight = recurring.total() > 0 ? recurring_counted / recurring.total() : 0.0;
}

Status add_service_values(const scenario::Scenario& scenario, const catalog::Catalog& catalog,
                          Problem& problem) {
  for (std::size_t s = 0; s < scenario.services.size(); ++s) {
    const scenario::ServiceSpec& spec = scenario.services[s];
    ServiceRow& row = problem.services[s];
    auto values = service_value_series(scenario, spec, catalog);
    if (!values.ok()) {
      return values.error();
    }
    row.value_usd = *values;
    row.priority = spec.priority;
    if (!row.value_usd.empty()) {
      row.shortfall_penalty_usd = row.value_usd;  // unmet demand is priced at its value
    }
  }
  return {};
}

Status add_training_jobs(const scenario::Scenario& scenario, const catalog::Catalog& catalog,
                         Problem& problem) {
  auto jobs = training_jobs(scenario, catalog);
  if (!jobs.ok()) {
    return jobs.error();
  }
  problem.training_jobs = std::move(jobs).value();
  for (const TrainingJob& job : problem.training_jobs) {
    ServiceRow& row = problem.services[job.service];
    // The first job of a (period, service) replaces the entry's demand; the rest add to it.
    bool first = true;
    for (const TrainingJob& other : problem.training_jobs) {
      if (&other == &job) {
        break;
      }
      if (other.period == job.period && other.service == job.service) {
        first = false;
      }
    }
    row.demand[job.period] = (first ? 0.0 : row.demand[job.period]) + job.demand;
  }
  return {};
}

}  // namespace fleetplan::plan
