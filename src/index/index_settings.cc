#include "index/index_settings.h"

#include <rapidjson/document.h>

#include <array>
#include <memory>
#include <vector>

#include "json/json_writer.h"

namespace sluice::index {
namespace {

using util::InvalidArgument;
using util::Status;

// Settings sluice acts on or accepts as OpenSearch does (stored, echoed).
constexpr std::array<std::string_view, 24> kKnownSettings = {
    "index.number_of_shards", "index.number_of_replicas", "index.knn",
    "index.knn.algo_param.ef_search", "index.knn.algo_param.m",
    "index.knn.algo_param.ef_construction", "index.knn.space_type",
    "index.knn.advanced.approximate_threshold",
    "index.knn.advanced.filtered_exact_search_threshold",
    "index.knn.faiss.efficient_filter.disable_exact_search", "index.knn.derived_source.enabled",
    "index.knn.memory_optimized_search", "index.refresh_interval", "index.max_result_window",
    "index.auto_expand_replicas", "index.codec", "index.hidden", "index.priority",
    "index.max_inner_result_window", "index.default_pipeline", "index.final_pipeline",
    "index.replication.type", "index.write.wait_for_active_shards", "index.query.default_field"};
// Families of settings accepted by prefix.
constexpr std::array<std::string_view, 12> kKnownPrefixes = {
    "index.analysis.", "index.mapping.",  "index.similarity.",   "index.translog.",
    "index.routing.",  "index.blocks.",   "index.search.",       "index.merge.",
    "index.sort.",     "index.indexing.", "index.query_string.", "index.unassigned."};
// Settings OpenSearch lets change on an open index (Property.Dynamic); the
// rest of kKnownSettings and kKnownPrefixes only on a closed one, and these
// never (Property.Final, or fixed at creation).
constexpr std::array<std::string_view, 16> kDynamicSettings = {
    "index.number_of_replicas",
    "index.knn.algo_param.ef_search",
    "index.refresh_interval",
    "index.max_result_window",
    "index.auto_expand_replicas",
    "index.hidden",
    "index.priority",
    "index.max_inner_result_window",
    "index.default_pipeline",
    "index.final_pipeline",
    "index.write.wait_for_active_shards",
    "index.query.default_field",
    "index.knn.advanced.approximate_threshold",
    "index.knn.advanced.filtered_exact_search_threshold",
    "index.knn.faiss.efficient_filter.disable_exact_search",
    "index.query_string.lenient"};
constexpr std::array<std::string_view, 7> kDynamicPrefixes = {
    "index.blocks.", "index.routing.", "index.translog.",  "index.search.",
    "index.merge.",  "index.mapping.", "index.unassigned."};
constexpr std::array<std::string_view, 4> kFinalSettings = {"index.number_of_shards",
                                                            "index.number_of_routing_shards",
                                                            "index.replication.type", "index.knn"};
// OpenSearch's request limits and other real index settings sluice stores and
// echoes without acting on them (one shard: routing shards change nothing).
// Each is an integer >= 0, checked as OpenSearch parses it.
constexpr std::array<std::string_view, 12> kStoredIntSettings = {
    "index.number_of_routing_shards",
    "index.analyze.max_token_count",
    "index.highlight.max_analyzed_offset",
    "index.max_terms_count",
    "index.max_docvalue_fields_search",
    "index.max_script_fields",
    "index.max_regex_length",
    "index.max_ngram_diff",
    "index.max_shingle_diff",
    "index.max_rescore_window",
    "index.max_slices_per_scroll",
    "index.max_adjacency_matrix_filters"};
// Settings OpenSearch generates; users may not set them.
constexpr std::array<std::string_view, 4> kPrivateSettings = {
    "index.uuid", "index.creation_date", "index.provided_name", "index.version.created"};

bool IsDynamic(std::string_view key) {
  for (auto k : kDynamicSettings) {
    if (k == key) return true;
  }
  for (auto p : kDynamicPrefixes) {
    if (key.substr(0, p.size()) == p) return true;
  }
  for (auto k : kStoredIntSettings) {
    if (k == key) return k != "index.number_of_routing_shards";
  }
  return false;
}

bool IsFinal(std::string_view key) {
  for (auto k : kFinalSettings) {
    if (k == key) return true;
  }
  return false;
}

bool IsKnown(std::string_view key) {
  for (auto k : kKnownSettings) {
    if (k == key) return true;
  }
  for (auto p : kKnownPrefixes) {
    if (key.substr(0, p.size()) == p) return true;
  }
  for (auto k : kStoredIntSettings) {
    if (k == key) return true;
  }
  return false;
}

std::string ScalarText(const rapidjson::Value& v) {
  if (v.IsString()) return v.GetString();
  if (v.IsBool()) return v.GetBool() ? "true" : "false";
  if (v.IsInt64()) return std::to_string(v.GetInt64());
  if (v.IsNumber()) {
    std::string s = std::to_string(v.GetDouble());
    while (s.size() > 1 && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  }
  return "";
}

// A JSON null becomes nullopt (a reset, for PUT _settings).
void Flatten(const rapidjson::Value& v, const std::string& prefix,
             std::vector<std::pair<std::string, std::optional<std::string>>>* out) {
  for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
    std::string key = prefix.empty() ? it->name.GetString() : prefix + "." + it->name.GetString();
    if (it->value.IsNull()) {
      out->emplace_back(key, std::nullopt);
    } else if (it->value.IsObject()) {
      Flatten(it->value, key, out);
    } else if (it->value.IsArray()) {
      std::string joined;
      for (const auto& e : it->value.GetArray()) {
        joined += (joined.empty() ? "" : ",") + ScalarText(e);
      }
      out->emplace_back(key, joined);
    } else {
      out->emplace_back(key, ScalarText(it->value));
    }
  }
}

util::Result<int> ParseInt(const std::string& key, const std::string& value, int min) {
  size_t pos = 0;
  long long x = 0;
  try {
    x = std::stoll(value, &pos);
  } catch (...) {
    pos = 0;
  }
  if (pos == 0 || pos != value.size() || x > 2147483647LL) {
    return InvalidArgument("Failed to parse value [" + value + "] for setting [" + key + "]");
  }
  if (x < min) {
    return InvalidArgument("Failed to parse value [" + value + "] for setting [" + key +
                           "] must be >= " + std::to_string(min));
  }
  return static_cast<int>(x);
}

}  // namespace

Status IndexSettings::Set(const std::string& raw_key, const std::string& value) {
  std::string key = raw_key.rfind("index.", 0) == 0 ? raw_key : "index." + raw_key;
  for (auto p : kPrivateSettings) {
    if (p == key) {
      return InvalidArgument("private index setting [" + key + "] can not be set explicitly");
    }
  }
  if (!IsKnown(key)) {
    return InvalidArgument("unknown setting [" + key +
                           "] please check that any required plugins are installed, or check the "
                           "breaking changes documentation for removed settings");
  }
  flat_[key] = value;
  return Status::Ok();
}

Status IndexSettings::Resolve() {
  auto get = [&](const char* key) -> const std::string* {
    auto it = flat_.find(key);
    return it == flat_.end() ? nullptr : &it->second;
  };
  if (auto* v = get("index.number_of_shards")) {
    SLUICE_ASSIGN_OR_RETURN(number_of_shards_, ParseInt("index.number_of_shards", *v, 1));
  }
  if (auto* v = get("index.number_of_replicas")) {
    SLUICE_ASSIGN_OR_RETURN(number_of_replicas_, ParseInt("index.number_of_replicas", *v, 0));
  }
  if (auto* v = get("index.knn")) {
    if (*v != "true" && *v != "false") {
      return InvalidArgument("Failed to parse value [" + *v +
                             "] as only [true] or [false] are allowed.");
    }
    knn_ = *v == "true";
  }
  if (auto* v = get("index.knn.algo_param.ef_search")) {
    SLUICE_ASSIGN_OR_RETURN(knn_ef_search_, ParseInt("index.knn.algo_param.ef_search", *v, 2));
  }
  if (auto* v = get("index.max_result_window")) {
    SLUICE_ASSIGN_OR_RETURN(max_result_window_, ParseInt("index.max_result_window", *v, 1));
  }
  for (auto k : kStoredIntSettings) {
    std::string key(k);
    if (auto* v = get(key.c_str())) {
      SLUICE_RETURN_IF_ERROR(
          ParseInt(key, *v, key == "index.number_of_routing_shards" ? 1 : 0).status());
    }
  }
  return Status::Ok();
}

util::Result<IndexSettings> IndexSettings::Parse(std::string_view settings_json) {
  IndexSettings settings;
  if (!settings_json.empty()) {
    rapidjson::Document doc;
    doc.Parse(settings_json.data(), settings_json.size());
    if (doc.HasParseError() || !doc.IsObject()) {
      return util::ParseError("Failed to parse settings: expected a JSON object");
    }
    std::vector<std::pair<std::string, std::optional<std::string>>> flat;
    Flatten(doc, "", &flat);
    for (const auto& [k, v] : flat) {
      if (v) SLUICE_RETURN_IF_ERROR(settings.Set(k, *v));
    }
  }
  SLUICE_RETURN_IF_ERROR(settings.Resolve());
  settings.flat_.emplace("index.number_of_shards", std::to_string(settings.number_of_shards_));
  settings.flat_.emplace("index.number_of_replicas",
                         std::to_string(settings.number_of_replicas_));
  return settings;
}

util::Result<IndexSettings> IndexSettings::FromFlatJson(std::string_view flat_json) {
  rapidjson::Document doc;
  doc.Parse(flat_json.data(), flat_json.size());
  if (doc.HasParseError() || !doc.IsObject()) return util::Internal("corrupt index settings");
  IndexSettings settings;
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    settings.flat_[it->name.GetString()] = ScalarText(it->value);
  }
  SLUICE_RETURN_IF_ERROR(settings.Resolve());
  return settings;
}

