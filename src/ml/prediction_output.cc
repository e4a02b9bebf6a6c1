#include "ml/prediction_output.h"

#include <rapidjson/document.h>

#include "ml/batch_predict.h"

namespace sluice::ml {
namespace {

using rapidjson::Document;
using rapidjson::Value;

// obj.a.b.c as a string, "" when any step is missing.
std::string At(const Value& obj, std::initializer_list<const char*> path) {
  const Value* v = &obj;
  for (const char* key : path) {
    if (!v->IsObject()) return {};
    auto it = v->FindMember(key);
    if (it == v->MemberEnd()) return {};
    v = &it->value;
  }
  return v->IsString() ? std::string(v->GetString(), v->GetStringLength()) : std::string();
}

std::string WithSlash(std::string s) {
  if (!s.empty() && s.back() != '/') s += '/';
  return s;
}

util::Status Refuse(const std::string& task_id, const std::string& why) {
  return util::InvalidArgument("[data_source.source] task [" + task_id + "] " + why);
}

}  // namespace

util::Result<ingest::PredictionSource> PredictionOutputOf(const tasks::TaskRecord& record) {
  const std::string& id = record.task_id;
  if (record.task_type != kBatchPredictionTask) {
    return Refuse(id, "is a " + record.task_type + " task, not a BATCH_PREDICTION task");
  }
  if (record.state != tasks::TaskState::kCompleted) {
    return Refuse(id, "is " + std::string(tasks::TaskStateName(record.state)) +
                          ": only a COMPLETED batch prediction has an output to ingest");
  }
  ingest::PredictionSource out;
  Document request;
  request.Parse(record.request_json.data(), record.request_json.size());
  if (!request.HasParseError() && request.IsObject()) {
    out.connector_id = At(request, {"connector_id"});
  }
  Document status;
  status.Parse(record.ingest_status_json.data(), record.ingest_status_json.size());
  if (status.HasParseError() || !status.IsObject() || !status.HasMember("remote_job") ||
      !status["remote_job"].IsObject()) {
    return Refuse(id, "shows no remote job");
  }
  const Value& job = status["remote_job"];
  if (std::string output = At(job, {"output_file_id"}); !output.empty()) {
    out.type = "openAI";
    out.locations.push_back(output);
    if (std::string input = At(job, {"input_file_id"}); !input.empty()) {
      out.locations.push_back(input);
    }
    return out;
  }
  if (std::string prefix = At(job, {"outputDataConfig", "s3OutputDataConfig", "s3Uri"});
      !prefix.empty()) {
    // Bedrock writes into <s3Uri>/<job id>/, the id being the ARN's last segment.
    std::string arn = At(job, {"jobArn"});
    std::string job_id = arn.substr(arn.rfind('/') + 1);
    if (job_id.empty()) return Refuse(id, "shows a Bedrock job without its [jobArn]");
    out.type = "s3";
    out.locations.push_back(WithSlash(prefix) + job_id + "/");
    if (std::string input = At(job, {"inputDataConfig", "s3InputDataConfig", "s3Uri"});
        !input.empty()) {
      out.locations.push_back(input);
    }
    return out;
  }
  if (std::string output = At(job, {"TransformOutput", "S3OutputPath"}); !output.empty()) {
    out.type = "s3";
    out.locations.push_back(WithSlash(output));
    if (std::string input = At(job, {"TransformInput", "DataSource", "S3DataSource", "S3Uri"});
        !input.empty()) {
      out.locations.push_back(input);
    }
    return out;
  }
  return Refuse(id, "shows a remote job that names no output location");
}

util::Result<ingest::PredictionSource> PredictionOutput(const tasks::TaskManager& tasks,
                                                        const std::string& task_id) {
  auto record = tasks.Get(task_id);
  if (!record.ok()) {
    if (record.status().code() == util::Code::kNotFound) {
      return Refuse(task_id, "does not exist");
    }
    return record.status();
  }
  return PredictionOutputOf(*record);
}

}  // namespace sluice::ml
