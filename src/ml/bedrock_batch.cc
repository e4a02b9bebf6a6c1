// Amazon Bedrock batch inference (Bedrock API reference:
// CreateModelInvocationJob, GetModelInvocationJob, StopModelInvocationJob),
// JSON over HTTPS signed with SigV4 for service "bedrock":
//   POST /model-invocation-job               → {"jobArn": "...:model-invocation-job/<id>"}
//   GET  /model-invocation-job/<id>          → the job: status, message,
//        inputDataConfig.s3InputDataConfig.s3Uri, outputDataConfig.s3OutputDataConfig.s3Uri
//   POST /model-invocation-job/<id>/stop     → {}
// Statuses: Submitted, Validating, Scheduled, InProgress, Stopping (running);
// Completed, PartiallyCompleted (done: per-record errors are in the output);
// Failed, Expired (failed, with the job's message); Stopped (cancelled).
// The output folder is <outputDataConfig s3Uri>/<job id>/ with
// <input>.jsonl.out per input file and manifest.json.out written last; the
// ingestion reads it as an S3 prefix (source[0]) joined with the input
// (source[1]) by recordId, and waits for the manifest.
//
// CreateModelInvocationJob carries clientRequestToken = TaskToken(task id)
// unless the connector's request_body sets one: a create sent again for the
// same task gets the first job's jobArn back.
//
// ml-commons' connectors name the job ${parameters.processedJobArn} in their
// status and cancel URLs; sluice sets it, like "id", to the job id, which
// Bedrock accepts as jobIdentifier.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "ml/batch_provider.h"
#include "json/value_text.h"

namespace sluice::ml {
namespace {

using rapidjson::Document;
using rapidjson::Value;

constexpr const char* kService = "bedrock";

const Value* Member(const Value& obj, const char* key) {
  if (!obj.IsObject()) return nullptr;
  auto it = obj.FindMember(key);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

// config.<config_key>.s3Uri, "" when absent.
std::string S3Uri(const Document& job, const char* config, const char* config_key) {
  const Value* c = Member(job, config);
  const Value* s3 = c ? Member(*c, config_key) : nullptr;
  return s3 ? json::StringMember(*s3, "s3Uri") : "";
}

util::Result<Document> ParseObject(const std::string& body, const char* what) {
  Document d;
  d.Parse(body.data(), body.size());
  if (d.HasParseError() || !d.IsObject()) {
    return util::Unavailable(std::string("Bedrock answered ") + what +
                             " with something that is not a JSON object");
  }
  return d;
}

Params WithId(const JobRequest& request, const std::string& id) {
  Params params = request.parameters;
  params["id"] = id;
  params["processedJobArn"] = id;
  return params;
}

}  // namespace

util::Result<RemoteJob> BedrockJobFromResponse(const std::string& id, std::string_view body) {
  SLUICE_ASSIGN_OR_RETURN(Document job, ParseObject(std::string(body), "GetModelInvocationJob"));
  RemoteJob out;
  out.id = id;
  out.status = json::StringMember(job, "status");
  out.json = json::ValueText(job);
  const std::string& s = out.status;
  std::string message = json::StringMember(job, "message");
  if (s == "Completed" || s == "PartiallyCompleted") {
    out.state = RemoteState::kCompleted;
    out.fraction = 1.0f;
    std::string output = S3Uri(job, "outputDataConfig", "s3OutputDataConfig");
    if (output.empty()) {
      out.state = RemoteState::kFailed;
      out.reason =
          "the remote batch job " + id + " " + s + " but its outputDataConfig names no s3Uri";
      return out;
    }
    if (output.back() != '/') output += '/';
    out.output_type = "s3";
    out.outputs.push_back(output + id + "/");
    if (std::string input = S3Uri(job, "inputDataConfig", "s3InputDataConfig"); !input.empty()) {
      out.outputs.push_back(input);
    }
    out.output_may_lag = true;
  } else if (s == "Failed" || s == "Expired") {
    out.state = RemoteState::kFailed;
    out.reason = "the remote batch job " + id + " " + s + (message.empty() ? "" : ": " + message);
  } else if (s == "Stopped") {
    out.state = RemoteState::kCancelled;
    out.reason = "the remote batch job " + id + " was stopped";
  }
  return out;
}

namespace {

class BedrockBatch final : public BatchProvider {
 public:
  std::string_view name() const override { return "bedrock"; }

  util::Status Check(const ConnectorCaller& caller, const JobRequest& request) const override {
    return caller.Render(request.connector_id, "BATCH_PREDICT", request.parameters, {}, kService)
        .status();
  }

  util::Result<RemoteJob> Create(const ConnectorCaller& caller, const JobRequest& request,
                                 const util::CancelSignal* cancel) const override {
    SLUICE_ASSIGN_OR_RETURN(Call create, caller.Render(request.connector_id, "BATCH_PREDICT",
                                                       request.parameters, {}, kService));
    // Bedrock answers a create with a clientRequestToken it has seen with the
    // job that token started: the create is idempotent, so it is retried.
    if (!request.task_id.empty()) {
      Document sent;
      sent.Parse(create.body.data(), create.body.size());
      if (!sent.HasParseError() && sent.IsObject() && !sent.HasMember("clientRequestToken")) {
        std::string token = TaskToken(request.task_id);
        sent.AddMember("clientRequestToken", Value(token.c_str(), sent.GetAllocator()),
                       sent.GetAllocator());
        create.body = json::ValueText(sent);
      }
    }
    SLUICE_ASSIGN_OR_RETURN(std::string body, caller.Send(create, true, cancel));
    SLUICE_ASSIGN_OR_RETURN(Document created, ParseObject(body, "CreateModelInvocationJob"));
    std::string arn = json::StringMember(created, "jobArn");
    RemoteJob job;
    job.id = arn.substr(arn.rfind('/') + 1);
    if (arn.empty() || job.id.empty()) {
      return util::Unavailable("Bedrock's CreateModelInvocationJob answer has no [jobArn]");
    }
    job.status = "Submitted";
    job.json = json::ValueText(created);
    return job;
  }

  util::Result<RemoteJob> Poll(const ConnectorCaller& caller, const JobRequest& request,
                               const std::string& id,
                               const util::CancelSignal* cancel) const override {
    SLUICE_ASSIGN_OR_RETURN(
        Call get, caller.Render(request.connector_id, "BATCH_PREDICT_STATUS", WithId(request, id),
                                {"GET", "/" + id, false, ""}, kService));
    SLUICE_ASSIGN_OR_RETURN(std::string body, caller.Send(get, true, cancel));
    return BedrockJobFromResponse(id, body);
  }

  util::Result<RemoteJob> FromShown(const std::string& id, std::string_view json) const override {
    return BedrockJobFromResponse(id, json);
  }

  util::Status Cancel(const ConnectorCaller& caller, const JobRequest& request,
                      const std::string& id) const override {
    SLUICE_ASSIGN_OR_RETURN(
        Call stop, caller.Render(request.connector_id, "CANCEL_BATCH_PREDICT", WithId(request, id),
                                 {"POST", "/" + id + "/stop", false, ""}, kService));
    return caller.Send(stop, true, nullptr).status();
  }
};

}  // namespace

const BatchProvider& BedrockBatchProvider() {
  static const BedrockBatch provider;
  return provider;
}

}  // namespace sluice::ml
