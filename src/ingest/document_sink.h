// DocumentSink: where batch ingestion writes its documents — the local index
// (LocalIndexSink, the embedded default) or a remote OpenSearch cluster. The
// mapping, join, progress, error and resume logic is the same for both; only
// the sink differs.
//
// Contract: Write is called from one thread at a time. Documents always carry
// an id, so writing a batch again (after a crash, a retry) rewrites the same
// documents instead of duplicating them (an upsert merges the same fields again).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "index/document_parser.h"
#include "util/cancel_signal.h"
#include "util/result.h"

namespace sluice::ingest {

// What ingestion needs to know about the target index before it starts.
struct SinkSchema {
  struct VectorField {
    std::string name;
    int dimension = 0;
  };
  std::vector<std::string> top_level_fields;  // mapped fields, in mapping order (for nulls)
  std::vector<VectorField> vector_fields;     // knn_vector fields
};

// What a remote sink has done so far, for the task's progress ("cluster").
struct SinkStats {
  bool remote = false;             // false: nothing to show (the local index)
  uint64_t bulk_requests = 0;      // requests sent, retries included
  uint64_t documents_retried = 0;  // documents sent again (rejections, failed requests)
  uint64_t items_rejected = 0;     // per-document rejections by the cluster (429)
  double docs_per_second = 0;      // documents acknowledged per second of writing
};

struct SinkDocument {
  std::string id;
  std::string source_json;  // a JSON object: the document, or an upsert's partial document
  // Set: an update as ml-commons writes it when _id is mapped — source_json
  // merges into an existing document ("doc"), and this JSON object is the
  // document created when none exists ("upsert").
  std::optional<std::string> upsert_json;
  // The typed form of the document written when this creates one (the
  // upsert's when set, else source_json's), built by the sink's
  // DocumentTyper on the reading thread. Empty: the sink parses the JSON.
  std::optional<index::ParsedSource> parsed = std::nullopt;  // (brace-inits may omit it)
};

// Builds, on the reading thread, the typed documents a sink writes, from
// the record's own parse (DESIGN rule 3: the writer does not parse the JSON
// text again). One per reading thread; not thread-safe.
class DocumentTyper {
 public:
  virtual ~DocumentTyper() = default;
  // The typed document whose JSON text is source_json and whose top-level
  // fields with a value are `fields` (index::ParseRecordFields).
  virtual index::ParsedSource Type(std::string_view id, std::string_view source_json,
                                   std::span<const index::RecordField> fields) = 0;
};

class DocumentSink {
 public:
  virtual ~DocumentSink() = default;
  // The target index's fields; index_not_found_exception when it does not exist.
  virtual util::Result<SinkSchema> Describe() = 0;
  // Writes a batch durably. The result has one Status per document (a
  // rejected document, e.g. a mapper error, fails alone); an error Result
  // means the whole batch failed and the task cannot go on.
  virtual util::Result<std::vector<util::Status>> Write(std::vector<SinkDocument> documents) = 0;
  // Counters for progress; any thread, any time. Default: nothing to show.
  virtual SinkStats Stats() const { return {}; }
  // The running task's cancel signal (not owned, outlives the writes): a sink
  // that sleeps between retries wakes up when it is cancelled. Default: ignored.
  virtual void SetCancelSignal(const util::CancelSignal* /*cancel*/) {}
  // A typer for documents of this sink, or nullptr (default) when the sink
  // takes JSON text only (a remote cluster parses it itself).
  virtual std::unique_ptr<DocumentTyper> NewTyper() { return nullptr; }
};

}  // namespace sluice::ingest
