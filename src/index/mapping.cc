#include "index/mapping.h"

#include <rapidjson/document.h>

#include <set>

#include "index/knn_mapping.h"
#include "json/json_writer.h"
#include "json/value_text.h"

namespace sluice::index {
namespace {

using util::InvalidArgument;
using util::MapperParsingError;
using util::Status;

// Parameters OpenSearch's core mappers accept; sluice stores them and echoes
// them back. Anything else is "unknown parameter".
const std::set<std::string>& CoreParameters() {
  static const std::set<std::string> kParams = {
      "type", "index", "store", "doc_values", "meta", "boost", "copy_to", "fields",
      "null_value", "ignore_malformed", "coerce", "similarity", "norms", "index_options",
      "analyzer", "search_analyzer", "search_quote_analyzer", "term_vector", "fielddata",
      "fielddata_frequency_filter", "eager_global_ordinals", "position_increment_gap",
      "ignore_above", "normalizer", "split_queries_on_whitespace", "format", "locale",
      "scaling_factor", "properties", "dynamic", "enabled", "include_in_parent",
      "include_in_root", "index_prefixes", "index_phrases"};
  return kParams;
}

// Parameters only some types take, beyond the core ones.
bool TakesParameter(FieldType type, std::string_view param) {
  switch (type) {
    case FieldType::kCompletion:
      return param == "preserve_separators" || param == "preserve_position_increments" ||
             param == "max_input_length" || param == "contexts";
    case FieldType::kGeoPoint:
      return param == "ignore_z_value";
    case FieldType::kConstantKeyword:
      return param == "value";
    case FieldType::kTokenCount:
      return param == "enable_position_increments";
    case FieldType::kSearchAsYouType:
      return param == "max_shingle_size";
    case FieldType::kFlatObject:
      return param == "depth_limit";
    default:
      return false;
  }
}

bool TakesAnalyzer(FieldType type) {
  return IsTextual(type) || type == FieldType::kCompletion || type == FieldType::kTokenCount;
}

// Typed parameters sluice acts on (the rest are echoed back as given).
Status ParseTypedParameters(const rapidjson::Value& def, const std::string& name,
                            FieldMapping* field) {
  auto flag = [&](const char* key, bool* out) -> Status {
    auto it = def.FindMember(key);
    if (it == def.MemberEnd()) return Status::Ok();
    if (it->value.IsBool()) {
      *out = it->value.GetBool();
    } else if (it->value.IsString() && (std::string_view(it->value.GetString()) == "true" ||
                                        std::string_view(it->value.GetString()) == "false")) {
      *out = std::string_view(it->value.GetString()) == "true";
    } else {
      return MapperParsingError("Failed to parse value [" + json::ValueText(it->value) +
                                "] as only [true] or [false] are allowed.");
    }
    return Status::Ok();
  };
  field->doc_values = field->type != FieldType::kBinary;
  SLUICE_RETURN_IF_ERROR(flag("coerce", &field->coerce));
  SLUICE_RETURN_IF_ERROR(flag("ignore_malformed", &field->ignore_malformed));
  SLUICE_RETURN_IF_ERROR(flag("doc_values", &field->doc_values));
  SLUICE_RETURN_IF_ERROR(flag("fielddata", &field->fielddata));
  if (field->type == FieldType::kCompletion) {
    auto m = def.FindMember("max_input_length");
    if (m != def.MemberEnd()) {
      if (!m->value.IsInt() || m->value.GetInt() <= 0) {
        return MapperParsingError("[max_input_length] must be > 0 but was [" +
                                  json::ValueText(m->value) + "]");
      }
      field->max_input_length = m->value.GetInt();
    }
  }
  if (field->type == FieldType::kConstantKeyword) {
    auto v = def.FindMember("value");
    if (v == def.MemberEnd()) {
      return Status(util::Code::kInvalidArgument, "parse_exception",
                    "Field [" + name + "] is missing required parameter [value]");
    }
    if (!v->value.IsString()) {
      return Status(util::Code::kInvalidArgument, "parse_exception",
                    "Field [" + name + "] is expected to be a string value");
    }
    field->constant_value = v->value.GetString();
  }
  return Status::Ok();
}

// An alias: only "type" and "path", and the path must name a field defined
// in this mapping (checked once the whole mapping is known: CheckAliases).
Status ParseAlias(const rapidjson::Value& def, const std::string& name, FieldMapping* field) {
  for (auto p = def.MemberBegin(); p != def.MemberEnd(); ++p) {
    std::string_view key = p->name.GetString();
    if (key != "type" && key != "path") {
      return MapperParsingError("unknown parameter [" + std::string(key) + "] on mapper [" + name +
                                "] of type [alias]");
    }
  }
  auto path = def.FindMember("path");
  if (path == def.MemberEnd() || !path->value.IsString()) {
    return MapperParsingError("The [path] property must be specified for field [" + name + "].");
  }
  field->alias_path = path->value.GetString();
  return Status::Ok();
}

const std::set<std::string>& TopLevelKeys() {
  static const std::set<std::string> kKeys = {
      "properties", "dynamic", "_source", "_meta", "_routing", "date_detection",
      "numeric_detection", "dynamic_templates", "dynamic_date_formats", "_field_names"};
  return kKeys;
}

// "analyzer" / "search_analyzer" of a text field (names; the index checks
// that they exist).
Status ParseAnalyzers(const rapidjson::Value& def, const std::string& name, FieldMapping* field) {
  for (const char* key : {"analyzer", "search_analyzer"}) {
    auto it = def.FindMember(key);
    if (it == def.MemberEnd()) continue;
    if (!it->value.IsString()) {
      return MapperParsingError(std::string("[") + key + "] on mapper [" + name +
                                "] must be a string");
    }
    if (!TakesAnalyzer(field->type)) {
      return MapperParsingError(std::string("unknown parameter [") + key + "] on mapper [" + name +
                                "] of type [" + std::string(FieldTypeName(field->type)) + "]");
    }
    (std::string_view(key) == "analyzer" ? field->analyzer : field->search_analyzer) =
        it->value.GetString();
  }
  return Status::Ok();
}

}  // namespace

// A mapping tree node: its parameters as given (minus "properties") and its
// child properties in the order they were defined.
struct Mapping::Node {
  std::string name;
  std::string params_json = "{}";
  std::vector<std::unique_ptr<Node>> children;

