#include "ml/batch_predict.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <map>

#include "ingest/batch_ingest_service.h"
#include "ml/connector_store.h"
#include "ml/model_store.h"
#include "sources/http_client.h"
#include "util/cancel_signal.h"

namespace sluice::ml {
namespace {

using rapidjson::Document;
using rapidjson::Value;
using util::InvalidArgument;
using Params = std::map<std::string, std::string>;

constexpr size_t kMaxResponse = 1 << 20;

std::string Text(const Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  v.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string Str(const Value& obj, const char* key) {
  if (!obj.IsObject()) return {};
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd() || !it->value.IsString()) return {};
  return it->value.GetString();
}

// A connector action rendered for sending. `headers` may hold the credential.
struct Call {
  std::string method;
  std::string url;
  sources::HeaderList headers;
  std::string body;
};

// Replaces ${parameters.x} and ${credential.x}; an unknown name is an error
// naming it (never a value).
util::Result<std::string> Substitute(const std::string& in, const Params& params,
                                     const secrets::SecretMap& credential) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t start = in.find("${", pos);
    if (start == std::string::npos) break;
    size_t end = in.find('}', start);
    if (end == std::string::npos) break;
    out.append(in, pos, start - pos);
    std::string name = in.substr(start + 2, end - start - 2);
    if (name.rfind("parameters.", 0) == 0) {
      auto it = params.find(name.substr(11));
      if (it == params.end()) {
        return InvalidArgument("the connector action needs [" + name +
                               "]: give it in the connector's or the request's parameters");
      }
      out += it->second;
    } else if (name.rfind("credential.", 0) == 0) {
      auto it = credential.find(name.substr(11));
      if (it == credential.end()) {
        return InvalidArgument("the connector action needs [" + name +
                               "], which the connector's credential does not hold");
      }
      out += it->second.Reveal();
    } else {
      out.append(in, start, end - start + 1);  // not ours: kept as written
    }
    pos = end + 1;
  }
  out.append(in, pos, std::string::npos);
  return out;
}

}  // namespace

struct BatchPredictService::Shared {
  const ModelStore* models;
  const ConnectorStore* connectors;
  tasks::TaskManager* tasks;
  ingest::BatchIngestService* ingest;
  BatchPredictOptions options;

  // `url` with scheme/host/port from openai_base_url when it is OpenAI's.
  util::Result<std::string> Redirect(const std::string& url) const {
    SLUICE_ASSIGN_OR_RETURN(sources::ParsedUrl parsed, sources::ParseHttpUrl(url));
    if (options.openai_base_url.empty() || parsed.host != "api.openai.com") return url;
    SLUICE_ASSIGN_OR_RETURN(sources::ParsedUrl base,
                            sources::ParseHttpUrl(options.openai_base_url));
    std::string host = base.host.find(':') != std::string::npos ? "[" + base.host + "]" : base.host;
    std::string out = base.scheme + "://" + host;
    if (base.explicit_port) out += ":" + std::to_string(base.port);
    out += parsed.path;
    if (!parsed.query.empty()) out += "?" + parsed.query;
    return out;
  }

