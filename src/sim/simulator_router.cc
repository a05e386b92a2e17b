// Routing: which replica a request goes to (see detail/simulator.h).
#include <algorithm>
#include <cmath>

#include "sim/detail/simulator.h"

namespace fleetplan::sim::detail {

int Simulator::route(int list, const Request& q, double now, bool decode_side) {
  Candidates& c = lists_[list];
  const std::size_t n = c.replicas.size();
  int best = -1;
  switch (fleet_.router) {
    case RouterPolicy::kRoundRobin: {
      for (std::size_t i = 0; i < n; ++i) {
        const int r = c.replicas[(c.cursor + i) % n];
        if (fits(replicas_[r], q, decode_side)) {
          best = r;
          c.cursor = (c.cursor + i + 1) % n;
          break;
        }
      }
      break;
    }
    case RouterPolicy::kLeastOutstanding:
    case RouterPolicy::kLeastKv: {
      // Ties go to the first candidate after a cursor that moves on each call, so equal
      // replicas share the traffic.
      double best_load = kInf;
      std::size_t at = c.cursor;
      for (std::size_t i = 0; i < n; ++i, at = at + 1 == n ? 0 : at + 1) {
        const int r = c.replicas[at];
        const Replica& rep = replicas_[r];
        if (!fits(rep, q, decode_side)) {
          continue;
        }
        double load = 0;
        if (fleet_.router == RouterPolicy::kLeastOutstanding) {
          load = static_cast<double>(rep.outstanding);
        } else {
          load = static_cast<double>(blocks_in_use_at(rep, now) + rep.waiting_blocks) /
                 static_cast<double>(rep.capacity_blocks);
        }
        if (load < best_load) {
          best_load = load;
          best = r;
        }
      }
      c.cursor = c.cursor + 1 == n ? 0 : c.cursor + 1;
      break;
    }
    case RouterPolicy::kWeighted: {
      // Smooth weighted round robin (nginx): each candidate gains its weight, the largest
      // is picked and pays back the total.
      double total = 0;
      for (const int r : c.replicas) {
        Replica& rep = replicas_[r];
        if (!fits(rep, q, decode_side)) {
          continue;
        }
        rep.current_weight += rep.weight;
        total += rep.weight;
        if (best < 0 || rep.current_weight > replicas_[best].current_weight) {
          best = r;
        }
      }
      if (best >= 0) {
        replicas_[best].current_weight -= total;
      }
      break;
    }
    case RouterPolicy::kRandom: {
      std::vector<int> ok;
      for (const int r : c.replicas) {
        if (fits(replicas_[r], q, decode_side)) {
          ok.push_back(r);
        }
      }
      if (!ok.empty()) {
        best = ok[routing_rng_.below(ok.size())];
      }
      break;
    }
  }
  return best;
}

}  // namespace fleetplan::sim::detail