void IndexSettings::SetGenerated(std::string_view name, std::string_view uuid,
                                 int64_t creation_date_ms) {
  flat_["index.provided_name"] = std::string(name);
  flat_["index.uuid"] = std::string(uuid);
  flat_["index.creation_date"] = std::to_string(creation_date_ms);
  flat_["index.version.created"] = "137277827";  // OpenSearch 2.19.0's version id
  flat_.emplace("index.replication.type", "DOCUMENT");
}

std::string IndexSettings::ToFlatJson() const { return FlatJson(flat_); }

std::string IndexSettings::FlatJson(const std::map<std::string, std::string>& flat) {
  json::JsonWriter w;
  w.StartObject();
  for (const auto& [k, v] : flat) w.Key(k).String(v);
  w.EndObject();
  return w.Take();
}

util::Result<IndexSettings::Overrides> IndexSettings::ParseOverrides(
    std::string_view settings_json) {
  Overrides out;
  if (settings_json.empty()) return out;
  rapidjson::Document doc;
  doc.Parse(settings_json.data(), settings_json.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return util::ParseError("Failed to parse settings: expected a JSON object");
  }
  const rapidjson::Value* root = &doc;
  if (doc.MemberCount() == 1 && doc.HasMember("settings") && doc["settings"].IsObject()) {
    root = &doc["settings"];
  }
  std::vector<std::pair<std::string, std::optional<std::string>>> flat;
  Flatten(*root, "", &flat);
  IndexSettings check;  // validates names and values as a create would
  for (auto& [k, v] : flat) {
    std::string key = k.rfind("index.", 0) == 0 ? k : "index." + k;
    if (v) SLUICE_RETURN_IF_ERROR(check.Set(key, *v));
    out[key] = std::move(v);
  }
  SLUICE_RETURN_IF_ERROR(check.Resolve());
  return out;
}

