#include "index/template_store.h"

#include <rapidjson/document.h>

#include <algorithm>

#include "index/alias.h"
#include "index/index_settings.h"
#include "index/mapping.h"
#include "index/template_merge.h"
#include "json/json_writer.h"
#include "json/value_text.h"
#include "storage/store.h"
#include "util/wildcard.h"

namespace sluice::index {

struct TemplateStore::Entry {
  std::string name;
  std::string body;  // as put (persisted; parsed again at open)
  std::vector<std::string> patterns;
  int64_t priority = 0;  // composable: priority; legacy: order
  bool has_priority = false;
  std::optional<int64_t> version;
  std::optional<std::vector<std::string>> composed_of;
  bool has_template = false;  // composable/component: a "template" object
  std::map<std::string, std::string> settings;
  std::optional<std::string> mappings;
  std::optional<std::map<std::string, std::string>> aliases;  // name -> AliasMetadata JSON
  std::string meta;                                           // _meta JSON, "" when none
};

namespace {

using util::Status;

constexpr std::string_view KindPrefix(TemplateKind kind) {
  switch (kind) {
    case TemplateKind::kComposable:
      return "template/composable/";
    case TemplateKind::kComponent:
      return "template/component/";
    case TemplateKind::kLegacy:
      break;
  }
  return "template/legacy/";
}

Status UnknownField(std::string_view object, std::string_view key) {
  return Status(util::Code::kInvalidArgument, "x_content_parse_exception",
                "[" + std::string(object) + "] unknown field [" + std::string(key) + "]");
}

util::Result<int64_t> IntField(const rapidjson::Value& v, std::string_view key) {
  if (v.IsInt64()) return v.GetInt64();
  if (v.IsString()) {
    try {
      size_t pos = 0;
      int64_t x = std::stoll(v.GetString(), &pos);
      if (pos == v.GetStringLength()) return x;
    } catch (...) {
    }
  }
  return util::InvalidArgument("[" + std::string(key) + "] must be an integer");
}

util::Result<std::vector<std::string>> StringList(const rapidjson::Value& v, std::string_view key) {
  std::vector<std::string> out;
  if (v.IsString()) {
    out.emplace_back(v.GetString(), v.GetStringLength());
    return out;
  }
  if (!v.IsArray()) return util::InvalidArgument("[" + std::string(key) + "] must be a list");
  for (const auto& e : v.GetArray()) {
    if (!e.IsString()) {
      return util::InvalidArgument("[" + std::string(key) + "] must be a list of strings");
    }
    out.emplace_back(e.GetString(), e.GetStringLength());
  }
  return out;
}

// The settings, mappings and aliases members of a template (or of its
// "template" object).
Status ParseParts(const std::string& key, const rapidjson::Value& v, TemplateStore::Entry* e) {
  if (key == "settings") {
    if (!v.IsObject()) return util::InvalidArgument("[settings] must be an object");
    SLUICE_ASSIGN_OR_RETURN(auto overrides, IndexSettings::ParseOverrides(json::ValueText(v)));
    for (auto& [k, val] : overrides) {
      if (val) e->settings[k] = *val;
    }
  } else if (key == "mappings") {
    if (!v.IsObject()) return util::MapperParsingError("[mappings] must be an object");
    std::string mappings = NormalizeTemplateMappings(json::ValueText(v));
    if (mappings != "{}") {
      auto parsed = Mapping::Parse(mappings, /*knn_enabled=*/true);
      if (!parsed.ok()) {
        return util::MapperParsingError("Failed to parse mapping [_doc]: " +
                                        parsed.status().reason())
            .WithCause(parsed.status());
      }
    }
    e->mappings = mappings;
  } else if (key == "aliases") {
    if (!v.IsObject()) return util::ParsingError("[aliases] must be an object");
    e->aliases.emplace();
    for (auto a = v.MemberBegin(); a != v.MemberEnd(); ++a) {
      std::string alias = a->name.GetString();
      SLUICE_RETURN_IF_ERROR(ValidateAliasName(alias));
      if (!a->value.IsObject()) return util::ParsingError("[" + alias + "] must be an object");
      SLUICE_ASSIGN_OR_RETURN(AliasMetadata meta, ParseAliasMetadata(json::ValueText(a->value)));
      (*e->aliases)[alias] = meta.ToJson();
    }
  } else {
    return UnknownField("template", key);
  }
  return Status::Ok();
}

util::Result<TemplateStore::Entry> ParseEntry(TemplateKind kind, std::string_view name,
                                              std::string_view body) {
  TemplateStore::Entry e;
  e.name = std::string(name);
  e.body = std::string(body);
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return util::ParseError("Failed to parse content to map");
  }
  const char* object = kind == TemplateKind::kComposable  ? "index_template"
                       : kind == TemplateKind::kComponent ? "component_template"
                                                          : "template";
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    const rapidjson::Value& v = it->value;
    if (key == "version") {
      if (!v.IsNull()) {
        SLUICE_ASSIGN_OR_RETURN(e.version, IntField(v, key));
      }
    } else if (key == "_meta" && kind != TemplateKind::kLegacy) {
      if (!v.IsObject()) return util::InvalidArgument("[_meta] must be an object");
      e.meta = json::ValueText(v);
    } else if ((key == "index_patterns" ||
                (key == "template" && kind == TemplateKind::kLegacy && v.IsString())) &&
               kind != TemplateKind::kComponent) {
      SLUICE_ASSIGN_OR_RETURN(e.patterns, StringList(v, key));
    } else if (key == "template" && kind != TemplateKind::kLegacy) {
      if (!v.IsObject()) return util::InvalidArgument("[template] must be an object");
      e.has_template = true;
      for (auto p = v.MemberBegin(); p != v.MemberEnd(); ++p) {
        SLUICE_RETURN_IF_ERROR(ParseParts(p->name.GetString(), p->value, &e));
      }
    } else if (kind == TemplateKind::kLegacy &&
               (key == "settings" || key == "mappings" || key == "aliases")) {
      SLUICE_RETURN_IF_ERROR(ParseParts(key, v, &e));
    } else if (key == "order" && kind == TemplateKind::kLegacy) {
      SLUICE_ASSIGN_OR_RETURN(e.priority, IntField(v, key));
    } else if (key == "priority" && kind == TemplateKind::kComposable) {
      if (!v.IsNull()) {
        SLUICE_ASSIGN_OR_RETURN(e.priority, IntField(v, key));
        e.has_priority = true;
        if (e.priority < 0) return util::InvalidArgument("priority must be a non-negative integer");
      }
    } else if (key == "composed_of" && kind == TemplateKind::kComposable) {
      SLUICE_ASSIGN_OR_RETURN(e.composed_of, StringList(v, key));
    } else if ((key == "data_stream" || key == "allow_auto_create") &&
               kind == TemplateKind::kComposable) {
      continue;  // accepted; sluice has no data streams
    } else {
      return UnknownField(object, key);
    }
  }
  if (kind != TemplateKind::kComponent && e.patterns.empty()) {
    return Status(util::Code::kInvalidArgument, "action_request_validation_exception",
                  "Validation Failed: 1: index patterns are missing;");
  }
  if (kind == TemplateKind::kComponent && !e.has_template) {
    return Status(util::Code::kInvalidArgument, "x_content_parse_exception",
                  "[component_template] Required [template]");
  }
  return e;
}

