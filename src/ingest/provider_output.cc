#include "ingest/provider_output.h"

#include <rapidjson/document.h>
#include <simdjson.h>

#include <algorithm>

#include "util/time_value.h"

namespace sluice::ingest {
namespace {

constexpr size_t kMaxDetail = 300;  // characters of a provider body quoted in a reason

bool Has(const simdjson::dom::element& record, std::string_view key) {
  simdjson::dom::element ignored;
  return record[key].get(ignored) == simdjson::SUCCESS;
}

// The member `key` of an object, when it is there and not null.
std::optional<simdjson::dom::element> Member(const simdjson::dom::element& object,
                                             std::string_view key) {
  if (!object.is_object()) return std::nullopt;
  simdjson::dom::element value;
  if (object[key].get(value) != simdjson::SUCCESS || value.is_null()) return std::nullopt;
  return value;
}

std::string Clip(std::string text) {
  if (text.size() > kMaxDetail) text = text.substr(0, kMaxDetail) + "...";
  return text;
}

// A string as it is, anything else as JSON text.
std::string Text(const simdjson::dom::element& value) {
  if (value.is_string()) return Clip(std::string(value.get_string().value_unsafe()));
  return Clip(simdjson::minify(value));
}

std::optional<std::string> OpenAiFailure(const simdjson::dom::element& record) {
  if (auto error = Member(record, "error")) {
    auto code = Member(*error, "code");
    auto message = Member(*error, "message");
    std::string reason = "openai: ";
    if (code) reason += Text(*code) + ": ";
    reason += message ? Text(*message) : Text(*error);
    return reason;
  }
  auto response = Member(record, "response");
  if (!response || !response->is_object()) {
    return "openai: the line has neither a response nor an error";
  }
  auto status = Member(*response, "status_code");
  auto body = Member(*response, "body");
  auto body_error = body ? Member(*body, "error") : std::nullopt;
  int64_t code = 0;
  bool ok_status = status && status->get_int64().get(code) == simdjson::SUCCESS && code == 200;
  if (ok_status && !body_error) return std::nullopt;
  std::string reason =
      "openai: status " + (status ? Text(*status) : std::string("(missing)")) + ": ";
  if (body_error) {
    auto message = Member(*body_error, "message");
    reason += message ? Text(*message) : Text(*body_error);
  } else {
    reason += body ? Text(*body) : std::string("(no body)");
  }
  return reason;
}

std::optional<std::string> BedrockFailure(const simdjson::dom::element& record) {
  auto error = Member(record, "error");
  if (!error) return std::nullopt;
  if (!error->is_object()) return "bedrock: " + Text(*error);
  auto code = Member(*error, "errorCode");
  auto message = Member(*error, "errorMessage");
  std::string reason = "bedrock: ";
  if (code) reason += Text(*code) + ": ";
  reason += message ? Text(*message) : Text(*error);
  return reason;
}

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

std::optional<uint64_t> Count(const rapidjson::Value& d, const char* key) {
  auto it = d.FindMember(key);
  if (it == d.MemberEnd() || !it->value.IsUint64()) return std::nullopt;
  return it->value.GetUint64();
}

}  // namespace

std::string_view ProviderName(Provider provider) {
  switch (provider) {
    case Provider::kOpenAi:
      return "openai";
    case Provider::kBedrock:
      return "bedrock";
    case Provider::kSageMaker:
      return "sagemaker";
    case Provider::kUnknown:
      break;
  }
  return "";
}

Provider RecogniseRecord(const simdjson::dom::element& record) {
  if (!record.is_object()) return Provider::kUnknown;
  if (Has(record, "custom_id") &&
      (Has(record, "response") || Has(record, "error") || Has(record, "method"))) {
    return Provider::kOpenAi;
  }
  if (Has(record, "recordId") &&
      (Has(record, "modelInput") || Has(record, "modelOutput") || Has(record, "error"))) {
    return Provider::kBedrock;
  }
  if (Has(record, "SageMakerOutput")) return Provider::kSageMaker;
  return Provider::kUnknown;
}

std::optional<std::string> ProviderFailure(const simdjson::dom::element& record) {
  switch (RecogniseRecord(record)) {
    case Provider::kOpenAi:
      // An input-file line (method, url, body) is a request, not an outcome.
      if (!Has(record, "response") && !Has(record, "error")) return std::nullopt;
      return OpenAiFailure(record);
    case Provider::kBedrock:
      return BedrockFailure(record);
    case Provider::kSageMaker:
    case Provider::kUnknown:
      break;
  }
  return std::nullopt;
}

util::Result<BedrockManifest> ParseBedrockManifest(std::string_view text) {
  rapidjson::Document d;
  d.Parse(text.data(), text.size());
  if (d.HasParseError() || !d.IsObject()) {
    return util::InvalidArgument("manifest.json.out is not a JSON object");
  }
  BedrockManifest m;
  m.total_records = Count(d, "totalRecordCount");
  m.processed_records = Count(d, "processedRecordCount");
  m.success_records = Count(d, "successRecordCount");
  m.error_records = Count(d, "errorRecordCount");
  m.input_tokens = Count(d, "inputTokenCount");
  m.output_tokens = Count(d, "outputTokenCount");
  return m;
}

bool IsBedrockManifest(std::string_view location) {
  return location == "manifest.json.out" || EndsWith(location, "/manifest.json.out");
}

OutputFolderLayout ClassifyFolder(const std::vector<std::string>& locations) {
  OutputFolderLayout layout;
  bool provider_folder = std::any_of(locations.begin(), locations.end(),
                                     [](const std::string& l) { return EndsWith(l, ".out"); });
  for (size_t i = 0; i < locations.size(); ++i) {
    if (!provider_folder) {
      layout.records.push_back(i);
    } else if (IsBedrockManifest(locations[i]) && !layout.manifest) {
      layout.manifest = i;
    } else if (EndsWith(locations[i], ".out")) {
      layout.records.push_back(i);
    } else {
      layout.skipped.push_back(i);
    }
  }
  return layout;
}

util::Result<int64_t> ParseDurationMs(std::string_view text, std::string_view field) {
  std::optional<int64_t> ms = util::ParseTimeValueMs(text, 9);
  if (!ms) {
    return util::InvalidArgument("[" + std::string(field) + "] [" + std::string(text) +
                                 "] is not a time value: use a number and a unit (ms, s, m, h, d), "
                                 "e.g. \"30m\"");
  }
  return *ms;
}

}  // namespace sluice::ingest
