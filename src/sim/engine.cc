// The event kernel. Every replica answers two questions: when does its current activity end
// (next_event: the end of one step, or of a run of identical decode steps), and what happens
// then (update: commit the steps, finish requests, plan the next activity). The kernel takes
// the earliest of the next arrival, the next KV transfer and the earliest replica event.
//
// The closed-form jump: between two changes of a replica's batch (an admission, a
// completion, a preemption, a prefill chunk), decode steps differ only by the context the
// batch holds, which grows by `batch` tokens a step; the time of n such steps is the
// closed-form sum StepTimeModel::decode_total_time_s, the step of the next completion is the
// top of a heap of finish steps, and the step at which the KV cache runs out is found from a
// histogram of the sequences' block phases. A run of decode steps is one event, however long.
#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "sim/engine.h"
#include "sim/stats.h"

namespace fleetplan::sim {

const char* role_name(Role role) {
  switch (role) {
    case Role::kMixed:
      return "mixed";
    case Role::kPrefill:
      return "prefill";
    case Role::kDecode:
      return "decode";
  }
  return "?";
}

const char* router_name(RouterPolicy policy) {
  switch (policy) {
    case RouterPolicy::kRoundRobin:
      return "round_robin";
    case RouterPolicy::kLeastOutstanding:
      return "least_outstanding";
    case RouterPolicy::kLeastKv:
      return "least_kv";
    case RouterPolicy::kWeighted:
      return "weighted";
    case RouterPolicy::kRandom:
      return "random";
  }
  return "?";
}

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

long long ceil_div(long long a, long long b) { return a <= 0 ? 0 : (a + b - 1) / b; }
long long floor_mod(long long a, long long b) {
  const long long r = a % b;
  return r < 0 ? r + b : r;
}

enum class State : std::uint8_t { kWaiting, kPrefilling, kDecoding, kTransferring };

struct Request {
  double arrival = 0;
  double first_token = -1;
  long long input = 0;
  long long output = 0;
  long long generated = 0;  // output tokens produced so far
  long long target = 0;     // tokens to prefill: the prompt, or prompt + output after preemption
  long long done = 0;       // of target
  long long chunk = 0;      // prefill tokens in the running step
  long long offset = 0;     // decoding: KV tokens minus the replica's decode-step count
  long long blocks = 0;     // blocks held (not used for optimistic decoders: see blocks_of)
  int service = 0;
  int replica = -1;
  int prev = -1;  // admission-order list of the replica (preemption victims come from its tail)
  int next = -1;
  std::uint64_t epoch = 0;  // of its current decode join; stale finish-heap entries differ
  State state = State::kWaiting;
  bool has_kv = false;  // arrived at a decode replica with its KV cache (disaggregation)
};

struct FinishEntry {
  long long step = 0;
  int id = 0;
  std::uint64_t epoch = 0;
};
// std heap functions build a max-heap; "greater" orders the smallest step (then id) first.
struct FinishAfter {
  bool operator()(const FinishEntry& a, const FinishEntry& b) const {
    return a.step != b.step ? a.step > b.step : a.id > b.id;
  }
};
constexpr FinishAfter kFinishAfter;

enum class Activity : std::uint8_t { kIdle, kStep, kStretch };

struct Replica {
  int deployment = 0;
  const StepTimeModel* model = nullptr;
  Role role = Role::kMixed;
  SchedulerConfig cfg;
  long long block_size = 16;
  long long capacity_blocks = 0;
  long long watermark_blocks = 0;
  long long max_tokens = 0;
  long long fit_tokens = 0;  // KV tokens one sequence may hold: (capacity - watermark) blocks
  double link_bytes_per_s = 0;
  double weight = 1;
  bool jump = true;  // closed-form runs of decode steps (off: step by step)

  std::deque<int> waiting;
  long long waiting_blocks = 0;  // blocks the queue needs at admission (least_kv router)
  std::vector<int> prefilling;   // in admission order
  std::vector<FinishEntry> finish;
  long long stale = 0;           // finish entries of preempted sequences still in the heap
  std::vector<long long> phase;  // decoders by (offset mod block_size)
  long long decoders = 0;
  long long context_base = 0;  // sum of (offset + 1): context of step g is base + decoders * g
  long long step = 0;          // g: decode steps run so far
  long long used_blocks = 0;
  long long running = 0;  // decoding + prefilling
  long long transfers_out = 0;
  int admit_head = -1;
  int admit_tail = -1;
  long long outstanding = 0;  // routed here and not finished or handed off

  Activity activity = Activity::kIdle;
  double start = 0;
  double end = kInf;
  bool step_has_decode = false;
  // A run of decode steps (kStretch): `stretch_steps` steps of `run_batch` sequences from
  // `run_start`, the context `stretch_context` at the first. It may open with a head step (a
  // step with prefill chunks, [start, head_end]) after which the prefilled sequences join.
  long long stretch_steps = 0;
  double stretch_context = 0;
  double run_start = 0;
  int run_batch = 0;
  bool head = false;
  double head_end = 0;

  double busy = 0;
  double batch_area = 0;  // integral of the sequences in flight over time
  double kv_area = 0;
  long long kv_peak = 0;
  long long steps_run = 0;
  long long preemptions = 0;
  long long routed = 0;
  double current_weight = 0;
  Rng rng;
};

// Min-heap of replicas keyed by (event time, index), with positions for key updates.
class ReplicaHeap {
 public:
  explicit ReplicaHeap(const std::vector<Replica>& replicas) : replicas_(&replicas) {
    const int n = static_cast<int>(replicas.size());
    heap_.resize(n);
    pos_.resize(n);
    for (int i = 0; i < n; ++i) {
      heap_[i] = i;
      pos_[i] = i;
    }
  }
  [[nodiscard]] int top() const { return heap_[0]; }
  [[nodiscard]] double top_time() const { return (*replicas_)[heap_[0]].end; }
  void update(int r) {
    sift_up(pos_[r]);
    sift_down(pos_[r]);
  }

