#include "catalog/catalog.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include <fmt/format.h>

#include "core/data_dir.h"
#include "core/suggest.h"
#include "core/units.h"
#include "core/yaml_reader.h"

namespace fleetplan::catalog {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

template <typename T>
Result<const T*> find_named(const std::vector<T>& items, std::string_view name,
                            std::string_view what) {
  const std::string key = lower(name);
  for (const auto& item : items) {
    if (lower(item.name) == key) {
      return &item;
    }
  }
  std::vector<std::string> known;
  known.reserve(items.size());
  for (const auto& item : items) {
    known.push_back(item.name);
  }
  const std::vector<std::string> names = closest_names(name, known);
  return not_found_error(
      fmt::format("unknown {} '{}'; closest known: {} (see `fleetplan catalog {}s`)", what, name,
                  fmt::join(names, ", "), what));
}

template <typename T>
T* find_mutable(std::vector<T>& items, std::string_view name) {
  const std::string key = lower(name);
  for (auto& item : items) {
    if (lower(item.name) == key) {
      return &item;
    }
  }
  return nullptr;
}

std::string where(const yaml::Reader& r) {
  const YAML::Mark mark = r.node().Mark();
  return fmt::format("{}:{}", r.file(), mark.line + 1);
}

// Setters that only touch a field when the entry names it, so `base:` entries edit a copy.
void set_text(yaml::Reader& r, std::string_view key, std::string& field) {
  if (auto v = r.optional_string(key)) {
    field = *v;
  }
}
void set_int(yaml::Reader& r, std::string_view key, int& field, long long min, long long max) {
  if (auto v = r.optional_integer(key, min, max)) {
    field = static_cast<int>(*v);
  }
}
void set_scaled(yaml::Reader& r, std::string_view key, double& field, double scale, double max) {
  if (auto v = r.optional_number(key, 0.0, max)) {
    field = *v * scale;
  }
}
void set_bool(yaml::Reader& r, std::string_view key, bool& field) {
  if (r.has(key)) {
    field = r.boolean_or(key, field);
  } else {
    r.optional_string(key);  // mark as seen when present as null
  }
}

void read_accelerator(yaml::Reader& r, Accelerator& a) {
  set_text(r, "vendor", a.vendor);
  set_text(r, "family", a.family);
  set_text(r, "form_factor", a.form_factor);
  set_int(r, "year", a.year, 1990, 2100);
  set_scaled(r, "memory_gb", a.memory_bytes, units::kGiga, 1e5);
  set_scaled(r, "memory_bw_tbps", a.memory_bw, units::kTera, 1e3);
  if (r.has("dense_tflops")) {
    yaml::Reader flops = r.map("dense_tflops");
    for (int p = 0; p < kPrecisionCount; ++p) {
      const auto name = std::string(precision_name(static_cast<Precision>(p)));
      set_scaled(flops, name, a.dense_flops[p], units::kTera, 1e6);
    }
    flops.reject_unknown_fields();
  } else {
    r.optional_string("dense_tflops");
  }
  // FP16 tensor rate equals BF16 on every catalogued chip unless stated.
  if (a.dense_flops[static_cast<int>(Precision::kFp16)] == 0) {
    a.dense_flops[static_cast<int>(Precision::kFp16)] = a.dense_flops[0];
  }
  set_scaled(r, "scaleup_bw_gbps_per_dir", a.scaleup_bw, units::kGiga, 1e5);
  set_int(r, "scaleup_domain", a.scaleup_domain, 1, 1 << 20);
  if (auto v = r.optional_number("scaleout_gbps", 0.0, 1e5)) {
    a.scaleout_bw = units::bytes_per_second_from_gigabits(*v);
  }
  if (auto v = r.optional_number("tdp_w", 0.0, 1e5)) {
    a.tdp_w = *v;
  }
  if (auto v = r.optional_number("price_usd", 0.0, 1e8)) {
    a.price_usd = *v;
  }
  set_text(r, "price_source", a.price_source);
  set_text(r, "export_status_to_china", a.export_status_to_china);
  set_bool(r, "domestic_china", a.domestic_china);
  set_bool(r, "estimate", a.estimate);
  set_text(r, "sources", a.sources);
  set_text(r, "notes", a.notes);
}

void read_model(yaml::Reader& r, Model& m) {
  set_text(r, "family", m.family);
  set_scaled(r, "params_total_b", m.params_total, 1e9, 1e5);
  set_scaled(r, "params_active_b", m.params_active, 1e9, 1e5);
  set_int(r, "layers", m.layers, 1, 100000);
  set_int(r, "hidden", m.hidden, 1, 1 << 24);
  set_int(r, "ffn_hidden", m.ffn_hidden, 1, 1 << 24);
  set_int(r, "heads", m.heads, 1, 1 << 16);
  set_int(r, "kv_heads", m.kv_heads, 1, 1 << 16);
  set_int(r, "head_dim", m.head_dim, 1, 1 << 16);
  set_int(r, "vocab", m.vocab, 1, 1 << 24);
  set_int(r, "experts", m.experts, 0, 1 << 16);
  set_int(r, "experts_active", m.experts_active, 0, 1 << 16);
  set_int(r, "shared_experts", m.shared_experts, 0, 1 << 16);
  set_int(r, "moe_ffn_hidden", m.moe_ffn_hidden, 0, 1 << 24);
  set_int(r, "dense_layers", m.dense_layers, 0, 100000);
  set_int(r, "moe_layer_step", m.moe_layer_step, 1, 100);
  set_int(r, "dense_ffn_hidden", m.dense_ffn_hidden, 0, 1 << 24);
  if (auto att = r.optional_string("attention")) {
    const std::string a = lower(*att);
    if (a == "mha") {
      m.attention = Attention::kMha;
    } else if (a == "gqa" || a == "mqa") {
      m.attention = Attention::kGqa;
    } else if (a == "mla") {
      m.attention = Attention::kMla;
    } else {
      r.fail("attention",
             fmt::format("'{}' is not allowed; expected one of: MHA, GQA, MQA, MLA", *att));
    }
  }
  set_int(r, "kv_lora_rank", m.kv_lora_rank, 0, 1 << 20);
  set_int(r, "qk_rope_dim", m.qk_rope_dim, 0, 1 << 20);
  set_int(r, "q_lora_rank", m.q_lora_rank, 0, 1 << 20);
  set_int(r, "v_head_dim", m.v_head_dim, 0, 1 << 20);
  set_int(r, "sliding_window", m.sliding_window, 0, 1 << 30);
  set_int(r, "sliding_window_layers", m.sliding_window_layers, 0, 100000);
  set_int(r, "max_context", m.max_context, 1, 1 << 30);
  set_bool(r, "gated_ffn", m.gated_ffn);
  set_int(r, "mtp_layers", m.mtp_layers, 0, 16);
  if (auto v = r.optional_number("mtp_acceptance", 0.0, 1.0)) {
    m.mtp_acceptance = *v;
  }
  set_text(r, "sources", m.sources);
  set_text(r, "notes", m.notes);
}

void validate_accelerator(yaml::Reader& r, const Accelerator& a) {
  if (a.vendor.empty()) {
    r.fail("vendor", "required text field is missing");
  }
  if (a.family.empty()) {
    r.fail("family", "required text field is missing");
  }
  if (a.sources.empty()) {
    r.fail("sources", "every entry needs its sources (where the figures come from)");
  }
  if (a.has_performance_figures() && a.scaleup_domain > 1 && a.scaleup_bw <= 0) {
    r.fail("scaleup_bw_gbps_per_dir",
           fmt::format("a scale-up domain of {} needs its bandwidth", a.scaleup_domain));
  }
}

// The model's sizes: the whole numbers it needs, its parameters, and heads that split over
// its KV heads.
void validate_model_sizes(yaml::Reader& r, const Model& m) {
  const auto need = [&](std::string_view key, int value) {
    if (value <= 0) {
      r.fail(key, "required whole number is missing or zero");
    }
  };
  need("layers", m.layers);
  need("hidden", m.hidden);
  need("ffn_hidden", m.ffn_hidden);
  need("heads", m.heads);
  need("kv_heads", m.kv_heads);
  need("head_dim", m.head_dim);
  need("vocab", m.vocab);
  if (m.params_total <= 0) {
    r.fail("params_total_b", "required number is missing or zero");
  }
  if (m.params_active <= 0 || m.params_active > m.params_total * 1.0001) {
    r.fail("params_active_b",
           fmt::format(
               "active parameters ({:.3g} B) must be positive and at most the total ({:.3g} B)",
               m.params_active / 1e9, m.params_total / 1e9));
  }
  if (m.kv_heads > m.heads && m.heads > 0) {
    r.fail("kv_heads", fmt::format("{} KV heads exceed the {} query heads", m.kv_heads, m.heads));
  } else if (m.attention != Attention::kMla && m.kv_heads > 0 && m.heads % m.kv_heads != 0) {
    r.fail("kv_heads", fmt::format("{} query heads do not split evenly over {} KV heads (grouped "
                                   "attention shares each KV head among a whole group)",
                                   m.heads, m.kv_heads));
  }
}

// The model's layer counts: dense, sliding-window and multi-token-prediction layers against
// its layers and the figures they need.
void validate_model_layers(yaml::Reader& r, const Model& m) {
  // Layer counts that the architecture cannot have: each would make a share of the layers
  // negative (negative weight memory, a negative count of MoE layers).
  if (m.layers > 0 && m.dense_layers > m.layers) {
    r.fail("dense_layers",
           fmt::format("{} dense layers exceed the model's {} layers", m.dense_layers, m.layers));
  } else if (m.experts > 0 && m.layers > 0 && m.dense_layers == m.layers) {
    r.fail("dense_layers", fmt::format("all {} layers are dense, so the {} experts are in none; "
                                       "an MoE model needs at least one MoE layer",
                                       m.layers, m.experts));
  }
  if (m.layers > 0 && m.sliding_window_layers > m.layers) {
    r.fail("sliding_window_layers",
           fmt::format("{} sliding-window layers exceed the model's {} layers",
                       m.sliding_window_layers, m.layers));
  } else if (m.sliding_window_layers > 0 && m.sliding_window == 0) {
    r.fail("sliding_window", fmt::format("{} layers use a sliding window, but its width is "
                                         "missing (tokens, > 0)",
                                         m.sliding_window_layers));
  }
  if (m.mtp_layers > 0 && m.mtp_acceptance <= 0) {
    r.fail("mtp_acceptance", fmt::format("{} multi-token prediction layers need their published "
                                         "acceptance rate (a share, > 0 and <= 1)",
                                         m.mtp_layers));
  } else if (m.mtp_layers == 0 && m.mtp_acceptance > 0) {
    r.fail("mtp_layers", fmt::format("an acceptance rate of {} is given, but the model has no "
                                     "multi-token prediction layers (mtp_layers: 0 or absent)",
                                     m.mtp_acceptance));
  }
}

// The model's experts (fields only an MoE model has, and those it needs) and its MLA figures.
void validate_model_experts(yaml::Reader& r, const Model& m) {
  if (m.experts == 0) {
    for (const auto& [key, value] : {std::pair{"experts_active", m.experts_active},
                                     {"shared_experts", m.shared_experts},
                                     {"moe_ffn_hidden", m.moe_ffn_hidden}}) {
      if (value > 0) {
        r.fail(key, fmt::format("{} is {}, but the model has no routed experts (experts: 0 or "
                                "absent)",
                                key, value));
      }
    }
  }
  if (m.experts > 0) {
    if (m.experts_active <= 0 || m.experts_active > m.experts) {
      r.fail("experts_active",
             fmt::format("expected 1..{} active experts, got {}", m.experts, m.experts_active));
    }
    if (m.moe_ffn_hidden <= 0) {
      r.fail("moe_ffn_hidden", "an MoE model needs its per-expert FFN width");
    }
  }
  if (m.attention == Attention::kMla && (m.kv_lora_rank <= 0 || m.qk_rope_dim <= 0)) {
    r.fail("kv_lora_rank", "MLA attention needs kv_lora_rank and qk_rope_dim");
  } else if (m.attention == Attention::kMla && m.head_dim > 0 && m.qk_rope_dim >= m.head_dim) {
    r.fail("qk_rope_dim", fmt::format("the rope part ({}) of an MLA head must be smaller than the "
                                      "head ({}): head_dim = qk_nope_dim + qk_rope_dim",
                                      m.qk_rope_dim, m.head_dim));
  }
}

void validate_model(yaml::Reader& r, const Model& m) {
  validate_model_sizes(r, m);
  validate_model_layers(r, m);
  validate_model_experts(r, m);
  if (m.sources.empty()) {
    r.fail("sources", "every entry needs its sources (where the figures come from)");
  }
}

template <typename T, typename ReadFn, typename ValidateFn>
void read_entries(yaml::Reader& root, std::string_view section, std::vector<T>& items, ReadFn read,
                  ValidateFn validate) {
  for (yaml::Reader& r : root.list(section, false)) {
    const std::string name = r.string("name");
    if (name.empty()) {
      continue;
    }
    T entry;
    if (auto base = r.optional_string("base")) {
      if (const T* from = find_mutable(items, *base)) {
        entry = *from;
      } else {
        r.fail("base", fmt::format("'{}' names no earlier entry to start from", *base));
        continue;
      }
    }
    read(r, entry);
    entry.name = name;
    entry.defined_in = where(r);
    validate(r, entry);
    r.reject_unknown_fields();
    if (T* existing = find_mutable(items, name)) {
      *existing = entry;
    } else {
      items.push_back(entry);
    }
  }
}

}  // namespace

