// Tasks API (ml-commons' shapes, over tasks::TaskManager):
//
//   GET    /_plugins/_ml/tasks/{task_id}
//     200 {"task_type","state","progress"?,"create_time","last_update_time","error"?,
//          "is_async":true,"ingest_status"?,"request"?} — ml-commons' key order, no
//     task_id key; "progress" is ml-commons' float (fraction done, 0–1);
//     "ingest_status" (the detailed status object) and "request" are sluice
//     extensions (raw JSON, absent when empty). A BATCH_PREDICTION task shows
//     "model_id", "function_name", "input_type", "remote_job" (the provider's batch
//     object) and "ingest_task_id" at the top level instead of "ingest_status";
//     a BATCH_INGEST task a pipeline started shows "batch_predict_task_id".
//     404 status_exception "Failed to find task".
//   GET|POST /_plugins/_ml/tasks/_search
//     body (optional): {"query":{"match_all":{}}} | {"query":{"term":{"state"|"task_type":
//     "X" | {"value":"X"}}}}, "size" (default 10), "from" (default 0); ?size= and ?from=
//     override the body. Newest task first. The usual search response, hits from
//     ".plugins-ml-task" with _id = task id and _source = the task as GET shows it.
//     Any other query or key: 400 parsing_exception naming it.
//   DELETE /_plugins/_ml/tasks/{task_id}
//     200 the delete-document response of ".plugins-ml-task". A running task is
//     cancelled and disappears at once; its job stops in the background.
//   POST   /_plugins/_ml/tasks/{task_id}/_cancel
//     200 {"task_id":"<id>","state":"CANCELLED"} for a task that had not started,
//     {"task_id":"<id>","state":"RUNNING"} for a running one (it becomes CANCELLED
//     when its job stops, within about a second). A finished task: 400
//     illegal_argument_exception "Task [<id>] is already <STATE> and cannot be cancelled".
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <charconv>
#include <chrono>
#include <optional>
#include <string>

#include "api/record_search.h"
#include "api/rest_response.h"
#include "api/routes.h"
#include "api/security_filter.h"
#include "json/json_writer.h"
#include "tasks/task_manager.h"