 private:
  [[nodiscard]] bool less(int a, int b) const {
    const double ta = (*replicas_)[a].end;
    const double tb = (*replicas_)[b].end;
    return ta != tb ? ta < tb : a < b;
  }
  void place(int i, int r) {
    heap_[i] = r;
    pos_[r] = i;
  }
  void sift_up(int i) {
    const int r = heap_[i];
    while (i > 0) {
      const int parent = (i - 1) / 2;
      if (!less(r, heap_[parent])) {
        break;
      }
      place(i, heap_[parent]);
      i = parent;
    }
    place(i, r);
  }
  void sift_down(int i) {
    const int n = static_cast<int>(heap_.size());
    const int r = heap_[i];
    while (true) {
      int child = 2 * i + 1;
      if (child >= n) {
        break;
      }
      if (child + 1 < n && less(heap_[child + 1], heap_[child])) {
        ++child;
      }
      if (!less(heap_[child], r)) {
        break;
      }
      place(i, heap_[child]);
      i = child;
    }
    place(i, r);
  }

  const std::vector<Replica>* replicas_;
  std::vector<int> heap_;
  std::vector<int> pos_;
};

struct Transfer {
  double time = 0;
  long long seq = 0;
  int id = 0;
  int from = 0;
  int to = 0;
};
struct TransferAfter {
  bool operator()(const Transfer& a, const Transfer& b) const {
    return a.time != b.time ? a.time > b.time : a.seq > b.seq;
  }
};
constexpr TransferAfter kTransferAfter;

// Replicas a request may be routed to, with the router's state for that list.
struct Candidates {
  std::vector<int> replicas;
  std::size_t cursor = 0;
};

struct ServiceState {
  std::vector<double> ttft;
  std::vector<double> tpot;
  std::vector<double> e2e;
  long long arrived = 0;
  long long completed = 0;
  long long dropped = 0;
  long long met = 0;
  long long preemptions = 0;
  double input_tokens = 0;
  double output_tokens = 0;
  long long in_system = 0;
  double area = 0;  // integral of in_system over time
  double last_change = 0;
  long long waiting = 0;
  long long running = 0;
  int entry = -1;   // index into candidate lists (new requests)
  int decode = -1;  // index into candidate lists (after prefill, disaggregated); -1: none
};

class Engine {
 public:
  Engine(const Fleet& fleet, const Workload& workload, const Options& options)
      : fleet_(fleet), workload_(workload), options_(options) {}

  Result<Results> run();

 private:
  // Arrivals.
  struct Arrival {
    double time = kInf;
    int service = 0;
    long long input = 0;
    long long output = 0;
  };
  void setup_arrivals();
  [[nodiscard]] double next_arrival_time() const;
  Arrival take_arrival();

  // Kernel steps.
  void on_arrival(const Arrival& a);
  void on_transfer(const Transfer& tr);
  void on_replica_event(int r);
  void enqueue(int r, int id, double now);
  void commit(Replica& rep, double now);
  void commit_step(int r, double from, double to);
  void complete_finished(Replica& rep, double now);
  void try_head_and_run(Replica& rep, int batch);
  void plan(int r, double now);
  void preempt(Replica& rep);
  void finish_prefill(int r, int id, double now);
  void complete(Replica& rep, int id, double now);
  void drop(int id, double now);

  // KV-cache bookkeeping.
  [[nodiscard]] long long blocks_of(const Replica& rep, const Request& q) const;
  [[nodiscard]] long long growth_now(const Replica& rep) const;
  [[nodiscard]] long long growth_over(const Replica& rep, long long from_step, long long n) const;
  [[nodiscard]] long long steps_allocatable(const Replica& rep, long long from_step,
                                            long long free_blocks, long long cap) const;
  [[nodiscard]] long long admission_blocks(const Replica& rep, const Request& q) const;
  void join_decode(Replica& rep, int id);
  void leave_decode(Replica& rep, int id);
  void link_admitted(Replica& rep, int id);
  void unlink_admitted(Replica& rep, int id);
  void clean_finish_top(Replica& rep);
  [[nodiscard]] long long stretch_steps_started(const Replica& rep, double t,
                                                double* end = nullptr) const;
  [[nodiscard]] long long blocks_in_use_at(const Replica& rep, double t) const;

  // Routing.
  int route(int list, const Request& q, double now, bool decode_side);
  [[nodiscard]] bool fits(const Replica& rep, const Request& q, bool decode_side) const;

  // Accounting.
  void change_in_system(int service, int delta, double now);
  void sample_until(double t);
  int alloc_request();

  Results assemble();

  const Fleet& fleet_;
  const Workload& workload_;
  const Options& options_;

  std::vector<Replica> replicas_;
  std::unique_ptr<ReplicaHeap> heap_;
  std::vector<Candidates> lists_;
  std::vector<ServiceState> services_;
  std::vector<Request> requests_;
  std::vector<int> free_requests_;
  std::vector<Transfer> transfers_;
  long long transfer_seq_ = 0;
  std::uint64_t epochs_ = 0;
  Rng routing_rng_;

  // Arrival sources.
  std::vector<ArrivalGenerator> generators_;
  std::vector<Rng> length_rngs_;
  std::vector<LengthDistribution> inputs_;  // prepared copies of the services' distributions
  std::vector<LengthDistribution> outputs_;
  std::vector<double> next_times_;
  std::size_t trace_index_ = 0;
  long long generated_ = 0;

