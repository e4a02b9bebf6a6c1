#include "index/template_merge.h"

#include <rapidjson/document.h>

#include "index/index_settings.h"
#include "json/value_text.h"

namespace sluice::index {
namespace {

using rapidjson::Value;

void ExpandProperties(Value& properties, rapidjson::Document::AllocatorType& alloc);

// Expands the "properties" of a field or object definition, recursively.
void ExpandField(Value& field, rapidjson::Document::AllocatorType& alloc) {
  if (!field.IsObject()) return;
  if (auto p = field.FindMember("properties"); p != field.MemberEnd() && p->value.IsObject()) {
    ExpandProperties(p->value, alloc);
  }
}

void MergeInto(Value& dst, Value& src, rapidjson::Document::AllocatorType& alloc) {
  if (!dst.IsObject() || !src.IsObject()) {
    dst = src;
    return;
  }
  for (auto it = src.MemberBegin(); it != src.MemberEnd(); ++it) {
    auto existing = dst.FindMember(it->name);
    if (existing == dst.MemberEnd()) {
      dst.AddMember(Value(it->name, alloc), it->value, alloc);
    } else if (existing->value.IsObject() && it->value.IsObject()) {
      MergeInto(existing->value, it->value, alloc);
    } else {
      existing->value = it->value;
    }
  }
}

void ExpandProperties(Value& properties, rapidjson::Document::AllocatorType& alloc) {
  Value out(rapidjson::kObjectType);
  for (auto it = properties.MemberBegin(); it != properties.MemberEnd(); ++it) {
    std::string name(it->name.GetString(), it->name.GetStringLength());
    Value def(it->value, alloc);
    ExpandField(def, alloc);
    // "a.b.c" -> a: {properties: {b: {properties: {c: def}}}}
    size_t dot;
    while ((dot = name.rfind('.')) != std::string::npos && dot > 0 && dot + 1 < name.size()) {
      Value props(rapidjson::kObjectType);
      std::string leaf = name.substr(dot + 1);
      props.AddMember(Value(leaf.c_str(), static_cast<rapidjson::SizeType>(leaf.size()), alloc),
                      def, alloc);
      Value wrapper(rapidjson::kObjectType);
      wrapper.AddMember("properties", props, alloc);
      def = wrapper;
      name = name.substr(0, dot);
    }
    Value key(name.c_str(), static_cast<rapidjson::SizeType>(name.size()), alloc);
    auto existing = out.FindMember(key);
    if (existing == out.MemberEnd()) {
      out.AddMember(key, def, alloc);
    } else {
      MergeInto(existing->value, def, alloc);
    }
  }
  properties = out;
}

}  // namespace

std::string NormalizeTemplateMappings(std::string_view mappings_json) {
  rapidjson::Document doc;
  doc.Parse(mappings_json.data(), mappings_json.size());
  if (doc.HasParseError() || !doc.IsObject()) return std::string(mappings_json);
  if (doc.MemberCount() == 1 && doc.HasMember("_doc") && doc["_doc"].IsObject()) {
    Value inner(doc["_doc"], doc.GetAllocator());
    static_cast<Value&>(doc).Swap(inner);
  }
  ExpandField(doc, doc.GetAllocator());
  return json::ValueText(doc);
}

util::Result<std::string> ComposeCreateBody(const std::vector<TemplateLayer>& layers,
                                            std::string_view body) {
  rapidjson::Document request;
  if (!body.empty()) {
    request.Parse(body.data(), body.size());
    if (request.HasParseError() || !request.IsObject()) return std::string(body);
  } else {
    request.SetObject();
  }
  auto& alloc = request.GetAllocator();
  std::map<std::string, std::string> settings;
  rapidjson::Document mappings;
  mappings.SetObject();
  bool have_mappings = false;
  std::map<std::string, std::string> aliases;
  for (const auto& layer : layers) {
    for (const auto& [k, v] : layer.settings) settings[k] = v;
    if (layer.mappings) {
      rapidjson::Document m;
      m.Parse(layer.mappings->data(), layer.mappings->size());
      if (!m.HasParseError() && m.IsObject()) {
        Value copy(m, mappings.GetAllocator());
        MergeInto(mappings, copy, mappings.GetAllocator());
        have_mappings = true;
      }
    }
    for (const auto& [k, v] : layer.aliases) aliases[k] = v;
  }
  // The request's own parts win.
  if (auto s = request.FindMember("settings"); s != request.MemberEnd() && s->value.IsObject()) {
    auto overrides = IndexSettings::ParseOverrides(json::ValueText(s->value));
    if (!overrides.ok()) return std::string(body);  // the create reports it
    for (const auto& [k, v] : *overrides) {
      if (v) settings[k] = *v;
    }
  }
  if (auto m = request.FindMember("mappings"); m != request.MemberEnd() && m->value.IsObject()) {
    std::string normalized = NormalizeTemplateMappings(json::ValueText(m->value));
    rapidjson::Document own;
    own.Parse(normalized.data(), normalized.size());
    if (!own.HasParseError() && own.IsObject()) {
      Value copy(own, mappings.GetAllocator());
      MergeInto(mappings, copy, mappings.GetAllocator());
      have_mappings = true;
    }
  }
  if (auto a = request.FindMember("aliases"); a != request.MemberEnd() && a->value.IsObject()) {
    for (auto it = a->value.MemberBegin(); it != a->value.MemberEnd(); ++it) {
      aliases[it->name.GetString()] = json::ValueText(it->value);
    }
  }
  rapidjson::Document out;
  out.SetObject();
  auto& oa = out.GetAllocator();
  for (auto it = request.MemberBegin(); it != request.MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    if (key == "settings" || key == "mappings" || key == "aliases") continue;
    out.AddMember(Value(it->name, oa), Value(it->value, oa), oa);
  }
  (void)alloc;
  std::string flat = IndexSettings::FlatJson(settings);
  rapidjson::Document s;
  s.Parse(flat.data(), flat.size());
  out.AddMember("settings", Value(s, oa), oa);
  if (have_mappings) out.AddMember("mappings", Value(mappings, oa), oa);
  Value alias_obj(rapidjson::kObjectType);
  for (const auto& [k, v] : aliases) {
    rapidjson::Document meta;
    meta.Parse(v.data(), v.size());
    if (meta.HasParseError()) continue;
    alias_obj.AddMember(Value(k.c_str(), static_cast<rapidjson::SizeType>(k.size()), oa),
                        Value(meta, oa), oa);
  }
  out.AddMember("aliases", alias_obj, oa);
  return json::ValueText(out);
}

}  // namespace sluice::index