namespace sluice::api {
namespace {

using http::Request;
using http::Response;

constexpr std::string_view kTaskIndex = ".plugins-ml-task";

// A float as Java prints it (the shortest text that reads back the same:
// 0.25, 0.33333334), as ml-commons' Float progress appears.
std::string FloatText(float value) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  std::string text(buf, end);
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  return text;
}

void WriteTask(json::JsonWriter& w, const tasks::TaskRecord& r) {
  w.StartObject();
  w.Key("task_type").String(r.task_type);
  w.Key("state").String(tasks::TaskStateName(r.state));
  if (r.progress) w.Key("progress").Raw(FloatText(*r.progress));
  w.Key("create_time").Int(r.create_time);
  w.Key("last_update_time").Int(r.last_update_time);
  if (r.error) w.Key("error").String(*r.error);
  w.Key("is_async").Bool(true);
  if (r.task_type == "BATCH_PREDICTION") {
    // ml-commons shows the remote job (and sluice the ingest task) at the top level.
    rapidjson::Document status;
    status.Parse(r.ingest_status_json.data(), r.ingest_status_json.size());
    if (!status.HasParseError() && status.IsObject()) {
      for (const auto& m : status.GetObject()) {
        rapidjson::StringBuffer buffer;
        rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
        m.value.Accept(writer);
        w.Key(m.name.GetString()).Raw(std::string_view(buffer.GetString(), buffer.GetSize()));
      }
    }
  } else {
    if (r.task_type == "BATCH_INGEST") {
      // The prediction task whose pipeline started it, next to ingest_status.
      rapidjson::Document request;
      request.Parse(r.request_json.data(), r.request_json.size());
      if (!request.HasParseError() && request.IsObject()) {
        auto link = request.FindMember("batch_predict_task_id");
        if (link != request.MemberEnd() && link->value.IsString()) {
          w.Key("batch_predict_task_id").String(link->value.GetString());
        }
      }
    }
    if (!r.ingest_status_json.empty()) w.Key("ingest_status").Raw(r.ingest_status_json);
  }
  if (!r.request_json.empty()) w.Key("request").Raw(r.request_json);
  w.EndObject();
}

util::Status NoTaskManager() { return util::Internal("the task manager is not configured"); }

// With security, another user's task is answered as a missing one.
util::Status OwnedBy(const ApiContext& ctx, const Request& req, std::string_view id) {
  auto record = ctx.tasks->Get(id);
  if (!record.ok()) return record.status();
  if (!MayAccessTask(ctx, req, record->owner)) {
    return util::Status(util::Code::kNotFound, "status_exception", "Failed to find task");
  }
  return util::Status::Ok();
}

Response GetTask(const ApiContext& ctx, const Request& req) {
  if (ctx.tasks == nullptr) return ErrorResponse(req, NoTaskManager());
  auto record = ctx.tasks->Get(req.PathParam("task_id"));
  if (!record.ok()) return ErrorResponse(req, record.status());
  if (util::Status s = OwnedBy(ctx, req, record->task_id); !s.ok()) return ErrorResponse(req, s);
  json::JsonWriter w;
  WriteTask(w, *record);
  return JsonResponse(req, 200, w.Take());
}

Response DeleteTask(const ApiContext& ctx, const Request& req) {
  if (ctx.tasks == nullptr) return ErrorResponse(req, NoTaskManager());
  std::string_view id = req.PathParam("task_id");
  if (util::Status s = OwnedBy(ctx, req, id); !s.ok()) return ErrorResponse(req, s);
  if (util::Status s = ctx.tasks->Delete(id); !s.ok()) return ErrorResponse(req, s);
  json::JsonWriter w;
  w.StartObject().Key("_index").String(kTaskIndex).Key("_id").String(id);
  w.Key("_version").Int(1).Key("result").String("deleted");
  w.Key("_shards").StartObject().Key("total").Int(1).Key("successful").Int(1);
  w.Key("failed").Int(0).EndObject();
  w.Key("_seq_no").Int(0).Key("_primary_term").Int(1).EndObject();
  return JsonResponse(req, 200, w.Take());
}

Response CancelTask(const ApiContext& ctx, const Request& req) {
  if (ctx.tasks == nullptr) return ErrorResponse(req, NoTaskManager());
  std::string_view id = req.PathParam("task_id");
  if (util::Status s = OwnedBy(ctx, req, id); !s.ok()) return ErrorResponse(req, s);
  if (util::Status s = ctx.tasks->Cancel(id); !s.ok()) return ErrorResponse(req, s);
  auto record = ctx.tasks->Get(id);
  if (!record.ok()) return ErrorResponse(req, record.status());
  json::JsonWriter w;
  w.StartObject().Key("task_id").String(id);
  w.Key("state").String(tasks::TaskStateName(record->state)).EndObject();
  return JsonResponse(req, 200, w.Take());
}

// What a tasks search asks for.
struct TaskQuery {
  std::string field;  // "" = match_all; else "state" or "task_type"
  std::string value;
  int64_t size = 10;
  int64_t from = 0;

