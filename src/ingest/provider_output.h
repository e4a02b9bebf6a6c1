// Provider awareness for batch ingestion: recognising the output of each
// model provider's batch service by its shape, surfacing the provider's own
// per-record errors, and the layout of provider output folders.
//
//   - OpenAI Batch API output and error files, one line per request:
//     {"id","custom_id","response":{"status_code","request_id","body"},"error"}.
//     A line fails when "error" is an object ({"code","message"}), or when
//     response.status_code is not 200 (its body.error.message says why).
//   - Bedrock batch inference (`<input>.jsonl.out`), one line per record:
//     {"recordId","modelInput","modelOutput"}, where an "error" object
//     {"errorCode","errorMessage"} replaces modelOutput on failure. The job
//     folder also holds manifest.json.out, the job's summary (counts), which
//     is never a record.
//   - SageMaker batch transform (`*.out` of the output prefix): the input line
//     with "SageMakerOutput" joined to it; no per-record error shape.
//
// Pure functions over parsed records; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace simdjson::dom {
class element;
}

namespace sluice::ingest {

enum class Provider { kUnknown, kOpenAi, kBedrock, kSageMaker };

// "openai", "bedrock", "sagemaker"; "" for kUnknown.
std::string_view ProviderName(Provider provider);

// The provider whose batch output `record` (a JSON object) looks like.
Provider RecogniseRecord(const simdjson::dom::element& record);

// The provider's own failure of this record, as the task reports it:
// "openai: status 400: <message>", "openai: <code>: <message>" (a top-level
// error), "bedrock: <errorCode>: <errorMessage>". nullopt when the record is
// no provider failure (or no provider's record at all).
std::optional<std::string> ProviderFailure(const simdjson::dom::element& record);

// Bedrock's job summary, manifest.json.out. Counts absent from it stay empty.
struct BedrockManifest {
  std::optional<uint64_t> total_records, processed_records, success_records, error_records,
      input_tokens, output_tokens;
};
// A manifest's text → its counts; an error when it is not a JSON object.
util::Result<BedrockManifest> ParseBedrockManifest(std::string_view text);

// True for the key/path of a Bedrock job summary ("…/manifest.json.out").
bool IsBedrockManifest(std::string_view location);

// How the objects one prefix source expanded to are read. A prefix that
// holds `*.out` objects is a provider's output folder: only its `.out`
// objects are records, except manifest.json.out, which is the summary;
// every other object (an input copy, a marker) is skipped. A prefix without
// `.out` objects is read whole.
struct OutputFolderLayout {
  std::vector<size_t> records;     // indexes of the objects to read as records
  std::optional<size_t> manifest;  // index of manifest.json.out
  std::vector<size_t> skipped;     // indexes of objects that are neither
};
OutputFolderLayout ClassifyFolder(const std::vector<std::string>& locations);

// A duration as OpenSearch writes time values: "30m", "90s", "2h", "500ms", "1d".
util::Result<int64_t> ParseDurationMs(std::string_view text, std::string_view field);

}  // namespace sluice::ingest
