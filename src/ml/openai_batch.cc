// OpenAI's Batch API (https://platform.openai.com/docs/api-reference/batch):
// POST /v1/batches creates a batch of an uploaded input file; GET
// /v1/batches/<id> shows it, moving validating → in_progress → finalizing →
// completed | failed | expired, or cancelling → cancelled after POST
// /v1/batches/<id>/cancel. The batch object is the task's remote_job; its
// output_file_id and input_file_id are what the ingestion reads (data_source
// type openAI).
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

#include "ml/batch_provider.h"

namespace sluice::ml {
namespace {

using rapidjson::Document;
using rapidjson::Value;

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

util::Result<Document> ParseObject(const std::string& body, const std::string& what) {
  Document d;
  d.Parse(body.data(), body.size());
  if (d.HasParseError() || !d.IsObject()) {
    return util::Unavailable("OpenAI answered " + what +
                             " with something that is not a JSON object");
  }
  return d;
}

// "the remote batch job <id> failed: <code>: <message>" from errors.data[0].
std::string Reason(const Document& batch) {
  std::string out = "the remote batch job " + Str(batch, "id") + " " + Str(batch, "status");
  if (auto e = batch.FindMember("errors"); e != batch.MemberEnd() && e->value.IsObject()) {
    if (auto data = e->value.FindMember("data");
        data != e->value.MemberEnd() && data->value.IsArray() && !data->value.Empty()) {
      const Value& first = data->value[0];
      std::string code = Str(first, "code");
      out += ": " + (code.empty() ? "" : code + ": ") + Str(first, "message");
    }
  }
  return out;
}

std::optional<float> Fraction(const Document& batch) {
  auto c = batch.FindMember("request_counts");
  if (c == batch.MemberEnd() || !c->value.IsObject()) return std::nullopt;
  const Value& counts = c->value;
  auto count = [&](const char* key) -> int64_t {
    auto it = counts.FindMember(key);
    return it != counts.MemberEnd() && it->value.IsInt64() ? it->value.GetInt64() : 0;
  };
  if (count("total") <= 0) return 0.0f;
  return std::min(1.0f, static_cast<float>(count("completed") + count("failed")) /
                            static_cast<float>(count("total")));
}

RemoteJob FromBatch(const Document& batch) {
  RemoteJob job;
  job.id = Str(batch, "id");
  job.status = Str(batch, "status");
  job.json = Text(batch);
  job.fraction = Fraction(batch);
  if (job.status == "completed") {
    job.state = RemoteState::kCompleted;
    job.output_type = "openAI";
    std::string output = Str(batch, "output_file_id");
    if (output.empty()) {
      job.state = RemoteState::kFailed;
      job.reason = "the remote batch job " + job.id + " completed without an output_file_id (" +
                   Reason(batch) + ")";
    } else {
      job.outputs.push_back(output);
      if (std::string input = Str(batch, "input_file_id"); !input.empty()) {
        job.outputs.push_back(input);
      }
    }
  } else if (job.status == "cancelled") {
    job.state = RemoteState::kCancelled;
    job.reason = "the remote batch job was cancelled";
  } else if (job.status == "failed" || job.status == "expired") {
    job.state = RemoteState::kFailed;
    job.reason = Reason(batch);
  }
  return job;
}

class OpenAiBatch final : public BatchProvider {
 public:
  std::string_view name() const override { return "openai"; }

  util::Status Check(const ConnectorCaller& caller, const JobRequest& request) const override {
    return caller.Render(request.connector_id, "BATCH_PREDICT", request.parameters, {}, "")
        .status();
  }

  util::Result<RemoteJob> Create(const ConnectorCaller& caller, const JobRequest& request,
                                 const util::CancelSignal* cancel) const override {
    SLUICE_ASSIGN_OR_RETURN(Call create, caller.Render(request.connector_id, "BATCH_PREDICT",
                                                       request.parameters, {}, ""));
    SLUICE_ASSIGN_OR_RETURN(std::string body, caller.Send(create, false, cancel));
    SLUICE_ASSIGN_OR_RETURN(Document batch, ParseObject(body, "the batch create"));
    RemoteJob job = FromBatch(batch);
    if (job.id.empty()) return util::Unavailable("the provider's batch has no [id]");
    return job;
  }

  util::Result<RemoteJob> Poll(const ConnectorCaller& caller, const JobRequest& request,
                               const std::string& id,
                               const util::CancelSignal* cancel) const override {
    Params params = request.parameters;
    params["id"] = id;
    SLUICE_ASSIGN_OR_RETURN(Call status, caller.Render(request.connector_id, "BATCH_PREDICT_STATUS",
                                                       params, {"GET", "/" + id, false, ""}, ""));
    SLUICE_ASSIGN_OR_RETURN(std::string body, caller.Send(status, true, cancel));
    SLUICE_ASSIGN_OR_RETURN(Document batch, ParseObject(body, "the batch status"));
    return FromBatch(batch);
  }

  util::Status Cancel(const ConnectorCaller& caller, const JobRequest& request,
                      const std::string& id) const override {
    Params params = request.parameters;
    params["id"] = id;
    SLUICE_ASSIGN_OR_RETURN(Call call,
                            caller.Render(request.connector_id, "CANCEL_BATCH_PREDICT", params,
                                          {"POST", "/" + id + "/cancel", false, ""}, ""));
    return caller.Send(call, true, nullptr).status();
  }
};

}  // namespace

const BatchProvider& OpenAiBatchProvider() {
  static const OpenAiBatch provider;
  return provider;
}

}  // namespace sluice::ml
