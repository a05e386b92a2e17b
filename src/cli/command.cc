#include "cli/command.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/suggest.h"

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

CLI::Validator finite_number(double min, double max, bool exclusive_min) {
  const std::string range =
      fmt::format("{} {} to {}", exclusive_min ? "more than" : "from", min, max);
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        double value = 0;
        const char* begin = text.data();
        const char* end = text.data() + text.size();
        const auto [ptr, ec] = std::from_chars(begin, end, value);
        if (ec != std::errc{} || ptr != end || !std::isfinite(value)) {
          return fmt::format("'{}' is not a finite number; expected a number {}", text, range);
        }
        if (value < min || value > max || (exclusive_min && value == min)) {
          return fmt::format("{} is out of range; expected a number {}", text, range);
        }
        return "";
      },
      "NUMBER");
}

namespace {

// A validator that checks a flag's text as the registry does; the message without the flag
// (CLI11 puts the flag in front).
CLI::Validator setting_validator(const options::Spec& spec) {
  return CLI::Validator(
      [spec](std::string& text) -> std::string {
        const std::string flag = options::flag(spec);
        std::string m;
        if (spec.kind == options::Kind::kChoice) {
          if (auto choice = options::parse_choice(spec, text, flag); !choice.ok()) {
            m = choice.error().message;
          }
        } else if (auto number = options::parse_number(spec, text, flag); !number.ok()) {
          m = number.error().message;
        }
        if (m.empty()) {
          return "";
        }
        return m.starts_with(flag + ": ") ? m.substr(flag.size() + 2) : m;
      },
      spec.kind == options::Kind::kChoice ? "TEXT" : "NUMBER");
}

std::string setting_help(const options::Spec& spec, bool overrides_scenario) {
  return overrides_scenario ? options::describe_override(spec) : options::describe(spec);
}

}  // namespace

CLI::Option* add_setting_flag(CLI::App& app, const options::Spec& spec,
                              std::optional<double>& value, bool overrides_scenario) {
  return app.add_option(options::flag(spec), value, setting_help(spec, overrides_scenario))
      ->check(setting_validator(spec));
}

CLI::Option* add_setting_flag(CLI::App& app, const options::Spec& spec, std::string& value,
                              bool overrides_scenario) {
  return app.add_option(options::flag(spec), value, setting_help(spec, overrides_scenario))
      ->check(setting_validator(spec));
}

CLI::Validator unsigned_number() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        std::uint64_t value = 0;
        const char* end = text.data() + text.size();
        const auto [ptr, ec] = std::from_chars(text.data(), end, value);
        if (text.empty() || ec != std::errc{} || ptr != end) {
          return fmt::format("'{}' is not a whole number from 0 to {}", text,
                             std::numeric_limits<std::uint64_t>::max());
        }
        return "";
      },
      "UINT");
}

Status check_writable(const std::string& path, std::string_view flag) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path target(path);
  if (fs::is_directory(target, ec)) {
    return input_error(
        fmt::format("{}: '{}' is a directory; expected a file to write", flag, path));
  }
  const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
  if (!fs::is_directory(folder, ec)) {
    return input_error(fmt::format("{}: cannot write '{}': folder '{}' does not exist", flag, path,
                                   folder.string()));
  }
  const bool existed = fs::exists(target, ec);
  {
    std::ofstream out(path, std::ios::binary | std::ios::app);  // app: never truncates
    if (!out) {
      return input_error(
          fmt::format("{}: cannot write '{}': permission denied or read-only", flag, path));
    }
  }
  if (!existed) {
    fs::remove(target, ec);
  }
  return {};
}

Error with_flag(Error error, const std::vector<std::pair<std::string, std::string>>& flags) {
  for (const auto& [field, flag] : flags) {
    const std::string& m = error.message;
    if (m.size() > field.size() && m.compare(0, field.size(), field) == 0 &&
        (m[field.size()] == ' ' || m[field.size()] == ':')) {
      error.message = flag + ": " + m;
      break;
    }
  }
  return error;
}

