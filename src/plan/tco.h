// Total cost of ownership of one accelerator at one site, by spend item: what is paid
// when it is acquired (the chip, its share of the server, the network fabric, storage and,
// at a site the company builds, the data-centre shell and power/cooling plant sized for its
// IT load), what is paid every period it runs (energy at the site's price and PUE,
// colocation rent per kW-month, lease rent, operations), the value left at the end of each
// asset's useful life, and from these the amortised cost per accelerator-year that compares
// buying, leasing and colocation on the same basis, the USD per million tokens at a planned
// utilisation and the tokens/s per MW.
//
// Pure arithmetic in USD, W and hours: the scenario layer parses the figures, plan/build
// resolves currencies and feeds them here.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace fleetplan::plan {

//! What a unit of spend buys. Every USD of a plan belongs to exactly one item, so the items
//! of a period add up to its spend.
enum class SpendItem {
  kAccelerators,  //!< the chips' unit prices
  kServers,       //!< host servers: CPUs, memory, boards, chassis, assembly
  kNetwork,       //!< scale-up switches and scale-out NICs, switches and optics
  kStorage,       //!< training-data, checkpoint and model storage
  kDataCentre,    //!< building shell, power and cooling plant (owned sites, capex per MW)
  kColocation,    //!< rent for space, power and cooling at a third party's site (per kW-month)
  kEnergy,        //!< electricity at the site's price, IT load x PUE
  kLeases,        //!< accelerator leases (rent per GPU-hour)
  kOperations,    //!< staff, support and maintenance
};
inline constexpr int kSpendItemCount = 9;
//! "accelerators", "servers", "network", "storage", "data_centre", "colocation", "energy",
//! "leases", "operations".
std::string_view spend_item_name(SpendItem item);
//! The item of a name above; the error lists the names.
Result<SpendItem> parse_spend_item(std::string_view name);

//! USD per item; index with `static_cast<int>(SpendItem)`.
struct ItemAmounts {
  std::array<double, kSpendItemCount> usd{};

  [[nodiscard]] double operator[](SpendItem item) const { return usd[static_cast<int>(item)]; }
  double& operator[](SpendItem item) { return usd[static_cast<int>(item)]; }
  [[nodiscard]] double total() const;
  ItemAmounts& operator+=(const ItemAmounts& other);
  [[nodiscard]] ItemAmounts scaled(double factor) const;
};

//! The asset classes that depreciate, each with its own useful life.
enum class AssetClass { kAccelerators, kServers, kNetwork, kStorage, kBuilding };
inline constexpr int kAssetClassCount = 5;

//! Useful lives in years. Accelerators 4 years (AI hardware turns over faster than the 5-6
//! years hyperscalers book for servers: Amazon cut a subset back from 6 to 5 in 2025);
//! servers, network and storage 5 (Amazon's 2022 lives: servers 5, network 6; Meta 5);
//! buildings 15 (shell and M&E plant are refitted for each chip generation's density).
struct UsefulLives {
  double accelerators = 4;
  double servers = 5;
  double network = 5;
  double storage = 5;
  double building = 15;

  [[nodiscard]] double of(AssetClass asset) const;
};

//! How an asset's value falls over its life.
struct ResidualRule {
  //! Share of the price left at the end of the useful life (resale or salvage); the value
  //! falls in a straight line from 1 to this share over the life, and stays there after.
  double salvage_share = 0;
};

//! What an accelerator costs to acquire, per accelerator (USD), and its IT power (W).
struct AcceleratorCosts {
  double accelerator_usd = 0;  //!< unit price of the chip
  double server_usd = 0;       //!< its share of the host server
  double network_usd = 0;      //!< scale-up + scale-out fabric per accelerator
  double storage_usd = 0;
  //! IT power at the server's wall (chip TDP and its share of the server, NICs, fans),
  //! before the site's PUE. Data-centre capex and colocation rent are per W of IT load.
  double it_power_w = 0;
};

