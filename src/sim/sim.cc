#include "sim/sim.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "sim/detail/simulator.h"

namespace fleetplan::sim {
namespace {

bool finite_positive(double x) { return std::isfinite(x) && x > 0; }

Status check_lengths(const LengthDistribution& d, const std::string& path) {
  using Kind = LengthDistribution::Kind;
  const long long largest = d.kind == Kind::kFixed ? d.value : d.max;
  if (largest > kMaxTokens) {
    return input_error(fmt::format("{}: {} tokens is beyond the simulator's bound of {} a request",
                                   path, largest, kMaxTokens));
  }
  if (d.kind == Kind::kEmpirical) {
    for (std::size_t i = 0; i < d.values.size(); ++i) {
      if (d.values[i] > kMaxTokens) {
        return input_error(fmt::format("{}: value {} is {} tokens, beyond the bound of {}", path, i,
                                       d.values[i], kMaxTokens));
      }
    }
  }
  switch (d.kind) {
    case Kind::kFixed:
      if (d.value < 1) {
        return input_error(fmt::format("{}: fixed length {} must be >= 1 token", path, d.value));
      }
      break;
    case Kind::kUniform:
      if (d.min < 1 || d.max < d.min) {
        return input_error(fmt::format("{}: uniform range [{}, {}] must have 1 <= min <= max", path,
                                       d.min, d.max));
      }
      break;
    case Kind::kLognormal:
      if (!(d.mean >= 1) || !std::isfinite(d.mean) || !(d.sigma >= 0) || !std::isfinite(d.sigma) ||
          d.min < 1 || d.max < d.min) {
        return input_error(fmt::format(
            "{}: lognormal needs mean >= 1, sigma >= 0 and 1 <= min <= max (got mean {}, sigma "
            "{}, min {}, max {})",
            path, d.mean, d.sigma, d.min, d.max));
      }
      break;
    case Kind::kExponential:
      if (!(d.mean >= 1) || !std::isfinite(d.mean) || d.max < 1) {
        return input_error(
            fmt::format("{}: exponential length needs mean >= 1 (got {})", path, d.mean));
      }
      break;
    case Kind::kEmpirical: {
      if (d.values.empty()) {
        return input_error(fmt::format("{}: empirical distribution has no values", path));
      }
      double total = 0;
      for (std::size_t i = 0; i < d.values.size(); ++i) {
        if (d.values[i] < 1) {
          return input_error(
              fmt::format("{}: value {} is {}; lengths must be >= 1", path, i, d.values[i]));
        }
        const double w = i < d.weights.size() ? d.weights[i] : 1.0;
        if (!(w >= 0) || !std::isfinite(w)) {
          return input_error(fmt::format("{}: weight {} is {}; weights must be >= 0", path, i, w));
        }
        total += w;
      }
      if (!(total > 0)) {
        return input_error(fmt::format("{}: the weights sum to 0", path));
      }
      break;
    }
  }
  return {};
}

Status check_think(const ThinkTime& t, const std::string& path) {
  const auto in_range = [](double x) { return x >= 0 && x <= kMaxThinkTimeS; };
  if (!in_range(t.mean_s) || !in_range(t.min_s) || !in_range(t.max_s) || t.min_s > t.max_s) {
    return input_error(
        fmt::format("{}: {} is out of range; expected think times of 0 to {} s (min <= max)", path,
                    t.describe(), kMaxThinkTimeS));
  }
  if (t.kind == ThinkTime::Kind::kLognormal && !(t.sigma >= 0 && t.sigma <= 10)) {
    return input_error(
        fmt::format("{}.sigma: {} is out of range; expected 0 to 10", path, t.sigma));
  }
  return {};
}

Status check_arrival(const ArrivalProcess& a, const std::string& path) {
  switch (a.kind) {
    case ArrivalProcess::Kind::kClosed:
      if (a.concurrency < 1 || a.concurrency > kMaxUsers) {
        return input_error(fmt::format("{}.concurrency: {} is out of range; expected 1 to {} users",
                                       path, a.concurrency, kMaxUsers));
      }
      return check_think(a.think, path + ".think_time_ms");
    case ArrivalProcess::Kind::kPoisson:
    case ArrivalProcess::Kind::kGamma:
      if (!finite_positive(a.rate)) {
        return input_error(fmt::format("{}.rate: {} requests/s must be > 0", path, a.rate));
      }
      if (a.kind == ArrivalProcess::Kind::kGamma && !(a.cv >= kMinCv && a.cv <= kMaxCv)) {
        return input_error(fmt::format("{}.cv: {} is out of range; expected {} to {}", path, a.cv,
                                       kMinCv, kMaxCv));
      }
      break;
    case ArrivalProcess::Kind::kDayCurve: {
      if (a.curve.empty()) {
        return input_error(fmt::format("{}.rates: the day curve has no rates", path));
      }
      bool any = false;
      for (std::size_t i = 0; i < a.curve.size(); ++i) {
        if (!(a.curve[i] >= 0) || !std::isfinite(a.curve[i])) {
          return input_error(
              fmt::format("{}.rates[{}]: {} requests/s must be >= 0", path, i, a.curve[i]));
        }
        any = any || a.curve[i] > 0;
      }
      if (!any) {
        return input_error(fmt::format("{}.rates: every rate is 0", path));
      }
      if (!finite_positive(a.period_s)) {
        return input_error(fmt::format("{}.period_s: {} must be > 0", path, a.period_s));
      }
      break;
    }
  }
  return {};
}

// The run must end within the bounds: at most kMaxRequests arrivals, spread over at most
// kMaxHorizonS seconds at the mean rate (a rate of 1e-308 requests/s puts the first arrival
// past any time a double can step, and the run reported 0 arrivals).
Status check_horizon(const Workload& workload) {
  if (workload.requests > kMaxRequests) {
    return input_error(fmt::format("simulation.requests: {} is beyond the bound of {} requests",
                                   workload.requests, kMaxRequests));
  }
  if (workload.duration_s > kMaxHorizonS) {
    return input_error(fmt::format("simulation.duration_s: {} s is beyond the bound of {} s",
                                   workload.duration_s, kMaxHorizonS));
  }
  if (!workload.trace.empty()) {
    return {};
  }
  if (!workload.services.empty() &&
      workload.services[0].arrival.kind == ArrivalProcess::Kind::kClosed) {
    // A closed loop sends warm-up + requests, then drains: the number of requests bounds it.
    const long long warmup = workload.warmup_requests.value_or(0);
    if (workload.requests <= 0) {
      return input_error(
          "simulation.requests: a closed loop needs a number of requests to measure (the users "
          "never stop sending)");
    }
    if (warmup < 0 || warmup > kMaxRequests - workload.requests) {
      return input_error(fmt::format(
          "simulation.warmup_requests: {} is out of range; expected 0 to {} (with {} requests)",
          warmup, kMaxRequests - workload.requests, workload.requests));
    }
    return {};
  }
  double rate = 0;
  for (const SimService& s : workload.services) {
    rate += s.arrival.mean_rate();
  }
  if (workload.requests > 0 && static_cast<double>(workload.requests) / rate > kMaxHorizonS &&
      (workload.duration_s == 0 || workload.duration_s > kMaxHorizonS)) {
    return input_error(fmt::format(
        "services: {} requests at {:g} requests/s in all take {:.3g} s, beyond the bound of {} s; "
        "raise the rate or ask for fewer requests",
        workload.requests, rate, static_cast<double>(workload.requests) / rate, kMaxHorizonS));
  }
  if (workload.duration_s > 0 && (workload.requests == 0 || workload.requests > kMaxRequests) &&
      workload.duration_s * rate > static_cast<double>(kMaxRequests)) {
    return input_error(fmt::format(
        "services: {:g} requests/s for {} s is {:.3g} requests, beyond the bound of {}; shorten "
        "the duration or cap the requests",
        rate, workload.duration_s, workload.duration_s * rate, kMaxRequests));
  }
  return {};
}

// The checks of one deployment of the fleet, named `path` in errors.
Status check_deployment(const Deployment& dep, const std::string& path) {
  if (dep.replicas < 1) {
    return input_error(fmt::format("{}.replicas: {} must be >= 1", path, dep.replicas));
  }
  if (!dep.step_model) {
    return internal_error(fmt::format("{}: no step-time model", path));
  }
  const SchedulerConfig& c = dep.scheduler;
  if (c.max_batch < 1 || c.max_batch > kMaxBatch) {
    return input_error(fmt::format("{}.scheduler.max_batch: {} is out of range; expected 1 to {}",
                                   path, c.max_batch, kMaxBatch));
  }
  if (c.token_budget > kMaxTokenBudget) {
    return input_error(fmt::format("{}.scheduler.max_num_tokens: {} is beyond the bound of {}",
                                   path, c.token_budget, kMaxTokenBudget));
  }
  if (c.token_budget < c.max_batch) {
    return input_error(fmt::format(
        "{}.scheduler.max_num_tokens: {} must be >= max_batch ({}): every running sequence needs "
        "a token a step",
        path, c.token_budget, c.max_batch));
  }
  if (c.block_size < 1 || c.block_size > 4096) {
    return input_error(
        fmt::format("{}.scheduler.block_size: {} must be in [1, 4096]", path, c.block_size));
  }
  if (!(c.watermark >= 0 && c.watermark < 1)) {
    return input_error(
        fmt::format("{}.scheduler.watermark: {} must be in [0, 1)", path, c.watermark));
  }
  if (c.max_waiting < 0) {
    return input_error(
        fmt::format("{}.scheduler.max_waiting: {} must be >= 0", path, c.max_waiting));
  }
  if (!finite_positive(dep.weight)) {
    return input_error(fmt::format("{}.weight: {} must be > 0", path, dep.weight));
  }
  const double capacity = dep.step_model->kv_capacity_tokens();
  if (!(capacity >= c.block_size)) {
    return infeasible_error(
        fmt::format("{}: the KV cache holds {:.0f} tokens, less than one block of {}", path,
                    capacity, c.block_size));
  }
  if (dep.role != Role::kMixed && !finite_positive(dep.kv_link_bytes_per_s)) {
    return input_error(fmt::format("{}.kv_link: a {} deployment needs a KV-transfer bandwidth > 0",
                                   path, role_name(dep.role)));
  }
  return {};
}

// Every deployment checked; every prefill deployment has a decode one of its model and back.
// `entry_models` receives the models requests can enter (mixed and prefill deployments).
Status check_deployments(const Fleet& fleet, std::set<std::string>& entry_models) {
  if (fleet.deployments.empty()) {
    return input_error("fleet.deployments: the fleet has no deployment");
  }
  std::set<std::string> prefill_models;
  std::set<std::string> decode_models;
  for (std::size_t d = 0; d < fleet.deployments.size(); ++d) {
    const Deployment& dep = fleet.deployments[d];
    FLEETPLAN_RETURN_IF_ERROR(check_deployment(dep, fmt::format("fleet.deployments[{}]", d)));
    if (dep.role == Role::kPrefill) {
      prefill_models.insert(dep.model);
    }
    if (dep.role == Role::kDecode) {
      decode_models.insert(dep.model);
    }
    if (dep.role != Role::kDecode) {
      entry_models.insert(dep.model);
    }
  }
  for (std::size_t d = 0; d < fleet.deployments.size(); ++d) {
    const Deployment& dep = fleet.deployments[d];
    if (dep.role == Role::kPrefill && !decode_models.count(dep.model)) {
      return input_error(fmt::format(
          "fleet.deployments[{}].role: prefill replicas of {} need a decode deployment of the "
          "same model to hand their requests to",
          d, dep.model));
    }
    if (dep.role == Role::kDecode && !prefill_models.count(dep.model)) {
      return input_error(fmt::format(
          "fleet.deployments[{}].role: decode replicas of {} only receive requests from prefill "
          "replicas, and there are none",
          d, dep.model));
    }
  }
  return {};
}

// The services: all open- or all closed-loop, each on a model the fleet serves, with valid
// targets, arrivals and lengths (the last two only without a trace).
}  // namespace

long long cached_prefix_tokens(double share, long long input) {
  if (share <= 0 || input < 2) {
    return 0;
  }
  const auto cached = static_cast<long long>(std::floor(share * static_cast<double>(input)));
  return std::min(cached, input - 1);
}

namespace {

Status check_services(const Workload& workload, const std::set<std::string>& entry_models) {
  if (workload.services.empty()) {
    return input_error("services: the workload has no service");
  }
  const bool closed = workload.services[0].arrival.kind == ArrivalProcess::Kind::kClosed;
  for (std::size_t s = 1; s < workload.services.size() && workload.trace.empty(); ++s) {
    if ((workload.services[s].arrival.kind == ArrivalProcess::Kind::kClosed) != closed) {
      return input_error(fmt::format(
          "services[{}].arrival: closed-loop and open-loop services cannot be mixed in one run (a "
          "closed loop measures over its own window); give every service a concurrency, or none",
          s));
    }
  }
  if (workload.warmup_requests && (!closed || !workload.trace.empty())) {
    return input_error(
        "simulation.warmup_requests: applies to a closed loop (services with a concurrency) only");
  }
  for (std::size_t s = 0; s < workload.services.size(); ++s) {
    const SimService& svc = workload.services[s];
    const std::string path = fmt::format("services[{}]", s);
    if (!entry_models.count(svc.model)) {
      return input_error(
          fmt::format("{}.model: no deployment serves {} (service {})", path, svc.model, svc.name));
    }
    if (svc.ttft_target_s && !finite_positive(*svc.ttft_target_s)) {
      return input_error(fmt::format("{}.ttft_ms: the target must be > 0", path));
    }
    if (svc.tpot_target_s && !finite_positive(*svc.tpot_target_s)) {
      return input_error(fmt::format("{}.tpot_ms: the target must be > 0", path));
    }
    if (!(svc.prefix_cache_hit_share >= 0 && svc.prefix_cache_hit_share <= 0.99)) {
      return input_error(fmt::format("{}.prefix_cache_hit_share: {} is not a share in [0, 0.99]",
                                     path, svc.prefix_cache_hit_share));
    }
    if (workload.trace.empty()) {
      FLEETPLAN_RETURN_IF_ERROR(check_arrival(svc.arrival, path + ".arrival"));
      FLEETPLAN_RETURN_IF_ERROR(check_lengths(svc.input, path + ".input_len"));
      FLEETPLAN_RETURN_IF_ERROR(check_lengths(svc.output, path + ".output_len"));
    }
  }
  return {};
}

// The trace's requests: sorted by arrival, lengths in range, each of a known service.
Status check_trace(const Workload& workload) {
  double previous = 0;
  for (std::size_t i = 0; i < workload.trace.size(); ++i) {
    const TraceRequest& t = workload.trace[i];
    if (!(t.arrival_s >= previous) || !std::isfinite(t.arrival_s)) {
      return input_error(fmt::format(
          "trace[{}].arrival_s: {} is before the previous arrival {} (the trace must be sorted)", i,
          t.arrival_s, previous));
    }
    previous = t.arrival_s;
    if (t.input_tokens < 1 || t.output_tokens < 1 || t.input_tokens > kMaxTokens ||
        t.output_tokens > kMaxTokens) {
      return input_error(
          fmt::format("trace[{}]: input and output tokens must be 1 to {}", i, kMaxTokens));
    }
    if (t.service < 0 || t.service >= static_cast<int>(workload.services.size())) {
      return input_error(fmt::format("trace[{}].service: no service number {}", i, t.service));
    }
  }
  return {};
}

}  // namespace

Status validate(const Fleet& fleet, const Workload& workload) {
  std::set<std::string> entry_models;
  FLEETPLAN_RETURN_IF_ERROR(check_deployments(fleet, entry_models));
  FLEETPLAN_RETURN_IF_ERROR(check_services(workload, entry_models));
  if (workload.trace.empty() && workload.requests <= 0 && !(workload.duration_s > 0)) {
    return input_error(
        "simulation: give a number of requests or a duration (the arrivals never stop)");
  }
  if (workload.requests < 0 || !(workload.duration_s >= 0) || !std::isfinite(workload.duration_s)) {
    return input_error("simulation: requests and duration_s must be >= 0");
  }
  FLEETPLAN_RETURN_IF_ERROR(check_horizon(workload));
  return check_trace(workload);
}

Result<Results> simulate(const Fleet& fleet, const Workload& workload, const Options& options) {
  FLEETPLAN_RETURN_IF_ERROR(validate(fleet, workload));
  const double interval = options.timeseries_interval_s;
  if (!(interval == 0 || (interval >= kMinTimeseriesIntervalS && interval <= kMaxHorizonS))) {
    return input_error(
        fmt::format("timeseries_interval_s: {} s is out of range; expected 0 (off) or {} to {} s",
                    interval, kMinTimeseriesIntervalS, kMaxHorizonS));
  }
  return detail::run_engine(fleet, workload, options);
}

}  // namespace fleetplan::sim
