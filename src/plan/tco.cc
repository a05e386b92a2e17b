#include "plan/tco.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace fleetplan::plan {
namespace {

constexpr double kHoursPerYear = 8760;
constexpr double kMonthsPerYear = 12;

constexpr std::array<std::string_view, kSpendItemCount> kItemNames = {
    "accelerators", "servers", "network", "storage",   "data_centre",
    "colocation",   "energy",  "leases",  "operations"};

// The asset class an acquisition item depreciates as; energy, rent and operations are not
// assets.
std::optional<AssetClass> asset_of(SpendItem item) {
  switch (item) {
    case SpendItem::kAccelerators:
      return AssetClass::kAccelerators;
    case SpendItem::kServers:
      return AssetClass::kServers;
    case SpendItem::kNetwork:
      return AssetClass::kNetwork;
    case SpendItem::kStorage:
      return AssetClass::kStorage;
    case SpendItem::kDataCentre:
      return AssetClass::kBuilding;
    default:
      return std::nullopt;
  }
}

double it_capex(const AcceleratorCosts& accelerator) {
  return accelerator.accelerator_usd + accelerator.server_usd + accelerator.network_usd +
         accelerator.storage_usd;
}

}  // namespace

std::string_view spend_item_name(SpendItem item) { return kItemNames[static_cast<int>(item)]; }

Result<SpendItem> parse_spend_item(std::string_view name) {
  for (int i = 0; i < kSpendItemCount; ++i) {
    if (kItemNames[i] == name) {
      return static_cast<SpendItem>(i);
    }
  }
  return input_error(fmt::format("unknown spend item '{}'; expected one of: {}", name,
                                 fmt::join(kItemNames, ", ")));
}

double ItemAmounts::total() const {
  double sum = 0;
  for (const double value : usd) {
    sum += value;
  }
  return sum;
}

ItemAmounts& ItemAmounts::operator+=(const ItemAmounts& other) {
  for (int i = 0; i < kSpendItemCount; ++i) {
    usd[i] += other.usd[i];
  }
  return *this;
}

ItemAmounts ItemAmounts::scaled(double factor) const {
  ItemAmounts out = *this;
  for (double& value : out.usd) {
    value *= factor;
  }
  return out;
}

double UsefulLives::of(AssetClass asset) const {
  switch (asset) {
    case AssetClass::kAccelerators:
      return accelerators;
    case AssetClass::kServers:
      return servers;
    case AssetClass::kNetwork:
      return network;
    case AssetClass::kStorage:
      return storage;
    case AssetClass::kBuilding:
      return building;
  }
  return accelerators;
}

ItemAmounts acquisition_cost(const AcceleratorCosts& accelerator, const SiteCosts& site) {
  ItemAmounts out;
  out[SpendItem::kAccelerators] = accelerator.accelerator_usd;
  out[SpendItem::kServers] = accelerator.server_usd;
  out[SpendItem::kNetwork] = accelerator.network_usd;
  out[SpendItem::kStorage] = accelerator.storage_usd;
  out[SpendItem::kDataCentre] = accelerator.it_power_w * site.build_usd_per_w;
  return out;
}

ItemAmounts running_cost(const AcceleratorCosts& accelerator, const SiteCosts& site, double hours) {
  ItemAmounts out;
  out[SpendItem::kEnergy] =
      accelerator.it_power_w * site.pue / 1000.0 * hours * site.energy_usd_per_kwh;
  out[SpendItem::kColocation] = accelerator.it_power_w * site.colocation_usd_per_w_month * hours /
                                kHoursPerYear * kMonthsPerYear;
  out[SpendItem::kOperations] = (site.operations_share_per_year * it_capex(accelerator) +
                                 site.operations_usd_per_w_year * accelerator.it_power_w) *
                                hours / kHoursPerYear;
  return out;
}

