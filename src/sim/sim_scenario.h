// Simulation scenarios: a YAML file (fleet, services, scheduler, router, simulation
// settings), a trace CSV, or the one-service, one-deployment scenario of the command line's
// quick flags. Every error names the file, line and column (or line and field of a trace)
// and the field path, the bad value and what was expected. See examples/simulate-*.yaml.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "core/result.h"
#include "perf/perf.h"
#include "sim/sim.h"

namespace fleetplan::sim {

//! A fleet, a workload and how to run them.
struct SimScenario {
  Fleet fleet;
  Workload workload;
  Options options;
  std::string source;  //!< the file, or "command line"
};

//! One deployment to model with src/perf: what `fleet.deployments[i]` of a scenario says.
struct DeploymentRequest {
  std::string name;
  const catalog::Model* model = nullptr;
  const catalog::Accelerator* accelerator = nullptr;
  int count = 1;  //!< accelerators; replicas = count / (tp * pp)
  int tp = 0;     //!< 0: the smallest power of two (within the scale-up domain) that fits
  int pp = 1;
  int ep = 1;
  //! Attention data-parallel inside the tp group (perf::Parallelism::attention_dp): the
  //! batch and KV cache spread over the tp ranks, experts over the ep group.
  bool attention_dp = false;
  //! Speculative decoding with the model's MTP modules: tokens drafted a step (0: off) and
  //! the share accepted (absent: the model's published acceptance, catalog mtp_acceptance).
  int mtp_draft_tokens = 0;
  std::optional<double> mtp_acceptance;
  catalog::Precision weights = catalog::Precision::kFp8;
  catalog::Precision kv_cache = catalog::Precision::kFp8;
  Role role = Role::kMixed;
  double weight = 1;
  //! Scheduler settings; a field left at 0 takes the engine default of the accelerator
  //! family (perf::Efficiency::max_batch, max_num_tokens).
  SchedulerConfig scheduler{0, 0, 16, 0.01, false, 0};
  //! KV-transfer bandwidth of one replica, bytes/s; 0: its devices' scale-out NICs at the
  //! family's link efficiency.
  double kv_link_bytes_per_s = 0;
};

//! Builds a Deployment whose step times come from perf::ReplicaModel (PerfStepModel). The
//! error says why a layout is impossible (does not divide, does not fit).
Result<Deployment> build_deployment(const DeploymentRequest& request,
                                    const perf::EfficiencyTable& efficiency);

//! Loads a scenario file; relative paths inside it (trace, empirical lengths) are relative
//! to the file's folder.
Result<SimScenario> load_scenario(const std::string& path, const catalog::Catalog& catalog,
                                  const perf::EfficiencyTable& efficiency);
//! Parses scenario YAML text; `name` stands for the file in messages, `base_dir` resolves
//! relative paths.
Result<SimScenario> parse_scenario(const std::string& text, const std::string& name,
                                   const std::string& base_dir, const catalog::Catalog& catalog,
                                   const perf::EfficiencyTable& efficiency);

//! Reads a trace: CSV lines `arrival_s,input_len,output_len[,service]`, with or
//! without that header, sorted by arrival; `#` starts a comment line. A line without a
//! service goes to the first of `services`. Errors give file:line:column and the field.
Result<std::vector<TraceRequest>> load_trace(const std::string& path,
                                             const std::vector<std::string>& services);
Result<std::vector<TraceRequest>> parse_trace(const std::string& text, const std::string& name,
                                              const std::vector<std::string>& services);

//! The command line's one-service, one-deployment scenario.
struct QuickSpec {
  std::string model;
  std::string accelerator;
  int count = 1;
  int tp = 0;  //!< 0: smallest that fits
  int pp = 1;
  int ep = 1;
  bool attention_dp = false;             //!< attention data-parallel over the tp ranks (DEP)
  std::string mtp = "off";               //!< "on": one MTP draft token (as estimate --mtp on)
  std::optional<double> mtp_acceptance;  //!< absent: the model's published figure
  double rate = 1;
  long long requests = 10000;
  double duration_s = 0;
  long long input_len = 1024;
  long long output_len = 256;
  double prefix_cache_hit_share = 0;  //!< share of each prompt in the prefix cache, [0, 0.99]
  std::string arrival = "poisson";    //!< "poisson" or "gamma"
  double cv = 1;
  int concurrency = 0;  //!< > 0: a closed loop of this many users instead of `rate`
  double think_time_ms = 0;
  std::string think_time = "fixed";  //!< "fixed", "exponential" or "uniform" (0 to 2x the mean)
  std::optional<double> ttft_ms;
  std::optional<double> tpot_ms;
  std::string router = "least_outstanding";
  int max_batch = 0;     //!< 0: engine default
  int token_budget = 0;  //!< 0: engine default
  std::string weights = "fp8";
  std::string kv_cache;  //!< "": as `weights` (as in `estimate`)
};
Result<SimScenario> quick_scenario(const QuickSpec& spec, const catalog::Catalog& catalog,
                                   const perf::EfficiencyTable& efficiency);

//! Parses a router policy name ("least_outstanding", ...).
Result<RouterPolicy> parse_router(const std::string& name);

}  // namespace fleetplan::sim
