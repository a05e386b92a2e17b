// The supply_pools section (see detail/parser.h): dated capacities and the accelerators that
// draw on each pool.
#include "scenario/detail/parser.h"

namespace fleetplan::scenario::detail {

void Parser::parse_supply_pool(yaml::Reader& r) {
  SupplyPool pool;
  pool.name = unique_name(r, pool_names_, "supply pool");
  pool.description = r.string_or("description", "");
  pool.unit = r.string_or("unit", "units");
  pool.attainable_share = r.number_or("attainable_share", 1.0, 1e-6, 1.0);
  pool.cumulative = r.boolean_or("cumulative", false);
  parse_pool_capacity(r, pool);
  parse_pool_draws(r, pool);
  pool.provenance = provenance(r);
  r.reject_unknown_fields();
  out_.supply_pools.push_back(std::move(pool));
}

void Parser::parse_pool_capacity(yaml::Reader& r, SupplyPool& pool) {
  for (auto& c : r.list("capacity", true)) {
    PoolCapacity capacity;
    const auto start = date(c, "start", true);
    const auto end = date(c, "end", true);
    if (start && end && *end < *start) {
      c.fail("end", fmt::format("{} is before start {}; expected end >= start", end->to_string(),
                                start->to_string()));
    }
    if (start) {
      capacity.start = *start;
    }
    if (end) {
      capacity.end = *end;
    }
    capacity.units = c.number("units", 0, 1e12);
    capacity.provenance = provenance(c);
    c.reject_unknown_fields();
    pool.capacity.push_back(std::move(capacity));
  }
}

void Parser::parse_pool_draws(yaml::Reader& r, SupplyPool& pool) {
  std::set<std::string> drawn;
  for (auto& d : r.list("draws", true)) {
    PoolDraw draw;
    const std::string accelerator = d.string("accelerator");
    if (!accelerator.empty()) {
      draw.accelerator = accelerator_name(d, "accelerator", accelerator, true);
      if (!drawn.insert(draw.accelerator).second) {
        d.fail("accelerator", fmt::format("{} draws on pool '{}' twice; expected one entry per "
                                          "accelerator",
                                          draw.accelerator, pool.name));
      }
    }
    draw.units_per_accelerator = d.number_or("units_per_accelerator", 1.0, 1e-6, 1e6);
    d.reject_unknown_fields();
    pool.draws.push_back(std::move(draw));
  }
}

}  // namespace fleetplan::scenario::detail