  // Renders the connector's action of `type`; when it has none and `fallback_suffix`
  // is given, the BATCH_PREDICT action's URL plus the suffix (OpenAI's layout).
  util::Result<Call> Render(const std::string& connector_id, const std::string& type,
                            const Params& request_params, const std::string& fallback_method,
                            const std::string& fallback_suffix) const {
    SLUICE_ASSIGN_OR_RETURN(StoredConnector c, connectors->Get(connector_id));
    Document d;
    d.Parse(c.json.data(), c.json.size());
    if (d.HasParseError() || !d.IsObject()) return util::IoError("the stored connector is damaged");
    Params params;
    if (auto p = d.FindMember("parameters"); p != d.MemberEnd() && p->value.IsObject()) {
      for (auto& m : p->value.GetObject()) {
        if (m.value.IsString()) params[m.name.GetString()] = m.value.GetString();
      }
    }
    for (const auto& [k, v] : request_params) params[k] = v;
    const Value* action = nullptr;
    const Value* predict = nullptr;
    if (auto a = d.FindMember("actions"); a != d.MemberEnd() && a->value.IsArray()) {
      for (auto& x : a->value.GetArray()) {
        if (Str(x, "action_type") == type) action = &x;
        if (Str(x, "action_type") == "BATCH_PREDICT") predict = &x;
      }
    }
    bool fallback = false;
    if (action == nullptr) {
      if (fallback_suffix.empty() || predict == nullptr) {
        return InvalidArgument("the connector [" + connector_id + "] has no action of type [" +
                               type + "]");
      }
      action = predict;
      fallback = true;
    }
    SLUICE_ASSIGN_OR_RETURN(secrets::SecretMap credential, connectors->Credential(connector_id));
    Call call;
    call.method = fallback ? fallback_method : Str(*action, "method");
    std::transform(call.method.begin(), call.method.end(), call.method.begin(), ::toupper);
    if (call.method != "GET" && call.method != "POST") {
      return InvalidArgument("the connector's [" + type + "] action has method [" + call.method +
                             "]: only GET and POST are supported");
    }
    SLUICE_ASSIGN_OR_RETURN(std::string url, Substitute(Str(*action, "url"), params, credential));
    if (fallback) url += fallback_suffix;
    SLUICE_ASSIGN_OR_RETURN(call.url, Redirect(url));
    if (auto h = action->FindMember("headers"); h != action->MemberEnd() && h->value.IsObject()) {
      for (auto& m : h->value.GetObject()) {
        if (!m.value.IsString()) continue;
        SLUICE_ASSIGN_OR_RETURN(std::string value,
                                Substitute(m.value.GetString(), params, credential));
        call.headers.emplace_back(m.name.GetString(), std::move(value));
      }
    }
    if (!fallback && call.method == "POST") {
      SLUICE_ASSIGN_OR_RETURN(call.body,
                              Substitute(Str(*action, "request_body"), params, credential));
      Document check;
      check.Parse(call.body.data(), call.body.size());
      if (check.HasParseError()) {
        return InvalidArgument(
            "the connector's [" + type +
            "] request_body is not valid JSON once its parameters are filled in");
      }
      bool typed = false;
      for (const auto& [name, value] : call.headers) {
        std::string lower = name;
        std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
        typed = typed || lower == "content-type";
      }
      if (!typed) call.headers.emplace_back("Content-Type", "application/json");
    }
    return call;
  }

  // Sends `call`; a 2xx JSON object comes back, anything else is an error with
  // the provider's message (never the request).
  util::Result<Document> Send(const Call& call, bool retry_status,
                              const util::CancelSignal* cancel) const {
    sources::SourcesOptions http = options.http;
    // A create is not idempotent: only connection failures are retried.
    if (!retry_status) http.max_retries = 0;
    std::string display = sources::RedactUrl(call.url);
    SLUICE_ASSIGN_OR_RETURN(sources::HttpResponse res,
                            sources::HttpSend(
                                [&]() -> util::Result<sources::HttpRequest> {
                                  return sources::HttpRequest{call.url, call.headers};
                                },
                                call.method, call.body, http, display, kMaxResponse, cancel));
    Document d;
    d.Parse(res.body.data(), res.body.size());
    if (res.status < 200 || res.status >= 300) {
      std::string message;
      if (!d.HasParseError() && d.IsObject() && d.HasMember("error")) {
        message = Str(d["error"], "message");
      }
      util::Code code = res.status == 401 || res.status == 403 ? util::Code::kUnauthorized
                        : res.status == 404                    ? util::Code::kNotFound
                        : res.status >= 500                    ? util::Code::kUnavailable
                                                               : util::Code::kInvalidArgument;
      return util::Status(code, "status_exception",
                          call.method + " " + display + " answered HTTP " +
                              std::to_string(res.status) + (message.empty() ? "" : ": " + message));
    }
    if (d.HasParseError() || !d.IsObject()) {
      return util::Unavailable(display + " answered something that is not a JSON object");
    }
    return d;
  }
};

