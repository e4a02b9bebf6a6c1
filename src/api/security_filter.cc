#include "api/security_filter.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <rapidjson/document.h>
#pragma GCC diagnostic pop

#include <optional>
#include <string>
#include <vector>

#include "api/rest_response.h"
#include "api/route_actions.h"
#include "api/routes.h"
#include "index/catalog.h"
#include "json/json_writer.h"
#include "security/security.h"
#include "sources/file_source.h"
#include "sources/http_host_allowlist.h"
#include "sources/sources_options.h"

namespace sluice::api {
namespace {

using security::AuthOutcome;

std::string UserString(std::string_view name) {
  return "User [name=" + std::string(name) + ", backend_roles=[], requestedTenant=null]";
}

http::Response Unauthorized(std::chrono::milliseconds delay) {
  http::Response r;
  r.status = 401;
  r.content_type = "text/plain; charset=UTF-8";
  r.body = "Unauthorized";
  r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"OpenSearch Security\"");
  r.delay = delay;
  return r;
}

std::string_view Str(const rapidjson::Value& v) { return {v.GetString(), v.GetStringLength()}; }

void AddIndexValue(const rapidjson::Value& v, std::vector<std::string>* out) {
  if (v.IsString()) out->emplace_back(Str(v));
  if (v.IsArray()) {
    for (const auto& item : v.GetArray()) {
      if (item.IsString()) out->emplace_back(Str(item));
    }
  }
}

// The index names in an NDJSON body: _bulk action lines (`_index` of the
// action's object; a source line follows every action but delete) or _msearch
// header lines (`index`; a body line follows each). nullopt when unreadable.
std::optional<std::vector<std::string>> NdjsonIndices(std::string_view body, bool bulk) {
  std::vector<std::string> out;
  bool skip_next = false;
  while (!body.empty()) {
    size_t nl = body.find('\n');
    std::string_view line = body.substr(0, nl);
    body = nl == std::string_view::npos ? std::string_view() : body.substr(nl + 1);
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    if (skip_next) {
      skip_next = false;
      continue;
    }
    rapidjson::Document doc;
    doc.Parse(line.data(), line.size());
    if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
    if (bulk) {
      if (doc.MemberCount() != 1 || !doc.MemberBegin()->value.IsObject()) return std::nullopt;
      std::string_view op = Str(doc.MemberBegin()->name);
      const auto& meta = doc.MemberBegin()->value;
      if (auto it = meta.FindMember("_index"); it != meta.MemberEnd())
        AddIndexValue(it->value, &out);
      skip_next = op != "delete";
    } else {
      if (auto it = doc.FindMember("index"); it != doc.MemberEnd()) AddIndexValue(it->value, &out);
      skip_next = true;
    }
  }
  return out;
}

// The indexes a request names; empty = none (a cluster-level check).
std::vector<std::string> RequestedIndices(const http::Request& req, std::string_view action) {
  std::vector<std::string> out;
  std::string_view path_index = req.PathParam("index");
  if (!path_index.empty()) out.emplace_back(path_index);
  if (action == "indices:data/write/bulk" || action == "indices:data/read/msearch") {
    auto named = NdjsonIndices(req.body, action == "indices:data/write/bulk");
    if (!named) return {"_all"};  // unreadable: judged as if it named everything
    out.insert(out.end(), named->begin(), named->end());
    if (out.empty()) out.emplace_back("_all");
    return out;
  }
  if (action == "indices:data/read/mget") {
    rapidjson::Document doc;
    doc.Parse(req.body.data(), req.body.size());
    if (doc.HasParseError() || !doc.IsObject())
      return out.empty() ? std::vector<std::string>{"_all"} : out;
    if (auto docs = doc.FindMember("docs"); docs != doc.MemberEnd() && docs->value.IsArray()) {
      for (const auto& d : docs->value.GetArray()) {
        if (!d.IsObject()) continue;
        if (auto it = d.FindMember("_index"); it != d.MemberEnd()) AddIndexValue(it->value, &out);
      }
    }
    if (out.empty()) out.emplace_back("_all");
    return out;
  }
  if (out.empty() &&
      (action == "indices:data/read/search" || action == "indices:admin/aliases" ||
       action == "indices:monitor/stats" || action == "indices:admin/mappings/get" ||
       action == "indices:monitor/settings/get" || action == "indices:admin/refresh" ||
       action == "indices:admin/flush" || action == "indices:admin/aliases/get" ||
       action == "indices:admin/settings/update" || action == "indices:admin/forcemerge" ||
       action == "indices:admin/cache/clear" || action == "indices:data/read/field_caps")) {
    out.emplace_back("_all");
  }
  return out;
}

security::IndexView View(const index::Catalog& catalog) {
  security::IndexView view;
  for (const auto& [index, aliases] : catalog.Aliases()) {
    view.indices.push_back(index);
    for (const auto& [alias, meta] : aliases) view.aliases[alias].push_back(index);
  }
  return view;
}

std::optional<http::Response> Forbidden(const ApiContext& ctx, const http::Request& req,
                                        std::string_view action, std::string_view denied) {
  std::string detail = "action=" + std::string(action);
  if (!denied.empty()) detail += " index=" + std::string(denied.substr(0, 200));
  ctx.security->Audit("missing_privileges", req.user, req.remote_address, detail);
  return ErrorResponse(req, util::Forbidden("no permissions for [" + std::string(action) +
                                            "] and " + UserString(req.user)));
}

std::optional<http::Response> Authorize(const ApiContext& ctx, http::Request& req,
                                        const http::RouteOptions* route) {
  security::Security& sec = *ctx.security;
  AuthOutcome auth = sec.Authenticate(req.Header("Authorization"), req.remote_address);
  if (auth.kind == AuthOutcome::Kind::kMissing) {
    sec.Audit("missing_credentials", "", req.remote_address, "path=" + req.path.substr(0, 200));
    return Unauthorized(std::chrono::milliseconds(0));
  }
  if (auth.kind == AuthOutcome::Kind::kFailed) {
    sec.Audit("failed_login", auth.attempted_user, req.remote_address,
              "delay_ms=" + std::to_string(auth.delay.count()));
    return Unauthorized(auth.delay);
  }
  const security::User& user = *auth.user;
  req.user = user.name;
  if (route == nullptr) return std::nullopt;  // the router answers 400/405
  std::string_view action = route->action;
  if (action == kAuthenticatedAction) return std::nullopt;
  const security::Evaluator& eval = auth.snapshot->evaluator;
  if (action.empty()) {
    if (eval.IsSuperuser(user)) return std::nullopt;
    return Forbidden(ctx, req, action, "");
  }
  if (action.starts_with("cluster:")) {
    if (!eval.ClusterAllowed(user, action)) return Forbidden(ctx, req, action, "");
    if (action == "cluster:admin/opensearch/ml/batch_ingestion") {
      rapidjson::Document doc;
      doc.Parse(req.body.data(), req.body.size());
      if (!doc.HasParseError() && doc.IsObject()) {
        auto it = doc.FindMember("index_name");
        if (it != doc.MemberEnd() && it->value.IsString()) {
          constexpr std::string_view kIngest = "indices:data/write/batch_ingest";
          std::vector<std::string> target{std::string(Str(it->value))};
          if (auto denied = eval.DeniedIndex(user, kIngest, target, View(*ctx.catalog))) {
            return Forbidden(ctx, req, kIngest, *denied);
          }
        }
      }
    }
    return std::nullopt;
  }
  std::vector<std::string> indices = RequestedIndices(req, action);
  security::IndexView view = indices.empty() ? security::IndexView{} : View(*ctx.catalog);
  if (auto denied = eval.DeniedIndex(user, action, indices, view)) {
    return Forbidden(ctx, req, action, *denied);
  }
  return std::nullopt;
}

http::Response AuthInfo(const ApiContext& ctx, const http::Request& req) {
  auto snap = ctx.security->snapshot();
  std::vector<std::string> roles;
  if (auto it = snap->config.users.find(req.user); it != snap->config.users.end()) {
    roles = it->second.roles;
  }
  json::JsonWriter w;
  w.StartObject();
  w.Key("user").String(UserString(req.user));
  w.Key("user_name").String(req.user);
  w.Key("user_requested_tenant").Null();
  w.Key("remote_address").String(req.remote_address);
  w.Key("backend_roles").StartArray().EndArray();
  w.Key("custom_attribute_names").StartArray().EndArray();
  w.Key("roles").StartArray();
  for (const std::string& r : roles) w.String(r);
  w.EndArray();
  w.Key("tenants").StartObject().EndObject();
  w.Key("principal").Null();
  w.Key("peer_certificates").String("0");
  w.Key("sso_logout_url").Null();
  w.EndObject();
  return JsonResponse(req, 200, w.Take());
}

bool S3Granted(const std::vector<std::string>& grants, std::string_view location) {
  if (!location.starts_with("s3://")) return false;
  std::string_view rest = location.substr(5);
  for (const std::string& g : grants) {
    if (g == "*") return true;
    std::string prefix = g.find('/') == std::string::npos ? g + "/" : g;
    if (rest.starts_with(prefix)) return true;
  }
  return false;
}

bool Unrestricted(const std::vector<std::string>& grants) {
  for (const std::string& g : grants) {
    if (g == "*") return true;
  }
  return false;
}

}  // namespace

