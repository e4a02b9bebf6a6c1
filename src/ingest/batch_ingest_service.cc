#include "ingest/batch_ingest_service.h"

#include <rapidjson/document.h>

#include <set>

#include "index/catalog.h"
#include "ingest/batch_ingest_credentials.h"
#include "ingest/join_staging.h"
#include "ingest/local_index_sink.h"
#include "sources/http_host_allowlist.h"
#include "sources/source_catalog.h"
#include "storage/store.h"
#include "json/value_text.h"

namespace sluice::ingest {

SinkFactory LocalSinkFactory(index::Catalog* catalog) {
  return [catalog](const std::string& index_name) -> std::unique_ptr<DocumentSink> {
    return std::make_unique<LocalIndexSink>(catalog, index_name);
  };
}

BatchIngestService::BatchIngestService(SinkFactory sinks, const sources::SourceCatalog* sources,
                                       storage::Store* store, tasks::TaskManager* tasks,
                                       IngestOptions options, IdentitySinkFactory identity_sinks)
    : sinks_(std::move(sinks)),
      identity_sinks_(std::move(identity_sinks)),
      sources_(sources),
      store_(store),
      tasks_(tasks),
      options_(options) {}

util::Result<IngestRequest> BatchIngestService::Validate(std::string_view body,
                                                         const SinkFactory& sinks) {
  SLUICE_ASSIGN_OR_RETURN(IngestRequest request, ParseIngestRequest(body));
  SLUICE_RETURN_IF_ERROR(ResolveConnector(&request));
  // The index must exist: an auto-created one would lack the knn_vector mapping.
  SLUICE_ASSIGN_OR_RETURN(SinkSchema schema, sinks(request.index_name)->Describe());
  if (!schema.vector_fields.empty()) {
    std::set<std::string> mapped;
    for (const auto& f : request.fields) mapped.insert(f.name);
    std::string names;
    bool any = false;
    for (const auto& v : schema.vector_fields) {
      any |= mapped.count(v.name) > 0;
      names += (names.empty() ? "" : ", ") + v.name;
    }
    if (!any) {
      return util::InvalidArgument("[field_map] maps none of the knn_vector fields of index [" +
                                   request.index_name + "]: [" + names + "]");
    }
  }
  // Local files are checked now (403 outside the file roots, 404 missing),
  // and so are http hosts (403 when not allowed: no task could ever read
  // them); remote sources are listed by the task, which reports their errors.
  if (request.data_source.type == "file") {
    auto listed = sources_->List(request.data_source);
    if (!listed.ok()) return listed.status();
  }
  if (request.data_source.type == "http") {
    for (const auto& location : request.data_source.locations) {
      SLUICE_RETURN_IF_ERROR(sources::CheckHttpSourceUrl(location, sources_->options()));
    }
  }
  return request;
}

util::Result<std::string> BatchIngestService::Submit(std::string_view body,
                                                     const util::Secret* authorization,
                                                     std::string owner,
                                                     const std::string& batch_predict_task_id) {
  SinkFactory sinks = sinks_;
  if (identity_sinks_ && authorization != nullptr && !authorization->Reveal().empty()) {
    sinks = [this, auth = *authorization](const std::string& index_name) {
      return identity_sinks_(index_name, auth);
    };
  }
  SLUICE_ASSIGN_OR_RETURN(std::string expanded, ExpandPredictionSource(body, predictions_));
  {
    rapidjson::Document d;
    d.Parse(expanded.data(), expanded.size());
    if (!d.HasParseError() && d.IsObject()) {
      if (d.HasMember("batch_predict_task_id")) {
        return util::InvalidArgument(
            "[batch_predict_task_id] is set by a _batch_predict pipeline, not by a request");
      }
      if (!batch_predict_task_id.empty()) {
        auto& a = d.GetAllocator();
        d.AddMember("batch_predict_task_id", rapidjson::Value(batch_predict_task_id.c_str(), a), a);
        expanded = json::ValueText(d);
      }
    }
  }
  SLUICE_ASSIGN_OR_RETURN(IngestRequest request, Validate(expanded, sinks));
  std::string persisted = request.persisted_json;
  tasks::AttachmentFn attachment = CredentialAttachment(request, credentials_.sealer);
  auto sink = sinks(request.index_name);
  auto job = std::make_unique<BatchIngestJob>(std::move(request), sources_, std::move(sink), store_,
                                              options_);
  return tasks_->Submit("BATCH_INGEST", std::move(persisted), std::move(job), std::move(owner),
                        attachment);
}

util::Result<std::unique_ptr<tasks::TaskJob>> BatchIngestService::ResumeJob(
    const tasks::TaskRecord& record) {
  SLUICE_ASSIGN_OR_RETURN(IngestRequest request, ResumedRequest(record));
  if (!request.resumable) {
    return util::InvalidArgument(
        "the task cannot be resumed after a restart: part of its request (a URL query "
        "string) is not persisted; submit the request again");
  }
  auto sink = sinks_(request.index_name);
  return std::unique_ptr<tasks::TaskJob>(std::make_unique<BatchIngestJob>(
      std::move(request), sources_, std::move(sink), store_, options_));
}

util::Status BatchIngestService::CollectStaging() {
  std::set<std::string> active;
  for (const auto& task : tasks_->List()) {
    if (task.state == tasks::TaskState::kCreated || task.state == tasks::TaskState::kRunning) {
      active.insert(task.task_id);
    }
  }
  std::set<std::string> stale;
  SLUICE_RETURN_IF_ERROR(store_->Scan(storage::Column::kStaging, "j/",
                                      [&](std::string_view key, std::string_view) {
                                        std::string_view rest = key.substr(2);
                                        std::string id(rest.substr(0, rest.find('/')));
                                        if (!active.count(id)) stale.insert(id);
                                        return true;
                                      }));
  for (const auto& id : stale) {
    SLUICE_RETURN_IF_ERROR(JoinStaging(store_, id).Drop());
  }
  return util::Status::Ok();
}

}  // namespace sluice::ingest
