#include "cli/predict_request.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "json/json_writer.h"
#include "json/value_text.h"

namespace sluice::cli {
namespace {

using rapidjson::Value;

// "name=value" → (name, value); both must be non-empty.
util::Result<std::pair<std::string, std::string>> SplitPair(const std::string& arg,
                                                            const char* flag) {
  size_t eq = arg.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == arg.size()) {
    return util::InvalidArgument(std::string(flag) + " takes NAME=VALUE, got [" + arg + "]");
  }
  return std::make_pair(arg.substr(0, eq), arg.substr(eq + 1));
}

bool IsRemote(const std::string& input) {
  return input.starts_with("file-") || input.starts_with("s3://") || input.starts_with("http://") ||
         input.starts_with("https://");
}

// OpenAI's request_counts; Bedrock and SageMaker show no counts.
int64_t Count(const Value& counts, const char* key) {
  if (!counts.IsObject()) return -1;
  auto it = counts.FindMember(key);
  return it != counts.MemberEnd() && it->value.IsInt64() ? it->value.GetInt64() : -1;
}

}  // namespace

util::Result<std::string> BuildPredictRequest(const PredictArgs& args) {
  if (args.model_id.empty()) return util::InvalidArgument("--model-id is required");
  std::map<std::string, std::string> params;
  std::string upload_type, upload_source;  // the request's "input", when set
  for (const auto& p : args.params) {
    SLUICE_ASSIGN_OR_RETURN(auto kv, SplitPair(p, "--param"));
    if (!params.emplace(kv.first, kv.second).second) {
      return util::InvalidArgument("--param [" + kv.first + "] is given twice");
    }
  }
  if (!args.input.empty()) {
    if (args.input_param.empty()) return util::InvalidArgument("--input-param must not be empty");
    if (params.count(args.input_param)) {
      return util::InvalidArgument("--input and --param both give [" + args.input_param + "]");
    }
    std::string input = args.input;
    if (input.starts_with("file://")) input = input.substr(7);
    if (!IsRemote(input)) {
      std::error_code ec;
      if (!std::filesystem::is_regular_file(input, ec)) {
        return util::InvalidArgument(
            "--input [" + input +
            "] is neither an OpenAI file id (file-…), an s3:// or http(s):// URL, nor a "
            "readable file");
      }
      input = std::filesystem::absolute(input).lexically_normal().string();
    }
    if (args.input_param != kDefaultInputParam || input.starts_with("file-")) {
      params[args.input_param] = input;
    } else {
      upload_type = input.starts_with("s3://") ? "s3" : IsRemote(input) ? "http" : "file";
      upload_source = input;
    }
  }
  if (args.index.empty() && (!args.field_map.empty() || !args.ingest_fields.empty())) {
    return util::InvalidArgument("--field-map and --ingest-field need --ingest-into INDEX");
  }
  if (!args.index.empty() && args.field_map.empty()) {
    return util::InvalidArgument(
        "--ingest-into needs --field-map FIELD=JSONPATH (e.g. "
        "embedding=source[0].$.response.body.data[0].embedding)");
  }
  // A field given twice maps one path per source (e.g. _id of output and input).
  std::vector<std::pair<std::string, std::vector<std::string>>> fields;
  for (const auto& f : args.field_map) {
    SLUICE_ASSIGN_OR_RETURN(auto kv, SplitPair(f, "--field-map"));
    auto it = std::find_if(fields.begin(), fields.end(),
                           [&](const auto& e) { return e.first == kv.first; });
    if (it == fields.end()) {
      fields.emplace_back(kv.first, std::vector<std::string>{kv.second});
    } else {
      it->second.push_back(kv.second);
    }
  }
  json::JsonWriter w;
  w.StartObject().Key("parameters").StartObject();
  for (const auto& [k, v] : params) w.Key(k).String(v);
  w.EndObject();
  if (!upload_type.empty()) {
    w.Key("input").StartObject().Key("type").String(upload_type);
    w.Key("source").String(upload_source).EndObject();
  }
  if (!args.index.empty()) {
    w.Key("ingest").StartObject().Key("index_name").String(args.index);
    w.Key("field_map").StartObject();
    for (const auto& [name, paths] : fields) {
      w.Key(name);
      if (paths.size() == 1) {
        w.String(paths[0]);
      } else {
        w.StartArray();
        for (const auto& p : paths) w.String(p);
        w.EndArray();
      }
    }
    w.EndObject();
    if (!args.ingest_fields.empty()) {
      w.Key("ingest_fields").StartArray();
      for (const auto& f : args.ingest_fields) w.String(f);
      w.EndArray();
    }
    w.EndObject();
  }
  w.EndObject();
  return w.Take();
}

util::Result<PredictionView> ParsePredictionView(std::string_view task_json) {
  rapidjson::Document d;
  d.Parse(task_json.data(), task_json.size());
  if (d.HasParseError() || !d.IsObject()) {
    return util::InvalidArgument("the task is not a JSON object: " + std::string(task_json));
  }
  PredictionView v;
  v.state = json::StringMember(d, "state");
  v.error = json::StringMember(d, "error");
  v.ingest_task_id = json::StringMember(d, "ingest_task_id");
  if (auto job = d.FindMember("remote_job"); job != d.MemberEnd() && job->value.IsObject()) {
    const Value& j = job->value;
    // OpenAI: id/status; Bedrock: jobArn/status; SageMaker: TransformJobName/TransformJobStatus.
    v.remote_id = json::StringMember(j, "id");
    if (v.remote_id.empty()) v.remote_id = json::StringMember(j, "jobArn");
    if (v.remote_id.empty()) v.remote_id = json::StringMember(j, "TransformJobName");
    v.remote_status = json::StringMember(j, "status");
    if (v.remote_status.empty()) v.remote_status = json::StringMember(j, "TransformJobStatus");
    if (auto c = j.FindMember("request_counts"); c != j.MemberEnd()) {
      v.total = Count(c->value, "total");
      v.completed = Count(c->value, "completed");
      v.failed = Count(c->value, "failed");
    }
  }
  return v;
}

std::string FormatPredictionLine(const PredictionView& v) {
  if (v.remote_id.empty())
    return "prediction " + (v.state.empty() ? "?" : v.state) +
           ": waiting for the provider to accept the job";
  std::string out =
      "remote job " + v.remote_id + ": " + (v.remote_status.empty() ? "?" : v.remote_status);
  if (v.total > 0) {
    out += ", " + std::to_string(v.completed < 0 ? 0 : v.completed) + "/" +
           std::to_string(v.total) + " requests done";
    if (v.failed > 0) out += ", " + std::to_string(v.failed) + " failed";
  }
  return out;
}

}  // namespace sluice::cli