namespace {

// What a BATCH_PREDICTION task keeps in its request (no secrets).
struct PredictRequest {
  std::string model_id;
  std::string connector_id;
  Params parameters;
  std::string ingest_json;  // "" = no ingestion
};

util::Result<PredictRequest> DecodeRequest(std::string_view json) {
  Document d;
  d.Parse(json.data(), json.size());
  if (d.HasParseError() || !d.IsObject()) return util::IoError("the stored request is damaged");
  PredictRequest r;
  r.model_id = Str(d, "model_id");
  r.connector_id = Str(d, "connector_id");
  if (auto p = d.FindMember("parameters"); p != d.MemberEnd() && p->value.IsObject()) {
    for (auto& m : p->value.GetObject()) {
      if (m.value.IsString()) r.parameters[m.name.GetString()] = m.value.GetString();
    }
  }
  if (auto i = d.FindMember("ingest"); i != d.MemberEnd() && i->value.IsObject()) {
    r.ingest_json = Text(i->value);
  }
  return r;
}

// The durable resume point.
struct Checkpoint {
  std::string batch_id;
  bool ingest_submitting = false;
  std::string ingest_task_id;

  std::string Encode() const {
    Document d;
    d.SetObject();
    auto& a = d.GetAllocator();
    d.AddMember("batch_id", Value(batch_id.c_str(), a), a);
    d.AddMember("ingest_submitting", ingest_submitting, a);
    d.AddMember("ingest_task_id", Value(ingest_task_id.c_str(), a), a);
    return Text(d);
  }
  static Checkpoint Decode(const std::string& text) {
    Checkpoint c;
    Document d;
    d.Parse(text.data(), text.size());
    if (d.HasParseError() || !d.IsObject()) return c;
    c.batch_id = Str(d, "batch_id");
    c.ingest_task_id = Str(d, "ingest_task_id");
    c.ingest_submitting = d.HasMember("ingest_submitting") && d["ingest_submitting"].IsBool() &&
                          d["ingest_submitting"].GetBool();
    return c;
  }
};

class BatchPredictJob : public tasks::TaskJob {
 public:
  BatchPredictJob(std::shared_ptr<BatchPredictService::Shared> shared, PredictRequest request,
                  std::string owner)
      : shared_(std::move(shared)), request_(std::move(request)), owner_(std::move(owner)) {}

  util::Status Run(tasks::TaskContext& ctx) override {
    Checkpoint cp;
    if (auto saved = ctx.LoadCheckpoint()) cp = Checkpoint::Decode(*saved);
    const util::CancelSignal* cancel = ctx.cancel_signal();
    if (cp.batch_id.empty()) {
      SLUICE_ASSIGN_OR_RETURN(Call create, shared_->Render(request_.connector_id, "BATCH_PREDICT",
                                                           request_.parameters, "", ""));
      SLUICE_ASSIGN_OR_RETURN(Document batch, shared_->Send(create, false, cancel));
      cp.batch_id = Str(batch, "id");
      if (cp.batch_id.empty()) return util::Unavailable("the provider's batch has no [id]");
      SLUICE_RETURN_IF_ERROR(ctx.SaveCheckpoint(cp.Encode()));
      Show(ctx, batch, cp);
      spdlog::info("event=batch_predict_created task={} batch={}", ctx.task_id(), cp.batch_id);
    }
    Params with_id = request_.parameters;
    with_id["id"] = cp.batch_id;
    while (true) {
      if (ctx.cancelled()) return util::Cancelled("the task was cancelled");
      SLUICE_ASSIGN_OR_RETURN(
          Call status, shared_->Render(request_.connector_id, "BATCH_PREDICT_STATUS", with_id,
                                       "GET", "/" + cp.batch_id));
      auto batch = shared_->Send(status, true, cancel);
      if (!batch.ok()) {
        if (batch.status().code() == util::Code::kCancelled) return batch.status();
        // A transient failure after retries: keep polling; anything else ends the task.
        if (batch.status().code() != util::Code::kUnavailable) return batch.status();
        spdlog::warn("event=batch_predict_poll_failed task={} reason=\"{}\"", ctx.task_id(),
                     batch.status().reason());
      } else {
        Show(ctx, *batch, cp);
        std::string state = Str(*batch, "status");
        if (state == "completed") return Completed(ctx, *batch, cp);
        if (state == "cancelled") return util::Cancelled("the remote batch job was cancelled");
        if (state == "failed" || state == "expired") return util::Unavailable(Reason(*batch));
      }
      if (util::SleepUnlessCancelled(
              cancel, std::chrono::milliseconds(shared_->options.poll_interval_ms))) {
        return util::Cancelled("the task was cancelled");
      }
    }
  }

