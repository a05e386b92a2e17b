// estimate(): throughput and latency of a deployment from the replica roofline, and the
// search over parallelism layouts a serving engineer would consider.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>

#include <fmt/format.h>

#include "core/data_dir.h"
#include "core/yaml_reader.h"
#include "perf/perf.h"
#include "perf/search.h"

namespace fleetplan::perf {
namespace {

struct Evaluation {
  double tpot_s = 0;
  double ttft_s = 0;
  double throughput = 0;     // output tokens/s, whole deployment
  double prefill_share = 0;  // of each step's time, the prefill riding along
};

// How requests arrive, for the TTFT: at random moments (an open loop: Poisson, MLPerf
// Server), or from a closed loop of users at zero think time (a benchmark client's
// --concurrency), each sending its next request the moment its last reply ends.
enum class Arrivals { kOpen, kClosed };

// Steady state of continuous batching with `batch` sequences per replica: each step decodes
// one token per sequence while batch/O new requests' prefill rides along (chunked prefill).
// The batch's mean context is I + O/2 tokens per sequence (cached prefixes included: their
// KV cache is held like any other).
Evaluation evaluate_batch(const ReplicaModel& replica, int batch, int input_len, int output_len,
                          double hit_share, int replicas, double queue_factor,
                          Arrivals arrivals = Arrivals::kOpen) {
  Evaluation e;
  const double b = batch;
  const double context = b * (input_len + output_len / 2.0);
  const double decode = replica.decode_cost(batch).time(context);
  // With speculative decoding a sequence gains tokens_per_step tokens a step, so requests
  // finish (and new prefills ride along) that much more often. A prefix-cache hit leaves
  // only the new input tokens to compute.
  const double per_step = replica.tokens_per_step();
  const PrefillWork work = prefill_work(input_len, hit_share);
  // The requests that finish a step are replaced by as many whose prompts ride in it, all in
  // one chunk beside the decoding sequences (b / O a step on average, often less than one).
  const double arrivals_per_step = b * per_step / output_len;
  const double prefill_share = replica.prefill_marginal_time_s(
      arrivals_per_step * work.new_tokens, arrivals_per_step * work.pairs(), batch);
  e.tpot_s = (decode + prefill_share) / per_step;
  e.prefill_share = decode + prefill_share > 0 ? prefill_share / (decode + prefill_share) : 0.0;
  e.throughput = replicas * b / e.tpot_s;
  // A new request waits for the running step, then its prefill; pipeline stages add latency.
  const int pp = replica.spec().parallelism.pp;
  const double prefill = replica.prefill_time_s(work.new_tokens, work.cached_tokens);
  const double alone = prefill * pp - replica.efficiency().step_overhead_s * (pp - 1);
  if (arrivals == Arrivals::kClosed) {
    // A closed loop's request leaves with a reply, just after the scheduler started the next
    // step without it: it waits that whole step (one TPOT), then its prompt rides in the
    // following step(s) beside the b - 1 decoding sequences, in chunks of the token budget
    // left after their tokens. Replies end at a step b / O at a time on average (a Poisson
    // count), so a request finds as many others, sent at the same instant, prefilling in its
    // step. Alone on the replica (b = 1) it finds the replica idle.
    if (batch <= 1 && queue_factor <= 1.0) {
      e.ttft_s = alone;
    } else {
      const double room =
          std::max(1.0, static_cast<double>(replica.efficiency().max_num_tokens) - (b - 1.0));
      const double chunks = std::ceil(work.new_tokens / room);
      const double others = replica.decode_cost(std::max(batch - 1, 1))
                                .time(std::max(b - 1.0, 1.0) * (input_len + output_len / 2.0));
      const double companions = b / output_len;
      e.ttft_s =
          e.tpot_s + chunks * others +
          (1.0 + companions) * replica.prefill_marginal_time_s(work.new_tokens, work.pairs());
    }
  } else {
    // It waits, on average, half of the decode step already running for the other sequences.
    e.ttft_s = alone + 0.5 * e.tpot_s * (b - 1.0) / b;
  }
  // Requests beyond the batch wait for a slot: a slot frees every TPOT x O / batch seconds.
  if (queue_factor > 1.0) {
    e.ttft_s += (queue_factor - 1.0) * e.tpot_s * output_len;
  }
  return e;
}

// The request's sizes, each named by its field (a front end maps fields to its flags).
Status check_request(const EstimateRequest& request) {
  const auto in_range = [](const char* field, long long value, long long max) -> Status {
    if (value < 1 || value > max) {
      return input_error(
          fmt::format("{} = {} is out of range; expected 1 to {}", field, value, max));
    }
    return {};
  };
  FLEETPLAN_RETURN_IF_ERROR(in_range("count", request.count, kMaxDevices));
  FLEETPLAN_RETURN_IF_ERROR(in_range("input_len", request.input_len, kMaxTokens));
  FLEETPLAN_RETURN_IF_ERROR(in_range("output_len", request.output_len, kMaxTokens));
  if (request.concurrency) {
    FLEETPLAN_RETURN_IF_ERROR(in_range("concurrency", *request.concurrency, kMaxConcurrency));
  }
  if (!(request.prefix_cache_hit_share >= 0 && request.prefix_cache_hit_share < 1)) {
    return input_error(
        fmt::format("prefix_cache_hit_share = {} is out of range; expected a share in [0, 1)",
                    request.prefix_cache_hit_share));
  }
  for (const auto& [field, target] : {std::pair{"ttft_target_ms", request.ttft_target_ms},
                                      {"tpot_target_ms", request.tpot_target_ms}}) {
    if (target && !(std::isfinite(*target) && *target > 0)) {
      return input_error(
          fmt::format("{} = {} is not a latency target; expected a number of milliseconds > 0",
                      field, *target));
    }
  }
  return {};
}

std::vector<int> divisors(int n) {
  std::vector<int> out;
  for (int d = 1; d <= n; ++d) {
    if (n % d == 0) {
      out.push_back(d);
    }
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------- EfficiencyTable

const Efficiency& EfficiencyTable::for_family(const std::string& family,
                                              const std::string& engine) const {
  if (!engine.empty()) {
    std::string key = family;
    key += '/';
    key += engine;
    for (const auto& e : entries_) {
      if (e.family == key) {
        return e;
      }
    }
  }
  for (const auto& e : entries_) {
    if (e.family == family) {
      return e;
    }
  }
  for (const auto& e : entries_) {
    if (e.family.rfind(family + "/", 0) == 0) {
      return e;
    }
  }
  for (const auto& e : entries_) {
    if (e.family == "default") {
      return e;
    }
  }
  return fallback_;
}

bool EfficiencyTable::has_family(const std::string& family) const {
  return std::any_of(entries_.begin(), entries_.end(),
                     [&](const Efficiency& e) { return e.family == family; });
}

void EfficiencyTable::set(const Efficiency& efficiency) {
  for (auto& e : entries_) {
    if (e.family == efficiency.family) {
      e = efficiency;
      return;
    }
  }
  entries_.push_back(efficiency);
}

namespace {

// A YAML double-quoted scalar: backslashes, quotes and control characters escaped.
std::string yaml_quoted(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace

// ---------------------------------------------------------------- TailTable

TailTable TailTable::fixed() {
  TailTable t;
  t.points_ = {{1.0, kTtftTail, kTpotTail}};
  t.source_ = "fixed p99/mean factors (TTFT 2.0, TPOT 1.25): no simulated tail table loaded";
  return t;
}

Result<TailTable> TailTable::from_points(std::vector<Point> points, std::string source) {
  if (points.empty()) {
    return input_error("tails: no points");
  }
  std::sort(points.begin(), points.end(),
            [](const Point& a, const Point& b) { return a.utilisation < b.utilisation; });
  for (std::size_t i = 0; i < points.size(); ++i) {
    const Point& p = points[i];
    if (!(p.utilisation > 0 && p.utilisation <= 1) ||
        (i > 0 && p.utilisation == points[i - 1].utilisation)) {
      return input_error(fmt::format(
          "tails.points[{}].utilisation: {} must be in (0, 1] and differ from the others", i,
          p.utilisation));
    }
    if (!(p.ttft_p99_over_mean >= 1 && p.ttft_p99_over_mean <= 100 && p.tpot_p99_over_mean >= 1 &&
          p.tpot_p99_over_mean <= 100)) {
      return input_error(
          fmt::format("tails.points[{}]: p99/mean ratios {} and {} must be in [1, 100]", i,
                      p.ttft_p99_over_mean, p.tpot_p99_over_mean));
    }
  }
  TailTable t;
  t.points_ = std::move(points);
  t.source_ = std::move(source);
  return t;
}

Result<TailTable> TailTable::load_file(const std::string& path) {
  auto node = yaml::load_file(path);
  FLEETPLAN_RETURN_IF_ERROR(node);
  yaml::Reader root(*node, path);
  const std::string source = root.string("source");
  std::vector<Point> points;
  for (yaml::Reader& r : root.list("points")) {
    Point p;
    p.utilisation = r.number("utilisation", 0, 1);
    p.ttft_p99_over_mean = r.number("ttft_p99_over_mean", 1, 100);
    p.tpot_p99_over_mean = r.number("tpot_p99_over_mean", 1, 100);
    r.reject_unknown_fields();
    points.push_back(p);
  }
  root.reject_unknown_fields();
  FLEETPLAN_RETURN_IF_ERROR(root.status());
  auto table = from_points(std::move(points), source);
  if (!table.ok()) {
    return Error{table.error().kind, path + ": " + table.error().message};
  }
  return table;
}

namespace {
double interpolate(const std::vector<TailTable::Point>& points, double u,
                   double TailTable::Point::*field) {
  if (u <= points.front().utilisation) {
    return points.front().*field;
  }
  for (std::size_t i = 1; i < points.size(); ++i) {
    if (u <= points[i].utilisation) {
      const TailTable::Point& a = points[i - 1];
      const TailTable::Point& b = points[i];
      const double w = (u - a.utilisation) / (b.utilisation - a.utilisation);
      return a.*field + w * (b.*field - a.*field);
    }
  }
  return points.back().*field;
}
}  // namespace

double TailTable::ttft(double utilisation) const {
  return interpolate(points_, utilisation, &Point::ttft_p99_over_mean);
}

double TailTable::tpot(double utilisation) const {
  return interpolate(points_, utilisation, &Point::tpot_p99_over_mean);
}

std::string TailTable::to_yaml(const std::string& header_comment) const {
  std::string out;
  std::size_t start = 0;
  while (start < header_comment.size()) {
    const std::size_t end = header_comment.find('\n', start);
    out +=
        "# " +
        header_comment.substr(start, end == std::string::npos ? std::string::npos : end - start) +
        "\n";
    if (end == std::string::npos) {
      break;
    }
    start = end + 1;
  }
  out += fmt::format("source: {}\npoints:\n", yaml_quoted(source_));
  for (const Point& p : points_) {
    out += fmt::format(
        "  - {{utilisation: {:.3f}, ttft_p99_over_mean: {:.4f}, tpot_p99_over_mean: {:.4f}}}\n",
        p.utilisation, p.ttft_p99_over_mean, p.tpot_p99_over_mean);
  }
  return out;
}

Result<EfficiencyTable> EfficiencyTable::load_file(const std::string& path) {
  auto node = yaml::load_file(path);
  FLEETPLAN_RETURN_IF_ERROR(node);
  yaml::Reader root(*node, path);
  root.optional_string("calibrated");
  root.optional_string("method");
  EfficiencyTable table;
  for (yaml::Reader& r : root.list("families")) {
    Efficiency e;
    e.family = r.string("family");
    e.compute = r.number("compute", 0.01, 1.0);
    e.memory = r.number("memory", 0.01, 1.0);
    e.link = r.number("link", 0.01, 1.0);
    e.moe_compute = r.number("moe_compute", 0.01, 1.0);
    e.attention = r.number_or("attention", 0.0, 0.0, 1.0);
    e.step_overhead_s = r.number("step_overhead_ms", 0.0, 1000.0) / 1000.0;
    e.layer_overhead_s = r.number_or("layer_overhead_us", 0.0, 0.0, 1e4) / 1e6;
    e.seq_overhead_s = r.number_or("seq_overhead_us", 0.0, 0.0, 1e5) / 1e6;
    e.max_batch = static_cast<int>(r.integer("max_batch", 1, 1 << 20));
    e.max_num_tokens = static_cast<int>(r.integer_or("max_num_tokens", 8192, 1, 1 << 24));
    e.fitted_on = r.string_or("fitted_on", "");
    r.reject_unknown_fields();
    table.set(e);
  }
  root.reject_unknown_fields();
  FLEETPLAN_RETURN_IF_ERROR(root.status());
  const std::filesystem::path tails =
      std::filesystem::path(data_dir()) / "calibration" / "tails.yaml";
  if (std::filesystem::exists(tails)) {
    auto loaded = TailTable::load_file(tails.string());
    FLEETPLAN_RETURN_IF_ERROR(loaded);
    table.set_tails(std::move(loaded).value());
  }
  return table;
}

Result<EfficiencyTable> EfficiencyTable::load_builtin() {
  const std::string path =
      (std::filesystem::path(data_dir()) / "calibration" / "efficiency.yaml").string();
  return load_file(path);
}

std::string EfficiencyTable::to_yaml(const std::string& header_comment) const {
  std::string out;
  const std::string& comment = header_comment;
  std::size_t start = 0;
  while (start < comment.size()) {
    const std::size_t end = comment.find('\n', start);
    out += "# " +
           comment.substr(start, end == std::string::npos ? std::string::npos : end - start) + "\n";
    if (end == std::string::npos) {
      break;
    }
    start = end + 1;
  }
  out += "families:\n";
  for (const auto& e : entries_) {
    out += fmt::format(
        "  - family: {}\n    compute: {:.4f}\n    memory: {:.4f}\n    link: {:.4f}\n"
        "    moe_compute: {:.4f}\n    attention: {:.4f}\n    step_overhead_ms: {:.4f}\n"
        "    layer_overhead_us: {:.3f}\n"
        "    seq_overhead_us: {:.3f}\n"
        "    max_batch: {}\n    max_num_tokens: {}\n    fitted_on: {}\n",
        yaml_quoted(e.family), e.compute, e.memory, e.link, e.moe_compute, e.attention,
        e.step_overhead_s * 1000.0, e.layer_overhead_s * 1e6, e.seq_overhead_s * 1e6, e.max_batch,
        e.max_num_tokens, yaml_quoted(e.fitted_on));
  }
  return out;
}

Precision default_kv_cache(const catalog::Accelerator& accelerator, Precision weights) {
  const bool narrow = weights == Precision::kFp8 || weights == Precision::kFp4;
  if (narrow && accelerator.native(Precision::kFp8)) {
    return Precision::kFp8;
  }
  return weights == Precision::kInt8 ? Precision::kInt8 : Precision::kBf16;
}

// ---------------------------------------------------------------- layouts

std::vector<Parallelism> candidate_layouts(const catalog::Model& model,
                                           const catalog::Accelerator& accelerator, int count,
                                           const LayoutSupport& support) {
  std::vector<Parallelism> out;
  if (count < 1) {
    return out;
  }
  for (const int tp : divisors(count)) {
    // Tensor parallelism stays inside a scale-up domain (NVLink, HCCS, ICI); a replica larger
    // than a domain uses pipeline stages across domains instead.
    // Attention-DP does not split heads, so its group may exceed them: expert parallelism
    // over a whole CloudMatrix384 or NVL72 domain (redundant experts where ep does not divide
    // them). Plain TP splits heads and stops at their count.
    // Beyond the scale-up domain only attention-DP + EP groups remain (no TP all-reduce to
    // cross the slower network; the expert all-to-all reaches the other domains over
    // scale-out RDMA, as DeepEP's internode kernels do), up to twice the experts.
    const bool dep_capable = model.is_moe() && support.attention_dp && support.expert_parallel;
    const bool beyond_domain = tp > std::max(1, accelerator.scaleup_domain);
    // Engines split attention heads evenly over TP ranks (vLLM and TensorRT-LLM refuse a TP
    // that does not divide the heads); KV heads are split or replicated whole.
    const bool splits_heads =
        model.heads % tp == 0 &&
        (model.kv_heads <= 0 || model.kv_heads % tp == 0 || tp % model.kv_heads == 0);
    const bool dep_only = !splits_heads || beyond_domain;
    if ((dep_only && !dep_capable) ||
        (beyond_domain && (!support.ep_beyond_domain || tp > 2 * model.experts))) {
      continue;
    }
    for (const int pp : divisors(count / tp)) {
      if (pp > model.layers || pp > 16 || (pp > 1 && !support.pipeline)) {
        continue;
      }
      Parallelism p;
      p.tp = tp;
      p.pp = pp;
      p.replicas = count / (tp * pp);
      if (!dep_only) {
        out.push_back(p);
      }
      if (model.is_moe() && tp > 1 && support.expert_parallel) {
        Parallelism ep = p;
        ep.ep = tp;
        if (model.experts % tp == 0 && !dep_only) {
          out.push_back(ep);
        }
        if (support.attention_dp) {
          ep.attention_dp = true;
          out.push_back(ep);
        }
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------- estimate

Result<Estimate> estimate_layout(const EstimateRequest& request, const Parallelism& layout,
                                 const EfficiencyTable& table) {
  if (request.model == nullptr || request.accelerator == nullptr) {
    return internal_error("estimate: model and accelerator are required");
  }
  FLEETPLAN_RETURN_IF_ERROR(check_request(request));
  if (request.enforce_context && request.model->max_context > 0 &&
      request.input_len + request.output_len > request.model->max_context) {
    return input_error(fmt::format("input {} + output {} tokens exceed {}'s context window of {}",
                                   request.input_len, request.output_len, request.model->name,
                                   request.model->max_context));
  }
  if (layout.devices() != request.count) {
    return input_error(
        fmt::format("tp={} x pp={} x replicas={} = {} devices, but the deployment has {}",
                    layout.tp, layout.pp, layout.replicas, layout.devices(), request.count));
  }
  DeploymentSpec spec{request.model, request.accelerator, layout, request.weights,
                      request.kv_cache};
  if (request.mtp == SearchMode::kOn) {
    spec.mtp_draft_tokens = 1;
    spec.mtp_acceptance = request.mtp_acceptance.value_or(request.model->mtp_acceptance);
  }
  auto replica =
      ReplicaModel::create(spec, table.for_family(request.accelerator->family, request.engine));
  FLEETPLAN_RETURN_IF_ERROR(replica);
  const int input_len = request.input_len;
  const int output_len = request.output_len;
  const int context = input_len + output_len;
  const double hit = request.prefix_cache_hit_share;
  const int bmax = replica->max_batch(context);
  if (bmax < 1) {
    return infeasible_error(fmt::format(
        "{} on {} x {}: the KV cache ({:.1f} GB per device after weights) holds no sequence of "
        "{} tokens",
        request.model->name, layout.devices_per_replica(), request.accelerator->name,
        replica->memory().kv_cache / 1e9, context));
  }
  Estimate est;
  est.parallelism = layout;
  std::string limit = bmax >= replica->efficiency().max_batch ? "engine-batch-cap" : "kv-cache";
  int batch = bmax;
  double queue_factor = 1.0;
  const bool has_targets = request.ttft_target_ms.has_value() || request.tpot_target_ms.has_value();
  // Targets are p99 figures; the model predicts means. The p99/mean ratios come from the
  // simulated tail table at this load: throughput over the offline maximum (batch bmax).
  const TailTable& tails = table.tails();
  double peak = 0;
  if (has_targets) {
    peak =
        evaluate_batch(*replica, bmax, input_len, output_len, hit, layout.replicas, 1.0).throughput;
  }
  // `open_batch` > 0: the batch of an open loop, whose TPOT tail is also that of its p99
  // shared batch (p99_shared_batch); 0: a closed loop's fixed batch.
  const auto meets = [&](const Evaluation& e, int open_batch) {
    const double u = peak > 0 ? std::min(1.0, e.throughput / peak) : 1.0;
    double tpot_p99 = e.tpot_s * tails.tpot(u);
    if (request.tpot_target_ms && open_batch > 0) {
      const int high = p99_shared_batch(open_batch, bmax);
      if (high > open_batch) {
        tpot_p99 = std::max(tpot_p99, evaluate_batch(*replica, high, input_len, output_len, hit,
                                                     layout.replicas, 1.0)
                                          .tpot_s);
      }
    }
    return (!request.tpot_target_ms || tpot_p99 * 1000.0 <= *request.tpot_target_ms) &&
           (!request.ttft_target_ms ||
            e.ttft_s * tails.ttft(u) * 1000.0 <= *request.ttft_target_ms);
  };
  if (request.concurrency) {
    const int per_replica = (*request.concurrency + layout.replicas - 1) / layout.replicas;
    if (per_replica <= bmax) {
      batch = per_replica;
      limit = "concurrency";
    } else {
      queue_factor = static_cast<double>(per_replica) / bmax;
    }
  }
  if (has_targets && !request.concurrency) {
    // TPOT and TTFT grow with the batch: the largest batch meeting both is found by bisection.
    int lo = 1;
    int hi = bmax;
    if (!meets(evaluate_batch(*replica, 1, input_len, output_len, hit, layout.replicas, 1.0), 1)) {
      batch = 1;
      est.meets_targets = false;
      limit = "latency-targets-unreachable";
    } else {
      while (lo < hi) {
        const int mid = lo + (hi - lo + 1) / 2;
        if (meets(evaluate_batch(*replica, mid, input_len, output_len, hit, layout.replicas, 1.0),
                  mid)) {
          lo = mid;
        } else {
          hi = mid - 1;
        }
      }
      if (lo < bmax) {
        limit = "latency-targets";
      }
      batch = lo;
    }
  }
  const Evaluation e =
      evaluate_batch(*replica, batch, input_len, output_len, hit, layout.replicas, queue_factor,
                     request.concurrency ? Arrivals::kClosed : Arrivals::kOpen);
  if (has_targets && request.concurrency) {
    est.meets_targets = meets(e, 0);
  }
  est.batch = batch;
  // Up to max_batch (2^20) x kMaxDevices replicas: more than an int holds.
  est.concurrency = request.concurrency ? static_cast<long long>(*request.concurrency)
                                        : static_cast<long long>(batch) * layout.replicas;
  est.tpot_ms = e.tpot_s * 1000.0;
  est.ttft_ms = e.ttft_s * 1000.0;
  if (!request.concurrency && !has_targets) {
    // Offline: every request arrives at once; the first tokens come after the first batch's
    // prefill, chunked at the engine's token budget.
    const PrefillWork work = prefill_work(input_len, hit);
    est.ttft_ms = replica->prefill_batch_time_s(static_cast<double>(batch) * work.new_tokens,
                                                static_cast<double>(batch) * work.pairs()) *
                  1000.0;
  }
  // Throughput counts the sequences served at once; a closed loop at concurrency C cannot
  // exceed C sequences in flight.
  // Spread over the replicas, the busiest holds ceil(C / replicas), and that batch sets the
  // TPOT; but C requests in flight give C tokens a step, not replicas x ceil(C / replicas).
  double throughput = e.throughput;
  if (request.concurrency) {
    const double in_flight = std::min(static_cast<double>(*request.concurrency),
                                      static_cast<double>(batch) * layout.replicas);
    throughput = in_flight / e.tpot_s;
  }
  est.throughput_output_tokens_per_s = throughput;
  est.throughput_total_tokens_per_s =
      throughput * (input_len + output_len) / static_cast<double>(output_len);
  est.prefill_time_share = e.prefill_share;
  const PrefillWork work = prefill_work(input_len, hit);
  est.prefill_bound = replica->prefill_bound(work.new_tokens, work.cached_tokens);
  const double mean_context = batch * (input_len + output_len / 2.0);
  est.decode_bound = replica->decode_cost(batch).bound(mean_context);
  est.memory = replica->memory();
  const double used = replica->kv_bytes_per_token() / layout.devices_per_replica() *
                      static_cast<double>(batch) * context;
  est.memory.free = std::max(0.0, est.memory.kv_cache - used);
  est.limit = limit;
  est.deployments_searched = 1;
  est.mtp_draft_tokens = spec.mtp_draft_tokens;
  est.mtp_acceptance = spec.mtp_acceptance;
  est.tokens_per_step = replica->tokens_per_step();
  est.deployment_devices = layout.devices_per_replica();
  return est;
}

Result<Estimate> estimate(const EstimateRequest& request, const EfficiencyTable& table) {
  if (request.model == nullptr || request.accelerator == nullptr) {
    return internal_error("estimate: model and accelerator are required");
  }
  FLEETPLAN_RETURN_IF_ERROR(check_request(request));
  if (request.parallelism) {
    Parallelism p = *request.parallelism;
    for (const auto& [field, value] :
         {std::pair{"parallelism.tp", p.tp}, {"parallelism.pp", p.pp}, {"parallelism.ep", p.ep}}) {
      if (value < 1 || value > request.count) {
        return input_error(fmt::format("{} = {} is out of range; expected 1 to the {} devices",
                                       field, value, request.count));
      }
    }
    if (static_cast<long long>(p.tp) * p.pp > request.count ||
        request.count % p.devices_per_replica() != 0) {
      return input_error(fmt::format("tp={} x pp={} = {} does not divide the {} accelerators", p.tp,
                                     p.pp, p.devices_per_replica(), request.count));
    }
    p.replicas = request.count / p.devices_per_replica();
    std::optional<Result<Estimate>> chosen;
    for (const EstimateRequest& variant : mtp_variants(request)) {
      auto est = estimate_layout(variant, p, table);
      if (!chosen || (est.ok() && (!chosen->ok() || better_estimate(*est, **chosen)))) {
        chosen = est;
      }
    }
    return *chosen;
  }
  const int limit = request.max_deployment > 0 ? request.max_deployment : request.count;
  std::optional<Estimate> best;
  std::optional<Error> first_error;
  int searched = 0;
  const auto consider = [&](const Estimate& est) {
    if (!best || better_estimate(est, *best)) {
      best = est;
    }
  };
  if (request.disaggregation != SearchMode::kOn) {
    for (const EstimateRequest& variant : mtp_variants(request)) {
      for (const Parallelism& layout : candidate_layouts(*request.model, *request.accelerator,
                                                         request.count, request.layouts)) {
        if (layout.devices_per_replica() > limit) {
          continue;
        }
        auto est = estimate_layout(variant, layout, table);
        ++searched;
        if (!est.ok()) {
          if (!first_error || layout.devices_per_replica() >= request.count) {
            first_error = est.error();
          }
          continue;
        }
        consider(*est);
      }
    }
  }
  const bool try_disaggregated =
      request.disaggregation == SearchMode::kOn ||
      (request.disaggregation == SearchMode::kAuto && request.layouts.disaggregation &&
       request.count >= 2 && !request.concurrency);
  if (try_disaggregated) {
    auto est = estimate_disaggregated(request, table);
    if (est.ok()) {
      searched += est->deployments_searched;
      consider(*est);
    } else if (!first_error || request.disaggregation == SearchMode::kOn) {
      first_error = est.error();
    }
  }
  if (!best) {
    if (first_error) {
      return *first_error;
    }
    return infeasible_error(fmt::format("no deployment of {} on {} x {} (of at most {} devices)",
                                        request.model->name, request.count,
                                        request.accelerator->name, limit));
  }
  best->deployments_searched = searched;
  return *best;
}

int p99_shared_batch(int batch, int max_batch) {
  const double b = std::max(batch, 1);
  const double p99 = std::ceil(b + 2.326 * std::sqrt(2.0 * b / 3.0));
  return static_cast<int>(std::min(p99, static_cast<double>(std::max(max_batch, batch))));
}

bool better_estimate(const Estimate& a, const Estimate& b) {
  if (a.meets_targets != b.meets_targets) {
    return a.meets_targets;
  }
  if (!a.meets_targets) {
    return a.tpot_ms < b.tpot_ms * 0.999;
  }
  return a.throughput_output_tokens_per_s > b.throughput_output_tokens_per_s * 1.001;
}

std::vector<EstimateRequest> mtp_variants(const EstimateRequest& request) {
  std::vector<EstimateRequest> out;
  const bool can = request.model->mtp_layers > 0 && request.layouts.mtp;
  if (request.mtp != SearchMode::kOn) {
    EstimateRequest off = request;
    off.mtp = SearchMode::kOff;
    out.push_back(off);
  }
  if (request.mtp == SearchMode::kOn || (request.mtp == SearchMode::kAuto && can)) {
    EstimateRequest on = request;
    on.mtp = SearchMode::kOn;
    out.push_back(on);
  }
  return out;
}

}  // namespace fleetplan::perf
