#include "plan/synthetic.h"

#include <algorithm>
#include <cmath>
#include <random>

#include <fmt/format.h>

namespace fleetplan::plan {
namespace {

// Uniform doubles in [lo, hi) from the top 53 bits of mt19937_64, whose sequence the C++
// standard fixes for a given seed.
class Draw {
 public:
  explicit Draw(std::uint64_t seed) : engine_(seed) {}
  double uniform(double lo, double hi) {
    const double unit = static_cast<double>(engine_() >> 11) * 0x1.0p-53;
    return lo + (hi - lo) * unit;
  }
  bool chance(double p) { return uniform(0, 1) < p; }

 private:
  std::mt19937_64 engine_;
};

}  // namespace

Problem synthetic_problem(const SyntheticSpec& spec) {
  Draw draw(spec.seed);
  Problem problem;
  problem.name = fmt::format("synthetic-{}p-{}s-{}a-{}v-seed{}", spec.periods, spec.sites,
                             spec.accelerators, spec.services, spec.seed);
  const int training_services = std::max(1, spec.services / 5);
  for (int p = 0; p < spec.periods; ++p) {
    problem.periods.push_back({fmt::format("{}", 2026 + p), 8760, std::nullopt});
  }
  for (int k = 0; k < spec.sites; ++k) {
    // Sites hold 20k to 120k accelerators' worth of power (about 2 kW each at the wall).
    problem.sites.push_back(
        {fmt::format("site-{:02}", k), draw.uniform(40e6, 240e6), std::nullopt});
  }
  for (int s = 0; s < spec.services; ++s) {
    ServiceRow service;
    const bool training = s >= spec.services - training_services;
    service.name = fmt::format("{}-{:02}", training ? "train" : "serve", s);
    service.kind = training ? ServiceKind::kTraining : ServiceKind::kInference;
    // Inference: 1-10 T tokens/day; training: 2-20 EFLOP/s sustained. Growing 60 % a period.
    double demand = training ? draw.uniform(2e18, 20e18) : draw.uniform(1e12, 10e12);
    for (int p = 0; p < spec.periods; ++p) {
      service.demand.push_back(demand);
      demand *= 1.6;
    }
    service.peak_to_average.assign(spec.periods, training ? 1.0 : 1.5);
    problem.services.push_back(std::move(service));
  }

  // Accelerator types: price 5k-40k USD; capacity roughly proportional to price with
  // +-40 % spread; one in four domestic; one in six cannot run a given service.
  struct Chip {
    std::string name;
    double price;
    double power_w;
    bool domestic;
    std::vector<double> capacity;
  };
  std::vector<Chip> chips;
  for (int a = 0; a < spec.accelerators; ++a) {
    Chip chip;
    chip.name = fmt::format("chip-{:02}", a);
    chip.price = draw.uniform(5000, 40000);
    chip.power_w = 1.5 * 1.3 * draw.uniform(300, 1200);
    chip.domestic = a % 4 == 3;
    for (int s = 0; s < spec.services; ++s) {
      const bool training = problem.services[s].kind == ServiceKind::kTraining;
      const double per_usd = training ? 4e10 : 400;  // FLOP/s or tokens/day per USD of price
      const double capacity =
          draw.chance(1.0 / 6) ? 0.0 : chip.price * per_usd * draw.uniform(0.6, 1.4);
      chip.capacity.push_back(capacity);
    }
    chips.push_back(std::move(chip));
  }

  for (int a = 0; a < spec.accelerators; ++a) {
    for (int k = 0; k < spec.sites; ++k) {
      for (Mode mode : {Mode::kBuy, Mode::kLease}) {
        if (mode == Mode::kLease && (k % 2 == 1 || chips[a].domestic)) {
          continue;  // leases only at even sites, and only of foreign chips
        }
        Option option;
        option.accelerator = chips[a].name;
        option.site = k;
        option.mode = mode;
        option.domestic = chips[a].domestic;
        option.unit_size = 8;
        option.power_w = chips[a].power_w;
        option.capacity = chips[a].capacity;
        const double energy = option.power_w * 8760 / 1000 * draw.uniform(0.05, 0.12);
        if (mode == Mode::kBuy) {
          option.upfront_usd = {chips[a].price * 1.4};
          option.recurring_usd = {energy};
          for (int p = 0; p < spec.periods; ++p) {
            // Straight-line over 5 years from the period's start to the horizon's end.
            const double left = std::max(0.0, 1.0 - (spec.periods - p) / 5.0);
            option.residual_usd.push_back(chips[a].price * 1.4 * left);
          }
        } else {
          // Leases cost about a third of the purchase price a year, energy included.
          option.recurring_usd = {chips[a].price * 1.4 * draw.uniform(0.3, 0.45)};
        }
        problem.options.push_back(std::move(option));
      }
    }
  }

  // Budgets: a fraction of the cash the cheapest rate would need for the period's growth in
  // demand (what is bought earlier carries over).
  for (int p = 0; p < spec.periods; ++p) {
    double need = 0;
    for (std::size_t s = 0; s < problem.services.size(); ++s) {
      const ServiceRow& service = problem.services[s];
      double best = 0;
      for (const auto& chip : chips) {
        best = std::max(best, chip.capacity[s] / (chip.price * 1.4));
      }
      const double growth = service.demand[p] - (p > 0 ? service.demand[p - 1] : 0.0);
      need += growth * service.peak_to_average[p] / best;
    }
    problem.periods[p].budget_usd = need * spec.budget_fraction;
  }

  // Rules of each kind.
  problem.rules.push_back(
      {"domestic-share-30", "30 % of accelerators acquired are domestic", "synthetic"});
  problem.rules.push_back(
      {"export-control", "some foreign chips may not be placed at odd sites", "synthetic"});
  problem.rules.push_back({"supply-cap", "licence batches of three chips", "synthetic"});
  problem.rules.push_back(
      {"domestic-inference", "domestic chips serve inference only", "synthetic"});
  ShareRule share{"domestic",         "domestic-share-30",   {}, {}, {}, 0.3,
                  ShareBasis::kCount, ShareOf::kAcquisitions};
  SupplyCap cap{"licence", "supply-cap", {}, {}, 20000, false};
  const int option_count = static_cast<int>(problem.options.size());
  for (int o = 0; o < option_count; ++o) {
    const Option& option = problem.options[o];
    const int chip = std::stoi(option.accelerator.substr(5));
    if (option.mode == Mode::kBuy) {
      share.scope.push_back(o);
      if (option.domestic) {
        share.subset.push_back(o);
      }
    }
    if (chip % 5 == 0 && !option.domestic) {
      cap.options.push_back(o);
    }
    if (chip % 3 == 0 && !option.domestic && option.site % 2 == 1) {
      problem.exclusions.push_back({{"export-control"},
                                    "",
                                    o,
                                    {},
                                    ExclusionScope::kAcquire,
                                    -1,
                                    "synthetic export control"});
    }
    if (option.domestic) {
      for (int s = 0; s < spec.services; ++s) {
        if (problem.services[s].kind == ServiceKind::kTraining) {
          problem.exclusions.push_back({{"domestic-inference"},
                                        "",
                                        o,
                                        {},
                                        ExclusionScope::kUse,
                                        s,
                                        "synthetic use restriction"});
        }
      }
    }
  }
  problem.shares.push_back(std::move(share));
  problem.supply_caps.push_back(std::move(cap));
  return problem;
}

}  // namespace fleetplan::plan
