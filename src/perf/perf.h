// The analytical performance model: a roofline per operator (GEMMs, attention,
// MoE experts, TP/EP/PP communication) for one replica of a deployment, with
// efficiency factors per accelerator family calibrated on published results.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "core/result.h"

namespace fleetplan::perf {

using catalog::Precision;

//! How a deployment splits the model: `tp` x `pp` devices make one replica; experts are
//! spread over `ep` of those devices (ep divides tp*pp); `replicas` copies serve in parallel.
struct Parallelism {
  int tp = 1;
  int pp = 1;
  int ep = 1;
  int replicas = 1;
  //! Attention data-parallel inside the tp group (each device owns its sequences and their KV
  //! cache; experts are spread over the group): TensorRT-LLM's "DEP", SGLang's DP attention.
  bool attention_dp = false;
  [[nodiscard]] int devices_per_replica() const { return tp * pp; }
  [[nodiscard]] int devices() const { return tp * pp * replicas; }
};

//! Achievable fractions of peak, and the serving engine's fixed costs, for one accelerator
//! family. Fitted by `fleetplan calibrate`; shipped in data/calibration/efficiency.yaml.
struct Efficiency {
  std::string family = "default";
  double compute = 0.6;      //!< fraction of dense peak FLOP/s in large GEMMs
  double memory = 0.75;      //!< fraction of peak HBM bandwidth in streaming reads
  double link = 0.7;         //!< fraction of peak scale-up / scale-out bandwidth
  double moe_compute = 0.5;  //!< extra factor on compute for grouped expert GEMMs
  double attention = 0;  //!< fraction of peak in attention kernels (MLA included); 0 = as compute
  double step_overhead_s = 0.004;  //!< fixed engine time per forward step (scheduling, launches)
  double layer_overhead_s = 0.0;   //!< fixed time per layer per step (kernel launches)
  double seq_overhead_s = 0.0;     //!< time per sequence per step (sampling, scheduling)
  int max_batch = 2048;            //!< serving engine's cap on sequences in flight per replica
  int max_num_tokens = 8192;       //!< engine's token budget per step (prefill chunk size)
  std::string fitted_on;           //!< provenance: date and rows
};

//! How far the 99th percentile of TTFT and TPOT lies above their means under Poisson
//! arrivals (latency targets are p99 figures, MLPerf's Server rule; the model predicts means),
//! by utilisation: throughput over the deployment's offline maximum. Simulated by
//! `fleetplan calibrate --write-tails` (data/calibration/tails.yaml); without a table, the
//! fixed factors of MLPerf v4.1 logs (TTFT 2.0, TPOT 1.25) stand in, and source() says so.
class TailTable {
 public:
  struct Point {
    double utilisation = 0;
    double ttft_p99_over_mean = 1;
    double tpot_p99_over_mean = 1;
  };
  //! The fixed factors (TTFT 2.0, TPOT 1.25) at every load.
  static TailTable fixed();
  //! Points sorted by utilisation in (0, 1]; ratios >= 1.
  static Result<TailTable> from_points(std::vector<Point> points, std::string source);
  static Result<TailTable> load_file(const std::string& path);
  //! Linear in the utilisation between points, constant beyond the first and the last.
  [[nodiscard]] double ttft(double utilisation) const;
  [[nodiscard]] double tpot(double utilisation) const;
  [[nodiscard]] const std::vector<Point>& points() const { return points_; }
  [[nodiscard]] const std::string& source() const { return source_; }
  [[nodiscard]] std::string to_yaml(const std::string& header_comment) const;