std::string_view precision_name(Precision p) {
  switch (p) {
    case Precision::kBf16:
      return "bf16";
    case Precision::kFp16:
      return "fp16";
    case Precision::kFp8:
      return "fp8";
    case Precision::kInt8:
      return "int8";
    case Precision::kFp4:
      return "fp4";
  }
  return "?";
}

Result<Precision> parse_precision(std::string_view text) {
  const std::string t = lower(text);
  if (t == "bf16" || t == "bfloat16") {
    return Precision::kBf16;
  }
  if (t == "fp16" || t == "float16" || t == "half") {
    return Precision::kFp16;
  }
  if (t == "fp8" || t == "float8" || t == "e4m3") {
    return Precision::kFp8;
  }
  if (t == "int8" || t == "w8a8") {
    return Precision::kInt8;
  }
  if (t == "fp4" || t == "nvfp4" || t == "mxfp4") {
    return Precision::kFp4;
  }
  return input_error(
      fmt::format("unknown precision '{}'; expected one of: bf16, fp16, fp8, int8, fp4", text));
}

double bytes_per_element(Precision p) {
  switch (p) {
    case Precision::kBf16:
    case Precision::kFp16:
      return 2.0;
    case Precision::kFp8:
    case Precision::kInt8:
      return 1.0;
    case Precision::kFp4:
      return 4.5 / 8.0;  // 4-bit values plus one 8-bit scale per 16 (NVFP4) or 32 (MXFP4)
  }
  return 2.0;
}

