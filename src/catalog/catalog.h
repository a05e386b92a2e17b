// The catalog: accelerators and LLM architectures, loaded from YAML data
// (built-in data/catalog/*.yaml, then user files that add or override entries).
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace fleetplan::catalog {

//! Numeric formats for weights, activations and the KV cache.
enum class Precision { kBf16, kFp16, kFp8, kInt8, kFp4 };
inline constexpr int kPrecisionCount = 5;

//! "bf16", "fp16", "fp8", "int8", "fp4".
std::string_view precision_name(Precision p);
//! Parses a precision name (case-insensitive; "bfloat16", "float16", "nvfp4", "mxfp4" accepted).
Result<Precision> parse_precision(std::string_view text);
//! Bytes per element, including the block-scale overhead of 4-bit formats (4.5 bits).
double bytes_per_element(Precision p);

//! One accelerator (GPU, NPU, TPU chip, or one package of a multi-die part). SI units.
struct Accelerator {
  std::string name;
  std::string vendor;
  std::string family;  //!< architecture family; efficiency factors are fitted per family
  std::string form_factor;
  int year = 0;
  double memory_bytes = 0;
  double memory_bw = 0;  //!< bytes/s, vendor peak
  //! Dense FLOP/s per precision (index = Precision); 0 when the chip has no such units.
  std::array<double, kPrecisionCount> dense_flops{};
  double scaleup_bw = 0;   //!< bytes/s per direction per accelerator
  int scaleup_domain = 1;  //!< accelerators in one scale-up domain
  double scaleout_bw = 0;  //!< bytes/s of NIC per accelerator
  double tdp_w = 0;
  std::optional<double> price_usd;
  std::string price_source;
  std::string export_status_to_china;
  bool domestic_china = false;
  bool estimate = false;  //!< figures are public estimates, not a datasheet
  std::string sources;
  std::string notes;
  std::string defined_in;  //!< file:line where the entry was read

  //! True when the entry has the figures a performance estimate needs.
  [[nodiscard]] bool has_performance_figures() const {
    return memory_bytes > 0 && memory_bw > 0 && (dense_flops[0] > 0 || dense_flops[1] > 0);
  }
  //! Peak dense FLOP/s for a precision: the native rate, or the best wider format the chip
  //! has (a chip without FP4/FP8 units runs those weights through its BF16 path).
  [[nodiscard]] double peak_flops(Precision p) const;
  //! True when the chip has native tensor units for `p`.
  [[nodiscard]] bool native(Precision p) const { return dense_flops[static_cast<int>(p)] > 0; }
};

//! Attention variants that change KV-cache size and attention cost.
enum class Attention { kMha, kGqa, kMla };

//! One LLM architecture, from its published config.
struct Model {
  std::string name;
  std::string family;
  double params_total = 0;   //!< parameters (not billions)
  double params_active = 0;  //!< parameters touched per token
  int layers = 0;
  int hidden = 0;
  int ffn_hidden = 0;  //!< dense FFN width (per-expert width where every layer is MoE)
  int heads = 0;
  int kv_heads = 0;
  int head_dim = 0;
  int vocab = 0;
  int experts = 0;  //!< routed experts per MoE layer (0 = dense model)
  int experts_active = 0;
  int shared_experts = 0;
  int moe_ffn_hidden = 0;
  int dense_layers = 0;      //!< leading layers with a dense FFN in an MoE model
  int moe_layer_step = 1;    //!< every n-th layer (after the dense ones) is MoE; 2 = alternate
  int dense_ffn_hidden = 0;  //!< FFN width of the non-MoE layers of an MoE model
  Attention attention = Attention::kGqa;
  int kv_lora_rank = 0;  //!< MLA latent width
  int qk_rope_dim = 0;   //!< MLA decoupled rope key width
  int q_lora_rank = 0;
  int v_head_dim = 0;
  int sliding_window = 0;         //!< tokens; 0 = full attention everywhere
  int sliding_window_layers = 0;  //!< how many layers use the window
  int max_context = 0;
  bool gated_ffn = true;  //!< SwiGLU-style three-matrix FFN (false: two matrices, e.g. GPT-J)
  //! Multi-token prediction modules shipped with the weights (DeepSeek-V3: 1, its
  //! num_nextn_predict_layers); each drafts one token a step for speculative decoding.
  int mtp_layers = 0;
  //! Share of drafted tokens the main model accepts (published; 0 = not known).
  double mtp_acceptance = 0;
  std::string sources;
  std::string notes;
  std::string defined_in;

  [[nodiscard]] bool is_moe() const { return experts > 0; }
  //! Number of layers with an MoE FFN.
  [[nodiscard]] int moe_layers() const;
};

//! All accelerators and models known to a run.
class Catalog {
 public:
  //! Loads the built-in catalog (data_dir()/catalog) then each extra file in order;
  //! an entry whose name exists already replaces it (or, with `base:`, edits a copy of it).
  static Result<Catalog> load(const std::vector<std::string>& extra_files = {});
  //! Loads only the given files (tests, tools).
  static Result<Catalog> load_files(const std::vector<std::string>& files);

  //! Finds an accelerator by name (case-insensitive); the error lists near names.
  [[nodiscard]] Result<const Accelerator*> accelerator(std::string_view name) const;
  [[nodiscard]] Result<const Model*> model(std::string_view name) const;
  [[nodiscard]] const std::vector<Accelerator>& accelerators() const { return accelerators_; }
  [[nodiscard]] const std::vector<Model>& models() const { return models_; }

  //! Reads one catalog file (accelerators: and/or models: sections) into this catalog.
  Status add_file(const std::string& path);
  //! Reads catalog YAML text; `name` stands for the file in messages.
  Status add_text(const std::string& text, const std::string& name);

 private:
  std::vector<Accelerator> accelerators_;
  std::vector<Model> models_;
};

}  // namespace fleetplan::catalog
