// OpenAI's Batch API (https://platform.openai.com/docs/api-reference/batch):
// POST /v1/batches creates a batch of an uploaded input file; GET
// /v1/batches/<id> shows it, moving validating → in_progress → finalizing →
// completed | failed | expired, or cancelling → cancelled after POST
// /v1/batches/<id>/cancel. The batch object is the task's remote_job; its
// output_file_id and input_file_id are what the ingestion reads (data_source
// type openAI), and error_file_id, the requests that failed, when there is one.
//
// An input given as a sluice source (JobInput) is first uploaded with POST
// /v1/files (multipart/form-data: purpose "batch" and the file), at the
// batches URL's sibling path, with the batch_predict action's headers; the
// returned id is the batch's ${parameters.input_file_id}. The upload is held
// in memory (OpenAI takes files up to 200 MB); a restart before the batch is
// created uploads it again.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>

#include "ml/batch_provider.h"
#include "sources/source_catalog.h"
#include "json/value_text.h"

namespace sluice::ml {
namespace {

using rapidjson::Document;
using rapidjson::Value;

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
  std::string out = "the remote batch job " + json::StringMember(batch, "id") + " " + json::StringMember(batch, "status");
  if (auto e = batch.FindMember("errors"); e != batch.MemberEnd() && e->value.IsObject()) {
    if (auto data = e->value.FindMember("data");
        data != e->value.MemberEnd() && data->value.IsArray() && !data->value.Empty()) {
      const Value& first = data->value[0];
      std::string code = json::StringMember(first, "code");
      out += ": " + (code.empty() ? "" : code + ": ") + json::StringMember(first, "message");
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
  job.id = json::StringMember(batch, "id");
  job.status = json::StringMember(batch, "status");
  job.json = json::ValueText(batch);
  job.fraction = Fraction(batch);
  if (job.status == "completed") {
    job.state = RemoteState::kCompleted;
    job.output_type = "openAI";
    std::string output = json::StringMember(batch, "output_file_id");
    if (output.empty()) {
      job.state = RemoteState::kFailed;
      job.reason = "the remote batch job " + job.id + " completed without an output_file_id (" +
                   Reason(batch) + ")";
    } else {
      job.outputs.push_back(output);
      if (std::string input = json::StringMember(batch, "input_file_id"); !input.empty()) {
        job.outputs.push_back(input);
      }
      job.error_output = json::StringMember(batch, "error_file_id");
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

// OpenAI's limit on a batch input file.
constexpr size_t kMaxUploadBytes = 200u << 20;

util::Result<std::vector<sources::SourceObject>> ListInput(const ConnectorCaller& caller,
                                                           const JobInput& input,
                                                           const util::CancelSignal* cancel) {
  const sources::SourceCatalog* catalog = caller.options().input_sources;
  if (catalog == nullptr) return util::InvalidArgument("[input] sources are not enabled");
  sources::DataSource source{input.type, {input.location}, {}, cancel};
  SLUICE_ASSIGN_OR_RETURN(auto slots, catalog->List(source));
  if (slots.size() != 1 || slots[0].size() != 1) {
    return util::InvalidArgument("[input.source] must name exactly one file, not a prefix or glob");
  }
  return std::move(slots[0]);
}

// The input's content (decompressed), at most kMaxUploadBytes.
util::Result<std::string> ReadInput(const ConnectorCaller& caller, const JobInput& input,
                                    const util::CancelSignal* cancel) {
  SLUICE_ASSIGN_OR_RETURN(auto objects, ListInput(caller, input, cancel));
  sources::DataSource source{input.type, {input.location}, {}, cancel};
  SLUICE_ASSIGN_OR_RETURN(auto stream, caller.options().input_sources->Open(source, objects[0]));
  std::string content;
  char buf[64 << 10];
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(size_t n, stream->Read(buf, sizeof(buf)));
    if (n == 0) break;
    content.append(buf, n);
    if (content.size() > kMaxUploadBytes) {
      return util::InvalidArgument(
          "[input.source] is larger than OpenAI's 200 MB batch file limit");
    }
  }
  return content;
}

std::string FileName(const std::string& location) {
  std::string name = location.substr(location.find_last_of('/') + 1);
  if (size_t q = name.find('?'); q != std::string::npos) name.resize(q);
  std::string safe;
  for (char c : name)
    safe +=
        (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_') ? c : '_';
  return safe.empty() ? "input.jsonl" : safe;
}

// POST /v1/files with purpose "batch"; returns the new file's id.
util::Result<std::string> Upload(const ConnectorCaller& caller, const JobRequest& request,
                                 const util::CancelSignal* cancel) {
  SLUICE_ASSIGN_OR_RETURN(std::string content, ReadInput(caller, *request.input, cancel));
  Params params = request.parameters;
  params.emplace("input_file_id", "");
  SLUICE_ASSIGN_OR_RETURN(Call call, caller.Render(request.connector_id, "UPLOAD_BATCH_INPUT",
                                                   params, {"POST", "files", true, ""}, ""));
  // A boundary that the content does not contain.
  std::string boundary = "sluice-batch-input";
  while (content.find(boundary) != std::string::npos) boundary += "-x";
  call.body = "--" + boundary +
              "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n--" + boundary +
              "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" +
              FileName(request.input->location) + "\"\r\nContent-Type: application/jsonl\r\n\r\n" +
              content + "\r\n--" + boundary + "--\r\n";
  std::erase_if(call.headers, [](const auto& h) {
    std::string lower = h.first;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return lower == "content-type";
  });
  call.headers.emplace_back("Content-Type", "multipart/form-data; boundary=" + boundary);
  SLUICE_ASSIGN_OR_RETURN(std::string body, caller.Send(call, false, cancel));
  SLUICE_ASSIGN_OR_RETURN(Document file, ParseObject(body, "the file upload"));
  std::string id = json::StringMember(file, "id");
  if (id.empty()) return util::Unavailable("OpenAI's file upload answer has no [id]");
  return id;
}

class OpenAiBatch final : public BatchProvider {
 public:
  std::string_view name() const override { return "openai"; }
  bool uploads_input() const override { return true; }

  util::Status Check(const ConnectorCaller& caller, const JobRequest& request) const override {
    Params params = request.parameters;
    if (request.input) {
      if (params.count("input_file_id")) {
        return util::InvalidArgument(
            "give either [input] (sluice uploads it) or [parameters.input_file_id], not both");
      }
      SLUICE_RETURN_IF_ERROR(ListInput(caller, *request.input, nullptr).status());
      params["input_file_id"] = "file-to-upload";
    }
    return caller.Render(request.connector_id, "BATCH_PREDICT", params, {}, "").status();
  }

  util::Result<RemoteJob> Create(const ConnectorCaller& caller, const JobRequest& request,
                                 const util::CancelSignal* cancel) const override {
    Params params = request.parameters;
    if (request.input) {
      SLUICE_ASSIGN_OR_RETURN(params["input_file_id"], Upload(caller, request, cancel));
    }
    SLUICE_ASSIGN_OR_RETURN(Call create,
                            caller.Render(request.connector_id, "BATCH_PREDICT", params, {}, ""));
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

  util::Result<RemoteJob> FromShown(const std::string&, std::string_view json) const override {
    SLUICE_ASSIGN_OR_RETURN(Document batch, ParseObject(std::string(json), "the batch"));
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
