#include "sinks/opensearch/bulk_protocol.h"

#include <simdjson.h>
#include <zlib.h>

#include <cstdio>

namespace sluice::sinks::opensearch {
namespace {

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (char c : s) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(c));
          out->append(buf);
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

std::string StringField(simdjson::dom::element e, std::string_view key) {
  std::string_view v;
  if (e[key].get_string().get(v) == simdjson::SUCCESS) return std::string(v);
  return "";
}

// An OpenSearch error object ({"type","reason","caused_by"}) as a Status.
util::Status StatusFromError(simdjson::dom::element error, long http_status) {
  std::string type = StringField(error, "type");
  std::string reason = StringField(error, "reason");
  if (type.empty()) type = "exception";
  util::Status status(CodeForHttpStatus(http_status), std::move(type), std::move(reason));
  simdjson::dom::element cause;
  if (error["caused_by"].get(cause) == simdjson::SUCCESS && cause.is_object()) {
    status.WithCause(StatusFromError(cause, http_status));
  }
  return status;
}

void CollectFields(simdjson::dom::object properties, const std::string& prefix,
                   ingest::SinkSchema* schema) {
  for (auto [key, field] : properties) {
    std::string path = prefix + std::string(key);
    if (prefix.empty()) schema->top_level_fields.push_back(path);
    std::string_view type;
    if (field["type"].get_string().get(type) == simdjson::SUCCESS && type == "knn_vector") {
      int64_t dimension = 0;
      if (field["dimension"].get_int64().get(dimension) != simdjson::SUCCESS) {
        // OpenSearch renders mapping numbers as numbers, but some proxies stringify them.
        std::string_view text;
        if (field["dimension"].get_string().get(text) == simdjson::SUCCESS) {
          dimension = std::atoll(std::string(text).c_str());
        }
      }
      schema->vector_fields.push_back({path, static_cast<int>(dimension)});
      continue;
    }
    simdjson::dom::object nested;
    if (field["properties"].get_object().get(nested) == simdjson::SUCCESS) {
      CollectFields(nested, path + ".", schema);
    }
  }
}

}  // namespace

void AppendBulkAction(const ingest::SinkDocument& document, std::string* body) {
  if (document.upsert_json) {
    // ml-commons' form when _id is mapped: the mapped fields merge into an
    // existing document; a new one gets them plus nulls.
    body->append("{\"update\":{\"_id\":");
    AppendJsonString(document.id, body);
    body->append("}}\n{\"doc\":");
    body->append(document.source_json);
    body->append(",\"upsert\":");
    body->append(*document.upsert_json);
    body->append("}\n");
    return;
  }
  body->append("{\"index\":{\"_id\":");
  AppendJsonString(document.id, body);
  body->append("}}\n");
  body->append(document.source_json);
  body->push_back('\n');
}

util::Code CodeForHttpStatus(long s) {
  if (s == 400) return util::Code::kInvalidArgument;
  if (s == 401) return util::Code::kUnauthorized;
  if (s == 403) return util::Code::kForbidden;
  if (s == 404) return util::Code::kNotFound;
  if (s == 409) return util::Code::kConflict;
  if (s == 413) return util::Code::kTooLarge;
  if (s == 429) return util::Code::kTooManyRequests;
  if (s >= 500) return util::Code::kUnavailable;
  return util::Code::kInvalidArgument;
}

util::Result<std::vector<BulkItemResult>> ParseBulkItems(std::string_view body, size_t expected) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::dom::array items;
  if (parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS ||
      root["items"].get_array().get(items) != simdjson::SUCCESS) {
    return util::Unavailable("the cluster's _bulk response is not a bulk response");
  }
  std::vector<BulkItemResult> results;
  results.reserve(expected);
  for (simdjson::dom::element wrapper : items) {
    simdjson::dom::object action;
    if (wrapper.get_object().get(action) != simdjson::SUCCESS || action.size() != 1) {
      return util::Unavailable("the cluster's _bulk response has a malformed item");
    }
    simdjson::dom::element item = (*action.begin()).value;
    int64_t status = 0;
    if (item["status"].get_int64().get(status) != simdjson::SUCCESS) {
      return util::Unavailable("the cluster's _bulk response has an item without status");
    }
    BulkItemResult result;
    simdjson::dom::element error;
    bool has_error = item["error"].get(error) == simdjson::SUCCESS && error.is_object();
    std::string type = has_error ? StringField(error, "type") : "";
    result.rejected = status == 429 || type == "es_rejected_execution_exception";
    if (has_error) {
      result.status = StatusFromError(error, status);
    } else if (status >= 300) {
      result.status = util::Status(CodeForHttpStatus(status), "exception",
                                   "the cluster answered HTTP " + std::to_string(status));
    }
    results.push_back(std::move(result));
  }
  if (results.size() != expected) {
    return util::Unavailable("the cluster's _bulk response has " + std::to_string(results.size()) +
                             " items for " + std::to_string(expected) + " documents");
  }
  return results;
}

util::Result<ingest::SinkSchema> ParseIndexSchema(std::string_view body,
                                                  const std::string& index_name) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::dom::object index;
  if (parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS ||
      root.get_object().get(index) != simdjson::SUCCESS) {
    return util::Unavailable("the cluster's answer to GET /" + index_name + " is not JSON");
  }
  // The response is keyed by the concrete index name (an alias resolves to it).
  simdjson::dom::element entry;
  if (root[index_name].get(entry) != simdjson::SUCCESS) {
    if (index.size() != 1) {
      return util::InvalidArgument("[" + index_name +
                                   "] names several indices on the cluster; name one index");
    }
    entry = (*index.begin()).value;
  }
  ingest::SinkSchema schema;
  simdjson::dom::object properties;
  if (entry["mappings"]["properties"].get_object().get(properties) == simdjson::SUCCESS) {
    CollectFields(properties, "", &schema);
  }
  return schema;
}

util::Status ErrorFromResponse(long http_status, std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element root, error;
  if (parser.parse(body.data(), body.size()).get(root) == simdjson::SUCCESS &&
      root["error"].get(error) == simdjson::SUCCESS) {
    if (error.is_object()) return StatusFromError(error, http_status);
    std::string_view text;
    if (error.get_string().get(text) == simdjson::SUCCESS) {
      return util::Status(CodeForHttpStatus(http_status), "exception", std::string(text));
    }
  }
  std::string reason = "the cluster answered HTTP " + std::to_string(http_status);
  std::string_view prefix = body.substr(0, 200);
  if (!prefix.empty()) reason += ": " + std::string(prefix);
  util::Code code = CodeForHttpStatus(http_status);
  std::string type = code == util::Code::kUnauthorized ? "security_exception" : "exception";
  return util::Status(code, std::move(type), std::move(reason));
}

util::Result<std::string> Gzip(std::string_view data) {
  if (data.size() > (1u << 31)) return util::InvalidArgument("body too large to compress");
  z_stream z{};
  if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return util::Internal("deflateInit2 failed");
  }
  std::string out(deflateBound(&z, data.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return util::Internal("gzip failed");
  return out;
}

}  // namespace sluice::sinks::opensearch
