// SageMaker batch transform (SageMaker API reference: CreateTransformJob,
// DescribeTransformJob, StopTransformJob), AWS JSON 1.1: POST / with
// "X-Amz-Target: SageMaker.<Operation>" and
// "Content-Type: application/x-amz-json-1.1", signed with SigV4 for service
// "sagemaker".
//   CreateTransformJob   {TransformJobName, ModelName, TransformInput, ...} → {TransformJobArn}
//   DescribeTransformJob {TransformJobName} → TransformJobStatus, FailureReason,
//                        TransformInput.DataSource.S3DataSource.S3Uri, TransformOutput.S3OutputPath
//   StopTransformJob     {TransformJobName} → {}
// Statuses: InProgress, Stopping (running); Completed; Failed (with
// FailureReason); Stopped (cancelled). Each input object <key> gives
// <S3OutputPath>/<key's file name>.out; an input prefix ("s3://b/dir/") gives
// the output path as a prefix.
//
// ml-commons' blueprint writes the create URL as
// https://api.sagemaker.<region>.amazonaws.com/CreateTransformJob: a last
// path segment naming an operation becomes the X-Amz-Target, and the call goes
// to "/". The job's id is its TransformJobName: ${parameters.TransformJobName}
// is TaskToken(task id) when neither the request nor the connector gives one,
// and a create of that name answered ResourceInUse (sent before, its answer
// lost) adopts the job of that name when it has the create's ModelName,
// input and output path.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

#include "ml/batch_provider.h"
#include "sources/http_client.h"
#include "json/value_text.h"

namespace sluice::ml {
namespace {

using rapidjson::Document;
using rapidjson::Value;

constexpr const char* kService = "sagemaker";

const Value* Path(const Value& obj, std::initializer_list<const char*> keys) {
  const Value* v = &obj;
  for (const char* key : keys) {
    if (!v->IsObject()) return nullptr;
    auto it = v->FindMember(key);
    if (it == v->MemberEnd()) return nullptr;
    v = &it->value;
  }
  return v;
}

util::Result<Document> ParseObject(std::string_view body, const char* what) {
  Document d;
  d.Parse(body.data(), body.size());
  if (d.HasParseError() || !d.IsObject()) {
    return util::Unavailable(std::string("SageMaker answered ") + what +
                             " with something that is not a JSON object");
  }
  return d;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), ::tolower);
  return s;
}

ActionFallback ByName(const std::string& operation) {
  return {"POST", operation, true, "{\"TransformJobName\":\"${parameters.TransformJobName}\"}"};
}

Params WithName(const JobRequest& request, const std::string& name) {
  Params params = request.parameters;
  params["id"] = name;
  params["TransformJobName"] = name;
  return params;
}

}  // namespace

util::Status ToSageMakerJson11(Call* call, const std::string& operation) {
  auto parsed = sources::ParseHttpUrl(call->url);
  if (!parsed.ok()) return parsed.status();
  std::string path = parsed->path;
  size_t slash = path.rfind('/');
  std::string last = path.substr(slash + 1);
  if (last == "CreateTransformJob" || last == "DescribeTransformJob" ||
      last == "StopTransformJob") {
    const size_t authority = call->url.find("://") + 3;
    std::string root = call->url.substr(0, call->url.find('/', authority));
    call->url =
        root + path.substr(0, slash + 1) + (parsed->query.empty() ? "" : "?" + parsed->query);
  }
  bool targeted = false;
  for (auto& [name, value] : call->headers) {
    std::string lower = Lower(name);
    if (lower == "x-amz-target") targeted = true;
    if (lower == "content-type") value = "application/x-amz-json-1.1";
  }
  if (!targeted) call->headers.emplace_back("X-Amz-Target", "SageMaker." + operation);
  if (std::none_of(call->headers.begin(), call->headers.end(),
                   [](const auto& h) { return Lower(h.first) == "content-type"; })) {
    call->headers.emplace_back("Content-Type", "application/x-amz-json-1.1");
  }
  return util::Status::Ok();
}

