#include "api/rest_response.h"

#include <charconv>
#include <cstdint>
#include <set>

#include "api/response_filter.h"
#include "json/json_writer.h"

namespace sluice::api {
namespace {

// Java exceptions that OpenSearch does not count as root causes: when one is
// the innermost cause, the OpenSearch exception wrapping it is the root.
bool IsPlainJavaException(const std::string& type) {
  static const std::set<std::string> kPlain = {
      "illegal_argument_exception", "illegal_state_exception", "validation_exception",
      "json_parse_exception", "number_format_exception", "null_pointer_exception"};
  return kPlain.count(type) > 0;
}

// Metadata OpenSearch renders as JSON numbers (the circuit breaker's).
bool IsNumericMetadata(const std::string& key) {
  return key == "bytes_wanted" || key == "bytes_limit";
}

void WriteFields(json::JsonWriter& w, const util::Status& s) {
  w.Key("type").String(s.type()).Key("reason").String(s.reason());
  for (const auto& [key, value] : s.metadata()) {
    w.Key(key);
    if (value == "true" || value == "false") {
      w.Bool(value == "true");
    } else if (int64_t n = 0; IsNumericMetadata(key) && !value.empty() &&
                              std::from_chars(value.data(), value.data() + value.size(), n).ptr ==
                                  value.data() + value.size()) {
      w.Int(n);
    } else {
      w.String(value);
    }
  }
}

}  // namespace

int HttpStatus(const util::Status& status) {
  switch (status.code()) {
    case util::Code::kOk: return 200;
    case util::Code::kInvalidArgument: return 400;
    case util::Code::kNotFound: return 404;
    case util::Code::kAlreadyExists: return 400;
    case util::Code::kConflict: return 409;
    case util::Code::kForbidden: return 403;
    case util::Code::kUnauthorized: return 401;
    case util::Code::kTooLarge: return 413;
    case util::Code::kTooManyRequests: return 429;
    case util::Code::kUnavailable: return 503;
    case util::Code::kCancelled: return 400;
    case util::Code::kTimeout: return 408;
    case util::Code::kIoError: return 500;
    case util::Code::kInternal: return 500;
  }
  return 500;
}

void WriteErrorObject(json::JsonWriter& w, const util::Status& s) {
  w.StartObject();
  WriteFields(w, s);
  if (const util::Status* cause = s.cause()) {
    w.Key("caused_by");
    WriteErrorObject(w, *cause);
  }
  w.EndObject();
}

void WriteFullError(json::JsonWriter& w, const util::Status& status) {
  const util::Status* root = &status;
  // A search_phase_execution_exception reports its shard failures' causes as the root causes,
  // plain Java ones included (OpenSearch SearchPhaseExecutionException#guessRootCauses).
  if (status.type() == "search_phase_execution_exception" && status.cause() != nullptr) {
    root = status.cause();
  }
  for (const util::Status* c = root->cause(); c != nullptr; c = c->cause()) {
    if (!IsPlainJavaException(c->type())) root = c;
  }
  w.StartObject();
  w.Key("root_cause").StartArray().StartObject();
  WriteFields(w, *root);
  w.EndObject().EndArray();
  WriteFields(w, status);
  if (const util::Status* cause = status.cause()) {
    w.Key("caused_by");
    WriteErrorObject(w, *cause);
  }
  w.EndObject();
}

http::Response ErrorResponse(const http::Request& request, const util::Status& status) {
  return ErrorResponseWithStatus(request, status, HttpStatus(status));
}

http::Response ErrorResponseWithStatus(const http::Request& request, const util::Status& status,
                                       int code) {
  json::JsonWriter w;
  w.StartObject().Key("error");
  WriteFullError(w, status);
  w.Key("status").Int(code).EndObject();
  // Error bodies are not filtered by filter_path (OpenSearch's error builder does not filter).
  http::Response response;
  response.status = code;
  response.body = FlagParam(request, "pretty") ? json::PrettyPrint(w.Take()) : w.Take();
  return response;
}

bool FlagParam(const http::Request& request, std::string_view name) {
  auto v = request.Query(name);
  return v && *v != "false";
}

http::Response JsonResponse(const http::Request& request, int status, std::string body) {
  http::Response response;
  response.status = status;
  if (auto filter = request.Query("filter_path"); filter && !filter->empty()) {
    body = FilterPath(body, *filter);
  }
  response.body = FlagParam(request, "pretty") ? json::PrettyPrint(body) : std::move(body);
  return response;
}

}  // namespace sluice::api
