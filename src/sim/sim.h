// The request-level serving simulator: a fleet of replicas (continuous batching, chunked
// prefill, paged KV cache, preemption by recompute, optional prefill/decode disaggregation)
// under a workload of services, driven by a step-time model per replica. See README.md.
//
// Build a Fleet and a Workload in code (or load a scenario file with sim/sim_scenario.h) and
// call simulate(); the same inputs and seed give the same Results, bit for bit.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "sim/distributions.h"
#include "sim/step_model.h"

namespace fleetplan::sim {

// Bounds on what the simulator is asked (issue 8 B7): beyond them a run would not end, would
// not fit in memory, or would work at times where a double no longer resolves a step.
//! Tokens of one request's prompt or output (16x the longest context window published).
inline constexpr long long kMaxTokens = 1LL << 24;
//! Requests of one run: 10^10 (about a day of the 2026 reference fleet's peak traffic).
inline constexpr long long kMaxRequests = 10'000'000'000LL;
//! Simulated seconds of arrivals: 10^9 s (31.7 years); a double still resolves 0.2 us there.
inline constexpr double kMaxHorizonS = 1e9;
//! Sequences a replica runs at once (the step-time table holds one entry per batch size).
inline constexpr int kMaxBatch = 1 << 20;
//! Tokens a replica's step may carry.
inline constexpr int kMaxTokenBudget = 1 << 24;
//! Burstiness of gamma arrivals: cv outside [0.01, 10] makes gamma gaps degenerate (shape
//! 1/cv^2 of 10^4 or 10^-2: gaps that are constant, or almost all zero).
inline constexpr double kMinCv = 0.01;
inline constexpr double kMaxCv = 10;
//! Users of one closed-loop service (16x the largest concurrency a published benchmark ran).
inline constexpr int kMaxUsers = 1 << 24;
//! Mean think time of a closed-loop user: a day (beyond it the users hardly ever come back).
inline constexpr double kMaxThinkTimeS = 86400;
//! Time-series samples: at least 1 ms apart, at most 10^6 rows.
inline constexpr double kMinTimeseriesIntervalS = 1e-3;
inline constexpr std::size_t kMaxTimeseriesRows = 1'000'000;

//! One AI service: its model, its traffic and its latency targets.
struct SimService {
  std::string name;
  std::string model;  //!< routed to the deployments serving this model
  ArrivalProcess arrival;
  LengthDistribution input;
  LengthDistribution output;
  std::optional<double> ttft_target_s;  //!< a request meets its targets when its TTFT and
  std::optional<double> tpot_target_s;  //!< its TPOT are at most these (absent: any)
  //! Share of each prompt found in the replica's prefix cache, in [0, 1): its prefill starts
  //! after floor(share x input) tokens (kept below the whole prompt), which attend as context
  //! but are not computed; the KV cache still holds the whole prompt. A recomputation after a
  //! preemption finds the same prefix cached (perf's prefix_cache_hit_share).
  double prefix_cache_hit_share = 0;
};

//! Prompt tokens of an `input`-token prompt found in a prefix cache holding `share` of each:
//! floor(share x input), kept below the whole prompt (SimService::prefix_cache_hit_share).
long long cached_prefix_tokens(double share, long long input);

//! One request of a recorded trace.
struct TraceRequest {
  double arrival_s = 0;
  long long input_tokens = 1;
  long long output_tokens = 1;
  int service = 0;  //!< index into Workload::services
};

//! What arrives: services with their arrival processes, or a trace.
struct Workload {
  std::vector<SimService> services;
  //! When non-empty, these requests (sorted by arrival) replace the arrival processes and
  //! length distributions; services then only give names, models and targets.
  std::vector<TraceRequest> trace;
  long long requests = 0;  //!< stop after this many arrivals in all (0: no limit)
  double duration_s = 0;   //!< no arrivals after this time (0: no limit); the fleet drains
  //! Closed loop (every service ArrivalProcess::Kind::kClosed): requests sent first and not
  //! measured (absent: twice the users). `requests` then counts the measured requests, and
  //! the users keep sending (unmeasured) until every measured request has finished, so the
  //! measured ones run at the full concurrency; see README.md.
  std::optional<long long> warmup_requests;
};

//! The serving engine's scheduler of one replica (vLLM-style continuous batching).
struct SchedulerConfig {
  int max_batch = 256;      //!< sequences in flight (decoding or prefilling)
  int token_budget = 8192;  //!< tokens a step: one per decoding sequence, the rest prefill
  int block_size = 16;      //!< tokens per KV-cache block (paged attention)
  double watermark = 0.01;  //!< fraction of blocks kept free when admitting a new prefill
  //! How admission uses the KV cache: "optimistic" reserves the prompt's blocks and preempts
  //! (recompute) when the cache fills up while decoding (vLLM); "reserve" reserves the blocks
  //! of prompt + output at admission and never preempts (TensorRT-LLM guaranteed-no-evict).
  bool reserve_output = false;
  int max_waiting = 0;  //!< requests queued at a replica beyond which arrivals are dropped
                        //!< (0: no limit)
};

//! What the replicas of a deployment do.
enum class Role {
  kMixed,    //!< prefill and decode (co-located)
  kPrefill,  //!< prefill only; the KV cache then moves to a decode replica
  kDecode,   //!< decode only; receives requests from prefill replicas
};
//! "mixed", "prefill", "decode".
const char* role_name(Role role);

//! Replicas of one model on one accelerator type with one layout.
struct Deployment {
  std::string name;
  std::string model;        //!< the model served; services route by this name
  std::string accelerator;  //!< for reports
  int replicas = 1;
  int devices_per_replica = 1;  //!< for reports
  Role role = Role::kMixed;
  double weight = 1;  //!< share of traffic of each replica under the weighted router
  std::shared_ptr<const StepTimeModel> step_model;
  SchedulerConfig scheduler;
  long long max_sequence_tokens = 0;  //!< longest prompt + output (0: no limit)
  double kv_link_bytes_per_s = 0;     //!< KV-transfer bandwidth of one replica (prefill role)
};

//! How the router picks a replica for a new request, among those serving its model.
enum class RouterPolicy {
  kRoundRobin,        //!< in turn
  kLeastOutstanding,  //!< fewest requests routed there and not finished
  kLeastKv,           //!< lowest KV load: blocks in use plus blocks the queue will need
  kWeighted,          //!< in proportion to Deployment::weight (smooth weighted round robin)
  kRandom,            //!< uniformly at random (the routing stream)
};
//! "round_robin", "least_outstanding", "least_kv", "weighted", "random".
const char* router_name(RouterPolicy policy);

//! The replicas and the router in front of them.
struct Fleet {
  std::vector<Deployment> deployments;
  RouterPolicy router = RouterPolicy::kLeastOutstanding;
  double kv_transfer_latency_s = 0;  //!< fixed latency of each prefill-to-decode transfer
};

//! How to run.
struct Options {
  std::uint64_t seed = 1;
  //! Step every scheduler iteration one event at a time (the reference the closed-form jumps
  //! are tested against) instead of jumping over runs of identical decode steps.
  bool step_by_step = false;
  double timeseries_interval_s = 0;  //!< sample queue lengths every this many seconds (0: off)
};

//! Mean and percentiles of a latency, in seconds.
struct LatencyStats {
  long long count = 0;
  double mean = 0;
  double p50 = 0;
  double p90 = 0;
  double p99 = 0;
};

//! Results of one service, or of all of them.
struct ServiceResult {
  std::string name;
  long long arrived = 0;
  long long completed = 0;
  long long dropped = 0;
  long long met_targets = 0;  //!< completed with TTFT and TPOT within the targets
  long long preemptions = 0;
  double input_tokens = 0;   //!< prompt tokens of completed requests
  double output_tokens = 0;  //!< output tokens of completed requests
  LatencyStats ttft;         //!< arrival to first token
  LatencyStats tpot;         //!< (e2e - ttft) / (output - 1), requests with output > 1
  LatencyStats e2e;          //!< arrival to last token
  double throughput_output_tokens_per_s = 0;
  double throughput_requests_per_s = 0;
  double goodput_requests_per_s = 0;
  double mean_requests_in_system = 0;  //!< time average of requests arrived and not finished
  int concurrency = 0;                 //!< closed loop: users (0: open loop)
  double think_time_mean_s = 0;        //!< closed loop: mean think time after measured replies
};

//! Results of one deployment (its replicas summed or averaged).
struct DeploymentResult {
  std::string name;
  std::string model;
  std::string accelerator;
  Role role = Role::kMixed;
  int replicas = 0;
  long long requests = 0;  //!< requests routed to its replicas
  long long steps = 0;     //!< scheduler steps run (each decode step counted)
  long long preemptions = 0;
  double utilisation = 0;  //!< mean over replicas of the fraction of the time running steps
                           //!< (with continuous batching any request in flight keeps a
                           //!< replica stepping: read it with mean_batch)
  double utilisation_min = 0;
  double utilisation_max = 0;
  double mean_batch = 0;         //!< time-averaged sequences in flight on a replica
  double kv_occupancy_mean = 0;  //!< time-averaged fraction of KV blocks in use
  double kv_occupancy_peak = 0;
  double kv_capacity_tokens = 0;  //!< per replica
};

//! One sample of the state of the fleet.
struct TimeseriesRow {
  double time_s = 0;
  long long in_system = 0;
  long long waiting = 0;
  long long running = 0;
  double kv_occupancy = 0;  //!< blocks in use over all blocks of the fleet
  std::vector<long long> service_waiting;
  std::vector<long long> service_running;
};

//! Everything a run measures.
struct Results {
  ServiceResult overall;
  std::vector<ServiceResult> services;
  std::vector<DeploymentResult> deployments;
  double start_s = 0;     //!< first arrival
  double end_s = 0;       //!< last departure
  double duration_s = 0;  //!< end_s - start_s: the window every rate is measured over
  long long events = 0;   //!< kernel events processed (arrivals, step batches, transfers)
  long long steps = 0;    //!< scheduler steps simulated
  bool step_by_step = false;
  std::uint64_t seed = 0;
  std::vector<std::string> service_names;
  std::vector<TimeseriesRow> timeseries;
  //! True when every percentile is exact; false when a stream passed
  //! LatencySample::kExactLimit values and its percentiles come from the sketch (within
  //! LatencySample::kRelativeError of the exact value).
  bool exact_percentiles = true;
  //! Closed loop: the measurement window [start_s, end_s] runs from the first measured arrival
  //! to the first arrival after the measured ones; the warm-up requests before it, and the
  //! requests after it, are not counted (deployment figures cover the whole run).
  bool closed_loop = false;
  long long warmup_requests = 0;
  double run_duration_s = 0;  //!< first arrival to last departure, warm-up and drain included
};

//! Checks a fleet and a workload (every service has replicas for its model, sizes > 0, ...);
//! messages name the field (`services[1].model`).
Status validate(const Fleet& fleet, const Workload& workload);

//! Runs the simulation until every request has finished or been dropped.
Result<Results> simulate(const Fleet& fleet, const Workload& workload, const Options& options);

}  // namespace fleetplan::sim
