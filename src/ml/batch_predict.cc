#include "ml/batch_predict.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <chrono>

#include "ingest/batch_ingest_service.h"
#include "ml/batch_provider.h"
#include "ml/connector_call.h"
#include "ml/model_store.h"
#include "sources/http_client.h"
#include "util/cancel_signal.h"
#include "json/value_text.h"

namespace sluice::ml {
namespace {

using rapidjson::Document;
using rapidjson::Value;
using util::InvalidArgument;

std::string Quoted(const std::string& s) {
  Value v(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
  return json::ValueText(v);
}

}  // namespace

struct BatchPredictService::Shared {
  const ModelStore* models;
  tasks::TaskManager* tasks;
  ingest::BatchIngestService* ingest;
  int poll_interval_ms;
  ConnectorCaller caller;
};

namespace {

// What a BATCH_PREDICTION task keeps in its request (no secrets).
struct PredictRequest {
  std::string model_id;
  std::string provider;  // BatchProvider::name()
  JobRequest job;
  std::string ingest_json;  // "" = no ingestion
};

util::Result<PredictRequest> DecodeRequest(std::string_view json) {
  Document d;
  d.Parse(json.data(), json.size());
  if (d.HasParseError() || !d.IsObject()) return util::IoError("the stored request is damaged");
  PredictRequest r;
  r.model_id = json::StringMember(d, "model_id");
  r.job.connector_id = json::StringMember(d, "connector_id");
  // Tasks stored before providers were told apart are OpenAI's.
  r.provider = d.HasMember("provider") ? json::StringMember(d, "provider") : "openai";
  if (auto p = d.FindMember("parameters"); p != d.MemberEnd() && p->value.IsObject()) {
    for (auto& m : p->value.GetObject()) {
      if (m.value.IsString()) r.job.parameters[m.name.GetString()] = m.value.GetString();
    }
  }
  if (auto i = d.FindMember("ingest"); i != d.MemberEnd() && i->value.IsObject()) {
    r.ingest_json = json::ValueText(i->value);
  }
  if (auto i = d.FindMember("input"); i != d.MemberEnd() && i->value.IsObject()) {
    r.job.input = JobInput{json::StringMember(i->value, "type"), json::StringMember(i->value, "source")};
  }
  return r;
}

// "input": {"type": "file" | "s3" | "http", "source": "<location>" or ["<location>"]}.
util::Result<JobInput> ParseInput(const Value& v) {
  if (!v.IsObject()) return InvalidArgument("[input] must be an object: {type, source}");
  JobInput input;
  for (auto& m : v.GetObject()) {
    std::string k = m.name.GetString();
    if (k == "type" && m.value.IsString()) {
      input.type = m.value.GetString();
    } else if (k == "source" && m.value.IsString()) {
      input.location = m.value.GetString();
    } else if (k == "source" && m.value.IsArray() && m.value.Size() == 1 && m.value[0].IsString()) {
      input.location = m.value[0].GetString();
    } else {
      return InvalidArgument("[input." + k +
                             "] is not supported: give type (file, s3, http) and one source");
    }
  }
  for (auto& c : input.type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (input.type != "file" && input.type != "s3" && input.type != "http") {
    return InvalidArgument("[input.type] must be one of [file, s3, http]");
  }
  if (input.location.empty()) return InvalidArgument("[input.source] is required");
  return input;
}

util::Result<const BatchProvider*> ProviderOf(const PredictRequest& r) {
  const BatchProvider* provider = ProviderNamed(r.provider);
  if (provider == nullptr) return util::IoError("the stored task names an unknown provider");
  return provider;
}

// The durable resume point.
struct Checkpoint {
  std::string job_id;
  bool ingest_submitting = false;
  std::string ingest_task_id;

  std::string Encode() const {
    Document d;
    d.SetObject();
    auto& a = d.GetAllocator();
    d.AddMember("job_id", Value(job_id.c_str(), a), a);
    d.AddMember("ingest_submitting", ingest_submitting, a);
    d.AddMember("ingest_task_id", Value(ingest_task_id.c_str(), a), a);
    return json::ValueText(d);
  }
  static Checkpoint Decode(const std::string& text) {
    Checkpoint c;
    Document d;
    d.Parse(text.data(), text.size());
    if (d.HasParseError() || !d.IsObject()) return c;
    c.job_id = d.HasMember("job_id") ? json::StringMember(d, "job_id") : json::StringMember(d, "batch_id");
    c.ingest_task_id = json::StringMember(d, "ingest_task_id");
    c.ingest_submitting = d.HasMember("ingest_submitting") && d["ingest_submitting"].IsBool() &&
                          d["ingest_submitting"].GetBool();
    return c;
  }
};

// Adds source[<error_source>]'s _id path to an ingestion body's field_map,
// the one its source[0] has (an error file's lines are shaped as the
// output's), so that the error file's records join the output's by id.
// False, and `body` unchanged, when source[0] has no _id path (it is joined
// by position, which an error file cannot be).
bool JoinErrorsById(Document& body, size_t error_source) {
  auto map = body.FindMember("field_map");
  if (map == body.MemberEnd() || !map->value.IsObject()) return false;
  auto id = map->value.FindMember("_id");
  if (id == map->value.MemberEnd()) return false;
  constexpr std::string_view kFirst = "source[0].";
  std::string path;
  auto of_first = [&](const Value& v) {
    if (!v.IsString()) return false;
    std::string_view p(v.GetString(), v.GetStringLength());
    if (p.substr(0, kFirst.size()) != kFirst) return false;
    path = "source[" + std::to_string(error_source) + "]." + std::string(p.substr(kFirst.size()));
    return true;
  };
  auto& a = body.GetAllocator();
  if (id->value.IsString()) {
    if (!of_first(id->value)) return false;
    Value paths(rapidjson::kArrayType);
    paths.PushBack(Value(id->value, a), a);
    id->value = std::move(paths);
  } else if (id->value.IsArray()) {
    bool found = false;
    for (const auto& v : id->value.GetArray()) found = found || of_first(v);
    if (!found) return false;
  } else {
    return false;
  }
  id->value.PushBack(Value(path.c_str(), a), a);
  return true;
}

// How long a BATCH_INGEST of an output that may lag its job's completion
// waits for it (Bedrock's manifest.json.out is written last).
constexpr const char* kOutputLagWait = "15m";

class BatchPredictJob : public tasks::TaskJob {
 public:
  BatchPredictJob(std::shared_ptr<BatchPredictService::Shared> shared, PredictRequest request,
                  const BatchProvider* provider, std::string owner)
      : shared_(std::move(shared)),
        request_(std::move(request)),
        provider_(provider),
        owner_(std::move(owner)) {}

  util::Status Run(tasks::TaskContext& ctx) override {
    Checkpoint cp;
    if (auto saved = ctx.LoadCheckpoint()) cp = Checkpoint::Decode(*saved);
    const util::CancelSignal* cancel = ctx.cancel_signal();
    const ConnectorCaller& caller = shared_->caller;
    if (cp.job_id.empty()) {
      JobRequest create = request_.job;
      create.task_id = ctx.task_id();
      SLUICE_ASSIGN_OR_RETURN(RemoteJob job, provider_->Create(caller, create, cancel));
      cp.job_id = job.id;
      SLUICE_RETURN_IF_ERROR(ctx.SaveCheckpoint(cp.Encode()));
      Show(ctx, job, cp);
      spdlog::info("event=batch_predict_created task={} provider={} job={}", ctx.task_id(),
                   provider_->name(), cp.job_id);
    }
    while (true) {
      if (ctx.cancelled()) return util::Cancelled("the task was cancelled");
      auto job = provider_->Poll(caller, request_.job, cp.job_id, cancel);
      if (!job.ok()) {
        if (job.status().code() == util::Code::kCancelled) return job.status();
        // A transient failure after retries: keep polling; anything else ends the task.
        if (job.status().code() != util::Code::kUnavailable) return job.status();
        spdlog::warn("event=batch_predict_poll_failed task={} reason=\"{}\"", ctx.task_id(),
                     job.status().reason());
      } else {
        Show(ctx, *job, cp);
        switch (job->state) {
          case RemoteState::kCompleted:
            return Completed(ctx, *job, cp);
          case RemoteState::kCancelled:
            return util::Cancelled(job->reason);
          case RemoteState::kFailed:
            return util::Unavailable(job->reason);
          case RemoteState::kRunning:
            break;
        }
      }
      if (util::SleepUnlessCancelled(cancel,
                                     std::chrono::milliseconds(shared_->poll_interval_ms))) {
        return util::Cancelled("the task was cancelled");
      }
    }
  }

 private:
  void Show(tasks::TaskContext& ctx, const RemoteJob& job, const Checkpoint& cp) {
    std::string status = "{\"model_id\":" + Quoted(request_.model_id);
    status += ",\"function_name\":\"REMOTE\",\"input_type\":\"REMOTE\"";
    status += ",\"remote_job\":" + (job.json.empty() ? std::string("{}") : job.json);
    status += ",\"remote_job_id\":" + Quoted(cp.job_id);
    if (!cp.ingest_task_id.empty()) status += ",\"ingest_task_id\":" + Quoted(cp.ingest_task_id);
    status += "}";
    ctx.SetProgress(job.fraction.value_or(0.0f), std::move(status));
  }

  // The ingestion of a finished job, at most once: the marker is saved before
  // submitting and the id after; after a restart between the two, a
  // BATCH_INGEST task of the same output is linked instead of a new one.
  util::Status Completed(tasks::TaskContext& ctx, const RemoteJob& job, Checkpoint& cp) {
    if (request_.ingest_json.empty() || !cp.ingest_task_id.empty()) return util::Status::Ok();
    if (job.outputs.empty()) {
      return util::Unavailable("the remote job " + cp.job_id + " completed without an output");
    }
    // The ingestion's request names this task (batch_predict_task_id).
    const std::string marker = "\"batch_predict_task_id\":" + Quoted(ctx.task_id());
    if (cp.ingest_submitting) {
      for (const auto& r : shared_->tasks->List()) {
        if (r.task_type == "BATCH_INGEST" && r.request_json.find(marker) != std::string::npos) {
          cp.ingest_task_id = r.task_id;
          break;
        }
      }
    }
    if (cp.ingest_task_id.empty()) {
      cp.ingest_submitting = true;
      SLUICE_RETURN_IF_ERROR(ctx.SaveCheckpoint(cp.Encode()));
      Document body;
      body.Parse(request_.ingest_json.data(), request_.ingest_json.size());
      auto& a = body.GetAllocator();
      body.AddMember("connector_id", Value(request_.job.connector_id.c_str(), a), a);
      if (job.output_may_lag) body.AddMember("wait_for_source", Value(kOutputLagWait, a), a);
      Value source(rapidjson::kArrayType);
      for (const auto& location : job.outputs) source.PushBack(Value(location.c_str(), a), a);
      if (!job.error_output.empty() && JoinErrorsById(body, job.outputs.size())) {
        source.PushBack(Value(job.error_output.c_str(), a), a);
      }
      Value data_source(rapidjson::kObjectType);
      data_source.AddMember("type", Value(job.output_type.c_str(), a), a);
      data_source.AddMember("source", source, a);
      body.AddMember("data_source", data_source, a);
      SLUICE_ASSIGN_OR_RETURN(cp.ingest_task_id,
                              shared_->ingest->Submit(json::ValueText(body), nullptr, owner_,
                                                      std::string(ctx.task_id())));
      spdlog::info("event=batch_predict_ingest task={} ingest_task={}", ctx.task_id(),
                   cp.ingest_task_id);
    }
    cp.ingest_submitting = false;
    SLUICE_RETURN_IF_ERROR(ctx.SaveCheckpoint(cp.Encode()));
    Show(ctx, job, cp);
    return util::Status::Ok();
  }

  std::shared_ptr<BatchPredictService::Shared> shared_;
  PredictRequest request_;
  const BatchProvider* provider_;
  std::string owner_;
};

}  // namespace

BatchPredictService::BatchPredictService(const ModelStore* models, const ConnectorStore* connectors,
                                         tasks::TaskManager* tasks,
                                         ingest::BatchIngestService* ingest,
                                         BatchPredictOptions options)
    : shared_(std::make_shared<Shared>(Shared{
          models, tasks, ingest, options.poll_interval_ms,
          ConnectorCaller(connectors,
                          ConnectorCallOptions{options.openai_base_url, options.bedrock_endpoint,
                                               options.sagemaker_endpoint, options.http,
                                               options.input_sources})})) {}

util::Result<std::string> BatchPredictService::Submit(const std::string& model_id,
                                                      std::string_view body, std::string owner) {
  SLUICE_ASSIGN_OR_RETURN(StoredModel model, shared_->models->Get(model_id));
  Document d;
  d.Parse(body.data(), body.size());
  if (d.HasParseError() || !d.IsObject()) {
    return util::ParsingError("request body is required and must be a JSON object");
  }
  PredictRequest r;
  r.model_id = model_id;
  r.job.connector_id = model.connector_id;
  for (auto& m : d.GetObject()) {
    std::string key = m.name.GetString();
    if (key == "parameters") {
      if (!m.value.IsObject()) return InvalidArgument("[parameters] must be an object");
      for (auto& p : m.value.GetObject()) {
        r.job.parameters[p.name.GetString()] =
            p.value.IsString() ? p.value.GetString() : json::ValueText(p.value);
      }
    } else if (key == "ingest") {
      if (!m.value.IsObject()) return InvalidArgument("[ingest] must be an object");
      for (auto& f : m.value.GetObject()) {
        std::string k = f.name.GetString();
        if (k != "index_name" && k != "field_map" && k != "ingest_fields") {
          return InvalidArgument("[ingest." + k +
                                 "] is not supported: give index_name, field_map, ingest_fields");
        }
      }
      if (shared_->ingest == nullptr) return InvalidArgument("batch ingestion is not enabled");
      r.ingest_json = json::ValueText(m.value);
    } else if (key == "input") {
      SLUICE_ASSIGN_OR_RETURN(r.job.input, ParseInput(m.value));
    } else {
      return InvalidArgument("[" + key + "] is not supported by _batch_predict");
    }
  }
  SLUICE_ASSIGN_OR_RETURN(std::string url,
                          shared_->caller.PredictUrl(r.job.connector_id, r.job.parameters));
  const BatchProvider* provider = ProviderForUrl(url);
  if (provider == nullptr) {
    return InvalidArgument("the connector's [BATCH_PREDICT] url [" + sources::RedactUrl(url) +
                           "] is not a batch API sluice knows: OpenAI (/v1/batches), Amazon "
                           "Bedrock (/model-invocation-job) or SageMaker (/CreateTransformJob)");
  }
  r.provider = std::string(provider->name());
  if (r.job.input && !provider->uploads_input()) {
    return InvalidArgument("[input] is for OpenAI, which sluice uploads it to; " +
                           std::string(provider->name()) +
                           " jobs name their S3 input in the connector's request_body");
  }
  // Render now so that a missing parameter or credential is the caller's 400.
  SLUICE_RETURN_IF_ERROR(provider->Check(shared_->caller, r.job));
  Document stored;
  stored.SetObject();
  auto& a = stored.GetAllocator();
  stored.AddMember("model_id", Value(r.model_id.c_str(), a), a);
  stored.AddMember("connector_id", Value(r.job.connector_id.c_str(), a), a);
  stored.AddMember("provider", Value(r.provider.c_str(), a), a);
  Value params(rapidjson::kObjectType);
  for (const auto& [k, v] : r.job.parameters) {
    params.AddMember(Value(k.c_str(), a), Value(v.c_str(), a), a);
  }
  stored.AddMember("parameters", params, a);
  if (r.job.input) {
    Value input(rapidjson::kObjectType);
    input.AddMember("type", Value(r.job.input->type.c_str(), a), a);
    input.AddMember("source", Value(r.job.input->location.c_str(), a), a);
    stored.AddMember("input", input, a);
  }
  if (!r.ingest_json.empty()) {
    Document ingest;
    ingest.Parse(r.ingest_json.data(), r.ingest_json.size());
    stored.AddMember("ingest", Value(ingest, a), a);
  }
  auto job = std::make_unique<BatchPredictJob>(shared_, r, provider, owner);
  return shared_->tasks->Submit(std::string(kBatchPredictionTask), json::ValueText(stored), std::move(job),
                                owner);
}

util::Result<std::unique_ptr<tasks::TaskJob>> BatchPredictService::ResumeJob(
    const tasks::TaskRecord& record) {
  SLUICE_ASSIGN_OR_RETURN(PredictRequest r, DecodeRequest(record.request_json));
  SLUICE_ASSIGN_OR_RETURN(const BatchProvider* provider, ProviderOf(r));
  return std::unique_ptr<tasks::TaskJob>(
      std::make_unique<BatchPredictJob>(shared_, std::move(r), provider, record.owner));
}

util::Result<BatchPredictService::JobOutput> BatchPredictService::FinishedOutput(
    const tasks::TaskRecord& record) const {
  if (record.task_type != kBatchPredictionTask) {
    return InvalidArgument("Task [" + record.task_id + "] is not a BATCH_PREDICTION task");
  }
  if (record.state != tasks::TaskState::kCompleted) {
    return InvalidArgument("Task [" + record.task_id + "] is " +
                           std::string(tasks::TaskStateName(record.state)) +
                           ": only a COMPLETED prediction has an output to ingest");
  }
  SLUICE_ASSIGN_OR_RETURN(PredictRequest r, DecodeRequest(record.request_json));
  SLUICE_ASSIGN_OR_RETURN(const BatchProvider* provider, ProviderOf(r));
  Document status;
  status.Parse(record.ingest_status_json.data(), record.ingest_status_json.size());
  if (status.HasParseError() || !status.IsObject() || !status.HasMember("remote_job")) {
    return InvalidArgument("Task [" + record.task_id + "] shows no remote job");
  }
  SLUICE_ASSIGN_OR_RETURN(
      RemoteJob job, provider->FromShown(json::StringMember(status, "remote_job_id"), json::ValueText(status["remote_job"])));
  if (job.state != RemoteState::kCompleted || job.outputs.empty()) {
    return InvalidArgument("Task [" + record.task_id + "]'s remote job names no output" +
                           (job.reason.empty() ? "" : ": " + job.reason));
  }
  return JobOutput{job.output_type, job.outputs, r.job.connector_id, job.output_may_lag};
}

util::Status BatchPredictService::CancelBatch(const tasks::TaskRecord& record) {
  if (record.task_type != kBatchPredictionTask) {
    return InvalidArgument("Task [" + record.task_id + "] is not a BATCH_PREDICTION task");
  }
  SLUICE_ASSIGN_OR_RETURN(PredictRequest r, DecodeRequest(record.request_json));
  SLUICE_ASSIGN_OR_RETURN(const BatchProvider* provider, ProviderOf(r));
  std::string job_id;
  Document status;
  status.Parse(record.ingest_status_json.data(), record.ingest_status_json.size());
  if (!status.HasParseError() && status.IsObject()) {
    job_id = json::StringMember(status, "remote_job_id");
    // Tasks shown before remote_job_id existed: OpenAI's batch id.
    if (job_id.empty() && status.HasMember("remote_job")) job_id = json::StringMember(status["remote_job"], "id");
  }
  if (job_id.empty()) {
    return InvalidArgument("Task [" + record.task_id + "] has no remote job yet");
  }
  return provider->Cancel(shared_->caller, r.job, job_id);
}

}  // namespace sluice::ml