  long long in_system_ = 0;
  double area_ = 0;
  double last_change_ = 0;
  double first_arrival_ = kInf;
  double last_departure_ = 0;
  long long events_ = 0;
  std::optional<Error> failure_;

  double next_sample_ = 0;
  std::vector<TimeseriesRow> timeseries_;
};

// ------------------------------------------------------------------------ arrivals

void Engine::setup_arrivals() {
  const std::size_t n = workload_.services.size();
  if (!workload_.trace.empty()) {
    return;
  }
  generators_.reserve(n);
  for (std::size_t s = 0; s < n; ++s) {
    generators_.emplace_back(workload_.services[s].arrival,
                             Rng::stream(options_.seed, "arrivals", s));
    length_rngs_.push_back(Rng::stream(options_.seed, "lengths", s));
    inputs_.push_back(workload_.services[s].input);
    inputs_.back().prepare();
    outputs_.push_back(workload_.services[s].output);
    outputs_.back().prepare();
    next_times_.push_back(generators_[s].next());
  }
}

double Engine::next_arrival_time() const {
  if (workload_.requests > 0 && generated_ >= workload_.requests) {
    return kInf;
  }
  double t = kInf;
  if (!workload_.trace.empty()) {
    if (trace_index_ < workload_.trace.size()) {
      t = workload_.trace[trace_index_].arrival_s;
    }
  } else {
    for (const double x : next_times_) {
      t = std::min(t, x);
    }
  }
  if (workload_.duration_s > 0 && t > workload_.duration_s) {
    return kInf;
  }
  return t;
}

Engine::Arrival Engine::take_arrival() {
  Arrival a;
  ++generated_;
  if (!workload_.trace.empty()) {
    const TraceRequest& tr = workload_.trace[trace_index_++];
    a.time = tr.arrival_s;
    a.service = tr.service;
    a.input = tr.input_tokens;
    a.output = tr.output_tokens;
    return a;
  }
  std::size_t best = 0;
  for (std::size_t s = 1; s < next_times_.size(); ++s) {
    if (next_times_[s] < next_times_[best]) {
      best = s;
    }
  }
  a.time = next_times_[best];
  a.service = static_cast<int>(best);
  a.input = inputs_[best].sample(length_rngs_[best]);
  a.output = outputs_[best].sample(length_rngs_[best]);
  next_times_[best] = generators_[best].next();
  return a;
}

// ------------------------------------------------------------------------ bookkeeping

int Engine::alloc_request() {
  if (!free_requests_.empty()) {
    const int id = free_requests_.back();
    free_requests_.pop_back();
    requests_[id] = Request{};
    return id;
  }
  requests_.emplace_back();
  return static_cast<int>(requests_.size()) - 1;
}

void Engine::change_in_system(int service, int delta, double now) {
  area_ += static_cast<double>(in_system_) * (now - last_change_);
  last_change_ = now;
  in_system_ += delta;
  ServiceState& s = services_[service];
  s.area += static_cast<double>(s.in_system) * (now - s.last_change);
  s.last_change = now;
  s.in_system += delta;
}

long long Engine::blocks_of(const Replica& rep, const Request& q) const {
  if (q.state == State::kDecoding && !rep.cfg.reserve_output) {
    return ceil_div(q.offset + rep.step, rep.block_size);
  }
  return q.blocks;
}

// Blocks the next decode step needs: a sequence holding a multiple of block_size tokens
// needs a new block for the token it writes.
long long Engine::growth_now(const Replica& rep) const {
  if (rep.decoders == 0 || rep.cfg.reserve_output) {
    return 0;
  }
  return rep.phase[floor_mod(-rep.step, rep.block_size)];
}

// Blocks needed by the n decode steps run at step counts from_step .. from_step + n - 1:
// every block_size steps each sequence needs exactly one block, the rest from the phases.
long long Engine::growth_over(const Replica& rep, long long from_step, long long n) const {
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
long long Engine::steps_allocatable(const Replica& rep, long long from_step, long long free_blocks,
                                    long long cap) const {
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

long long Engine::admission_blocks(const Replica& rep, const Request& q) const {
  if (rep.cfg.reserve_output) {
    // The whole life of the sequence: the last output token is never written to the cache.
    return ceil_div(q.input + q.output - 1, rep.block_size);
  }
  if (q.has_kv) {
    // Its KV (prompt) plus the token its first decode step writes.
    return ceil_div(q.input + q.generated, rep.block_size);
  }
  return ceil_div(q.target, rep.block_size);
}

void Engine::link_admitted(Replica& rep, int id) {
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

void Engine::unlink_admitted(Replica& rep, int id) {
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

void Engine::join_decode(Replica& rep, int id) {
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

void Engine::leave_decode(Replica& rep, int id) {
  Request& q = requests_[id];
  rep.phase[floor_mod(q.offset, rep.block_size)] -= 1;
  rep.context_base -= q.offset + 1;
  rep.decoders -= 1;
}

// Entries go stale only by preemption; each decode join has an epoch no other join shares,
// so an entry is live exactly when its request still carries that epoch.
void Engine::clean_finish_top(Replica& rep) {
  while (rep.stale > 0 && !rep.finish.empty()) {
    const FinishEntry& top = rep.finish.front();
    const Request& q = requests_[top.id];
    if (q.epoch == top.epoch && q.state == State::kDecoding) {
      return;
    }
    std::pop_heap(rep.finish.begin(), rep.finish.end(), kFinishAfter);
    rep.finish.pop_back();
    rep.stale -= 1;
  }
}

// Steps of the current run started by time t (the step running at t included): the smallest
// k with start + total(k) >= t; `end` receives start + total(k), the end of step k.
long long Engine::stretch_steps_started(const Replica& rep, double t, double* end) const {
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

long long Engine::blocks_in_use_at(const Replica& rep, double t) const {
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

// ------------------------------------------------------------------------ routing

bool Engine::fits(const Replica& rep, const Request& q, bool decode_side) const {
  if (rep.max_tokens > 0 && q.input + q.output > rep.max_tokens) {
    return false;
  }
  // Alone on the replica the request must fit: its prompt (prefill side) or its whole
  // sequence (where it decodes), plus the admission watermark.
  const long long tokens =
      rep.role == Role::kPrefill && !decode_side ? q.input : q.input + q.output - 1;
  return tokens <= rep.fit_tokens;
}

int Engine::route(int list, const Request& q, double now, bool decode_side) {
  Candidates& c = lists_[list];
  const std::size_t n = c.replicas.size();
  int best = -1;
  switch (fleet_.router) {
    case RouterPolicy::kRoundRobin: {
      for (std::size_t i = 0; i < n; ++i) {
        const int r = c.replicas[(c.cursor + i) % n];
        if (fits(replicas_[r], q, decode_side)) {
          best = r;
          c.cursor = (c.cursor + i + 1) % n;
          break;
        }
      }
      break;
    }
    case RouterPolicy::kLeastOutstanding:
    case RouterPolicy::kLeastKv: {
      // Ties go to the first candidate after a cursor that moves on each call, so equal
      // replicas share the traffic.
      double best_load = kInf;
      std::size_t at = c.cursor;
      for (std::size_t i = 0; i < n; ++i, at = at + 1 == n ? 0 : at + 1) {
        const int r = c.replicas[at];
        const Replica& rep = replicas_[r];
        if (!fits(rep, q, decode_side)) {
          continue;
        }
        double load = 0;
        if (fleet_.router == RouterPolicy::kLeastOutstanding) {
          load = static_cast<double>(rep.outstanding);
        } else {
          load = static_cast<double>(blocks_in_use_at(rep, now) + rep.waiting_blocks) /
                 static_cast<double>(rep.capacity_blocks);
        }
        if (load < best_load) {
          best_load = load;
          best = r;
        }
      }
      c.cursor = c.cursor + 1 == n ? 0 : c.cursor + 1;
      break;
    }
    case RouterPolicy::kWeighted: {
      // Smooth weighted round robin (nginx): each candidate gains its weight, the largest
      // is picked and pays back the total.
      double total = 0;
      for (const int r : c.replicas) {
        Replica& rep = replicas_[r];
        if (!fits(rep, q, decode_side)) {
          continue;
        }
        rep.current_weight += rep.weight;
        total += rep.weight;
        if (best < 0 || rep.current_weight > replicas_[best].current_weight) {
          best = r;
        }
      }
      if (best >= 0) {
        replicas_[best].current_weight -= total;
      }
      break;
    }
    case RouterPolicy::kRandom: {
      std::vector<int> ok;
      for (const int r : c.replicas) {
        if (fits(replicas_[r], q, decode_side)) {
          ok.push_back(r);
        }
      }
      if (!ok.empty()) {
        best = ok[routing_rng_.below(ok.size())];
      }
      break;
    }
  }
  return best;
}

// ------------------------------------------------------------------------ events

void Engine::drop(int id, double now) {
  Request& q = requests_[id];
  ServiceState& s = services_[q.service];
  s.dropped += 1;
  change_in_system(q.service, -1, now);
  last_departure_ = std::max(last_departure_, now);
  free_requests_.push_back(id);
}

void Engine::on_arrival(const Arrival& a) {
  const int id = alloc_request();
  Request& q = requests_[id];
  q.arrival = a.time;
  q.input = a.input;
  q.output = a.output;
  q.target = a.input;
  q.service = a.service;
  ServiceState& s = services_[a.service];
  s.arrived += 1;
  first_arrival_ = std::min(first_arrival_, a.time);
  change_in_system(a.service, +1, a.time);
  int r = route(s.entry, q, a.time, false);
  // Disaggregated: some decode replica must be able to hold the whole sequence, or the
  // request is turned away now rather than after its prefill.
  if (r >= 0 && !lists_[s.decode].replicas.empty()) {
    const auto& decode = lists_[s.decode].replicas;
    if (std::none_of(decode.begin(), decode.end(),
                     [&](int d) { return fits(replicas_[d], q, true); })) {
      r = -1;
    }
  }
  if (r < 0 ||
      (replicas_[r].cfg.max_waiting > 0 &&
       static_cast<long long>(replicas_[r].waiting.size()) >= replicas_[r].cfg.max_waiting)) {
    drop(id, a.time);
    return;
  }
  enqueue(r, id, a.time);
}

void Engine::enqueue(int r, int id, double now) {
  Replica& rep = replicas_[r];
  Request& q = requests_[id];
  q.replica = r;
  q.state = State::kWaiting;
  rep.waiting.push_back(id);
  rep.waiting_blocks += admission_blocks(rep, q);
  rep.outstanding += 1;
  rep.routed += 1;
  services_[q.service].waiting += 1;
  if (rep.activity == Activity::kIdle) {
    plan(r, now);
    return;
  }
  // A run of decode steps ends early only where the newcomer could be admitted: the queue
  // was empty and a batch slot is free. Otherwise nothing can change before the run's end
  // (the free KV blocks only shrink while decoding), exactly as step by step.
  if (rep.activity == Activity::kStretch && rep.waiting.size() == 1 &&
      rep.running < rep.cfg.max_batch && now < rep.end) {
    if (rep.head && now <= rep.head_end) {
      // It arrived during the head step: the scheduler looks at it when that step ends.
      rep.stretch_steps = 0;
      rep.end = rep.head_end;
      heap_->update(r);
      return;
    }
    double end = rep.end;
    const long long k = stretch_steps_started(rep, now, &end);
    if (k < rep.stretch_steps) {
      rep.stretch_steps = k;
      rep.end = end;
      heap_->update(r);
    }
  }
}

void Engine::on_transfer(const Transfer& tr) {
  Replica& from = replicas_[tr.from];
  Request& q = requests_[tr.id];
  from.used_blocks -= q.blocks;
  from.transfers_out -= 1;
  q.blocks = 0;
  q.has_kv = true;
  services_[q.service].running -= 1;
  enqueue(tr.to, tr.id, tr.time);
  // The freed blocks may let the prefill replica admit its queue.
  if (from.activity == Activity::kIdle && !from.waiting.empty()) {
    plan(tr.from, tr.time);
  }
}

void Engine::on_replica_event(int r) {
  Replica& rep = replicas_[r];
  const double now = rep.end;
  commit(rep, now);
  plan(r, now);
}

void Engine::complete(Replica& rep, int id, double now) {
  Request& q = requests_[id];
  rep.used_blocks -= blocks_of(rep, q);
  if (q.state == State::kDecoding) {
    leave_decode(rep, id);
  }
  rep.running -= 1;
  rep.outstanding -= 1;
  unlink_admitted(rep, id);
  ServiceState& s = services_[q.service];
  s.running -= 1;
  s.completed += 1;
  const double ttft = q.first_token - q.arrival;
  const double e2e = now - q.arrival;
  s.ttft.push_back(ttft);
  s.e2e.push_back(e2e);
  bool met = !workload_.services[q.service].ttft_target_s ||
             ttft <= *workload_.services[q.service].ttft_target_s;
  if (q.output > 1) {
    const double tpot = (now - q.first_token) / static_cast<double>(q.output - 1);
    s.tpot.push_back(tpot);
    met = met && (!workload_.services[q.service].tpot_target_s ||
                  tpot <= *workload_.services[q.service].tpot_target_s);
  }
  s.met += met ? 1 : 0;
  s.input_tokens += static_cast<double>(q.input);
  s.output_tokens += static_cast<double>(q.output);
  change_in_system(q.service, -1, now);
  last_departure_ = std::max(last_departure_, now);
  q.state = State::kWaiting;
  q.replica = -1;
  free_requests_.push_back(id);
}

void Engine::finish_prefill(int r, int id, double now) {
  Replica& rep = replicas_[r];
  Request& q = requests_[id];
  q.generated += 1;
  if (q.first_token < 0) {
    q.first_token = now;
  }
  q.chunk = 0;
  if (q.generated >= q.output) {
    complete(rep, id, now);
    return;
  }
  if (rep.role == Role::kPrefill) {
    // Hand the KV cache to a decode replica: chosen now, it receives the request when the
    // transfer ends; this replica keeps the blocks until then.
    const int to = route(services_[q.service].decode, q, now, true);
    rep.running -= 1;
    rep.outstanding -= 1;
    unlink_admitted(rep, id);
    if (to < 0) {
      // on_arrival checked that a decode replica can hold it.
      failure_ = internal_error(fmt::format("no decode replica for a request of service {}",
                                            workload_.services[q.service].name));
      return;
    }
    q.state = State::kTransferring;
    const Replica& dst = replicas_[to];
    const double bandwidth = std::min(rep.link_bytes_per_s, dst.link_bytes_per_s);
    const double bytes = rep.model->kv_bytes_per_token() * static_cast<double>(q.target);
    const double seconds = fleet_.kv_transfer_latency_s + (bandwidth > 0 ? bytes / bandwidth : 0);
    rep.transfers_out += 1;
    transfers_.push_back({now + seconds, transfer_seq_++, id, r, to});
    std::push_heap(transfers_.begin(), transfers_.end(), kTransferAfter);
    return;
  }
  join_decode(rep, id);
}

void Engine::commit(Replica& rep, double now) {
  const int r = static_cast<int>(&rep - &replicas_[0]);
  if (rep.activity == Activity::kStretch) {
    if (rep.head) {
      commit_step(r, rep.start, rep.head_end);
      if (rep.stretch_steps == 0) {
        rep.activity = Activity::kIdle;
        return;
      }
      // The blocks of the run's first step, allocated where the head step ends.
      rep.used_blocks += growth_now(rep);
      rep.kv_peak = std::max(rep.kv_peak, rep.used_blocks);
    }
    const double duration = now - rep.run_start;
    const long long k = rep.stretch_steps;
    rep.busy += duration;
    rep.batch_area += static_cast<double>(rep.running) * duration;
    const long long used_last = rep.used_blocks + growth_over(rep, rep.step + 1, k - 1);
    // KV occupancy grows through the run: trapezoid between its first and last step.
    rep.kv_area += 0.5 * static_cast<double>(rep.used_blocks + used_last) * duration;
    rep.used_blocks = used_last;
    rep.kv_peak = std::max(rep.kv_peak, used_last);
    rep.steps_run += k;
    rep.step += k;
    rep.activity = Activity::kIdle;
    complete_finished(rep, now);
    return;
  }
  rep.activity = Activity::kIdle;
  commit_step(r, rep.start, now);
}

void Engine::commit_step(int r, double from, double to) {
  Replica& rep = replicas_[r];
  rep.busy += to - from;
  rep.batch_area += static_cast<double>(rep.running) * (to - from);
  rep.kv_area += static_cast<double>(rep.used_blocks) * (to - from);
  rep.steps_run += 1;
  if (rep.step_has_decode) {
    rep.step += 1;
  }
  complete_finished(rep, to);
  // Prefill chunks that ran in this step.
  if (!rep.prefilling.empty()) {
    std::size_t keep = 0;
    for (std::size_t i = 0; i < rep.prefilling.size(); ++i) {
      const int id = rep.prefilling[i];
      Request& q = requests_[id];
      q.done += q.chunk;
      q.chunk = 0;
      if (q.done < q.target) {
        rep.prefilling[keep++] = id;
      } else {
        finish_prefill(r, id, to);
      }
    }
    rep.prefilling.resize(keep);
  }
}

// Sequences that produced their last token by the current step count.
void Engine::complete_finished(Replica& rep, double now) {
  while (true) {
    clean_finish_top(rep);
    if (rep.finish.empty() || rep.finish.front().step > rep.step) {
      break;
    }
    const int id = rep.finish.front().id;
    std::pop_heap(rep.finish.begin(), rep.finish.end(), kFinishAfter);
    rep.finish.pop_back();
    complete(rep, id, now);
  }
}

// A step with prefill chunks is followed by a run of decode steps that the scheduler could
// only plan the same way at the step's end, so both are planned now as one activity, when:
// no sequence finishes at that step, every chunk completes its prompt without completing
// its request, the queue is empty (an arrival during the step cuts the activity back to the
// step), and the KV cache cannot run out before the run's end.
void Engine::try_head_and_run(Replica& rep, int batch) {
  const long long after = rep.step + (batch > 0 ? 1 : 0);
  long long to_finish = std::numeric_limits<long long>::max();
  if (batch > 0) {
    clean_finish_top(rep);
    const long long top = rep.finish.front().step;
    if (top <= after) {
      return;
    }
    to_finish = top - after;
  }
  double joiner_context = 0;
  for (const int id : rep.prefilling) {
    const Request& q = requests_[id];
    const long long remaining = q.output - q.generated - 1;  // decode steps after the head
    if (q.done + q.chunk < q.target || remaining < 1) {
      return;
    }
    to_finish = std::min(to_finish, remaining);
    // After the head it holds `target` tokens and writes one more each step.
    joiner_context += static_cast<double>(q.target + 1);
  }
  const long long run_batch = batch + static_cast<long long>(rep.prefilling.size());
  if (run_batch == 0 || to_finish < 1) {
    return;
  }
  if (!rep.cfg.reserve_output &&
      (to_finish / rep.block_size + 1) * run_batch > rep.capacity_blocks - rep.used_blocks) {
    return;
  }
  const double context = static_cast<double>(rep.context_base) +
                         static_cast<double>(rep.decoders * after) + joiner_context;
  rep.activity = Activity::kStretch;
  rep.head = true;
  rep.head_end = rep.end;
  rep.run_start = rep.end;
  rep.run_batch = static_cast<int>(run_batch);
  rep.stretch_steps = to_finish;
  rep.stretch_context = context;
  rep.end = rep.head_end + rep.model->decode_total_time_s(rep.run_batch, context, to_finish);
}

void Engine::preempt(Replica& rep) {
  const int id = rep.admit_tail;
  Request& q = requests_[id];
  ServiceState& s = services_[q.service];
  rep.used_blocks -= blocks_of(rep, q);
  if (q.state == State::kDecoding) {
    // Tokens generated so far are implicit in the step count: KV = input + generated - 1.
    q.generated = q.offset + rep.step - q.input + 1;
    leave_decode(rep, id);
    rep.stale += 1;
  } else {
    rep.prefilling.erase(std::find(rep.prefilling.begin(), rep.prefilling.end(), id));
  }
  unlink_admitted(rep, id);
  rep.running -= 1;
  // Recompute: the prompt and the tokens generated so far are prefilled again, and that
  // prefill yields the next token.
  q.target = q.input + q.generated;
  q.done = 0;
  q.chunk = 0;
  q.blocks = 0;
  q.has_kv = false;
  q.state = State::kWaiting;
  rep.waiting.push_front(id);
  rep.waiting_blocks += admission_blocks(rep, q);
  rep.preemptions += 1;
  s.preemptions += 1;
  s.running -= 1;
  s.waiting += 1;
}

void Engine::plan(int r, double now) {
  Replica& rep = replicas_[r];
  rep.start = now;
  // 1. Room for the token each decoding sequence writes next; else preempt the newest.
  bool preempted = false;
  while (rep.decoders > 0 && rep.used_blocks + growth_now(rep) > rep.capacity_blocks) {
    preempt(rep);
    preempted = true;
  }
  // 2. The token budget: one per decoding sequence, then prefill chunks in admission order.
  long long budget = rep.cfg.token_budget - rep.decoders;
  double prefill_tokens = 0;
  double prefill_pairs = 0;
  for (const int id : rep.prefilling) {
    Request& q = requests_[id];
    const long long chunk = std::min(q.target - q.done, std::max(budget, 0LL));
    q.chunk = chunk;
    budget -= chunk;
    prefill_tokens += static_cast<double>(chunk);
    prefill_pairs += static_cast<double>(chunk) *
                     (static_cast<double>(q.done) + static_cast<double>(chunk) / 2.0);
  }
  // 3. Admit from the head of the queue (first come, first served, no overtaking); not in a
  // step that had to preempt (as vLLM), so a victim is not readmitted at once.
  while (!preempted && !rep.waiting.empty() && rep.running < rep.cfg.max_batch && budget > 0) {
    const int id = rep.waiting.front();
    Request& q = requests_[id];
    const long long need = admission_blocks(rep, q);
    const long long growth = rep.cfg.reserve_output ? 0 : growth_now(rep);
    if (rep.used_blocks + growth + need + rep.watermark_blocks > rep.capacity_blocks) {
      break;
    }
    rep.waiting.pop_front();
    rep.waiting_blocks -= need;
    ServiceState& s = services_[q.service];
    s.waiting -= 1;
    s.running += 1;
    rep.running += 1;
    link_admitted(rep, id);
    if (q.has_kv) {
      // Disaggregated: its KV came from a prefill replica; it decodes from this step on.
      // Its blocks now are those of its KV; the token this step writes is growth.
      q.has_kv = false;
      q.blocks =
          rep.cfg.reserve_output ? need : ceil_div(q.input + q.generated - 1, rep.block_size);
      rep.used_blocks += q.blocks;
      join_decode(rep, id);
      budget -= 1;
      continue;
    }
    q.state = State::kPrefilling;
    q.blocks = need;
    rep.used_blocks += need;
    rep.prefilling.push_back(id);
    const long long chunk = std::min(q.target - q.done, budget);
    q.chunk = chunk;
    budget -= chunk;
    prefill_tokens += static_cast<double>(chunk);
    prefill_pairs += static_cast<double>(chunk) *
                     (static_cast<double>(q.done) + static_cast<double>(chunk) / 2.0);
  }
  // 4. Allocate this step's growth and choose what runs.
  rep.used_blocks += growth_now(rep);
  rep.kv_peak = std::max(rep.kv_peak, rep.used_blocks);
  const double context =
      static_cast<double>(rep.context_base) + static_cast<double>(rep.decoders * rep.step);
  const int batch = static_cast<int>(rep.decoders);
  rep.head = false;
  if (prefill_tokens > 0) {
    rep.activity = Activity::kStep;
    rep.step_has_decode = batch > 0;
    rep.end =
        now + rep.model->step_time_s({batch, context, prefill_tokens, prefill_pairs}, rep.rng);
    if (rep.jump && rep.role != Role::kPrefill && rep.waiting.empty()) {
      try_head_and_run(rep, batch);
    }
  } else if (batch > 0) {
    clean_finish_top(rep);
    const long long to_finish = rep.finish.front().step - rep.step;
    if (!rep.jump || to_finish <= 1) {
      rep.activity = Activity::kStep;
      rep.step_has_decode = true;
      rep.end = now + (rep.model->random_step_times()
                           ? rep.model->step_time_s({batch, context, 0, 0}, rep.rng)
                           : rep.model->decode_time_s(batch, context));
    } else {
      // A run of identical decode steps up to the next completion or the step whose new
      // blocks no longer fit (there the scheduler preempts).
      // Over m steps each sequence needs at most m / block_size + 1 new blocks; when even
      // that fits, the cache cannot run out before the next completion.
      const long long free_blocks = rep.capacity_blocks - rep.used_blocks;
      const long long most = (to_finish / rep.block_size + 1) * rep.decoders;
      const long long more = rep.cfg.reserve_output || most <= free_blocks
                                 ? to_finish
                                 : steps_allocatable(rep, rep.step + 1, free_blocks, to_finish);
      const long long n = std::min(to_finish, 1 + more);
      rep.activity = n > 1 ? Activity::kStretch : Activity::kStep;
      rep.step_has_decode = true;
      rep.stretch_steps = n;
      rep.stretch_context = context;
      rep.run_start = now;
      rep.run_batch = batch;
      rep.end = now + (n > 1 ? rep.model->decode_total_time_s(batch, context, n)
                             : rep.model->decode_time_s(batch, context));
    }
  } else {
    rep.activity = Activity::kIdle;
    rep.end = kInf;
    if (!rep.waiting.empty() && rep.transfers_out == 0 && !failure_) {
      failure_ = internal_error(
          fmt::format("simulator stalled: replica {} has {} queued requests it cannot admit", r,
                      rep.waiting.size()));
    }
  }
  heap_->update(r);
}

// ------------------------------------------------------------------------ the loop

void Engine::sample_until(double t) {
  while (next_sample_ < t) {
    TimeseriesRow row;
    row.time_s = next_sample_;
    row.in_system = in_system_;
    double used = 0;
    double capacity = 0;
    for (const Replica& rep : replicas_) {
      used += static_cast<double>(blocks_in_use_at(rep, next_sample_));
      capacity += static_cast<double>(rep.capacity_blocks);
    }
    row.kv_occupancy = capacity > 0 ? used / capacity : 0;
    for (const ServiceState& s : services_) {
      row.waiting += s.waiting;
      row.running += s.running;
      row.service_waiting.push_back(s.waiting);
      row.service_running.push_back(s.running);
    }
    timeseries_.push_back(std::move(row));
    next_sample_ = static_cast<double>(timeseries_.size()) * options_.timeseries_interval_s;
  }
}

Result<Results> Engine::run() {
  // Replicas and the candidate lists of each service.
  for (std::size_t d = 0; d < fleet_.deployments.size(); ++d) {
    const Deployment& dep = fleet_.deployments[d];
    const bool jump = !options_.step_by_step && !dep.step_model->random_step_times();
    for (int i = 0; i < dep.replicas; ++i) {
      Replica rep;
      rep.deployment = static_cast<int>(d);
      rep.model = dep.step_model.get();
      rep.role = dep.role;
      rep.cfg = dep.scheduler;
      rep.block_size = dep.scheduler.block_size;
      rep.capacity_blocks = static_cast<long long>(
          std::floor(dep.step_model->kv_capacity_tokens() / static_cast<double>(rep.block_size)));
      rep.watermark_blocks = static_cast<long long>(
          std::floor(dep.scheduler.watermark * static_cast<double>(rep.capacity_blocks)));
      rep.max_tokens = dep.max_sequence_tokens;
      rep.fit_tokens = (rep.capacity_blocks - rep.watermark_blocks) * rep.block_size;
      rep.link_bytes_per_s = dep.kv_link_bytes_per_s;
      rep.weight = dep.weight;
      rep.jump = jump;
      rep.phase.assign(static_cast<std::size_t>(rep.block_size), 0);
      rep.rng = Rng::stream(options_.seed, "steps", replicas_.size());
      replicas_.push_back(std::move(rep));
    }
  }
  heap_ = std::make_unique<ReplicaHeap>(replicas_);
  routing_rng_ = Rng::stream(options_.seed, "routing", 0);
  services_.resize(workload_.services.size());
  for (std::size_t s = 0; s < workload_.services.size(); ++s) {
    const std::string& model = workload_.services[s].model;
    Candidates entry;
    Candidates decode;
    for (std::size_t r = 0; r < replicas_.size(); ++r) {
      const Deployment& dep = fleet_.deployments[replicas_[r].deployment];
      if (dep.model != model) {
        continue;
      }
      (dep.role == Role::kDecode ? decode : entry).replicas.push_back(static_cast<int>(r));
    }
    services_[s].entry = static_cast<int>(lists_.size());
    lists_.push_back(std::move(entry));
    services_[s].decode = static_cast<int>(lists_.size());
    lists_.push_back(std::move(decode));
  }
  if (workload_.requests > 0) {
    const auto per_service = static_cast<std::size_t>(
        workload_.requests / static_cast<long long>(std::max<std::size_t>(services_.size(), 1)));
    for (ServiceState& s : services_) {
      s.ttft.reserve(per_service);
      s.e2e.reserve(per_service);
      s.tpot.reserve(per_service);
    }
  }
  setup_arrivals();

  const bool sampling = options_.timeseries_interval_s > 0;
  double arrival_time = next_arrival_time();
  while (!failure_) {
    const double replica_time = heap_->top_time();
    double transfer_time = kInf;
    if (!transfers_.empty()) {
      transfer_time = transfers_.front().time;
    }
    const double t = std::min({arrival_time, replica_time, transfer_time});
    if (t == kInf) {
      break;
    }
    if (sampling) {
      sample_until(t);
    }
    ++events_;
    // Ties: arrivals, then transfers, then replica events, so a step boundary at time t
    // sees everything that arrived at t.
    if (arrival_time <= replica_time && arrival_time <= transfer_time) {
      on_arrival(take_arrival());
      arrival_time = next_arrival_time();
    } else if (transfer_time <= replica_time) {
      std::pop_heap(transfers_.begin(), transfers_.end(), kTransferAfter);
      const Transfer tr = transfers_.back();
      transfers_.pop_back();
      on_transfer(tr);
    } else {
      on_replica_event(heap_->top());
    }
  }
  if (failure_) {
    return *failure_;
  }
  if (sampling) {
    sample_until(std::nextafter(last_departure_, kInf));
  }
  return assemble();
}

Results Engine::assemble() {
  Results res;
  res.seed = options_.seed;
  res.step_by_step = options_.step_by_step;
  res.events = events_;
  res.start_s = first_arrival_ == kInf ? 0 : first_arrival_;
  res.end_s = std::max(last_departure_, res.start_s);
  res.duration_s = res.end_s - res.start_s;
  const double duration = res.duration_s;
  const auto rate = [duration](double x) { return duration > 0 ? x / duration : 0.0; };
  // Close the integrals of requests in system at the last departure.
  change_in_system(0, 0, res.end_s);
  for (std::size_t s = 0; s < services_.size(); ++s) {
    change_in_system(static_cast<int>(s), 0, res.end_s);
  }
  std::vector<double> all_ttft;
  std::vector<double> all_tpot;
  std::vector<double> all_e2e;
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
      all_ttft.insert(all_ttft.end(), st.ttft.begin(), st.ttft.end());
      all_tpot.insert(all_tpot.end(), st.tpot.begin(), st.tpot.end());
      all_e2e.insert(all_e2e.end(), st.e2e.begin(), st.e2e.end());
    }
    out.ttft = summarize(st.ttft);
    out.tpot = summarize(st.tpot);
    out.e2e = summarize(st.e2e);
    out.throughput_output_tokens_per_s = rate(st.output_tokens);
    out.throughput_requests_per_s = rate(static_cast<double>(st.completed));
    out.goodput_requests_per_s = rate(static_cast<double>(st.met));
    out.mean_requests_in_system = rate(st.area);
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
    all.ttft = summarize(all_ttft);
    all.tpot = summarize(all_tpot);
    all.e2e = summarize(all_e2e);
  } else if (!res.services.empty()) {
    all.ttft = res.services[0].ttft;
    all.tpot = res.services[0].tpot;
    all.e2e = res.services[0].e2e;
  }
  all.throughput_output_tokens_per_s = rate(all.output_tokens);
  all.throughput_requests_per_s = rate(static_cast<double>(all.completed));
  all.goodput_requests_per_s = rate(static_cast<double>(all.met_targets));
  all.mean_requests_in_system = rate(area_);

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
  res.timeseries = std::move(timeseries_);
  return res;
}

}  // namespace

Result<Results> run_engine(const Fleet& fleet, const Workload& workload, const Options& options) {
  Engine engine(fleet, workload, options);
  return engine.run();
}

}  // namespace fleetplan::sim
