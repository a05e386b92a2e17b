// Synthetic planning problems of any size, for benchmarks and determinism tests. The numbers
// are drawn from a seeded generator whose arithmetic is written out here (not a standard
// library distribution, whose output may differ between library versions), so a seed gives
// the same problem on every machine.
#pragma once

#include <cstdint>

#include "plan/plan.h"

namespace fleetplan::plan {

//! The size and seed of a synthetic problem.
struct SyntheticSpec {
  int periods = 5;
  int sites = 10;
  int accelerators = 20;
  int services = 10;  //!< the last fifth (at least one) are training services
  std::uint64_t seed = 1;
  //! Budget per period as a fraction of what serving all demand would cost at the
  //! cheapest rate; below 1 the budget binds (the interesting case for max-served).
  double budget_fraction = 0.6;
};

//! A problem with buy options at every site and lease options at half of them, prices and
//! capacities spread like today's chips, demand growing 60 % a period, and rules of each
//! kind: a domestic share (by count), supply caps, export exclusions and a use restriction.
Problem synthetic_problem(const SyntheticSpec& spec);

}  // namespace fleetplan::plan
