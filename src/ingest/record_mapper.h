// RecordMapper: applies a request's field_map / ingest_fields to one parsed
// JSONL record of one source, producing the record's id (when the source has
// an _id path) and its fields as JSON texts.
//
// Value rules: a singular path (names and indexes only) gives the selected
// value, or nothing when it selects nothing; any other path gives the JSON
// array of every match (possibly empty), like ml-commons' JSONPath library.
// A record fails alone (the Status says why) when its id is missing or not a
// scalar, or a knn_vector field it maps selects nothing.
//
// Thread-safety: immutable after construction; Map may run concurrently.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "index/document_parser.h"
#include "ingest/ingest_request.h"
#include "util/result.h"

namespace simdjson::dom {
class element;
}

namespace sluice::ingest {

struct MappedRecord {
  std::optional<std::string> id;
  std::vector<std::pair<std::string, std::string>> fields;  // name → JSON text
};

class RecordMapper {
 public:
  // request must outlive the mapper. vector_fields: the index's knn_vector fields.
  RecordMapper(const IngestRequest& request, size_t source, std::set<std::string> vector_fields);

  // The record's fields selected and mapped. When every path of this source is
  // singular, with_fields (if set) is also called — before Map returns, while
  // the record's parse is alive — with the selected values themselves (the
  // mapped fields that have one, in order) and the mapped record, so that the
  // typed document can be built from this parse (index::ParseRecordFields).
  using WithFields =
      std::function<void(std::span<const index::RecordField> fields, MappedRecord& mapped)>;
  util::Result<MappedRecord> Map(const simdjson::dom::element& record,
                                 const WithFields& with_fields = {}) const;
  // The record's id alone (nullopt when this source has no _id path). A record
  // whose fields fail to map still has its place in a position join.
  util::Result<std::optional<std::string>> Id(const simdjson::dom::element& record) const;
  // The paths of this source (its _id path included) that select nothing on
  // `record`, as {field name, path text}: a hint that the field_map does not
  // fit the file when `record` is its first record.
  std::vector<std::pair<std::string, std::string>> UnmatchedPaths(
      const simdjson::dom::element& record) const;

 private:
  struct Entry {
    const MappedField* field;
    const SourcePath* path;
    bool is_vector;
  };
  const SourcePath* id_path_ = nullptr;
  std::vector<Entry> entries_;
  bool all_singular_ = true;
};

// The document id text of a JSON scalar ("abc", 12 → "12", true → "true").
util::Result<std::string> IdText(const simdjson::dom::element& value, const std::string& path);

}  // namespace sluice::ingest
