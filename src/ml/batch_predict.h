// BatchPredictService: ml-commons' POST /_plugins/_ml/models/<id>/_batch_predict
// for OpenAI's Batch API, and sluice's pipeline on top of it.
//
// Submit renders the model's connector action of type BATCH_PREDICT (its url,
// headers and request_body with ${parameters.x} — the connector's parameters
// overridden by the request's — and ${credential.x}) and queues a
// BATCH_PREDICTION task. Its job sends the request once (POST /v1/batches),
// durably checkpoints the remote batch id, then polls GET <url>/<batch id>
// (or the connector's BATCH_PREDICT_STATUS action) every poll interval,
// showing the provider's batch object as the task's "remote_job":
//   validating → in_progress → finalizing → completed: the task COMPLETES;
//     with an "ingest" object ({index_name, field_map, ingest_fields}) a
//     BATCH_INGEST task is first submitted through ingest::BatchIngestService
//     with data_source {type: openAI, source: [output_file_id, input_file_id]}
//     and the connector's credential (connector_id); its id is checkpointed
//     before submitting (a marker) and after (the id), and after a restart an
//     existing ingest task of the same output file is linked instead of
//     submitting another: the ingestion starts once.
//   failed | expired → FAILED with the provider's reason; cancelled → CANCELLED.
// CancelBatch sends the connector's CANCEL_BATCH_PREDICT action, or
// POST <url>/<batch id>/cancel, with the same credential.
//
// `openai_base_url` replaces the scheme, host and port of connector URLs on
// api.openai.com (tests, private endpoints); the path is kept.
//
// No credential is ever stored in a task, returned or logged: errors name the
// URL without its query and the provider's message only.
//
// Thread-safety: all methods are thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "sources/sources_options.h"
#include "tasks/task_manager.h"
#include "util/result.h"

namespace sluice::ingest {
class BatchIngestService;
}

namespace sluice::ml {

class ConnectorStore;
class ModelStore;

inline constexpr std::string_view kBatchPredictionTask = "BATCH_PREDICTION";

struct BatchPredictOptions {
  // Replaces scheme/host/port of https://api.openai.com URLs. "" = none.
  std::string openai_base_url;
  // Between two status requests. Default: 10 s.
  int poll_interval_ms = 10000;
  // Retries and timeouts of the provider calls (sources' HTTP settings).
  sources::SourcesOptions http;
};

class BatchPredictService {
 public:
  // All pointers must outlive the service; `ingest` may be null (then an
  // "ingest" object is refused).
  BatchPredictService(const ModelStore* models, const ConnectorStore* connectors,
                      tasks::TaskManager* tasks, ingest::BatchIngestService* ingest,
                      BatchPredictOptions options);

  // Returns the new task's id, or the 4xx that names what is wrong.
  util::Result<std::string> Submit(const std::string& model_id, std::string_view body,
                                   std::string owner = {});
  // The job of an unfinished BATCH_PREDICTION task after a restart.
  util::Result<std::unique_ptr<tasks::TaskJob>> ResumeJob(const tasks::TaskRecord& record);
  // Cancels the remote job of a BATCH_PREDICTION task; the task becomes
  // CANCELLED when its next poll sees the provider's "cancelled".
  util::Status CancelBatch(const tasks::TaskRecord& record);

  struct Shared;

 private:
  std::shared_ptr<Shared> shared_;
};

}  // namespace sluice::ml