void WriteTemplateParts(json::JsonWriter& w, const TemplateStore::Entry& e, bool flat,
                        bool always) {
  if (always || !e.settings.empty()) {
    w.Key("settings")
        .Raw(flat ? IndexSettings::FlatJson(e.settings) : IndexSettings::NestFlat(e.settings));
  }
  if (always || e.mappings) w.Key("mappings").Raw(e.mappings.value_or("{}"));
  if (always || e.aliases) {
    w.Key("aliases").StartObject();
    if (e.aliases) {
      for (const auto& [alias, meta] : *e.aliases) w.Key(alias).Raw(meta);
    }
    w.EndObject();
  }
}

std::string Render(TemplateKind kind, const TemplateStore::Entry& e, bool flat) {
  json::JsonWriter w;
  w.StartObject();
  if (kind == TemplateKind::kLegacy) {
    w.Key("order").Int(e.priority);
    if (e.version) w.Key("version").Int(*e.version);
    w.Key("index_patterns").StartArray();
    for (const auto& p : e.patterns) w.String(p);
    w.EndArray();
    WriteTemplateParts(w, e, flat, /*always=*/true);
  } else {
    if (kind == TemplateKind::kComposable) {
      w.Key("index_patterns").StartArray();
      for (const auto& p : e.patterns) w.String(p);
      w.EndArray();
    }
    if (e.has_template) {
      w.Key("template").StartObject();
      WriteTemplateParts(w, e, flat, /*always=*/false);
      w.EndObject();
    }
    if (kind == TemplateKind::kComposable) {
      w.Key("composed_of").StartArray();
      for (const auto& c : e.composed_of.value_or(std::vector<std::string>{})) w.String(c);
      w.EndArray();
      if (e.has_priority) w.Key("priority").Int(e.priority);
    }
    if (e.version) w.Key("version").Int(*e.version);
    if (!e.meta.empty()) w.Key("_meta").Raw(e.meta);
  }
  w.EndObject();
  return w.Take();
}

