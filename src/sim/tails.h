// The p99/mean latency ratios `estimate` checks p99 targets with (perf::TailTable), simulated
// under Poisson arrivals at a range of loads on a reference deployment.
#pragma once

#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "core/result.h"
#include "perf/perf.h"
#include "sim/distributions.h"

namespace fleetplan::sim {

//! What to simulate: one deployment, its request lengths, the loads.
struct TailStudy {
  const catalog::Model* model = nullptr;
  const catalog::Accelerator* accelerator = nullptr;
  int count = 1;
  int tp = 1;
  catalog::Precision weights = catalog::Precision::kFp8;
  catalog::Precision kv_cache = catalog::Precision::kFp8;
  LengthDistribution input;
  LengthDistribution output;
  std::string lengths;         //!< where the lengths come from, for the table's source
  long long requests = 20000;  //!< per load
  std::uint64_t seed = 1;
  //! Utilisations: Poisson arrivals at this fraction of the offline throughput `estimate`
  //! gives for the deployment at the mean lengths.
  std::vector<double> utilisations = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95};
};

//! Reads "length,count" lines ('#' comments), as `{dist: empirical, file: ...}` does.
Result<LengthDistribution> load_length_distribution(const std::string& path);

//! Simulates each load and returns TTFT and TPOT p99 over mean at each.
Result<perf::TailTable> simulate_tails(const TailStudy& study,
                                       const perf::EfficiencyTable& efficiency);

}  // namespace fleetplan::sim
