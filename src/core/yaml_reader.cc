#include "core/yaml_reader.h"

#include <cmath>
#include <cstdint>
#include <map>
#include <sstream>
#include <unordered_map>

#include <fmt/format.h>

#include <yaml-cpp/eventhandler.h>

#include "core/file.h"
#include "core/utf8.h"

namespace fleetplan::yaml {
namespace {

std::string describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) {
    return "nothing";
  }
  if (node.IsScalar()) {
    return fmt::format("'{}'", node.Scalar());
  }
  if (node.IsSequence()) {
    return "a list";
  }
  return "a mapping";
}

// Counts the nodes of the first document as they would be after alias expansion, from the
// parser's events (where an alias is one event, never a copy), and stops at the limit. A
// "billion laughs" file of a few KB names 10^9 nodes through nested aliases; every walk over
// the loaded tree (duplicate keys, unknown fields) would then follow each alias again.
class ExpansionCounter : public YAML::EventHandler {
 public:
  explicit ExpansionCounter(std::uint64_t limit) : limit_(limit) {}

  [[nodiscard]] bool over() const { return over_; }
  [[nodiscard]] const YAML::Mark& where() const { return where_; }

  void OnDocumentStart(const YAML::Mark& /*mark*/) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override { leaf(mark, anchor, 1); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    const auto found = sizes_.find(anchor);
    leaf(mark, 0, found == sizes_.end() ? 1 : found->second);
  }
  void OnScalar(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t anchor,
                const std::string& /*value*/) override {
    leaf(mark, anchor, 1);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value /*style*/) override {
    last_ = mark;
    open_.push_back({anchor, 1});
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value /*style*/) override {
    last_ = mark;
    open_.push_back({anchor, 1});
  }
  void OnMapEnd() override { close(); }

 private:
  struct Open {
    YAML::anchor_t anchor;
    std::uint64_t nodes;  // this collection and what it holds so far, aliases expanded
  };
  void leaf(const YAML::Mark& mark, YAML::anchor_t anchor, std::uint64_t nodes) {
    last_ = mark;
    if (anchor != 0) {
      sizes_[anchor] = nodes;
    }
    attach(nodes);
  }
  void close() {
    if (open_.empty()) {
      return;
    }
    const Open done = open_.back();
    open_.pop_back();
    if (done.anchor != 0) {
      sizes_[done.anchor] = done.nodes;
    }
    attach(done.nodes);
  }
  // Adds a finished node to the collection it sits in. Every count stays at most `limit_`
  // (the first one past it stops the count), so the sums cannot overflow.
  void attach(std::uint64_t nodes) {
    if (over_) {
      return;
    }
    std::uint64_t& count = open_.empty() ? total_ : open_.back().nodes;
    count += nodes;
    if (count > limit_) {
      over_ = true;
      where_ = last_;
    }
  }

  std::uint64_t limit_;
  std::uint64_t total_ = 0;
  bool over_ = false;
  YAML::Mark last_;
  YAML::Mark where_;
  std::vector<Open> open_;
  std::unordered_map<YAML::anchor_t, std::uint64_t> sizes_;
};

}  // namespace

Result<YAML::Node> load_string(const std::string& text, const std::string& name) {
  FLEETPLAN_RETURN_IF_ERROR(utf8::check(text, name));
  try {
    std::istringstream in(text);
    YAML::Parser parser(in);
    ExpansionCounter counter(kMaxNodes);
    parser.HandleNextDocument(counter);
    if (counter.over()) {
      return input_error(fmt::format(
          "{}:{}:{}: the YAML document has more than {} nodes once its aliases (*name) are "
          "expanded; a data file this large is refused (an alias bomb?)",
          name, counter.where().line + 1, counter.where().column + 1, kMaxNodes));
    }
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return input_error(fmt::format("{}:{}:{}: YAML syntax error: {}", name, e.mark.line + 1,
                                   e.mark.column + 1, e.msg));
  }
}

Result<YAML::Node> load_file(const std::string& path) {
  auto text = files::read_text(path, kMaxFileBytes);
  FLEETPLAN_RETURN_IF_ERROR(text);
  return load_string(*text, path);
}

Reader::Reader(const YAML::Node& node, std::string file, std::string path)
    : Reader(node, std::make_shared<Sink>(Sink{std::move(file), {}}), std::move(path)) {
  if (!node_.IsDefined() || node_.IsNull()) {
    node_.reset(YAML::Node(YAML::NodeType::Map));  // rebind; operator= would rewrite the tree
  } else if (!node_.IsMap()) {
    fail_here(fmt::format("expected a mapping of fields, got {}", describe(node_)));
  }
}

Reader::Reader(const YAML::Node& node, std::shared_ptr<Sink> sink, std::string path)
    : node_(node), errors_(std::move(sink)), path_(std::move(path)) {}

