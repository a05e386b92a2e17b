// The roofline of one replica, per operator. Per step, every device's time is
//   overhead + communication + sum over operators of max(compute, memory)
// with compute = FLOPs / (peak x the operator's efficiency) and memory = bytes / (bandwidth x
// efficiency), for the operator classes dense GEMMs (attention projections, dense FFN, shared
// experts, LM head), grouped expert GEMMs and attention (over the KV cache). One max over the
// whole step would hide a memory-bound operator (expert weights read for a few tokens each)
// under a compute-bound one (attention over a long context) and vice versa. The sums below
// are per device, for the device's share of layers (pp) and of each layer's heads, KV heads
// and experts (tp, ep).
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "perf/perf.h"

namespace fleetplan::perf {
namespace {

using catalog::Attention;

constexpr double kScaleupLatencyS = 6e-6;    // one NVLink-class collective, small message
constexpr double kScaleoutLatencyS = 25e-6;  // one RDMA collective across nodes
constexpr double kReserveFraction = 0.08;    // runtime, CUDA graphs, fragmentation
constexpr double kActivationBytes = 2;       // BF16 activations between layers
// Unpacking a narrow weight element to BF16 (bit ops, scale multiply): about 2 vector
// operations per element (Marlin's LOP3 conversion); vector units run at about 1/15 of the
// dense BF16 tensor rate (H100 SXM: 67 TFLOPS FP32 vector vs 989 TFLOPS BF16 tensor).
constexpr double kDequantOpsPerElement = 2.0;
constexpr double kTensorToVectorRate = 15.0;

// Parameters of the model's building blocks, derived from its published config.
struct Shapes {
  double attention_params = 0;  // per layer
  double dense_ffn_params = 0;  // per dense-FFN layer
  double expert_params = 0;     // per expert
  double router_params = 0;     // per MoE layer
  double embedding_params = 0;  // input embedding + LM head
  int moe_layers = 0;
  int dense_layers = 0;
  double kv_elements_per_token_layer = 0;  // K and V (or MLA latent) elements
  bool kv_splits_over_tp = true;           // false for MLA's shared latent
  double attn_prefill_flops_per_pair_layer = 0;
  double attn_decode_flops_per_pair_layer = 0;
};

Shapes shapes_of(const catalog::Model& m) {
  Shapes s;
  const double h = m.hidden;
  if (m.attention == Attention::kMla) {
    const double nope = m.head_dim - m.qk_rope_dim;
    const double v = m.v_head_dim > 0 ? m.v_head_dim : nope;
    const double q = m.q_lora_rank > 0 ? h * m.q_lora_rank + static_cast<double>(m.q_lora_rank) *
                                                                 m.heads * m.head_dim
                                       : h * m.heads * m.head_dim;
    const double kv = h * (m.kv_lora_rank + m.qk_rope_dim) +
                      static_cast<double>(m.kv_lora_rank) * m.heads * (nope + v);
    s.attention_params = q + kv + static_cast<double>(m.heads) * v * h;
    s.kv_elements_per_token_layer = m.kv_lora_rank + m.qk_rope_dim;
    s.kv_splits_over_tp = false;
    // Prefill runs the expanded heads: QK^T over head_dim and PV over v per pair, 2 FLOPs each.
    s.attn_prefill_flops_per_pair_layer = 2.0 * m.heads * (m.head_dim + v);
    // Decode absorbs the up-projections: every head attends over the latent (+ rope key).
    s.attn_decode_flops_per_pair_layer =
        2.0 * m.heads * (m.kv_lora_rank + m.qk_rope_dim) + 2.0 * m.heads * m.kv_lora_rank;
  } else {
    const double q = h * m.heads * m.head_dim;
    const double kv = 2.0 * h * m.kv_heads * m.head_dim;
    s.attention_params = q + kv + static_cast<double>(m.heads) * m.head_dim * h;
    s.kv_elements_per_token_layer = 2.0 * m.kv_heads * m.head_dim;
    s.attn_prefill_flops_per_pair_layer = 4.0 * m.heads * m.head_dim;
    s.attn_decode_flops_per_pair_layer = 4.0 * m.heads * m.head_dim;
  }
  const double matrices = m.gated_ffn ? 3.0 : 2.0;
  s.moe_layers = m.moe_layers();
  s.dense_layers = m.layers - s.moe_layers;
  const int dense_width = m.is_moe() && m.dense_ffn_hidden > 0 ? m.dense_ffn_hidden : m.ffn_hidden;
  s.dense_ffn_params = matrices * h * dense_width;
  if (m.is_moe()) {
    s.expert_params = matrices * h * m.moe_ffn_hidden;
    s.router_params = h * m.experts;
  }
  s.embedding_params = 2.0 * h * m.vocab;
  return s;
}

// Expected share of an MoE layer's experts that `tokens` tokens touch when each picks
// `active` of `experts` uniformly: 1 - (1 - k/E)^tokens.
double touched_fraction(const catalog::Model& m, double tokens) {
  if (!m.is_moe() || tokens <= 0) {
    return 0;
  }
  const double miss = 1.0 - static_cast<double>(m.experts_active) / m.experts;
  return 1.0 - std::pow(miss, tokens);
}

// Grouped expert GEMMs run on tensor-core tiles of kExpertTileRows token rows: an expert
// that gets fewer rows still computes a whole tile (CUTLASS/TensorRT-LLM grouped GEMMs pad
// M to the tile). Each touched expert gets tokens x k / (E x touched) rows on average, so
// below a tile the expert GEMMs take kExpertTileRows / rows times their FLOPs' time. Many
// small experts (128 experts, top-8) pay it in decode; Mixtral's 8 experts hardly do.
constexpr double kExpertTileRows = 64;
double tile_padding(const catalog::Model& m, double tokens) {
  const double touched = touched_fraction(m, tokens);
  if (touched <= 0) {
    return 1.0;
  }
  const double rows = tokens * m.experts_active / (m.experts * touched);
  return std::max(1.0, kExpertTileRows / rows);
}

// Load imbalance of expert parallelism: n token-expert assignments thrown into `ep` devices;
// the busiest device gets about n/ep + sqrt(2 ln(ep) n/ep) (balls into bins), so the step
// waits for 1 + sqrt(2 ln(ep) ep / n) times the mean.
double ep_imbalance(int ep, double assignments) {
  if (ep <= 1 || assignments <= 0) {
    return 1.0;
  }
  return 1.0 + std::sqrt(2.0 * std::log(static_cast<double>(ep)) * ep / assignments);
}

// The deployment's checks that need no arithmetic: parallelism against the model's layers
// and experts, and the speculative-decoding settings.
Status check_deployment_spec(const DeploymentSpec& spec) {
  const catalog::Model& m = *spec.model;
  const catalog::Accelerator& acc = *spec.accelerator;
  const Parallelism& par = spec.parallelism;
  if (!acc.has_performance_figures()) {
    return input_error(fmt::format(
        "accelerator '{}' has no performance figures in the catalog (memory, bandwidth, BF16 "
        "TFLOPS); add them with --catalog to model it",
        acc.name));
  }
  if (par.tp < 1 || par.pp < 1 || par.ep < 1 || par.replicas < 1) {
    return input_error(fmt::format("parallelism tp={} pp={} ep={} replicas={}: each must be >= 1",
                                   par.tp, par.pp, par.ep, par.replicas));
  }
  if (par.pp > m.layers) {
    return input_error(fmt::format("pp={} exceeds the {} layers of {}", par.pp, m.layers, m.name));
  }
  if (par.tp % par.ep != 0 && par.ep % par.tp != 0) {
    return input_error(
        fmt::format("ep={} must divide tp={} (experts spread inside the tensor-parallel group)",
                    par.ep, par.tp));
  }
  if (par.ep > par.tp) {
    return input_error(fmt::format(
        "ep={} exceeds tp={}: experts are spread over the tp devices of a stage", par.ep, par.tp));
  }
  if (par.ep > 1 && !m.is_moe()) {
    return input_error(
        fmt::format("ep={} given but {} is a dense model (no experts)", par.ep, m.name));
  }
  // Under attention-DP an EP group that does not divide the experts holds redundant copies
  // (every device ceil(E/ep) expert slots, the spare ones replicating hot experts, as
  // DeepSeek's EPLB and CloudMatrix-Infer's EP320 do); plain EP must divide them.
  if (m.is_moe() && m.experts % par.ep != 0 && !par.attention_dp) {
    return input_error(fmt::format(
        "ep={} does not divide the {} experts of {} (redundant experts need attention-dp)", par.ep,
        m.experts, m.name));
  }
  if (par.attention_dp && par.tp < 2) {
    return input_error("attention data parallelism needs tp >= 2");
  }
  if (spec.mtp_draft_tokens < 0 || spec.mtp_draft_tokens > 8) {
    return input_error(fmt::format("mtp_draft_tokens = {} is out of range; expected 0 to 8",
                                   spec.mtp_draft_tokens));
  }
  if (spec.mtp_draft_tokens > 0 && m.mtp_layers == 0) {
    return input_error(fmt::format(
        "{} has no multi-token prediction modules to draft with (catalog mtp_layers)", m.name));
  }
  if (spec.mtp_draft_tokens > 0 && !(std::isfinite(spec.mtp_acceptance) &&
                                     spec.mtp_acceptance > 0 && spec.mtp_acceptance <= 1)) {
    return input_error(
        fmt::format("mtp_acceptance = {} is not an acceptance rate; expected a share > 0 and <= 1",
                    spec.mtp_acceptance));
  }
  return {};
}

// Layers with a window short enough to cap their KV per sequence. Short windows (gpt-oss:
// 128 tokens) cap those layers' KV per sequence. Long ones (Llama 4's 8192-token
// chunks, Mistral's 4096) exceed most contexts served, so those layers are modelled as full
// attention: exact below the window, an upper bound beyond it.
double window_layers_of(const catalog::Model& m) {
  constexpr int kLongWindow = 4096;
  return m.sliding_window > 0 && m.sliding_window < kLongWindow
             ? std::min(m.sliding_window_layers, m.layers)
             : 0;
}

}  // namespace

double parameter_count(const catalog::Model& m) {
  const Shapes s = shapes_of(m);
  return m.layers * s.attention_params + s.dense_layers * s.dense_ffn_params +
         s.moe_layers * ((m.experts + m.shared_experts) * s.expert_params + s.router_params) +
         s.embedding_params;
}

double active_parameter_count(const catalog::Model& m) {
  const Shapes s = shapes_of(m);
  return m.layers * s.attention_params + s.dense_layers * s.dense_ffn_params +
         s.moe_layers *
             ((m.experts_active + m.shared_experts) * s.expert_params + s.router_params) +
         s.embedding_params;
}

const char* bound_name(Bound b) {
  switch (b) {
    case Bound::kCompute:
      return "compute";
    case Bound::kMemory:
      return "memory";
    case Bound::kCommunication:
      return "communication";
    case Bound::kOverhead:
      return "overhead";
  }
  return "?";
}

double DecodeCost::time(double s) const {
  return overhead_s + comm_s +
         std::max(compute_s + compute_s_per_token * s, memory_s + kv_s_per_token * s);
}

Bound DecodeCost::bound(double s) const {
  const double attention_compute = attention_compute_s + compute_s_per_token * s;
  const double attention_memory = attention_memory_s + kv_s_per_token * s;
  const bool attention_by_compute = attention_compute >= attention_memory;
  const double attention = std::max(attention_compute, attention_memory);
  const double by_compute = gemm_compute_bound_s + (attention_by_compute ? attention : 0.0);
  const double by_memory = gemm_s - gemm_compute_bound_s + (attention_by_compute ? 0.0 : attention);
  const double roof = std::max(by_compute, by_memory);
  if (comm_s > roof && comm_s > overhead_s) {
    return Bound::kCommunication;
  }
  if (overhead_s > roof) {
    return Bound::kOverhead;
  }
  return by_compute >= by_memory ? Bound::kCompute : Bound::kMemory;
}

double DecodeCost::total_time(double s0, int batch, long long steps) const {
  if (steps <= 0) {
    return 0;
  }
  // Sum over i = 0..n-1 of max(a + b i, c + d i), with S = s0 + batch i: the two lines cross
  // at most once, so split the range there and sum each arithmetic series exactly.
  const double n = static_cast<double>(steps);
  const double a = compute_s + compute_s_per_token * s0;
  const double b = compute_s_per_token * batch;
  const double c = memory_s + kv_s_per_token * s0;
  const double d = kv_s_per_token * batch;
  const auto series = [](double first, double step, double count) {
    return count * first + step * count * (count - 1) / 2.0;
  };
  double roof = 0;
  if (b == d) {
    roof = a >= c ? series(a, b, n) : series(c, d, n);
  } else {
    // Lines equal at i* = (c - a) / (b - d); before it one dominates, after it the other.
    const double crossing = (c - a) / (b - d);
    const double k = std::clamp(std::ceil(crossing), 0.0, n);  // first index of the second regime
    const bool compute_first = a >= c;
    if (compute_first) {
      roof = series(a, b, k) + series(c + d * k, d, n - k);
    } else {
      roof = series(c, d, k) + series(a + b * k, b, n - k);
    }
    if (crossing <= 0 || crossing >= n) {  // no crossing inside: one regime throughout
      roof = (a + b * (n - 1) / 2.0 >= c + d * (n - 1) / 2.0) ? series(a, b, n) : series(c, d, n);
    }
  }
  return n * (overhead_s + comm_s) + roof;
}

// The steps of ReplicaModel::create, each filling one group of the per-step constants.
struct ReplicaModel::Steps {
  // FLOPs per token and weight bytes of the whole model.
  static void set_work(ReplicaModel& r, const Shapes& s) {
    const catalog::Model& m = *r.spec_.model;
    const Parallelism& par = r.spec_.parallelism;
    const double wbytes = catalog::bytes_per_element(r.spec_.weights);
    // FLOPs per token: 2 per multiply-accumulate of every weight the token touches.
    r.dense_flops_per_token_ =
        2.0 * (m.layers * s.attention_params + s.dense_layers * s.dense_ffn_params +
               s.moe_layers * (m.shared_experts * s.expert_params + s.router_params));
    r.expert_flops_per_token_ = 2.0 * s.moe_layers * m.experts_active * s.expert_params;
    r.lm_head_flops_ = 2.0 * m.hidden * static_cast<double>(m.vocab);
    const double window_layers = window_layers_of(m);
    const double full_layers = m.layers - window_layers;
    r.window_fraction_layers_ = window_layers / m.layers;
    r.attn_prefill_flops_per_pair_ = s.attn_prefill_flops_per_pair_layer * m.layers;
    r.attn_decode_flops_per_pair_ = s.attn_decode_flops_per_pair_layer * full_layers;

    // Weights: linear layers at the weight precision; embeddings and LM head stay BF16.
    const double linear_non_expert =
        m.layers * s.attention_params + s.dense_layers * s.dense_ffn_params +
        s.moe_layers * (m.shared_experts * s.expert_params + s.router_params);
    r.non_expert_weight_bytes_ = linear_non_expert * wbytes + s.embedding_params * 2.0;
    r.embedding_weight_bytes_ = s.embedding_params * 2.0;
    // All routed experts of all MoE layers, with the redundant copies an EP group that does
    // not divide the experts holds: ceil(E / ep) slots on each of the ep devices.
    const double expert_slots =
        par.ep > 1 ? std::ceil(static_cast<double>(m.experts) / par.ep) * par.ep : m.experts;
    r.expert_weight_bytes_ =
        static_cast<double>(s.moe_layers) * expert_slots * s.expert_params * wbytes;
  }