 private:
  std::vector<Point> points_;
  std::string source_;
};

//! The efficiency factors of each family, with a fallback for families never calibrated.
class EfficiencyTable {
 public:
  //! Loads data_dir()/calibration/efficiency.yaml.
  static Result<EfficiencyTable> load_builtin();
  static Result<EfficiencyTable> load_file(const std::string& path);
  //! Factors for an accelerator family under a serving engine: the "family/engine" entry,
  //! else the family's own, else any entry of the family, else "default".
  [[nodiscard]] const Efficiency& for_family(const std::string& family,
                                             const std::string& engine = "") const;
  [[nodiscard]] bool has_family(const std::string& family) const;
  void set(const Efficiency& efficiency);
  [[nodiscard]] const std::vector<Efficiency>& entries() const { return entries_; }
  //! The p99/mean latency ratios the latency targets are checked with; load_file() reads
  //! data_dir()/calibration/tails.yaml when it exists.
  [[nodiscard]] const TailTable& tails() const { return tails_; }
  void set_tails(TailTable tails) { tails_ = std::move(tails); }
  //! Writes the table as YAML (what `calibrate --write` ships).
  [[nodiscard]] std::string to_yaml(const std::string& header_comment) const;

 private:
  std::vector<Efficiency> entries_;
  Efficiency fallback_;
  TailTable tails_ = TailTable::fixed();
};

//! One deployment to model.
struct DeploymentSpec {
  const catalog::Model* model = nullptr;
  const catalog::Accelerator* accelerator = nullptr;
  Parallelism parallelism;
  Precision weights = Precision::kFp8;
  Precision kv_cache = Precision::kFp8;
  //! Speculative decoding with the model's multi-token prediction modules: tokens drafted a
  //! step (0 = off); each is verified by the main model in the same step.
  int mtp_draft_tokens = 0;
  double mtp_acceptance = 0;  //!< share of drafted tokens accepted (each, given the previous)
};

//! The KV-cache format an engine uses by default for these weights: FP8 where the chip has
//! FP8 units and the weights are FP8 or narrower (TensorRT-LLM and vLLM FP8/FP4 checkpoints
//! ship FP8 KV scales), INT8 beside INT8 weights, else BF16. Never FP4: no serving engine
//! stores the KV cache in 4 bits by default.
Precision default_kv_cache(const catalog::Accelerator& accelerator, Precision weights);

//! Parameters implied by the architecture (attention, FFN, experts, embeddings + LM head).
double parameter_count(const catalog::Model& model);
//! Parameters a token touches (shared and active experts only).
double active_parameter_count(const catalog::Model& model);

//! Which resource limits a phase.
enum class Bound { kCompute, kMemory, kCommunication, kOverhead };
//! "compute", "memory", "communication", "overhead".
const char* bound_name(Bound b);

//! Memory of one device of a replica, in bytes.
struct MemoryBreakdown {
  double capacity = 0;     //!< device memory
  double weights = 0;      //!< this device's shard of the weights
  double activations = 0;  //!< peak activation workspace for the largest step
  double reserve = 0;      //!< runtime, CUDA graphs, fragmentation
  double kv_cache = 0;     //!< what is left for the KV cache (may be < 0: does not fit)
  double free = 0;         //!< KV-cache memory not used by the evaluated batch
};

//! The cost of one decode step for a fixed batch: a roofline per operator, summed. Each
//! operator class (dense GEMMs, grouped expert GEMMs, attention over the KV cache) takes
//! max(its FLOPs / achievable FLOP/s, its bytes / achievable bytes/s); communication and
//! engine overheads add. The GEMMs do not depend on the context, attention is linear in it,
//! so the step is split for the simulator to sum many steps in closed form:
//!   time(S) = overhead_s + comm_s + max(compute_s + compute_s_per_token * S,
//!                                       memory_s + kv_s_per_token * S)
//! where S is the total number of context tokens held by the batch, and
//!   compute_s = gemm_s + attention_compute_s,  memory_s = gemm_s + attention_memory_s
//! (the GEMMs' roofline sum appears in both lines, so the max is attention's own).
struct DecodeCost {
  double overhead_s = 0;
  double comm_s = 0;
  double compute_s = 0;            //!< gemm_s + attention's compute not tied to the context
  double compute_s_per_token = 0;  //!< attention FLOPs over the context
  double memory_s = 0;             //!< gemm_s + attention's bytes not tied to the context
  double kv_s_per_token = 0;
  //! The GEMM operators, each max(compute, memory), summed.
  double gemm_s = 0;
  //! Of gemm_s, the time of the operators bound by compute (the rest by memory).
  double gemm_compute_bound_s = 0;
  double attention_compute_s = 0;  //!< constant part (none today), beside compute_s_per_token
  double attention_memory_s = 0;   //!< sliding-window KV, beside kv_s_per_token
  //! The operators apart (seconds per step, each side of its roofline), to explain a step.
  double dense_compute_s = 0;   //!< attention projections, dense FFN, shared experts, LM head
  double dense_memory_s = 0;    //!< their weights
  double expert_compute_s = 0;  //!< grouped routed-expert GEMMs (padding, imbalance included)
  double expert_memory_s = 0;   //!< the touched experts' weights
  [[nodiscard]] double time(double total_context_tokens) const;
  //! Exact sum of time(S0 + i*batch) for i = 0..steps-1 (the batch grows its context by one
  //! token per sequence per step).
  [[nodiscard]] double total_time(double initial_context_tokens, int batch, long long steps) const;
  //! What limits the step: the operators bound by compute against those bound by memory
  //! (each weighed by its time), unless communication or overhead exceeds both.
  [[nodiscard]] Bound bound(double total_context_tokens) const;
};

//! The time model of one replica (tp x pp devices) of a deployment.
class ReplicaModel {
 public:
  //! Checks the deployment (divisibility, memory fit) and precomputes per-step constants.
  static Result<ReplicaModel> create(const DeploymentSpec& spec, const Efficiency& efficiency);

