#include "ml/connector_store.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>

#include "index/id_generator.h"
#include "storage/store.h"
#include "json/value_text.h"

namespace sluice::ml {
namespace {

using rapidjson::Document;
using rapidjson::Value;
using util::InvalidArgument;

constexpr std::string_view kKeyPrefix = "connector/";
// ml-commons' toXContent order; anything else in a request is ignored, as there.
constexpr const char* kFieldOrder[] = {
    "name",          "version", "description",  "protocol",          "parameters",   "actions",
    "backend_roles", "access",  "created_time", "last_updated_time", "client_config"};
constexpr const char* kActionTypes[] = {"PREDICT", "EXECUTE", "BATCH_PREDICT",
                                        "CANCEL_BATCH_PREDICT", "BATCH_PREDICT_STATUS"};

std::string Key(const std::string& id) { return std::string(kKeyPrefix) + id; }

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

util::Status NotFound(const std::string& id) {
  return util::Status(util::Code::kNotFound, "status_exception",
                      "Failed to find connector with the provided connector id: " + id);
}

// ml-commons reads name/version/description/protocol/access with text():
// numbers and booleans become their text.
util::Result<std::string> Scalar(const Value& v, const std::string& field) {
  if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
  if (v.IsNumber() || v.IsBool()) return json::ValueText(v);
  return InvalidArgument("[" + field + "] must be a string");
}

util::Status CheckAction(Value& action, Document::AllocatorType& alloc, size_t n) {
  std::string where = "[actions][" + std::to_string(n) + "]";
  if (!action.IsObject()) return InvalidArgument(where + " must be an object");
  auto type = action.FindMember("action_type");
  if (type == action.MemberEnd() || type->value.IsNull()) {
    return InvalidArgument("action type can't be null");
  }
  if (!type->value.IsString()) return InvalidArgument(where + "[action_type] must be a string");
  std::string upper = type->value.GetString();
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (std::find(std::begin(kActionTypes), std::end(kActionTypes), upper) ==
      std::end(kActionTypes)) {
    return InvalidArgument(
        "No enum constant org.opensearch.ml.common.connector.ConnectorAction."
        "ActionType." +
        upper);
  }
  type->value.SetString(upper.c_str(), static_cast<rapidjson::SizeType>(upper.size()), alloc);
  for (const char* required : {"method", "url"}) {
    auto it = action.FindMember(required);
    if (it == action.MemberEnd() || it->value.IsNull()) {
      return InvalidArgument(std::string(required) + " can't be null");
    }
    if (!it->value.IsString()) {
      return InvalidArgument(where + "[" + required + "] must be a string");
    }
  }
  if (auto h = action.FindMember("headers"); h != action.MemberEnd() && !h->value.IsNull()) {
    if (!h->value.IsObject()) return InvalidArgument(where + "[headers] must be an object");
    for (auto& header : h->value.GetObject()) {
      if (!header.value.IsString()) {
        return InvalidArgument(where + "[headers] values must be strings");
      }
    }
  }
  return util::Status::Ok();
}

// A connector request body, validated: `fields` holds the connector fields it
// gives (without credential), `credential` the credential if it has one.
struct Input {
  Document fields;
  bool credential_given = false;
  secrets::SecretMap credential;
};

util::Result<Input> ParseInput(std::string_view body, bool update) {
  Input in;
  Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return util::ParsingError("request body is required and must be a JSON object");
  }
  in.fields.SetObject();
  auto& alloc = in.fields.GetAllocator();
  for (auto& member : doc.GetObject()) {
    std::string name(member.name.GetString(), member.name.GetStringLength());
    Value& v = member.value;
    if (v.IsNull()) continue;
    if (name == "credential") {
      if (!v.IsObject()) return InvalidArgument("[credential] must be an object of strings");
      for (auto& c : v.GetObject()) {
        if (!c.value.IsString()) {
          return InvalidArgument("[credential." + std::string(c.name.GetString()) +
                                 "] must be a string");
        }
        in.credential[c.name.GetString()] =
            util::Secret(std::string(c.value.GetString(), c.value.GetStringLength()));
      }
      in.credential_given = true;
      continue;
    }
    Value copy;
    if (name == "name" || name == "version" || name == "description" || name == "protocol" ||
        name == "access") {
      SLUICE_ASSIGN_OR_RETURN(std::string text, Scalar(v, name));
      copy.SetString(text.c_str(), static_cast<rapidjson::SizeType>(text.size()), alloc);
    } else if (name == "parameters") {
      if (!v.IsObject()) return InvalidArgument("[parameters] must be an object");
      // ml-commons keeps parameters as strings (non-strings as their JSON text).
      copy.SetObject();
      for (auto& p : v.GetObject()) {
        std::string text = p.value.IsString() ? p.value.GetString() : json::ValueText(p.value);
        copy.AddMember(Value(p.name.GetString(), alloc),
                       Value(text.c_str(), static_cast<rapidjson::SizeType>(text.size()), alloc),
                       alloc);
      }
    } else if (name == "actions") {
      if (!v.IsArray()) return InvalidArgument("[actions] must be an array of objects");
      copy.CopyFrom(v, alloc);
      size_t n = 0;
      for (auto& action : copy.GetArray()) SLUICE_RETURN_IF_ERROR(CheckAction(action, alloc, n++));
    } else if (name == "backend_roles") {
      if (!v.IsArray()) return InvalidArgument("[backend_roles] must be an array of strings");
      for (auto& role : v.GetArray()) {
        if (!role.IsString()) return InvalidArgument("[backend_roles] must be an array of strings");
      }
      copy.CopyFrom(v, alloc);
    } else if (name == "client_config") {
      if (!v.IsObject()) return InvalidArgument("[client_config] must be an object");
      copy.CopyFrom(v, alloc);
    } else {
      continue;  // ignored, as ml-commons' parser skips unknown fields
    }
    in.fields.RemoveMember(name.c_str());
    in.fields.AddMember(Value(name.c_str(), alloc), copy, alloc);
  }
  if (auto p = in.fields.FindMember("protocol"); p != in.fields.MemberEnd()) {
    std::string protocol = p->value.GetString();
    if (protocol != "http" && protocol != "aws_sigv4") {
      return InvalidArgument("Unsupported connector protocol. Please use one of [aws_sigv4, http]");
    }
  }
  if (!update) {
    if (!in.fields.HasMember("name")) return InvalidArgument("Connector name is null");
    if (!in.fields.HasMember("version")) return InvalidArgument("Connector version is null");
    if (!in.fields.HasMember("protocol")) return InvalidArgument("Connector protocol is null");
    if (in.credential.empty()) {
      return InvalidArgument("Connector credential is null or empty list");
    }
  }
  return in;
}

std::string CredentialContext(const std::string& id) { return "connector-credential:" + id; }

}  // namespace

