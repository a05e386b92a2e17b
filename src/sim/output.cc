#include "sim/output.h"

#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/json.h"
#include "sim/stats.h"

namespace fleetplan::sim {
namespace {

using nlohmann::ordered_json;

// Rounded to `unit` (a power of ten) so that the printed figures carry no noise digits:
// dividing by the exact 10^k (not multiplying by the inexact 10^-k) gives the double nearest
// to the decimal, which prints short.
double round_to(double value, double unit) {
  const double scale = std::round(1.0 / unit);
  return std::round(value * scale) / scale;
}

ordered_json latency_ms(const LatencyStats& s) {
  const auto ms = [](double seconds) { return round_to(seconds * 1000.0, 1e-4); };
  return {{"mean", ms(s.mean)}, {"p50", ms(s.p50)}, {"p90", ms(s.p90)}, {"p99", ms(s.p99)}};
}

void service_fields(ordered_json& j, const ServiceResult& s) {
  j["requests_arrived"] = s.arrived;
  j["requests_completed"] = s.completed;
  j["requests_dropped"] = s.dropped;
  j["requests_meeting_targets"] = s.met_targets;
  j["preemptions"] = s.preemptions;
  j["throughput_output_tokens_per_s"] = round_to(s.throughput_output_tokens_per_s, 1e-4);
  j["throughput_requests_per_s"] = round_to(s.throughput_requests_per_s, 1e-6);
  j["goodput_requests_per_s"] = round_to(s.goodput_requests_per_s, 1e-6);
  j["mean_requests_in_system"] = round_to(s.mean_requests_in_system, 1e-6);
  j["ttft_ms"] = latency_ms(s.ttft);
  j["tpot_ms"] = latency_ms(s.tpot);
  j["e2e_ms"] = latency_ms(s.e2e);
  if (s.concurrency > 0) {
    j["concurrency"] = s.concurrency;
    j["think_time_ms_mean"] = round_to(s.think_time_mean_s * 1000.0, 1e-4);
  }
}

std::string csv_name(const std::string& name) {
  if (name.find_first_of(",\"\n") == std::string::npos) {
    return name;
  }
  std::string quoted = "\"";
  for (const char c : name) {
    quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  }
  return quoted + "\"";
}

}  // namespace

std::string results_json(const Results& r) {
  ordered_json j = ordered_json::object();
  j["requests_arrived"] = r.overall.arrived;
  j["requests_completed"] = r.overall.completed;
  j["requests_dropped"] = r.overall.dropped;
  j["duration_s"] = round_to(r.duration_s, 1e-7);
  j["throughput_output_tokens_per_s"] = round_to(r.overall.throughput_output_tokens_per_s, 1e-4);
  j["throughput_requests_per_s"] = round_to(r.overall.throughput_requests_per_s, 1e-6);
  j["goodput_requests_per_s"] = round_to(r.overall.goodput_requests_per_s, 1e-6);
  j["mean_requests_in_system"] = round_to(r.overall.mean_requests_in_system, 1e-6);
  j["requests_meeting_targets"] = r.overall.met_targets;
  j["preemptions"] = r.overall.preemptions;
  j["ttft_ms"] = latency_ms(r.overall.ttft);
  j["tpot_ms"] = latency_ms(r.overall.tpot);
  j["e2e_ms"] = latency_ms(r.overall.e2e);
  if (r.closed_loop) {
    j["concurrency"] = r.overall.concurrency;
    j["think_time_ms_mean"] = round_to(r.overall.think_time_mean_s * 1000.0, 1e-4);
  }
  ordered_json services = ordered_json::array();
  for (const ServiceResult& s : r.services) {
    ordered_json o = {{"name", s.name}};
    service_fields(o, s);
    services.push_back(std::move(o));
  }
  j["services"] = std::move(services);
  ordered_json deployments = ordered_json::array();
  for (const DeploymentResult& d : r.deployments) {
    deployments.push_back({{"name", d.name},
                           {"model", d.model},
                           {"accelerator", d.accelerator},
                           {"role", role_name(d.role)},
                           {"replicas", d.replicas},
                           {"requests", d.requests},
                           {"utilisation", round_to(d.utilisation, 1e-6)},
                           {"utilisation_min", round_to(d.utilisation_min, 1e-6)},
                           {"utilisation_max", round_to(d.utilisation_max, 1e-6)},
                           {"mean_batch", round_to(d.mean_batch, 1e-4)},
                           {"kv_occupancy_mean", round_to(d.kv_occupancy_mean, 1e-6)},
                           {"kv_occupancy_peak", round_to(d.kv_occupancy_peak, 1e-6)},
                           {"kv_capacity_tokens", d.kv_capacity_tokens},
                           {"preemptions", d.preemptions},
                           {"steps", d.steps}});
  }
  j["deployments"] = std::move(deployments);
  j["simulation"] = {
      {"seed", r.seed},
      {"mode", r.step_by_step ? "step_by_step" : "fast"},
      {"start_s", round_to(r.start_s, 1e-7)},
      {"end_s", round_to(r.end_s, 1e-7)},
      {"events", r.events},
      {"steps", r.steps},
      {"percentiles", r.exact_percentiles ? "exact"
                                          : fmt::format("sketch (relative error <= {} %)",
                                                        LatencySample::kRelativeError * 100)}};
  if (r.closed_loop) {
    // start_s/end_s are the measurement window; the run spans warm-up and drain too.
    j["simulation"]["closed_loop"] = {{"warmup_requests", r.warmup_requests},
                                      {"run_duration_s", round_to(r.run_duration_s, 1e-7)}};
  }
  return json::dump(j);
}

std::string timeseries_csv(const Results& r) {
  std::string out = "time_s,in_system,waiting,running,kv_occupancy";
  for (const std::string& name : r.service_names) {
    out += fmt::format(",{},{}", csv_name(name + "_waiting"), csv_name(name + "_running"));
  }
  out += "\n";
  for (const TimeseriesRow& row : r.timeseries) {
    out += fmt::format("{},{},{},{},{:.6f}", round_to(row.time_s, 1e-9), row.in_system, row.waiting,
                       row.running, row.kv_occupancy);
    for (std::size_t s = 0; s < row.service_waiting.size(); ++s) {
      out += fmt::format(",{},{}", row.service_waiting[s], row.service_running[s]);
    }
    out += "\n";
  }
  return out;
}

}  // namespace fleetplan::sim
