#include "scenario/economics.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

namespace fleetplan::scenario {
namespace {

std::string location_of(const yaml::Reader& r, std::string_view key) {
  // Never assign one yaml-cpp node to another: that rebinds the mapping itself (the bug
  // 19da49e fixed in core/yaml_reader.cc), hiding later fields from the unknown-field check.
  const YAML::Node& map = r.node();
  YAML::Mark mark = map.Mark();
  if (map.IsMap()) {
    const YAML::Node child = map[std::string(key)];
    if (child.IsDefined()) {
      mark = child.Mark();
    }
  }
  return fmt::format("{}:{}:{}", r.file(), mark.line + 1, mark.column + 1);
}

const ServiceSpec* find_service(const Scenario& scenario, std::string_view name) {
  for (const ServiceSpec& s : scenario.services) {
    if (s.name == name) {
      return &s;
    }
  }
  return nullptr;
}

std::string service_names(const Scenario& scenario) {
  std::vector<std::string> names;
  for (const ServiceSpec& s : scenario.services) {
    names.push_back(s.name);
  }
  return fmt::format("{}", fmt::join(names, ", "));
}

std::string curve_names(const Scenario& scenario, CurveUnit unit) {
  std::vector<std::string> names;
  for (const DemandCurve& c : scenario.demand_curves) {
    if (c.unit == unit) {
      names.push_back(c.name);
    }
  }
  return names.empty() ? std::string("(none: add one under demand_curves)")
                       : fmt::format("{}", fmt::join(names, ", "));
}

// The curve's value for a period on the demand's basis.
double curve_value(const DemandCurve& curve, const Period& period, DemandBasis basis) {
  const long long first = period.start.days_since_epoch();
  const long long last = period.end.days_since_epoch();
  return basis == DemandBasis::kPeriodMean ? curve.mean_between(first, last)
                                           : curve.value_at(static_cast<double>(last));
}

void split_tokens(Demand& demand, const ServiceSpec& service, double tokens_per_day) {
  const double in = service.input_len;
  const double out = service.output_len;
  const double input_share = in + out > 0 ? in / (in + out) : 0.5;
  demand.input_tokens_per_day = tokens_per_day * input_share;
  demand.output_tokens_per_day = tokens_per_day - demand.input_tokens_per_day;
}

}  // namespace

const DemandCurve* Scenario::demand_curve(std::string_view curve_name) const {
  for (const DemandCurve& c : demand_curves) {
    if (c.name == curve_name) {
      return &c;
    }
  }
  return nullptr;
}

const NetworkFabric* CostOfOwnership::fabric(std::string_view fabric_name) const {
  for (const NetworkFabric& f : network_fabrics) {
    if (f.name == fabric_name) {
      return &f;
    }
  }
  return nullptr;
}

Provenance read_provenance(yaml::Reader& reader, std::vector<AssumptionRef>& refs) {
  Provenance p;
  p.source = reader.string_or("source", "");
  p.assumption = reader.string_or("assumption", "");
  if (!p.assumption.empty()) {
    refs.push_back(
        {reader.path() + ".assumption", p.assumption, location_of(reader, "assumption")});
  }
  return p;
}

std::optional<units::Money> read_money_field(yaml::Reader& reader, std::string_view key,
                                             bool required, bool allow_negative) {
  const bool present = reader.has(key);
  auto text = reader.optional_string(key);
  if (!text) {
    if (required && !present) {
      reader.fail(key, "required money amount is missing; expected e.g. '160 bn CNY' or '2.1 USD'");
    }
    return std::nullopt;
  }
  std::string_view body = *text;
  int year = 0;
  const auto last_space = body.find_last_of(' ');
  if (last_space != std::string_view::npos) {
    const std::string_view tail = body.substr(last_space + 1);
    if (tail.size() == 4 && std::all_of(tail.begin(), tail.end(), [](char c) {
          return std::isdigit(static_cast<unsigned char>(c)) != 0;
        })) {
      std::from_chars(tail.data(), tail.data() + tail.size(), year);
      body = body.substr(0, last_space);
    }
  }
  auto parsed = units::parse_money(body);
  if (!parsed.ok()) {
    reader.fail(key, parsed.error().message);
    return std::nullopt;
  }
  units::Money m = *parsed;
  m.year = year;
  if (!allow_negative && m.amount < 0) {
    reader.fail(key, fmt::format("'{}' is negative; expected an amount >= 0", *text));
    return std::nullopt;
  }
  return m;
}

std::optional<units::Money> read_money(yaml::Reader& reader, std::string_view key, bool required,
                                       std::vector<MoneyField>& pending) {
  auto m = read_money_field(reader, key, required, false);
  if (m) {
    pending.push_back({reader, std::string(key), *m});
  }
  return m;
}

CostOfOwnership read_cost_of_ownership(yaml::Reader& reader, std::vector<MoneyField>& pending,
                                       std::vector<AssumptionRef>& assumption_refs) {
  CostOfOwnership c;
  c.given = true;
  {
    yaml::Reader lives = reader.map("useful_life_years", false);
    c.life_accelerators = lives.number_or("accelerators", c.life_accelerators, 0.5, 50);
    c.life_servers = lives.number_or("servers", c.life_servers, 0.5, 50);
    c.life_network = lives.number_or("network", c.life_network, 0.5, 50);
    c.life_storage = lives.number_or("storage", c.life_storage, 0.5, 50);
    c.life_buildings = lives.number_or("buildings", c.life_buildings, 0.5, 100);
    lives.reject_unknown_fields();
  }
  c.salvage_share = reader.number_or("salvage_share", 0, 0, 1);
  c.cost_of_capital = reader.number_or("cost_of_capital", 0, 0, 1);
  for (auto& f : reader.list("network_fabrics", false)) {
    NetworkFabric fabric;
    fabric.name = f.string("name");
    if (c.fabric(fabric.name) != nullptr) {
      f.fail("name",
             fmt::format("duplicate network fabric '{}'; names must be unique", fabric.name));
    }
    fabric.description = f.string_or("description", "");
    fabric.scale_up = read_money(f, "scale_up", false, pending).value_or(units::Money{0, "USD"});
    fabric.scale_out_nics =
        read_money(f, "scale_out_nics", false, pending).value_or(units::Money{0, "USD"});
    fabric.scale_out_switches =
        read_money(f, "scale_out_switches", false, pending).value_or(units::Money{0, "USD"});
    fabric.provenance = read_provenance(f, assumption_refs);
    if (fabric.provenance.source.empty() && fabric.provenance.assumption.empty()) {
      f.fail_here("a network fabric's costs need a `source` or an `assumption`");
    }
    f.reject_unknown_fields();
    c.network_fabrics.push_back(std::move(fabric));
  }
  c.provenance = read_provenance(reader, assumption_refs);
  reader.reject_unknown_fields();
  return c;
}

void read_site_costs(yaml::Reader& reader, Site& site, std::vector<MoneyField>& pending) {
  site.data_centre_per_mw = read_money(reader, "data_centre_per_mw", false, pending);
  site.colocation_per_kw_month = read_money(reader, "colocation_per_kw_month", false, pending);
  site.operations_share = reader.number_or("operations_share", 0, 0, 1);
  site.operations_per_mw_year = read_money(reader, "operations_per_mw_year", false, pending);
  if (site.data_centre_per_mw && site.ownership == Ownership::kLeased) {
    reader.fail("data_centre_per_mw",
                "a leased site is a third party's building; expected colocation_per_kw_month "
                "(rent) instead of a build price");
  }
  if (site.colocation_per_kw_month && site.ownership == Ownership::kOwned) {
    reader.fail("colocation_per_kw_month",
                "an owned site is the company's building; expected data_centre_per_mw (build "
                "price) instead of colocation rent");
  }
}

void read_procurement_costs(yaml::Reader& reader, Procurement& procurement,
                            const CostOfOwnership& costs, std::vector<MoneyField>& pending) {
  procurement.network = reader.string_or("network", "");
  procurement.storage = read_money(reader, "storage", false, pending);
  const bool lease = procurement.mode == Mode::kLease;
  if (!procurement.network.empty()) {
    if (lease) {
      reader.fail("network",
                  "a lease's rate includes the lessor's network; expected no "
                  "network for mode lease");
    } else if (costs.fabric(procurement.network) == nullptr) {
      std::vector<std::string> names;
      for (const NetworkFabric& f : costs.network_fabrics) {
        names.push_back(f.name);
      }
      reader.fail("network",
                  fmt::format("unknown network fabric '{}'; expected one of "
                              "cost_of_ownership.network_fabrics: {}",
                              procurement.network,
                              names.empty() ? std::string("(none defined)")
                                            : fmt::format("{}", fmt::join(names, ", "))));
    }
  }
  if (procurement.storage && lease) {
    reader.fail("storage",
                "a lease's rate includes the lessor's storage; expected no storage "
                "for mode lease");
  }
}

void read_service_economics(yaml::Reader& reader, ServiceSpec& service,
                            const catalog::Catalog& catalog, std::vector<MoneyField>& pending,
                            std::vector<AssumptionRef>& assumption_refs) {
  const bool inference = service.kind == Use::kInference;
  if (reader.has("value")) {
    yaml::Reader v = reader.map("value");
    ServiceValue& value = service.value;
    if (inference) {
      value.input_per_million = read_money(v, "input_per_million", true, pending);
      value.cached_input_per_million = read_money(v, "cached_input_per_million", false, pending);
      value.output_per_million = read_money(v, "output_per_million", true, pending);
    } else {
      value.per_gpu_hour = read_money(v, "per_gpu_hour", true, pending);
      const std::string chip = v.string("accelerator");
      if (!chip.empty()) {
        auto found = catalog.accelerator(chip);
        if (!found.ok()) {
          v.fail("accelerator", found.error().message);
        } else {
          value.gpu_hour_accelerator = (*found)->name;
        }
      }
    }
    value.provenance = read_provenance(v, assumption_refs);
    if (value.provenance.source.empty() && value.provenance.assumption.empty()) {
      v.fail_here("a service's value needs a `source` or an `assumption`");
    }
    v.reject_unknown_fields();
  }
  service.priority = static_cast<int>(reader.integer_or("priority", 1, 1, 9));
  reader.renamed("prefix_cache_hit", "prefix_cache_hit_share");
  service.prefix_cache_hit_share = reader.number_or("prefix_cache_hit_share", 0, 0, 0.99);
  service.diurnal = read_diurnal_profile(reader, "diurnal");
  if (!inference) {
    for (const char* key : {"prefix_cache_hit_share", "diurnal"}) {
      if (reader.has(key)) {
        reader.fail(key, "applies to inference services; expected none for kind training");
      }
    }
  }
}

bool read_modelled_demand(yaml::Reader& reader, Demand& demand, const Scenario& scenario) {
  const bool has_curve = reader.has("curve");
  const bool has_users = reader.has("users");
  if (!has_curve && !has_users) {
    for (const char* key :
         {"share", "less", "basis", "daily_active_share", "requests_per_user_per_day"}) {
      if (reader.has(key)) {
        reader.fail(key, "applies to modelled demand; expected `curve:` or `users:` with it");
      }
    }
    return false;
  }
  if (has_curve && has_users) {
    reader.fail("users",
                "give either `curve:` (tokens a day) or `users:` (users x requests x "
                "tokens), not both");
  }
  demand.basis = reader.choice_or("basis", {"end", "mean"}, "end") == "mean"
                     ? DemandBasis::kPeriodMean
                     : DemandBasis::kPeriodEnd;
  if (has_curve) {
    demand.curve = reader.string("curve");
    const DemandCurve* curve = scenario.demand_curve(demand.curve);
    if (curve == nullptr || curve->unit != CurveUnit::kTokensPerDay) {
      reader.fail("curve",
                  fmt::format("'{}' is not a tokens_per_day curve; expected one of: {}",
                              demand.curve, curve_names(scenario, CurveUnit::kTokensPerDay)));
    }
    demand.share = reader.number_or("share", 1, 0, 1);
    demand.less = reader.string_list("less", false);
    for (const std::string& name : demand.less) {
      const ServiceSpec* other = find_service(scenario, name);
      if (other == nullptr || other->kind != Use::kInference || name == demand.service) {
        reader.fail("less", fmt::format("'{}' is not another inference service; expected one "
                                        "of: {}",
                                        name, service_names(scenario)));
      }
    }
  }
  if (has_users) {
    demand.users_curve = reader.string("users");
    const DemandCurve* curve = scenario.demand_curve(demand.users_curve);
    if (curve == nullptr || curve->unit != CurveUnit::kUsers) {
      reader.fail("users",
                  fmt::format("'{}' is not a users curve; expected one of: {}", demand.users_curve,
                              curve_names(scenario, CurveUnit::kUsers)));
    }
    demand.daily_active_share = reader.number("daily_active_share", 1e-6, 1);
    demand.requests_per_user_per_day = reader.number("requests_per_user_per_day", 1e-6, 1e6);
  }
  const ServiceSpec* service = find_service(scenario, demand.service);
  if (service != nullptr && service->kind != Use::kInference) {
    reader.fail(has_curve ? "curve" : "users",
                "modelled demand is in tokens; training demand is given in training_jobs or "
                "gpu_hours");
  }
  return true;
}

TrainingJob read_training_job(yaml::Reader& reader, const Scenario& scenario,
                              const catalog::Catalog& catalog,
                              std::vector<AssumptionRef>& assumption_refs) {
  TrainingJob job;
  job.name = reader.string("name");
  for (const TrainingJob& other : scenario.training_jobs) {
    if (other.name == job.name && !job.name.empty()) {
      reader.fail("name",
                  fmt::format("duplicate training job '{}'; names must be unique", job.name));
    }
  }
  job.service = reader.string("service");
  const ServiceSpec* service = find_service(scenario, job.service);
  if (!job.service.empty() && (service == nullptr || service->kind != Use::kTraining)) {
    reader.fail("service", fmt::format("'{}' is not a training service; expected one of: {}",
                                       job.service, service_names(scenario)));
  }
  job.period = reader.string("period");
  if (!job.period.empty() && scenario.period(job.period) == nullptr) {
    std::vector<std::string> names;
    for (const Period& p : scenario.periods) {
      names.push_back(p.name);
    }
    reader.fail("period", fmt::format("unknown period '{}'; expected one of: {}", job.period,
                                      fmt::join(names, ", ")));
  }
  const bool by_cluster = reader.has("cluster_accelerators");
  const bool by_flop = reader.has("flop");
  if (by_cluster == by_flop) {
    reader.fail_here(
        "a training job needs its size: `cluster_accelerators` (with "
        "`accelerator`) or `flop`, one of them");
  }
  if (by_cluster) {
    job.cluster_accelerators = reader.integer("cluster_accelerators", 1, 100'000'000);
    const std::string chip = reader.string("accelerator");
    if (!chip.empty()) {
      auto found = catalog.accelerator(chip);
      if (!found.ok()) {
        reader.fail("accelerator", found.error().message);
      } else if (!(*found)->has_performance_figures()) {
        reader.fail("accelerator",
                    fmt::format("accelerator '{}' has no performance figures", chip));
      } else {
        job.cluster_accelerator = (*found)->name;
      }
    }
  }
  if (by_flop) {
    job.flop = reader.number("flop", 1, 1e40);
  }
  job.min_cluster = reader.integer_or("min_cluster", 0, 0, 100'000'000);
  job.sites = reader.string_list("sites", false);
  for (const std::string& site : job.sites) {
    if (scenario.site(site) == nullptr) {
      reader.fail("sites", fmt::format("unknown site '{}'", site));
    }
  }
  job.provenance = read_provenance(reader, assumption_refs);
  if (job.provenance.source.empty() && job.provenance.assumption.empty()) {
    reader.fail_here("a training job needs a `source` or an `assumption` for its size");
  }
  reader.reject_unknown_fields();
  return job;
}

Status resolve_modelled_demand(Scenario& scenario) {
  for (Period& period : scenario.periods) {
    for (std::size_t i = 0; i < period.demand.size(); ++i) {
      Demand& demand = period.demand[i];
      const ServiceSpec* service = find_service(scenario, demand.service);
      if (service == nullptr) {
        continue;
      }
      if (!demand.curve.empty()) {
        const DemandCurve* curve = scenario.demand_curve(demand.curve);
        if (curve != nullptr) {
          split_tokens(demand, *service, demand.share * curve_value(*curve, period, demand.basis));
        }
      } else if (!demand.users_curve.empty()) {
        const DemandCurve* curve = scenario.demand_curve(demand.users_curve);
        if (curve != nullptr) {
          demand.users = curve_value(*curve, period, demand.basis);
          split_tokens(demand, *service,
                       tokens_per_day_from_users(demand.users, demand.daily_active_share,
                                                 demand.requests_per_user_per_day,
                                                 service->input_len + service->output_len));
        }
      }
    }
    // `less` comes off once every entry of the period is resolved.
    for (std::size_t i = 0; i < period.demand.size(); ++i) {
      Demand& demand = period.demand[i];
      if (demand.less.empty()) {
        continue;
      }
      const ServiceSpec* service = find_service(scenario, demand.service);
      double tokens = demand.tokens_per_day();
      for (const std::string& name : demand.less) {
        const Demand* other = period.demand_for(name);
        if (other != nullptr) {
          tokens -= other->tokens_per_day();
        }
      }
      if (tokens < 0) {
        return input_error(fmt::format(
            "period '{}', demand[{}] ({}): {:.4g} tokens/day of curve '{}' less the demand of {} "
            "is negative; expected the other services to take less than the curve",
            period.name, i, demand.service, demand.tokens_per_day(), demand.curve,
            fmt::join(demand.less, ", ")));
      }
      if (service != nullptr) {
        split_tokens(demand, *service, tokens);
      }
    }
  }
  return {};
}

double implied_tokens_per_user_per_day(const Scenario& scenario, const Period& period,
                                       const Demand& demand) {
  if (demand.users > 0) {
    return demand.tokens_per_day() / demand.users;
  }
  for (const DemandCurve& curve : scenario.demand_curves) {
    if (curve.unit == CurveUnit::kUsers) {
      const double users = curve_value(curve, period, demand.basis);
      return users > 0 ? demand.tokens_per_day() / users : 0.0;
    }
  }
  return 0;
}

namespace {

std::string count_text(double value) {
  if (value >= 1e12) {
    return fmt::format("{:.2f} T", value / 1e12);
  }
  if (value >= 1e9) {
    return fmt::format("{:.2f} bn", value / 1e9);
  }
  if (value >= 1e6) {
    return fmt::format("{:.1f} M", value / 1e6);
  }
  return fmt::format("{:.0f}", value);
}

}  // namespace

std::vector<std::string> demand_notes(const Scenario& scenario) {
  std::vector<std::string> out;
  const DemandCurve* users_curve = nullptr;
  for (const DemandCurve& c : scenario.demand_curves) {
    if (c.unit == CurveUnit::kUsers && users_curve == nullptr) {
      users_curve = &c;
    }
  }
  for (const Period& period : scenario.periods) {
    for (const Demand& d : period.demand) {
      const ServiceSpec* service = find_service(scenario, d.service);
      if (service == nullptr || service->kind != Use::kInference) {
        continue;
      }
      const std::string day =
          d.basis == DemandBasis::kPeriodMean ? "mean over the period" : period.end.to_string();
      std::string how;
      if (!d.users_curve.empty()) {
        const DemandCurve* c = scenario.demand_curve(d.users_curve);
        how = fmt::format("{} users ({}, {}, {}) x {:.0f} % a day x {:g} requests x {} tokens",
                          count_text(d.users), d.users_curve,
                          c != nullptr ? growth_law_name(c->growth) : "", day,
                          100 * d.daily_active_share, d.requests_per_user_per_day,
                          service->input_len + service->output_len);
      } else if (!d.curve.empty()) {
        const DemandCurve* c = scenario.demand_curve(d.curve);
        how = fmt::format("{:.0f} % of {} ({}, {} at {})", 100 * d.share, d.curve,
                          c != nullptr ? growth_law_name(c->growth) : "",
                          c != nullptr ? count_text(curve_value(*c, period, d.basis)) : "", day);
        if (!d.less.empty()) {
          how += fmt::format(" less {}", fmt::join(d.less, ", "));
        }
      } else {
        how = "as given";
      }
      std::string per_user;
      if (users_curve != nullptr) {
        const double users = d.users > 0 ? d.users : curve_value(*users_curve, period, d.basis);
        if (users > 0) {
          per_user = fmt::format("; {:.0f} tokens per {} user a day", d.tokens_per_day() / users,
                                 users_curve->name);
        }
      }
      out.push_back(fmt::format(
          "{} {}: {} tokens/day = {}; peak/average {:.2f}{}{}", period.name, d.service,
          count_text(d.tokens_per_day()), how, d.peak_to_average,
          service->diurnal ? fmt::format(" (peak hour {}:00)", service->diurnal->peak_hour())
                           : std::string(),
          per_user));
    }
  }
  return out;
}

}  // namespace fleetplan::scenario