struct ConnectorStore::Record {
  std::string id;
  int64_t version = 1;
  Document connector;  // fields in ml-commons' order
  std::string sealed_credential;
  std::string model_id;  // "" = standalone
};

ConnectorStore::ConnectorStore(storage::Store* store, const secrets::Sealer* sealer)
    : store_(store), sealer_(sealer) {}

ConnectorStore::~ConnectorStore() = default;

util::Result<ConnectorStore::Record> ConnectorStore::Load(const std::string& id) const {
  SLUICE_ASSIGN_OR_RETURN(auto value, store_->Get(storage::Column::kMeta, Key(id)));
  if (!value) return NotFound(id);
  Document d;
  d.Parse(value->data(), value->size());
  if (d.HasParseError() || !d.IsObject() || !d.HasMember("connector") ||
      !d["connector"].IsObject() || !d.HasMember("version") || !d["version"].IsInt64()) {
    return util::IoError("the stored connector [" + id + "] is damaged");
  }
  Record r;
  r.id = id;
  r.version = d["version"].GetInt64();
  r.connector.CopyFrom(d["connector"], r.connector.GetAllocator());
  if (auto s = d.FindMember("sealed_credential"); s != d.MemberEnd() && s->value.IsString()) {
    r.sealed_credential = s->value.GetString();
  }
  if (auto m = d.FindMember("model_id"); m != d.MemberEnd() && m->value.IsString()) {
    r.model_id = m->value.GetString();
  }
  return r;
}

util::Status ConnectorStore::Save(const Record& r) {
  Document out;
  out.SetObject();
  auto& alloc = out.GetAllocator();
  Value ordered(rapidjson::kObjectType);
  for (const char* field : kFieldOrder) {
    if (auto it = r.connector.FindMember(field); it != r.connector.MemberEnd()) {
      ordered.AddMember(Value(field, alloc), Value(it->value, alloc), alloc);
    }
  }
  out.AddMember("version", r.version, alloc);
  out.AddMember("connector", ordered, alloc);
  if (!r.sealed_credential.empty()) {
    out.AddMember("sealed_credential", Value(r.sealed_credential.c_str(), alloc), alloc);
  }
  if (!r.model_id.empty()) out.AddMember("model_id", Value(r.model_id.c_str(), alloc), alloc);
  storage::WriteBatch batch;
  batch.Put(storage::Column::kMeta, Key(r.id), json::ValueText(out));
  return store_->Write(batch);
}

util::Result<std::string> ConnectorStore::Create(std::string_view body) {
  return CreateForModel("", body);
}