bool Matches(const TemplateStore::Entry& e, std::string_view index) {
  for (const auto& p : e.patterns) {
    if (util::WildcardMatch(p, index)) return true;
  }
  return false;
}

// Whether some index name could match both patterns (approximated: one
// pattern matches the other, or they are equal).
bool Overlap(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  for (const auto& x : a) {
    for (const auto& y : b) {
      if (x == y || util::WildcardMatch(x, y) || util::WildcardMatch(y, x)) return true;
    }
  }
  return false;
}

std::string JoinPatterns(const std::vector<std::string>& patterns) {
  std::string out;
  for (const auto& p : patterns) out += (out.empty() ? "" : ", ") + p;
  return out;
}

bool NameMatches(std::string_view names, std::string_view name) {
  if (names.empty() || names == "*" || names == "_all") return true;
  size_t start = 0;
  while (start <= names.size()) {
    size_t comma = names.find(',', start);
    std::string_view part = names.substr(start, comma == names.npos ? names.npos : comma - start);
    if (util::WildcardMatch(part, name)) return true;
    if (comma == names.npos) break;
    start = comma + 1;
  }
  return false;
}

}  // namespace

util::Result<std::unique_ptr<TemplateStore>> TemplateStore::Open(storage::Store* store) {
  std::unique_ptr<TemplateStore> templates(new TemplateStore(store));
  util::WriterMutexLock lock(&templates->mu_);  // not shared yet: uncontended
  for (TemplateKind kind :
       {TemplateKind::kComposable, TemplateKind::kComponent, TemplateKind::kLegacy}) {
    std::string prefix(KindPrefix(kind));
    Entries& entries = const_cast<Entries&>(templates->EntriesOf(kind));
    Status scan = store->Scan(storage::Column::kMeta, prefix,
                              [&](std::string_view key, std::string_view value) {
                                std::string name(key.substr(prefix.size()));
                                auto parsed = ParseEntry(kind, name, value);
                                if (parsed.ok()) {
                                  entries[name] = std::make_shared<Entry>(std::move(*parsed));
                                }
                                return true;
                              });
    SLUICE_RETURN_IF_ERROR(scan);
  }
  return templates;
}

const TemplateStore::Entries& TemplateStore::EntriesOf(TemplateKind kind) const {
  switch (kind) {
    case TemplateKind::kComposable:
      return composable_;
    case TemplateKind::kComponent:
      return component_;
    case TemplateKind::kLegacy:
      break;
  }
  return legacy_;
}

Status TemplateStore::Put(TemplateKind kind, std::string_view name, std::string_view body,
                          bool create) {
  if (name.empty()) {
    return Status(util::Code::kInvalidArgument, "action_request_validation_exception",
                  "Validation Failed: 1: name is missing;");
  }
  SLUICE_ASSIGN_OR_RETURN(Entry entry, ParseEntry(kind, name, body));
  util::WriterMutexLock lock(&mu_);
  Entries& entries = const_cast<Entries&>(EntriesOf(kind));
  if (create && entries.count(name) > 0) {
    const char* what = kind == TemplateKind::kComposable  ? "index template ["
                       : kind == TemplateKind::kComponent ? "component template ["
                                                          : "index_template [";
    return util::InvalidArgument(what + std::string(name) + "] already exists");
  }
  if (kind == TemplateKind::kComposable) {
    std::string missing;
    for (const auto& c : entry.composed_of.value_or(std::vector<std::string>{})) {
      if (component_.count(c) == 0) missing += (missing.empty() ? "" : ", ") + c;
    }
    if (!missing.empty()) {
      return util::InvalidArgument("index template [" + std::string(name) +
                                   "] specifies component templates [" + missing +
                                   "] that do not exist");
    }
    for (const auto& [other_name, other] : composable_) {
      if (other_name == name || other->priority != entry.priority) continue;
      if (Overlap(other->patterns, entry.patterns)) {
        return util::InvalidArgument(
            "index template [" + std::string(name) + "] has index patterns [" +
            JoinPatterns(entry.patterns) + "] matching patterns from existing templates [" +
            other_name + "] with patterns (" + other_name + " => [" +
            JoinPatterns(other->patterns) + "]) that have the same priority [" +
            std::to_string(entry.priority) +
            "], multiple index templates may not match during index creation, please use a "
            "different priority");
      }
    }
  }
  storage::WriteBatch batch;
  batch.Put(storage::Column::kMeta, std::string(KindPrefix(kind)) + std::string(name), body);
  SLUICE_RETURN_IF_ERROR(store_->Write(batch));
  entries[std::string(name)] = std::make_shared<Entry>(std::move(entry));
  return Status::Ok();
}

