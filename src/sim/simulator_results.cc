// Results of a finished run: per service, in all, per deployment (see detail/simulator.h).
#include <algorithm>
#include <cmath>

#include "sim/detail/simulator.h"
#include "sim/stats.h"

namespace fleetplan::sim::detail {

Results Simulator::assemble() {
  Results res;
  res.seed = options_.seed;
  res.step_by_step = options_.step_by_step;
  res.events = events_;
  res.start_s = first_arrival_ == kInf ? 0 : first_arrival_;
  res.end_s = std::max(last_departure_, res.start_s);
  res.duration_s = res.end_s - res.start_s;
  res.run_duration_s = res.duration_s;
  // Close the integrals of requests in system at the last departure.
  change_in_system(0, 0, res.end_s);
  for (std::size_t s = 0; s < services_.size(); ++s) {
    change_in_system(static_cast<int>(s), 0, res.end_s);
  }
  assemble_deployments(res);
  if (closed_) {
    // Service figures over the measurement window; the integrals between its ends.
    res.closed_loop = true;
    res.warmup_requests = warmup_;
    if (areas_end_.empty()) {
      // No request after the measured ones (the window closes at the last departure).
      snapshot_areas(res.end_s, areas_end_);
      window_end_ = res.end_s;
    }
    if (areas_start_.empty()) {
      areas_start_.assign(areas_end_.size(), 0.0);
      window_start_ = window_end_;
    }
    res.start_s = window_start_;
    res.end_s = window_end_;
    res.duration_s = window_end_ - window_start_;
    for (std::size_t s = 0; s < services_.size(); ++s) {
      services_[s].area = areas_end_[s] - areas_start_[s];
    }
    area_ = areas_end_.back() - areas_start_.back();
  }
  assemble_services(res);
  res.timeseries = std::move(timeseries_);
  return res;
}

// Per service, and all services together.
void Simulator::assemble_services(Results& res) {
  const double duration = res.duration_s;
  const auto rate = [duration](double x) { return duration > 0 ? x / duration : 0.0; };
  LatencySample all_ttft;
  LatencySample all_tpot;
  LatencySample all_e2e;
  ServiceResult& all = res.overall;
  all.name = "all";
  for (std::size_t s = 0; s < services_.size(); ++s) {
    ServiceState& st = services_[s];
    ServiceResult out;
    out.name = workload_.services[s].name;
    res.service_names.push_back(out.name);
    out.arrived = st.arrived;
    out.completed = st.completed;
    out.dropped = st.dropped;
    out.met_targets = st.met;
    out.preemptions = st.preemptions;
    out.input_tokens = st.input_tokens;
    out.output_tokens = st.output_tokens;
    if (services_.size() > 1) {
      all_ttft.merge(st.ttft);
      all_tpot.merge(st.tpot);
      all_e2e.merge(st.e2e);
    }
    out.ttft = st.ttft.summary();
    out.tpot = st.tpot.summary();
    out.e2e = st.e2e.summary();
    res.exact_percentiles =
        res.exact_percentiles && st.ttft.exact() && st.tpot.exact() && st.e2e.exact();
    out.throughput_output_tokens_per_s = rate(st.output_tokens);
    out.throughput_requests_per_s = rate(static_cast<double>(st.completed));
    out.goodput_requests_per_s = rate(static_cast<double>(st.met));
    out.mean_requests_in_system = rate(st.area);
    if (closed_) {
      out.concurrency = workload_.services[s].arrival.concurrency;
      out.think_time_mean_s =
          st.think_count > 0 ? st.think_sum / static_cast<double>(st.think_count) : 0.0;
      all.concurrency += out.concurrency;
    }
    all.arrived += out.arrived;
    all.completed += out.completed;
    all.dropped += out.dropped;
    all.met_targets += out.met_targets;
    all.preemptions += out.preemptions;
    all.input_tokens += out.input_tokens;
    all.output_tokens += out.output_tokens;
    res.services.push_back(std::move(out));
  }
  if (services_.size() > 1) {
    all.ttft = all_ttft.summary();
    all.tpot = all_tpot.summary();
    all.e2e = all_e2e.summary();
    res.exact_percentiles =
        res.exact_percentiles && all_ttft.exact() && all_tpot.exact() && all_e2e.exact();
  } else if (!res.services.empty()) {
    all.ttft = res.services[0].ttft;
    all.tpot = res.services[0].tpot;
    all.e2e = res.services[0].e2e;
  }
  all.throughput_output_tokens_per_s = rate(all.output_tokens);
  all.throughput_requests_per_s = rate(static_cast<double>(all.completed));
  all.goodput_requests_per_s = rate(static_cast<double>(all.met_targets));
  all.mean_requests_in_system = rate(area_);
  if (closed_) {
    double think_sum = 0;
    long long think_count = 0;
    for (const ServiceState& st : services_) {
      think_sum += st.think_sum;
      think_count += st.think_count;
    }
    all.think_time_mean_s = think_count > 0 ? think_sum / static_cast<double>(think_count) : 0.0;
  }
}

// Per deployment: its replicas' utilisation, batch and KV occupancy.
void Simulator::assemble_deployments(Results& res) {
  const double duration = res.run_duration_s;
  const auto rate = [duration](double x) { return duration > 0 ? x / duration : 0.0; };
  for (std::size_t d = 0; d < fleet_.deployments.size(); ++d) {
    const Deployment& dep = fleet_.deployments[d];
    DeploymentResult out;
    out.name = dep.name;
    out.model = dep.model;
    out.accelerator = dep.accelerator;
    out.role = dep.role;
    out.replicas = dep.replicas;
    out.utilisation_min = kInf;
    double kv_capacity = 0;
    for (const Replica& rep : replicas_) {
      if (rep.deployment != static_cast<int>(d)) {
        continue;
      }
      const double util = rate(rep.busy);
      const double blocks = static_cast<double>(rep.capacity_blocks);
      kv_capacity = blocks * static_cast<double>(rep.block_size);
      out.requests += rep.routed;
      out.steps += rep.steps_run;
      out.preemptions += rep.preemptions;
      out.utilisation += util;
      out.utilisation_min = std::min(out.utilisation_min, util);
      out.utilisation_max = std::max(out.utilisation_max, util);
      out.kv_occupancy_mean += blocks > 0 ? rate(rep.kv_area) / blocks : 0;
      out.mean_batch += rate(rep.batch_area);
      out.kv_occupancy_peak = std::max(out.kv_occupancy_peak,
                                       blocks > 0 ? static_cast<double>(rep.kv_peak) / blocks : 0);
      res.steps += rep.steps_run;
    }
    out.utilisation /= dep.replicas;
    out.kv_occupancy_mean /= dep.replicas;
    out.mean_batch /= dep.replicas;
    out.kv_capacity_tokens = kv_capacity;
    res.deployments.push_back(std::move(out));
  }
}

}  // namespace fleetplan::sim::detail
