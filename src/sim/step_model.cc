#include "sim/step_model.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace fleetplan::sim {

double DecodeLine::time(double context) const {
  return fixed_s + std::max(a0 + a1 * context, b0 + b1 * context);
}

namespace {

// Smallest n >= 0 with sum_{i<n} (first + step * i) >= need, for first > 0, step >= 0:
// the positive root of step/2 n^2 + (first - step/2) n - need = 0, rounded up.
double series_steps(double first, double step, double need) {
  if (need <= 0) {
    return 0;
  }
  if (step <= first * 1e-12) {
    return std::ceil(need / first);
  }
  const double b = first - step / 2.0;
  const double root = (-b + std::sqrt(b * b + 2.0 * step * need)) / step;
  return std::ceil(root);
}

}  // namespace

long long estimate_decode_steps(const DecodeLine& line, int batch, double context0,
                                double seconds) {
  if (seconds <= 0) {
    return 1;
  }
  const double b = batch;
  // Per-step terms of each line: start value and growth per step.
  const double a_first = line.a0 + line.a1 * context0;
  const double a_step = line.a1 * b;
  const double m_first = line.b0 + line.b1 * context0;
  const double m_step = line.b1 * b;
  // The step index where the other line takes over (the lines cross at most once).
  const bool a_leads = a_first >= m_first;
  const double lead_first = a_leads ? a_first : m_first;
  const double lead_step = a_leads ? a_step : m_step;
  const double other_first = a_leads ? m_first : a_first;
  const double other_step = a_leads ? m_step : a_step;
  double cross = 1e300;
  if (other_step > lead_step) {
    cross = std::ceil((lead_first - other_first) / (other_step - lead_step));
    cross = std::max(cross, 0.0);
  }
  const double first = line.fixed_s + lead_first;
  const double before =
      cross >= 1e300 ? 1e300 : cross * first + lead_step * cross * (cross - 1.0) / 2.0;
  double steps = 0;
  if (seconds <= before) {
    steps = series_steps(first, lead_step, seconds);
  } else {
    const double second_first = line.fixed_s + other_first + other_step * cross;
    steps = cross + series_steps(second_first, other_step, seconds - before);
  }
  if (!std::isfinite(steps) || steps < 1) {
    return 1;
  }
  return steps > 4e18 ? static_cast<long long>(4e18) : static_cast<long long>(steps);
}

double AnalyticStepModel::decode_time_s(int batch, double context) const {
  return params_.decode_s + params_.decode_s_per_sequence * batch +
         params_.decode_s_per_context_token * context;
}

double AnalyticStepModel::step_time_s(const StepShape& shape, Rng& rng) const {
  const double decode =
      shape.decode_batch > 0 ? decode_time_s(shape.decode_batch, shape.decode_context) : 0.0;
  const double prefill = shape.prefill_tokens > 0
                             ? params_.prefill_s +
                                   params_.prefill_s_per_token * shape.prefill_tokens +
                                   params_.prefill_s_per_pair * shape.prefill_pairs
                             : 0.0;
  const double mean = std::max(decode, prefill);
  return params_.exponential ? mean * rng.exponential(1.0) : mean;
}

double AnalyticStepModel::decode_total_time_s(int batch, double context, long long steps) const {
  // sum_{i<n} (c + q (S0 + i b)) = n (c + q S0) + q b n (n - 1) / 2.
  const double n = static_cast<double>(steps);
  const double q = params_.decode_s_per_context_token;
  return n * decode_time_s(batch, context) + q * batch * n * (n - 1.0) / 2.0;
}

DecodeLine AnalyticStepModel::decode_line(int batch) const {
  DecodeLine line;
  line.fixed_s = params_.decode_s + params_.decode_s_per_sequence * batch;
  line.a1 = params_.decode_s_per_context_token;
  return line;
}

std::string AnalyticStepModel::describe() const {
  return fmt::format("analytic: decode {:.4g} s{}, prefill {:.4g} s{}", params_.decode_s,
                     params_.decode_s_per_context_token > 0 ? " + per context token" : "",
                     params_.prefill_s, params_.exponential ? ", exponential" : "");
}

}  // namespace fleetplan::sim