  // Achievable compute rates of one device (GEMMs, expert GEMMs, attention) and memory rate.
  static void set_compute_rates(ReplicaModel& r, const Efficiency& eff) {
    const DeploymentSpec& spec = r.spec_;
    const catalog::Accelerator& acc = *spec.accelerator;
    const double wbytes = catalog::bytes_per_element(spec.weights);
    // Rates. Weights in a format the chip has no tensor units for are unpacked in registers
    // and multiplied in BF16 (weight-only kernels: Marlin in vLLM/SGLang, TensorRT-LLM's
    // weight-only GEMMs): the GEMM runs at the BF16 rate and every weight element read pays
    // the unpacking on the vector units. FP4 on Hopper is thus ~2x slower than FP8 once
    // compute-bound.
    const bool wide = spec.weights == Precision::kBf16 || spec.weights == Precision::kFp16;
    const bool native_weights = wide || acc.native(spec.weights);
    const double gemm_peak =
        native_weights ? acc.peak_flops(spec.weights) : acc.peak_flops(Precision::kBf16);
    r.compute_rate_ = gemm_peak * eff.compute;
    r.moe_rate_ = r.compute_rate_ * eff.moe_compute;
    if (!native_weights) {
      const double vector_rate = acc.peak_flops(Precision::kBf16) / kTensorToVectorRate;
      r.dequant_s_per_byte_ = kDequantOpsPerElement / wbytes / vector_rate;
    }
    const bool fp8_attention = (spec.kv_cache == Precision::kFp8) && acc.native(Precision::kFp8);
    const double attention_efficiency = eff.attention > 0 ? eff.attention : eff.compute;
    r.attention_rate_ =
        acc.peak_flops(fp8_attention ? Precision::kFp8 : Precision::kBf16) * attention_efficiency;
    r.memory_rate_ = acc.memory_bw * eff.memory;
  }