namespace {

// Flags renamed for one vocabulary across commands (issue 8, item 18): the old name gets a
// pointer to the new one instead of a bare "unknown option".
const std::pair<const char*, const char*> kRenamedFlags[] = {
    {"--precision", "--weights"},
    {"--kv-precision", "--kv-cache"},
    {"--token-budget", "--max-num-tokens"},
};

// The subcommand the user got to: the deepest one parsed.
CLI::App* deepest_command(CLI::App& app) {
  CLI::App* at = &app;
  while (true) {
    const auto subs = at->get_subcommands();
    if (subs.empty()) {
      return at;
    }
    at = subs.front();
  }
}

std::string command_path(const CLI::App* app) {
  std::vector<std::string> names;
  for (const CLI::App* a = app; a != nullptr; a = a->get_parent()) {
    names.push_back(a->get_name());
  }
  std::string out;
  for (auto it = names.rbegin(); it != names.rend(); ++it) {
    out += (out.empty() ? "" : " ") + *it;
  }
  return out;
}

std::vector<std::string> option_names(const CLI::App* app) {
  std::vector<std::string> names;
  for (const CLI::Option* option : app->get_options()) {
    for (const std::string& name : option->get_lnames()) {
      names.push_back("--" + name);
    }
  }
  return names;
}

std::vector<std::string> subcommand_names(CLI::App* app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app->get_subcommands([](CLI::App*) { return true; })) {
    names.push_back(sub->get_name());
  }
  return names;
}

std::string did_you_mean(const std::vector<std::string>& near) {
  if (near.empty()) {
    return "";
  }
  return fmt::format(" (did you mean {}?)", fmt::join(near, " or "));
}

}  // namespace

int report_parse_error(CLI::App& app, const CLI::ParseError& error,
                       const std::vector<std::string>& args) {
  if (error.get_exit_code() == 0) {  // --help, --help-all, --version
    return app.exit(error);
  }
  CLI::App* at = deepest_command(app);
  const std::string where = command_path(at);
  const std::string help = fmt::format("(`{} --help` lists what it takes)", where);
  // An unknown option, also when CLI11 reports a missing required option first.
  for (const std::string& arg : app.remaining(true)) {
    if (arg.size() < 2 || arg[0] != '-' || arg == "--") {
      continue;
    }
    const std::string name = arg.substr(0, arg.find('='));
    for (const auto& [old_name, new_name] : kRenamedFlags) {
      if (name == old_name) {
        fmt::print(stderr, "fleetplan: error: {} was renamed {} (one name in every command)\n",
                   old_name, new_name);
        return kExitInput;
      }
    }
    fmt::print(stderr, "fleetplan: error: `{}` has no option {}{} {}\n", where, name,
               did_you_mean(closest_names(name, option_names(at), 2, true)), help);
    return kExitInput;
  }
  // A word where a command was expected: the first such word in the order typed.
  const std::vector<std::string> commands = subcommand_names(at);
  if (!commands.empty()) {
    const std::vector<std::string> rest = at->remaining(false);
    for (const std::string& arg : args) {
      if (std::find(rest.begin(), rest.end(), arg) == rest.end()) {
        continue;
      }
      fmt::print(stderr, "fleetplan: error: `{}` has no command '{}'{}; its commands are: {}\n",
                 where, arg, did_you_mean(closest_names(arg, commands, 2, true)),
                 fmt::join(commands, ", "));
      return kExitInput;
    }
    if (at == &app && error.get_name() == "RequiredError") {
      fmt::print(stderr, "fleetplan: error: a command is required: one of {} {}\n",
                 fmt::join(commands, ", "), help);
      return kExitInput;
    }
  }
  fmt::print(stderr, "fleetplan: error: {} {}\n", error.what(), help);
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
