// POST|GET /_search/scroll[/<id>] (the next page of a scroll),
// DELETE /_search/scroll[/<ids>|/_all] (free contexts), and the point in time
// API: POST /<index>/_search/point_in_time, DELETE /_search/point_in_time
// [/_all], GET /_search/point_in_time/_all.
#include <rapidjson/document.h>

#include <algorithm>
#include <chrono>

#include "api/rest_response.h"
#include "api/routes.h"
#include "api/search_render.h"
#include "index/catalog.h"
#include "json/json_writer.h"
#include "search/search_context_store.h"
#include "util/split.h"

namespace sluice::api {
namespace {

using http::Request;
using http::Response;

struct ScrollBody {
  std::vector<std::string> ids;
  std::optional<std::string> scroll;
};

// {"scroll_id": "..." | [...], "scroll": "1m"}; a plain-text body is the id.
util::Result<ScrollBody> ParseBody(const Request& req) {
  ScrollBody out;
  std::string_view body = req.body;
  if (body.find_first_not_of(" \t\r\n") == body.npos) return out;
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    if (body.front() == '{') return util::ParseError("Failed to parse request body");
    out.ids = util::SplitNonEmpty(body);
    return out;
  }
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    std::string_view key = it->name.GetString();
    const rapidjson::Value& v = it->value;
    if (key == "scroll_id") {
      if (v.IsString()) {
        out.ids.push_back(v.GetString());
      } else if (v.IsArray()) {
        for (const auto& s : v.GetArray()) {
          if (s.IsString()) out.ids.push_back(s.GetString());
        }
      }
    } else if (key == "scroll" && v.IsString()) {
      out.scroll = v.GetString();
    } else {
      return util::InvalidArgument("Unknown parameter [" + std::string(key) +
                                   "] in request body or parameter is of the wrong type[" +
                                   (v.IsString() ? "VALUE_STRING" : "START_OBJECT") + "] ");
    }
  }
  return out;
}

Response Next(const ApiContext& ctx, const Request& req) {
  auto start = std::chrono::steady_clock::now();
  if (ctx.search_contexts == nullptr) {
    return ErrorResponse(req, util::InvalidArgument("scroll is not available on this node"));
  }
  auto body = ParseBody(req);
  if (!body.ok()) return ErrorResponse(req, body.status());
  // The body overrides the URL, as in OpenSearch.
  std::string id(req.PathParam("scroll_id"));
  if (auto q = req.Query("scroll_id")) id = std::string(*q);
  if (!body->ids.empty()) id = body->ids.front();
  if (id.empty()) {
    return ErrorResponse(
        req, util::Status(util::Code::kInvalidArgument, "action_request_validation_exception",
                          "Validation Failed: 1: scrollId is missing;"));
  }
  std::optional<int64_t> keep_alive;
  std::optional<std::string> scroll;
  if (auto q = req.Query("scroll")) scroll = std::string(*q);
  if (body->scroll) scroll = body->scroll;
  if (scroll) {
    auto ms = search::ParseKeepAlive(*scroll, "scroll");
    if (!ms.ok()) return ErrorResponse(req, ms.status());
    keep_alive = *ms;
  }
  auto page = ctx.search_contexts->Next(id, keep_alive);
  if (!page.ok()) return ErrorResponse(req, page.status());
  search::SearchRequest flags;
  flags.version = page->version;
  flags.seq_no_primary_term = page->seq_no_primary_term;
  return ScrollPageResponse(req, flags, *page, start);
}

Response Clear(const ApiContext& ctx, const Request& req) {
  if (ctx.search_contexts == nullptr) {
    return ErrorResponse(req, util::InvalidArgument("scroll is not available on this node"));
  }
  auto body = ParseBody(req);
  if (!body.ok()) return ErrorResponse(req, body.status());
  // Ids in the body override those in the URL, as in OpenSearch.
  std::vector<std::string> ids =
      body->ids.empty() ? util::SplitNonEmpty(req.PathParam("scroll_id")) : body->ids;
  size_t freed = 0;
  const bool all = std::find(ids.begin(), ids.end(), "_all") != ids.end();
  if (all) {
    freed = ctx.search_contexts->ClearAll();
  } else if (ids.empty()) {
    return ErrorResponse(
        req, util::Status(util::Code::kInvalidArgument, "action_request_validation_exception",
                          "Validation Failed: 1: no scroll ids specified;"));
  } else {
    freed = ctx.search_contexts->Clear(ids);
  }
  json::JsonWriter w;
  w.StartObject().Key("succeeded").Bool(true).Key("num_freed").Uint(freed).EndObject();
  // OpenSearch answers 404 when none of the given contexts existed.
  return JsonResponse(req, freed == 0 && !all ? 404 : 200, w.Take());
}

