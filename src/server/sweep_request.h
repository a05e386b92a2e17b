// The options of `POST /api/sweeps`, read as `fleetplan sweep` reads its flags: the same
// names (`set`, `vary`, `tornado`, `samples`, `seed`, `metric`, `rule_costs`, `objective`,
// `gap`, `node_limit`: the last two checked by the options registry as the flags are), the
// same modes and checks; `uncertainty` is the file's YAML text, since a request
// never names a file of the server.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "analysis/sweep.h"
#include "core/result.h"

namespace fleetplan::server {

//! The sweep a request's `options` object asks for; `where` ("options") prefixes field
//! names in messages. Null: a grid of the scenario alone (one run), as `fleetplan sweep`.
Result<analysis::SweepSpec> parse_sweep_options(const nlohmann::json& options,
                                                const std::string& where);

}  // namespace fleetplan::server
