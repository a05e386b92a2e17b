// Golden tests in DuckDB's style: tests/golden/NAME.yaml holds a fleetplan command line
// (and any input files it needs); tests/golden/NAME.json holds the JSON it must print.
//
//   golden_runner --fleetplan BIN --root SRC [--update] NAME...
//
// runs each NAME's command from the source root SRC and compares its standard output, as
// JSON, with NAME.json: a difference prints one line per differing value, with its JSON path
// ("$.periods[0].cost_usd: expected 1.2e+09, got 1.3e+09"); numbers match when within one unit
// of their 7th significant digit. --update writes the output as
// the new NAME.json instead (scripts/golden --update, after an intended change). Exit 0 when
// every test passes, 1 when one fails, 2 on bad use.
//
// NAME.yaml:
//   description: what the test pins down
//   command: estimate --model llama3.1-8b --accelerator H100-SXM --json
//   exit_code: 0            # optional (default 0)
//   files:                  # optional: written to a fresh directory, named {dir} in command
//     small.yaml: |
//       ...
// The command is split at spaces (no quoting); {dir} is that directory, {root} the source root.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include "core/json.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

std::string shell_quote(const std::string& arg) {
  return "'" + replace_all(arg, "'", "'\\''") + "'";
}

std::string short_value(const ordered_json& j) {
  std::string text = j.dump();
  return text.size() > 80 ? text.substr(0, 77) + "..." : text;
}

// Appends one line per difference between `expected` and `actual` under `path`.
void diff(const ordered_json& expected, const ordered_json& actual, const std::string& path,
          std::vector<std::string>& out) {
  if (expected.type() != actual.type() && !(expected.is_number() && actual.is_number())) {
    out.push_back(
        fmt::format("{}: expected {}, got {}", path, short_value(expected), short_value(actual)));
    return;
  }
  if (expected.is_object()) {
    for (const auto& [key, value] : expected.items()) {
      if (!actual.contains(key)) {
        out.push_back(fmt::format("{}.{}: missing (expected {})", path, key, short_value(value)));
      } else {
        diff(value, actual.at(key), path + "." + key, out);
      }
    }
    for (const auto& [key, value] : actual.items()) {
      if (!expected.contains(key)) {
        out.push_back(fmt::format("{}.{}: unexpected (got {})", path, key, short_value(value)));
      }
    }
    return;
  }
  if (expected.is_array()) {
    const std::size_t n = std::min(expected.size(), actual.size());
    for (std::size_t i = 0; i < n; ++i) {
      diff(expected[i], actual[i], fmt::format("{}[{}]", path, i), out);
    }
    if (expected.size() != actual.size()) {
      out.push_back(
          fmt::format("{}: expected {} items, got {}", path, expected.size(), actual.size()));
    }
    return;
  }
  if (expected.is_number() && actual.is_number()) {
    // Both sides are printed with 7 significant digits (core/json.h); a value that lies on a
    // rounding boundary may still come out one unit of the last digit apart between compilers.
    const double e = expected.get<double>();
    const double a = actual.get<double>();
    if (std::fabs(e - a) <= 1.5e-6 * std::max(std::fabs(e), std::fabs(a))) {
      return;
    }
  }
  if (expected != actual) {
    out.push_back(
        fmt::format("{}: expected {}, got {}", path, short_value(expected), short_value(actual)));
  }
}

struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
};

Outcome run(const std::string& fleetplan, const fs::path& root,
            const std::vector<std::string>& args, const fs::path& scratch) {
  std::string command = "cd " + shell_quote(root.string()) + " && " + shell_quote(fleetplan);
  for (const std::string& arg : args) {
    command += " " + shell_quote(arg);
  }
  const fs::path out = scratch / "stdout";
  const fs::path err = scratch / "stderr";
  command += " >" + shell_quote(out.string()) + " 2>" + shell_quote(err.string()) + " </dev/null";
  const int status = std::system(command.c_str());
  Outcome o;
  o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  o.out = read_text(out);
  o.err = read_text(err);
  return o;
}

