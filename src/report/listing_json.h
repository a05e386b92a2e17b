// The catalog and the built-in scenarios as JSON: what `fleetplan catalog --json` and
// `fleetplan scenarios --json` print and what /api/catalog and /api/scenarios answer.
#pragma once

#include <nlohmann/json.hpp>

#include "catalog/catalog.h"
#include "core/result.h"
#include "scenario/scenario.h"

namespace fleetplan::report {

nlohmann::ordered_json accelerator_json(const catalog::Accelerator& accelerator);
nlohmann::ordered_json model_json(const catalog::Model& model);
//! {"accelerators": [...], "models": [...]}, either left out when not asked for.
nlohmann::ordered_json catalog_json(const catalog::Catalog& catalog, bool accelerators = true,
                                    bool models = true);

//! One built-in scenario: name, default, description, periods (name, start, end, budget
//! {amount, currency}, budget_usd).
nlohmann::ordered_json scenario_summary_json(const std::string& name,
                                             const scenario::Scenario& scenario);

}  // namespace fleetplan::report