util::Result<RemoteJob> SageMakerJobFromResponse(std::string_view body) {
  SLUICE_ASSIGN_OR_RETURN(Document job, ParseObject(body, "DescribeTransformJob"));
  RemoteJob out;
  out.id = json::StringMember(job, "TransformJobName");
  out.status = json::StringMember(job, "TransformJobStatus");
  out.json = json::ValueText(job);
  const std::string& s = out.status;
  if (s == "Completed") {
    out.state = RemoteState::kCompleted;
    out.fraction = 1.0f;
    const Value* path = Path(job, {"TransformOutput", "S3OutputPath"});
    const Value* input = Path(job, {"TransformInput", "DataSource", "S3DataSource", "S3Uri"});
    if (path == nullptr || !path->IsString() || input == nullptr || !input->IsString()) {
      out.state = RemoteState::kFailed;
      out.reason = "the transform job " + out.id +
                   " completed but names no TransformOutput.S3OutputPath or input S3Uri";
      return out;
    }
    std::string output = path->GetString();
    if (output.back() != '/') output += '/';
    std::string in = input->GetString();
    out.output_type = "s3";
    if (!in.empty() && in.back() == '/') {
      out.outputs.push_back(output);
    } else {
      out.outputs.push_back(output + in.substr(in.rfind('/') + 1) + ".out");
    }
    out.outputs.push_back(in);
  } else if (s == "Failed") {
    out.state = RemoteState::kFailed;
    std::string reason = json::StringMember(job, "FailureReason");
    out.reason = "the transform job " + out.id + " Failed" + (reason.empty() ? "" : ": " + reason);
  } else if (s == "Stopped") {
    out.state = RemoteState::kCancelled;
    out.reason = "the transform job " + out.id + " was stopped";
  }
  return out;
}

namespace {

class SageMakerBatch final : public BatchProvider {
 public:
  std::string_view name() const override { return "sagemaker"; }

  util::Status Check(const ConnectorCaller& caller, const JobRequest& request) const override {
    return RenderCreate(caller, request).status();
  }

  util::Result<RemoteJob> Create(const ConnectorCaller& caller, const JobRequest& request,
                                 const util::CancelSignal* cancel) const override {
    SLUICE_ASSIGN_OR_RETURN(Call create, RenderCreate(caller, request));
    // A job named after the task is adopted when sent twice (below), so its
    // create is retried like any idempotent call.
    const bool own_name = !request.task_id.empty() && JobName(create) == TaskToken(request.task_id);
    auto sent = caller.Send(create, own_name, cancel);
    if (!sent.ok() && sent.status().code() == util::Code::kInvalidArgument &&
        sent.status().reason().find("already exists") != std::string::npos && own_name) {
      // ResourceInUse for the task's own name: this create was sent before
      // (its answer lost, or a restart came before the name was saved). A
      // name the request gave may be another task's: its ResourceInUse stays
      // the caller's error.
      return Adopt(caller, request, create, sent.status(), cancel);
    }
    SLUICE_ASSIGN_OR_RETURN(std::string body, std::move(sent));
    SLUICE_ASSIGN_OR_RETURN(Document created, ParseObject(body, "CreateTransformJob"));
    if (json::StringMember(created, "TransformJobArn").empty()) {
      return util::Unavailable("SageMaker's CreateTransformJob answer has no [TransformJobArn]");
    }
    // The name as sent: the ARN has it lower-cased, and Describe wants it as created.
    RemoteJob job;
    job.id = JobName(create);
    job.status = "InProgress";
    job.json = json::ValueText(created);
    return job;
  }