std::string Reader::child_path(std::string_view key) const {
  return path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key);
}

std::string Reader::location(const YAML::Node& at) const {
  const YAML::Mark mark = at.Mark();
  if (mark.line < 0) {
    return errors_->file;
  }
  return fmt::format("{}:{}:{}", errors_->file, mark.line + 1, mark.column + 1);
}

bool Reader::has(std::string_view key) const {
  if (!node_.IsMap()) {
    return false;
  }
  const YAML::Node child = node_[std::string(key)];
  return child.IsDefined() && !child.IsNull();
}

YAML::Node Reader::get(std::string_view key) {
  seen_.emplace(key);
  if (!node_.IsMap()) {
    return {};
  }
  return node_[std::string(key)];
}

void Reader::fail(std::string_view key, const std::string& message) {
  // Locate by mark, never by assigning nodes: yaml-cpp's Node::operator= rewrites the node
  // it refers to, which would corrupt the mapping being reported on.
  const YAML::Node& here = node_;
  std::string place = location(here);
  if (here.IsMap()) {
    const YAML::Node child = here[std::string(key)];
    if (child.IsDefined()) {
      place = location(child);
    }
  }
  errors_->errors.push_back(fmt::format("{}: {}: {}", place, child_path(key), message));
}

void Reader::fail_here(const std::string& message) {
  errors_->errors.push_back(
      fmt::format("{}: {}: {}", location(node_), path_.empty() ? "(top level)" : path_, message));
}

double Reader::number(std::string_view key, double min, double max) {
  auto value = optional_number(key, min, max);
  if (!value && !has(key)) {
    fail(key, fmt::format("required number is missing (expected a value in [{}, {}])", min, max));
  }
  return value.value_or(0.0);
}

std::optional<double> Reader::optional_number(std::string_view key, double min, double max) {
  const YAML::Node child = get(key);
  if (!child.IsDefined() || child.IsNull()) {
    return std::nullopt;
  }
  double value = 0;
  if (!child.IsScalar() || !YAML::convert<double>::decode(child, value) || !std::isfinite(value)) {
    fail(key, fmt::format("expected a number, got {}", describe(child)));
    return std::nullopt;
  }
  if (value < min || value > max) {
    fail(key,
         fmt::format("value {} is out of range; expected a number in [{}, {}]", value, min, max));
    return std::nullopt;
  }
  return value;
}

double Reader::number_or(std::string_view key, double fallback, double min, double max) {
  return optional_number(key, min, max).value_or(fallback);
}

std::optional<long long> Reader::optional_integer(std::string_view key, long long min,
                                                  long long max) {
  const YAML::Node child = get(key);
  if (!child.IsDefined() || child.IsNull()) {
    return std::nullopt;
  }
  long long value = 0;
  if (!child.IsScalar() || !YAML::convert<long long>::decode(child, value)) {
    fail(key, fmt::format("expected a whole number, got {}", describe(child)));
    return std::nullopt;
  }
  if (value < min || value > max) {
    fail(key, fmt::format("value {} is out of range; expected a whole number in [{}, {}]", value,
                          min, max));
    return std::nullopt;
  }
  return value;
}

long long Reader::integer(std::string_view key, long long min, long long max) {
  auto value = optional_integer(key, min, max);
  if (!value && !has(key)) {
    fail(key,
         fmt::format("required whole number is missing (expected a value in [{}, {}])", min, max));
  }
  return value.value_or(0);
}

long long Reader::integer_or(std::string_view key, long long fallback, long long min,
                             long long max) {
  return optional_integer(key, min, max).value_or(fallback);
}

std::optional<std::string> Reader::optional_string(std::string_view key) {
  const YAML::Node child = get(key);
  if (!child.IsDefined() || child.IsNull()) {
    return std::nullopt;
  }
  if (!child.IsScalar()) {
    fail(key, fmt::format("expected text, got {}", describe(child)));
    return std::nullopt;
  }
  return child.Scalar();
}

std::string Reader::string(std::string_view key) {
  auto value = optional_string(key);
  if (!value && !has(key)) {
    fail(key, "required text field is missing");
  }
  return value.value_or("");
}

std::string Reader::string_or(std::string_view key, std::string fallback) {
  return optional_string(key).value_or(std::move(fallback));
}

std::string Reader::choice_or(std::string_view key, const std::vector<std::string>& choices,
                              std::string fallback) {
  auto value = optional_string(key);
  if (!value) {
    return fallback;
  }
  for (const auto& c : choices) {
    if (*value == c) {
      return *value;
    }
  }
  fail(key,
       fmt::format("'{}' is not allowed; expected one of: {}", *value, fmt::join(choices, ", ")));
  return fallback;
}

