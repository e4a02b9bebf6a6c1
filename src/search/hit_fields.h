// HitFields: the `docvalue_fields` and `fields` of a search hit, read from the
// in-memory doc values (keyword, numeric, date, boolean fields; dates
// formatted as strict_date_optional_time, booleans as true/false).
//
// docvalue_fields lists values as doc values order them (sorted; keywords
// de-duplicated); `fields` keeps the document's order. Patterns may use `*`.
// A text field is OpenSearch's fielddata error for docvalue_fields and is
// skipped by `fields` (its values live in _source only). Thread-compatible;
// hold the index's ReadGuard.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "index/index.h"
#include "util/result.h"

namespace sluice::search {

struct HitFieldsSpec {
  std::vector<std::string> docvalue_fields;
  std::vector<std::string> fields;
  bool empty() const { return docvalue_fields.empty() && fields.empty(); }
};

// The hit's "fields" object as JSON, or nullopt when it has none of them.
util::Result<std::optional<std::string>> HitFieldsJson(const index::Index& index, index::DocNo doc,
                                                       const HitFieldsSpec& spec);

}  // namespace sluice::search
