#include "api/by_query.h"

#include <rapidjson/document.h>

#include <chrono>
#include <map>

#include "api/handler_support.h"
#include "api/rest_response.h"
#include "index/catalog.h"
#include "json/json_writer.h"
#include "json/value_text.h"
#include "search/search_request.h"
#include "storage/store.h"

namespace sluice::api {
namespace {

using util::Status;

util::Result<int64_t> PositiveParam(std::string_view name, std::string_view text) {
  try {
    size_t pos = 0;
    int64_t v = std::stoll(std::string(text), &pos);
    if (pos == text.size() && v >= 0) return v;
  } catch (...) {
  }
  return util::InvalidArgument("Failed to parse int parameter [" + std::string(name) +
                               "] with value [" + std::string(text) + "]");
}

Status ScriptUnsupported(std::string_view source) {
  return util::InvalidArgument(
      "sluice runs only these Painless forms in by-query scripts: ctx._source.<field> = "
      "<value or params.x>, ctx._source.remove('<field>'), ctx.op = 'noop' (statements "
      "separated by ';'); got [" +
      std::string(source) + "]");
}

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == s.npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

bool IsFieldName(std::string_view f) {
  if (f.empty()) return false;
  for (char c : f) {
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

// One statement of the supported subset, checked at parse time and applied
// to each document.
struct ScriptStep {
  enum class Op { kSet, kRemove, kNoop } op = Op::kSet;
  std::string field;
  std::string value_json;  // kSet: the value as JSON
};

util::Result<std::vector<ScriptStep>> CompileScript(std::string_view source,
                                                    std::string_view params_json) {
  rapidjson::Document params;
  if (!params_json.empty()) params.Parse(params_json.data(), params_json.size());
  std::vector<ScriptStep> steps;
  size_t start = 0;
  while (start <= source.size()) {
    size_t semi = source.find(';', start);
    std::string stmt = Trim(source.substr(start, semi == source.npos ? source.npos : semi - start));
    start = semi == source.npos ? source.size() + 1 : semi + 1;
    if (stmt.empty()) continue;
    ScriptStep step;
    constexpr std::string_view kSrc = "ctx._source.";
    if (stmt.rfind("ctx.op", 0) == 0) {
      std::string rhs =
          Trim(stmt.substr(stmt.find('=') == std::string::npos ? stmt.size() : stmt.find('=') + 1));
      if (rhs != "'noop'" && rhs != "\"noop\"") return ScriptUnsupported(source);
      step.op = ScriptStep::Op::kNoop;
    } else if (stmt.rfind("ctx._source.remove(", 0) == 0) {
      std::string arg = Trim(stmt.substr(19));
      if (arg.size() < 3 || arg.back() != ')') return ScriptUnsupported(source);
      arg = Trim(arg.substr(0, arg.size() - 1));
      if (arg.size() < 2 || (arg.front() != '\'' && arg.front() != '"') ||
          arg.back() != arg.front()) {
        return ScriptUnsupported(source);
      }
      step.op = ScriptStep::Op::kRemove;
      step.field = arg.substr(1, arg.size() - 2);
    } else if (stmt.rfind(kSrc, 0) == 0 && stmt.find('=') != std::string::npos) {
      size_t eq = stmt.find('=');
      if (eq + 1 < stmt.size() && stmt[eq + 1] == '=') return ScriptUnsupported(source);
      step.field = Trim(stmt.substr(kSrc.size(), eq - kSrc.size()));
      if (!IsFieldName(step.field)) return ScriptUnsupported(source);
      std::string rhs = Trim(stmt.substr(eq + 1));
      if (rhs.rfind("params.", 0) == 0) {
        std::string name = rhs.substr(7);
        if (!params.IsObject() || !params.HasMember(name.c_str())) {
          return util::InvalidArgument("runtime error: params." + name + " is not set");
        }
        step.value_json = json::ValueText(params[name.c_str()]);
      } else if (rhs.size() >= 2 && rhs.front() == '\'' && rhs.back() == '\'') {
        json::JsonWriter w;
        w.String(rhs.substr(1, rhs.size() - 2));
        step.value_json = w.Take();
      } else {
        rapidjson::Document literal;
        literal.Parse(rhs.data(), rhs.size());
        if (literal.HasParseError() || literal.IsObject() || literal.IsArray()) {
          return ScriptUnsupported(source);
        }
        step.value_json = rhs;
      }
    } else {
      return ScriptUnsupported(source);
    }
    steps.push_back(std::move(step));
  }
  return steps;
}

// Applies the script to a document's source; nullopt: ctx.op = 'noop'.
std::optional<std::string> ApplyScript(const std::vector<ScriptStep>& steps,
                                       std::string_view source) {
  rapidjson::Document doc;
  doc.Parse(source.data(), source.size());
  if (doc.HasParseError() || !doc.IsObject()) return std::string(source);
  auto& alloc = doc.GetAllocator();
  for (const auto& step : steps) {
    if (step.op == ScriptStep::Op::kNoop) return std::nullopt;
    rapidjson::Value key(step.field.c_str(), static_cast<rapidjson::SizeType>(step.field.size()),
                         alloc);
    doc.RemoveMember(key);
    if (step.op == ScriptStep::Op::kSet) {
      rapidjson::Document value;
      value.Parse(step.value_json.data(), step.value_json.size());
      doc.AddMember(key, rapidjson::Value(value, alloc), alloc);
    }
  }
  return json::ValueText(doc);
}

std::string FailureJson(const std::string& index, const std::string& id, const Status& cause) {
  json::JsonWriter w;
  w.StartObject().Key("index").String(index).Key("id").String(id).Key("cause");
  WriteErrorObject(w, cause);
  w.Key("status").Int(HttpStatus(cause)).EndObject();
  return w.Take();
}

void WriteCounters(json::JsonWriter& w, const ByQueryResult& r) {
  w.Key("total").Int(r.total).Key("updated").Int(r.updated).Key("created").Int(r.created);
  w.Key("deleted").Int(r.deleted).Key("batches").Int(r.batches);
  w.Key("version_conflicts").Int(r.version_conflicts).Key("noops").Int(r.noops);
  w.Key("retries").StartObject().Key("bulk").Int(0).Key("search").Int(0).EndObject();
  w.Key("throttled_millis").Int(0).Key("requests_per_second").Double(-1.0);
  w.Key("throttled_until_millis").Int(0);
}

}  // namespace

std::string ByQueryResult::ToJson() const {
  json::JsonWriter w;
  w.StartObject().Key("took").Int(took_ms).Key("timed_out").Bool(false);
  WriteCounters(w, *this);
  w.Key("failures").StartArray();
  for (const auto& f : failures) w.Raw(f);
  w.EndArray().EndObject();
  return w.Take();
}

std::string ByQueryResult::StatusJson() const {
  json::JsonWriter w;
  w.StartObject();
  WriteCounters(w, *this);
  w.EndObject();
  return w.Take();
}

std::string_view ByQueryAction(ByQueryKind kind) {
  switch (kind) {
    case ByQueryKind::kDelete:
      return "indices:data/write/delete/byquery";
    case ByQueryKind::kUpdate:
      return "indices:data/write/update/byquery";
    case ByQueryKind::kReindex:
      break;
  }
  return "indices:data/write/reindex";
}

util::Result<ByQueryRequest> ParseByQuery(ByQueryKind kind, std::string_view path_indices,
                                          std::string_view body,
                                          std::optional<std::string_view> conflicts,
                                          std::optional<std::string_view> max_docs,
                                          std::optional<std::string_view> scroll_size,
                                          std::optional<std::string_view> q) {
  ByQueryRequest r;
  r.kind = kind;
  r.source_indices = std::string(path_indices);
  std::string query_json;
  if (q) {
    json::JsonWriter w;
    w.StartObject().Key("query_string").StartObject().Key("query").String(*q);
    w.EndObject().EndObject();
    query_json = w.Take();
  }
  std::optional<std::string> conflicts_value;
  if (conflicts) conflicts_value = std::string(*conflicts);
  if (max_docs) {
    SLUICE_ASSIGN_OR_RETURN(r.max_docs, PositiveParam("max_docs", *max_docs));
  }
  if (scroll_size) {
    SLUICE_ASSIGN_OR_RETURN(r.scroll_size, PositiveParam("scroll_size", *scroll_size));
  }
  if (body.find_first_not_of(" \t\r\n") != body.npos) {
    rapidjson::Document doc;
    doc.Parse(body.data(), body.size());
    if (doc.HasParseError() || !doc.IsObject()) {
      return util::ParseError("Failed to parse request body");
    }
    for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
      std::string key = it->name.GetString();
      const rapidjson::Value& v = it->value;
      if (key == "query" && kind != ByQueryKind::kReindex) {
        query_json = json::ValueText(v);
      } else if (key == "max_docs" || key == "size") {
        if (!v.IsInt64() || v.GetInt64() < 0) {
          return util::InvalidArgument("[max_docs] parameter cannot be negative, found [" +
                                       json::ValueText(v) + "]");
        }
        r.max_docs = v.GetInt64();
      } else if (key == "conflicts" && v.IsString()) {
        conflicts_value = v.GetString();
      } else if (key == "script" && kind != ByQueryKind::kDelete) {
        if (v.IsString()) {
          r.script_source = v.GetString();
        } else if (v.IsObject()) {
          if (v.HasMember("lang") && v["lang"].IsString() &&
              std::string_view(v["lang"].GetString()) != "painless") {
            return util::InvalidArgument("script_lang not supported [" +
                                         std::string(v["lang"].GetString()) + "]");
          }
          if (v.HasMember("id")) {
            return util::InvalidArgument("stored scripts are not supported by sluice");
          }
          if (v.HasMember("source") && v["source"].IsString())
            r.script_source = v["source"].GetString();
          if (v.HasMember("inline") && v["inline"].IsString())
            r.script_source = v["inline"].GetString();
          if (v.HasMember("params") && v["params"].IsObject()) {
            r.script_params = json::ValueText(v["params"]);
          }
        } else {
          return util::ParsingError("[script] must be a string or an object");
        }
      } else if (key == "source" && kind == ByQueryKind::kReindex && v.IsObject()) {
        for (auto s = v.MemberBegin(); s != v.MemberEnd(); ++s) {
          std::string sk = s->name.GetString();
          if (sk == "index") {
            if (s->value.IsString()) {
              r.source_indices = s->value.GetString();
            } else if (s->value.IsArray()) {
              for (const auto& e : s->value.GetArray()) {
                if (!e.IsString()) continue;
                r.source_indices +=
                    (r.source_indices.empty() ? "" : ",") + std::string(e.GetString());
              }
            }
          } else if (sk == "query") {
            query_json = json::ValueText(s->value);
          } else if (sk == "_source") {
            if (s->value.IsString()) r.source_includes.push_back(s->value.GetString());
            if (s->value.IsArray()) {
              for (const auto& e : s->value.GetArray()) {
                if (e.IsString()) r.source_includes.push_back(e.GetString());
              }
            }
          } else if (sk == "size") {
            if (s->value.IsInt64() && s->value.GetInt64() > 0) r.scroll_size = s->value.GetInt64();
          } else if (sk == "remote") {
            return util::InvalidArgument(
                "reindex from a remote cluster is not supported by sluice");
          } else {
            return util::ParsingError("[source] unknown field [" + sk + "]");
          }
        }
      } else if (key == "dest" && kind == ByQueryKind::kReindex && v.IsObject()) {
        for (auto d = v.MemberBegin(); d != v.MemberEnd(); ++d) {
          std::string dk = d->name.GetString();
          if (dk == "index" && d->value.IsString()) {
            r.dest_index = d->value.GetString();
          } else if (dk == "op_type" && d->value.IsString()) {
            std::string op = d->value.GetString();
            if (op != "create" && op != "index") {
              return util::InvalidArgument("opType must be 'create' or 'index', found: [" + op +
                                           "]");
            }
            r.dest_op_create = op == "create";
          } else if (dk == "version_type" || dk == "pipeline" || dk == "routing") {
            continue;  // accepted
          } else {
            return util::ParsingError("[dest] unknown field [" + dk + "]");
          }
        }
      } else {
        return util::ParsingError("Unknown key for a " +
                                  std::string(v.IsObject() ? "START_OBJECT" : "VALUE") + " in [" +
                                  key + "].");
      }
    }
  }
  if (conflicts_value && *conflicts_value != "proceed" && *conflicts_value != "abort") {
    return util::InvalidArgument("conflicts may only be \"proceed\" or \"abort\" but was [" +
                                 *conflicts_value + "]");
  }
  r.proceed_on_conflict = conflicts_value == "proceed";
  if (kind == ByQueryKind::kReindex) {
    std::string missing;
    if (r.source_indices.empty())
      missing += "1: use _all if you really want to copy from all existing indexes;";
    if (r.dest_index.empty())
      missing += (missing.empty() ? "1" : " 2") + std::string(": index must be specified;");
    if (!missing.empty()) {
      return Status(util::Code::kInvalidArgument, "action_request_validation_exception",
                    "Validation Failed: " + missing);
    }
  } else if (body.empty() && !q && kind == ByQueryKind::kDelete) {
    return Status(util::Code::kInvalidArgument, "action_request_validation_exception",
                  "Validation Failed: 1: query is missing;");
  }
  if (!r.script_source.empty()) {
    SLUICE_RETURN_IF_ERROR(CompileScript(r.script_source, r.script_params).status());
  }
  r.search_body = query_json.empty() ? "{}" : "{\"query\":" + query_json + "}";
  return r;
}

util::Result<ByQueryResult> RunByQuery(index::Catalog& catalog, const ByQueryRequest& request,
                                       const std::function<bool()>& cancelled) {
  auto started = std::chrono::steady_clock::now();
  std::vector<ScriptStep> script;
  if (!request.script_source.empty()) {
    SLUICE_ASSIGN_OR_RETURN(script, CompileScript(request.script_source, request.script_params));
  }
  SLUICE_ASSIGN_OR_RETURN(auto indices, catalog.Resolve(request.source_indices));
  SLUICE_ASSIGN_OR_RETURN(search::SearchRequest search,
                          search::ParseSearchRequest(request.search_body));
  search.track_total_hits = std::nullopt;
  SLUICE_RETURN_IF_ERROR(ApplyAliasFilters(catalog, request.source_indices, &search));
  SLUICE_ASSIGN_OR_RETURN(search::RankedSearch ranked, search::RankAll(search, indices));
  std::shared_ptr<index::Index> dest;
  if (request.kind == ByQueryKind::kReindex) {
    SLUICE_ASSIGN_OR_RETURN(dest, GetOrCreateIndex(catalog, request.dest_index));
  }
  search::SourceFilter filter;
  filter.includes = request.source_includes;
  ByQueryResult result;
  size_t limit = ranked.hits.size();
  if (request.max_docs) limit = std::min<size_t>(limit, static_cast<size_t>(*request.max_docs));
  result.total = static_cast<int64_t>(limit);
  bool aborted = false;
  for (size_t begin = 0; begin < limit && !aborted; begin += request.scroll_size) {
    if (cancelled && cancelled()) return util::Cancelled("task cancelled");
    size_t end =
        std::min(limit, begin + static_cast<size_t>(std::max<int64_t>(1, request.scroll_size)));
    ++result.batches;
    // Writes grouped per target index, in hit order.
    std::map<index::Index*, std::pair<std::shared_ptr<index::Index>, std::vector<index::WriteOp>>>
        ops;
    for (size_t i = begin; i < end; ++i) {
      const auto& hit = ranked.hits[i];
      const auto& source_index = indices[hit.index_pos];
      SLUICE_ASSIGN_OR_RETURN(auto doc,
                              source_index->Get(hit.id, *ranked.snapshots[hit.index_pos]));
      if (!doc) continue;  // deleted before the snapshot's view: nothing to do
      index::WriteOp op;
      op.id = doc->id;
      if (request.kind == ByQueryKind::kDelete) {
        op.type = index::OpType::kDelete;
        op.if_seq_no = doc->seq_no;
        op.if_primary_term = 1;
      } else {
        std::string source = doc->source;
        if (request.kind == ByQueryKind::kReindex && !filter.includes.empty()) {
          source = filter.Apply(source);
        }
        if (!script.empty()) {
          auto scripted = ApplyScript(script, source);
          if (!scripted) {
            ++result.noops;
            continue;
          }
          source = std::move(*scripted);
        }
        op.source = std::move(source);
        if (request.kind == ByQueryKind::kUpdate) {
          op.type = index::OpType::kIndex;
          op.if_seq_no = doc->seq_no;
          op.if_primary_term = 1;
        } else {
          op.type = request.dest_op_create ? index::OpType::kCreate : index::OpType::kIndex;
        }
      }
      auto& target = request.kind == ByQueryKind::kReindex ? dest : source_index;
      auto& slot = ops[target.get()];
      slot.first = target;
      slot.second.push_back(std::move(op));
    }
    for (auto& [raw, slot] : ops) {
      std::vector<std::string> ids;
      for (const auto& op : slot.second) ids.push_back(op.id);
      auto results = slot.first->Write(std::move(slot.second));
      for (size_t k = 0; k < results.size(); ++k) {
        const auto& r = results[k];
        if (!r.status.ok()) {
          if (r.status.code() == util::Code::kConflict ||
              r.status.code() == util::Code::kAlreadyExists) {
            ++result.version_conflicts;
            if (request.proceed_on_conflict) continue;
          }
          result.failures.push_back(FailureJson(slot.first->name(), ids[k], r.status));
          result.failure_status = std::max(result.failure_status, HttpStatus(r.status));
          aborted = true;
          continue;
        }
        if (request.kind == ByQueryKind::kDelete) {
          if (r.result == "deleted") ++result.deleted;
        } else if (r.result == "created") {
          ++result.created;
        } else if (r.result == "noop") {
          ++result.noops;
        } else {
          ++result.updated;
        }
      }
    }
  }
  result.took_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now() - started)
                       .count();
  return result;
}

}  // namespace sluice::api
