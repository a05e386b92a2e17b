// The arithmetic of overlapping rule costs (private to src/plan): which rules overlap,
// and the Shapley split of a group's joint cost. The re-solves themselves are in plan.cc.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace fleetplan::plan::internal {

//! Groups of rules that overlap: the connected components of the graph whose edges are the
//! pairs (i, j) given, over n rules; each group sorted, groups in order of their first rule;
//! rules in no pair are left out.
std::vector<std::vector<int>> overlap_groups(int n, const std::vector<std::pair<int, int>>& pairs);

//! Shapley values of an n-player game (n <= 20) given the worth of every coalition, a bit
//! mask over the players (bit i: player i in it); worth(0) must be 0. phi_i = sum over the
//! coalitions S without i of |S|! (n - |S| - 1)! / n! x (worth(S + i) - worth(S)); the
//! values add up to worth(all).
std::vector<double> shapley_values(int n, const std::function<double(std::uint32_t)>& worth);

}  // namespace fleetplan::plan::internal

namespace fleetplan::plan {
struct RuleCost;
}

namespace fleetplan::plan::internal {

//! A priced rule set as it travels back from a worker process: the cost, or the error, and
//! the MILPs and nodes it took.
struct PricedInWorker {
  bool ok = true;
  int error_kind = 0;  //!< ErrorKind when !ok
  std::string error;
  int solves = 0;
  long long nodes = 0;
};

//! The byte form of a RuleCost (doubles bit for bit) and its worker record.
std::vector<char> encode_rule_cost(const RuleCost& cost, const PricedInWorker& worker);
//! Reads encode_rule_cost's bytes back; false when they are malformed.
bool decode_rule_cost(const std::vector<char>& bytes, RuleCost& cost, PricedInWorker& worker);

}  // namespace fleetplan::plan::internal