  //! Seconds to run a prefill chunk of `tokens` new tokens for one sequence whose first
  //! `context` tokens are already cached.
  [[nodiscard]] double prefill_time_s(double tokens, double context = 0) const;
  //! Seconds for a prefill chunk that holds several sequences: `tokens` in total and
  //! `attention_pairs` = sum over sequences of new_tokens * (context + new_tokens / 2).
  [[nodiscard]] double prefill_batch_time_s(double tokens, double attention_pairs) const;
  [[nodiscard]] Bound prefill_bound(double tokens, double context = 0) const;
  //! Extra seconds a decode step takes when it also carries prefill tokens (chunked prefill
  //! mixed into the batch): their compute and communication, without a second weight read or
  //! a second step overhead. `decode_batch` sequences decoding in the same step share the
  //! grouped expert GEMMs with the chunk (0: the chunk's experts are priced alone).
  [[nodiscard]] double prefill_marginal_time_s(double tokens, double attention_pairs,
                                               int decode_batch = 0) const;
  //! The closed-form cost of one decode step for `batch` sequences.
  [[nodiscard]] DecodeCost decode_cost(int batch) const;
  //! Seconds for one decode step of `batch` sequences holding `total_context` tokens.
  [[nodiscard]] double decode_step_time_s(int batch, double total_context) const;

  //! Memory of one device with no batch admitted.
  [[nodiscard]] const MemoryBreakdown& memory() const { return memory_; }
  //! KV-cache bytes per token of context, over the whole replica.
  [[nodiscard]] double kv_bytes_per_token() const { return kv_bytes_per_token_; }
  //! Tokens of context the replica's KV cache holds.
  [[nodiscard]] double kv_capacity_tokens() const { return kv_capacity_tokens_; }
  //! Largest batch whose sequences of `context_len` tokens fit in the KV cache.
  [[nodiscard]] int max_batch(int context_len) const;
  //! Tokens a sequence gains per decode step: 1 + a + a^2 + ... + a^k for k drafted tokens
  //! accepted each with probability a given the previous (1 without speculation).
  [[nodiscard]] double tokens_per_step() const { return tokens_per_step_; }
  //! KV-cache bytes of one sequence of `context` tokens over the whole replica (what
  //! disaggregated serving moves from a prefill to a decode instance).
  [[nodiscard]] double kv_bytes_per_sequence(double context) const;
  //! Achievable bytes/s of one device's link towards devices outside its scale-up domain.
  [[nodiscard]] double scaleout_link_rate() const { return scaleout_link_rate_; }
  //! Achievable bytes/s of one device's link inside its scale-up domain.
  [[nodiscard]] double scaleup_link_rate() const { return scaleup_link_rate_; }
  //! Seconds to move `bytes` of an EP all-to-all from one device to its peers: those inside
  //! the scale-up domain over its links, the others over scale-out, both at once.
  [[nodiscard]] double ep_transfer_s(double bytes) const;
  [[nodiscard]] const DeploymentSpec& spec() const { return spec_; }
  [[nodiscard]] const Efficiency& efficiency() const { return efficiency_; }

