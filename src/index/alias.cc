#include "index/alias.h"

#include <rapidjson/document.h>

#include "json/json_writer.h"
#include "json/value_text.h"

namespace sluice::index {
namespace {

util::Status InvalidAlias(std::string_view name, const std::string& why) {
  return util::Status(util::Code::kInvalidArgument, "invalid_alias_name_exception",
                      "Invalid alias name [" + std::string(name) + "], " + why);
}

// A routing value: OpenSearch accepts strings and numbers.
util::Result<std::string> RoutingText(const rapidjson::Value& v, std::string_view key) {
  if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
  if (v.IsNumber()) return json::ValueText(v);
  return util::ParsingError("[" + std::string(key) + "] must be a string");
}

}  // namespace

std::string AliasMetadata::ToJson() const {
  json::JsonWriter w;
  w.StartObject();
  if (!filter_json.empty()) w.Key("filter").Raw(filter_json);
  if (index_routing) w.Key("index_routing").String(*index_routing);
  if (search_routing) w.Key("search_routing").String(*search_routing);
  if (is_write_index) w.Key("is_write_index").Bool(*is_write_index);
  if (is_hidden) w.Key("is_hidden").Bool(*is_hidden);
  w.EndObject();
  return w.Take();
}

util::Result<AliasMetadata> ParseAliasMetadata(std::string_view json) {
  AliasMetadata meta;
  if (json.empty()) return meta;
  std::optional<std::string> routing;
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return util::ParseError("Failed to parse content to map");
  }
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    std::string key(it->name.GetString(), it->name.GetStringLength());
    const rapidjson::Value& v = it->value;
    if (key == "filter") {
      if (v.IsNull()) continue;
      if (!v.IsObject()) return util::ParsingError("[filter] must be an object");
      if (v.MemberCount() > 0) meta.filter_json = json::ValueText(v);
    } else if (key == "routing") {
      SLUICE_ASSIGN_OR_RETURN(routing, RoutingText(v, key));
    } else if (key == "index_routing" || key == "indexRouting") {
      SLUICE_ASSIGN_OR_RETURN(meta.index_routing, RoutingText(v, key));
    } else if (key == "search_routing" || key == "searchRouting") {
      SLUICE_ASSIGN_OR_RETURN(meta.search_routing, RoutingText(v, key));
    } else if (key == "is_write_index") {
      if (v.IsNull()) continue;
      if (!v.IsBool()) return util::ParsingError("[is_write_index] must be a boolean");
      meta.is_write_index = v.GetBool();
    } else if (key == "is_hidden") {
      if (v.IsNull()) continue;
      if (!v.IsBool()) return util::ParsingError("[is_hidden] must be a boolean");
      meta.is_hidden = v.GetBool();
    } else {
      return util::ParsingError("unknown field [" + key + "]");
    }
  }
  if (routing) {
    if (!meta.index_routing) meta.index_routing = routing;
    if (!meta.search_routing) meta.search_routing = routing;
  }
  return meta;
}

util::Status ValidateAliasName(std::string_view name) {
  if (name.empty()) return util::InvalidArgument("alias name is required");
  static constexpr std::string_view kInvalid = "\\/*?\"<>| ,";
  if (name.find_first_of(kInvalid) != std::string_view::npos) {
    return InvalidAlias(name,
                        "must not contain the following characters [ , \", *, \\, <, |, ,, "
                        ">, /, ?]");
  }
  if (name.find('#') != std::string_view::npos) return InvalidAlias(name, "must not contain '#'");
  if (name.find(':') != std::string_view::npos) return InvalidAlias(name, "must not contain ':'");
  if (name[0] == '_' || name[0] == '-' || name[0] == '+') {
    return InvalidAlias(name, "must not start with '_', '-', or '+'");
  }
  if (name.size() > 255) {
    return InvalidAlias(name,
                        "index name is too long, (" + std::to_string(name.size()) + " > 255)");
  }
  if (name == "." || name == "..") return InvalidAlias(name, "must not be '.' or '..'");
  return util::Status::Ok();
}

}  // namespace sluice::index
