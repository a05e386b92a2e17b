// The event kernel's loop, and the names of the simulator's enums (see detail/simulator.h).
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "sim/detail/simulator.h"

namespace fleetplan::sim {

const char* role_name(Role role) {
  switch (role) {
    case Role::kMixed:
      return "mixed";
    case Role::kPrefill:
      return "prefill";
    case Role::kDecode:
      return "decode";
  }
  return "?";
}

const char* router_name(RouterPolicy policy) {
  switch (policy) {
    case RouterPolicy::kRoundRobin:
      return "round_robin";
    case RouterPolicy::kLeastOutstanding:
      return "least_outstanding";
    case RouterPolicy::kLeastKv:
      return "least_kv";
    case RouterPolicy::kWeighted:
      return "weighted";
    case RouterPolicy::kRandom:
      return "random";
  }
  return "?";
}

}  // namespace fleetplan::sim

namespace fleetplan::sim::detail {

void Simulator::sample_until(double t) {
  while (next_sample_ < t) {
    if (timeseries_.size() >= kMaxTimeseriesRows) {
      if (!failure_) {
        failure_ = input_error(fmt::format(
            "timeseries_interval_s: {} s gives more than {} samples before {} s of simulated "
            "time; raise the interval",
            options_.timeseries_interval_s, kMaxTimeseriesRows, next_sample_));
      }
      return;
    }
    TimeseriesRow row;
    row.time_s = next_sample_;
    row.in_system = in_system_;
    double used = 0;
    double capacity = 0;
    for (const Replica& rep : replicas_) {
      used += static_cast<double>(blocks_in_use_at(rep, next_sample_));
      capacity += static_cast<double>(rep.capacity_blocks);
    }
    row.kv_occupancy = capacity > 0 ? used / capacity : 0;
    for (const ServiceState& s : services_) {
      row.waiting += s.waiting;
      row.running += s.running;
      row.service_waiting.push_back(s.waiting);
      row.service_running.push_back(s.running);
    }
    timeseries_.push_back(std::move(row));
    next_sample_ = static_cast<double>(timeseries_.size()) * options_.timeseries_interval_s;
  }
}

// The replicas of every deployment, in fleet order.
void Simulator::setup_replicas() {
  for (std::size_t d = 0; d < fleet_.deployments.size(); ++d) {
    const Deployment& dep = fleet_.deployments[d];
    const bool jump = !options_.step_by_step && !dep.step_model->random_step_times();
    for (int i = 0; i < dep.replicas; ++i) {
      Replica rep;
      rep.deployment = static_cast<int>(d);
      rep.model = dep.step_model.get();
      rep.role = dep.role;
      rep.cfg = dep.scheduler;
      rep.block_size = dep.scheduler.block_size;
      rep.capacity_blocks = static_cast<long long>(
          std::floor(dep.step_model->kv_capacity_tokens() / static_cast<double>(rep.block_size)));
      rep.watermark_blocks = static_cast<long long>(
          std::floor(dep.scheduler.watermark * static_cast<double>(rep.capacity_blocks)));
      rep.max_tokens = dep.max_sequence_tokens;
      // Under attention-DP a sequence's KV lives on one rank: it must fit in a rank's share.
      rep.fit_tokens = (rep.capacity_blocks - rep.watermark_blocks) /
                       std::max(1, dep.step_model->kv_ranks()) * rep.block_size;
      rep.link_bytes_per_s = dep.kv_link_bytes_per_s;
      rep.weight = dep.weight;
      rep.jump = jump;
      rep.phase.assign(static_cast<std::size_t>(rep.block_size), 0);
      rep.rng = Rng::stream(options_.seed, "steps", replicas_.size());
      replicas_.push_back(std::move(rep));
    }
  }
  heap_ = std::make_unique<ReplicaHeap>(replicas_);
}

// The services' candidate lists (entry and decode replicas) and their statistics.
void Simulator::setup_services() {
  routing_rng_ = Rng::stream(options_.seed, "routing", 0);
  services_.resize(workload_.services.size());
  for (std::size_t s = 0; s < workload_.services.size(); ++s) {
    const std::string& model = workload_.services[s].model;
    Candidates entry;
    Candidates decode;
    for (std::size_t r = 0; r < replicas_.size(); ++r) {
      const Deployment& dep = fleet_.deployments[replicas_[r].deployment];
      if (dep.model != model) {
        continue;
      }
      (dep.role == Role::kDecode ? decode : entry).replicas.push_back(static_cast<int>(r));
    }
    services_[s].entry = static_cast<int>(lists_.size());
    lists_.push_back(std::move(entry));
    services_[s].decode = static_cast<int>(lists_.size());
    lists_.push_back(std::move(decode));
  }
  // No reservation for the samples: a run of 10^9 requests would ask for 24 GB up front.
  // Each sample grows to LatencySample::kExactLimit values, then becomes a sketch.
}

Result<Results> Simulator::run() {
  // Replicas and the candidate lists of each service.
  setup_replicas();
  setup_services();
  setup_arrivals();

  const bool sampling = options_.timeseries_interval_s > 0;
  while (!failure_) {
    // A closed loop's next arrival follows a reply: it may change at any event.
    const double arrival_time = next_arrival_time();
    const double replica_time = heap_->top_time();
    double transfer_time = kInf;
    if (!transfers_.empty()) {
      transfer_time = transfers_.front().time;
    }
    const double t = std::min({arrival_time, replica_time, transfer_time});
    if (t == kInf) {
      break;
    }
    if (sampling) {
      sample_until(t);
    }
    ++events_;
    // Ties: arrivals, then transfers, then replica events, so a step boundary at time t
    // sees everything that arrived at t.
    if (arrival_time <= replica_time && arrival_time <= transfer_time) {
      on_arrival(take_arrival());
    } else if (transfer_time <= replica_time) {
      std::pop_heap(transfers_.begin(), transfers_.end(), kTransferAfter);
      const Transfer tr = transfers_.back();
      transfers_.pop_back();
      on_transfer(tr);
    } else {
      on_replica_event(heap_->top());
    }
  }
  if (failure_) {
    return *failure_;
  }
  if (sampling) {
    sample_until(std::nextafter(last_departure_, kInf));
  }
  return assemble();
}

Result<Results> run_engine(const Fleet& fleet, const Workload& workload, const Options& options) {
  Simulator engine(fleet, workload, options);
  return engine.run();
}

}  // namespace fleetplan::sim::detail
