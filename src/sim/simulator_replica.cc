// A replica's bookkeeping: request slots, KV-cache blocks, the admission and decode lists (see
// detail/simulator.h).
#include <algorithm>
#include <cmath>

#include "sim/detail/simulator.h"

namespace fleetplan::sim::detail {

int Simulator::alloc_request() {
  if (!free_requests_.empty()) {
    const int id = free_requests_.back();
    free_requests_.pop_back();
    requests_[id] = Request{};
    return id;
  }
  requests_.emplace_back();
  return static_cast<int>(requests_.size()) - 1;
}

void Simulator::change_in_system(int service, int delta, double now) {
  area_ += static_cast<double>(in_system_) * (now - last_change_);
  last_change_ = now;
  in_system_ += delta;
  ServiceState& s = services_[service];
  s.area += static_cast<double>(s.in_system) * (now - s.last_change);
  s.last_change = now;
  s.in_system += delta;
}

// Blocks needed by the n decode steps run at step counts from_step .. from_step + n - 1:
// every block_size steps each sequence needs exactly one block, the rest from the phases.
long long Simulator::growth_over(const Replica& rep, long long from_step, long long n) const {
  if (n <= 0 || rep.decoders == 0 || rep.cfg.reserve_output) {
    return 0;
  }
  const long long bs = rep.block_size;
  long long total = (n / bs) * rep.decoders;
  const long long rest = n % bs;
  // The phase needing a block at step c is (-c) mod bs; it steps down by one each step.
  long long index = floor_mod(-from_step, bs);
  for (long long j = 0; j < rest; ++j) {
    total += rep.phase[index];
    index = index == 0 ? bs - 1 : index - 1;
  }
  return total;
}

// The most decode steps (at most `cap`) from `from_step` whose new blocks fit in free_blocks.
long long Simulator::steps_allocatable(const Replica& rep, long long from_step,
                                       long long free_blocks, long long cap) const {
  if (rep.decoders == 0 || rep.cfg.reserve_output) {
    return cap;
  }
  // growth(m) = (m / bs) * decoders + partial(m mod bs) is non-decreasing in m, so the steps
  // that fit are a prefix [0, M]; M is the best, over each residue r, of the largest
  // m = q * bs + r with q * decoders + partial(r) <= free.
  const long long bs = rep.block_size;
  long long best = 0;
  long long partial = 0;
  long long index = floor_mod(-from_step, bs);
  for (long long r = 0; r < bs; ++r) {
    if (r > 0) {
      partial += rep.phase[index];
      index = index == 0 ? bs - 1 : index - 1;
    }
    if (partial > free_blocks) {
      break;
    }
    const long long q = (free_blocks - partial) / rep.decoders;
    const double m = static_cast<double>(q) * static_cast<double>(bs) + static_cast<double>(r);
    if (m >= static_cast<double>(cap)) {
      return cap;
    }
    best = std::max(best, q * bs + r);
  }
  return std::min(best, cap);
}

void Simulator::link_admitted(Replica& rep, int id) {
  Request& q = requests_[id];
  q.prev = rep.admit_tail;
  q.next = -1;
  if (rep.admit_tail >= 0) {
    requests_[rep.admit_tail].next = id;
  } else {
    rep.admit_head = id;
  }
  rep.admit_tail = id;
}

void Simulator::unlink_admitted(Replica& rep, int id) {
  Request& q = requests_[id];
  if (q.prev >= 0) {
    requests_[q.prev].next = q.next;
  } else {
    rep.admit_head = q.next;
  }
  if (q.next >= 0) {
    requests_[q.next].prev = q.prev;
  } else {
    rep.admit_tail = q.prev;
  }
  q.prev = -1;
  q.next = -1;
}

long long Simulator::cached_prefix(const Request& q) const {
  return cached_prefix_tokens(workload_.services[q.service].prefix_cache_hit_share, q.input);
}

void Simulator::join_decode(Replica& rep, int id) {
  Request& q = requests_[id];
  q.state = State::kDecoding;
  // KV holds the prompt and every output token but the last, which the next step writes.
  const long long kv = q.input + q.generated - 1;
  q.offset = kv - rep.step;
  rep.phase[floor_mod(q.offset, rep.block_size)] += 1;
  rep.context_base += q.offset + 1;
  rep.decoders += 1;
  q.epoch = ++epochs_;
  rep.finish.push_back({rep.step + (q.output - q.generated), id, q.epoch});
  std::push_heap(rep.finish.begin(), rep.finish.end(), kFinishAfter);
}

void Simulator::leave_decode(Replica& rep, int id) {
  Request& q = requests_[id];
  rep.phase[floor_mod(q.offset, rep.block_size)] -= 1;
  rep.context_base -= q.offset + 1;
  rep.decoders -= 1;
}

// Steps of the current run started by time t (the step running at t included): the smallest
// k with start + total(k) >= t; `end` receives start + total(k), the end of step k.
long long Simulator::stretch_steps_started(const Replica& rep, double t, double* end) const {
  const long long n = rep.stretch_steps;
  const int b = rep.run_batch;
  const double s0 = rep.stretch_context;
  double reached_time = rep.end;  // of step `reached_k`
  long long reached_k = n;
  const auto reached = [&](long long k) {
    const double time = rep.run_start + rep.model->decode_total_time_s(b, s0, k);
    if (time >= t) {
      reached_k = k;
      reached_time = time;
      return true;
    }
    return false;
  };
  long long k = estimate_decode_steps(rep.model->decode_line(b), b, s0, t - rep.run_start);
  k = std::clamp(k, 1LL, n);
  // The estimate is exact up to rounding: a few unit moves settle it, else bisect.
  bool settled = false;
  for (int moves = 0; moves < 4 && !settled; ++moves) {
    if (k > 1 && reached(k - 1)) {
      --k;
    } else if (k < n && !reached(k)) {
      ++k;
    } else {
      settled = true;
    }
  }
  if (!settled) {
    long long lo = 1;
    long long hi = n;
    while (lo < hi) {
      const long long mid = lo + (hi - lo) / 2;
      if (reached(mid)) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    k = lo;
  }
  if (end != nullptr) {
    *end = reached_k == k ? reached_time : rep.run_start + rep.model->decode_total_time_s(b, s0, k);
  }
  return k;
}

long long Simulator::blocks_in_use_at(const Replica& rep, double t) const {
  if (rep.activity != Activity::kStretch || t <= rep.run_start || rep.stretch_steps == 0) {
    return rep.used_blocks;
  }
  const long long k = stretch_steps_started(rep, t);
  if (!rep.head) {
    // The first step's blocks were allocated when the run was planned.
    return rep.used_blocks + growth_over(rep, rep.step + 1, k - 1);
  }
  // After a head step: k steps from the count after the head, for the sequences decoding
  // and those joining from the head (registered only at commit).
  const long long after = rep.step + (rep.step_has_decode ? 1 : 0);
  long long blocks = rep.used_blocks + growth_over(rep, after, k);
  if (!rep.cfg.reserve_output) {
    for (const int id : rep.prefilling) {
      // A joiner with offset o needs a block at the counts c with (o + c) mod bs == 0.
      const long long offset = requests_[id].target - after;
      const long long first = floor_mod(-offset - after, rep.block_size);
      blocks += k > first ? (k - 1 - first) / rep.block_size + 1 : 0;
    }
  }
  return blocks;
}

}  // namespace fleetplan::sim::detail
