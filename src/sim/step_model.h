// The time of one scheduler step of a replica: the only thing the event kernel asks of a
// performance model. Two implementations: PerfStepModel (perf_step_model.h, the roofline
// of src/perf) and AnalyticStepModel (constant, affine or exponential step times, for the
// queueing-theory tests and for what-if studies with measured step times).
#pragma once

#include <string>

#include "sim/random.h"

namespace fleetplan::sim {

//! What one step carries: `decode_batch` sequences that each decode one token while holding
//! `decode_context` tokens of context in total, and prefill chunks of `prefill_tokens` new
//! tokens in total with `prefill_pairs` = sum over chunks of tokens * (cached + tokens / 2).
struct StepShape {
  int decode_batch = 0;
  double decode_context = 0;
  double prefill_tokens = 0;
  double prefill_pairs = 0;
};

//! A pure-decode step time as a function of the batch's total context S:
//!   time(S) = fixed_s + max(a0 + a1 * S, b0 + b1 * S)
//! (perf::DecodeCost: fixed = overhead + comm, a = compute, b = memory). The kernel only uses
//! it to guess how many steps fit in a span of time; the model's decode_total_time_s() is the
//! exact answer the guess is corrected against.
struct DecodeLine {
  double fixed_s = 0;
  double a0 = 0;
  double a1 = 0;
  double b0 = 0;
  double b1 = 0;
  [[nodiscard]] double time(double context) const;
};

//! Estimate of the smallest k >= 1 with sum_{i<k} line.time(S0 + i * batch) >= seconds,
//! from the arithmetic series of each linear piece (a quadratic in k); exact up to rounding.
long long estimate_decode_steps(const DecodeLine& line, int batch, double context0, double seconds);

//! The step-time contract between the kernel and a performance model. Implementations are
//! immutable, so one model may serve many replicas and many concurrent runs.
class StepTimeModel {
 public:
  virtual ~StepTimeModel() = default;
  //! Seconds of one step of any shape; `rng` is drawn only when random_step_times().
  [[nodiscard]] virtual double step_time_s(const StepShape& shape, Rng& rng) const = 0;
  //! Seconds of one pure-decode step of `batch` sequences holding `context` tokens.
  [[nodiscard]] virtual double decode_time_s(int batch, double context) const = 0;
  //! Exact sum of `steps` pure-decode steps from total context `context`, which grows by
  //! `batch` tokens a step: the closed form the kernel jumps with.
  [[nodiscard]] virtual double decode_total_time_s(int batch, double context,
                                                   long long steps) const = 0;
  //! The shape of decode_time_s at a batch, for the kernel's step-count estimates.
  [[nodiscard]] virtual DecodeLine decode_line(int batch) const = 0;
  //! True when step times are random (then the kernel steps one at a time).
  [[nodiscard]] virtual bool random_step_times() const { return false; }
  //! Tokens of context the replica's KV cache holds.
  [[nodiscard]] virtual double kv_capacity_tokens() const = 0;
  //! KV-cache bytes per token of context over the whole replica (for KV transfers).
  [[nodiscard]] virtual double kv_bytes_per_token() const = 0;
  //! Bytes a prefill replica sends for one sequence of `tokens` tokens of context (the KV
  //! moved under disaggregation); by default every byte the replica holds for it.
  [[nodiscard]] virtual double kv_transfer_bytes(double tokens) const {
    return kv_bytes_per_token() * tokens;
  }
  //! Attention data-parallel ranks the KV cache is split over: each sequence's KV lives on
  //! one rank, so a sequence must fit in 1/ranks of kv_capacity_tokens() (1: no split).
  [[nodiscard]] virtual int kv_ranks() const { return 1; }
  //! Output tokens a sequence gains per decode step on average (speculative decoding: 1 + a +
  //! a^2 + ...); decode_time_s() and its sums are already per token, see PerfStepModel.
  [[nodiscard]] virtual double tokens_per_step() const { return 1; }
  //! One line for reports.
  [[nodiscard]] virtual std::string describe() const = 0;
};

//! Coefficients of an AnalyticStepModel (seconds, per unit where named).
struct AnalyticStepParams {
  double decode_s = 0.01;                 //!< fixed time of a decode step
  double decode_s_per_sequence = 0;       //!< per sequence in the decode batch
  double decode_s_per_context_token = 0;  //!< per token of context held by the batch
  double prefill_s = 0.01;                //!< fixed time of a step that carries prefill
  double prefill_s_per_token = 0;         //!< per prefill token
  double prefill_s_per_pair = 0;          //!< per attention pair of the prefill chunks
  bool exponential = false;               //!< step times ~ Exp(mean = the formula)
  double kv_capacity_tokens = 1e15;
  double kv_bytes_per_token = 0;
};

//! A step-time model given by formula rather than derived from hardware:
//!   decode part  D = decode_s + decode_s_per_sequence * b + decode_s_per_context_token * S
//!   prefill part P = prefill_s + prefill_s_per_token * tokens + prefill_s_per_pair * pairs
//! A step with only decode takes D, only prefill P, both max(D, P) (the two overlap). With
//! `exponential`, each step's time is drawn from an exponential distribution of that mean:
//! with batch 1 and one-token outputs the replica is then exactly an M/M/1 server.
class AnalyticStepModel final : public StepTimeModel {
 public:
  explicit AnalyticStepModel(AnalyticStepParams params) : params_(params) {}
  [[nodiscard]] double step_time_s(const StepShape& shape, Rng& rng) const override;
  [[nodiscard]] double decode_time_s(int batch, double context) const override;
  [[nodiscard]] double decode_total_time_s(int batch, double context,
                                           long long steps) const override;
  [[nodiscard]] DecodeLine decode_line(int batch) const override;
  [[nodiscard]] bool random_step_times() const override { return params_.exponential; }
  [[nodiscard]] double kv_capacity_tokens() const override { return params_.kv_capacity_tokens; }
  [[nodiscard]] double kv_bytes_per_token() const override { return params_.kv_bytes_per_token; }
  [[nodiscard]] std::string describe() const override;
  [[nodiscard]] const AnalyticStepParams& params() const { return params_; }

 private:
  AnalyticStepParams params_;
};

}  // namespace fleetplan::sim
