#include "index/document_parser.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <cmath>
#include <limits>

#include "index/date_parse.h"
#include "json/value_text.h"
#include "util/json_depth.h"

namespace sluice::index {
namespace {

using util::MapperParsingError;
using util::Status;

std::string Preview(const rapidjson::Value& v) {
  if (v.IsString()) return v.GetString();
  if (v.IsNull()) return "null";
  std::string s = json::ValueText(v);
  return s.size() > 100 ? s.substr(0, 100) + "..." : s;
}

Status FieldError(const std::string& path, FieldType type, std::string_view id,
                  const std::string& preview, Status cause) {
  return MapperParsingError("failed to parse field [" + path + "] of type [" +
                            std::string(FieldTypeName(type)) + "] in document with id '" +
                            std::string(id) + "'. Preview of field's value: '" + preview + "'")
      .WithCause(std::move(cause));
}

class Walker {
 public:
  Walker(const Mapping& mapping, std::string_view id, ParsedDocument* out)
      : mapping_(mapping), id_(id), out_(out) {}

  Status Object(const rapidjson::Value& object, const std::string& prefix) {
    for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
      std::string name(it->name.GetString(), it->name.GetStringLength());
      if (name.empty()) {
        return MapperParsingError("field name cannot be an empty string");
      }
      SLUICE_RETURN_IF_ERROR(Field(prefix + name, it->value));
    }
    return Status::Ok();
  }

 private:
  Status Field(const std::string& path, const rapidjson::Value& value) {
    const FieldMapping* field = mapping_.Find(path);
    std::optional<FieldMapping> dynamic_field;
    if (field == nullptr && (dynamic_field = FindDynamic(path))) field = &*dynamic_field;
    if (field == nullptr) {
      if (value.IsNull() || (value.IsArray() && value.Empty())) return Status::Ok();
      if (mapping_.dynamic() == DynamicMode::kStrict) {
        return Status(util::Code::kInvalidArgument, "strict_dynamic_mapping_exception",
                      "mapping set to strict, dynamic introduction of [" + path +
                          "] within [_doc] is not allowed");
      }
      if (mapping_.dynamic() == DynamicMode::kFalse) return Status::Ok();
      auto type = DynamicType(value);
      if (!type) return Status::Ok();
      out_->new_fields.emplace_back(path, *type);
      dynamic_.emplace_back(path, *type);
      return Field(path, value);
    }
    if (field->type == FieldType::kKnnVector) return Vector(*field, value);
    if (value.IsArray()) {
      for (const auto& element : value.GetArray()) {
        if (element.IsArray()) {
          SLUICE_RETURN_IF_ERROR(Field(path, element));
        } else {
          SLUICE_RETURN_IF_ERROR(Single(*field, element));
        }
      }
      return Status::Ok();
    }
    return Single(*field, value);
  }

  // Fields added dynamically earlier in this same document.
  std::optional<FieldMapping> FindDynamic(const std::string& path) const {
    for (const auto& [p, t] : dynamic_) {
      if (p == path) {
        FieldMapping field;
        field.path = p;
        field.type = t;
        return field;
      }
    }
    return std::nullopt;
  }

  std::optional<FieldType> DynamicType(const rapidjson::Value& value) {
    const rapidjson::Value* v = &value;
    if (v->IsArray()) {
      const rapidjson::Value* first = nullptr;
      for (const auto& e : v->GetArray()) {
        if (!e.IsNull()) {
          first = &e;
          break;
        }
      }
      if (first == nullptr) return std::nullopt;
      v = first;
    }
    if (v->IsObject()) return FieldType::kObject;
    if (v->IsBool()) return FieldType::kBoolean;
    if (v->IsInt64() || v->IsUint64()) return FieldType::kLong;
    if (v->IsNumber()) return FieldType::kFloat;
    if (v->IsString()) {
      return LooksLikeDate(v->GetString()) ? FieldType::kDate : FieldType::kText;
    }
    return std::nullopt;
  }