  // Link rates and latencies of the TP, PP and EP collectives, inside or across the scale-up
  // domain.
  static void set_link_rates(ReplicaModel& r, const Efficiency& eff) {
    const catalog::Accelerator& acc = *r.spec_.accelerator;
    const Parallelism& par = r.spec_.parallelism;
    const bool tp_in_domain = par.tp <= acc.scaleup_domain;
    // A card without published fabric figures talks over PCIe Gen4 x16 (31.5 GB/s per
    // direction).
    constexpr double kPcieGen4 = 31.5e9;
    const double scaleup = acc.scaleup_bw > 0 ? acc.scaleup_bw : kPcieGen4;
    const double scaleout = acc.scaleout_bw > 0 ? acc.scaleout_bw : scaleup;
    r.tp_link_rate_ = (tp_in_domain ? scaleup : scaleout) * eff.link;
    r.tp_latency_s_ = tp_in_domain ? kScaleupLatencyS : kScaleoutLatencyS;
    r.ep_link_rate_ = r.tp_link_rate_;
    r.ep_latency_s_ = r.tp_latency_s_;
    const bool pp_in_domain = par.tp * par.pp <= acc.scaleup_domain;
    r.pp_link_rate_ = (pp_in_domain ? scaleup : scaleout) * eff.link;
    // An EP group larger than the scale-up domain reaches its peers outside the domain over
    // the scale-out network (RDMA): of the ep - 1 peers, ep - domain are there.
    r.scaleup_link_rate_ = scaleup * eff.link;
    r.scaleout_link_rate_ = scaleout * eff.link;
    r.ep_scaleout_link_rate_ = r.scaleout_link_rate_;
    if (par.ep > 1) {
      const int domain_peers = std::min(par.ep, std::max(1, acc.scaleup_domain));
      r.ep_scaleout_share_ = static_cast<double>(par.ep - domain_peers) / (par.ep - 1.0);
      if (r.ep_scaleout_share_ > 0) {
        r.ep_link_rate_ = r.scaleup_link_rate_;
        r.ep_latency_s_ = kScaleoutLatencyS;
      }
    }
  }

