// fleetplan: plans and simulates AI-accelerator fleets. See README.md.
#include <fmt/format.h>

#include "cli/command.h"

int main(int argc, char** argv) {
  CLI::App app{
      "fleetplan: plan and simulate AI-accelerator fleets (performance model, serving "
      "simulator, MILP planner)",
      "fleetplan"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "fleetplan 0.1.0");
  std::vector<fleetplan::cli::RunFn> runs;
  const auto commands = fleetplan::cli::commands();
  runs.resize(commands.size());
  std::vector<CLI::App*> subs;
  for (std::size_t i = 0; i < commands.size(); ++i) {
    CLI::App* sub = app.add_subcommand(commands[i].name, commands[i].description);
    commands[i].setup(*sub, runs[i]);
    subs.push_back(sub);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : fleetplan::cli::kExitInput;
  }
  for (std::size_t i = 0; i < subs.size(); ++i) {
    if (subs[i]->parsed() && runs[i]) {
      return runs[i]();
    }
  }
  return fleetplan::cli::kExitInput;
}