// POST /<index>/_search/point_in_time?keep_alive=<time>.
Response CreatePit(const ApiContext& ctx, const Request& req) {
  if (ctx.search_contexts == nullptr) {
    return ErrorResponse(req, util::InvalidArgument("point in time is not available on this node"));
  }
  auto keep_alive_text = req.Query("keep_alive");
  if (!keep_alive_text) {
    return ErrorResponse(
        req, util::Status(util::Code::kInvalidArgument, "action_request_validation_exception",
                          "Validation Failed: 1: keep alive not specified;"));
  }
  auto keep_alive = search::ParseKeepAlive(*keep_alive_text, "keep_alive");
  if (!keep_alive.ok()) return ErrorResponse(req, keep_alive.status());
  auto targets = ctx.catalog->Resolve(req.PathParam("index"));
  if (!targets.ok()) return ErrorResponse(req, targets.status());
  auto pit = ctx.search_contexts->CreatePit(*targets, *keep_alive);
  if (!pit.ok()) return ErrorResponse(req, pit.status());
  const int shards = static_cast<int>(targets->size());
  json::JsonWriter w;
  w.StartObject().Key("pit_id").String(pit->pit_id);
  w.Key("_shards").StartObject().Key("total").Int(shards).Key("successful").Int(shards);
  w.Key("skipped").Int(0).Key("failed").Int(0).EndObject();
  w.Key("creation_time").Int(pit->creation_time).EndObject();
  return JsonResponse(req, 200, w.Take());
}

void WriteDeleted(const std::vector<std::pair<std::string, bool>>& pits, json::JsonWriter& w) {
  w.StartObject().Key("pits").StartArray();
  for (const auto& [id, ok] : pits) {
    w.StartObject().Key("successful").Bool(ok).Key("pit_id").String(id).EndObject();
  }
  w.EndArray().EndObject();
}

// DELETE /_search/point_in_time {"pit_id": ["..."]}.
Response DeletePits(const ApiContext& ctx, const Request& req) {
  if (ctx.search_contexts == nullptr) {
    return ErrorResponse(req, util::InvalidArgument("point in time is not available on this node"));
  }
  std::vector<std::string> ids;
  rapidjson::Document doc;
  doc.Parse(req.body.data(), req.body.size());
  if (!req.body.empty() && (doc.HasParseError() || !doc.IsObject())) {
    return ErrorResponse(req, util::ParseError("Failed to parse request body"));
  }
  if (doc.IsObject()) {
    for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
      std::string_view key = it->name.GetString();
      if (key != "pit_id") {
        return ErrorResponse(req, util::InvalidArgument("Unknown parameter [" + std::string(key) +
                                                        "] in request body"));
      }
      if (it->value.IsString()) ids.push_back(it->value.GetString());
      if (it->value.IsArray()) {
        for (const auto& v : it->value.GetArray()) {
          if (v.IsString()) ids.push_back(v.GetString());
        }
      }
    }
  }
  if (ids.empty()) {
    return ErrorResponse(
        req, util::Status(util::Code::kInvalidArgument, "action_request_validation_exception",
                          "Validation Failed: 1: No pit ids specified;"));
  }
  json::JsonWriter w;
  WriteDeleted(ctx.search_contexts->DeletePits(ids), w);
  return JsonResponse(req, 200, w.Take());
}

// DELETE /_search/point_in_time/_all.
Response DeleteAllPits(const ApiContext& ctx, const Request& req) {
  if (ctx.search_contexts == nullptr) {
    return ErrorResponse(req, util::InvalidArgument("point in time is not available on this node"));
  }
  std::vector<std::pair<std::string, bool>> deleted;
  for (auto& id : ctx.search_contexts->DeleteAllPits()) deleted.emplace_back(std::move(id), true);
  json::JsonWriter w;
  WriteDeleted(deleted, w);
  return JsonResponse(req, 200, w.Take());
}

// GET /_search/point_in_time/_all.
Response ListPits(const ApiContext& ctx, const Request& req) {
  if (ctx.search_contexts == nullptr) {
    return ErrorResponse(req, util::InvalidArgument("point in time is not available on this node"));
  }
  json::JsonWriter w;
  w.StartObject().Key("pits").StartArray();
  for (const auto& pit : ctx.search_contexts->ListPits()) {
    w.StartObject().Key("pit_id").String(pit.pit_id);
    w.Key("creation_time").Int(pit.creation_time);
    w.Key("keep_alive").Int(pit.keep_alive_ms).EndObject();
  }
  w.EndArray().EndObject();
  return JsonResponse(req, 200, w.Take());
}

}  // namespace

void RegisterScrollRoutes(http::Router& router, const ApiContext& ctx) {
  const http::RouteOptions kSearchRoute{.pool = http::Pool::kSearch};
  for (const char* method : {"GET", "POST"}) {
    router.Add(method, "/_search/scroll", BindHandler(ctx, Next), kSearchRoute);
    router.Add(method, "/_search/scroll/{scroll_id}", BindHandler(ctx, Next), kSearchRoute);
  }
  router.Add("DELETE", "/_search/scroll", BindHandler(ctx, Clear));
  router.Add("DELETE", "/_search/scroll/{scroll_id}", BindHandler(ctx, Clear));
  router.Add("POST", "/{index}/_search/point_in_time", BindHandler(ctx, CreatePit));
  router.Add("DELETE", "/_search/point_in_time", BindHandler(ctx, DeletePits));
  router.Add("DELETE", "/_search/point_in_time/_all", BindHandler(ctx, DeleteAllPits));
  router.Add("GET", "/_search/point_in_time/_all", BindHandler(ctx, ListPits));
}

}  // namespace sluice::api
