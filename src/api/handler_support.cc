#include "api/handler_support.h"

#include <rapidjson/document.h>

#include "api/rest_response.h"
#include "index/catalog.h"
#include "index/index.h"
#include "json/json_writer.h"
#include "search/query_parser.h"
#include "search/search_request.h"

namespace sluice::api {

util::Result<std::shared_ptr<index::Index>> GetOrCreateIndex(index::Catalog& catalog,
                                                             std::string_view name) {
  auto found = catalog.Get(name);
  if (found.ok() || found.status().code() != util::Code::kNotFound) return found;
  auto created = catalog.Create(name, "");
  if (created.ok() || created.status().code() != util::Code::kAlreadyExists) return created;
  return catalog.Get(name);  // created concurrently by another request
}

void WriteShards(json::JsonWriter& w, const index::Index& index) {
  w.Key("_shards").StartObject();
  w.Key("total").Int(1 + index.settings().number_of_replicas());
  w.Key("successful").Int(1);
  w.Key("failed").Int(0);
  w.EndObject();
}

bool RefreshRequested(const http::Request& request) {
  auto v = request.Query("refresh");
  return v && *v != "false" && *v != "wait_for";
}

void WriteResultFields(json::JsonWriter& w, const index::Index& index,
                       const index::WriteResult& result) {
  w.Key("_index").String(index.name());
  w.Key("_id").String(result.id);
  w.Key("_version").Int(result.version);
  w.Key("result").String(result.result);
  if (result.result == "noop") {
    w.Key("_shards").StartObject().Key("total").Int(0).Key("successful").Int(0);
    w.Key("failed").Int(0).EndObject();
  } else {
    WriteShards(w, index);
  }
  w.Key("_seq_no").Int(result.seq_no);
  w.Key("_primary_term").Int(1);
}

int WriteStatus(const index::WriteResult& result) {
  if (!result.status.ok()) return HttpStatus(result.status);
  if (result.result == "created") return 201;
  if (result.result == "not_found") return 404;
  return 200;
}

util::Status ApplyVersioning(std::optional<std::string_view> version,
                             std::optional<std::string_view> version_type, index::WriteOp* op) {
  auto invalid = [](std::string what) {
    return util::Status(util::Code::kInvalidArgument, "action_request_validation_exception",
                        "Validation Failed: 1: " + what + ";");
  };
  if (version_type && *version_type != "internal") {
    if (*version_type == "external") op->version_type = index::VersionType::kExternal;
    else if (*version_type == "external_gte") op->version_type = index::VersionType::kExternalGte;
    else return util::InvalidArgument("No version type match [" + std::string(*version_type) + "]");
  }
  if (op->version_type == index::VersionType::kInternal) return util::Status();
  const std::string type_name =
      op->version_type == index::VersionType::kExternal ? "EXTERNAL" : "EXTERNAL_GTE";
  if (op->type == index::OpType::kCreate) {
    return invalid("create operations only support internal versioning. use index instead");
  }
  if (op->type == index::OpType::kUpdate) {
    return invalid("version type [" + type_name + "] is not supported by the update API");
  }
  // Absent, the version is OpenSearch's MATCH_ANY (-3), which no external write accepts.
  int64_t v = -3;
  if (version) {
    try {
      size_t pos = 0;
      v = std::stoll(std::string(*version), &pos);
      if (pos != version->size()) throw std::invalid_argument("trailing");
    } catch (...) {
      return util::InvalidArgument("Failed to parse [version] value [" + std::string(*version) +
                                   "]");
    }
  }
  if (v < 0) {
    return invalid("illegal version value [" + std::to_string(v) + "] for version type [" +
                   type_name + "]");
  }
  op->version = v;
  return util::Status();
}

util::Status ApplyAliasFilters(const index::Catalog& catalog, std::string_view expression,
                               search::SearchRequest* request) {
  for (const auto& [index, filters] : catalog.AliasFilters(expression)) {
    std::string json = filters.front();
    if (filters.size() > 1) {
      json = R"({"bool":{"should":[)";
      for (size_t i = 0; i < filters.size(); ++i) json += (i ? "," : "") + filters[i];
      json += R"(],"minimum_should_match":1}})";
    }
    rapidjson::Document doc;
    doc.Parse(json.data(), json.size());
    if (doc.HasParseError()) return util::Internal("corrupt alias filter on [" + index + "]");
    auto query = search::ParseQuery(doc);
    if (!query.ok()) return query.status();
    request->alias_filters[index] = std::shared_ptr<const search::Query>(std::move(*query));
  }
  return util::Status::Ok();
}

util::Status BodyRequired() { return util::ParseError("request body is required"); }

}  // namespace sluice::api