  Status Single(const FieldMapping& field, const rapidjson::Value& value) {
    if (value.IsNull()) return Status::Ok();
    if (IsContainer(field.type)) {
      if (!value.IsObject()) {
        return MapperParsingError("object mapping for [" + field.path +
                                  "] tried to parse field [" + field.path +
                                  "] as object, but found a concrete value");
      }
      return Object(value, field.path + ".");
    }
    if (value.IsObject()) {
      return FieldError(field.path, field.type, id_, Preview(value),
                        util::InvalidArgument("expected a value, found an object"));
    }
    switch (field.type) {
      case FieldType::kKeyword: return Keyword(field, value);
      case FieldType::kText: return Text(field, value);
      case FieldType::kBoolean: return Boolean(field, value);
      case FieldType::kDate: return Date(field, value);
      default: return Number(field, value);
    }
  }

  std::string ScalarText(const rapidjson::Value& value) {
    if (value.IsString()) return std::string(value.GetString(), value.GetStringLength());
    return Preview(value);
  }

  Status Keyword(const FieldMapping& field, const rapidjson::Value& value) {
    std::string text = ScalarText(value);
    if (field.ignore_above >= 0 && static_cast<int>(text.size()) > field.ignore_above) {
      return Status::Ok();
    }
    Add(field.path, IndexedValue::Kind::kString, std::move(text), 0);
    return SubFields(field, value);
  }

  // Text is not kept in memory (it is most of a batch-ingested corpus, and
  // memory must not grow with it): text queries read the stored _source.
  Status Text(const FieldMapping& field, const rapidjson::Value& value) {
    std::string text = ScalarText(value);
    if (field.index) out_->texts.emplace_back(field.path, text);
    // A dynamically mapped string gets its "keyword" subfield in this very
    // document too (the mapping learns it only after the write).
    if (mapping_.Find(field.path) == nullptr && text.size() <= 256) {
      Add(field.path + ".keyword", IndexedValue::Kind::kString, std::move(text), 0);
      return Status::Ok();
    }
    return SubFields(field, value);
  }

  // Multi-fields ("title.keyword") index the same value again.
  Status SubFields(const FieldMapping& field, const rapidjson::Value& value) {
    std::string prefix = field.path + ".";
    for (auto it = mapping_.fields().lower_bound(prefix);
         it != mapping_.fields().end() && it->first.compare(0, prefix.size(), prefix) == 0;
         ++it) {
      if (it->first.find('.', prefix.size()) != std::string::npos) continue;
      if (it->second.type == FieldType::kKeyword) {
        SLUICE_RETURN_IF_ERROR(Keyword(it->second, value));
      } else if (!IsContainer(it->second.type)) {
        SLUICE_RETURN_IF_ERROR(Single(it->second, value));
      }
    }
    return Status::Ok();
  }

  Status Boolean(const FieldMapping& field, const rapidjson::Value& value) {
    bool b;
    if (value.IsBool()) {
      b = value.GetBool();
    } else if (value.IsString() && (std::string_view(value.GetString()) == "true" ||
                                    std::string_view(value.GetString()) == "false")) {
      b = std::string_view(value.GetString()) == "true";
    } else {
      return FieldError(field.path, field.type, id_, Preview(value),
                        util::InvalidArgument("Failed to parse value [" + Preview(value) +
                                              "] as only [true] or [false] are allowed."));
    }
    Add(field.path, IndexedValue::Kind::kBool, "", b ? 1 : 0);
    return Status::Ok();
  }

  Status Date(const FieldMapping& field, const rapidjson::Value& value) {
    std::optional<int64_t> millis;
    if (value.IsInt64()) millis = value.GetInt64();
    else if (value.IsString()) millis = ParseDateMillis(value.GetString());
    if (!millis) {
      return FieldError(field.path, field.type, id_, Preview(value),
                        util::InvalidArgument("failed to parse date field [" + Preview(value) +
                                              "] with format [strict_date_optional_time||"
                                              "epoch_millis]"));
    }
    Add(field.path, IndexedValue::Kind::kNumber, "", static_cast<double>(*millis));
    return Status::Ok();
  }

