// GET/PUT /_cluster/settings over index::ClusterSettings (the settings sluice
// knows, see index/cluster_settings.h). Bodies may nest or flatten keys;
// answers nest them unless ?flat_settings=true, as in OpenSearch.
#include <rapidjson/document.h>

#include <map>
#include <memory>
#include <string>

#include "api/rest_response.h"
#include "api/routes.h"
#include "index/cluster_settings.h"
#include "json/json_writer.h"
#include "json/value_text.h"

namespace sluice::api {
namespace {

using http::Request;
using http::Response;
using index::ClusterSettings;

util::Status Flatten(const rapidjson::Value& v, const std::string& prefix,
                     ClusterSettings::Update* out) {
  if (v.IsObject()) {
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
      std::string key = prefix.empty() ? it->name.GetString() : prefix + "." + it->name.GetString();
      SLUICE_RETURN_IF_ERROR(Flatten(it->value, key, out));
    }
    return util::Status::Ok();
  }
  if (v.IsNull()) {
    (*out)[prefix] = std::nullopt;
  } else if (v.IsString()) {
    (*out)[prefix] = std::string(v.GetString(), v.GetStringLength());
  } else if (v.IsNumber() || v.IsBool()) {
    (*out)[prefix] = json::ValueText(v);
  } else {
    return util::InvalidArgument("setting [" + prefix + "] must be a single value");
  }
  return util::Status::Ok();
}

// Writes flat settings as an object, nested by their dots unless `flat`.
void WriteSettings(const ClusterSettings::Flat& settings, bool flat, json::JsonWriter& w) {
  if (flat) {
    w.StartObject();
    for (const auto& [key, value] : settings) w.Key(key).String(value);
    w.EndObject();
    return;
  }
  struct Node {
    std::optional<std::string> value;
    std::map<std::string, std::unique_ptr<Node>> children;
  };
  Node root;
  for (const auto& [key, value] : settings) {
    Node* n = &root;
    size_t begin = 0;
    while (true) {
      size_t dot = key.find('.', begin);
      auto& child = n->children[key.substr(begin, dot == std::string::npos ? dot : dot - begin)];
      if (!child) child = std::make_unique<Node>();
      n = child.get();
      if (dot == std::string::npos) break;
      begin = dot + 1;
    }
    n->value = value;
  }
  auto write = [&w](auto& self, const Node& n) -> void {
    if (n.value && n.children.empty()) {
      w.String(*n.value);
      return;
    }
    w.StartObject();
    for (const auto& [name, child] : n.children) {
      w.Key(name);
      self(self, *child);
    }
    w.EndObject();
  };
  write(write, root);
}

ClusterSettings::Flat SetValues(const ClusterSettings::Update& update) {
  ClusterSettings::Flat out;
  for (const auto& [key, value] : update) {
    if (value) out[key] = *value;
  }
  return out;
}

Response GetSettings(const ApiContext& ctx, const Request& req) {
  const bool flat = FlagParam(req, "flat_settings");
  json::JsonWriter w;
  w.StartObject();
  w.Key("persistent");
  WriteSettings(ctx.cluster_settings->persistent(), flat, w);
  w.Key("transient");
  WriteSettings(ctx.cluster_settings->transient(), flat, w);
  if (FlagParam(req, "include_defaults")) {
    w.Key("defaults");
    WriteSettings(ClusterSettings::Defaults(), flat, w);
  }
  w.EndObject();
  return JsonResponse(req, 200, w.Take());
}

Response PutSettings(const ApiContext& ctx, const Request& req) {
  rapidjson::Document doc;
  doc.Parse(req.body.data(), req.body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return ErrorResponse(req, util::ParseError("Failed to parse request body"));
  }
  ClusterSettings::Update persistent, transient;
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    std::string name = it->name.GetString();
    ClusterSettings::Update* target = name == "persistent"  ? &persistent
                                      : name == "transient" ? &transient
                                                            : nullptr;
    if (target == nullptr || !it->value.IsObject()) {
      return ErrorResponse(req, util::InvalidArgument("[cluster_update_settings_request] unknown "
                                                      "field [" +
                                                      name + "]"));
    }
    if (util::Status s = Flatten(it->value, "", target); !s.ok()) return ErrorResponse(req, s);
  }
  if (persistent.empty() && transient.empty()) {
    return ErrorResponse(
        req, util::Status(util::Code::kInvalidArgument, "action_request_validation_exception",
                          "Validation Failed: 1: no settings to update;"));
  }
  if (util::Status s = ctx.cluster_settings->Apply(persistent, transient); !s.ok()) {
    return ErrorResponse(req, s);
  }
  const bool flat = FlagParam(req, "flat_settings");
  json::JsonWriter w;
  w.StartObject().Key("acknowledged").Bool(true);
  w.Key("persistent");
  WriteSettings(SetValues(persistent), flat, w);
  w.Key("transient");
  WriteSettings(SetValues(transient), flat, w);
  w.EndObject();
  return JsonResponse(req, 200, w.Take());
}

}  // namespace

void RegisterClusterSettingsRoutes(http::Router& router, const ApiContext& ctx) {
  if (ctx.cluster_settings == nullptr) return;
  const ApiContext* c = &ctx;
  router.Add("GET", "/_cluster/settings", [c](const Request& r) { return GetSettings(*c, r); });
  router.Add("PUT", "/_cluster/settings", [c](const Request& r) { return PutSettings(*c, r); });
}

}  // namespace sluice::api