 private:
  struct Steps;  // the steps of create(), in replica_model.cc
  ReplicaModel() = default;
  //! A prefill chunk's operators (seconds per device): each GEMM class and attention takes
  //! max(compute, memory); `roof` is their sum, `compute_bound` the part of it from operators
  //! bound by compute, `compute` every operator's compute (what a chunk riding in a decode
  //! step adds: the weights are streamed anyway).
  struct PrefillTerms {
    double compute = 0;
    double roof = 0;
    double compute_bound = 0;
    double comm = 0;
  };
  [[nodiscard]] PrefillTerms prefill_terms(double tokens, double attention_pairs) const;
  //! Seconds per device of the grouped expert GEMMs for `tokens` tokens (tile padding and EP
  //! imbalance included).
  [[nodiscard]] double expert_gemm_s(double tokens) const;
  //! A decode step in which every sequence carries `queries` query tokens (1 + drafts).
  [[nodiscard]] DecodeCost decode_cost_queries(int batch, double queries) const;
  //! The TP, EP and PP collectives of a decode step, `tokens` a micro-batch.
  [[nodiscard]] double decode_comm_s(double tokens, double micro_batches, double rounds) const;
  //! Of `weight_bytes_read` by one device, the bytes of quantised linear layers.
  [[nodiscard]] double linear_bytes_read(double weight_bytes_read) const;

