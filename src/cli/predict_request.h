// The parts of `sluice predict` that need no server: its arguments turned
// into a POST /_plugins/_ml/models/<id>/_batch_predict body (with sluice's
// "ingest" object), and a BATCH_PREDICTION task's GET response read back for
// the progress lines.
//
// Thread-safety: stateless functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace sluice::cli {

inline constexpr std::string_view kDefaultInputParam = "input_file_id";

struct PredictArgs {
  std::string model_id;
  // An OpenAI file id ("file-…"), an s3:// or http(s):// URL, or a local file
  // (made absolute: the server reads it under its --file-root).
  std::string input;
  // The connector parameter the input goes into (ml-commons' OpenAI
  // blueprints: input_file_id). With this default, only a file id goes into
  // the parameter; a local file or URL is sent as the request's "input"
  // ({type: file|s3|http, source}), which the server uploads to OpenAI first.
  // Any other name takes the input as given (e.g. a Bedrock connector's
  // S3 URI parameter).
  std::string input_param = std::string(kDefaultInputParam);
  std::vector<std::string> params;         // "name=value", more connector parameters
  std::string index;                       // --ingest-into; "" = no ingestion
  std::vector<std::string> field_map;      // "field=JSONPath"; a repeated field is an array
  std::vector<std::string> ingest_fields;  // JSONPaths
};

// The request body, or a 400-style error naming the argument.
util::Result<std::string> BuildPredictRequest(const PredictArgs& args);

// A BATCH_PREDICTION task as GET /_plugins/_ml/tasks/<id> shows it.
struct PredictionView {
  std::string state;  // CREATED, RUNNING, COMPLETED, FAILED, CANCELLED
  std::string error;
  std::string remote_id;                            // the provider's job id ("" until created)
  std::string remote_status;                        // the provider's own status word
  int64_t total = -1, completed = -1, failed = -1;  // -1: not shown
  std::string ingest_task_id;

  bool finished() const {
    return state == "COMPLETED" || state == "FAILED" || state == "CANCELLED";
  }
};

util::Result<PredictionView> ParsePredictionView(std::string_view task_json);

// "remote job batch_1: in_progress, 3/5 requests done, 0 failed".
std::string FormatPredictionLine(const PredictionView& view);

}  // namespace sluice::cli