ItemAmounts residual_value(const ItemAmounts& acquisition, double years, const UsefulLives& lives,
                           const ResidualRule& rule) {
  ItemAmounts out;
  for (int i = 0; i < kSpendItemCount; ++i) {
    const auto asset = asset_of(static_cast<SpendItem>(i));
    if (!asset) {
      continue;
    }
    const double life = lives.of(*asset);
    const double used = life > 0 ? std::clamp(years / life, 0.0, 1.0) : 1.0;
    out.usd[i] = acquisition.usd[i] * (1.0 - (1.0 - rule.salvage_share) * used);
  }
  return out;
}

double annualised_capex(double price, double life_years, double salvage_share,
                        double cost_of_capital) {
  if (life_years <= 0) {
    return 0;
  }
  const double salvage = price * salvage_share;
  if (cost_of_capital <= 0) {
    return (price - salvage) / life_years;
  }
  const double r = cost_of_capital;
  const double discount = std::pow(1.0 + r, -life_years);
  return (price - salvage * discount) * r / (1.0 - discount);
}

ItemAmounts annual_cost_owned(const AcceleratorCosts& accelerator, const SiteCosts& site,
                              const AnnualCostInputs& inputs) {
  const ItemAmounts acquisition = acquisition_cost(accelerator, site);
  ItemAmounts out;
  for (int i = 0; i < kSpendItemCount; ++i) {
    const auto asset = asset_of(static_cast<SpendItem>(i));
    if (asset) {
      out.usd[i] = annualised_capex(acquisition.usd[i], inputs.lives.of(*asset),
                                    inputs.residual.salvage_share, inputs.cost_of_capital);
    }
  }
  out += running_cost(accelerator, site, inputs.hours_per_year);
  return out;
}

ItemAmounts annual_cost_leased(double usd_per_hour, bool includes_energy,
                               const AcceleratorCosts& accelerator, const SiteCosts& site,
                               const AnnualCostInputs& inputs) {
  // The lessor owns the hardware: no capex, and operations count only per W (the
  // company's own staff at the site), not as a share of capex it does not own.
  SiteCosts lessee = site;
  lessee.operations_share_per_year = 0;
  lessee.colocation_usd_per_w_month = 0;
  ItemAmounts out = running_cost(accelerator, lessee, inputs.hours_per_year);
  if (includes_energy) {
    out[SpendItem::kEnergy] = 0;
  }
  out[SpendItem::kLeases] = usd_per_hour * inputs.hours_per_year;
  return out;
}

ModeComparison compare_modes(const AcceleratorCosts& accelerator, const SiteCosts& owned_site,
                             std::optional<double> colocation_usd_per_w_month,
                             std::optional<double> lease_usd_per_hour, bool lease_includes_energy,
                             const AnnualCostInputs& inputs) {
  ModeComparison out;
  if (owned_site.build_usd_per_w > 0) {
    SiteCosts site = owned_site;
    site.colocation_usd_per_w_month = 0;
    out.owned_usd_per_year = annual_cost_owned(accelerator, site, inputs).total();
  }
  if (colocation_usd_per_w_month) {
    SiteCosts site = owned_site;
    site.build_usd_per_w = 0;
    site.colocation_usd_per_w_month = *colocation_usd_per_w_month;
    out.colocated_usd_per_year = annual_cost_owned(accelerator, site, inputs).total();
  }
  if (lease_usd_per_hour) {
    out.leased_usd_per_year = annual_cost_leased(*lease_usd_per_hour, lease_includes_energy,
                                                 accelerator, owned_site, inputs)
                                  .total();
  }
  return out;
}

double usd_per_million_tokens(double usd_per_accelerator_year, double tokens_per_day_capacity,
                              double utilization) {
  const double tokens_per_year = tokens_per_day_capacity * utilization * kHoursPerYear / 24.0;
  return tokens_per_year > 0 ? usd_per_accelerator_year / (tokens_per_year / 1e6) : 0.0;
}

double tokens_per_s_per_mw(double tokens_per_day_capacity, double facility_power_w) {
  return facility_power_w > 0 ? tokens_per_day_capacity / 86400.0 / (facility_power_w / 1e6) : 0.0;
}

}  // namespace fleetplan::plan
