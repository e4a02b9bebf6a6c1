// BatchPredictService: ml-commons' POST /_plugins/_ml/models/<id>/_batch_predict
// for remote batch APIs (OpenAI Batch, Amazon Bedrock batch inference,
// SageMaker batch transform: see batch_provider.h), and sluice's pipeline on
// top of it.
//
// Submit picks the provider from the model's connector's BATCH_PREDICT url,
// renders its create call (a missing ${parameters.x} or ${credential.x} is the
// caller's 400) and queues a BATCH_PREDICTION task. Its job creates the remote
// job once, durably checkpoints the job's id, then polls the provider every
// poll interval, showing the provider's job object as the task's
// "remote_job" (and the id as "remote_job_id"):
//   running → completed: the task COMPLETES; with an "ingest" object
//     ({index_name, field_map, ingest_fields}) a BATCH_INGEST task is first
//     submitted through ingest::BatchIngestService with the provider's output
//     as source[0] and its input as source[1] and the connector's credential
//     (connector_id); its id is checkpointed before submitting (a marker) and
//     after (the id), and after a restart an existing ingest task of the same
//     output is linked instead of submitting another: the ingestion starts once.
//   failed | expired → FAILED with the provider's reason; cancelled/stopped → CANCELLED.
// CancelBatch asks the provider to cancel (the connector's CANCEL_BATCH_PREDICT
// action, or the provider's own cancel call) with the same credential.
//
// The endpoint options replace the scheme, host and port of connector URLs on
// the providers' public hosts (tests, private endpoints); the path is kept.
//
// No credential is ever stored in a task, returned or logged: errors name the
// URL without its query and the provider's message only.
//
// Thread-safety: all methods are thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sources/sources_options.h"
#include "tasks/task_manager.h"
#include "util/result.h"

namespace sluice::ingest {
class BatchIngestService;
}
namespace sluice::sources {
class SourceCatalog;
}

namespace sluice::ml {

class ConnectorStore;
class ModelStore;

inline constexpr std::string_view kBatchPredictionTask = "BATCH_PREDICTION";

struct BatchPredictOptions {
  // Replace scheme/host/port of https://api.openai.com,
  // https://bedrock.<region>.amazonaws.com and
  // https://api.sagemaker.<region>.amazonaws.com URLs. "" = none.
  std::string openai_base_url;
  std::string bedrock_endpoint;
  std::string sagemaker_endpoint;
  // Between two status requests. Default: 10 s.
  int poll_interval_ms = 10000;
  // Retries and timeouts of the provider calls (sources' HTTP settings).
  sources::SourcesOptions http;
  // Reads an "input" given as a sluice source (uploaded to OpenAI first).
  // Not owned; null = "input" is refused.
  const sources::SourceCatalog* input_sources = nullptr;
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

  // What the remote job of a COMPLETED BATCH_PREDICTION task wrote, as the
  // data_source of a _batch_ingestion: `type` ("openAI", "s3"), `sources`
  // (source[0] the output, source[1] the input when known), the connector
  // whose credential reads them, and whether the output may still be written
  // (then wait_for_source). Read from the task's last shown remote_job: no
  // provider call. A task of another type, unfinished or without an output is
  // a 400 naming why.
  struct JobOutput {
    std::string type;
    std::vector<std::string> sources;
    std::string connector_id;
    bool may_lag = false;
  };
  util::Result<JobOutput> FinishedOutput(const tasks::TaskRecord& record) const;

  struct Shared;

 private:
  std::shared_ptr<Shared> shared_;
};

}  // namespace sluice::ml
