// BatchIngestService: the batch-ingestion entry point for the REST API and
// the CLI. Submit validates a request completely (its shape, the target
// index and its vector fields, local file paths) and queues a task; the
// task's job streams the sources into the index.
//
// Thread-safety: all methods are thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "ingest/batch_ingest_job.h"
#include "ingest/prediction_source.h"
#include "tasks/task_manager.h"
#include "util/result.h"
#include "util/secret.h"

namespace sluice::index {
class Catalog;
}
namespace sluice::sources {
class SourceCatalog;
}
namespace sluice::storage {
class Store;
}
namespace sluice::secrets {
class Sealer;
}

namespace sluice::ingest {

// Makes the sink a task writes to, for a target index name.
using SinkFactory = std::function<std::unique_ptr<DocumentSink>(const std::string& index_name)>;

// Makes the sink of a task submitted with the client's own Authorization
// (a gateway passing identities through): the sink writes as that client.
using IdentitySinkFactory = std::function<std::unique_ptr<DocumentSink>(
    const std::string& index_name, const util::Secret& authorization)>;

// The embedded default: write into an index of this catalog.
SinkFactory LocalSinkFactory(index::Catalog* catalog);

// A connector's credential by id, as request keys ("access_key", "secret_key",
// "session_token", "region", "openAI_key"; others are ignored). Wired by cli/
// to the connector store; errors (unknown connector, key lost) pass through.
using ConnectorCredentials =
    std::function<util::Result<CredentialEntries>(const std::string& connector_id)>;

struct CredentialOptions {
  // Seals a request's s3/openAI credential with its task so the task can
  // resume after a restart. Null (default): held in memory only.
  const secrets::Sealer* sealer = nullptr;
  // Resolves "connector_id". Empty (default): connector_id is refused.
  ConnectorCredentials connectors;
};

class BatchIngestService {
 public:
  // All pointers must outlive the service. `store` holds task staging rows.
  // With `identity_sinks`, a Submit that carries an Authorization validates
  // and writes through a sink made for it (the identity is held in memory
  // only: a task resumed after a restart writes through `sinks`).
  BatchIngestService(SinkFactory sinks, const sources::SourceCatalog* sources,
                     storage::Store* store, tasks::TaskManager* tasks, IngestOptions options,
                     IdentitySinkFactory identity_sinks = {});

  // Set once, before the first Submit or ResumeJob (cli/ wires it).
  void SetCredentialOptions(CredentialOptions options) { credentials_ = std::move(options); }
  // Resolves data_source type batch_predict_task (prediction_source.h); set
  // once, before the first Submit (cli/ wires it). Unset: the type is refused.
  void SetPredictionSources(PredictionSources resolve) { predictions_ = std::move(resolve); }

  // Returns the new task's id, or the 4xx error that names what is wrong.
  // `authorization` (may be null or empty) is the client's Authorization header;
  // `owner` is the submitting user (tasks::TaskRecord::owner).
  // `batch_predict_task_id`: the BATCH_PREDICTION task whose pipeline submits
  // this ingestion (ml/batch_predict.h), stored in the task's request and shown
  // by GET; "" for a client's request, whose body may not name one.
  util::Result<std::string> Submit(std::string_view body,
                                   const util::Secret* authorization = nullptr,
                                   std::string owner = {},
                                   const std::string& batch_predict_task_id = {});

  // The job of an unfinished task after a restart (tasks::JobFactory).
  util::Result<std::unique_ptr<tasks::TaskJob>> ResumeJob(const tasks::TaskRecord& record);

  // Deletes join staging rows left by tasks that are no longer running.
  util::Status CollectStaging();

 private:
  util::Result<IngestRequest> Validate(std::string_view body, const SinkFactory& sinks);
  util::Status ResolveConnector(IngestRequest* request) const;
  util::Result<IngestRequest> ResumedRequest(const tasks::TaskRecord& record) const;

  SinkFactory sinks_;
  IdentitySinkFactory identity_sinks_;
  const sources::SourceCatalog* sources_;
  storage::Store* store_;
  tasks::TaskManager* tasks_;
  IngestOptions options_;
  CredentialOptions credentials_;
  PredictionSources predictions_;
};

}  // namespace sluice::ingest
