// The economics families of the MILP (src/plan/README.md, "Value" and "Training jobs"):
//
// * value objective: when the services carry a value, max-served maximises
//   sum_p sum_s v_ps y_ps / V, V the value of all demand (so the score is the share of the
//   demand's value served, in [0, 1]): a token is worth its value whatever the demand;
// * training jobs: binary z_jk runs job j at site k; sum_k z_jk <= 1; at each site the
//   training capacity covers the jobs placed there, sum_{o at k} c_os a_pos >=
//   sum_j D_j z_jk, and as many accelerators serve training there as the jobs' minimum
//   clusters, sum_{o at k} a_pos >= sum_j N_j z_jk; the service's served demand is the
//   demand of the jobs run, y_ps = sum_j sum_k D_j z_jk.
#include <algorithm>

#include <fmt/format.h>

#include "plan/economics.h"
#include "plan/formulation.h"

namespace fleetplan::plan::internal {

using milp::kInfinity;

void Formulation::set_value_scale() {
  value_scale_ = 0;
  if (!has_service_values(problem_)) {
    return;
  }
  for (std::size_t s = 0; s < problem_.services.size(); ++s) {
    const ServiceRow& service = problem_.services[s];
    for (std::size_t p = 0; p < problem_.periods.size(); ++p) {
      value_scale_ += series_value(service.value_usd, static_cast<int>(p)) * service.demand[p];
    }
  }
}

void Formulation::set_objective_scale() {
  double largest = 0;
  for (int p = 0; p < periods_; ++p) {
    for (int s = 0; s < services_; ++s) {
      largest = std::max(largest, value_weight(p, s));
    }
  }
  objective_scale_ = largest > 0 ? 1.0 / largest : 1.0;
}

double Formulation::served_weight(int p, int s) const {
  if (settings_.max_tier > 0 && problem_.services[s].priority > settings_.max_tier) {
    return 0;
  }
  return value_weight(p, s);
}

double Formulation::value_weight(int p, int s) const {
  const ServiceRow& service = problem_.services[s];
  if (value_scale_ > 0) {
    return series_value(service.value_usd, p) * service_scale_[s] / value_scale_;
  }
  const double demand = service.demand[p] / service_scale_[s];
  return demand > 0 ? service.weight / demand : 0.0;
}

void Formulation::add_tier_floors() {
  for (const auto& [tier, floor] : settings_.tier_floors) {
    milp::Row row{
        floor * objective_scale_, kInfinity, {}, fmt::format("served-score[tier {}]", tier)};
    for (std::size_t p = 0; p < problem_.periods.size(); ++p) {
      for (std::size_t s = 0; s < problem_.services.size(); ++s) {
        const ServiceRow& service = problem_.services[s];
        if (service.priority <= tier && service.demand[p] > 0) {
          row.terms.emplace_back(
              served_[p][s],
              value_weight(static_cast<int>(p), static_cast<int>(s)) * objective_scale_);
        }
      }
    }
    model_.add_row(std::move(row));
  }
}

int Formulation::job_column(int j, int k) const {
  if (j < 0 || j >= static_cast<int>(job_columns_.size())) {
    return -1;
  }
  return job_columns_[j][k];
}

void Formulation::add_training_jobs() {
  const auto& jobs = problem_.training_jobs;
  const int sites = static_cast<int>(problem_.sites.size());
  const int options = static_cast<int>(problem_.options.size());
  job_columns_.assign(jobs.size(), std::vector<int>(sites, -1));
  if (jobs.empty()) {
    return;
  }
  for (int j = 0; j < static_cast<int>(jobs.size()); ++j) {
    const TrainingJob& job = jobs[j];
    milp::Row one_site{-kInfinity, 1, {}, fmt::format("job-one-site[{}]", job.name)};
    for (int k = 0; k < sites; ++k) {
      const bool allowed =
          job.sites.empty() || std::find(job.sites.begin(), job.sites.end(), k) != job.sites.end();
      if (allowed) {
        job_columns_[j][k] =
            model_.add_column({0, 1, 0, true, fmt::format("job[{}][{}]", job.name, k)});
        one_site.terms.emplace_back(job_columns_[j][k], 1.0);
      }
    }
    model_.add_row(std::move(one_site));
  }
  // Per (period, service) with jobs: capacity and minimum cluster per site, and served.
  std::vector<std::pair<int, int>> keys;
  keys.reserve(jobs.size());
  for (const TrainingJob& job : jobs) {
    keys.emplace_back(job.period, job.service);
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  for (const auto& [p, s] : keys) {
    const double scale = service_scale_[s];
    milp::Row served{0,
                     0,
                     {{served_[p][s], 1.0}},
                     fmt::format("jobs-served[{}][{}]", problem_.services[s].name, p)};
    for (int k = 0; k < sites; ++k) {
      milp::Row capacity{0, kInfinity, {}, fmt::format("job-capacity[{}][{}][{}]", p, s, k)};
      milp::Row cluster{0, kInfinity, {}, fmt::format("job-cluster[{}][{}][{}]", p, s, k)};
      for (int o = 0; o < options; ++o) {
        const Option& option = problem_.options[o];
        if (option.site != k || allocate_[p][o][s] < 0) {
          continue;
        }
        capacity.terms.emplace_back(allocate_[p][o][s],
                                    option.capacity[s] * allocation_unit(o, s) / scale);
        cluster.terms.emplace_back(allocate_[p][o][s], allocation_unit(o, s));
      }
      bool any = false;
      for (int j = 0; j < static_cast<int>(jobs.size()); ++j) {
        const TrainingJob& job = jobs[j];
        if (job.period != p || job.service != s || job_columns_[j][k] < 0) {
          continue;
        }
        any = true;
        capacity.terms.emplace_back(job_columns_[j][k], -job.demand / scale);
        cluster.terms.emplace_back(job_columns_[j][k], -job.min_cluster);
        served.terms.emplace_back(job_columns_[j][k], -job.demand / scale);
      }
      if (any) {
        model_.add_row(std::move(capacity));
        model_.add_row(std::move(cluster));
      }
    }
    model_.add_row(std::move(served));
  }
}

}  // namespace fleetplan::plan::internal
