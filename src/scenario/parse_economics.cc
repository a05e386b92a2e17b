// The economics sections of a scenario file (see scenario/economics.h for the readers):
// cost_of_ownership, demand_curves and training_jobs at the top level; the money and
// assumption references their readers collected, checked once everything is read; and
// modelled demand resolved into tokens.
#include "scenario/detail/parser.h"

namespace fleetplan::scenario::detail {

void Parser::parse_cost_of_ownership(yaml::Reader& root) {
  if (!root.has("cost_of_ownership")) {
    root.map("cost_of_ownership", false);  // marks the key read
    return;
  }
  yaml::Reader r = root.map("cost_of_ownership");
  out_.cost_of_ownership = read_cost_of_ownership(r, economics_money_, economics_refs_);
}

void Parser::parse_demand_curves(yaml::Reader& root) {
  std::set<std::string> names;
  for (auto& r : root.list("demand_curves", false)) {
    DemandCurve curve = read_demand_curve(r);
    if (!curve.name.empty() && !names.insert(curve.name).second) {
      r.fail("name", fmt::format("duplicate demand curve '{}'; names must be unique", curve.name));
    }
    for (const DemandObservation& o : curve.observations) {
      if (!o.assumption.empty()) {
        references_.push_back(
            {r.path() + ".observations", o.assumption, location_of(r, "observations")});
      }
    }
    r.reject_unknown_fields();
    out_.demand_curves.push_back(std::move(curve));
  }
}

void Parser::parse_training_jobs(yaml::Reader& root) {
  for (auto& r : root.list("training_jobs", false)) {
    out_.training_jobs.push_back(read_training_job(r, out_, catalog_, economics_refs_));
  }
  // A training service's demand comes from its jobs or from its demand entries, not both.
  for (const TrainingJob& job : out_.training_jobs) {
    const Period* period = out_.period(job.period);
    if (period != nullptr && period->demand_for(job.service) != nullptr) {
      late_errors_.push_back(fmt::format(
          "{}: training_jobs: job '{}' and a demand entry both give the training of service "
          "'{}' in period '{}'; expected one of them",
          out_.file, job.name, job.service, job.period));
    }
  }
}

void Parser::finish_economics() {
  for (auto& field : economics_money_) {
    check_convertible_everywhere(field.reader, field.key, field.money);
  }
  for (const AssumptionRef& ref : economics_refs_) {
    references_.push_back({ref.field, ref.name, ref.location});
  }
  if (Status status = resolve_modelled_demand(out_); !status.ok()) {
    late_errors_.push_back(fmt::format("{}: {}", out_.file, status.error().message));
  }
}

}  // namespace fleetplan::scenario::detail