//! How a site charges for space, power and operations.
struct SiteCosts {
  double pue = 1.0;
  double energy_usd_per_kwh = 0;
  //! Owned site: capex of shell, power and cooling per W of IT load, paid when an
  //! accelerator's load is added (10.7 M USD/MW in North America: CBRE, 2025).
  double build_usd_per_w = 0;
  //! Colocation: rent per W of IT load and month (195.94 USD per kW-month for 250-500 kW in
  //! primary North American markets, H2 2025: CBRE); energy is metered on top.
  double colocation_usd_per_w_month = 0;
  //! Operations per year as a share of the IT capex (accelerators, servers, network,
  //! storage): support contracts, spares, staff.
  double operations_share_per_year = 0;
  //! Operations per W of IT load and year (facility staff, maintenance).
  double operations_usd_per_w_year = 0;
};

//! Cash per accelerator when it is acquired, by item: the chip, server, network, storage
//! and (owned site with a build price) the data-centre capacity for its IT load.
ItemAmounts acquisition_cost(const AcceleratorCosts& accelerator, const SiteCosts& site);

//! Cash per accelerator for `hours` of operation, by item: energy (IT load x PUE x hours x
//! price), colocation rent (IT load x months), operations.
ItemAmounts running_cost(const AcceleratorCosts& accelerator, const SiteCosts& site, double hours);

//! Value per accelerator of its acquisition items after `years` of use, by item, under the
//! asset classes' lives and the residual rule (energy, rent and operations leave none).
ItemAmounts residual_value(const ItemAmounts& acquisition, double years, const UsefulLives& lives,
                           const ResidualRule& rule);

//! The annual charge that repays `price` over `life_years` down to `salvage_share` of it,
//! at `cost_of_capital` a year: straight line (price - salvage) / life when the cost of
//! capital is 0, else the annuity (price - salvage / (1+r)^n) x r / (1 - (1+r)^-n).
double annualised_capex(double price, double life_years, double salvage_share,
                        double cost_of_capital);

//! Cost per accelerator-year, by item: the acquisition items annualised over their lives
//! plus a year of running costs (energy at full IT power, as the planner charges it).
struct AnnualCostInputs {
  UsefulLives lives;
  ResidualRule residual;
  double cost_of_capital = 0;
  double hours_per_year = 8760;
};
ItemAmounts annual_cost_owned(const AcceleratorCosts& accelerator, const SiteCosts& site,
                              const AnnualCostInputs& inputs);

//! Cost per accelerator-year of a lease at `usd_per_hour`; `site` adds energy when the
//! lease does not include it, and operations.
ItemAmounts annual_cost_leased(double usd_per_hour, bool includes_energy,
                               const AcceleratorCosts& accelerator, const SiteCosts& site,
                               const AnnualCostInputs& inputs);

//! Buy at an owned site, buy and place in colocation, lease: USD per accelerator-year on
//! the same basis (amortised capex + a year of running costs). Each is absent when the
//! inputs for it are missing (no build price, no colocation rent, no lease rate).
struct ModeComparison {
  std::optional<double> owned_usd_per_year;
  std::optional<double> colocated_usd_per_year;
  std::optional<double> leased_usd_per_year;
};
ModeComparison compare_modes(const AcceleratorCosts& accelerator, const SiteCosts& owned_site,
                             std::optional<double> colocation_usd_per_w_month,
                             std::optional<double> lease_usd_per_hour, bool lease_includes_energy,
                             const AnnualCostInputs& inputs);

//! USD per million tokens: a year's cost of one accelerator over the tokens it serves in a
//! year at `utilization` of its capacity (tokens/day at the latency targets).
double usd_per_million_tokens(double usd_per_accelerator_year, double tokens_per_day_capacity,
                              double utilization);

//! Tokens per second per MW of facility power: capacity (tokens/day) over the wall power
//! (IT load x PUE) of one accelerator.
double tokens_per_s_per_mw(double tokens_per_day_capacity, double facility_power_w);

}  // namespace fleetplan::plan
