#include "plan/rule_interactions.h"

#include <algorithm>
#include <bit>
#include <numeric>

#include "core/processes.h"
#include "plan/plan.h"

namespace fleetplan::plan::internal {

std::vector<std::vector<int>> overlap_groups(int n, const std::vector<std::pair<int, int>>& pairs) {
  std::vector<int> parent(n);
  std::iota(parent.begin(), parent.end(), 0);
  const std::function<int(int)> root = [&](int i) {
    return parent[i] == i ? i : parent[i] = root(parent[i]);
  };
  std::vector<bool> paired(n, false);
  for (const auto& [a, b] : pairs) {
    paired[a] = paired[b] = true;
    const int ra = root(a);
    const int rb = root(b);
    parent[std::max(ra, rb)] = std::min(ra, rb);
  }
  std::vector<std::vector<int>> groups;
  std::vector<int> group_of(n, -1);
  for (int i = 0; i < n; ++i) {
    if (!paired[i]) {
      continue;
    }
    const int r = root(i);
    if (group_of[r] < 0) {
      group_of[r] = static_cast<int>(groups.size());
      groups.emplace_back();
    }
    groups[group_of[r]].push_back(i);
  }
  return groups;
}

std::vector<double> shapley_values(int n, const std::function<double(std::uint32_t)>& worth) {
  // weight[k] = k! (n - k - 1)! / n!, computed as a product to stay exact for small n.
  std::vector<double> weight(n, 1.0);
  for (int k = 0; k < n; ++k) {
    double w = 1.0 / n;
    for (int i = 1; i <= k; ++i) {
      w *= static_cast<double>(i) / (n - i);
    }
    weight[k] = w;
  }
  const std::uint32_t all = n >= 32 ? ~0U : (1U << static_cast<unsigned>(n)) - 1U;
  std::vector<double> phi(n, 0.0);
  for (std::uint32_t s = 0; s <= all; ++s) {
    const double base = worth(s);
    const int size = std::popcount(s);
    for (int i = 0; i < n; ++i) {
      const std::uint32_t bit = 1U << static_cast<unsigned>(i);
      if ((s & bit) == 0) {
        phi[i] += weight[size] * (worth(s | bit) - base);
      }
    }
    if (s == all) {
      break;
    }
  }
  return phi;
}

std::vector<char> encode_rule_cost(const RuleCost& cost, const PricedInWorker& worker) {
  ByteWriter w;
  w.put<std::uint8_t>(worker.ok ? 1 : 0);
  w.put<std::int32_t>(worker.error_kind);
  w.put_string(worker.error);
  w.put<std::int32_t>(worker.solves);
  w.put<std::int64_t>(worker.nodes);
  w.put_string(cost.rule);
  w.put<std::uint8_t>(cost.binding ? 1 : 0);
  w.put(cost.cost_usd);
  w.put(cost.cost_usd_bound);
  w.put(cost.gap);
  w.put<std::uint64_t>(cost.served_change.size());
  for (const auto& row : cost.served_change) {
    w.put_doubles(row);
  }
  w.put(cost.served_score_change);
  w.put_doubles(cost.tokens_per_day);
  w.put<std::int32_t>(static_cast<std::int32_t>(cost.status_without));
  return w.take();
}

bool decode_rule_cost(const std::vector<char>& bytes, RuleCost& cost, PricedInWorker& worker) {
  ByteReader r(bytes);
  std::uint8_t ok = 0;
  std::uint8_t binding = 0;
  std::int32_t solves = 0;
  std::int64_t nodes = 0;
  std::uint64_t rows = 0;
  std::int32_t status = 0;
  if (!r.get(ok) || !r.get(worker.error_kind) || !r.get_string(worker.error) || !r.get(solves) ||
      !r.get(nodes) || !r.get_string(cost.rule) || !r.get(binding) || !r.get(cost.cost_usd) ||
      !r.get(cost.cost_usd_bound) || !r.get(cost.gap) || !r.get(rows) || rows > bytes.size()) {
    return false;
  }
  cost.served_change.resize(rows);
  for (auto& row : cost.served_change) {
    if (!r.get_doubles(row)) {
      return false;
    }
  }
  if (!r.get(cost.served_score_change) || !r.get_doubles(cost.tokens_per_day) || !r.get(status) ||
      status < 0 || status > static_cast<std::int32_t>(SolveStatus::kStopped) || !r.done()) {
    return false;
  }
  worker.ok = ok != 0;
  worker.solves = solves;
  worker.nodes = nodes;
  cost.binding = binding != 0;
  cost.status_without = static_cast<SolveStatus>(status);
  return true;
}

}  // namespace fleetplan::plan::internal
