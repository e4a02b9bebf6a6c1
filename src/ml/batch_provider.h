// BatchProvider: one remote batch-inference API (OpenAI Batch, Amazon Bedrock
// batch inference, SageMaker batch transform) behind the provider-neutral
// BATCH_PREDICTION job of batch_predict.h.
//
// A provider turns the connector's actions (rendered by a ConnectorCaller)
// into the provider's calls and reads its answers into a RemoteJob:
//   Create  sends the job and returns at least the job's id, the durable
//           resume point; a create sent again for the same task must not
//           start a second job (OpenAI: not retried on an HTTP status;
//           Bedrock: clientRequestToken; SageMaker: the existing job of the
//           same name is adopted), see JobRequest::task_id;
//   Poll    asks for the job's status by that id;
//   Cancel  asks the provider to stop it (the job ends when a later Poll sees
//           the provider's stopped/cancelled state).
// The request's parameters are the connector's overridden by the
// _batch_predict request's; Poll and Cancel add "id" (and the provider's own
// names for it, e.g. Bedrock's processedJobArn) so that connector actions of
// type BATCH_PREDICT_STATUS / CANCEL_BATCH_PREDICT can refer to the job.
//
// Errors: a provider's 4xx is the caller's error (kInvalidArgument,
// kUnauthorized, kNotFound) with the provider's message; a network failure or
// 5xx after retries is kUnavailable (the job keeps polling). Nothing returned
// holds a credential.
//
// Thread-safety: providers are stateless; all methods are thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ml/connector_call.h"
#include "util/result.h"

namespace sluice::util {
class CancelSignal;
}

namespace sluice::ml {

enum class RemoteState {
  kRunning,    // submitted, validating, in progress, finalizing, stopping...
  kCompleted,  // finished; partial results (per-record errors) included
  kFailed,     // failed or expired: `reason` says why
  kCancelled,  // stopped or cancelled
};

// What a BATCH_PREDICTION task needs of a remote job.
struct RemoteJob {
  std::string id;  // the provider's job id (OpenAI batch id, Bedrock job id, TransformJobName)
  RemoteState state = RemoteState::kRunning;
  std::string status;             // the provider's own status word, e.g. "InProgress"
  std::string json;               // the provider's job object, shown as the task's remote_job
  std::string reason;             // kFailed / kCancelled: the provider's reason
  std::optional<float> fraction;  // done / total when the provider counts records
  // kCompleted: what BATCH_INGEST reads, as a data_source: its type
  // ("openAI", "s3") and source[0] = the output, source[1] = the input when known.
  std::string output_type;
  std::vector<std::string> outputs;
  // kCompleted with per-record errors in a file apart (OpenAI's error_file_id,
  // lines shaped as outputs[0]'s): the pipeline ingests it after `outputs`,
  // joined by outputs[0]'s _id path, so the failed records are reported.
  std::string error_output;
  // The output may still be written when the job reports completion (Bedrock
  // writes manifest.json.out last): the ingestion waits for it.
  bool output_may_lag = false;
};

// A job's input given as a sluice source ("file", "s3" or "http" and one
// location) rather than as the provider's own id: OpenAI's provider uploads it
// (POST /v1/files, purpose batch) and creates the batch with the new file id.
struct JobInput {
  std::string type;
  std::string location;
};

// The connector and parameters of one BATCH_PREDICTION task.
struct JobRequest {
  std::string connector_id;
  Params parameters;
  std::optional<JobInput> input;
  // The BATCH_PREDICTION task's id, which Create derives its idempotency
  // token from (TaskToken): a create sent again for the same task (its answer
  // lost, or the server restarted before the job id was saved) finds the job
  // the first one started instead of starting a second. "" in Check.
  std::string task_id;
};

// "sluice-" + the task id in hex: stable for a task, distinct across tasks,
// and within Bedrock's clientRequestToken and SageMaker's TransformJobName
// alphabets and lengths ([a-zA-Z0-9](-*[a-zA-Z0-9])*, 47 characters).
std::string TaskToken(std::string_view task_id);

class BatchProvider {
 public:
  virtual ~BatchProvider() = default;

  // "openai", "bedrock", "sagemaker": stored with the task.
  virtual std::string_view name() const = 0;
  // Whether the provider takes a JobInput (else the request's [input] is a 400).
  virtual bool uploads_input() const { return false; }

  // Renders the create call without sending it: a missing parameter or
  // credential is the _batch_predict caller's 400.
  virtual util::Status Check(const ConnectorCaller& caller, const JobRequest& request) const = 0;
  virtual util::Result<RemoteJob> Create(const ConnectorCaller& caller, const JobRequest& request,
                                         const util::CancelSignal* cancel) const = 0;
  virtual util::Result<RemoteJob> Poll(const ConnectorCaller& caller, const JobRequest& request,
                                       const std::string& id,
                                       const util::CancelSignal* cancel) const = 0;
  virtual util::Status Cancel(const ConnectorCaller& caller, const JobRequest& request,
                              const std::string& id) const = 0;
  // Reads a job object as Poll shows it (a task's remote_job) without asking
  // the provider: what a finished task's job wrote, after the fact.
  virtual util::Result<RemoteJob> FromShown(const std::string& id,
                                            std::string_view job_json) const = 0;
};

// The provider of a connector's BATCH_PREDICT URL, by host (api.openai.com,
// bedrock.<region>.amazonaws.com, api.sagemaker.<region>.amazonaws.com) or, for
// private endpoints, by path (/v1/batches, /model-invocation-job,
// /CreateTransformJob); null when none matches.
const BatchProvider* ProviderForUrl(const std::string& url);
// The provider of a stored name; null when unknown.
const BatchProvider* ProviderNamed(std::string_view name);

const BatchProvider& OpenAiBatchProvider();
const BatchProvider& BedrockBatchProvider();
const BatchProvider& SageMakerBatchProvider();

// The providers' status mappings and request rewriting, one function each
// (exposed for unit tests).
// A GetModelInvocationJob answer of job `id`.
util::Result<RemoteJob> BedrockJobFromResponse(const std::string& id, std::string_view body);
// A DescribeTransformJob answer.
util::Result<RemoteJob> SageMakerJobFromResponse(std::string_view body);
// Turns a rendered call into SageMaker's JSON 1.1 form: a URL ending in an
// operation name goes to "/" of its host; X-Amz-Target (unless given) and the
// content type are set.
util::Status ToSageMakerJson11(Call* call, const std::string& operation);

}  // namespace sluice::ml
