#include "core/suggest.h"

#include <algorithm>
#include <cctype>
#include <tuple>

namespace fleetplan {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::string x = lower(a);
  const std::string y = lower(b);
  std::vector<std::size_t> row(y.size() + 1);
  for (std::size_t j = 0; j <= y.size(); ++j) {
    row[j] = j;
  }
  for (std::size_t i = 1; i <= x.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= y.size(); ++j) {
      const std::size_t above = row[j];
      const std::size_t cost = x[i - 1] == y[j - 1] ? 0 : 1;
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + cost});
      diagonal = above;
    }
  }
  return row[y.size()];
}

std::vector<std::string> closest_names(std::string_view name,
                                       const std::vector<std::string>& candidates,
                                       std::size_t count, bool only_close) {
  const std::string key = lower(name);
  // Rank: 0 = `name` is a prefix, 1 = `name` is inside, 2 = by distance only.
  std::vector<std::tuple<int, std::size_t, std::string>> ranked;
  ranked.reserve(candidates.size());
  const std::size_t close = std::max<std::size_t>(2, key.size() / 3);
  for (const std::string& candidate : candidates) {
    const std::string c = lower(candidate);
    if (!key.empty() && c.size() > key.size() && c.compare(0, key.size(), key) == 0) {
      ranked.emplace_back(0, c.size(), candidate);
    } else if (!key.empty() && key.size() >= 2 && c.find(key) != std::string::npos) {
      ranked.emplace_back(1, c.size(), candidate);
    } else {
      const std::size_t d = edit_distance(key, c);
      if (!only_close || d <= close) {
        ranked.emplace_back(2, d, candidate);
      }
    }
  }
  std::sort(ranked.begin(), ranked.end());
  std::vector<std::string> out;
  for (std::size_t i = 0; i < ranked.size() && i < count; ++i) {
    out.push_back(std::get<2>(ranked[i]));
  }
  return out;
}

}  // namespace fleetplan
