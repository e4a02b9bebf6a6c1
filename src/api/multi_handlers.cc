// _mget and _msearch: many gets or searches in one request, each item
// answered on its own (a failed item carries its error; the others go on).
#include <rapidjson/document.h>

#include <chrono>

#include "api/handler_support.h"
#include "api/rest_response.h"
#include "api/routes.h"
#include "api/search_pipeline_support.h"
#include "api/search_render.h"
#include "index/catalog.h"
#include "json/json_writer.h"
#include "search/search_request.h"

namespace sluice::api {
namespace {

using http::Request;
using http::Response;

util::Status Validation(const std::string& message) {
  return util::Status(util::Code::kInvalidArgument, "action_request_validation_exception",
                      "Validation Failed: 1: " + message + ";");
}

search::SourceFilter DefaultSource(const Request& req) {
  search::SourceFilter filter;
  if (auto s = req.Query("_source")) filter = search::ParseSourceParam(*s);
  if (auto v = req.Query("_source_includes")) {
    filter.includes = search::ParseSourceParam(*v).includes;
  }
  if (auto v = req.Query("_source_excludes")) {
    filter.excludes = search::ParseSourceParam(*v).includes;
  }
  return filter;
}

util::Result<search::SourceFilter> ItemSource(const rapidjson::Value& v,
                                              search::SourceFilter filter) {
  auto strings = [](const rapidjson::Value& list, std::vector<std::string>* out) {
    out->clear();
    if (list.IsString()) out->push_back(list.GetString());
    if (list.IsArray()) {
      for (const auto& s : list.GetArray()) {
        if (s.IsString()) out->push_back(s.GetString());
      }
    }
  };
  if (v.IsBool()) {
    filter.fetch = v.GetBool();
  } else if (v.IsString() || v.IsArray()) {
    filter.fetch = true;
    strings(v, &filter.includes);
  } else if (v.IsObject()) {
    filter.fetch = true;
    for (const char* key : {"includes", "include"}) {
      if (auto it = v.FindMember(key); it != v.MemberEnd()) strings(it->value, &filter.includes);
    }
    for (const char* key : {"excludes", "exclude"}) {
      if (auto it = v.FindMember(key); it != v.MemberEnd()) strings(it->value, &filter.excludes);
    }
  } else {
    return util::ParsingError("[_source] must be a boolean, a string, an array or an object");
  }
  return filter;
}

std::string IdText(const rapidjson::Value& v) {
  if (v.IsString()) return v.GetString();
  if (v.IsInt64()) return std::to_string(v.GetInt64());
  if (v.IsUint64()) return std::to_string(v.GetUint64());
  return "";
}

void WriteGetItem(const ApiContext& ctx, const std::string& index_name, const std::string& id,
                  const search::SourceFilter& source, json::JsonWriter& w) {
  w.StartObject().Key("_index").String(index_name).Key("_id").String(id);
  auto index = ctx.catalog->Get(index_name);
  util::Result<std::optional<index::StoredDocument>> doc =
      index.ok() ? (*index)->Get(id)
                 : util::Result<std::optional<index::StoredDocument>>(index.status());
  if (!doc.ok()) {
    w.Key("error");
    WriteFullError(w, doc.status());
  } else if (!doc->has_value()) {
    w.Key("found").Bool(false);
  } else {
    const index::StoredDocument& d = **doc;
    w.Key("_version").Int(d.version).Key("_seq_no").Int(d.seq_no).Key("_primary_term").Int(1);
    w.Key("found").Bool(true);
    if (source.fetch) w.Key("_source").Raw(source.Apply(d.source));
  }
  w.EndObject();
}

Response MultiGet(const ApiContext& ctx, const Request& req) {
  if (req.body.empty()) return ErrorResponse(req, Validation("no documents to get"));
  rapidjson::Document body;
  body.Parse(req.body.data(), req.body.size());
  if (body.HasParseError() || !body.IsObject()) {
    return ErrorResponse(req, util::ParseError("Failed to parse request body"));
  }
  std::string default_index(req.PathParam("index"));
  search::SourceFilter default_source = DefaultSource(req);
  auto docs = body.FindMember("docs");
  auto ids = body.FindMember("ids");
  for (auto it = body.MemberBegin(); it != body.MemberEnd(); ++it) {
    std::string_view key = it->name.GetString();
    if (key != "docs" && key != "ids") {
      return ErrorResponse(
          req, util::ParsingError("unknown key [" + std::string(key) + "] for a " +
                                  (it->value.IsArray() ? "START_ARRAY" : "START_OBJECT") +
                                  ", expected [docs] or [ids]."));
    }
  }
  json::JsonWriter w;
  w.StartObject().Key("docs").StartArray();
  size_t items = 0;
  if (docs != body.MemberEnd()) {
    if (!docs->value.IsArray()) {
      return ErrorResponse(req, util::ParsingError("docs array element should include an object"));
    }
    for (const auto& d : docs->value.GetArray()) {
      if (!d.IsObject()) {
        return ErrorResponse(req,
                             util::ParsingError("docs array element should include an object"));
      }
      std::string index = default_index, id;
      search::SourceFilter source = default_source;
      for (auto m = d.MemberBegin(); m != d.MemberEnd(); ++m) {
        std::string_view key = m->name.GetString();
        if (key == "_index" && m->value.IsString()) {
          index = m->value.GetString();
        } else if (key == "_id") {
          id = IdText(m->value);
        } else if (key == "_source") {
          auto s = ItemSource(m->value, default_source);
          if (!s.ok()) return ErrorResponse(req, s.status());
          source = *s;
        } else if (key == "routing" || key == "stored_fields" || key == "version" ||
                   key == "version_type") {
          continue;
        } else {
          // As MultiGetRequest: the removed underscore forms (_routing, _version, ...) too.
          return ErrorResponse(req, util::ParseError("failed to parse multi get request. unknown "
                                                     "field [" + std::string(key) + "]"));
        }
      }
      if (index.empty()) {
        return ErrorResponse(req, Validation("index is missing for doc " + std::to_string(items)));
      }
      if (id.empty()) {
        return ErrorResponse(req, Validation("id is missing for doc " + std::to_string(items)));
      }
      WriteGetItem(ctx, index, id, source, w);
      ++items;
    }
  }
  if (ids != body.MemberEnd()) {
    if (!ids->value.IsArray()) {
      return ErrorResponse(req, util::ParsingError("ids must be an array of strings"));
    }
    if (default_index.empty()) {
      return ErrorResponse(req, Validation("index is missing for doc 0"));
    }
    for (const auto& id : ids->value.GetArray()) {
      WriteGetItem(ctx, default_index, IdText(id), default_source, w);
      ++items;
    }
  }
  if (items == 0) return ErrorResponse(req, Validation("no documents to get"));
  w.EndArray().EndObject();
  return JsonResponse(req, 200, w.Take());
}

// One header line of _msearch: the target and the options that change it.
struct MultiSearchHeader {
  std::string index;
  bool ignore_unavailable = false;
};

util::Result<MultiSearchHeader> ParseHeader(std::string_view line, std::string_view fallback) {
  MultiSearchHeader header;
  header.index = std::string(fallback);
  if (line.find_first_not_of(" \t\r") == line.npos) return header;
  rapidjson::Document doc;
  doc.Parse(line.data(), line.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return util::ParseError("Failed to parse the header of a multi search item");
  }
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    std::string_view key = it->name.GetString();
    const rapidjson::Value& v = it->value;
    if (key == "index" || key == "indices") {
      if (v.IsString()) {
        header.index = v.GetString();
      } else if (v.IsArray()) {
        header.index.clear();
        for (const auto& s : v.GetArray()) {
          if (!s.IsString()) return util::InvalidArgument("[index] must be a string or an array");
          if (!header.index.empty()) header.index += ",";
          header.index += s.GetString();
        }
      }
    } else if (key == "ignore_unavailable") {
      header.ignore_unavailable = (v.IsBool() && v.GetBool()) ||
                                  (v.IsString() && std::string_view(v.GetString()) == "true");
    } else if (key == "search_type" || key == "preference" || key == "routing" ||
               key == "request_cache" || key == "allow_no_indices" || key == "expand_wildcards" ||
               key == "allow_partial_search_results" || key == "ccs_minimize_roundtrips" ||
               key == "cancel_after_time_interval" || key == "phase_took") {
      continue;
    } else {
      return util::InvalidArgument("key [" + std::string(key) +
                                   "] is not supported in the "
                                   "metadata section");
    }
  }
  return header;
}

// Runs one item: its status, or writes its response.
util::Status RunItem(const ApiContext& ctx, const Request& req, const MultiSearchHeader& header,
                     std::string_view body, json::JsonWriter& w) {
  auto start = std::chrono::steady_clock::now();
  SLUICE_ASSIGN_OR_RETURN(search::SearchRequest request, search::ParseSearchRequest(body));
  auto targets = ctx.catalog->Resolve(header.index.empty() ? "_all" : header.index);
  if (!targets.ok()) {
    if (!header.ignore_unavailable) return targets.status();
    targets = std::vector<std::shared_ptr<index::Index>>();
  }
  SLUICE_RETURN_IF_ERROR(ApplyAliasFilters(*ctx.catalog, header.index, &request));
  SLUICE_RETURN_IF_ERROR(ResolveSearchPipeline(ctx, std::nullopt, *targets, &request));
  SLUICE_ASSIGN_OR_RETURN(search::SearchResponse response,
                          search::ExecuteSearch(request, *targets));
  SearchRenderOptions options;
  options.took_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
  options.shards = static_cast<int>(targets->size());
  options.total_as_int = FlagParam(req, "rest_total_hits_as_int");
  // OpenSearch adds the item's HTTP status to each response.
  json::JsonWriter item;
  WriteSearchResponse(request, response, options, item);
  std::string text = item.Take();
  text.pop_back();  // reopen the object to append "status"
  text += ",\"status\":200}";
  w.Raw(text);
  return util::Status::Ok();
}

Response MultiSearch(const ApiContext& ctx, const Request& req) {
  auto start = std::chrono::steady_clock::now();
  std::string_view body = req.body;
  std::vector<std::string_view> lines;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t nl = body.find('\n', pos);
    std::string_view line = body.substr(pos, nl == body.npos ? body.npos : nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (nl == body.npos) break;
    pos = nl + 1;
  }
  // Trailing blank lines end the request; blank lines inside are empty headers.
  while (!lines.empty() && lines.back().find_first_not_of(" \t") == std::string_view::npos) {
    lines.pop_back();
  }
  if (lines.empty()) {
    return ErrorResponse(req, Validation("no requests added"));
  }
  if (lines.size() % 2 != 0) {
    return ErrorResponse(req, util::ParseError("The msearch request must be terminated by a "
                                               "newline [\\n]"));
  }
  std::string fallback(req.PathParam("index"));
  json::JsonWriter w;
  w.StartObject().Key("took").Int(0).Key("responses").StartArray();
  for (size_t i = 0; i + 1 < lines.size(); i += 2) {
    auto header = ParseHeader(lines[i], fallback);
    if (!header.ok()) return ErrorResponse(req, header.status());
    json::JsonWriter item;
    util::Status s = RunItem(ctx, req, *header, lines[i + 1], item);
    if (s.ok()) {
      w.Raw(item.Take());
    } else {
      w.StartObject().Key("error");
      WriteFullError(w, s);
      w.Key("status").Int(HttpStatus(s)).EndObject();
    }
  }
  w.EndArray().EndObject();
  std::string text = w.Take();
  // "took" covers the whole request: patch it in now that it is known.
  std::string took = std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::steady_clock::now() - start)
                                        .count());
  text.replace(text.find("\"took\":0") + 7, 1, took);
  return JsonResponse(req, 200, std::move(text));
}

}  // namespace

void RegisterMultiRoutes(http::Router& router, const ApiContext& ctx) {
  const http::RouteOptions kSearchRoute{.pool = http::Pool::kSearch};
  const http::RouteOptions kMultiSearchRoute{.pool = http::Pool::kSearch,
                                             .body = http::BodyFormat::kNdjson};
  for (const char* method : {"GET", "POST"}) {
    router.Add(method, "/_mget", BindHandler(ctx, MultiGet), kSearchRoute);
    router.Add(method, "/{index}/_mget", BindHandler(ctx, MultiGet), kSearchRoute);
    router.Add(method, "/_msearch", BindHandler(ctx, MultiSearch), kMultiSearchRoute);
    router.Add(method, "/{index}/_msearch", BindHandler(ctx, MultiSearch), kMultiSearchRoute);
  }
}

}  // namespace sluice::api