 private:
  static std::string Reason(const Document& batch) {
    std::string state = Str(batch, "status");
    std::string out = "the remote batch job " + Str(batch, "id") + " " + state;
    if (auto e = batch.FindMember("errors"); e != batch.MemberEnd() && e->value.IsObject()) {
      if (auto data = e->value.FindMember("data");
          data != e->value.MemberEnd() && data->value.IsArray() && !data->value.Empty()) {
        const Value& first = data->value[0];
        std::string code = Str(first, "code");
        std::string message = Str(first, "message");
        out += ": " + (code.empty() ? "" : code + ": ") + message;
      }
    }
    return out;
  }

  void Show(tasks::TaskContext& ctx, const Document& batch, const Checkpoint& cp) {
    remote_job_ = Text(batch);
    float fraction = 0;
    if (auto c = batch.FindMember("request_counts");
        c != batch.MemberEnd() && c->value.IsObject()) {
      const Value& counts = c->value;
      if (counts.HasMember("total") && counts["total"].IsInt64() &&
          counts["total"].GetInt64() > 0 && counts.HasMember("completed") &&
          counts["completed"].IsInt64()) {
        int64_t done = counts["completed"].GetInt64();
        if (counts.HasMember("failed") && counts["failed"].IsInt64()) {
          done += counts["failed"].GetInt64();
        }
        fraction = std::min(
            1.0f, static_cast<float>(done) / static_cast<float>(counts["total"].GetInt64()));
      }
    }
    std::string status = "{\"model_id\":";
    Value id(request_.model_id.c_str(), static_cast<rapidjson::SizeType>(request_.model_id.size()));
    status += Text(id) + ",\"function_name\":\"REMOTE\",\"input_type\":\"REMOTE\"";
    status += ",\"remote_job\":" + remote_job_;
    if (!cp.ingest_task_id.empty()) status += ",\"ingest_task_id\":\"" + cp.ingest_task_id + "\"";
    status += "}";
    ctx.SetProgress(fraction, std::move(status));
  }

