// Index lifecycle APIs: PUT _settings (dynamic settings), GET _settings/<name>
// (with include_defaults), _close/_open, _stats, _forcemerge, _cache/clear.
#include <algorithm>

#include "api/handler_support.h"
#include "api/rest_response.h"
#include "api/routes.h"
#include "index/catalog.h"
#include "json/json_writer.h"
#include "util/split.h"
#include "util/wildcard.h"

namespace sluice::api {
namespace {

using http::Request;
using http::Response;
using IndexList = std::vector<std::shared_ptr<index::Index>>;

// The indices an index-metadata API acts on: closed ones included, and
// ?ignore_unavailable=true skipping names that match nothing.
util::Result<IndexList> Targets(const ApiContext& ctx, const Request& req) {
  std::string_view expr = req.PathParam("index");
  if (!FlagParam(req, "ignore_unavailable")) return ctx.catalog->ResolveAll(expr);
  IndexList out;
  for (const auto& part : util::SplitNonEmpty(expr)) {
    auto got = ctx.catalog->ResolveAll(part);
    if (!got.ok()) continue;
    for (const auto& index : *got) {
      if (std::find(out.begin(), out.end(), index) == out.end()) out.push_back(index);
    }
  }
  return out;
}

int ShardCopies(const index::Index& index) {
  return index.settings().number_of_shards() * (1 + index.settings().number_of_replicas());
}

Response PutSettings(const ApiContext& ctx, const Request& req) {
  if (req.body.empty()) return ErrorResponse(req, BodyRequired());
  auto updates = index::IndexSettings::ParseOverrides(req.body);
  if (!updates.ok()) return ErrorResponse(req, updates.status());
  auto targets = Targets(ctx, req);
  if (!targets.ok()) return ErrorResponse(req, targets.status());
  bool preserve = FlagParam(req, "preserve_existing");
  // All checked before any is changed: the request applies to all or none.
  std::vector<index::IndexSettings> next;
  for (const auto& index : *targets) {
    auto updated = index->settings().WithUpdates(*updates, index->name() + "/" + index->uuid(),
                                                 !ctx.catalog->IsClosed(index->name()), preserve);
    if (!updated.ok()) return ErrorResponse(req, updated.status());
    next.push_back(std::move(*updated));
  }
  for (size_t i = 0; i < targets->size(); ++i) {
    if (util::Status s = (*targets)[i]->UpdateSettings(std::move(next[i])); !s.ok()) {
      return ErrorResponse(req, s);
    }
  }
  return JsonResponse(req, 200, R"({"acknowledged":true})");
}

// The defaults GET _settings?include_defaults shows for what an index leaves unset.
const std::map<std::string, std::string>& DefaultSettings() {
  static const std::map<std::string, std::string> kDefaults = {
      {"index.refresh_interval", "1s"},
      {"index.max_result_window", "10000"},
      {"index.max_inner_result_window", "100"},
      {"index.knn", "false"},
      {"index.hidden", "false"},
      {"index.priority", "1"},
      {"index.codec", "default"},
      {"index.auto_expand_replicas", "false"},
      {"index.max_terms_count", "65536"},
      {"index.max_regex_length", "1000"},
      {"index.blocks.read_only", "false"},
      {"index.blocks.write", "false"},
      {"index.blocks.read", "false"},
      {"index.blocks.metadata", "false"},
      {"index.query.default_field", "*"},
      {"index.write.wait_for_active_shards", "1"},
  };
  return kDefaults;
}

std::map<std::string, std::string> Selected(const std::map<std::string, std::string>& flat,
                                            const std::vector<std::string>& names) {
  if (names.empty()) return flat;
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : flat) {
    for (const auto& n : names) {
      if (n == "_all" || util::WildcardMatch(n, k)) out.emplace(k, v);
    }
  }
  return out;
}

Response GetSettings(const ApiContext& ctx, const Request& req) {
  auto targets = Targets(ctx, req);
  if (!targets.ok()) return ErrorResponse(req, targets.status());
  bool flat = FlagParam(req, "flat_settings");
  std::vector<std::string> names = util::SplitNonEmpty(req.PathParam("name"));
  auto render = [flat](const std::map<std::string, std::string>& m) {
    return flat ? index::IndexSettings::FlatJson(m) : index::IndexSettings::NestFlat(m);
  };
  json::JsonWriter w;
  w.StartObject();
  for (const auto& index : *targets) {
    const auto& own = index->settings().flat();
    auto shown = Selected(own, names);
    if (!names.empty() && shown.empty() && !FlagParam(req, "include_defaults")) continue;
    w.Key(index->name()).StartObject().Key("settings").Raw(render(shown));
    if (FlagParam(req, "include_defaults")) {
      std::map<std::string, std::string> defaults;
      for (const auto& [k, v] : Selected(DefaultSettings(), names)) {
        if (own.count(k) == 0) defaults.emplace(k, v);
      }
      w.Key("defaults").Raw(render(defaults));
    }
    w.EndObject();
  }
  w.EndObject();
  return JsonResponse(req, 200, w.Take());
}

Response OpenOrClose(const ApiContext& ctx, const Request& req, bool close) {
  auto targets = Targets(ctx, req);
  if (!targets.ok()) return ErrorResponse(req, targets.status());
  if (targets->empty() && req.Query("allow_no_indices") == "false") {
    return ErrorResponse(req, index::IndexNotFound(req.PathParam("index")));
  }
  if (util::Status s = ctx.catalog->SetClosed(*targets, close); !s.ok()) {
    return ErrorResponse(req, s);
  }
  json::JsonWriter w;
  w.StartObject().Key("acknowledged").Bool(true).Key("shards_acknowledged").Bool(true);
  if (close) {
    w.Key("indices").StartObject();
    for (const auto& index : *targets) {
      w.Key(index->name()).StartObject().Key("closed").Bool(true).EndObject();
    }
    w.EndObject();
  }
  w.EndObject();
  return JsonResponse(req, 200, w.Take());
}
Response Close(const ApiContext& ctx, const Request& req) { return OpenOrClose(ctx, req, true); }
Response Open(const ApiContext& ctx, const Request& req) { return OpenOrClose(ctx, req, false); }

Response ShardsOnly(const ApiContext& ctx, const Request& req) {
  auto targets = ctx.catalog->Resolve(req.PathParam("index"));
  if (!targets.ok()) return ErrorResponse(req, targets.status());
  int total = 0, successful = 0;
  for (const auto& index : *targets) {
    total += ShardCopies(*index);
    successful += index->settings().number_of_shards();
  }
  json::JsonWriter w;
  w.StartObject().Key("_shards").StartObject();
  w.Key("total").Int(total).Key("successful").Int(successful).Key("failed").Int(0);
  w.EndObject().EndObject();
  return JsonResponse(req, 200, w.Take());
}

// POST _forcemerge: RocksDB compacts on its own; the request is answered as
// OpenSearch does once the merge is done (?primary_only: primaries only).
// only_expunge_deletes with max_num_segments is accepted, as 2.x does (with a
// deprecation warning there).
Response ForceMerge(const ApiContext& ctx, const Request& req) {
  if (!FlagParam(req, "primary_only")) return ShardsOnly(ctx, req);
  auto targets = ctx.catalog->Resolve(req.PathParam("index"));
  if (!targets.ok()) return ErrorResponse(req, targets.status());
  int primaries = 0;
  for (const auto& index : *targets) primaries += index->settings().number_of_shards();
  json::JsonWriter w;
  w.StartObject().Key("_shards").StartObject();
  w.Key("total").Int(primaries).Key("successful").Int(primaries).Key("failed").Int(0);
  w.EndObject().EndObject();
  return JsonResponse(req, 200, w.Take());
}

}  // namespace

