// The Simulator's arrival sources: the services' arrival processes, a closed loop of users,
// or a trace (see detail/simulator.h).
#include <algorithm>
#include <cmath>

#include "sim/detail/simulator.h"

namespace fleetplan::sim::detail {

void Simulator::setup_arrivals() {
  const std::size_t n = workload_.services.size();
  if (!workload_.trace.empty()) {
    return;
  }
  if (!workload_.services.empty() &&
      workload_.services[0].arrival.kind == ArrivalProcess::Kind::kClosed) {
    setup_closed_loop();
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
  if (closed_) {
    if (phase_ == LoopPhase::kStopped || users_.empty()) {
      return kInf;
    }
    return users_.front().time;
  }
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
  if (closed_) {
    return take_user_arrival();
  }
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

// Every user sends its first request at time 0. That request joins a run in progress: its
// output is drawn uniformly from 1 to a drawn length, as the remaining output of a request
// found in flight at a random moment would be (for a fixed length). Users with identical
// requests then do not move in lockstep, finishing together and prefilling together, which
// no client with real prompts does. These requests are warm-up: never measured.
void Simulator::setup_closed_loop() {
  closed_ = true;
  long long users = 0;
  for (std::size_t s = 0; s < workload_.services.size(); ++s) {
    const SimService& svc = workload_.services[s];
    length_rngs_.push_back(Rng::stream(options_.seed, "lengths", s));
    think_rngs_.push_back(Rng::stream(options_.seed, "think", s));
    inputs_.push_back(svc.input);
    inputs_.back().prepare();
    outputs_.push_back(svc.output);
    outputs_.back().prepare();
    for (int u = 0; u < svc.arrival.concurrency; ++u) {
      users_.push_back({0.0, user_seq_++, static_cast<int>(s), true});
    }
    users += svc.arrival.concurrency;
  }
  std::make_heap(users_.begin(), users_.end(), UserAfter{});
  warmup_ = workload_.warmup_requests.value_or(2 * users);
}

Simulator::Arrival Simulator::take_user_arrival() {
  std::pop_heap(users_.begin(), users_.end(), UserAfter{});
  const UserArrival u = users_.back();
  users_.pop_back();
  Arrival a;
  a.time = u.time;
  a.service = u.service;
  Rng& rng = length_rngs_[u.service];
  a.input = inputs_[u.service].sample(rng);
  a.output = outputs_[u.service].sample(rng);
  if (u.joining) {
    a.output = 1 + static_cast<long long>(rng.below(static_cast<std::uint64_t>(a.output)));
  }
  const long long index = generated_++;
  if (phase_ == LoopPhase::kWarmup && index >= warmup_) {
    phase_ = LoopPhase::kMeasure;
    window_start_ = a.time;
    snapshot_areas(a.time, areas_start_);
  }
  if (phase_ == LoopPhase::kMeasure &&
      ((workload_.requests > 0 && measured_arrived_ >= workload_.requests) ||
       (workload_.duration_s > 0 && a.time > workload_.duration_s))) {
    phase_ = LoopPhase::kDrain;
    window_end_ = a.time;
    snapshot_areas(a.time, areas_end_);
  }
  a.measured = phase_ == LoopPhase::kMeasure;
  if (a.measured) {
    measured_arrived_ += 1;
    measured_outstanding_ += 1;
  }
  return a;
}

// A user got its reply (or was turned away): it sends its next request after a think time,
// until every measured request has finished.
void Simulator::user_replied(const Request& q, double now) {
  if (!closed_) {
    return;
  }
  if (q.measured) {
    measured_outstanding_ -= 1;
  }
  if (phase_ == LoopPhase::kDrain && measured_outstanding_ == 0) {
    phase_ = LoopPhase::kStopped;
    users_.clear();
  }
  if (phase_ == LoopPhase::kStopped) {
    return;
  }
  const double think = workload_.services[q.service].arrival.think.sample(think_rngs_[q.service]);
  if (q.measured) {
    services_[q.service].think_sum += think;
    services_[q.service].think_count += 1;
  }
  users_.push_back({now + think, user_seq_++, q.service, false});
  std::push_heap(users_.begin(), users_.end(), UserAfter{});
}

// The integrals of requests in system up to t: per service, then all services.
void Simulator::snapshot_areas(double t, std::vector<double>& areas) {
  areas.clear();
  for (std::size_t s = 0; s < services_.size(); ++s) {
    change_in_system(static_cast<int>(s), 0, t);
    areas.push_back(services_[s].area);
  }
  areas.push_back(area_);
}

}  // namespace fleetplan::sim::detail
