#include "ml/model_store.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <chrono>

#include "index/id_generator.h"
#include "ml/connector_store.h"
#include "storage/store.h"
#include "json/value_text.h"

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

// The stored record: {"version", "model" (as GET shows it), "connector_id"
// (the connector called), "inline_connector"}. Records from before inline
// connectors have only model.connector_id.
util::Result<StoredModel> Decode(const std::string& id, std::string_view text) {
  Document d;
  d.Parse(text.data(), text.size());
  if (d.HasParseError() || !d.IsObject() || !d.HasMember("model") || !d["model"].IsObject() ||
      !d.HasMember("version") || !d["version"].IsInt64()) {
    return util::IoError("the stored model [" + id + "] is damaged");
  }
  const Value& model = d["model"];
  const Value* connector = nullptr;
  if (auto c = d.FindMember("connector_id"); c != d.MemberEnd() && c->value.IsString()) {
    connector = &c->value;
  } else if (auto m = model.FindMember("connector_id");
             m != model.MemberEnd() && m->value.IsString()) {
    connector = &m->value;
  }
  if (connector == nullptr) return util::IoError("the stored model [" + id + "] is damaged");
  StoredModel out;
  out.id = id;
  out.version = d["version"].GetInt64();
  out.connector_id = connector->GetString();
  out.json = json::ValueText(model);
  out.inline_connector = d.HasMember("inline_connector") && d["inline_connector"].IsBool() &&
                         d["inline_connector"].GetBool();
  if (auto st = model.FindMember("model_state"); st != model.MemberEnd() && st->value.IsString()) {
    out.state = st->value.GetString();
  }
  return out;
}

std::string Encode(int64_t version, const Value& model, const std::string& connector_id,
                   bool inline_connector) {
  Document out;
  out.SetObject();
  auto& a = out.GetAllocator();
  out.AddMember("version", version, a);
  out.AddMember("model", Value(model, a), a);
  out.AddMember("connector_id", Value(connector_id.c_str(), a), a);
  out.AddMember("inline_connector", inline_connector, a);
  return json::ValueText(out);
}

}  // namespace

ModelStore::ModelStore(storage::Store* store, ConnectorStore* connectors)
    : store_(store), connectors_(connectors) {}

util::Result<std::string> ModelStore::Register(std::string_view body, bool deploy) {
  Document d;
  d.Parse(body.data(), body.size());
  if (d.HasParseError() || !d.IsObject()) {
    return util::ParsingError("request body is required and must be a JSON object");
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
  const Value* inline_connector = nullptr;
  if (auto c = d.FindMember("connector"); c != d.MemberEnd() && !c->value.IsNull()) {
    if (!c->value.IsObject()) return InvalidArgument("[connector] must be an object");
    inline_connector = &c->value;
  }
  SLUICE_ASSIGN_OR_RETURN(std::string connector_id,
                          String(d, "connector_id", inline_connector == nullptr));
  if (inline_connector != nullptr && !connector_id.empty()) {
    return InvalidArgument("give either [connector_id] or an inline [connector], not both");
  }
  SLUICE_ASSIGN_OR_RETURN(std::string description, String(d, "description", false));
  SLUICE_ASSIGN_OR_RETURN(std::string group, String(d, "model_group_id", false));
  std::string id = index::GenerateId(20);
  std::string connector_json;
  if (inline_connector != nullptr) {
    SLUICE_ASSIGN_OR_RETURN(connector_id, connectors_->CreateForModel(id, json::ValueText(*inline_connector)));
    auto stored = connectors_->Get(connector_id);
    if (!stored.ok()) {
      (void)connectors_->Delete(connector_id);
      return stored.status();
    }
    connector_json = stored->json;
  } else {
    SLUICE_ASSIGN_OR_RETURN(StoredConnector c, connectors_->Get(connector_id));
    // Another model's inline connector is not a connector_id a user can name.
    if (!c.model_id.empty()) {
      return util::Status(
          util::Code::kNotFound, "status_exception",
          "Failed to find connector with the provided connector id: " + connector_id);
    }
  }
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
  put("model_state", deploy ? "DEPLOYED" : "REGISTERED");
  model.AddMember("created_time", now, alloc);
  model.AddMember("last_updated_time", now, alloc);
  model.AddMember("last_registered_time", now, alloc);
  if (deploy) model.AddMember("last_deployed_time", now, alloc);
  if (inline_connector != nullptr) {
    Document shown;
    shown.Parse(connector_json.data(), connector_json.size());
    model.AddMember("connector", Value(shown, alloc), alloc);
  } else {
    put("connector_id", connector_id);
  }
  storage::WriteBatch batch;
  batch.Put(storage::Column::kMeta, Key(id),
            Encode(1, model, connector_id, inline_connector != nullptr));
  std::lock_guard lock(mu_);
  if (util::Status s = store_->Write(batch); !s.ok()) {
    if (inline_connector != nullptr) (void)connectors_->Delete(connector_id);
    return s;
  }
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
  SLUICE_ASSIGN_OR_RETURN(StoredModel m, Decode(id, *value));
  if (m.state == "DEPLOYED") {
    return util::Status(
        util::Code::kInvalidArgument, "status_exception",
        "Model cannot be deleted in deploying or deployed state. Try undeploy model first then "
        "delete");
  }
  storage::WriteBatch batch;
  batch.Delete(storage::Column::kMeta, Key(id));
  SLUICE_RETURN_IF_ERROR(store_->Write(batch));
  // The model is gone first: a crash in between leaves an unlisted connector,
  // never a model without its connector.
  if (m.inline_connector) SLUICE_RETURN_IF_ERROR(connectors_->Delete(m.connector_id));
  return util::Status::Ok();
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
  batch.Put(storage::Column::kMeta, Key(id),
            Encode(m.version + 1, model, m.connector_id, m.inline_connector));
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