  Status Number(const FieldMapping& field, const rapidjson::Value& value) {
    double d;
    if (value.IsNumber()) {
      d = value.GetDouble();
    } else if (value.IsString()) {
      std::string s = value.GetString();
      char* end = nullptr;
      d = std::strtod(s.c_str(), &end);
      if (s.empty() || end != s.c_str() + s.size()) {
        return FieldError(field.path, field.type, id_, s,
                          Status(util::Code::kInvalidArgument, "number_format_exception",
                                 "For input string: \"" + s + "\""));
      }
    } else {
      return FieldError(field.path, field.type, id_, Preview(value),
                        util::InvalidArgument("Current token (" +
                                              std::string(value.IsBool() ? "VALUE_TRUE"
                                                                         : "START_ARRAY") +
                                              ") not numeric, can not use numeric value accessors"));
    }
    if (!std::isfinite(d)) {
      return FieldError(field.path, field.type, id_, Preview(value),
                        util::InvalidArgument("[" + std::string(FieldTypeName(field.type)) +
                                              "] supports only finite values, but got [" +
                                              Preview(value) + "]"));
    }
    if (IsIntegral(field.type)) {
      d = std::trunc(d);
      double lo = field.type == FieldType::kLong ? -9.223372036854776e18
                  : field.type == FieldType::kInteger ? -2147483648.0
                  : field.type == FieldType::kShort   ? -32768.0
                                                      : -128.0;
      double hi = -lo - 1;
      if (d < lo || d > hi) {
        return FieldError(field.path, field.type, id_, Preview(value),
                          util::InvalidArgument("Value [" + Preview(value) +
                                                "] is out of range for " +
                                                std::string(FieldTypeName(field.type))));
      }
    }
    Add(field.path, IndexedValue::Kind::kNumber, "", d);
    return Status::Ok();
  }

  Status Vector(const FieldMapping& field, const rapidjson::Value& value) {
    if (value.IsNull()) return Status::Ok();
    const vector::KnnMethod& m = *field.knn;
    auto fail = [&](std::string reason) {
      return FieldError(field.path, field.type, id_, "null",
                        util::InvalidArgument(std::move(reason)));
    };
    if (!value.IsArray()) {
      return fail("[knn_vector] field [" + field.path + "] requires an array of numbers");
    }
    if (static_cast<int>(value.Size()) != m.dimension) {
      return fail("Vector dimension mismatch. Expected: " + std::to_string(m.dimension) +
                  ", Given: " + std::to_string(value.Size()));
    }
    std::vector<float> v;
    v.reserve(value.Size());
    bool nonzero = false;
    for (const auto& x : value.GetArray()) {
      if (!x.IsNumber()) {
        return fail("[knn_vector] field [" + field.path + "] requires an array of numbers");
      }
      double d = x.GetDouble();
      float f = static_cast<float>(d);
      if (std::isnan(f)) return fail("KNN vector values cannot be NaN");
      if (std::isinf(f)) return fail("KNN vector values cannot be infinity");
      if (m.data_type == vector::DataType::kByte) {
        if (std::floor(d) != d) {
          return fail(
              "[data_type] field was set as [byte] in index mapping. But, KNN vector values are "
              "floats instead of byte integers");
        }
        if (d < -128 || d > 127) {
          return fail(
              "[data_type] field was set as [byte] in index mapping. But, KNN vector values are "
              "not within in the byte range [-128, 127]");
        }
      }
      nonzero |= f != 0.0f;
      v.push_back(f);
    }
    if (!nonzero && m.space == vector::SpaceType::kCosineSimil) {
      return fail("zero vector is not supported when space type is [cosinesimil]");
    }
    out_->vectors.emplace_back(field.path, std::move(v));
    return Status::Ok();
  }

  void Add(const std::string& path, IndexedValue::Kind kind, std::string text, double number) {
    out_->values.push_back({path, kind, std::move(text), number});
  }

  const Mapping& mapping_;
  std::string_view id_;
  ParsedDocument* out_;
  std::vector<std::pair<std::string, FieldType>> dynamic_;
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
      else out.push_back(Preview(v));
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
  Walker walker(mapping, id, &out);
  SLUICE_RETURN_IF_ERROR(walker.Object(doc, ""));
  return out;
}

}  // namespace sluice::index