Status TemplateStore::Delete(TemplateKind kind, std::string_view names) {
  util::WriterMutexLock lock(&mu_);
  Entries& entries = const_cast<Entries&>(EntriesOf(kind));
  std::vector<std::string> doomed;
  for (const auto& [n, e] : entries) {
    if (NameMatches(names, n)) doomed.push_back(n);
  }
  bool wildcard = names.find('*') != names.npos || names == "_all";
  if (doomed.empty() && !wildcard) {
    std::string n(names);
    if (kind == TemplateKind::kComponent) {
      return util::NotFound("resource_not_found_exception", n);
    }
    return util::NotFound("index_template_missing_exception", "index_template [" + n + "] missing");
  }
  if (kind == TemplateKind::kComponent) {
    for (const auto& c : doomed) {
      for (const auto& [tn, t] : composable_) {
        const auto& uses = t->composed_of.value_or(std::vector<std::string>{});
        if (std::find(uses.begin(), uses.end(), c) != uses.end()) {
          return util::InvalidArgument("component templates [" + c +
                                       "] cannot be removed as they are still in use by index "
                                       "templates [" +
                                       tn + "]");
        }
      }
    }
  }
  storage::WriteBatch batch;
  for (const auto& n : doomed)
    batch.Delete(storage::Column::kMeta, std::string(KindPrefix(kind)) + n);
  SLUICE_RETURN_IF_ERROR(store_->Write(batch));
  for (const auto& n : doomed) entries.erase(n);
  return Status::Ok();
}

util::Result<std::vector<std::pair<std::string, std::string>>> TemplateStore::Get(
    TemplateKind kind, std::string_view names, bool flat_settings) const {
  util::ReaderMutexLock lock(&mu_);
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [n, e] : EntriesOf(kind)) {
    if (NameMatches(names, n)) out.emplace_back(n, Render(kind, *e, flat_settings));
  }
  bool wildcard = names.empty() || names.find('*') != names.npos || names == "_all";
  if (out.empty() && !wildcard) {
    const char* what = kind == TemplateKind::kComponent ? "component template matching ["
                                                        : "index template matching [";
    return util::NotFound("resource_not_found_exception",
                          what + std::string(names) + "] not found");
  }
  return out;
}

bool TemplateStore::Exists(TemplateKind kind, std::string_view names) const {
  util::ReaderMutexLock lock(&mu_);
  for (const auto& [n, e] : EntriesOf(kind)) {
    if (NameMatches(names, n)) return true;
  }
  return false;
}

std::vector<TemplateSummary> TemplateStore::List() const {
  util::ReaderMutexLock lock(&mu_);
  std::vector<TemplateSummary> out;
  for (TemplateKind kind : {TemplateKind::kLegacy, TemplateKind::kComposable}) {
    for (const auto& [n, e] : EntriesOf(kind)) {
      out.push_back({n, e->patterns, e->priority, e->version,
                     e->composed_of.value_or(std::vector<std::string>{}), kind});
    }
  }
  return out;
}

std::vector<std::shared_ptr<const TemplateStore::Entry>> TemplateStore::Layers(
    std::string_view name) const {
  util::ReaderMutexLock lock(&mu_);
  std::shared_ptr<const Entry> best;
  for (const auto& [n, e] : composable_) {
    if (Matches(*e, name) && (!best || e->priority > best->priority)) best = e;
  }
  std::vector<std::shared_ptr<const Entry>> layers;
  if (best) {
    for (const auto& c : best->composed_of.value_or(std::vector<std::string>{})) {
      if (auto it = component_.find(c); it != component_.end()) layers.push_back(it->second);
    }
    layers.push_back(best);
    return layers;
  }
  for (const auto& [n, e] : legacy_) {
    if (Matches(*e, name)) layers.push_back(e);
  }
  std::stable_sort(layers.begin(), layers.end(),
                   [](const auto& a, const auto& b) { return a->priority < b->priority; });
  return layers;
}

std::string TemplateStore::MatchingComposable(std::string_view name) const {
  util::ReaderMutexLock lock(&mu_);
  std::shared_ptr<const Entry> best;
  for (const auto& [n, e] : composable_) {
    if (Matches(*e, name) && (!best || e->priority > best->priority)) best = e;
  }
  return best ? best->name : "";
}

util::Result<std::string> TemplateStore::Compose(std::string_view name,
                                                 std::string_view body) const {
  auto layers = Layers(name);
  if (layers.empty()) return std::string(body);
  std::vector<TemplateLayer> parts;
  for (const auto& e : layers) {
    TemplateLayer layer;
    layer.settings = e->settings;
    layer.mappings = e->mappings;
    if (e->aliases) layer.aliases = *e->aliases;
    parts.push_back(std::move(layer));
  }
  return ComposeCreateBody(parts, body);
}

}  // namespace sluice::index
