// Serving engines as data (data/catalog/engines/engines.yaml; a folder of its own, as the catalog
// reads every YAML file of data/catalog/): the layouts each supports, its default KV-cache format,
// its batch and token caps, each with a source; and the engine a family is served with by default.
#pragma once

#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "core/result.h"
#include "perf/perf.h"

namespace fleetplan::perf {

//! One serving engine.
struct Engine {
  std::string name;   //!< "trtllm", "vllm", "sglang", "mindie", "chitu"
  std::string title;  //!< "TensorRT-LLM"
  //! "fp8-where-native": FP8 beside FP8/FP4 weights on chips with FP8 units, else BF16;
  //! "bf16": the model's activation format unless asked otherwise.
  std::string kv_cache = "fp8-where-native";
  int max_batch = 2048;         //!< default cap on sequences in flight per replica
  int max_num_tokens = 8192;    //!< default token budget per step
  bool pipeline = true;         //!< supports pipeline parallelism
  bool expert_parallel = true;  //!< supports expert parallelism
  bool attention_dp = false;    //!< supports attention data-parallel (DP attention)
  bool disaggregation = false;  //!< prefill and decode instances apart, KV moved between them
  bool mtp = false;             //!< speculative decoding with the model's MTP modules
  std::string source;
};

class EngineTable {
 public:
  //! Loads data_dir()/catalog/engines/engines.yaml.
  static Result<EngineTable> load_builtin();
  static Result<EngineTable> load_file(const std::string& path);
  //! The engine of this name, or an error listing the known ones.
  [[nodiscard]] Result<const Engine*> find(const std::string& name) const;
  //! The engine a family is served with by default (the best-supported one on it).
  [[nodiscard]] const Engine& default_for(const std::string& family) const;
  [[nodiscard]] const std::vector<Engine>& engines() const { return engines_; }

 private:
  std::vector<Engine> engines_;
  std::vector<std::pair<std::string, std::string>> defaults_;  // family -> engine
  std::string fallback_ = "trtllm";
};

//! The factors an estimate on `family` under `engine` uses.
struct ResolvedFactors {
  Efficiency efficiency;     //!< named "family/engine"
  std::string fitted_entry;  //!< the efficiency.yaml entry they come from
  bool fallback = false;     //!< true when no factors were fitted for this family x engine
  std::string note;          //!< says which entry stood in, when `fallback`
};
//! The fitted factors of family x engine, else the nearest fitted ones (the family under
//! another engine, else the defaults) with this engine's batch and token caps.
ResolvedFactors resolve_factors(const EfficiencyTable& table, const std::string& family,
                                const Engine& engine);
//! A copy of `table` in which `family/engine` resolves to `resolved` (what estimate() reads).
EfficiencyTable with_resolved(const EfficiencyTable& table, const ResolvedFactors& resolved);
//! The layouts `engine` supports, as estimate() takes them.
LayoutSupport layout_support(const Engine& engine);

//! The KV-cache format `engine` uses by default beside these weights on this chip.
catalog::Precision engine_kv_cache(const Engine& engine, const catalog::Accelerator& accelerator,
                                   catalog::Precision weights);

}  // namespace fleetplan::perf