  util::Status Completed(tasks::TaskContext& ctx, const Document& batch, Checkpoint& cp) {
    if (request_.ingest_json.empty() || !cp.ingest_task_id.empty()) return util::Status::Ok();
    std::string output = Str(batch, "output_file_id");
    std::string input = Str(batch, "input_file_id");
    if (output.empty()) {
      return util::Unavailable("the remote batch job " + cp.batch_id +
                               " completed without an output_file_id (" + Reason(batch) + ")");
    }
    if (cp.ingest_submitting) {
      // A restart between the marker and the id: the task may exist already.
      for (const auto& r : shared_->tasks->List()) {
        if (r.task_type == "BATCH_INGEST" &&
            r.request_json.find("\"" + output + "\"") != std::string::npos) {
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
      body.AddMember("connector_id", Value(request_.connector_id.c_str(), a), a);
      Value source(rapidjson::kArrayType);
      source.PushBack(Value(output.c_str(), a), a);
      if (!input.empty()) source.PushBack(Value(input.c_str(), a), a);
      Value data_source(rapidjson::kObjectType);
      data_source.AddMember("type", "openAI", a);
      data_source.AddMember("source", source, a);
      body.AddMember("data_source", data_source, a);
      SLUICE_ASSIGN_OR_RETURN(cp.ingest_task_id,
                              shared_->ingest->Submit(Text(body), nullptr, owner_));
      spdlog::info("event=batch_predict_ingest task={} ingest_task={}", ctx.task_id(),
                   cp.ingest_task_id);
    }
    cp.ingest_submitting = false;
    SLUICE_RETURN_IF_ERROR(ctx.SaveCheckpoint(cp.Encode()));
    Show(ctx, batch, cp);
    return util::Status::Ok();
  }

  std::shared_ptr<BatchPredictService::Shared> shared_;
  PredictRequest request_;
  std::string owner_;
  std::string remote_job_;
};

}  // namespace

BatchPredictService::BatchPredictService(const ModelStore* models, const ConnectorStore* connectors,
                                         tasks::TaskManager* tasks,
                                         ingest::BatchIngestService* ingest,
                                         BatchPredictOptions options)
    : shared_(
          std::make_shared<Shared>(Shared{models, connectors, tasks, ingest, std::move(options)})) {
}

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
  r.connector_id = model.connector_id;
  for (auto& m : d.GetObject()) {
    std::string key = m.name.GetString();
    if (key == "parameters") {
      if (!m.value.IsObject()) return InvalidArgument("[parameters] must be an object");
      for (auto& p : m.value.GetObject()) {
        r.parameters[p.name.GetString()] = p.value.IsString() ? p.value.GetString() : Text(p.value);
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
      r.ingest_json = Text(m.value);
    } else {
      return InvalidArgument("[" + key + "] is not supported by _batch_predict");
    }
  }
  // Render now so that a missing parameter or credential is the caller's 400.
  SLUICE_RETURN_IF_ERROR(
      shared_->Render(r.connector_id, "BATCH_PREDICT", r.parameters, "", "").status());
  Document stored;
  stored.SetObject();
  auto& a = stored.GetAllocator();
  stored.AddMember("model_id", Value(r.model_id.c_str(), a), a);
  stored.AddMember("connector_id", Value(r.connector_id.c_str(), a), a);
  Value params(rapidjson::kObjectType);
  for (const auto& [k, v] : r.parameters) {
    params.AddMember(Value(k.c_str(), a), Value(v.c_str(), a), a);
  }
  stored.AddMember("parameters", params, a);
  if (!r.ingest_json.empty()) {
    Document ingest;
    ingest.Parse(r.ingest_json.data(), r.ingest_json.size());
    stored.AddMember("ingest", Value(ingest, a), a);
  }
  auto job = std::make_unique<BatchPredictJob>(shared_, r, owner);
  return shared_->tasks->Submit(std::string(kBatchPredictionTask), Text(stored), std::move(job),
                                owner);
}

util::Result<std::unique_ptr<tasks::TaskJob>> BatchPredictService::ResumeJob(
    const tasks::TaskRecord& record) {
  SLUICE_ASSIGN_OR_RETURN(PredictRequest r, DecodeRequest(record.request_json));
  return std::unique_ptr<tasks::TaskJob>(
      std::make_unique<BatchPredictJob>(shared_, std::move(r), record.owner));
}

util::Status BatchPredictService::CancelBatch(const tasks::TaskRecord& record) {
  if (record.task_type != kBatchPredictionTask) {
    return InvalidArgument("Task [" + record.task_id + "] is not a BATCH_PREDICTION task");
  }
  SLUICE_ASSIGN_OR_RETURN(PredictRequest r, DecodeRequest(record.request_json));
  std::string batch_id;
  Document status;
  status.Parse(record.ingest_status_json.data(), record.ingest_status_json.size());
  if (!status.HasParseError() && status.IsObject() && status.HasMember("remote_job")) {
    batch_id = Str(status["remote_job"], "id");
  }
  if (batch_id.empty()) {
    return InvalidArgument("Task [" + record.task_id + "] has no remote job yet");
  }
  r.parameters["id"] = batch_id;
  SLUICE_ASSIGN_OR_RETURN(
      Call call, shared_->Render(r.connector_id, "CANCEL_BATCH_PREDICT", r.parameters, "POST",
                                 "/" + batch_id + "/cancel"));
  return shared_->Send(call, true, nullptr).status();
}

}  // namespace sluice::ml
