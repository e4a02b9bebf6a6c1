// Single-document APIs: index, create, update, get, exists, delete, _source.
#include "api/handler_support.h"
#include "api/rest_response.h"
#include "api/routes.h"
#include "index/catalog.h"
#include "json/json_writer.h"
#include "search/search_request.h"

namespace sluice::api {
namespace {

using http::Request;
using http::Response;

util::Result<int64_t> IntParam(const Request& req, std::string_view name) {
  auto v = req.Query(name);
  try {
    size_t pos = 0;
    int64_t x = std::stoll(std::string(*v), &pos);
    if (pos == v->size()) return x;
  } catch (...) {
  }
  return util::InvalidArgument("Failed to parse [" + std::string(name) + "] value [" +
                               std::string(*v) + "]");
}

Response WriteOne(const ApiContext& ctx, const Request& req, index::WriteOp op) {
  if (op.type != index::OpType::kDelete && req.body.empty()) {
    return ErrorResponse(req, BodyRequired());
  }
  for (const char* p : {"if_seq_no", "if_primary_term"}) {
    if (!req.HasQuery(p)) continue;
    auto v = IntParam(req, p);
    if (!v.ok()) return ErrorResponse(req, v.status());
    (std::string_view(p) == "if_seq_no" ? op.if_seq_no : op.if_primary_term) = *v;
  }
  if (auto s = ApplyVersioning(req.Query("version"), req.Query("version_type"), &op); !s.ok()) {
    return ErrorResponse(req, s);
  }
  std::shared_ptr<index::Index> index;
  // Like OpenSearch (and _bulk here), every write but a delete auto-creates the index: an
  // upsert into a missing index creates both.
  if (op.type == index::OpType::kDelete) {
    auto found = ctx.catalog->Get(req.PathParam("index"));
    if (!found.ok()) return ErrorResponse(req, found.status());
    index = *found;
  } else {
    auto found = GetOrCreateIndex(*ctx.catalog, req.PathParam("index"));
    if (!found.ok()) return ErrorResponse(req, found.status());
    index = *found;
  }
  op.source = req.body;
  std::vector<index::WriteOp> ops;
  ops.push_back(std::move(op));
  index::WriteResult result = std::move(index->Write(std::move(ops))[0]);
  if (!result.status.ok()) return ErrorResponse(req, result.status);
  json::JsonWriter w;
  w.StartObject();
  WriteResultFields(w, *index, result);
  if (RefreshRequested(req) && result.result != "noop") w.Key("forced_refresh").Bool(true);
  w.EndObject();
  return JsonResponse(req, WriteStatus(result), w.Take());
}

Response IndexDoc(const ApiContext& ctx, const Request& req) {
  index::WriteOp op;
  op.id = std::string(req.PathParam("id"));
  auto op_type = req.Query("op_type");
  if (op_type && *op_type == "create") op.type = index::OpType::kCreate;
  else if (op_type && *op_type != "index") {
    return ErrorResponse(req, util::InvalidArgument("opType must be 'create' or 'index', found: [" +
                                                    std::string(*op_type) + "]"));
  }
  return WriteOne(ctx, req, std::move(op));
}

Response CreateDoc(const ApiContext& ctx, const Request& req) {
  index::WriteOp op;
  op.type = index::OpType::kCreate;
  op.id = std::string(req.PathParam("id"));
  return WriteOne(ctx, req, std::move(op));
}

Response UpdateDoc(const ApiContext& ctx, const Request& req) {
  index::WriteOp op;
  op.type = index::OpType::kUpdate;
  op.id = std::string(req.PathParam("id"));
  return WriteOne(ctx, req, std::move(op));
}

Response DeleteDoc(const ApiContext& ctx, const Request& req) {
  index::WriteOp op;
  op.type = index::OpType::kDelete;
  op.id = std::string(req.PathParam("id"));
  return WriteOne(ctx, req, std::move(op));
}

search::SourceFilter SourceFilterFromParams(const Request& req) {
  search::SourceFilter filter;
  if (auto s = req.Query("_source")) filter = search::ParseSourceParam(*s);
  for (auto [param, list] : {std::pair{"_source_includes", &filter.includes},
                             std::pair{"_source_excludes", &filter.excludes}}) {
    if (auto v = req.Query(param)) {
      auto parsed = search::ParseSourceParam(*v);
      list->insert(list->end(), parsed.includes.begin(), parsed.includes.end());
    }
  }
  return filter;
}

Response GetDoc(const ApiContext& ctx, const Request& req, bool source_only) {
  auto index = ctx.catalog->Get(req.PathParam("index"));
  if (!index.ok()) return ErrorResponse(req, index.status());
  std::string_view id = req.PathParam("id");
  auto doc = (*index)->Get(id);
  if (!doc.ok()) return ErrorResponse(req, doc.status());
  (*index)->counters().CountGet(doc->has_value());
  json::JsonWriter w;
  if (!doc->has_value()) {
    if (source_only) {
      return ErrorResponse(req, util::NotFound("resource_not_found_exception",
                                               "Document not found [" + (*index)->name() + "]/[" +
                                                   std::string(id) + "]"));
    }
    w.StartObject().Key("_index").String((*index)->name()).Key("_id").String(id);
    w.Key("found").Bool(false).EndObject();
    return JsonResponse(req, 404, w.Take());
  }
  const index::StoredDocument& d = **doc;
  // A get with a version reads only that version, whatever the version_type (OpenSearch's
  // VersionType.isVersionConflictForReads is "differs" for internal, external and external_gte).
  if (req.HasQuery("version")) {
    auto want = IntParam(req, "version");
    if (!want.ok()) return ErrorResponse(req, want.status());
    if (*want != d.version) {
      return ErrorResponse(
          req, util::Status(util::Code::kConflict, "version_conflict_engine_exception",
                            "[" + d.id + "]: version conflict, current version [" +
                                std::to_string(d.version) + "] is different than the one provided [" +
                                std::to_string(*want) + "]")
                   .WithMetadata("index", (*index)->name())
                   .WithMetadata("shard", "0")
                   .WithMetadata("index_uuid", (*index)->uuid()));
    }
  }
  search::SourceFilter filter = SourceFilterFromParams(req);
  if (source_only) return JsonResponse(req, 200, filter.Apply(d.source));
  w.StartObject();
  w.Key("_index").String((*index)->name()).Key("_id").String(d.id);
  w.Key("_version").Int(d.version).Key("_seq_no").Int(d.seq_no).Key("_primary_term").Int(1);
  w.Key("found").Bool(true);
  if (filter.fetch) w.Key("_source").Raw(filter.Apply(d.source));
  w.EndObject();
  return JsonResponse(req, 200, w.Take());
}

Response DocExists(const ApiContext& ctx, const Request& req) {
  Response r;
  auto index = ctx.catalog->Get(req.PathParam("index"));
  auto doc = index.ok() ? (*index)->Get(req.PathParam("id"))
                        : util::Result<std::optional<index::StoredDocument>>(index.status());
  if (doc.ok()) (*index)->counters().CountGet(doc->has_value());
  r.status = doc.ok() && doc->has_value() ? 200 : 404;
  return r;
}

}  // namespace

void RegisterDocumentRoutes(http::Router& router, const ApiContext& ctx) {
  const ApiContext* c = &ctx;
  auto bind = [&ctx](ContextHandler fn) { return BindHandler(ctx, fn); };
  const http::RouteOptions write{.pool = http::Pool::kWrite};
  const http::RouteOptions read{.pool = http::Pool::kSearch};
  router.Add("PUT", "/{index}/_doc/{id}", bind(IndexDoc), write);
  router.Add("POST", "/{index}/_doc/{id}", bind(IndexDoc), write);
  router.Add("POST", "/{index}/_doc", bind(IndexDoc), write);
  router.Add("PUT", "/{index}/_create/{id}", bind(CreateDoc), write);
  router.Add("POST", "/{index}/_create/{id}", bind(CreateDoc), write);
  router.Add("POST", "/{index}/_update/{id}", bind(UpdateDoc), write);
  router.Add("DELETE", "/{index}/_doc/{id}", bind(DeleteDoc), write);
  router.Add("GET", "/{index}/_doc/{id}", [c](const Request& r) { return GetDoc(*c, r, false); },
             read);
  router.Add("HEAD", "/{index}/_doc/{id}", bind(DocExists), read);
  router.Add("GET", "/{index}/_source/{id}", [c](const Request& r) { return GetDoc(*c, r, true); },
             read);
}

}  // namespace sluice::api
