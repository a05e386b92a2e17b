// The planning options: the one table (name, type, default, range, doc) behind a scenario's
// `settings:`, the `fleetplan plan` flags and the API's plan options.
#pragma once

#include <string>
#include <string_view>

#include "core/options.h"

namespace fleetplan::scenario {

//! Every planning option, in the order `--help` and the README list them.
const options::Registry& settings_options();

//! The default of a numeric option (kNumber, kInteger, kSwitch).
double setting_default(std::string_view name);
//! The default of a choice or text option.
std::string setting_default_text(std::string_view name);

}  // namespace fleetplan::scenario