double Accelerator::peak_flops(Precision p) const {
  if (p == Precision::kBf16 && dense_flops[0] <= 0) {
    return dense_flops[static_cast<int>(Precision::kFp16)];  // FP16-only parts (older chips)
  }
  const double native_rate = dense_flops[static_cast<int>(p)];
  if (native_rate > 0) {
    return native_rate;
  }
  // No native units: the format is upcast and runs at the next wider rate available.
  switch (p) {
    case Precision::kFp4: {
      const double fp8 = dense_flops[static_cast<int>(Precision::kFp8)];
      return fp8 > 0 ? fp8 : peak_flops(Precision::kBf16);
    }
    case Precision::kFp8:
    case Precision::kInt8:
    case Precision::kFp16:
    case Precision::kBf16:
      return peak_flops(Precision::kBf16);
  }
  return peak_flops(Precision::kBf16);
}

int Model::moe_layers() const {
  if (experts <= 0) {
    return 0;
  }
  const int candidates = layers - dense_layers;
  return (candidates + moe_layer_step - 1) / moe_layer_step;
}

Status Catalog::add_text(const std::string& text, const std::string& name) {
  auto node = yaml::load_string(text, name);
  FLEETPLAN_RETURN_IF_ERROR(node);
  yaml::Reader root(*node, name);
  read_entries(root, "accelerators", accelerators_, read_accelerator, validate_accelerator);
  read_entries(root, "models", models_, read_model, validate_model);
  root.reject_unknown_fields();
  return root.status();
}

