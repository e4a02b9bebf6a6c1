// libFuzzer target: batch-ingestion requests and the JSONL record mapper.
//
// Input: an optional first line that is a `_batch_ingestion` request body;
// when it does not parse as one, one of three field maps is used (OpenAI
// batch output, Bedrock, SageMaker shapes; chosen by the first byte). Every
// further line is a record, parsed by simdjson and mapped by RecordMapper
// (ids, singular and wildcard/filter JSONPaths, knn_vector fields).
// Invariants: no crash or sanitizer report; a failed record says why; mapped
// field values are JSON texts that simdjson parses again.
#include <simdjson.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/ingest_request.h"
#include "ingest/record_mapper.h"

namespace {

using sluice::ingest::IngestRequest;
using sluice::ingest::ParseIngestRequest;

IngestRequest Default(const char* field_map) {
  auto r = ParseIngestRequest(std::string(R"({"index_name":"i","field_map":)") + field_map +
                              R"(,"ingest_fields":["$.custom_id"],)" +
                              R"("data_source":{"type":"file","source":["/f"]}})");
  if (!r.ok()) {
    std::fprintf(stderr, "default request: %s\n", r.status().ToString().c_str());
    std::abort();
  }
  return std::move(r).value();
}

const std::vector<IngestRequest>& Defaults() {
  static const std::vector<IngestRequest> defaults = [] {
    std::vector<IngestRequest> v;
    v.push_back(Default(R"({"_id":"$.custom_id","emb":"$.response.body.data[0].embedding",
                            "all":"$..embedding","n":"$.response.status_code"})"));
    v.push_back(Default(R"({"_id":"$.recordId","text":"$.modelInput.inputText",
                            "emb":"$.modelOutput.embedding","types":"$.modelInput.embeddingTypes[*]"})"));
    v.push_back(Default(R"({"emb":"$.SageMakerOutput[0]","sel":"$.SageMakerOutput[?@[0] > 0]",
                            "last":"$.SageMakerOutput[-1:]"})"));
    return v;
  }();
  return defaults;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t nl = input.find('\n');
  std::string_view first = input.substr(0, nl);
  auto parsed = ParseIngestRequest(first);
  if (!parsed.ok() && parsed.status().reason().empty()) std::abort();
  const IngestRequest& request =
      parsed.ok() ? *parsed : Defaults()[size > 0 ? data[0] % Defaults().size() : 0];
  // A parsed request's records start after its line; a default's, at the start.
  std::string_view records = parsed.ok() ? (nl == input.npos ? "" : input.substr(nl + 1)) : input;

  sluice::ingest::RecordMapper mapper(request, 0, {"emb"});
  simdjson::dom::parser parser;
  simdjson::dom::parser check;
  while (!records.empty()) {
    size_t end = records.find('\n');
    std::string_view line = records.substr(0, end);
    records = end == records.npos ? "" : records.substr(end + 1);
    simdjson::dom::element record;
    if (parser.parse(line.data(), line.size()).get(record) != simdjson::SUCCESS) continue;
    auto mapped = mapper.Map(record);
    if (!mapped.ok()) {
      if (mapped.status().reason().empty()) std::abort();
    } else {
      for (const auto& [name, value] : mapped->fields) {
        simdjson::dom::element e;
        if (check.parse(value).get(e) != simdjson::SUCCESS) {
          std::fprintf(stderr, "field %s is not JSON: %s\n", name.c_str(), value.c_str());
          std::abort();
        }
      }
    }
    (void)mapper.Id(record);
  }
  return 0;
}
