// The thin command-line layer: each `cmd_*.cc` file registers one subcommand that
// parses its flags and calls the library layers. No logic lives here.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "catalog/catalog.h"
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

//! Adds the repeatable `--catalog FILE` option.
void add_catalog_option(CLI::App& app, std::vector<std::string>& files);
//! Loads the built-in catalog plus user files.
Result<catalog::Catalog> load_catalog(const std::vector<std::string>& files);

}  // namespace fleetplan::cli