std::string Reader::choice(std::string_view key, const std::vector<std::string>& choices) {
  if (!has(key)) {
    get(key);
    fail(key,
         fmt::format("required field is missing; expected one of: {}", fmt::join(choices, ", ")));
    return "";
  }
  return choice_or(key, choices, "");
}

bool Reader::boolean_or(std::string_view key, bool fallback) {
  const YAML::Node child = get(key);
  if (!child.IsDefined() || child.IsNull()) {
    return fallback;
  }
  bool value = false;
  if (!child.IsScalar() || !YAML::convert<bool>::decode(child, value)) {
    fail(key, fmt::format("expected true or false, got {}", describe(child)));
    return fallback;
  }
  return value;
}

bool Reader::boolean(std::string_view key) {
  if (!has(key)) {
    get(key);
    fail(key, "required field is missing; expected true or false");
    return false;
  }
  return boolean_or(key, false);
}

Reader Reader::map(std::string_view key, bool required) {
  const YAML::Node child = get(key);
  if (!child.IsDefined() || child.IsNull()) {
    if (required) {
      fail(key, "required section is missing");
    }
    return {YAML::Node(YAML::NodeType::Map), errors_, child_path(key)};
  }
  if (!child.IsMap()) {
    fail(key, fmt::format("expected a mapping of fields, got {}", describe(child)));
    return {YAML::Node(YAML::NodeType::Map), errors_, child_path(key)};
  }
  return {child, errors_, child_path(key)};
}

std::vector<Reader> Reader::list(std::string_view key, bool required) {
  const YAML::Node child = get(key);
  std::vector<Reader> items;
  if (!child.IsDefined() || child.IsNull()) {
    if (required) {
      fail(key, "required list is missing");
    }
    return items;
  }
  if (!child.IsSequence()) {
    fail(key, fmt::format("expected a list, got {}", describe(child)));
    return items;
  }
  for (std::size_t i = 0; i < child.size(); ++i) {
    const std::string item_path = fmt::format("{}[{}]", child_path(key), i);
    const YAML::Node item = child[i];
    if (!item.IsMap()) {
      errors_->errors.push_back(fmt::format("{}: {}: expected a mapping of fields, got {}",
                                            location(item), item_path, describe(item)));
      continue;
    }
    items.push_back(Reader(item, errors_, item_path));
  }
  return items;
}

std::vector<std::string> Reader::string_list(std::string_view key, bool required) {
  const YAML::Node child = get(key);
  std::vector<std::string> items;
  if (!child.IsDefined() || child.IsNull()) {
    if (required) {
      fail(key, "required list is missing");
    }
    return items;
  }
  if (!child.IsSequence()) {
    fail(key, fmt::format("expected a list of names, got {}", describe(child)));
    return items;
  }
  for (std::size_t i = 0; i < child.size(); ++i) {
    if (!child[i].IsScalar()) {
      errors_->errors.push_back(fmt::format("{}: {}[{}]: expected a name, got {}",
                                            location(child[i]), child_path(key), i,
                                            describe(child[i])));
      continue;
    }
    items.push_back(child[i].Scalar());
  }
  return items;
}

std::vector<std::string> Reader::keys() const {
  std::vector<std::string> out;
  if (!node_.IsMap()) {
    return out;
  }
  for (const auto& kv : node_) {
    out.push_back(kv.first.Scalar());
  }
  return out;
}

void Reader::reject_unknown_fields() {
  if (!node_.IsMap()) {
    return;
  }
  // YAML requires unique keys, but yaml-cpp keeps repeats and its lookups see only the first
  // one: a repeated field would be silently ignored, so it is an error.
  std::map<std::string, int, std::less<>> first_line;
  for (const auto& kv : node_) {
    const std::string& key = kv.first.Scalar();
    const auto [first, inserted] = first_line.emplace(key, kv.first.Mark().line + 1);
    if (!inserted) {
      errors_->errors.push_back(
          fmt::format("{}: {}: field '{}' is given more than once (first on line {}); keep one",
                      location(kv.first), child_path(key), key, first->second));
      continue;
    }
    if (!seen_.contains(key)) {
      errors_->errors.push_back(
          fmt::format("{}: {}: unknown field '{}'", location(kv.first), child_path(key), key));
    }
  }
}

void Reader::renamed(std::string_view old_name, std::string_view new_name) {
  seen_.emplace(old_name);
  if (!node_.IsMap()) {
    return;
  }
  for (const auto& kv : node_) {
    if (kv.first.IsScalar() && kv.first.Scalar() == old_name) {
      errors_->errors.push_back(fmt::format("{}: {}: `{}` was renamed `{}`", location(kv.first),
                                            child_path(old_name), old_name, new_name));
      return;
    }
  }
}

Status Reader::status() const {
  if (errors_->errors.empty()) {
    return {};
  }
  return input_error(errors_->errors.front());
}

}  // namespace fleetplan::yaml
