#include "ingest/batch_ingest_credentials.h"

#include <rapidjson/document.h>

#include <cctype>
#include <memory>

#include "ingest/batch_ingest_service.h"
#include "secrets/sealed_map.h"
#include "secrets/sealer.h"

namespace sluice::ingest {
namespace {

// The attachment of a task whose credential was not sealed (no key).
constexpr std::string_view kHeldInMemory = "held-in-memory";

bool NeedsCredential(const std::string& type) { return type == "s3" || type == "openai"; }

struct StoredShape {
  std::string type;  // lowercase
  std::string connector_id;
};

StoredShape PeekShape(const std::string& json) {
  StoredShape out;
  rapidjson::Document d;
  d.Parse(json.c_str());
  if (d.HasParseError() || !d.IsObject()) return out;
  if (auto ds = d.FindMember("data_source"); ds != d.MemberEnd() && ds->value.IsObject()) {
    if (auto t = ds->value.FindMember("type"); t != ds->value.MemberEnd() && t->value.IsString()) {
      out.type = t->value.GetString();
      for (auto& c : out.type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  if (auto c = d.FindMember("connector_id"); c != d.MemberEnd() && c->value.IsString()) {
    out.connector_id = c->value.GetString();
  }
  return out;
}

constexpr const char* kResubmit =
    "submit the request again (documents already written are kept, and rewriting them creates "
    "no duplicates)";

}  // namespace

std::string TaskCredentialContext(const std::string& task_id) {
  return "task-credential:" + task_id;
}

tasks::AttachmentFn CredentialAttachment(const IngestRequest& request,
                                         const secrets::Sealer* sealer) {
  if (!request.credential_given || !NeedsCredential(request.data_source.type)) return nullptr;
  if (sealer == nullptr) {
    return [](const std::string&) { return util::Result<std::string>(std::string(kHeldInMemory)); };
  }
  auto entries = std::make_shared<CredentialEntries>(ToEntries(request.data_source.credential));
  return [sealer, entries](const std::string& task_id) {
    return secrets::SealMap(*sealer, *entries, TaskCredentialContext(task_id));
  };
}

util::Status BatchIngestService::ResolveConnector(IngestRequest* request) const {
  if (request->connector_id.empty()) return util::Status::Ok();
  if (!credentials_.connectors) {
    return util::InvalidArgument("[connector_id] is not available: connectors are not enabled");
  }
  SLUICE_ASSIGN_OR_RETURN(CredentialEntries all, credentials_.connectors(request->connector_id));
  CredentialEntries used;
  for (const char* key : {"region", "access_key", "secret_key", "session_token", "openAI_key"}) {
    if (auto it = all.find(key); it != all.end()) used.emplace(key, it->second);
  }
  SLUICE_RETURN_IF_ERROR(ApplyCredentialEntries(used, &request->data_source.credential));
  util::Status checked = CheckCredential(request->data_source);
  if (!checked.ok()) {
    return util::InvalidArgument("connector [" + request->connector_id + "]: " + checked.reason());
  }
  return util::Status::Ok();
}

util::Result<IngestRequest> BatchIngestService::ResumedRequest(
    const tasks::TaskRecord& record) const {
  StoredShape shape = PeekShape(record.request_json);
  if (!NeedsCredential(shape.type) || !shape.connector_id.empty()) {
    SLUICE_ASSIGN_OR_RETURN(IngestRequest request, ParseIngestRequest(record.request_json));
    SLUICE_RETURN_IF_ERROR(ResolveConnector(&request));
    return request;
  }
  const std::string& sealed = record.attachment;
  if (sealed.empty() && shape.type == "s3") {
    // Submitted without keys: signed by the server's AWS credential chain.
    return ParseIngestRequest(record.request_json);
  }
  if (sealed.empty() || sealed == kHeldInMemory) {
    return util::InvalidArgument(
        "the server restarted while the task ran and its credentials were held in memory only "
        "(the server that accepted it ran without --secrets-key-file); " +
        std::string(kResubmit));
  }
  if (credentials_.sealer == nullptr) {
    return util::InvalidArgument(
        "the task's credentials are sealed, but the server was started without "
        "--secrets-key-file: restart it with the key file they were sealed with, or " +
        std::string(kResubmit));
  }
  auto entries =
      secrets::UnsealMap(*credentials_.sealer, sealed, TaskCredentialContext(record.task_id));
  if (!entries.ok()) {
    return util::InvalidArgument("the task's sealed credentials cannot be opened: " +
                                 entries.status().reason() + "; " + kResubmit);
  }
  return ParseIngestRequest(record.request_json, *entries);
}

}  // namespace sluice::ingest