  util::Result<RemoteJob> Poll(const ConnectorCaller& caller, const JobRequest& request,
                               const std::string& id,
                               const util::CancelSignal* cancel) const override {
    SLUICE_ASSIGN_OR_RETURN(
        Call describe,
        caller.Render(request.connector_id, "BATCH_PREDICT_STATUS", WithName(request, id),
                      ByName("DescribeTransformJob"), kService));
    SLUICE_RETURN_IF_ERROR(ToSageMakerJson11(&describe, "DescribeTransformJob"));
    SLUICE_ASSIGN_OR_RETURN(std::string body, caller.Send(describe, true, cancel));
    return SageMakerJobFromResponse(body);
  }

  util::Result<RemoteJob> FromShown(const std::string&, std::string_view json) const override {
    return SageMakerJobFromResponse(json);
  }

  util::Status Cancel(const ConnectorCaller& caller, const JobRequest& request,
                      const std::string& id) const override {
    SLUICE_ASSIGN_OR_RETURN(
        Call stop, caller.Render(request.connector_id, "CANCEL_BATCH_PREDICT",
                                 WithName(request, id), ByName("StopTransformJob"), kService));
    SLUICE_RETURN_IF_ERROR(ToSageMakerJson11(&stop, "StopTransformJob"));
    return caller.Send(stop, true, nullptr).status();
  }

 private:
  // The job named as `create` names it, when it is the job `create` would
  // start (same ModelName, input S3Uri and S3OutputPath); else `in_use`.
  util::Result<RemoteJob> Adopt(const ConnectorCaller& caller, const JobRequest& request,
                                const Call& create, const util::Status& in_use,
                                const util::CancelSignal* cancel) const {
    const std::string name = JobName(create);
    SLUICE_ASSIGN_OR_RETURN(RemoteJob existing, Poll(caller, request, name, cancel));
    Document sent;
    sent.Parse(create.body.data(), create.body.size());
    Document shown;
    shown.Parse(existing.json.data(), existing.json.size());
    auto text = [](const Value& v, std::initializer_list<const char*> keys) {
      const Value* found = Path(v, keys);
      return found != nullptr && found->IsString() ? std::string(found->GetString()) : "";
    };
    for (auto keys : {std::initializer_list<const char*>{"ModelName"},
                      {"TransformInput", "DataSource", "S3DataSource", "S3Uri"},
                      {"TransformOutput", "S3OutputPath"}}) {
      if (sent.HasParseError() || shown.HasParseError() || text(sent, keys) != text(shown, keys)) {
        return in_use;
      }
    }
    existing.id = name;
    return existing;
  }

  static util::Result<Call> RenderCreate(const ConnectorCaller& caller, const JobRequest& request) {
    auto rendered = caller.Render(request.connector_id, "BATCH_PREDICT", request.parameters, {},
                                  kService);
    if (!rendered.ok() && !request.parameters.count("TransformJobName") &&
        rendered.status().reason().find("TransformJobName") != std::string::npos) {
      // Neither the request nor the connector names the job: the task does.
      Params params = request.parameters;
      params["TransformJobName"] = TaskToken(request.task_id.empty() ? "check" : request.task_id);
      rendered = caller.Render(request.connector_id, "BATCH_PREDICT", params, {}, kService);
    }
    SLUICE_ASSIGN_OR_RETURN(Call create, std::move(rendered));
    SLUICE_RETURN_IF_ERROR(ToSageMakerJson11(&create, "CreateTransformJob"));
    if (JobName(create).empty()) {
      return util::InvalidArgument(
          "the connector's [BATCH_PREDICT] request_body names no [TransformJobName]");
    }
    return create;
  }

  static std::string JobName(const Call& create) {
    Document sent;
    sent.Parse(create.body.data(), create.body.size());
    return sent.HasParseError() ? "" : json::StringMember(sent, "TransformJobName");
  }
};

}  // namespace

const BatchProvider& SageMakerBatchProvider() {
  static const SageMakerBatch provider;
  return provider;
}

}  // namespace sluice::ml