  DeploymentSpec spec_;
  Efficiency efficiency_;
  MemoryBreakdown memory_;
  double kv_bytes_per_token_ = 0;
  double kv_capacity_tokens_ = 0;
  // Per-step constants, filled by create(); "device" = one device of the replica.
  double dense_flops_per_token_ = 0;        // non-expert GEMM FLOPs per token (whole model)
  double expert_flops_per_token_ = 0;       // routed-expert GEMM FLOPs per token (whole model)
  double lm_head_flops_ = 0;                // LM-head FLOPs per sampled token
  double attn_prefill_flops_per_pair_ = 0;  // per (query, key) pair, whole model, full layers
  double attn_decode_flops_per_pair_ = 0;
  double window_fraction_layers_ = 0;     // share of layers with a sliding window
  double non_expert_weight_bytes_ = 0;    // whole model
  double embedding_weight_bytes_ = 0;     // embeddings + LM head (BF16, never unpacked)
  double dequant_s_per_byte_ = 0;         // unpacking narrow weights without native units
  double expert_weight_bytes_ = 0;        // all routed experts of all MoE layers, whole model
  double kv_bytes_per_token_device_ = 0;  // for S counted over the whole replica
  double window_kv_bytes_per_seq_device_ = 0;
  double compute_rate_ = 0;    // achievable FLOP/s per device, dense GEMMs
  double moe_rate_ = 0;        // achievable FLOP/s per device, grouped expert GEMMs
  double attention_rate_ = 0;  // achievable FLOP/s per device, attention
  double memory_rate_ = 0;     // achievable bytes/s per device
  double tp_link_rate_ = 0;
  double ep_link_rate_ = 0;
  double pp_link_rate_ = 0;
  double tp_latency_s_ = 0;  // per collective
  double ep_latency_s_ = 0;
  double ep_scaleout_link_rate_ = 0;  // EP all-to-all bytes that leave the scale-up domain
  double ep_scaleout_share_ = 0;      // share of an EP group's peers outside one domain
  double scaleup_link_rate_ = 0;
  double scaleout_link_rate_ = 0;
  double tokens_per_step_ = 1;
  double kv_storage_factor_ = 1;               // the MTP modules' KV cache beside the main model's
  double kv_unique_bytes_per_token_ = 0;       // whole replica, TP copies counted once
  double kv_unique_window_bytes_per_seq_ = 0;  // sliding-window layers, full window
  double mtp_layer_share_ = 0;   // draft module passes a step, in main-model layers / layers
  double activation_bytes_ = 2;  // bytes per activation element on the wire
  double overhead_s_ = 0;
};

//! Bounds on what `estimate` is asked; beyond them a request is refused, not computed with
//! overflowing integers or searched for hours. 2^20 devices is ~10x the largest cluster
//! announced (2026); 2^24 tokens is 16x the longest published context window.
inline constexpr int kMaxDevices = 1 << 20;
inline constexpr int kMaxTokens = 1 << 24;
inline constexpr int kMaxConcurrency = 1 << 24;

//! Which layouts a serving engine can run, beyond plain tensor parallelism.
struct LayoutSupport {
  bool pipeline = true;
  bool expert_parallel = true;
  bool attention_dp = true;
  bool disaggregation = true;  //!< separate prefill and decode instances, KV moved between them
  bool mtp = true;             //!< speculative decoding with the model's MTP modules
  //! Attention-DP + EP groups larger than the scale-up domain (all-to-all over scale-out).
  bool ep_beyond_domain = true;
};

//! Whether estimate() searches a feature of the deployment: with and without (auto), never
//! (off), or only with it (on).
enum class SearchMode { kAuto, kOff, kOn };

//! What `estimate` is asked.
struct EstimateRequest {
  const catalog::Model* model = nullptr;
  const catalog::Accelerator* accelerator = nullptr;
  int count = 1;  //!< accelerators in the deployment, 1..kMaxDevices
  Precision weights = Precision::kFp8;
  Precision kv_cache = Precision::kFp8;
  int input_len = 1024;  //!< tokens, 1..kMaxTokens
  int output_len = 256;  //!< tokens, 1..kMaxTokens
  //! Share of the input found in the prefix cache (a multi-turn conversation resends its
  //! history), in [0, 1): prefill computes input_len x (1 - share) new tokens attending to
  //! the input_len x share cached ones; the KV cache still holds the whole input.
  double prefix_cache_hit_share = 0;
  std::optional<int> concurrency;  //!< requests in flight (whole deployment), 1..kMaxConcurrency
  std::optional<double> ttft_target_ms;    //!< latency targets; with them, best throughput meeting
  std::optional<double> tpot_target_ms;    //!< them
  std::optional<Parallelism> parallelism;  //!< fixed layout; else the best one is searched
  //! Reject input + output beyond the model's native context window (published runs that
  //! extend it with RoPE scaling are evaluated with this off).
  bool enforce_context = true;
  //! Serving engine whose factors to use ("trtllm", "vllm", "sglang", "chitu"; "" = the
  //! family's reference engine, TensorRT-LLM where it was measured).
  std::string engine;
  //! Layouts the engine supports (engines.yaml); the search skips the others.
  LayoutSupport layouts;
  //! Largest deployment unit searched, in devices: a replica, or one prefill + decode unit
  //! of a disaggregated deployment (the deployment is made of count / size units). 0 = count.
  int max_deployment = 0;
  //! Disaggregated shapes: searched (auto), never (off), or only they (on).
  SearchMode disaggregation = SearchMode::kAuto;
  //! Speculative decoding with the model's MTP modules: searched (auto), off, or on.
  SearchMode mtp = SearchMode::kAuto;
  std::optional<double> mtp_acceptance;  //!< overrides the model's published acceptance
};

//! A disaggregated deployment: prefill instances and decode instances apart, each request's
//! KV cache moved from its prefill instance to a decode instance over the link.
struct DisaggregatedShape {
  Parallelism prefill;              //!< one prefill instance (replicas = 1)
  Parallelism decode;               //!< one decode instance (replicas = 1)
  int prefill_instances = 0;        //!< in the whole deployment
  int decode_instances = 0;         //!< in the whole deployment
  int unit_devices = 0;             //!< devices of one unit (prefill + decode instances)
  int units = 0;                    //!< units in the deployment
  int idle_devices = 0;             //!< of `count`, left over by whole units
  int prefill_devices = 0;          //!< in the whole deployment
  int decode_devices = 0;           //!< in the whole deployment
  int prefill_tokens_per_step = 0;  //!< prompt tokens one prefill instance runs a step
  double prefill_step_ms = 0;
  double kv_bytes_per_request = 0;  //!< KV cache of one prompt
  double kv_transfer_ms = 0;        //!< one request's KV over the link
  bool kv_over_scaleup = true;      //!< the unit fits one scale-up domain
  //! What each pool can do per device when busy: prompt tokens/s per prefill device and
  //! output tokens/s per decode device.
  double prefill_tokens_per_s_per_device = 0;
  double decode_tokens_per_s_per_device = 0;
  double prefill_utilization = 0;  //!< share of the prefill pool's capacity the decode pool uses
  double decode_utilization = 0;
};

//! What `estimate` answers; every number explains itself through `bound` and `memory`.
struct Estimate {
  double throughput_output_tokens_per_s = 0;  //!< whole deployment
  double throughput_total_tokens_per_s = 0;   //!< input + output tokens/s
  double ttft_ms = 0;
  double tpot_ms = 0;
  //! Share of the replicas' busy time spent on prefill (the chunked prefill riding in the
  //! decode steps) at the chosen batch; the rest decodes. Splits a cost between input and
  //! output tokens.
  double prefill_time_share = 0;
  int batch = 0;              //!< sequences in flight per replica
  long long concurrency = 0;  //!< sequences in flight in the whole deployment
  Parallelism parallelism;
  Bound prefill_bound = Bound::kCompute;
  Bound decode_bound = Bound::kMemory;
  MemoryBreakdown memory;  //!< per device at the chosen batch
  bool meets_targets = true;
  std::string limit;  //!< what capped the batch: "kv-cache", "engine-batch-cap", "ttft", ...
  int deployments_searched = 0;
  //! Set when the deployment is disaggregated; `parallelism`, `batch` and `memory` are then
  //! those of a decode instance.
  std::optional<DisaggregatedShape> disaggregated;
  int mtp_draft_tokens = 0;  //!< drafted tokens a decode step (0 = no speculation)
  double mtp_acceptance = 0;
  double tokens_per_step = 1;  //!< tokens a sequence gains per decode step
  int deployment_devices = 0;  //!< devices of one deployment unit (replica, or P + D unit)
};

//! Estimates one deployment: offline throughput at the best batch, or at a concurrency, or the
//! best throughput that meets latency targets; searches the parallelism unless it is given.
Result<Estimate> estimate(const EstimateRequest& request, const EfficiencyTable& table);

//! Evaluates one fixed layout (no search); used by estimate() and the calibration fit.
Result<Estimate> estimate_layout(const EstimateRequest& request, const Parallelism& layout,
                                 const EfficiencyTable& table);

//! The best disaggregated deployment of `request.count` devices (no colocated shapes).
Result<Estimate> estimate_disaggregated(const EstimateRequest& request,
                                        const EfficiencyTable& table);

//! "tp=8 pp=1 ep=8 attention-dp replicas=2"; for a disaggregated estimate the prefill and
//! decode instances and their counts.
std::string shape_text(const Estimate& estimate);

//! The layouts a serving engineer would consider for `count` devices: TP inside a scale-up
//! domain, PP across domains when one replica does not fit, EP for MoE, replicas beyond.
std::vector<Parallelism> candidate_layouts(const catalog::Model& model,
                                           const catalog::Accelerator& accelerator, int count,
                                           const LayoutSupport& support = {});

}  // namespace fleetplan::perf