  Node* Child(std::string_view n) {
    for (auto& c : children) {
      if (c->name == n) return c.get();
    }
    return nullptr;
  }
  std::unique_ptr<Node> Clone() const {
    auto copy = std::make_unique<Node>();
    copy->name = name;
    copy->params_json = params_json;
    for (const auto& c : children) copy->children.push_back(c->Clone());
    return copy;
  }
};

Mapping::Mapping() : root_(std::make_unique<Node>()) {}
Mapping::~Mapping() = default;
Mapping::Mapping(const Mapping& other)
    : root_(other.root_->Clone()), fields_(other.fields_), dynamic_(other.dynamic_) {}
Mapping& Mapping::operator=(const Mapping& other) {
  if (this != &other) {
    root_ = other.root_->Clone();
    fields_ = other.fields_;
    dynamic_ = other.dynamic_;
  }
  return *this;
}
Mapping::Mapping(Mapping&&) noexcept = default;
Mapping& Mapping::operator=(Mapping&&) noexcept = default;

bool Mapping::empty() const { return fields_.empty() && root_->params_json == "{}"; }

const FieldMapping* Mapping::FindDefined(std::string_view path) const {
  auto it = fields_.find(path);
  return it == fields_.end() ? nullptr : &it->second;
}

const FieldMapping* Mapping::Find(std::string_view path) const {
  const FieldMapping* field = FindDefined(path);
  if (field != nullptr && field->type == FieldType::kAlias) return FindDefined(field->alias_path);
  if (field != nullptr) return field;
  // A leaf below a flat_object: the nearest defined ancestor decides.
  for (size_t dot = path.rfind('.'); dot != std::string_view::npos && dot > 0;
       dot = path.rfind('.', dot - 1)) {
    const FieldMapping* parent = FindDefined(path.substr(0, dot));
    if (parent != nullptr) return parent->type == FieldType::kFlatObject ? parent : nullptr;
  }
  return nullptr;
}

std::string_view Mapping::ResolvePath(std::string_view path) const {
  const FieldMapping* field = FindDefined(path);
  if (field != nullptr && field->type == FieldType::kAlias) return field->alias_path;
  return path;
}

util::Result<Mapping> Mapping::Parse(std::string_view mappings_json, bool knn_enabled) {
  Mapping mapping;
  SLUICE_RETURN_IF_ERROR(mapping.Merge(mappings_json, knn_enabled));
  return mapping;
}

Status Mapping::Merge(std::string_view mappings_json, bool knn_enabled) {
  rapidjson::Document doc;
  doc.Parse(mappings_json.data(), mappings_json.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return MapperParsingError("Failed to parse mapping: expected a JSON object");
  }
  // Mappings may come wrapped in the type name "_doc" (7.x style).
  const rapidjson::Value* top = &doc;
  if (auto d = doc.FindMember("_doc"); d != doc.MemberEnd() && doc.MemberCount() == 1 &&
                                       d->value.IsObject()) {
    top = &d->value;
  }
  // Validate into a copy so a failed merge leaves this mapping unchanged.
  Mapping next(*this);
  rapidjson::Document extras(rapidjson::kObjectType);
  if (next.root_->params_json != "{}") extras.Parse(next.root_->params_json.c_str());
  for (auto it = top->MemberBegin(); it != top->MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    if (!TopLevelKeys().count(key)) {
      return MapperParsingError("Root mapping definition has unsupported parameters:  [" + key +
                                " : " + json::ValueText(it->value) + "]");
    }
    if (key == "properties") continue;
    if (key == "dynamic") {
      std::string v = it->value.IsString() ? it->value.GetString()
                      : it->value.IsBool() ? (it->value.GetBool() ? "true" : "false")
                                           : "";
      if (v == "true") next.dynamic_ = DynamicMode::kTrue;
      else if (v == "false") next.dynamic_ = DynamicMode::kFalse;
      else if (v == "strict") next.dynamic_ = DynamicMode::kStrict;
      else return MapperParsingError("Could not convert [dynamic] to boolean");
    }
    rapidjson::Value k(key.c_str(), extras.GetAllocator());
    rapidjson::Value v(it->value, extras.GetAllocator());
    extras.RemoveMember(key.c_str());
    extras.AddMember(k, v, extras.GetAllocator());
  }
  next.root_->params_json = json::ValueText(extras);
  if (auto p = top->FindMember("properties"); p != top->MemberEnd()) {
    if (!p->value.IsObject()) {
      return MapperParsingError("Expected map for property [properties] but got [" +
                                json::ValueText(p->value) + "]");
    }
    SLUICE_RETURN_IF_ERROR(next.MergeObject(&p->value, "", next.root_.get(), knn_enabled));
  }
  SLUICE_RETURN_IF_ERROR(next.CheckAliases());
  *this = std::move(next);
  return Status::Ok();
}

Status Mapping::MergeObject(const void* properties_ptr, const std::string& prefix, Node* parent,
                            bool knn_enabled) {
  const auto& properties = *static_cast<const rapidjson::Value*>(properties_ptr);
  for (auto it = properties.MemberBegin(); it != properties.MemberEnd(); ++it) {
    std::string name = it->name.GetString();
    std::string path = prefix + name;
    const rapidjson::Value& def = it->value;
    if (name.empty()) return MapperParsingError("field name cannot be an empty string");
    if (!def.IsObject()) {
      return MapperParsingError("Expected map for property [" + name + "] on field [" + path +
                                "] but got a class java.lang.String");
    }
    FieldType type = FieldType::kObject;
    if (auto t = def.FindMember("type"); t != def.MemberEnd()) {
      if (!t->value.IsString()) {
        return MapperParsingError("No type specified for field [" + name + "]");
      }
      auto parsed = ParseFieldType(t->value.GetString());
      if (!parsed) {
        return MapperParsingError(std::string("No handler for type [") + t->value.GetString() +
                                  "] declared on field [" + name + "]");
      }
      type = *parsed;
    }
    FieldMapping field;
    field.path = path;
    field.type = type;
    if (type == FieldType::kKnnVector) {
      auto knn = ParseKnnFieldMapping(name, json::ValueText(def), knn_enabled);
      if (!knn.ok()) return knn.status();
      field.knn = *knn;
    } else if (type == FieldType::kAlias) {
      SLUICE_RETURN_IF_ERROR(ParseAlias(def, name, &field));
    } else {
      for (auto p = def.MemberBegin(); p != def.MemberEnd(); ++p) {
        if (!CoreParameters().count(p->name.GetString()) &&
            !TakesParameter(type, p->name.GetString())) {
          return MapperParsingError(std::string("unknown parameter [") + p->name.GetString() +
                                    "] on mapper [" + name + "] of type [" +
                                    std::string(FieldTypeName(type)) + "]");
        }
      }
      if (auto ia = def.FindMember("ignore_above"); ia != def.MemberEnd() && ia->value.IsInt()) {
        field.ignore_above = ia->value.GetInt();
      }
      if (auto ix = def.FindMember("index"); ix != def.MemberEnd() && ix->value.IsBool()) {
        field.index = ix->value.GetBool();
      }
      SLUICE_RETURN_IF_ERROR(ParseAnalyzers(def, name, &field));
      SLUICE_RETURN_IF_ERROR(ParseTypedParameters(def, name, &field));
    }
    if (const FieldMapping* existing = FindDefined(path); existing && existing->type != type) {
      return InvalidArgument("mapper [" + path + "] cannot be changed from type [" +
                             std::string(FieldTypeName(existing->type)) + "] to [" +
                             std::string(FieldTypeName(type)) + "]");
    }
    Node* node = parent->Child(name);
    if (node == nullptr) {
      parent->children.push_back(std::make_unique<Node>());
      node = parent->children.back().get();
      node->name = name;
    }
    // Keep everything but "properties", which lives in the children.
    rapidjson::Document params;
    params.CopyFrom(def, params.GetAllocator());
    params.RemoveMember("properties");
    if (node->params_json != "{}" && IsContainer(type)) {
      // Merging into an existing object: keep its earlier parameters too.
      rapidjson::Document old;
      old.Parse(node->params_json.c_str());
      for (auto p = params.MemberBegin(); p != params.MemberEnd(); ++p) {
        rapidjson::Value k(p->name, old.GetAllocator());
        rapidjson::Value v(p->value, old.GetAllocator());
        old.RemoveMember(p->name.GetString());
        old.AddMember(k, v, old.GetAllocator());
      }
      node->params_json = json::ValueText(old);
    } else {
      // Multi-fields merge as in OpenSearch: subfields already there stay.
      rapidjson::Document old;
      old.Parse(node->params_json.c_str());
      auto old_fields = old.FindMember("fields");
      if (!old.HasParseError() && old_fields != old.MemberEnd() && old_fields->value.IsObject()) {
        auto& alloc = params.GetAllocator();
        auto new_fields = params.FindMember("fields");
        if (new_fields == params.MemberEnd()) {
          params.AddMember("fields", rapidjson::Value(old_fields->value, alloc), alloc);
        } else if (new_fields->value.IsObject()) {
          for (auto f = old_fields->value.MemberBegin(); f != old_fields->value.MemberEnd(); ++f) {
            if (new_fields->value.HasMember(f->name)) continue;
            new_fields->value.AddMember(rapidjson::Value(f->name, alloc),
                                        rapidjson::Value(f->value, alloc), alloc);
          }
        }
      }
      node->params_json = json::ValueText(params);
    }
    fields_[path] = field;

    if (auto sub = def.FindMember("fields"); sub != def.MemberEnd()) {
      if (!sub->value.IsObject()) {
        return MapperParsingError("Expected map for property [fields] on field [" + name + "]");
      }
      for (auto s = sub->value.MemberBegin(); s != sub->value.MemberEnd(); ++s) {
        FieldMapping multi;
        multi.path = path + "." + s->name.GetString();
        multi.type = FieldType::kKeyword;
        if (s->value.IsObject()) {
          if (auto t = s->value.FindMember("type"); t != s->value.MemberEnd() && t->value.IsString()) {
            auto parsed = ParseFieldType(t->value.GetString());
            if (!parsed || IsContainer(*parsed) || *parsed == FieldType::kKnnVector ||
                *parsed == FieldType::kAlias) {
              return MapperParsingError(std::string("No handler for type [") +
                                        t->value.GetString() + "] declared on field [" +
                                        s->name.GetString() + "]");
            }
            multi.type = *parsed;
          }
          if (auto ia = s->value.FindMember("ignore_above");
              ia != s->value.MemberEnd() && ia->value.IsInt()) {
            multi.ignore_above = ia->value.GetInt();
          }
          SLUICE_RETURN_IF_ERROR(ParseAnalyzers(s->value, s->name.GetString(), &multi));
          SLUICE_RETURN_IF_ERROR(ParseTypedParameters(s->value, s->name.GetString(), &multi));
        }
        fields_[multi.path] = multi;
      }
    }
    if (auto props = def.FindMember("properties"); props != def.MemberEnd()) {
      if (!IsContainer(type)) {
        return MapperParsingError("unknown parameter [properties] on mapper [" + name +
                                  "] of type [" + std::string(FieldTypeName(type)) + "]");
      }
      if (!props->value.IsObject()) {
        return MapperParsingError("Expected map for property [properties] on field [" + name + "]");
      }
      SLUICE_RETURN_IF_ERROR(MergeObject(&props->value, path + ".", node, knn_enabled));
    }
  }
  return Status::Ok();
}

// As FieldAliasMapper.validate: the target exists, is a concrete field, and
// is not an object or another alias.
Status Mapping::CheckAliases() const {
  for (const auto& [path, field] : fields_) {
    if (field.type != FieldType::kAlias) continue;
    const std::string& target = field.alias_path;
    if (target == path) {
      return MapperParsingError("Invalid [path] value [" + target + "] for field alias [" + path +
                                "]: an alias cannot refer to itself.");
    }
    const FieldMapping* t = FindDefined(target);
    if (t == nullptr) {
      return MapperParsingError("Invalid [path] value [" + target + "] for field alias [" + path +
                                "]: an alias must refer to an existing field in the mappings.");
    }
    if (t->type == FieldType::kAlias) {
      return MapperParsingError("Invalid [path] value [" + target + "] for field alias [" + path +
                                "]: an alias cannot refer to another alias.");
    }
    if (IsContainer(t->type)) {
      return MapperParsingError("Invalid [path] value [" + target + "] for field alias [" + path +
                                "]: an alias must refer to an existing field in the mappings.");
    }
  }
  return Status::Ok();
}

void Mapping::AddDynamic(std::string_view path, FieldType type) {
  if (FindDefined(path)) return;
  // Create intermediate objects for a dotted path.
  Node* node = root_.get();
  std::string prefix;
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    std::string name(path.substr(start, dot == std::string_view::npos ? path.npos : dot - start));
    std::string full = prefix + name;
    Node* child = node->Child(name);
    if (child == nullptr) {
      node->children.push_back(std::make_unique<Node>());
      child = node->children.back().get();
      child->name = name;
    }
    if (dot == std::string_view::npos) {
      FieldMapping field;
      field.path = full;
      field.type = type;
      if (type == FieldType::kText) {
        child->params_json =
            R"({"type":"text","fields":{"keyword":{"type":"keyword","ignore_above":256}}})";
        FieldMapping keyword;
        keyword.path = full + ".keyword";
        keyword.type = FieldType::kKeyword;
        keyword.ignore_above = 256;
        fields_[keyword.path] = keyword;
      } else if (type != FieldType::kObject) {
        child->params_json = "{\"type\":\"" + std::string(FieldTypeName(type)) + "\"}";
      }
      fields_[full] = field;
      return;
    }
    if (!FindDefined(full)) {
      FieldMapping object;
      object.path = full;
      object.type = FieldType::kObject;
      fields_[full] = object;
    }
    node = child;
    prefix = full + ".";
    start = dot + 1;
  }
}

std::string Mapping::ToJson() const {
  json::JsonWriter w;
  // Recursive lambda over nodes: parameters as given, then "properties".
  auto render = [&](auto&& self, const Node& node) -> void {
    rapidjson::Document params;
    params.Parse(node.params_json.c_str());
    w.StartObject();
    for (auto it = params.MemberBegin(); it != params.MemberEnd(); ++it) {
      w.Key(it->name.GetString()).Raw(json::ValueText(it->value));
    }
    if (!node.children.empty()) {
      w.Key("properties").StartObject();
      for (const auto& child : node.children) {
        w.Key(child->name);
        self(self, *child);
      }
      w.EndObject();
    }
    w.EndObject();
  };
  render(render, *root_);
  return w.Take();
}

}  // namespace sluice::index