  bool Matches(const tasks::TaskRecord& r) const {
    if (field.empty()) return true;
    if (field == "state") return tasks::TaskStateName(r.state) == value;
    return r.task_type == value;
  }
};

util::Status ParseTerm(const rapidjson::Value& term, TaskQuery& out) {
  if (!term.IsObject() || term.MemberCount() != 1) {
    return util::ParsingError("[term] query malformed, expected exactly one field");
  }
  const auto& member = *term.MemberBegin();
  std::string field(member.name.GetString(), member.name.GetStringLength());
  if (field != "state" && field != "task_type") {
    return util::ParsingError("[term] on field [" + field +
                              "] is not supported by the tasks search (use state or task_type)");
  }
  const rapidjson::Value* value = &member.value;
  if (value->IsObject()) {
    auto it = value->FindMember("value");
    if (it == value->MemberEnd() || value->MemberCount() != 1) {
      return util::ParsingError("[term] query on [" + field + "] supports only [value]");
    }
    value = &it->value;
  }
  if (!value->IsString()) {
    return util::ParsingError("[term] value for [" + field + "] must be a string");
  }
  out.field = std::move(field);
  out.value.assign(value->GetString(), value->GetStringLength());
  return util::Status::Ok();
}

util::Status ParseQuery(const rapidjson::Value& query, TaskQuery& out) {
  if (!query.IsObject() || query.MemberCount() != 1) {
    return util::ParsingError("[query] must be an object with exactly one query");
  }
  const auto& member = *query.MemberBegin();
  std::string name(member.name.GetString(), member.name.GetStringLength());
  if (name == "match_all") {
    if (!member.value.IsObject()) return util::ParsingError("[match_all] must be an object");
    return util::Status::Ok();
  }
  if (name == "term") return ParseTerm(member.value, out);
  return util::ParsingError("query [" + name +
                            "] is not supported by the tasks search (use match_all or term)");
}

util::Result<int64_t> NonNegative(std::string_view name, const rapidjson::Value& v) {
  if (!v.IsInt64() || v.GetInt64() < 0) {
    return util::ParsingError("[" + std::string(name) + "] must be a non-negative integer");
  }
  return v.GetInt64();
}

util::Result<int64_t> NonNegative(std::string_view name, std::string_view text) {
  int64_t value = 0;
  if (text.empty() || text.size() > 18) {
    return util::InvalidArgument("Failed to parse int parameter [" + std::string(name) +
                                 "] with value [" + std::string(text) + "]");
  }
  for (char c : text) {
    if (c < '0' || c > '9') {
      return util::InvalidArgument("Failed to parse int parameter [" + std::string(name) +
                                   "] with value [" + std::string(text) + "]");
    }
    value = value * 10 + (c - '0');
  }
  return value;
}

util::Result<TaskQuery> ParseSearch(const Request& req) {
  TaskQuery q;
  if (req.body.find_first_not_of(" \t\r\n") != std::string::npos) {
    rapidjson::Document doc;
    doc.Parse(req.body.data(), req.body.size());
    if (doc.HasParseError()) {
      return util::ParseError(std::string("Failed to parse request body: ") +
                              rapidjson::GetParseError_En(doc.GetParseError()));
    }
    if (!doc.IsObject()) return util::ParsingError("Expected [START_OBJECT] but found [VALUE]");
    for (const auto& member : doc.GetObject()) {
      std::string key(member.name.GetString(), member.name.GetStringLength());
      if (key == "query") {
        SLUICE_RETURN_IF_ERROR(ParseQuery(member.value, q));
      } else if (key == "size") {
        SLUICE_ASSIGN_OR_RETURN(q.size, NonNegative(key, member.value));
      } else if (key == "from") {
        SLUICE_ASSIGN_OR_RETURN(q.from, NonNegative(key, member.value));
      } else {
        return util::ParsingError("[" + key + "] is not supported by the tasks search");
      }
    }
  }
  if (auto size = req.Query("size")) {
    SLUICE_ASSIGN_OR_RETURN(q.size, NonNegative("size", *size));
  }
  if (auto from = req.Query("from")) {
    SLUICE_ASSIGN_OR_RETURN(q.from, NonNegative("from", *from));
  }
  return q;
}

Response SearchTasks(const ApiContext& ctx, const Request& req) {
  auto start = std::chrono::steady_clock::now();
  if (ctx.tasks == nullptr) return ErrorResponse(req, NoTaskManager());
  auto query = ParseSearch(req);
  if (!query.ok()) return ErrorResponse(req, query.status());
  std::vector<tasks::TaskRecord> matches;
  for (auto& record : ctx.tasks->List()) {
    if (query->Matches(record) && MayAccessTask(ctx, req, record.owner)) {
      matches.push_back(std::move(record));
    }
  }
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  json::JsonWriter w;
  WriteRecordSearch(w, took.count(), static_cast<int64_t>(matches.size()), query->from,
                    query->size, [&](size_t i, json::JsonWriter& hit) {
                      const auto& record = matches[i];
                      hit.Key("_index").String(kTaskIndex).Key("_id").String(record.task_id);
                      hit.Key("_score").Double(1.0).Key("_source");
                      WriteTask(hit, record);
                    });
  return JsonResponse(req, 200, w.Take());
}

}  // namespace

void RegisterTaskRoutes(http::Router& router, const ApiContext& ctx) {
  auto bind = [&ctx](ContextHandler fn) { return BindHandler(ctx, fn); };
  router.Add("GET", "/_plugins/_ml/tasks/{task_id}", bind(GetTask));
  router.Add("DELETE", "/_plugins/_ml/tasks/{task_id}", bind(DeleteTask));
  router.Add("POST", "/_plugins/_ml/tasks/{task_id}/_cancel", bind(CancelTask));
  router.Add("GET", "/_plugins/_ml/tasks/_search", bind(SearchTasks));
  router.Add("POST", "/_plugins/_ml/tasks/_search", bind(SearchTasks));
}

}  // namespace sluice::api
