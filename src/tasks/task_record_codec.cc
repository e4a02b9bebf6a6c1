#include "tasks/task_record_codec.h"

#include <rapidjson/document.h>

#include "json/json_writer.h"

namespace sluice::tasks {
namespace {

constexpr std::string_view kStateNames[] = {"CREATED", "RUNNING",   "COMPLETED",
                                            "FAILED",  "CANCELLED", "COMPLETED_WITH_ERROR"};

util::Status Damaged(std::string_view what) {
  return util::IoError("damaged task record: " + std::string(what));
}

}  // namespace

std::string_view TaskStateName(TaskState state) {
  auto i = static_cast<size_t>(state);
  return i < std::size(kStateNames) ? kStateNames[i] : "UNKNOWN";
}

std::optional<TaskState> ParseTaskState(std::string_view name) {
  for (size_t i = 0; i < std::size(kStateNames); ++i) {
    if (kStateNames[i] == name) return static_cast<TaskState>(i);
  }
  return std::nullopt;
}

bool IsFinished(TaskState state) {
  return state == TaskState::kCompleted || state == TaskState::kFailed ||
         state == TaskState::kCancelled || state == TaskState::kCompletedWithError;
}

std::string EncodeTaskRecord(const TaskRecord& r) {
  json::JsonWriter w;
  w.StartObject();
  w.Key("task_id").String(r.task_id);
  w.Key("task_type").String(r.task_type);
  w.Key("state").String(TaskStateName(r.state));
  w.Key("create_time").Int(r.create_time);
  w.Key("last_update_time").Int(r.last_update_time);
  if (r.error) w.Key("error").String(*r.error);
  if (r.progress) w.Key("progress").Double(*r.progress);
  w.Key("ingest_status").String(r.ingest_status_json);
  w.Key("request").String(r.request_json);
  if (!r.owner.empty()) w.Key("owner").String(r.owner);
  w.EndObject();
  return w.Take();
}

util::Result<TaskRecord> DecodeTaskRecord(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) return Damaged("not a JSON object");
  auto string_field = [&doc](const char* name) -> const rapidjson::Value* {
    auto it = doc.FindMember(name);
    return it != doc.MemberEnd() && it->value.IsString() ? &it->value : nullptr;
  };
  auto int_field = [&doc](const char* name) -> std::optional<int64_t> {
    auto it = doc.FindMember(name);
    if (it == doc.MemberEnd() || !it->value.IsInt64()) return std::nullopt;
    return it->value.GetInt64();
  };
  TaskRecord r;
  const rapidjson::Value* id = string_field("task_id");
  const rapidjson::Value* type = string_field("task_type");
  const rapidjson::Value* state = string_field("state");
  if (id == nullptr || type == nullptr || state == nullptr) return Damaged("missing field");
  r.task_id.assign(id->GetString(), id->GetStringLength());
  r.task_type.assign(type->GetString(), type->GetStringLength());
  auto parsed_state =
      ParseTaskState(std::string_view(state->GetString(), state->GetStringLength()));
  if (!parsed_state) return Damaged("unknown state");
  r.state = *parsed_state;
  auto create_time = int_field("create_time");
  auto last_update_time = int_field("last_update_time");
  if (!create_time || !last_update_time) return Damaged("missing time");
  r.create_time = *create_time;
  r.last_update_time = *last_update_time;
  if (const auto* error = string_field("error")) {
    r.error.emplace(error->GetString(), error->GetStringLength());
  }
  if (auto it = doc.FindMember("progress"); it != doc.MemberEnd() && it->value.IsNumber()) {
    r.progress = static_cast<float>(it->value.GetDouble());
  }
  // Records written before ingest_status existed kept the detailed object
  // under "progress" (as a string).
  const rapidjson::Value* status = string_field("ingest_status");
  if (status == nullptr) status = string_field("progress");
  if (status != nullptr)
    r.ingest_status_json.assign(status->GetString(), status->GetStringLength());
  if (const auto* request = string_field("request")) {
    r.request_json.assign(request->GetString(), request->GetStringLength());
  }
  if (const auto* owner = string_field("owner")) {
    r.owner.assign(owner->GetString(), owner->GetStringLength());
  }
  return r;
}

}  // namespace sluice::tasks
