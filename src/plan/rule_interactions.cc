#include "plan/rule_interactions.h"

#include <algorithm>
#include <bit>
#include <numeric>

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

}  // namespace fleetplan::plan::internal
