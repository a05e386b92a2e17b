// Private to src/sim: the field readers behind the simulation-scenario parser
// (sim_scenario_fields.cc), shared by sim_scenario.cc, sim_trace.cc and sim_quick.cc.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "catalog/catalog.h"
#include "core/result.h"
#include "core/yaml_reader.h"
#include "sim/sim.h"

namespace fleetplan::sim::detail {

std::string location_of(const yaml::Reader& r);

std::string resolve(const std::string& base_dir, const std::string& path);

Result<std::string> read_text(const std::string& path);

// A number that must be > 0 (the reader checks the type and the upper bound).
double positive(yaml::Reader& r, std::string_view key, double max = 1e15);

std::optional<double> optional_positive(yaml::Reader& r, std::string_view key, double max = 1e15);

// A list of numbers in [min, max]; the message of a bad item gives its own line and column.
std::vector<double> number_list(yaml::Reader& r, std::string_view key, double min, double max);

// "length[,weight]" lines; '#' comments.
Status read_length_file(const std::string& path, std::vector<long long>& values,
                        std::vector<double>& weights);

LengthDistribution parse_length(yaml::Reader& parent, std::string_view key, long long max_tokens,
                                const std::string& base_dir);

ArrivalProcess parse_arrival(yaml::Reader& parent);

SchedulerConfig parse_scheduler(yaml::Reader& r, SchedulerConfig base);

catalog::Precision precision_or(yaml::Reader& r, std::string_view key, catalog::Precision fallback);

// Prefixes a validation message that starts with a field path by the location of the
// longest recorded path it starts with.
std::string locate(const std::string& message,
                   const std::vector<std::pair<std::string, std::string>>& places,
                   const std::string& file);

}  // namespace fleetplan::sim::detail
