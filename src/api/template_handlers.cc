// Index templates: _index_template (composable), _component_template and
// legacy _template — put, get, exists, delete — and GET _cat/templates.
// Templates apply when an index is created (index::TemplateStore).
#include "api/cat_table.h"
#include "api/handler_support.h"
#include "api/rest_response.h"
#include "api/routes.h"
#include "index/catalog.h"
#include "json/json_writer.h"
#include "util/wildcard.h"

namespace sluice::api {
namespace {

using http::Request;
using http::Response;
using index::TemplateKind;

Response Put(const ApiContext& ctx, const Request& req, TemplateKind kind) {
  if (req.body.empty()) return ErrorResponse(req, BodyRequired());
  bool create = FlagParam(req, "create");
  util::Status s = ctx.catalog->templates().Put(kind, req.PathParam("name"), req.body, create);
  if (!s.ok()) return ErrorResponse(req, s);
  return JsonResponse(req, 200, R"({"acknowledged":true})");
}

Response Delete(const ApiContext& ctx, const Request& req, TemplateKind kind) {
  util::Status s = ctx.catalog->templates().Delete(kind, req.PathParam("name"));
  if (!s.ok()) return ErrorResponse(req, s);
  return JsonResponse(req, 200, R"({"acknowledged":true})");
}

Response Exists(const ApiContext& ctx, const Request& req, TemplateKind kind) {
  Response r;
  r.status = ctx.catalog->templates().Exists(kind, req.PathParam("name")) ? 200 : 404;
  return r;
}

// {"index_templates":[{"name":..,"index_template":{..}}]} and its component form.
Response GetList(const ApiContext& ctx, const Request& req, TemplateKind kind) {
  auto got =
      ctx.catalog->templates().Get(kind, req.PathParam("name"), FlagParam(req, "flat_settings"));
  if (!got.ok()) return ErrorResponse(req, got.status());
  bool composable = kind == TemplateKind::kComposable;
  json::JsonWriter w;
  w.StartObject().Key(composable ? "index_templates" : "component_templates").StartArray();
  for (const auto& [name, body] : *got) {
    w.StartObject().Key("name").String(name);
    w.Key(composable ? "index_template" : "component_template").Raw(body).EndObject();
  }
  w.EndArray().EndObject();
  return JsonResponse(req, 200, w.Take());
}

// Legacy GET _template/<name>: {"<name>": {...}}; nothing found is a 404 with {}.
Response GetLegacy(const ApiContext& ctx, const Request& req) {
  std::string_view names = req.PathParam("name");
  auto got =
      ctx.catalog->templates().Get(TemplateKind::kLegacy, names, FlagParam(req, "flat_settings"));
  json::JsonWriter w;
  w.StartObject();
  if (got.ok()) {
    for (const auto& [name, body] : *got) w.Key(name).Raw(body);
  }
  w.EndObject();
  bool missing = !got.ok() || (got->empty() && !names.empty());
  return JsonResponse(req, missing ? 404 : 200, w.Take());
}

Response CatTemplates(const ApiContext& ctx, const Request& req) {
  CatTable table({
      {"name", "n", "template name"},
      {"index_patterns", "t", "template index patterns"},
      {"order", "o,p", "template application order/priority number"},
      {"version", "v", "version"},
      {"composed_of", "c", "component templates comprising index template"},
  });
  std::string_view filter = req.PathParam("name");
  for (const auto& t : ctx.catalog->templates().List()) {
    if (!filter.empty() && !util::WildcardMatch(filter, t.name)) continue;
    std::string patterns = "[", composed = "[";
    for (size_t i = 0; i < t.index_patterns.size(); ++i) {
      patterns += (i ? ", " : "") + t.index_patterns[i];
    }
    for (size_t i = 0; i < t.composed_of.size(); ++i) {
      composed += (i ? ", " : "") + t.composed_of[i];
    }
    table.AddRow(
        {CatCell::Text(t.name), CatCell::Text(patterns + "]"), CatCell::Number(t.order),
         t.version ? CatCell::Number(*t.version) : CatCell::Null(),
         t.kind == TemplateKind::kComposable ? CatCell::Text(composed + "]") : CatCell::Text("")});
  }
  return table.Render(req);
}

template <TemplateKind kind>
Response PutT(const ApiContext& c, const Request& r) {
  return Put(c, r, kind);
}
template <TemplateKind kind>
Response DeleteT(const ApiContext& c, const Request& r) {
  return Delete(c, r, kind);
}
template <TemplateKind kind>
Response ExistsT(const ApiContext& c, const Request& r) {
  return Exists(c, r, kind);
}
template <TemplateKind kind>
Response GetListT(const ApiContext& c, const Request& r) {
  return GetList(c, r, kind);
}

template <TemplateKind kind>
void RegisterFamily(http::Router& router, const ApiContext& ctx, const char* base,
                    ContextHandler get) {
  auto bind = [&ctx](ContextHandler fn) { return BindHandler(ctx, fn); };
  std::string named = std::string(base) + "/{name}";
  router.Add("PUT", named, bind(PutT<kind>));
  router.Add("POST", named, bind(PutT<kind>));
  router.Add("DELETE", named, bind(DeleteT<kind>));
  router.Add("HEAD", named, bind(ExistsT<kind>));
  router.Add("GET", named, bind(get));
  router.Add("GET", base, bind(get));
}

}  // namespace

void RegisterTemplateRoutes(http::Router& router, const ApiContext& ctx) {
  RegisterFamily<TemplateKind::kComposable>(router, ctx, "/_index_template",
                                            GetListT<TemplateKind::kComposable>);
  RegisterFamily<TemplateKind::kComponent>(router, ctx, "/_component_template",
                                           GetListT<TemplateKind::kComponent>);
  RegisterFamily<TemplateKind::kLegacy>(router, ctx, "/_template", GetLegacy);
  router.Add("GET", "/_cat/templates", BindHandler(ctx, CatTemplates));
  router.Add("GET", "/_cat/templates/{name}", BindHandler(ctx, CatTemplates));
}

}  // namespace sluice::api
