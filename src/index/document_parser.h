// DocumentParser: validates a document's _source against an index's Mapping
// and extracts what search needs (field values, knn vectors), as OpenSearch's
// document mapper does on index.
//
// A document that does not fit the mapping is a mapper_parsing_exception for
// that document only. Fields the mapping does not know are reported in
// ParsedDocument::new_fields (dynamic mapping) unless the mapping is
// "dynamic": "strict" (an error) or false (ignored).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "index/mapping.h"
#include "util/result.h"

namespace simdjson::dom {
class element;
}

namespace sluice::index {

// One searchable value of a field. Keyword fields keep the exact string
// (text fields keep nothing: see SourceValues), numbers and dates (epoch millis) a
// double, booleans 0/1 in number with kind kBool.
struct IndexedValue {
  enum class Kind { kString, kNumber, kBool };
  std::string path;
  Kind kind = Kind::kString;
  std::string text;
  double number = 0;
};

struct ParsedDocument {
  std::vector<IndexedValue> values;
  std::vector<std::pair<std::string, std::vector<float>>> vectors;  // knn_vector fields
  std::vector<std::pair<std::string, FieldType>> new_fields;        // dynamic additions
  // Values of indexed text fields, in document order (one entry per array
  // element), analyzed by the write path into the inverted index.
  std::vector<std::pair<std::string, std::string>> texts;
  // Values of token_count fields (path, text): the write path counts their
  // tokens with the field's analyzer and indexes the count as a number.
  std::vector<std::pair<std::string, std::string>> token_counts;
};

// A document parsed against an index's mapping as it was at mapping_version
// (Index::mapping_version), before Index::Write takes its lock. Write uses it
// as is when the mapping is still that version, and parses again when not.
struct ParsedSource {
  util::Result<ParsedDocument> parsed = util::Internal("not parsed");
  uint64_t mapping_version = 0;
};

// id is used in error messages only.
util::Result<ParsedDocument> ParseDocument(std::string_view source_json, std::string_view id,
                                           const Mapping& mapping);

// One top-level field of a batch-ingested record: its name and the value its
// JSONPath selected in the record's simdjson parse (nullptr: null). The
// element must stay valid (its parser untouched) during ParseRecordFields.
struct RecordField {
  std::string_view name;
  const simdjson::dom::element* value = nullptr;
};

// The typed document whose _source is the object of `fields` — the same
// values, vectors, errors and dynamic fields ParseDocument gives for that
// JSON text — built from the record's own parse (no JSON text in between).
// source_json is that text (only its nesting depth is checked, as
// ParseDocument does). Names must be distinct.
util::Result<ParsedDocument> ParseRecordFields(std::string_view source_json,
                                               std::span<const RecordField> fields,
                                               std::string_view id, const Mapping& mapping);

// The values at a dotted path of a stored _source, as text (strings as they
// are, other scalars as JSON; arrays flattened, nulls skipped). Used for text
// fields, whose values are not held in memory.
std::vector<std::string> SourceValues(std::string_view source_json, std::string_view path);

}  // namespace sluice::index