// _stats lives in index_stats_handlers.cc, _field_caps in field_caps_handlers.cc.
void RegisterIndexStatsRoutes(http::Router& router, const ApiContext& ctx);
void RegisterFieldCapsRoutes(http::Router& router, const ApiContext& ctx);

void RegisterIndexLifecycleRoutes(http::Router& router, const ApiContext& ctx) {
  auto bind = [&ctx](ContextHandler fn) { return BindHandler(ctx, fn); };
  router.Add("PUT", "/{index}/_settings", bind(PutSettings));
  router.Add("PUT", "/_settings", bind(PutSettings));
  router.Add("GET", "/{index}/_settings", bind(GetSettings));
  router.Add("GET", "/_settings", bind(GetSettings));
  router.Add("GET", "/{index}/_settings/{name}", bind(GetSettings));
  router.Add("GET", "/_settings/{name}", bind(GetSettings));
  router.Add("POST", "/{index}/_close", bind(Close));
  router.Add("POST", "/{index}/_open", bind(Open));
  router.Add("POST", "/_forcemerge", bind(ForceMerge), {.pool = http::Pool::kWrite});
  router.Add("POST", "/{index}/_forcemerge", bind(ForceMerge), {.pool = http::Pool::kWrite});
  router.Add("POST", "/_cache/clear", bind(ShardsOnly));
  router.Add("POST", "/{index}/_cache/clear", bind(ShardsOnly));
  RegisterIndexStatsRoutes(router, ctx);
  RegisterFieldCapsRoutes(router, ctx);
}

}  // namespace sluice::api