util::Result<IndexSettings> IndexSettings::WithUpdates(const Overrides& updates,
                                                       std::string_view index_label,
                                                       bool index_open,
                                                       bool preserve_existing) const {
  std::string final_keys, static_keys;
  for (const auto& [key, value] : updates) {
    for (auto p : kPrivateSettings) {
      if (p == key) {
        return InvalidArgument("private index setting [" + key + "] can not be set explicitly");
      }
    }
    if (!IsKnown(key)) {
      return InvalidArgument("unknown setting [" + key +
                             "] please check that any required plugins are installed, or check "
                             "the breaking changes documentation for removed settings");
    }
    if (IsFinal(key)) {
      return InvalidArgument("final index setting [" + key + "], not updateable");
    }
    if (!IsDynamic(key)) static_keys += (static_keys.empty() ? "" : ", ") + key;
  }
  if (index_open && !static_keys.empty()) {
    return InvalidArgument("Can't update non dynamic settings [[" + static_keys +
                           "]] for open indices [[" + std::string(index_label) + "]]");
  }
  IndexSettings next = *this;
  for (const auto& [key, value] : updates) {
    if (preserve_existing && next.flat_.count(key) > 0) continue;
    if (value) {
      next.flat_[key] = *value;
    } else if (key != "index.number_of_replicas") {
      next.flat_.erase(key);
    } else {
      next.flat_[key] = "1";  // the default, which GET _settings always shows
    }
  }
  next.number_of_replicas_ = 1;
  next.knn_ef_search_ = 100;
  next.max_result_window_ = 10000;
  SLUICE_RETURN_IF_ERROR(next.Resolve());
  return next;
}

namespace {

// A settings tree for nested rendering. A key that is both a value and a
// prefix of other keys ("knn" and "knn.algo_param.ef_search") keeps its value
// and renders the longer keys as "knn.algo_param": {...}, as OpenSearch does.
struct SettingsNode {
  std::optional<std::string> value;
  std::map<std::string, std::unique_ptr<SettingsNode>> children;
};

void RenderChildren(json::JsonWriter& w, const SettingsNode& node, const std::string& prefix) {
  for (const auto& [name, child] : node.children) {
    std::string key = prefix.empty() ? name : prefix + "." + name;
    if (child->value) {
      w.Key(key).String(*child->value);
      RenderChildren(w, *child, key);  // longer keys stay dotted beside the value
    } else {
      w.Key(key).StartObject();
      RenderChildren(w, *child, "");
      w.EndObject();
    }
  }
}

}  // namespace

std::string IndexSettings::ToNestedJson() const { return NestFlat(flat_); }

std::string IndexSettings::NestFlat(const std::map<std::string, std::string>& flat) {
  SettingsNode root;
  for (const auto& [key, value] : flat) {
    SettingsNode* node = &root;
    size_t start = 0;
    while (true) {
      size_t dot = key.find('.', start);
      std::string part = key.substr(start, dot == std::string::npos ? key.npos : dot - start);
      auto& child = node->children[part];
      if (!child) child = std::make_unique<SettingsNode>();
      node = child.get();
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    node->value = value;
  }
  json::JsonWriter w;
  w.StartObject();
  RenderChildren(w, root, "");
  w.EndObject();
  return w.Take();
}

}  // namespace sluice::index
