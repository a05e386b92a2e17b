// The Simulator's arrival sources: the services' arrival processes, or a trace (see
// detail/simulator.h).
#include <algorithm>
#include <cmath>

#include "sim/detail/simulator.h"

namespace fleetplan::sim::detail {

void Simulator::setup_arrivals() {
  const std::size_t n = workload_.services.size();
  if (!workload_.trace.empty()) {
    return;
  }
  generators_.reserve(n);
  for (std::size_t s = 0; s < n; ++s) {
    generators_.emplace_back(workload_.services[s].arrival,
                             Rng::stream(options_.seed, "arrivals", s));
    length_rngs_.push_back(Rng::stream(options_.seed, "lengths", s));
    inputs_.push_back(workload_.services[s].input);
    inputs_.back().prepare();
    outputs_.push_back(workload_.services[s].output);
    outputs_.back().prepare();
    next_times_.push_back(generators_[s].next());
  }
}

double Simulator::next_arrival_time() const {
  if (workload_.requests > 0 && generated_ >= workload_.requests) {
    return kInf;
  }
  double t = kInf;
  if (!workload_.trace.empty()) {
    if (trace_index_ < workload_.trace.size()) {
      t = workload_.trace[trace_index_].arrival_s;
    }
  } else {
    for (const double x : next_times_) {
      t = std::min(t, x);
    }
  }
  if (workload_.duration_s > 0 && t > workload_.duration_s) {
    return kInf;
  }
  return t;
}

Simulator::Arrival Simulator::take_arrival() {
  Arrival a;
  ++generated_;
  if (!workload_.trace.empty()) {
    const TraceRequest& tr = workload_.trace[trace_index_++];
    a.time = tr.arrival_s;
    a.service = tr.service;
    a.input = tr.input_tokens;
    a.output = tr.output_tokens;
    return a;
  }
  std::size_t best = 0;
  for (std::size_t s = 1; s < next_times_.size(); ++s) {
    if (next_times_[s] < next_times_[best]) {
      best = s;
    }
  }
  a.time = next_times_[best];
  a.service = static_cast<int>(best);
  a.input = inputs_[best].sample(length_rngs_[best]);
  a.output = outputs_[best].sample(length_rngs_[best]);
  next_times_[best] = generators_[best].next();
  return a;
}

}  // namespace fleetplan::sim::detail
