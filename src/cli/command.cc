#include "cli/command.h"

#include <algorithm>

#include <fmt/format.h>

namespace fleetplan::cli {
namespace {

std::vector<Command>& registry() {
  static std::vector<Command> commands;
  return commands;
}

}  // namespace

bool register_command(std::string name, std::string description, int order, SetupFn setup) {
  registry().push_back({std::move(name), std::move(description), order, std::move(setup)});
  return true;
}

std::vector<Command> commands() {
  std::vector<Command> sorted = registry();
  std::sort(sorted.begin(), sorted.end(), [](const Command& a, const Command& b) {
    return a.order != b.order ? a.order < b.order : a.name < b.name;
  });
  return sorted;
}

int report_error(const Error& error) {
  fmt::print(stderr, "fleetplan: error: {}\n", error.message);
  if (error.kind == ErrorKind::kInternal) {
    return kExitInternal;
  }
  return kExitInput;
}

void add_catalog_option(CLI::App& app, std::vector<std::string>& files) {
  app.add_option("--catalog", files,
                 "YAML file that adds or overrides accelerators/models (repeatable)")
      ->check(CLI::ExistingFile);
}

Result<catalog::Catalog> load_catalog(const std::vector<std::string>& files) {
  return catalog::Catalog::load(files);
}

}  // namespace fleetplan::cli