// Runs one golden test; returns true when it passes (or was updated).
bool run_one(const std::string& name, const std::string& fleetplan, const fs::path& root,
             bool update) {
  const fs::path dir = root / "tests" / "golden";
  const fs::path spec_path = dir / (name + ".yaml");
  const fs::path expected_path = dir / (name + ".json");
  YAML::Node spec;
  try {
    spec = YAML::LoadFile(spec_path.string());
  } catch (const std::exception& e) {
    std::cout << fmt::format("golden {}: cannot read {}: {}\n", name, spec_path.string(), e.what());
    return false;
  }
  if (!spec["command"] || !spec["command"].IsScalar()) {
    std::cout << fmt::format("golden {}: {} has no `command:`\n", name, spec_path.string());
    return false;
  }
  const int expected_exit = spec["exit_code"] ? spec["exit_code"].as<int>() : 0;
  const fs::path scratch = fs::temp_directory_path() /
                           fmt::format("fleetplan-golden-{}-{}", name, static_cast<long>(getpid()));
  fs::remove_all(scratch);
  fs::create_directories(scratch / "files");
  if (spec["files"]) {
    for (const auto& file : spec["files"]) {
      std::ofstream(scratch / "files" / file.first.as<std::string>(), std::ios::binary)
          << file.second.as<std::string>();
    }
  }
  std::vector<std::string> args;
  std::istringstream words(spec["command"].as<std::string>());
  for (std::string word; words >> word;) {
    word = replace_all(word, "{dir}", (scratch / "files").string());
    word = replace_all(word, "{root}", root.string());
    args.push_back(word);
  }
  const Outcome o = run(fleetplan, root, args, scratch);
  fs::remove_all(scratch);
  const std::string shown = "fleetplan " + spec["command"].as<std::string>();
  if (o.exit_code != expected_exit) {
    std::cout << fmt::format("golden {}: `{}` exited {}, expected {}; stderr:\n{}\n", name, shown,
                             o.exit_code, expected_exit, o.err);
    return false;
  }
  ordered_json actual;
  try {
    actual = ordered_json::parse(o.out);
  } catch (const std::exception& e) {
    std::cout << fmt::format("golden {}: `{}` printed no JSON ({}); stdout begins:\n{}\n", name,
                             shown, e.what(), o.out.substr(0, 600));
    return false;
  }
  if (update) {
    std::ofstream(expected_path, std::ios::binary) << fleetplan::json::dump(actual);
    std::cout << fmt::format("golden {}: wrote {}\n", name, expected_path.string());
    return true;
  }
  if (!fs::exists(expected_path)) {
    std::cout << fmt::format("golden {}: no {}; run scripts/golden --update {}\n", name,
                             expected_path.string(), name);
    return false;
  }
  ordered_json expected;
  try {
    expected = ordered_json::parse(read_text(expected_path));
  } catch (const std::exception& e) {
    std::cout << fmt::format("golden {}: {} is not JSON: {}\n", name, expected_path.string(),
                             e.what());
    return false;
  }
  std::vector<std::string> differences;
  diff(expected, actual, "$", differences);
  if (differences.empty()) {
    return true;
  }
  std::cout << fmt::format("golden {}: `{}` differs from {} in {} place{}:\n", name, shown,
                           expected_path.string(), differences.size(),
                           differences.size() == 1 ? "" : "s");
  constexpr std::size_t kShown = 40;
  for (std::size_t i = 0; i < differences.size() && i < kShown; ++i) {
    std::cout << "  " << differences[i] << "\n";
  }
  if (differences.size() > kShown) {
    std::cout << fmt::format("  ... and {} more\n", differences.size() - kShown);
  }
  std::cout << fmt::format(
      "If the change is intended, run `scripts/golden --update {}` and commit {}.\n", name,
      expected_path.filename().string());
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  std::string fleetplan;
  fs::path root;
  bool update = false;
  std::vector<std::string> names;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--fleetplan" && i + 1 < argc) {
      fleetplan = argv[++i];
    } else if (arg == "--root" && i + 1 < argc) {
      root = argv[++i];
    } else if (arg == "--update") {
      update = true;
    } else if (!arg.empty() && arg[0] == '-') {
      std::cerr << "golden_runner: unknown option " << arg << "\n";
      return 2;
    } else {
      names.push_back(arg);
    }
  }
  if (fleetplan.empty() || root.empty()) {
    std::cerr << "usage: golden_runner --fleetplan BIN --root SRC [--update] [NAME...]\n";
    return 2;
  }
  fleetplan = fs::absolute(fleetplan).string();
  if (names.empty()) {
    for (const auto& entry : fs::directory_iterator(root / "tests" / "golden")) {
      if (entry.path().extension() == ".yaml") {
        names.push_back(entry.path().stem().string());
      }
    }
    std::sort(names.begin(), names.end());
  }
  int failed = 0;
  for (const std::string& name : names) {
    if (!run_one(name, fleetplan, root, update)) {
      ++failed;
    }
  }
  if (names.size() > 1) {
    std::cout << fmt::format("golden: {} of {} passed\n", names.size() - failed, names.size());
  }
  return failed == 0 ? 0 : 1;
}
