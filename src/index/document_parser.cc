#include "index/document_parser.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <cmath>
#include <limits>

#include "index/document_walker.h"
#include "json/value_text.h"
#include "util/json_depth.h"

namespace sluice::index {
namespace {

using util::MapperParsingError;
using util::Status;

// The DocumentWalker's view of a RapidJSON value.
class RapidView {
 public:
  explicit RapidView(const rapidjson::Value& v) : v_(&v) {}
  bool IsNull() const { return v_->IsNull(); }
  bool IsArray() const { return v_->IsArray(); }
  bool IsObject() const { return v_->IsObject(); }
  bool IsBool() const { return v_->IsBool(); }
  bool IsInt64() const { return v_->IsInt64(); }
  bool IsUint64() const { return v_->IsUint64(); }
  bool IsNumber() const { return v_->IsNumber(); }
  bool IsString() const { return v_->IsString(); }
  bool GetBool() const { return v_->GetBool(); }
  int64_t GetInt64() const { return v_->GetInt64(); }
  double GetDouble() const { return v_->GetDouble(); }
  std::string_view GetString() const { return {v_->GetString(), v_->GetStringLength()}; }
  size_t Size() const { return v_->Size(); }
  template <typename F>
  Status Elements(F&& f) const {
    for (const auto& e : v_->GetArray()) SLUICE_RETURN_IF_ERROR(f(RapidView(e)));
    return Status::Ok();
  }
  template <typename F>
  Status Members(F&& f) const {
    for (auto it = v_->MemberBegin(); it != v_->MemberEnd(); ++it) {
      SLUICE_RETURN_IF_ERROR(f(std::string_view(it->name.GetString(), it->name.GetStringLength()),
                               RapidView(it->value)));
    }
    return Status::Ok();
  }
  std::string Text() const { return json::ValueText(*v_); }

 private:
  const rapidjson::Value* v_;
};

}  // namespace

std::vector<std::string> SourceValues(std::string_view source_json, std::string_view path) {
  std::vector<std::string> out;
  rapidjson::Document doc;
  doc.Parse(source_json.data(), source_json.size());
  if (doc.HasParseError() || !doc.IsObject()) return out;
  // Walks dotted path segments; arrays are flattened at every level.
  auto walk = [&](auto&& self, const rapidjson::Value& v, std::string_view rest) -> void {
    if (v.IsArray()) {
      for (const auto& e : v.GetArray()) self(self, e, rest);
      return;
    }
    if (rest.empty()) {
      if (v.IsNull()) return;
      if (v.IsString()) out.emplace_back(v.GetString(), v.GetStringLength());
      else
        out.push_back(internal::Preview(RapidView(v)));
      return;
    }
    if (!v.IsObject()) return;
    // A key may itself contain dots ("a.b": 1), so try every split.
    for (size_t dot = rest.find('.');; dot = rest.find('.', dot + 1)) {
      std::string_view head = rest.substr(0, dot);
      auto it = v.FindMember(rapidjson::StringRef(head.data(), head.size()));
      if (it != v.MemberEnd()) {
        self(self, it->value, dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1));
      }
      if (dot == std::string_view::npos) break;
    }
  };
  walk(walk, doc, path);
  return out;
}

util::Result<ParsedDocument> ParseDocument(std::string_view source_json, std::string_view id,
                                           const Mapping& mapping) {
  if (util::ExceedsJsonNesting(source_json)) {
    return MapperParsingError("failed to parse")
        .WithCause(Status(util::Code::kInvalidArgument, "json_parse_exception",
                          "Document nesting depth exceeds the maximum allowed (" +
                              std::to_string(util::kMaxJsonNesting) + ")"));
  }
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseFullPrecisionFlag>(source_json.data(), source_json.size());
  // OpenSearch's parser reads a number beyond the double range (1e400) as
  // infinity, which the field mappers then reject with their own message
  // ("KNN vector values cannot be infinity"); RapidJSON stops instead. Spell
  // such numbers as Infinity and parse again so the mappers see them.
  std::string patched;
  for (int retries = 0; doc.GetParseError() == rapidjson::kParseErrorNumberTooBig && retries < 16;
       ++retries) {
    if (patched.empty()) patched = std::string(source_json);
    size_t start = doc.GetErrorOffset();
    size_t end = patched.find_first_not_of("+-.0123456789eE", start);
    if (end == std::string::npos) end = patched.size();
    if (end == start) break;
    patched.replace(start, end - start, patched[start] == '-' ? "-Infinity" : "Infinity");
    doc.Parse<rapidjson::kParseFullPrecisionFlag | rapidjson::kParseNanAndInfFlag>(
        patched.data(), patched.size());
  }
  if (doc.HasParseError()) {
    return MapperParsingError("failed to parse")
        .WithCause(Status(util::Code::kInvalidArgument, "json_parse_exception",
                          std::string(rapidjson::GetParseError_En(doc.GetParseError())) +
                              " at offset " + std::to_string(doc.GetErrorOffset())));
  }
  if (!doc.IsObject()) {
    return MapperParsingError("failed to parse, document is empty")
        .WithCause(util::ParseError("the document source must be a JSON object"));
  }
  ParsedDocument out;
  internal::DocumentWalker<RapidView> walker(mapping, id, &out);
  SLUICE_RETURN_IF_ERROR(walker.Object(RapidView(doc), ""));
  return out;
}

}  // namespace sluice::index
