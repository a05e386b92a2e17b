// The disaggregated deployment search: prefill instances and decode instances apart (as
// DistServe, Mooncake, DeepSeek's own serving and CloudMatrix-Infer run them), each request's
// KV cache moved from its prefill instance to a decode instance over the link.
//
// A deployment of `count` devices is made of whole units, each `np` prefill instances of `p`
// devices and `nd` decode instances of `d` devices (np*p + nd*d <= the largest deployment);
// devices left over by whole units idle. A unit serves min(np x prefill rate, nd x decode
// rate) requests a second: the P:D ratio is searched so that neither pool waits long on the
// other.
#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "perf/perf.h"
#include "perf/search.h"

namespace fleetplan::perf {
namespace {

// Instance sizes tried: 2^k, 3 x 2^k and 5 x 2^k (8, 12, 16, 20, 24, 32, 40, 48, ... 160,
// 192, 256, 320, 384), the sizes engines are deployed at.
std::vector<int> instance_sizes(int limit) {
  std::vector<int> out;
  for (const int base : {1, 3, 5}) {
    for (long long s = base; s <= limit; s *= 2) {
      out.push_back(static_cast<int>(s));
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

struct PrefillOption {
  Parallelism layout;
  int devices = 0;
  double requests_per_s = 0;  // one busy instance
  double step_s = 0;
  int tokens_per_step = 0;
  double ttft_s = 0;    // prefill latency, without the KV transfer
  int kv_shards = 1;    // devices that hold (and send) one request's KV
  double kv_bytes = 0;  // one request's KV cache
  double scaleup_rate = 0;
  double scaleout_rate = 0;
  Bound bound = Bound::kCompute;
};

struct DecodeOption {
  Parallelism layout;
  int devices = 0;
  double requests_per_s = 0;  // one instance at its batch
  int batch = 0;
  double tpot_s = 0;
  bool meets = true;
  std::string limit;
  Bound bound = Bound::kMemory;
  MemoryBreakdown memory;
  int mtp_draft_tokens = 0;
  double mtp_acceptance = 0;
  double tokens_per_step = 1;
};

std::optional<PrefillOption> evaluate_prefill(const EstimateRequest& request,
                                              const Parallelism& layout, const Efficiency& eff,
                                              std::optional<Error>& error) {
  const DeploymentSpec spec{request.model, request.accelerator, layout, request.weights,
                            request.kv_cache};
  auto replica = ReplicaModel::create(spec, eff);
  if (!replica.ok()) {
    error = replica.error();
    return std::nullopt;
  }
  const double input = request.input_len;
  // Under attention-DP every rank prefills its own prompts; else the instance runs one chunk.
  const int ranks = layout.attention_dp ? layout.tp : 1;
  const double fit = std::floor(replica->kv_capacity_tokens() / (ranks * input));
  if (fit < 1) {
    error = infeasible_error(
        fmt::format("{} on {} x {}: a prefill instance's KV cache holds no prompt of {} tokens",
                    request.model->name, layout.devices_per_replica(), request.accelerator->name,
                    request.input_len));
    return std::nullopt;
  }
  // A prefix-cache hit leaves only the new tokens to compute (they attend to the cached
  // ones); the cache still holds, and the transfer still moves, the whole prompt.
  const PrefillWork work = prefill_work(request.input_len, request.prefix_cache_hit_share);
  const double cached = work.cached_tokens;
  const double fresh = work.new_tokens;
  // Whole prompts up to the engine's token budget a step (per rank), at least one.
  int prompts =
      static_cast<int>(std::min(fit, std::max(1.0, std::floor(eff.max_num_tokens / fresh))));
  PrefillOption o;
  o.layout = layout;
  o.devices = layout.devices_per_replica();
  const int pp = layout.pp;
  for (;;) {
    const double tokens = static_cast<double>(ranks) * prompts * fresh;
    o.step_s = replica->prefill_batch_time_s(tokens, tokens * (cached + fresh / 2.0));
    o.tokens_per_step = static_cast<int>(tokens);
    // A prompt waits on average half a step for the running one, then passes pp stages.
    o.ttft_s = 0.5 * o.step_s + o.step_s * pp - eff.step_overhead_s * (pp - 1);
    const bool meets =
        !request.ttft_target_ms || o.ttft_s * kTtftTail * 1000.0 <= *request.ttft_target_ms;
    if (meets || prompts == 1) {
      break;
    }
    prompts = std::max(1, prompts / 2);
  }
  o.requests_per_s = static_cast<double>(ranks) * prompts / o.step_s;
  o.kv_bytes = replica->kv_bytes_per_sequence(input);
  o.kv_shards = (layout.attention_dp ? 1 : layout.tp) * pp;
  o.scaleup_rate = replica->scaleup_link_rate();
  o.scaleout_rate = replica->scaleout_link_rate();
  o.bound = replica->prefill_bound(std::min<double>(o.tokens_per_step, eff.max_num_tokens));
  return o;
}

std::optional<DecodeOption> evaluate_decode(const EstimateRequest& request,
                                            const Parallelism& layout, const Efficiency& eff,
                                            const TailTable& tails, std::optional<Error>& error) {
  // Under attention-DP each rank schedules its own sequences (SGLang's DP attention,
  // TensorRT-LLM's attention DP, CloudMatrix-Infer's DP320): the engine's batch cap holds
  // per rank. ASSUMPTION for the disaggregated shapes only; colocated keeps the cap per
  // replica as calibrated.
  Efficiency e = eff;
  const int ranks = layout.attention_dp ? layout.tp : 1;
  e.max_batch = static_cast<int>(std::min<long long>(static_cast<long long>(eff.max_batch) * ranks,
                                                     std::numeric_limits<int>::max() / 2));
  DeploymentSpec spec{request.model, request.accelerator, layout, request.weights,
                      request.kv_cache};
  if (request.mtp == SearchMode::kOn) {
    spec.mtp_draft_tokens = 1;
    spec.mtp_acceptance = request.mtp_acceptance.value_or(request.model->mtp_acceptance);
  }
  auto replica = ReplicaModel::create(spec, e);
  if (!replica.ok()) {
    error = replica.error();
    return std::nullopt;
  }
  const int input = request.input_len;
  const int output = request.output_len;
  const int bmax = replica->max_batch(input + output);
  if (bmax < 1) {
    error = infeasible_error(
        fmt::format("{} on {} x {}: a decode instance's KV cache holds no sequence of {} tokens",
                    request.model->name, layout.devices_per_replica(), request.accelerator->name,
                    input + output));
    return std::nullopt;
  }
  // Without prefill in its steps a decode instance's TPOT is its step over the tokens a
  // sequence gains per step; the batch's mean context is I + O/2 tokens a sequence.
  const double per_step = replica->tokens_per_step();
  const auto tpot = [&](int b) {
    return replica->decode_cost(b).time(b * (input + output / 2.0)) / per_step;
  };
  DecodeOption o;
  o.layout = layout;
  o.devices = layout.devices_per_replica();
  o.limit = bmax >= e.max_batch ? "engine-batch-cap" : "kv-cache";
  int batch = bmax;
  if (request.tpot_target_ms) {
    // The TPOT target is a p99: the mean carries the simulated p99/mean ratio at the load
    // (throughput at batch b over the offline maximum), as for colocated replicas.
    const double peak = bmax / tpot(bmax);
    // The p99 of the batch a request shares sets the tail too (p99_shared_batch).
    const auto meets = [&](int b) {
      const double u = peak > 0 ? std::min(1.0, (b / tpot(b)) / peak) : 1.0;
      const double p99 = std::max(tpot(b) * tails.tpot(u), tpot(p99_shared_batch(b, bmax)));
      return p99 * 1000.0 <= *request.tpot_target_ms;
    };
    if (!meets(1)) {
      batch = 1;
      o.meets = false;
      o.limit = "latency-targets-unreachable";
    } else {
      int lo = 1;
      int hi = bmax;
      while (lo < hi) {
        const int mid = lo + (hi - lo + 1) / 2;
        if (meets(mid)) {
          lo = mid;
        } else {
          hi = mid - 1;
        }
      }
      if (lo < bmax) {
        o.limit = "latency-targets";
      }
      batch = lo;
    }
  }
  o.batch = batch;
  o.tpot_s = tpot(batch);
  o.requests_per_s = batch / (output * o.tpot_s);
  o.bound = replica->decode_cost(batch).bound(batch * (input + output / 2.0));
  o.memory = replica->memory();
  const double used = replica->kv_bytes_per_token() / layout.devices_per_replica() *
                      static_cast<double>(batch) * (input + output);
  o.memory.free = std::max(0.0, o.memory.kv_cache - used);
  o.mtp_draft_tokens = spec.mtp_draft_tokens;
  o.mtp_acceptance = spec.mtp_acceptance;
  o.tokens_per_step = per_step;
  return o;
}

// Of two options of one pool, the better per device: meeting the targets first.
template <typename Option>
bool better_option(const Option& a, const Option& b, bool a_meets, bool b_meets) {
  if (a_meets != b_meets) {
    return a_meets;
  }
  return a.requests_per_s / a.devices > b.requests_per_s / b.devices * 1.0001;
}

// One unit's make-up and what it serves.
struct UnitChoice {
  const PrefillOption* prefill = nullptr;
  const DecodeOption* decode = nullptr;
  int prefill_instances = 0;  // per unit
  int decode_instances = 0;
  int devices = 0;
  bool over_scaleup = true;
  double prefill_rate = 0;    // one instance, after the KV link cap
  double requests_per_s = 0;  // whole deployment
  double ttft_s = 0;
  double transfer_s = 0;
  bool meets = true;
};

// The best unit of these two pools' options, with the P:D ratio searched.
void search_units(const EstimateRequest& request, int limit, const PrefillOption& p,
                  const DecodeOption& d, UnitChoice& best) {
  const int domain = std::max(1, request.accelerator->scaleup_domain);
  for (int nd = 1; nd * d.devices + p.devices <= limit; ++nd) {
    for (const bool over_scaleup : {true, false}) {
      const double link = over_scaleup ? p.scaleup_rate : p.scaleout_rate;
      // Each prefill device sends the KV of the prompts it holds; the decode side receives
      // over its own links (same rate): the slower end caps the request rate.
      const double send_cap = p.devices * link / p.kv_bytes;
      const double prefill_rate = std::min(p.requests_per_s, send_cap);
      const double receive_cap = static_cast<double>(nd) * d.devices * link / p.kv_bytes;
      // The balanced ratio, rounded both ways, or as many prefill instances as the unit holds.
      const double ideal = nd * d.requests_per_s / prefill_rate;
      const double room = std::floor(static_cast<double>(limit - nd * d.devices) / p.devices);
      for (const double np_real : {std::floor(ideal), std::ceil(ideal), room}) {
        const int np = static_cast<int>(std::clamp(np_real, 1.0, std::max(1.0, room)));
        const long long unit =
            static_cast<long long>(np) * p.devices + static_cast<long long>(nd) * d.devices;
        if (unit > limit || unit > request.count || (unit <= domain) != over_scaleup) {
          continue;
        }
        const double unit_rate = std::min({np * prefill_rate, nd * d.requests_per_s, receive_cap});
        const long long units = request.count / unit;
        UnitChoice c;
        c.prefill = &p;
        c.decode = &d;
        c.prefill_instances = np;
        c.decode_instances = nd;
        c.devices = static_cast<int>(unit);
        c.over_scaleup = over_scaleup;
        c.prefill_rate = prefill_rate;
        c.requests_per_s = static_cast<double>(units) * unit_rate;
        c.transfer_s = p.kv_bytes / (p.kv_shards * link);
        c.ttft_s = p.ttft_s + c.transfer_s;
        c.meets = d.meets && (!request.ttft_target_ms ||
                              c.ttft_s * kTtftTail * 1000.0 <= *request.ttft_target_ms);
        const bool better =
            best.decode == nullptr || (c.meets != best.meets && c.meets) ||
            (c.meets == best.meets && c.requests_per_s > best.requests_per_s * 1.0001);
        if (better) {
          best = c;
        }
      }
    }
  }
}

Estimate assemble(const EstimateRequest& request, const UnitChoice& c) {
  const PrefillOption& p = *c.prefill;
  const DecodeOption& d = *c.decode;
  const int units = request.count / c.devices;
  Estimate est;
  DisaggregatedShape shape;
  shape.prefill = p.layout;
  shape.decode = d.layout;
  shape.prefill_instances = units * c.prefill_instances;
  shape.decode_instances = units * c.decode_instances;
  shape.unit_devices = c.devices;
  shape.units = units;
  shape.idle_devices = request.count - units * c.devices;
  shape.prefill_devices = shape.prefill_instances * p.devices;
  shape.decode_devices = shape.decode_instances * d.devices;
  shape.prefill_tokens_per_step = p.tokens_per_step;
  shape.prefill_step_ms = p.step_s * 1000.0;
  shape.kv_bytes_per_request = p.kv_bytes;
  shape.kv_transfer_ms = c.transfer_s * 1000.0;
  shape.kv_over_scaleup = c.over_scaleup;
  shape.prefill_tokens_per_s_per_device = c.prefill_rate * request.input_len / p.devices;
  shape.decode_tokens_per_s_per_device = d.requests_per_s * request.output_len / d.devices;
  const double per_unit = c.requests_per_s / units;
  shape.prefill_utilization = per_unit / (c.prefill_instances * c.prefill_rate);
  shape.decode_utilization = per_unit / (c.decode_instances * d.requests_per_s);
  est.disaggregated = shape;
  est.throughput_output_tokens_per_s = c.requests_per_s * request.output_len;
  est.throughput_total_tokens_per_s =
      c.requests_per_s * (static_cast<double>(request.input_len) + request.output_len);
  est.ttft_ms = c.ttft_s * 1000.0;
  est.tpot_ms = d.tpot_s * 1000.0;
  est.batch = d.batch;
  est.concurrency = static_cast<long long>(d.batch) * shape.decode_instances;
  est.parallelism = d.layout;
  est.parallelism.replicas = shape.decode_instances;
  est.prefill_bound = p.bound;
  est.decode_bound = d.bound;
  est.memory = d.memory;
  est.meets_targets = c.meets;
  est.limit = d.limit;
  est.mtp_draft_tokens = d.mtp_draft_tokens;
  est.mtp_acceptance = d.mtp_acceptance;
  est.tokens_per_step = d.tokens_per_step;
  est.deployment_devices = c.devices;
  return est;
}

}  // namespace

Result<Estimate> estimate_disaggregated(const EstimateRequest& request,
                                        const EfficiencyTable& table) {
  if (request.model == nullptr || request.accelerator == nullptr) {
    return internal_error("estimate_disaggregated: model and accelerator are required");
  }
  if (request.concurrency) {
    return input_error(
        "a disaggregated deployment is estimated at its best throughput or under latency "
        "targets, not at a fixed concurrency");
  }
  if (request.count < 2) {
    return input_error("a disaggregated deployment needs at least 2 devices");
  }
  const int limit =
      std::min(request.count, request.max_deployment > 0 ? request.max_deployment : request.count);
  const Efficiency& eff = table.for_family(request.accelerator->family, request.engine);
  std::optional<Error> error;
  int searched = 0;
  // The best prefill and decode instance of each size; a pool's instances do not depend on
  // the other pool's, so the units are combined from these alone.
  std::vector<PrefillOption> prefills;
  std::vector<DecodeOption> decodes;
  const std::vector<EstimateRequest> variants = mtp_variants(request);
  for (const int size : instance_sizes(limit - 1)) {
    std::optional<PrefillOption> best_prefill;
    std::optional<DecodeOption> best_decode;
    for (const Parallelism& layout :
         candidate_layouts(*request.model, *request.accelerator, size, request.layouts)) {
      if (layout.replicas != 1) {
        continue;  // a bigger instance is the same layout replicated: the pool counts them
      }
      ++searched;
      if (auto p = evaluate_prefill(request, layout, eff, error)) {
        const auto ttft_ok = [&](const PrefillOption& o) {
          return !request.ttft_target_ms ||
                 o.ttft_s * kTtftTail * 1000.0 <= *request.ttft_target_ms;
        };
        if (!best_prefill ||
            better_option(*p, *best_prefill, ttft_ok(*p), ttft_ok(*best_prefill))) {
          best_prefill = *p;
        }
      }
      for (const EstimateRequest& variant : variants) {
        if (auto d = evaluate_decode(variant, layout, eff, table.tails(), error)) {
          if (!best_decode || better_option(*d, *best_decode, d->meets, best_decode->meets)) {
            best_decode = *d;
          }
        }
      }
    }
    if (best_prefill) {
      prefills.push_back(*best_prefill);
    }
    if (best_decode) {
      decodes.push_back(*best_decode);
    }
  }
  UnitChoice best;
  for (const PrefillOption& p : prefills) {
    for (const DecodeOption& d : decodes) {
      search_units(request, limit, p, d, best);
    }
  }
  if (best.decode == nullptr) {
    if (error) {
      return *error;
    }
    return infeasible_error(
        fmt::format("no disaggregated deployment of {} on {} x {} (units of at most {} devices)",
                    request.model->name, request.count, request.accelerator->name, limit));
  }
  Estimate est = assemble(request, best);
  est.deployments_searched = searched;
  return est;
}

std::string shape_text(const Estimate& estimate) {
  const auto layout = [](const Parallelism& p) {
    std::string s = fmt::format("tp={} pp={} ep={}", p.tp, p.pp, p.ep);
    if (p.attention_dp) {
      s += " attention-dp";
    }
    return s;
  };
  if (!estimate.disaggregated) {
    return layout(estimate.parallelism) +
           fmt::format(" replicas={}", estimate.parallelism.replicas);
  }
  const DisaggregatedShape& d = *estimate.disaggregated;
  return fmt::format("disaggregated: {} prefill x {} ({}) + {} decode x {} ({})",
                     d.prefill_instances, d.prefill.devices_per_replica(), layout(d.prefill),
                     d.decode_instances, d.decode.devices_per_replica(), layout(d.decode));
}

}  // namespace fleetplan::perf
