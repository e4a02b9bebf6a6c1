#include "ml/model_store.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <chrono>

#include "index/id_generator.h"
#include "ml/connector_store.h"
#include "storage/store.h"

namespace sluice::ml {
namespace {

using rapidjson::Document;
using rapidjson::Value;
using util::InvalidArgument;

constexpr std::string_view kKeyPrefix = "model/";

std::string Key(const std::string& id) { return std::string(kKeyPrefix) + id; }

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Text(const Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  v.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

util::Status NotFound() {
  return util::Status(util::Code::kNotFound, "status_exception", "Failed to find model");
}

util::Result<std::string> String(const Document& d, const char* name, bool required) {
  auto it = d.FindMember(name);
  if (it == d.MemberEnd() || it->value.IsNull()) {
    if (required) return InvalidArgument(std::string("[") + name + "] is required");
    return std::string();
  }
  if (!it->value.IsString()) return InvalidArgument(std::string("[") + name + "] must be a string");
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

util::Result<StoredModel> Decode(const std::string& id, std::string_view text) {
  Document d;
  d.Parse(text.data(), text.size());
  if (d.HasParseError() || !d.IsObject() || !d.HasMember("model") || !d["model"].IsObject() ||
      !d.HasMember("version") || !d["version"].IsInt64() || !d["model"].HasMember("connector_id") ||
      !d["model"]["connector_id"].IsString()) {
    return util::IoError("the stored model [" + id + "] is damaged");
  }
  return StoredModel{id, d["version"].GetInt64(), d["model"]["connector_id"].GetString(),
                     Text(d["model"])};
}

std::string Encode(int64_t version, const Value& model) {
  Document out;
  out.SetObject();
  out.AddMember("version", version, out.GetAllocator());
  out.AddMember("model", Value(model, out.GetAllocator()), out.GetAllocator());
  return Text(out);
}

}  // namespace

ModelStore::ModelStore(storage::Store* store, const ConnectorStore* connectors)
    : store_(store), connectors_(connectors) {}

util::Result<std::string> ModelStore::Register(std::string_view body) {
  Document d;
  d.Parse(body.data(), body.size());
  if (d.HasParseError() || !d.IsObject()) {
    return util::ParsingError("request body is required and must be a JSON object");
  }
  if (d.HasMember("connector")) {
    return InvalidArgument(
        "sluice does not register models with an inline [connector]: create it with POST "
        "/_plugins/_ml/connectors/_create and register the model with its [connector_id]");
  }
  SLUICE_ASSIGN_OR_RETURN(std::string name, String(d, "name", true));
  SLUICE_ASSIGN_OR_RETURN(std::string function_name, String(d, "function_name", false));
  std::transform(function_name.begin(), function_name.end(), function_name.begin(), ::tolower);
  if (!function_name.empty() && function_name != "remote") {
    return InvalidArgument(
        "sluice registers only remote models: [function_name] must be "
        "\"remote\", not [" +
        function_name + "]");
  }
  SLUICE_ASSIGN_OR_RETURN(std::string connector_id, String(d, "connector_id", true));
  SLUICE_ASSIGN_OR_RETURN(std::string description, String(d, "description", false));
  SLUICE_ASSIGN_OR_RETURN(std::string group, String(d, "model_group_id", false));
  SLUICE_RETURN_IF_ERROR(connectors_->Get(connector_id).status());
  Document model;
  model.SetObject();
  auto& alloc = model.GetAllocator();
  auto put = [&](const char* key, const std::string& value) {
    model.AddMember(Value(key, alloc), Value(value.c_str(), alloc), alloc);
  };
  int64_t now = NowMs();
  put("name", name);
  if (!group.empty()) put("model_group_id", group);
  put("algorithm", "REMOTE");
  put("model_version", "1");
  if (!description.empty()) put("description", description);
  put("model_state", "REGISTERED");
  model.AddMember("created_time", now, alloc);
  model.AddMember("last_updated_time", now, alloc);
  model.AddMember("last_registered_time", now, alloc);
  put("connector_id", connector_id);
  std::string id = index::GenerateId(20);
  storage::WriteBatch batch;
  batch.Put(storage::Column::kMeta, Key(id), Encode(1, model));
  std::lock_guard lock(mu_);
  SLUICE_RETURN_IF_ERROR(store_->Write(batch));
  return id;
}

util::Result<StoredModel> ModelStore::Get(const std::string& id) const {
  SLUICE_ASSIGN_OR_RETURN(auto value, store_->Get(storage::Column::kMeta, Key(id)));
  if (!value) return NotFound();
  return Decode(id, *value);
}

util::Status ModelStore::Delete(const std::string& id) {
  std::lock_guard lock(mu_);
  SLUICE_ASSIGN_OR_RETURN(auto value, store_->Get(storage::Column::kMeta, Key(id)));
  if (!value) return NotFound();
  storage::WriteBatch batch;
  batch.Delete(storage::Column::kMeta, Key(id));
  return store_->Write(batch);
}

util::Status ModelStore::SetState(const std::string& id, std::string_view state) {
  std::lock_guard lock(mu_);
  SLUICE_ASSIGN_OR_RETURN(auto value, store_->Get(storage::Column::kMeta, Key(id)));
  if (!value) return NotFound();
  SLUICE_ASSIGN_OR_RETURN(StoredModel m, Decode(id, *value));
  Document model;
  model.Parse(m.json.data(), m.json.size());
  auto& alloc = model.GetAllocator();
  int64_t now = NowMs();
  model["model_state"].SetString(state.data(), static_cast<rapidjson::SizeType>(state.size()),
                                 alloc);
  const char* stamp = state == "DEPLOYED" ? "last_deployed_time" : "last_undeployed_time";
  model.RemoveMember(stamp);
  model.AddMember(Value(stamp, alloc), Value(now), alloc);
  model["last_updated_time"].SetInt64(now);
  storage::WriteBatch batch;
  batch.Put(storage::Column::kMeta, Key(id), Encode(m.version + 1, model));
  return store_->Write(batch);
}

util::Result<std::vector<StoredModel>> ModelStore::List() const {
  std::vector<std::pair<std::string, std::string>> rows;
  SLUICE_RETURN_IF_ERROR(store_->Scan(storage::Column::kMeta, kKeyPrefix,
                                      [&](std::string_view key, std::string_view value) {
                                        rows.emplace_back(key.substr(kKeyPrefix.size()), value);
                                        return true;
                                      }));
  std::vector<std::pair<int64_t, StoredModel>> found;
  for (auto& [id, value] : rows) {
    auto m = Decode(id, value);
    if (!m.ok()) continue;  // damaged: not listed
    Document d;
    d.Parse(m->json.data(), m->json.size());
    int64_t created = d.IsObject() && d.HasMember("created_time") && d["created_time"].IsInt64()
                          ? d["created_time"].GetInt64()
                          : 0;
    found.emplace_back(created, std::move(*m));
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<StoredModel> out;
  for (auto& [created, m] : found) out.push_back(std::move(m));
  return out;
}

}  // namespace sluice::ml
