// PredictionOutput: where a finished BATCH_PREDICTION task's results are, as
// a batch-ingestion data source (ingest/prediction_source.h) — what
// data_source {"type": "batch_predict_task"} resolves to.
//
// It reads only what the task records: its request (the connector_id) and
// the provider's job as the task shows it in "remote_job":
//   OpenAI (a batch object):        openAI [output_file_id, input_file_id]
//   Bedrock (GetModelInvocationJob): s3 [<outputDataConfig.s3OutputDataConfig.s3Uri>/<job id>/,
//                                         <inputDataConfig.s3InputDataConfig.s3Uri>]
//                                   (the job's output folder; its manifest is
//                                   read by the ingestion, see batch-ingestion.md)
//   SageMaker (DescribeTransformJob): s3 [TransformOutput.S3OutputPath,
//                                         TransformInput.DataSource.S3DataSource.S3Uri]
//
// Errors are 400 illegal_argument_exception naming the task: unknown, not a
// BATCH_PREDICTION, not COMPLETED (with its state), or a remote job that
// names no output.
//
// Thread-safety: stateless; TaskManager is thread-safe.
#pragma once

#include <string>

#include "ingest/prediction_source.h"
#include "tasks/task_manager.h"
#include "util/result.h"

namespace sluice::ml {

util::Result<ingest::PredictionSource> PredictionOutput(const tasks::TaskManager& tasks,
                                                        const std::string& task_id);

// The same, from a record (for tests and callers that hold one).
util::Result<ingest::PredictionSource> PredictionOutputOf(const tasks::TaskRecord& record);

}  // namespace sluice::ml