void InstallSecurity(http::Router& router, const ApiContext& ctx) {
  const ApiContext* c = &ctx;
  router.SetAuthorizer([c](http::Request& req, const http::RouteOptions* route) {
    return Authorize(*c, req, route);
  });
}

void RegisterSecurityRoutes(http::Router& router, const ApiContext& ctx) {
  router.Add("GET", "/_plugins/_security/authinfo", BindHandler(ctx, AuthInfo),
             {.action = kAuthenticatedAction});
}

bool MayAccessTask(const ApiContext& ctx, const http::Request& req, std::string_view owner) {
  if (ctx.security == nullptr) return true;
  if (!owner.empty() && owner == req.user) return true;
  auto snap = ctx.security->snapshot();
  auto it = snap->config.users.find(req.user);
  return it != snap->config.users.end() && snap->evaluator.IsSuperuser(it->second);
}

util::Status CheckIngestSources(const ApiContext& ctx, const http::Request& req,
                                const sources::DataSource& source) {
  if (ctx.security == nullptr) return util::Status::Ok();
  auto snap = ctx.security->snapshot();
  auto it = snap->config.users.find(req.user);
  if (it == snap->config.users.end()) return util::Forbidden("no user");
  security::SourceGrants grants = snap->evaluator.Sources(it->second);
  auto refuse = [&](std::string_view kind) {
    ctx.security->Audit("source_refused", req.user, req.remote_address,
                        "type=" + std::string(kind));
    return util::Forbidden("no permissions for [" + std::string(kind) +
                           "] ingestion source of this request and " + UserString(req.user) +
                           ": its roles do not grant it");
  };
  for (const std::string& location : source.locations) {
    if (source.type == "file") {
      if (Unrestricted(grants.file_roots)) continue;
      if (grants.file_roots.empty()) return refuse("file");
      sources::SourcesOptions opts;
      opts.file_roots = grants.file_roots;
      util::Status s = location.find('*') != std::string::npos
                           ? sources::ExpandLocalGlob(location, opts).status()
                           : sources::ResolveLocalFile(location, opts).status();
      if (s.code() == util::Code::kForbidden) return refuse("file");
    } else if (source.type == "s3") {
      if (!S3Granted(grants.s3, location)) return refuse("s3");
    } else if (source.type == "http") {
      if (Unrestricted(grants.http_hosts)) continue;
      sources::SourcesOptions opts;
      opts.allowed_http_hosts = grants.http_hosts;
      if (!sources::CheckHttpSourceUrl(location, opts).ok()) return refuse("http");
    } else if (!Unrestricted(grants.http_hosts)) {
      return refuse(source.type);  // openai: only with every host granted
    }
  }
  return util::Status::Ok();
}

}  // namespace sluice::api
