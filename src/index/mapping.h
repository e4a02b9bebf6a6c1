// Mapping: an index's field definitions, as OpenSearch's mappings.
//
// A Mapping is built from the "mappings" object of a create-index request
// (Parse), extended by PUT _mapping (Merge) and by dynamic mapping when a
// document brings new fields (AddDynamic). It renders back what the user gave
// (ToJson) plus dynamically added fields, and answers lookups by full dotted
// path ("author.name", "title.keyword") for validation and search.
//
// Errors follow OpenSearch: Parse returns the inner mapper error; the caller
// (create index) wraps it in "Failed to parse mapping [_doc]: ...".
// Not thread-safe; Index guards its Mapping.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "index/field_type.h"
#include "util/result.h"
#include "vector/knn_method.h"

namespace sluice::index {

// A leaf or container field, by full path.
struct FieldMapping {
  std::string path;
  FieldType type = FieldType::kObject;
  int ignore_above = -1;       // keyword: longer strings are not indexed (-1: no limit)
  bool index = true;           // "index": false fields are stored, not searchable
  std::string analyzer;         // text: "analyzer" ("" = the index's default)
  std::string search_analyzer;  // text: "search_analyzer" ("" = analyzer)
  std::optional<vector::KnnMethod> knn;  // knn_vector fields: resolved method
  bool coerce = true;             // numbers: "coerce" (unsigned_long truncates decimals)
  bool ignore_malformed = false;  // "ignore_malformed": bad values are skipped, not refused
  bool doc_values = true;         // "doc_values" (binary defaults to false)
  std::string alias_path;         // alias: the "path" it points to
  std::optional<std::string> constant_value;  // constant_keyword: its "value"
  bool fielddata = false;     // text: "fielddata" (its values are held for sort and aggs)
  int max_input_length = 50;  // completion: inputs are cut to this many characters
};

enum class DynamicMode { kTrue, kFalse, kStrict };

class Mapping {
 public:
  Mapping();
  ~Mapping();
  Mapping(const Mapping&);
  Mapping& operator=(const Mapping&);
  Mapping(Mapping&&) noexcept;
  Mapping& operator=(Mapping&&) noexcept;

  // Parses a mappings object ({"properties":{...}, "dynamic":..., ...}).
  // knn_enabled is the index.knn setting (method needs it).
  static util::Result<Mapping> Parse(std::string_view mappings_json, bool knn_enabled);

  // Adds the fields of another mappings object. A field that exists with a
  // different type is an illegal_argument_exception
  // "mapper [f] cannot be changed from type [long] to [text]".
  util::Status Merge(std::string_view mappings_json, bool knn_enabled);

  // Adds a field found in a document (dynamic mapping). Strings map to text
  // with a keyword subfield, as OpenSearch does by default.
  void AddDynamic(std::string_view path, FieldType type);

  // The field at a path as searches see it: an alias resolves to its
  // target, and a dotted path below a flat_object ("attrs.color") to the
  // flat_object field itself (its leaves are indexed under their own paths).
  const FieldMapping* Find(std::string_view path) const;
  // The field defined at exactly this path (aliases not resolved): for the
  // write path and for mapping rendering.
  const FieldMapping* FindDefined(std::string_view path) const;
  // The path whose values a search on `path` reads: an alias's target, else path.
  std::string_view ResolvePath(std::string_view path) const;
  DynamicMode dynamic() const { return dynamic_; }
  bool empty() const;
  // All fields by path (containers included), in path order.
  const std::map<std::string, FieldMapping, std::less<>>& fields() const { return fields_; }

  // {"properties":{...}} (or {} when nothing is mapped), as GET _mapping shows.
  std::string ToJson() const;

 private:
  struct Node;
  util::Status MergeObject(const void* properties, const std::string& prefix, Node* parent,
                           bool knn_enabled);
  util::Status CheckAliases() const;
  std::unique_ptr<Node> root_;
  std::map<std::string, FieldMapping, std::less<>> fields_;
  DynamicMode dynamic_ = DynamicMode::kTrue;
};

}  // namespace sluice::index
