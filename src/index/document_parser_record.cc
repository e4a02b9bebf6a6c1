// ParseRecordFields: the document mapper over simdjson's DOM, for records that
// batch ingestion has already parsed (DESIGN rule 3: parse once).
#include <simdjson.h>

#include "index/document_parser.h"
#include "index/document_walker.h"
#include "util/json_depth.h"

namespace sluice::index {
namespace {

using util::Status;
namespace dom = simdjson::dom;

// The DocumentWalker's view of a simdjson element (a small handle into the
// parser's tape, copied by value); no element is JSON null.
class SimdView {
 public:
  explicit SimdView(const dom::element* v) {
    if (v != nullptr) *this = SimdView(*v);
  }
  explicit SimdView(dom::element v) : v_(v), type_(v.type()) {}

  bool IsNull() const { return type_ == dom::element_type::NULL_VALUE; }
  bool IsArray() const { return type_ == dom::element_type::ARRAY; }
  bool IsObject() const { return type_ == dom::element_type::OBJECT; }
  bool IsBool() const { return type_ == dom::element_type::BOOL; }
  bool IsInt64() const { return type_ == dom::element_type::INT64; }
  bool IsUint64() const { return type_ == dom::element_type::UINT64; }
  bool IsNumber() const { return IsInt64() || IsUint64() || type_ == dom::element_type::DOUBLE; }
  bool IsString() const { return type_ == dom::element_type::STRING; }
  bool GetBool() const { return v_.get_bool().value_unsafe(); }
  int64_t GetInt64() const { return v_.get_int64().value_unsafe(); }
  double GetDouble() const {
    // RapidJSON's GetDouble converts integers too; simdjson keeps their type.
    if (IsInt64()) return static_cast<double>(v_.get_int64().value_unsafe());
    if (IsUint64()) return static_cast<double>(v_.get_uint64().value_unsafe());
    return v_.get_double().value_unsafe();
  }
  std::string_view GetString() const { return v_.get_string().value_unsafe(); }
  size_t Size() const {
    dom::array array;
    return v_.get_array().get(array) == simdjson::SUCCESS ? array.size() : 0;
  }
  template <typename F>
  Status Elements(F&& f) const {
    dom::array array;
    if (v_.get_array().get(array) != simdjson::SUCCESS) return Status::Ok();
    for (dom::element e : array) SLUICE_RETURN_IF_ERROR(f(SimdView(e)));
    return Status::Ok();
  }
  template <typename F>
  Status Members(F&& f) const {
    dom::object object;
    if (v_.get_object().get(object) != simdjson::SUCCESS) return Status::Ok();
    for (dom::key_value_pair kv : object) SLUICE_RETURN_IF_ERROR(f(kv.key, SimdView(kv.value)));
    return Status::Ok();
  }
  std::string Text() const { return IsNull() ? "null" : simdjson::minify(v_); }

 private:
  dom::element v_;
  dom::element_type type_ = dom::element_type::NULL_VALUE;
};

}  // namespace

util::Result<ParsedDocument> ParseRecordFields(std::string_view source_json,
                                               std::span<const RecordField> fields,
                                               std::string_view id, const Mapping& mapping) {
  if (util::ExceedsJsonNesting(source_json)) {
    return util::MapperParsingError("failed to parse")
        .WithCause(Status(util::Code::kInvalidArgument, "json_parse_exception",
                          "Document nesting depth exceeds the maximum allowed (" +
                              std::to_string(util::kMaxJsonNesting) + ")"));
  }
  ParsedDocument out;
  internal::DocumentWalker<SimdView> walker(mapping, id, &out);
  for (const RecordField& field : fields) {
    SLUICE_RETURN_IF_ERROR(walker.Member("", field.name, SimdView(field.value)));
  }
  return out;
}

}  // namespace sluice::index
