// The thin command-line layer: each `cmd_*.cc` file registers one subcommand that
// parses its flags and calls the library layers. No logic lives here.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "catalog/catalog.h"
#include "core/options.h"
#include "core/result.h"

namespace fleetplan::cli {

//! Exit codes: 0 success, 1 internal error, 2 usage or input error, 3 infeasible plan.
inline constexpr int kExitOk = 0;
inline constexpr int kExitInternal = 1;
inline constexpr int kExitInput = 2;
inline constexpr int kExitInfeasible = 3;

//! Called by main() after parsing; returns the exit code.
using RunFn = std::function<int()>;
//! Adds a subcommand's options to `app` and stores the action to run in `run`.
using SetupFn = std::function<void(CLI::App& app, RunFn& run)>;

//! Registers a subcommand; `order` sorts `--help` (pipeline order).
bool register_command(std::string name, std::string description, int order, SetupFn setup);

struct Command {
  std::string name;
  std::string description;
  int order = 0;
  SetupFn setup;
};
//! Every registered command, sorted by order then name.
std::vector<Command> commands();

//! Prints "fleetplan: error: <message>" to stderr and returns the exit code for it.
int report_error(const Error& error);

//! A validator for a number option: finite (no nan, no inf) and in [min, max]; with
//! `exclusive_min`, min itself is refused ("> 0").
CLI::Validator finite_number(double min, double max, bool exclusive_min = false);
//! A validator for an unsigned 64-bit option (a seed): digits only, no sign, no overflow.
CLI::Validator unsigned_number();

//! A flag from the options registry (`--node-limit` for `node_limit`): its help from the spec,
//! its value checked by the spec (a number or integer in range, or one of the choices). With
//! `overrides_scenario` the help says the default is the scenario's setting.
CLI::Option* add_setting_flag(CLI::App& app, const options::Spec& spec,
                              std::optional<double>& value, bool overrides_scenario);
CLI::Option* add_setting_flag(CLI::App& app, const options::Spec& spec, std::string& value,
                              bool overrides_scenario);

//! Checks before any work that `path` can be written (an output such as `--html`): the
//! folder exists and the file is not a directory and can be opened for writing. An existing
//! file is not truncated; a new one is not left behind.
Status check_writable(const std::string& path, std::string_view flag);

//! An error from a library layer, with the flag that set the field it names: "count = 0 ..."
//! becomes "--count: count = 0 ...". `flags` maps field names to flags.
Error with_flag(Error error, const std::vector<std::pair<std::string, std::string>>& flags);

//! Reports a parse error of CLI11 the fleetplan way ("fleetplan: error: ...", with a
//! suggestion); `args` are the arguments as typed (argv without the program). Returns the
//! exit code; help and version requests print and return 0.
int report_parse_error(CLI::App& app, const CLI::ParseError& error,
                       const std::vector<std::string>& args);

//! Adds the repeatable `--catalog FILE` option.
void add_catalog_option(CLI::App& app, std::vector<std::string>& files);
//! Loads the built-in catalog plus user files.
Result<catalog::Catalog> load_catalog(const std::vector<std::string>& files);

}  // namespace fleetplan::cli