  // Step overhead and speculative decoding's tokens a step; returns the MTP modules' share
  // of the main model's weights and KV cache.
  static double set_step_and_speculation(ReplicaModel& r, const Efficiency& eff) {
    const catalog::Model& m = *r.spec_.model;
    r.activation_bytes_ = kActivationBytes;
    r.overhead_s_ = eff.step_overhead_s + eff.layer_overhead_s * m.layers;
    // Speculative decoding: k drafted tokens, each accepted with probability a given the ones
    // before it, add a + a^2 + ... + a^k tokens a step; the draft module runs k times.
    const int drafts = r.spec_.mtp_draft_tokens;
    for (int i = 1; i <= drafts; ++i) {
      r.tokens_per_step_ += std::pow(r.spec_.mtp_acceptance, i);
    }
    r.mtp_layer_share_ = static_cast<double>(drafts) * m.mtp_layers / m.layers;
    // The MTP modules' weights and KV cache are held beside the main model's, each module
    // about one main-model layer (DeepSeek-V3: 11.5 B parameters against 671 B over 61
    // layers).
    return drafts > 0 ? static_cast<double>(m.mtp_layers) / m.layers : 0.0;
  }

  // KV-cache bytes per token of context, per device and over the replica.
  static void set_kv_cache(ReplicaModel& r, const Shapes& s, double mtp_extra) {
    const catalog::Model& m = *r.spec_.model;
    const Parallelism& par = r.spec_.parallelism;
    const double tp = par.tp;
    const double pp = par.pp;
    const double window_layers = window_layers_of(m);
    const double full_layers = m.layers - window_layers;
    // KV cache per token of context. Full-attention layers hold every token; sliding-window
    // layers hold at most `window` tokens per sequence (counted per sequence, not per token).
    const double kv_per_layer =
        s.kv_elements_per_token_layer * catalog::bytes_per_element(r.spec_.kv_cache);
    double tp_kv_share = 1.0;  // fraction of a layer's KV one device holds
    if (par.attention_dp) {
      tp_kv_share = 1.0 / tp;  // sequences are spread over the group, each KV held once
    } else if (s.kv_splits_over_tp) {
      // KV heads split over TP; with more ranks than KV heads each rank keeps one head
      // (copies).
      tp_kv_share = std::max(1.0 / tp, 1.0 / m.kv_heads);
    }
    r.kv_bytes_per_token_device_ = kv_per_layer * (full_layers / pp) * tp_kv_share;
    r.kv_storage_factor_ = 1.0 + mtp_extra;
    r.window_kv_bytes_per_seq_device_ =
        kv_per_layer * (window_layers / pp) * tp_kv_share * m.sliding_window;
    // The replica's unique KV (copies on TP ranks counted once): what a KV transfer moves.
    r.kv_unique_bytes_per_token_ = kv_per_layer * full_layers;
    r.kv_unique_window_bytes_per_seq_ = kv_per_layer * window_layers * m.sliding_window;
    // Replica-wide bytes per token (what one token of context costs the whole replica).
    const double devices = tp * pp;
    r.kv_bytes_per_token_ = r.kv_bytes_per_token_device_ * devices;
  }

