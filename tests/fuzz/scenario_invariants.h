// What the scenario loader promises about a scenario it accepts (see scenario.h); "" when
// the scenario keeps the promises, else the first one it breaks.
#pragma once

#include <cmath>
#include <string>

#include <fmt/format.h>

#include "invariants.h"
#include "scenario/scenario.h"

namespace fleetplan::fuzz {

inline std::string provenance_problem(const scenario::Scenario& s, const scenario::Provenance& p,
                                      const std::string& what) {
  if (!p.assumption.empty() && s.assumption(p.assumption) == nullptr) {
    return fmt::format("{} cites assumption '{}', which is not in assumptions", what, p.assumption);
  }
  return "";
}

inline std::string scenario_problem(const scenario::Scenario& s, const catalog::Catalog& catalog) {
  std::string problem;
  const auto check = [&](bool ok, const std::string& what) {
    if (!ok && problem.empty()) {
      problem = what;
    }
  };
  check(std::isfinite(s.settings.shortfall_usd_per_million_tokens) &&
            s.settings.shortfall_usd_per_million_tokens >= 0,
        "settings.shortfall_usd_per_million_tokens");
  check(s.settings.training_mfu > 0 && s.settings.training_mfu <= 1, "settings.training_mfu");
  check(std::isfinite(s.settings.peak_to_average) && s.settings.peak_to_average >= 1,
        "settings.peak_to_average");
  check(s.settings.planning_utilization > 0 && s.settings.planning_utilization <= 1,
        "settings.planning_utilization");
  for (std::size_t i = 0; i < s.periods.size(); ++i) {
    const scenario::Period& p = s.periods[i];
    const std::string at = fmt::format("periods[{}] ({})", i, p.name);
    check(p.start <= p.end, at + ": start after end");
    if (i > 0) {
      check(s.periods[i - 1].end < p.start, at + ": overlaps or precedes the period before");
    }
    check(finite_nonnegative(p.budget.amount) && finite_nonnegative(p.budget_usd),
          fmt::format("{}: budget {} ({} USD)", at, p.budget.amount, p.budget_usd));
    for (const auto& [currency, rate] : p.exchange_rates) {
      check(std::isfinite(rate) && rate > 0,
            fmt::format("{}: exchange rate {} {}", at, currency, rate));
    }
    if (s.settings.report_currency != "USD") {
      check(p.exchange_rates.count(s.settings.report_currency) > 0,
            fmt::format("{}: no exchange rate for the report currency {}", at,
                        s.settings.report_currency));
    }
    for (const auto& line : p.budget_lines) {
      check(finite_nonnegative(line.usd),
            fmt::format("{}: budget line {} is {} USD", at, line.name, line.usd));
      const std::string why = provenance_problem(s, line.provenance, at + " budget line");
      check(why.empty(), why);
    }
    for (const auto& d : p.demand) {
      check(s.service(d.service) != nullptr,
            fmt::format("{}: demand for unknown service '{}'", at, d.service));
      check(finite_nonnegative(d.input_tokens_per_day) &&
                finite_nonnegative(d.output_tokens_per_day) && finite_nonnegative(d.training_flop),
            fmt::format("{}: demand {} is not finite and >= 0", at, d.service));
      check(std::isfinite(d.peak_to_average) && d.peak_to_average >= 1,
            fmt::format("{}: demand {} peak_to_average {}", at, d.service, d.peak_to_average));
      const std::string why = provenance_problem(s, d.provenance, at + " demand");
      check(why.empty(), why);
    }
    const std::string why = provenance_problem(s, p.budget_provenance, at + " budget");
    check(why.empty(), why);
  }
  for (const auto& site : s.sites) {
    check(finite_nonnegative(site.power_w),
          fmt::format("site {}: power {} W", site.name, site.power_w));
    check(std::isfinite(site.pue) && site.pue >= 1, fmt::format("site {}: pue", site.name));
    check(finite_nonnegative(site.energy_price_per_kwh.amount),
          fmt::format("site {}: energy price", site.name));
    const std::string why = provenance_problem(s, site.provenance, "site " + site.name);
    check(why.empty(), why);
  }
  for (const auto& service : s.services) {
    check(catalog.model(service.model).ok(),
          fmt::format("service {}: model '{}' not in the catalog", service.name, service.model));
    if (service.kind == scenario::Use::kInference) {
      check(service.input_len > 0 && service.output_len > 0,
            fmt::format("service {}: lengths {} / {}", service.name, service.input_len,
                        service.output_len));
      check(std::isfinite(service.ttft_ms) && service.ttft_ms > 0 &&
                std::isfinite(service.tpot_ms) && service.tpot_ms > 0,
            fmt::format("service {}: targets {} / {} ms", service.name, service.ttft_ms,
                        service.tpot_ms));
    }
    const std::string why = provenance_problem(s, service.provenance, "service " + service.name);
    check(why.empty(), why);
  }
  for (const auto& p : s.procurement) {
    check(catalog.accelerator(p.accelerator).ok(),
          fmt::format("procurement {}: accelerator '{}'", p.name, p.accelerator));
    check(finite_nonnegative(p.unit_price.amount) && finite_nonnegative(p.server_overhead) &&
              finite_nonnegative(p.depreciation_years) &&
              finite_nonnegative(p.lease_price_per_gpu_hour.amount) && p.min_term_months >= 0,
          fmt::format("procurement {}: a negative or non-finite price or term", p.name));
    for (const auto& site : p.sites) {
      check(s.site(site) != nullptr, fmt::format("procurement {}: site '{}'", p.name, site));
    }
    for (const auto& limit : p.supply) {
      check(s.period(limit.period) != nullptr && limit.max_units >= 0,
            fmt::format("procurement {}: supply limit for '{}'", p.name, limit.period));
    }
    const std::string why = provenance_problem(s, p.provenance, "procurement " + p.name);
    check(why.empty(), why);
  }
  for (const auto& in : s.installed) {
    check(catalog.accelerator(in.accelerator).ok() && s.site(in.site) != nullptr && in.count >= 0,
          fmt::format("installed {} at {}: {}", in.accelerator, in.site, in.count));
  }
  for (const auto& rule : s.rules) {
    check(rule.min_share >= 0 && rule.min_share <= 1 && rule.max_units >= 0,
          fmt::format("rule {}: min_share {} max_units {}", rule.name, rule.min_share,
                      rule.max_units));
    check(!rule.until || rule.effective <= *rule.until,
          fmt::format("rule {}: until before effective", rule.name));
  }
  return problem;
}

}  // namespace fleetplan::fuzz
