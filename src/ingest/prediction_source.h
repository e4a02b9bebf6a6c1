// data_source {"type": "batch_predict_task", "source": ["<task id>"]}: a
// batch ingestion of a finished BATCH_PREDICTION task's output, named by the
// task instead of by the provider's file ids or S3 locations (sluice's
// addition to _batch_ingestion).
//
// The ingest module does not know prediction tasks (ml/ sits above it): a
// PredictionSources function, wired by cli/, resolves a task id to the data
// source it stands for — the provider's output as source[0], its input as
// source[1] when known, and the connector whose credential reads them.
// ExpandPredictionSource rewrites a request body into the ordinary request
// (type, source and connector_id filled in) before it is parsed, so the task
// that runs, its persisted request and its resume are those of an ordinary
// openAI or s3 ingestion.
//
// Thread-safety: stateless.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace sluice::ingest {

inline constexpr std::string_view kPredictionSourceType = "batch_predict_task";

struct PredictionSource {
  std::string type;                    // a data_source type: "openAI", "s3"
  std::vector<std::string> locations;  // [output, input] or [output]
  std::string connector_id;            // whose credential reads them
};

// Resolves a task id; errors are the caller's 400 naming why (unknown task,
// not a BATCH_PREDICTION, not completed).
using PredictionSources = std::function<util::Result<PredictionSource>(const std::string& task_id)>;

// `body` unchanged unless its data_source.type is batch_predict_task; then the
// body with data_source and connector_id replaced. Such a request may not
// give "credential" or "connector_id" (the prediction's connector is used)
// and names exactly one task. An empty `resolve` refuses the type.
util::Result<std::string> ExpandPredictionSource(std::string_view body,
                                                 const PredictionSources& resolve);

}  // namespace sluice::ingest
