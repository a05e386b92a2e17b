#include "perf/engine.h"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "core/data_dir.h"
#include "core/yaml_reader.h"
#include "perf/perf.h"

namespace fleetplan::perf {

Result<EngineTable> EngineTable::load_file(const std::string& path) {
  auto node = yaml::load_file(path);
  FLEETPLAN_RETURN_IF_ERROR(node);
  yaml::Reader root(*node, path);
  EngineTable table;
  for (yaml::Reader& r : root.list("engines")) {
    Engine e;
    e.name = r.string("name");
    e.title = r.string("title");
    e.kv_cache = r.choice("kv_cache", {"fp8-where-native", "bf16"});
    e.max_batch = static_cast<int>(r.integer("max_batch", 1, 1 << 20));
    e.max_num_tokens = static_cast<int>(r.integer("max_num_tokens", 1, 1 << 24));
    yaml::Reader layouts = r.map("layouts");
    e.pipeline = layouts.boolean("pipeline");
    e.expert_parallel = layouts.boolean("expert_parallel");
    e.attention_dp = layouts.boolean("attention_dp");
    e.disaggregation = layouts.boolean("disaggregation");
    e.mtp = layouts.boolean("mtp");
    layouts.reject_unknown_fields();
    e.source = r.string("source");
    r.reject_unknown_fields();
    table.engines_.push_back(e);
  }
  for (yaml::Reader& r : root.list("defaults")) {
    const std::string family = r.string("family");
    const std::string engine = r.string("engine");
    r.reject_unknown_fields();
    FLEETPLAN_RETURN_IF_ERROR(root.status());
    if (!table.find(engine).ok()) {
      return input_error(
          fmt::format("{}: {}.engine: '{}' is not an engine of this file", path, r.path(), engine));
    }
    table.defaults_.emplace_back(family, engine);
  }
  root.reject_unknown_fields();
  FLEETPLAN_RETURN_IF_ERROR(root.status());
  if (!table.find(table.fallback_).ok()) {
    return input_error(
        fmt::format("{}: engines: '{}' (the default engine) is missing", path, table.fallback_));
  }
  return table;
}

Result<EngineTable> EngineTable::load_builtin() {
  return load_file(
      (std::filesystem::path(data_dir()) / "catalog" / "engines" / "engines.yaml").string());
}

Result<const Engine*> EngineTable::find(const std::string& name) const {
  std::string known;
  for (const Engine& e : engines_) {
    if (e.name == name) {
      return &e;
    }
    known += known.empty() ? e.name : ", " + e.name;
  }
  return input_error(fmt::format("engine '{}' is not known (known: {})", name, known));
}

const Engine& EngineTable::default_for(const std::string& family) const {
  for (const auto& [f, engine] : defaults_) {
    if (f == family) {
      return **find(engine);
    }
  }
  return **find(fallback_);
}

ResolvedFactors resolve_factors(const EfficiencyTable& table, const std::string& family,
                                const Engine& engine) {
  const std::string key = family + "/" + engine.name;
  ResolvedFactors out;
  const Efficiency& found = table.for_family(family, engine.name);
  out.efficiency = found;
  out.fitted_entry = found.family;
  out.fallback = !(found.family == key || (engine.name == "trtllm" && found.family == family));
  if (out.fallback) {
    out.efficiency.max_batch = std::min(found.max_batch, engine.max_batch);
    out.efficiency.max_num_tokens = engine.max_num_tokens;
    out.note = fmt::format(
        "no factors fitted for {}: using those of {} with {}'s caps (batch {}, {} tokens a step)",
        key, found.family, engine.title, out.efficiency.max_batch, out.efficiency.max_num_tokens);
  }
  out.efficiency.family = key;
  return out;
}

EfficiencyTable with_resolved(const EfficiencyTable& table, const ResolvedFactors& resolved) {
  EfficiencyTable copy = table;
  copy.set(resolved.efficiency);
  return copy;
}

LayoutSupport layout_support(const Engine& engine) {
  LayoutSupport support;
  support.pipeline = engine.pipeline;
  support.expert_parallel = engine.expert_parallel;
  support.attention_dp = engine.attention_dp;
  support.disaggregation = engine.disaggregation;
  support.mtp = engine.mtp;
  return support;
}

catalog::Precision engine_kv_cache(const Engine& engine, const catalog::Accelerator& accelerator,
                                   catalog::Precision weights) {
  if (engine.kv_cache == "bf16") {
    return weights == catalog::Precision::kFp16 ? catalog::Precision::kFp16
                                                : catalog::Precision::kBf16;
  }
  return default_kv_cache(accelerator, weights);
}

}  // namespace fleetplan::perf
