// fleetplan: plans and simulates AI-accelerator fleets. See README.md.
#include <cstdio>
#include <exception>
#include <new>

#include <fmt/format.h>

#include "cli/command.h"

namespace {

int run(int argc, char** argv) {
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
    return fleetplan::cli::report_parse_error(app, e,
                                              std::vector<std::string>(argv + 1, argv + argc));
  }
  for (std::size_t i = 0; i < subs.size(); ++i) {
    if (subs[i]->parsed() && runs[i]) {
      return runs[i]();
    }
  }
  return fleetplan::cli::kExitInput;
}

}  // namespace

int main(int argc, char** argv) {
  // The last resort: no exception ends the program through std::terminate. Errors in input
  // are values (exit 2) long before this; whatever gets here is a bug or the machine. Plain
  // stdio here: fmt may allocate, and so throw again.
  try {
    return run(argc, argv);
  } catch (const std::bad_alloc&) {
    std::fputs("fleetplan: internal error: out of memory\n", stderr);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fleetplan: internal error: %s\n", e.what());
  } catch (...) {
    std::fputs("fleetplan: internal error: unknown exception\n", stderr);
  }
  return fleetplan::cli::kExitInternal;
}