util::Result<std::string> ConnectorStore::CreateForModel(const std::string& model_id,
                                                         std::string_view body) {
  SLUICE_ASSIGN_OR_RETURN(Input in, ParseInput(body, /*update=*/false));
  if (sealer_ == nullptr) {
    return InvalidArgument(
        "a connector's credential is stored only sealed, and this server has no secrets key: "
        "start it with --secrets-key-file");
  }
  Record r;
  r.id = index::GenerateId(20);
  r.model_id = model_id;
  r.connector.CopyFrom(in.fields, r.connector.GetAllocator());
  auto& alloc = r.connector.GetAllocator();
  int64_t now = NowMs();
  r.connector.AddMember("created_time", now, alloc);
  r.connector.AddMember("last_updated_time", now, alloc);
  SLUICE_ASSIGN_OR_RETURN(r.sealed_credential,
                          secrets::SealMap(*sealer_, in.credential, CredentialContext(r.id)));
  std::lock_guard lock(mu_);
  SLUICE_RETURN_IF_ERROR(Save(r));
  return r.id;
}

util::Result<StoredConnector> ConnectorStore::Get(const std::string& id) const {
  SLUICE_ASSIGN_OR_RETURN(Record r, Load(id));
  return StoredConnector{r.id, r.version, json::ValueText(r.connector), r.model_id};
}

util::Result<int64_t> ConnectorStore::Update(const std::string& id, std::string_view body) {
  SLUICE_ASSIGN_OR_RETURN(Input in, ParseInput(body, /*update=*/true));
  std::lock_guard lock(mu_);
  SLUICE_ASSIGN_OR_RETURN(Record r, Load(id));
  auto& alloc = r.connector.GetAllocator();
  for (auto& member : in.fields.GetObject()) {
    std::string name = member.name.GetString();
    if (name == "parameters" && r.connector.HasMember("parameters") &&
        r.connector["parameters"].IsObject()) {
      Value& params = r.connector["parameters"];
      for (auto& p : member.value.GetObject()) {
        params.RemoveMember(p.name.GetString());
        params.AddMember(Value(p.name, alloc), Value(p.value, alloc), alloc);
      }
      continue;
    }
    r.connector.RemoveMember(name.c_str());
    r.connector.AddMember(Value(name.c_str(), alloc), Value(member.value, alloc), alloc);
  }
  if (in.credential_given && !in.credential.empty()) {
    if (sealer_ == nullptr) {
      return InvalidArgument(
          "a connector's credential is stored only sealed, and this server has no secrets "
          "key: start it with --secrets-key-file");
    }
    SLUICE_ASSIGN_OR_RETURN(r.sealed_credential,
                            secrets::SealMap(*sealer_, in.credential, CredentialContext(id)));
  }
  r.connector.RemoveMember("last_updated_time");
  r.connector.AddMember("last_updated_time", NowMs(), alloc);
  ++r.version;
  SLUICE_RETURN_IF_ERROR(Save(r));
  return r.version;
}

util::Status ConnectorStore::Delete(const std::string& id) {
  std::lock_guard lock(mu_);
  SLUICE_ASSIGN_OR_RETURN(auto value, store_->Get(storage::Column::kMeta, Key(id)));
  if (!value) return NotFound(id);
  storage::WriteBatch batch;
  batch.Delete(storage::Column::kMeta, Key(id));
  return store_->Write(batch);
}

util::Result<std::vector<StoredConnector>> ConnectorStore::List() const {
  std::vector<std::string> ids;
  SLUICE_RETURN_IF_ERROR(
      store_->Scan(storage::Column::kMeta, kKeyPrefix, [&](std::string_view key, std::string_view) {
        ids.emplace_back(key.substr(kKeyPrefix.size()));
        return true;
      }));
  std::vector<std::pair<int64_t, StoredConnector>> found;
  for (const auto& id : ids) {
    auto r = Load(id);
    if (!r.ok()) continue;               // deleted meanwhile, or damaged: not listed
    if (!r->model_id.empty()) continue;  // a model's inline connector
    int64_t created =
        r->connector.HasMember("created_time") && r->connector["created_time"].IsInt64()
            ? r->connector["created_time"].GetInt64()
            : 0;
    found.emplace_back(created, StoredConnector{r->id, r->version, json::ValueText(r->connector), ""});
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<StoredConnector> out;
  for (auto& [created, c] : found) out.push_back(std::move(c));
  return out;
}

util::Result<secrets::SecretMap> ConnectorStore::Credential(const std::string& id) const {
  SLUICE_ASSIGN_OR_RETURN(Record r, Load(id));
  secrets::SecretMap out;
  if (!r.sealed_credential.empty()) {
    if (sealer_ == nullptr) {
      return InvalidArgument("connector [" + id +
                             "] has a sealed credential, but the server was started without "
                             "--secrets-key-file");
    }
    auto opened = secrets::UnsealMap(*sealer_, r.sealed_credential, CredentialContext(id));
    if (!opened.ok()) {
      return InvalidArgument("connector [" + id +
                             "]: its credential cannot be opened: " + opened.status().reason());
    }
    out = std::move(*opened);
  }
  if (auto p = r.connector.FindMember("parameters");
      p != r.connector.MemberEnd() && p->value.IsObject()) {
    if (auto region = p->value.FindMember("region");
        region != p->value.MemberEnd() && region->value.IsString()) {
      out["region"] = util::Secret(region->value.GetString());
    }
  }
  return out;
}

}  // namespace sluice::ml