Status Catalog::add_file(const std::string& path) {
  auto node = yaml::load_file(path);
  FLEETPLAN_RETURN_IF_ERROR(node);
  yaml::Reader root(*node, path);
  read_entries(root, "accelerators", accelerators_, read_accelerator, validate_accelerator);
  read_entries(root, "models", models_, read_model, validate_model);
  root.reject_unknown_fields();
  return root.status();
}

Result<Catalog> Catalog::load_files(const std::vector<std::string>& files) {
  Catalog catalog;
  for (const auto& file : files) {
    FLEETPLAN_RETURN_IF_ERROR(catalog.add_file(file));
  }
  return catalog;
}

Result<Catalog> Catalog::load(const std::vector<std::string>& extra_files) {
  const std::filesystem::path dir = std::filesystem::path(data_dir()) / "catalog";
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".yaml") {
      files.push_back(entry.path().string());
    }
  }
  if (ec || files.empty()) {
    return internal_error(
        fmt::format("built-in catalog not found in {} (set FLEETPLAN_DATA_DIR to the data/ folder)",
                    dir.string()));
  }
  std::sort(files.begin(), files.end());  // deterministic order
  files.insert(files.end(), extra_files.begin(), extra_files.end());
  return load_files(files);
}

Result<const Accelerator*> Catalog::accelerator(std::string_view name) const {
  return find_named(accelerators_, name, "accelerator");
}

Result<const Model*> Catalog::model(std::string_view name) const {
  return find_named(models_, name, "model");
}

}  // namespace fleetplan::catalog
