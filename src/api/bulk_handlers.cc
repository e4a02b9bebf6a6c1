// POST /_bulk and /<index>/_bulk: NDJSON actions, per-item results.
#include <rapidjson/document.h>

#include <chrono>
#include <map>
#include <set>

#include "api/handler_support.h"
#include "api/rest_response.h"
#include "api/routes.h"
#include "index/catalog.h"
#include "json/json_writer.h"
#include "json/value_text.h"

namespace sluice::api {
namespace {

using http::Request;
using http::Response;
using util::InvalidArgument;

struct BulkItem {
  std::string action;  // index, create, update, delete
  std::string index;
  index::WriteOp op;
  index::WriteResult result;
};

util::Status Malformed(size_t line, const std::string& what) {
  return InvalidArgument("Malformed action/metadata line [" + std::to_string(line) + "], " + what);
}

// Parses the NDJSON body into items; request-level errors as OpenSearch's
// BulkRequestParser words them.
util::Result<std::vector<BulkItem>> ParseBulk(std::string_view body, std::string_view path_index) {
  if (body.empty()) return BodyRequired();
  if (body.back() != '\n') {
    return InvalidArgument("The bulk request must be terminated by a newline [\\n]");
  }
  static const std::set<std::string> kActionKeys = {
      "_index", "_id", "routing", "version", "version_type", "if_seq_no", "if_primary_term",
      "pipeline", "require_alias", "retry_on_conflict", "_type", "_source"};
  std::vector<BulkItem> items;
  size_t pos = 0, line = 0;
  auto next_line = [&](std::string_view* out) {
    if (pos >= body.size()) return false;
    size_t nl = body.find('\n', pos);
    *out = body.substr(pos, nl - pos);
    if (!out->empty() && out->back() == '\r') out->remove_suffix(1);
    pos = nl + 1;
    ++line;
    return true;
  };
  std::string_view text;
  while (next_line(&text)) {
    if (text.find_first_not_of(" \t") == std::string_view::npos) continue;
    rapidjson::Document action;
    action.Parse(text.data(), text.size());
    if (action.HasParseError() || !action.IsObject()) {
      return Malformed(line, "expected START_OBJECT or END_OBJECT but found [VALUE_STRING]");
    }
    if (action.MemberCount() != 1) {
      return Malformed(line, "expected one of [create, delete, index, update] but found [" +
                                 std::string(action.MemberCount() ? action.MemberBegin()->name.GetString() : "") +
                                 "]");
    }
    BulkItem item;
    item.action = action.MemberBegin()->name.GetString();
    if (item.action != "index" && item.action != "create" && item.action != "update" &&
        item.action != "delete") {
      return Malformed(line, "expected one of [create, delete, index, update] but found [" +
                                 item.action + "]");
    }
    const rapidjson::Value& meta = action.MemberBegin()->value;
    if (!meta.IsObject()) {
      return Malformed(line, "expected START_OBJECT but found [VALUE_STRING]");
    }
    item.index = std::string(path_index);
    std::optional<std::string> version, version_type;
    for (auto it = meta.MemberBegin(); it != meta.MemberEnd(); ++it) {
      std::string key = it->name.GetString();
      if (!kActionKeys.count(key)) {
        return InvalidArgument("Action/metadata line [" + std::to_string(line) +
                               "] contains an unknown parameter [" + key + "]");
      }
      const rapidjson::Value& v = it->value;
      if (key == "_index" && v.IsString()) item.index = v.GetString();
      if (key == "_id") {
        if (v.IsString()) item.op.id = v.GetString();
        else if (v.IsInt64()) item.op.id = std::to_string(v.GetInt64());
      }
      if (key == "if_seq_no" && v.IsInt64()) item.op.if_seq_no = v.GetInt64();
      if (key == "if_primary_term" && v.IsInt64()) item.op.if_primary_term = v.GetInt64();
      if (key == "version") version = v.IsString() ? v.GetString() : json::ValueText(v);
      if (key == "version_type" && v.IsString()) version_type = v.GetString();
    }
    if (item.index.empty()) {
      return util::Status(util::Code::kInvalidArgument, "action_request_validation_exception",
                          "Validation Failed: 1: index is missing;");
    }
    if (item.op.id.empty() && (item.action == "update" || item.action == "delete")) {
      return util::Status(util::Code::kInvalidArgument, "action_request_validation_exception",
                          "Validation Failed: 1: id is missing;");
    }
    item.op.type = item.action == "index"    ? index::OpType::kIndex
                   : item.action == "create" ? index::OpType::kCreate
                   : item.action == "update" ? index::OpType::kUpdate
                                             : index::OpType::kDelete;
    if (util::Status s = ApplyVersioning(version, version_type, &item.op); !s.ok()) return s;
    if (item.op.type != index::OpType::kDelete) {
      std::string_view source;
      if (!next_line(&source)) {
        return InvalidArgument("The bulk request must be terminated by a newline [\\n]");
      }
      item.op.source = std::string(source);
    }
    items.push_back(std::move(item));
  }
  if (items.empty()) {
    return util::Status(util::Code::kInvalidArgument, "action_request_validation_exception",
                        "Validation Failed: 1: no requests added;");
  }
  return items;
}

Response Bulk(const ApiContext& ctx, const Request& req) {
  auto start = std::chrono::steady_clock::now();
  auto parsed = ParseBulk(req.body, req.PathParam("index"));
  if (!parsed.ok()) return ErrorResponse(req, parsed.status());
  std::vector<BulkItem>& items = *parsed;

  // One durable batch per target index, items kept in request order.
  std::map<std::string, std::vector<size_t>> by_index;
  for (size_t i = 0; i < items.size(); ++i) by_index[items[i].index].push_back(i);
  std::map<std::string, std::shared_ptr<index::Index>> targets;
  for (auto& [name, positions] : by_index) {
    bool creates = false;
    for (size_t i : positions) creates |= items[i].op.type != index::OpType::kDelete;
    auto target = creates ? GetOrCreateIndex(*ctx.catalog, name) : ctx.catalog->Get(name);
    if (!target.ok()) {
      for (size_t i : positions) {
        items[i].result.status = target.status();
        items[i].result.id = items[i].op.id;
      }
      continue;
    }
    targets[name] = *target;
    std::vector<index::WriteOp> ops;
    ops.reserve(positions.size());
    for (size_t i : positions) ops.push_back(std::move(items[i].op));
    std::vector<index::WriteResult> results = (*target)->Write(std::move(ops));
    for (size_t k = 0; k < positions.size(); ++k) items[positions[k]].result = std::move(results[k]);
  }

  bool refresh = RefreshRequested(req);
  bool errors = false;
  json::JsonWriter w;
  w.StartObject();
  w.Key("took").Int(std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count());
  std::string items_json;
  {
    json::JsonWriter iw;
    iw.StartArray();
    for (const auto& item : items) {
      iw.StartObject().Key(item.action).StartObject();
      const index::WriteResult& r = item.result;
      if (!r.status.ok()) {
        errors = true;
        iw.Key("_index").String(item.index).Key("_id").String(r.id);
        iw.Key("status").Int(WriteStatus(r)).Key("error");
        WriteErrorObject(iw, r.status);
      } else {
        WriteResultFields(iw, *targets[item.index], r);
        if (refresh && r.result != "noop") iw.Key("forced_refresh").Bool(true);
        iw.Key("status").Int(WriteStatus(r));
      }
      iw.EndObject().EndObject();
    }
    iw.EndArray();
    items_json = iw.Take();
  }
  w.Key("errors").Bool(errors).Key("items").Raw(items_json).EndObject();
  return JsonResponse(req, 200, w.Take());
}

}  // namespace

void RegisterBulkRoutes(http::Router& router, const ApiContext& ctx) {
  const http::RouteOptions kBulkRoute{.pool = http::Pool::kWrite,
                                      .body = http::BodyFormat::kNdjson};
  const ApiContext* c = &ctx;
  for (const char* method : {"POST", "PUT"}) {
    router.Add(method, "/_bulk", [c](const Request& r) { return Bulk(*c, r); }, kBulkRoute);
    router.Add(method, "/{index}/_bulk", [c](const Request& r) { return Bulk(*c, r); },
               kBulkRoute);
  }
}

}  // namespace sluice::api
