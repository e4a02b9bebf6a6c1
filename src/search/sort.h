// Sort: the `sort` and `search_after` parts of a search request, and the
// per-hit sort keys they produce.
//
// A SortSpec is parsed once per request (ParseSort, internal to search/ since
// it takes RapidJSON values) and bound to each index (SortSpec::Bind), which
// resolves the field types and raises OpenSearch's errors for unmapped or
// text fields. A bound sort computes a SortKey per document from the in-memory
// doc values (Index::values, no _source is read), compares keys, and renders
// them as the hit's `sort` array the way OpenSearch formats them: longs for
// integral, date and boolean fields, floats/doubles for floating fields,
// strings for keyword and _id, null for a missing keyword, the score as a
// float and _doc as the doc number.
//
// Missing values: numeric fields compare as OpenSearch substitutes them
// (_last asc = +max, _first asc = -max, or the given value), keyword fields
// put missing documents first or last in either order.
//
// Immutable after construction; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "index/field_type.h"
#include "index/index.h"
#include "util/result.h"

namespace sluice::json {
class JsonWriter;
}

namespace sluice::search {

// A value of a search_after array or of a sort's `missing`.
struct SortParam {
  enum class Kind { kNull, kNumber, kString, kBool } kind = Kind::kNull;
  double number = 0;
  std::string text;  // strings; numbers keep their text for error messages
};

struct SortField {
  enum class Target { kScore, kDoc, kField };
  enum class Mode { kDefault, kMin, kMax, kAvg, kSum, kMedian };
  enum class Missing { kLast, kFirst, kValue };
  Target target = Target::kField;
  std::string field;  // kField: the field path ("_id" is the document id)
  bool descending = false;
  Mode mode = Mode::kDefault;
  Missing missing = Missing::kLast;
  SortParam missing_value;                   // kValue
  std::optional<std::string> unmapped_type;  // a type name ("long", "keyword", ...)
};

// One sort key of a hit. Numbers are already substituted for missing numeric
// values; `missing` matters for strings (ordering) and rendering.
struct SortKey {
  bool missing = false;
  double number = 0;
  std::string text;
};

class SortSpec {
 public:
  SortSpec() = default;
  explicit SortSpec(std::vector<SortField> fields) : fields_(std::move(fields)) {}

  const std::vector<SortField>& fields() const { return fields_; }
  bool empty() const { return fields_.empty(); }
  // True when hits need scores (a _score key).
  bool uses_score() const;
  // True when the first key is _score descending (max_score is then known).
  bool leads_with_score_desc() const;

  // The spec resolved against one index's mapping. Errors: unmapped field
  // without unmapped_type, text field, a mode the type does not allow.
  class Bound;
  util::Result<Bound> Bind(const index::Index& index) const;

 private:
  std::vector<SortField> fields_;
};

class SortSpec::Bound {
 public:
  // Keys of a doc with the given score; hold the index's ReadGuard.
  std::vector<SortKey> Keys(const index::Index& index, index::DocNo doc, float score) const;
  // <0 when a sorts before b, 0 when equal, >0 after.
  int Compare(const std::vector<SortKey>& a, const std::vector<SortKey>& b) const;
  // Converts search_after values to keys (dates may be given formatted).
  util::Result<std::vector<SortKey>> AfterKeys(const std::vector<SortParam>& after) const;
  // Appends the hit's "sort" array.
  void Render(const std::vector<SortKey>& keys, json::JsonWriter& w) const;

 private:
  friend class SortSpec;
  struct Resolved {
    const SortField* spec;
    std::optional<uint32_t> field_id;  // nullopt: unmapped (all docs missing)
    index::FieldType type = index::FieldType::kKeyword;
    bool is_id = false;
    bool is_string() const { return is_id || index::IsKeywordLike(type); }
  };
  std::vector<Resolved> keys_;
};

}  // namespace sluice::search
