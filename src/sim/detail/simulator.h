// Private to src/sim: the event kernel behind simulate(). Every replica answers two
// questions: when does its current activity end (next_event: the end of one step, or of a
// run of identical decode steps), and what happens then (update: commit the steps, finish
// requests, plan the next activity). The kernel takes the earliest of the next arrival, the
// next KV transfer and the earliest replica event.
//
// The closed-form jump: between two changes of a replica's batch (an admission, a
// completion, a preemption, a prefill chunk), decode steps differ only by the context the
// batch holds, which grows by `batch` tokens a step; the time of n such steps is the
// closed-form sum StepTimeModel::decode_total_time_s, the step of the next completion is the
// top of a heap of finish steps, and the step at which the KV cache runs out is found from a
// histogram of the sequences' block phases. A run of decode steps is one event, however long.
//
// The Simulator's methods live in one file per part:
//   simulator.cc            the loop: set-up, the event kernel, time-series samples
//   simulator_arrivals.cc   arrival sources (services' processes or a trace)
//   simulator_replica.cc    a replica's KV-cache bookkeeping and request lists
//   simulator_router.cc     routing a request to a replica
//   simulator_scheduler.cc  events: arrivals, transfers, steps, admission, preemption
//   simulator_results.cc    Results from the finished run
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

#include "sim/sim.h"
#include "sim/stats.h"

namespace fleetplan::sim::detail {

inline constexpr double kInf = std::numeric_limits<double>::infinity();

inline long long ceil_div(long long a, long long b) { return a <= 0 ? 0 : (a + b - 1) / b; }
inline long long floor_mod(long long a, long long b) {
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
  bool has_kv = false;   // arrived at a decode replica with its KV cache (disaggregation)
  bool measured = true;  // counted in the service's figures (closed loop: not warm-up/drain)
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
inline constexpr FinishAfter kFinishAfter;

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
inline constexpr TransferAfter kTransferAfter;

// Replicas a request may be routed to, with the router's state for that list.
struct Candidates {
  std::vector<int> replicas;
  std::size_t cursor = 0;
};

struct ServiceState {
  LatencySample ttft;
  LatencySample tpot;
  LatencySample e2e;
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
  double think_sum = 0;  // closed loop: think times drawn after measured replies
  long long think_count = 0;
  int entry = -1;   // index into candidate lists (new requests)
  int decode = -1;  // index into candidate lists (after prefill, disaggregated); -1: none
};

class Simulator {
 public:
  Simulator(const Fleet& fleet, const Workload& workload, const Options& options)
      : fleet_(fleet), workload_(workload), options_(options) {}

  Result<Results> run();

 private:
  // Arrivals.
  struct Arrival {
    double time = kInf;
    int service = 0;
    long long input = 0;
    long long output = 0;
    bool measured = true;
  };
  void setup_replicas();
  void setup_services();
  void setup_arrivals();
  [[nodiscard]] double next_arrival_time() const;
  Arrival take_arrival();
  // Closed loop (simulator_arrivals.cc): users' next requests, the measurement window.
  struct UserArrival {
    double time = 0;
    long long seq = 0;
    int service = 0;
    bool joining = false;  // a user's first request: it joins a run in progress
  };
  struct UserAfter {
    bool operator()(const UserArrival& a, const UserArrival& b) const {
      return a.time != b.time ? a.time > b.time : a.seq > b.seq;
    }
  };
  enum class LoopPhase : std::uint8_t { kWarmup, kMeasure, kDrain, kStopped };
  void setup_closed_loop();
  Arrival take_user_arrival();
  void user_replied(const Request& q, double now);
  void snapshot_areas(double t, std::vector<double>& areas);

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
  // The parts of plan(): the prefill tokens of the next step, the token budget left.
  struct PrefillWork {
    long long budget = 0;
    double tokens = 0;
    double pairs = 0;  // sum over chunks of chunk x (context before + chunk / 2)
  };
  bool make_room(Replica& rep);
  PrefillWork chunk_prefills(Replica& rep);
  void admit_waiting(Replica& rep, PrefillWork& work);
  void choose_activity(int r, double now, const PrefillWork& work);
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
  //! Prompt tokens of `q` its replica's prefix cache already holds (SimService's share).
  [[nodiscard]] long long cached_prefix(const Request& q) const;
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
  void assemble_services(Results& res);
  void assemble_deployments(Results& res);

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

  // Closed loop.
  bool closed_ = false;
  LoopPhase phase_ = LoopPhase::kWarmup;
  long long warmup_ = 0;
  long long measured_arrived_ = 0;
  long long measured_outstanding_ = 0;
  std::vector<UserArrival> users_;  // min-heap by (time, seq)
  long long user_seq_ = 0;
  std::vector<Rng> think_rngs_;
  double window_start_ = 0;
  double window_end_ = 0;
  std::vector<double> areas_start_;  // per service, then all: integrals at the window's ends
  std::vector<double> areas_end_;

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

// Small helpers called on every event, inline so that the scheduler, the router and the
// replica bookkeeping (separate files) share them without a call.

inline long long Simulator::blocks_of(const Replica& rep, const Request& q) const {
  if (q.state == State::kDecoding && !rep.cfg.reserve_output) {
    return ceil_div(q.offset + rep.step, rep.block_size);
  }
  return q.blocks;
}

// Blocks the next decode step needs: a sequence holding a multiple of block_size tokens
// needs a new block for the token it writes.
inline long long Simulator::growth_now(const Replica& rep) const {
  if (rep.decoders == 0 || rep.cfg.reserve_output) {
    return 0;
  }
  return rep.phase[floor_mod(-rep.step, rep.block_size)];
}

inline long long Simulator::admission_blocks(const Replica& rep, const Request& q) const {
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

// Entries go stale only by preemption; each decode join has an epoch no other join shares,
// so an entry is live exactly when its request still carries that epoch.
inline void Simulator::clean_finish_top(Replica& rep) {
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

inline bool Simulator::fits(const Replica& rep, const Request& q, bool decode_side) const {
  if (rep.max_tokens > 0 && q.input + q.output > rep.max_tokens) {
    return false;
  }
  // Alone on the replica the request must fit: its prompt (prefill side) or its whole
  // sequence (where it decodes), plus the admission watermark.
  const long long tokens =
      rep.role == Role::kPrefill && !decode_side ? q.input : q.input + q.output - 1;
  return tokens <= rep.fit_tokens;
}

//! Runs a validated fleet and workload.
Result<Results> run_engine(const Fleet& fleet, const Workload& workload, const Options& options);

}  // namespace fleetplan::sim::detail
