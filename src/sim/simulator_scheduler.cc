// Events and scheduling: arrivals, KV transfers, steps, admission, preemption (see
// detail/simulator.h).
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "sim/detail/simulator.h"

namespace fleetplan::sim::detail {

void Simulator::drop(int id, double now) {
  Request& q = requests_[id];
  ServiceState& s = services_[q.service];
  s.dropped += q.measured ? 1 : 0;
  change_in_system(q.service, -1, now);
  last_departure_ = std::max(last_departure_, now);
  user_replied(q, now);
  free_requests_.push_back(id);
}

void Simulator::on_arrival(const Arrival& a) {
  const int id = alloc_request();
  Request& q = requests_[id];
  q.arrival = a.time;
  q.input = a.input;
  q.output = a.output;
  q.target = a.input;
  q.service = a.service;
  q.done = cached_prefix(q);
  q.measured = a.measured;
  ServiceState& s = services_[a.service];
  s.arrived += a.measured ? 1 : 0;
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

void Simulator::enqueue(int r, int id, double now) {
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

void Simulator::on_transfer(const Transfer& tr) {
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

void Simulator::on_replica_event(int r) {
  Replica& rep = replicas_[r];
  const double now = rep.end;
  commit(rep, now);
  plan(r, now);
}

void Simulator::complete(Replica& rep, int id, double now) {
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
  if (q.measured) {
    s.completed += 1;
    const double ttft = q.first_token - q.arrival;
    const double e2e = now - q.arrival;
    s.ttft.add(ttft);
    s.e2e.add(e2e);
    bool met = !workload_.services[q.service].ttft_target_s ||
               ttft <= *workload_.services[q.service].ttft_target_s;
    if (q.output > 1) {
      const double tpot = (now - q.first_token) / static_cast<double>(q.output - 1);
      s.tpot.add(tpot);
      met = met && (!workload_.services[q.service].tpot_target_s ||
                    tpot <= *workload_.services[q.service].tpot_target_s);
    }
    s.met += met ? 1 : 0;
    s.input_tokens += static_cast<double>(q.input);
    s.output_tokens += static_cast<double>(q.output);
  }
  change_in_system(q.service, -1, now);
  last_departure_ = std::max(last_departure_, now);
  user_replied(q, now);
  q.state = State::kWaiting;
  q.replica = -1;
  free_requests_.push_back(id);
}

void Simulator::finish_prefill(int r, int id, double now) {
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
    const double bytes = rep.model->kv_transfer_bytes(static_cast<double>(q.target));
    const double seconds = fleet_.kv_transfer_latency_s + (bandwidth > 0 ? bytes / bandwidth : 0);
    rep.transfers_out += 1;
    transfers_.push_back({now + seconds, transfer_seq_++, id, r, to});
    std::push_heap(transfers_.begin(), transfers_.end(), kTransferAfter);
    return;
  }
  join_decode(rep, id);
}

void Simulator::commit(Replica& rep, double now) {
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

void Simulator::commit_step(int r, double from, double to) {
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
void Simulator::complete_finished(Replica& rep, double now) {
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
void Simulator::try_head_and_run(Replica& rep, int batch) {
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

void Simulator::preempt(Replica& rep) {
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
  q.done = cached_prefix(q);
  q.chunk = 0;
  q.blocks = 0;
  q.has_kv = false;
  q.state = State::kWaiting;
  rep.waiting.push_front(id);
  rep.waiting_blocks += admission_blocks(rep, q);
  rep.preemptions += 1;
  s.preemptions += q.measured ? 1 : 0;
  s.running -= 1;
  s.waiting += 1;
}

void Simulator::plan(int r, double now) {
  Replica& rep = replicas_[r];
  rep.start = now;
  const bool preempted = make_room(rep);
  PrefillWork work = chunk_prefills(rep);
  if (!preempted) {
    admit_waiting(rep, work);
  }
  choose_activity(r, now, work);
  heap_->update(r);
}

// 1. Room for the token each decoding sequence writes next; else preempt the newest.
bool Simulator::make_room(Replica& rep) {
  bool preempted = false;
  while (rep.decoders > 0 && rep.used_blocks + growth_now(rep) > rep.capacity_blocks) {
    preempt(rep);
    preempted = true;
  }
  return preempted;
}

Simulator::PrefillWork Simulator::chunk_prefills(Replica& rep) {
  // 2. The token budget: one per decoding sequence, then prefill chunks in admission order.
  PrefillWork work;
  work.budget = rep.cfg.token_budget - rep.decoders;
  for (const int id : rep.prefilling) {
    Request& q = requests_[id];
    const long long chunk = std::min(q.target - q.done, std::max(work.budget, 0LL));
    q.chunk = chunk;
    work.budget -= chunk;
    work.tokens += static_cast<double>(chunk);
    work.pairs += static_cast<double>(chunk) *
                  (static_cast<double>(q.done) + static_cast<double>(chunk) / 2.0);
  }
  return work;
}

void Simulator::admit_waiting(Replica& rep, PrefillWork& work) {
  // 3. Admit from the head of the queue (first come, first served, no overtaking); not in a
  // step that had to preempt (as vLLM), so a victim is not readmitted at once.
  while (!rep.waiting.empty() && rep.running < rep.cfg.max_batch && work.budget > 0) {
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
      work.budget -= 1;
      continue;
    }
    q.state = State::kPrefilling;
    q.blocks = need;
    rep.used_blocks += need;
    rep.prefilling.push_back(id);
    const long long chunk = std::min(q.target - q.done, work.budget);
    q.chunk = chunk;
    work.budget -= chunk;
    work.tokens += static_cast<double>(chunk);
    work.pairs += static_cast<double>(chunk) *
                  (static_cast<double>(q.done) + static_cast<double>(chunk) / 2.0);
  }
}

void Simulator::choose_activity(int r, double now, const PrefillWork& work) {
  Replica& rep = replicas_[r];
  // 4. Allocate this step's growth and choose what runs.
  rep.used_blocks += growth_now(rep);
  rep.kv_peak = std::max(rep.kv_peak, rep.used_blocks);
  const double context =
      static_cast<double>(rep.context_base) + static_cast<double>(rep.decoders * rep.step);
  const int batch = static_cast<int>(rep.decoders);
  rep.head = false;
  if (work.tokens > 0) {
    rep.activity = Activity::kStep;
    rep.step_has_decode = batch > 0;
    rep.end = now + rep.model->step_time_s({batch, context, work.tokens, work.pairs}, rep.rng);
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
}

}  // namespace fleetplan::sim::detail