  // Memory of one device: weights, activations, reserve and what is left for the KV cache;
  // an error when nothing is left.
  static Status set_memory(ReplicaModel& r, const Efficiency& eff, double mtp_extra) {
    const catalog::Model& m = *r.spec_.model;
    const catalog::Accelerator& acc = *r.spec_.accelerator;
    const Parallelism& par = r.spec_.parallelism;
    const double tp = par.tp;
    const double pp = par.pp;
    const double devices = tp * pp;
    MemoryBreakdown& mem = r.memory_;
    mem.capacity = acc.memory_bytes;
    if (par.attention_dp) {
      mem.weights = r.non_expert_weight_bytes_ / pp + r.expert_weight_bytes_ / devices;
    } else {
      mem.weights = (r.non_expert_weight_bytes_ + r.expert_weight_bytes_) / devices;
    }
    mem.weights *= 1.0 + mtp_extra;
    const double dense_width =
        m.is_moe() && m.dense_ffn_hidden > 0 ? m.dense_ffn_hidden : m.ffn_hidden;
    mem.activations =
        eff.max_num_tokens * kActivationBytes *
            (4.0 * m.hidden + 2.0 * std::max<double>(dense_width, m.moe_ffn_hidden) / tp) +
        256.0 * m.vocab * 4.0 / tp;  // FP32 logits of up to 256 sampled rows
    mem.reserve = kReserveFraction * mem.capacity;
    mem.kv_cache = mem.capacity - mem.weights - mem.activations - mem.reserve;
    mem.free = mem.kv_cache;
    if (mem.kv_cache <= 0) {
      return infeasible_error(fmt::format(
          "{} does not fit on {} x {} (tp={} pp={}): weights need {:.1f} GB per device, "
          "activations {:.1f} GB and runtime reserve {:.1f} GB, of {:.0f} GB; use more devices, "
          "pipeline parallelism or a smaller weight precision",
          m.name, par.devices_per_replica(), acc.name, par.tp, par.pp, mem.weights / 1e9,
          mem.activations / 1e9, mem.reserve / 1e9, mem.capacity / 1e9));
    }
    r.kv_capacity_tokens_ =
        r.kv_bytes_per_token_device_ > 0
            ? mem.kv_cache / (r.kv_bytes_per_token_device_ * r.kv_storage_factor_)
            : 1e18;
    return {};
  }
};

Result<ReplicaModel> ReplicaModel::create(const DeploymentSpec& spec, const Efficiency& eff) {
  if (spec.model == nullptr || spec.accelerator == nullptr) {
    return internal_error("ReplicaModel::create: model and accelerator are required");
  }
  FLEETPLAN_RETURN_IF_ERROR(check_deployment_spec(spec));
  ReplicaModel r;
  r.spec_ = spec;
  r.efficiency_ = eff;
  const Shapes s = shapes_of(*spec.model);
  Steps::set_work(r, s);
  Steps::set_compute_rates(r, eff);
  Steps::set_link_rates(r, eff);
  const double mtp_extra = Steps::set_step_and_speculation(r, eff);
  Steps::set_kv_cache(r, s, mtp_extra);
  FLEETPLAN_RETURN_IF_ERROR(Steps::set_memory(r, eff, mtp_extra));
  return r;
}

double ReplicaModel::linear_bytes_read(double weight_bytes_read) const {
  const Parallelism& par = spec_.parallelism;
  const double embedding_share =
      embedding_weight_bytes_ / (par.attention_dp ? par.pp : par.devices_per_replica());
  return std::max(0.0, weight_bytes_read - embedding_share);
}

double ReplicaModel::kv_bytes_per_sequence(double context) const {
  const double window = spec_.model->sliding_window;
  return kv_unique_bytes_per_token_ * context +
         (window > 0 ? kv_unique_window_bytes_per_seq_ * std::min(1.0, context / window) : 0.0);
}

int ReplicaModel::max_batch(int context_len) const {
  const double per_seq =
      (kv_bytes_per_token_device_ * context_len + window_kv_bytes_per_seq_device_) *
      kv_storage_factor_;
  if (per_seq <= 0) {
    return efficiency_.max_batch;
  }
  const double fit = std::floor(memory_.kv_cache / per_seq);
  return static_cast<int>(std::clamp(fit, 0.0, static_cast<double>(efficiency_.max_batch)));
}

ReplicaModel::PrefillTerms ReplicaModel::prefill_terms(double tokens,
                                                       double attention_pairs) const {
  const catalog::Model& m = *spec_.model;
  const Parallelism& par = spec_.parallelism;
  const double devices = par.devices_per_replica();
  PrefillTerms t;
  const auto add = [&t](double compute, double memory) {
    t.compute += compute;
    t.roof += std::max(compute, memory);
    t.compute_bound += compute >= memory ? compute : 0.0;
  };
  // Dense GEMMs over all tokens against one read of the non-expert weights; grouped expert
  // GEMMs against the touched experts' weights; attention over the pairs against the new
  // tokens' KV written. Narrow weights without native units are unpacked as they are read.
  const double non_expert_read =
      par.attention_dp ? non_expert_weight_bytes_ / par.pp : non_expert_weight_bytes_ / devices;
  const double expert_read = expert_weight_bytes_ / devices * touched_fraction(m, tokens);
  add(tokens * dense_flops_per_token_ / (devices * compute_rate_) +
          linear_bytes_read(non_expert_read) * dequant_s_per_byte_,
      non_expert_read / memory_rate_);
  if (expert_flops_per_token_ > 0) {
    add(expert_gemm_s(tokens) + expert_read * dequant_s_per_byte_, expert_read / memory_rate_);
  }
  add(attention_pairs * attn_prefill_flops_per_pair_ / (devices * attention_rate_),
      tokens * kv_bytes_per_token_device_ / memory_rate_);
  // Communication: two all-reduces per layer (TP), dispatch + combine per MoE layer (EP).
  if (par.tp > 1 && !par.attention_dp) {
    const double bytes = tokens * m.hidden * activation_bytes_;
    t.comm += 2.0 * m.layers *
              (tp_latency_s_ + 2.0 * (par.tp - 1) / par.tp * bytes / tp_link_rate_) / par.pp;
  }
  if (par.ep > 1) {
    const double bytes =
        tokens * m.experts_active * m.hidden * activation_bytes_ * (par.ep - 1.0) / par.ep / par.tp;
    t.comm += 2.0 * m.moe_layers() / par.pp * (ep_latency_s_ + ep_transfer_s(bytes));
  }
  if (par.pp > 1) {
    t.comm += (par.pp - 1.0) / par.pp * tokens * m.hidden * activation_bytes_ / pp_link_rate_;
  }
  return t;
}

double ReplicaModel::prefill_batch_time_s(double tokens, double attention_pairs) const {
  if (tokens <= 0) {
    return 0;
  }
  const PrefillTerms t = prefill_terms(tokens, attention_pairs);
  return overhead_s_ + t.roof + t.comm;
}

double ReplicaModel::expert_gemm_s(double tokens) const {
  if (expert_flops_per_token_ <= 0 || tokens <= 0) {
    return 0;
  }
  const catalog::Model& m = *spec_.model;
  const Parallelism& par = spec_.parallelism;
  return tokens * expert_flops_per_token_ / (par.devices_per_replica() * moe_rate_) *
         ep_imbalance(par.ep, tokens * m.experts_active) * tile_padding(m, tokens);
}

double ReplicaModel::prefill_marginal_time_s(double tokens, double attention_pairs,
                                             int decode_batch) const {
  if (tokens <= 0) {
    return 0;
  }
  // A stand-alone chunk pays overhead + its operators' rooflines + comm; mixed into a decode
  // step whose weights are streamed anyway, it adds its compute and communication. Its
  // tokens join the decode tokens in the same grouped expert GEMMs (one forward pass), so
  // they fill the experts' tiles the decode tokens leave part-empty rather than pay their
  // own padding: the experts cost E(decode + chunk) - E(decode).
  const PrefillTerms t = prefill_terms(tokens, attention_pairs);
  const double pp = spec_.parallelism.pp;
  const double b = std::max(decode_batch, 0);
  const double riding =
      b > 0 ? b * (1.0 + spec_.mtp_draft_tokens) / std::max(1.0, std::min(b, pp)) : 0.0;
  const double experts =
      std::max(0.0, expert_gemm_s(tokens + riding) - expert_gemm_s(riding)) - expert_gemm_s(tokens);
  // Beside decoding sequences the chunk's activations travel in the step's own collectives:
  // it adds their bytes, not their latency.
  const Parallelism& par = spec_.parallelism;
  double latency = 0;
  if (b > 0 && par.tp > 1 && !par.attention_dp) {
    latency += 2.0 * spec_.model->layers * tp_latency_s_ / pp;
  }
  if (b > 0 && par.ep > 1) {
    latency += 2.0 * spec_.model->moe_layers() / pp * ep_latency_s_;
  }
  return t.compute + experts + t.comm - latency;
}

double ReplicaModel::prefill_time_s(double tokens, double context) const {
  return prefill_batch_time_s(tokens, tokens * (context + tokens / 2.0));
}

Bound ReplicaModel::prefill_bound(double tokens, double context) const {
  const PrefillTerms t = prefill_terms(tokens, tokens * (context + tokens / 2.0));
  const double by_compute = t.compute_bound;
  const double by_memory = t.roof - t.compute_bound;
  const double roof = std::max(by_compute, by_memory);
  if (overhead_s_ > std::max(roof, t.comm)) {
    return Bound::kOverhead;
  }
  if (t.comm > roof) {
    return Bound::kCommunication;
  }
  return by_compute >= by_memory ? Bound::kCompute : Bound::kMemory;
}

double ReplicaModel::ep_transfer_s(double bytes) const {
  // Peers inside the domain over the scale-up links, the others over the scale-out NIC, both
  // at once: the slower share sets the time.
  return std::max(bytes * (1.0 - ep_scaleout_share_) / ep_link_rate_,
                  bytes * ep_scaleout_share_ / ep_scaleout_link_rate_);
}

namespace {

// Adds a GEMM operator's roofline to a decode step.
void add_gemm(DecodeCost& cost, double compute, double memory) {
  const double roof = std::max(compute, memory);
  cost.gemm_s += roof;
  cost.gemm_compute_bound_s += compute >= memory ? roof : 0.0;
  cost.compute_s += roof;
  cost.memory_s += roof;
}

// Adds `share` of another step's cost (the draft module's passes) to a decode step.
void add_scaled(DecodeCost& cost, const DecodeCost& other, double share) {
  cost.overhead_s += share * other.overhead_s;
  cost.comm_s += share * other.comm_s;
  cost.compute_s += share * other.compute_s;
  cost.compute_s_per_token += share * other.compute_s_per_token;
  cost.memory_s += share * other.memory_s;
  cost.kv_s_per_token += share * other.kv_s_per_token;
  cost.gemm_s += share * other.gemm_s;
  cost.gemm_compute_bound_s += share * other.gemm_compute_bound_s;
  cost.attention_compute_s += share * other.attention_compute_s;
  cost.attention_memory_s += share * other.attention_memory_s;
  cost.dense_compute_s += share * other.dense_compute_s;
  cost.dense_memory_s += share * other.dense_memory_s;
  cost.expert_compute_s += share * other.expert_compute_s;
  cost.expert_memory_s += share * other.expert_memory_s;
}

}  // namespace

DecodeCost ReplicaModel::decode_cost(int batch) const {
  DecodeCost cost = decode_cost_queries(batch, 1.0 + spec_.mtp_draft_tokens);
  if (spec_.mtp_draft_tokens == 0) {
    return cost;
  }
  // The draft module: k passes over the batch, one token each, each pass about mtp_layers
  // main-model layers (attention over its own KV cache, an MoE FFN), plus an LM head per
  // drafted token (compute only: its weights are those the main model streams).
  DecodeCost pass = decode_cost_queries(batch, 1.0);
  pass.overhead_s = 0;
  add_scaled(cost, pass, mtp_layer_share_);
  const double lm_head = spec_.mtp_draft_tokens * std::max(batch, 0) * lm_head_flops_ /
                         (spec_.parallelism.devices_per_replica() * compute_rate_);
  add_gemm(cost, lm_head, 0.0);
  cost.dense_compute_s += lm_head;
  cost.overhead_s +=
      spec_.mtp_draft_tokens * spec_.model->mtp_layers * efficiency_.layer_overhead_s;
  return cost;
}

DecodeCost ReplicaModel::decode_cost_queries(int batch, double queries) const {
  const catalog::Model& m = *spec_.model;
  const Parallelism& par = spec_.parallelism;
  const double b = std::max(batch, 0);
  const double devices = par.devices_per_replica();
  const double pp = par.pp;
  // With pp stages the batch runs as m = min(b, pp) micro-batches of b/m sequences. A sequence's
  // next token needs its micro-batch to pass all pp stages, so a step is pp stage-times of one
  // micro-batch whatever m is: with b >= pp the pipeline is full (each stage busy all pp
  // slots), with b < pp it idles (pp - b) of them: the bubble. `rounds` = pp / m scales the
  // per-device work of one pass over the batch to the step's wall time.
  const double micro_batches = std::max(1.0, std::min(b, pp));
  const double micro_batch = b / micro_batches;
  const double rounds = pp / micro_batches;
  const double reads = rounds * micro_batches;  // weight reads a step (= pp stage-times)
  DecodeCost cost;
  cost.overhead_s = overhead_s_ + b * efficiency_.seq_overhead_s;
  const double non_expert =
      par.attention_dp ? non_expert_weight_bytes_ / pp : non_expert_weight_bytes_ / devices;
  // Each sequence carries `queries` tokens (the next one and the drafts it verifies): GEMMs,
  // attention and the all-to-all scale with them, weight and KV reads do not.
  const double q = queries;
  const double expert = expert_weight_bytes_ / devices * touched_fraction(m, micro_batch * q);
  // Dense GEMMs against their weights; narrow weights without native units are unpacked.
  cost.dense_compute_s =
      rounds * b * q * (dense_flops_per_token_ + lm_head_flops_) / (devices * compute_rate_) +
      reads * linear_bytes_read(non_expert) * dequant_s_per_byte_;
  cost.dense_memory_s = reads * non_expert / memory_rate_;
  add_gemm(cost, cost.dense_compute_s, cost.dense_memory_s);
  if (expert_flops_per_token_ > 0) {
    cost.expert_compute_s = rounds * b * q * expert_flops_per_token_ / (devices * moe_rate_) *
                                ep_imbalance(par.ep, micro_batch * q * m.experts_active) *
                                tile_padding(m, micro_batch * q) +
                            reads * expert * dequant_s_per_byte_;
    cost.expert_memory_s = reads * expert / memory_rate_;
    add_gemm(cost, cost.expert_compute_s, cost.expert_memory_s);
  }
  // Attention: FLOPs and KV bytes per token of context; sliding-window layers read a fixed
  // window a sequence.
  cost.compute_s_per_token = rounds * q * attn_decode_flops_per_pair_ / (devices * attention_rate_);
  cost.kv_s_per_token = rounds * kv_bytes_per_token_device_ / memory_rate_;
  cost.attention_memory_s = rounds * b * window_kv_bytes_per_seq_device_ / memory_rate_;
  cost.memory_s += cost.attention_memory_s;
  cost.comm_s = decode_comm_s(micro_batch * q, micro_batches, rounds);
  return cost;
}

double ReplicaModel::decode_comm_s(double tokens, double micro_batches, double rounds) const {
  const catalog::Model& m = *spec_.model;
  const Parallelism& par = spec_.parallelism;
  const double pp = par.pp;
  double comm = 0;
  if (par.tp > 1 && !par.attention_dp) {
    const double bytes = tokens * m.hidden * activation_bytes_;
    comm += 2.0 * m.layers / pp * micro_batches * rounds *
            (tp_latency_s_ + 2.0 * (par.tp - 1) / par.tp * bytes / tp_link_rate_);
  }
  if (par.ep > 1) {
    const double bytes =
        tokens * m.experts_active * m.hidden * activation_bytes_ * (par.ep - 1.0) / par.ep / par.tp;
    comm +=
        2.0 * m.moe_layers() / pp * micro_batches * rounds *
        (ep_latency_s_ + ep_transfer_s(bytes) * ep_imbalance(par.ep, tokens * m.experts_active));
  }
  if (par.pp > 1) {
    comm += (pp - 1.0) * (tp_latency_s_ + tokens * m.hidden * activation_bytes_ / pp_link_rate_);
  }
  return comm;
}

double ReplicaModel::decode_step_time_s(int batch, double total_context) const {
  return decode_cost(batch).time(total_context);
}

}  // namespace fleetplan::perf
