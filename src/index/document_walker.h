// DocumentWalker<V>: the document mapper's rules (field types, dynamic
// mapping, multi-fields, knn_vector checks), written once over a JSON value
// view V so that a document is validated the same way whether it was parsed by
// RapidJSON (REST bodies, stored documents) or by simdjson (batch-ingested
// records, parsed once on the reading thread).
//
// Internal to index/: included only by the .cc files that instantiate it with
// their parser's view. V is a small copyable handle with:
//   IsNull IsArray IsObject IsBool IsInt64 IsUint64 IsNumber IsString — type tests
//   GetBool GetInt64 GetDouble GetString (std::string_view)  — values
//   Size()                                 — elements of an array
//   Elements(f) / Members(f)               — f(V) / f(std::string_view, V) → Status
//   Text()                                 — the value as JSON (error previews)
#pragma once

#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "index/date_parse.h"
#include "index/document_parser.h"
#include "index/typed_field_walker.h"

namespace sluice::index::internal {

template <typename V>
class DocumentWalker {
 public:
  using Status = util::Status;

  DocumentWalker(const Mapping& mapping, std::string_view id, ParsedDocument* out)
      : mapping_(mapping), id_(id), out_(out) {}

  Status Object(const V& object, const std::string& prefix) {
    return object.Members([&](std::string_view name, const V& value) -> Status {
      return Member(prefix, name, value);
    });
  }

  // One member of an object at `prefix` (the top-level fields of a batch-
  // ingested record are walked one by one, without an object around them).
  Status Member(const std::string& prefix, std::string_view name, const V& value) {
    if (name.empty()) {
      return util::MapperParsingError("field name cannot be an empty string");
    }
    return Field(prefix + std::string(name), value);
  }

 private:
  Status Field(const std::string& path, const V& value) {
    const FieldMapping* field = mapping_.FindDefined(path);
    std::optional<FieldMapping> dynamic_field;
    if (field == nullptr && (dynamic_field = FindDynamic(path))) field = &*dynamic_field;
    if (field == nullptr) {
      if (value.IsNull() || (value.IsArray() && value.Size() == 0)) return Status::Ok();
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
    if (field->type == FieldType::kAlias) {
      return util::MapperParsingError("Cannot write to a field alias [" + path + "].");
    }
    if (field->type == FieldType::kGeoPoint && IsCoordinateArray(value)) {
      return Single(*field, value);
    }
    if (value.IsArray()) {
      return value.Elements([&](const V& element) -> Status {
        return element.IsArray() ? Field(path, element) : Single(*field, element);
      });
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

  std::optional<FieldType> DynamicType(const V& value) {
    V v = value;  // an array: its first non-null element
    bool found = !value.IsArray();
    if (!found) {
      (void)value.Elements([&](const V& e) -> Status {
        if (!found && !e.IsNull()) {
          v = e;
          found = true;
        }
        return Status::Ok();
      });
      if (!found) return std::nullopt;
    }
    if (v.IsObject()) return FieldType::kObject;
    if (v.IsBool()) return FieldType::kBoolean;
    if (v.IsInt64() || v.IsUint64()) return FieldType::kLong;
    if (v.IsNumber()) return FieldType::kFloat;
    if (v.IsString()) {
      return LooksLikeDate(v.GetString()) ? FieldType::kDate : FieldType::kText;
    }
    return std::nullopt;
  }

  Status Single(const FieldMapping& field, const V& value) {
    if (value.IsNull()) return Status::Ok();
    if (IsContainer(field.type)) {
      if (!value.IsObject()) {
        return util::MapperParsingError("object mapping for [" + field.path +
                                        "] tried to parse field [" + field.path +
                                        "] as object, but found a concrete value");
      }
      return Object(value, field.path + ".");
    }
    if (value.IsObject() && !TakesObject(field.type)) {
      return FieldError(field.path, field.type, id_, Preview(value),
                        util::InvalidArgument("expected a value, found an object"));
    }
    Status typed = Typed(field, value);
    // ignore_malformed: the value is left out, the document is indexed.
    if (!typed.ok() && field.ignore_malformed && TakesIgnoreMalformed(field.type)) {
      return Status::Ok();
    }
    return typed;
  }

  static bool TakesObject(FieldType t) {
    return t == FieldType::kGeoPoint || t == FieldType::kCompletion ||
           t == FieldType::kFlatObject || IsRange(t);
  }
  static bool TakesIgnoreMalformed(FieldType t) {
    return IsNumeric(t) || IsDateLike(t) || t == FieldType::kIp || t == FieldType::kGeoPoint;
  }

  Status Typed(const FieldMapping& field, const V& value) {
    switch (field.type) {
      case FieldType::kUnsignedLong:
        return UnsignedLongValue(field, value, id_, out_);
      case FieldType::kDateNanos:
        return DateNanosValue(field, value, id_, out_);
      case FieldType::kIp:
        return IpValue(field, value, id_, out_);
      case FieldType::kBinary:
        return BinaryValue(field, value, id_, out_);
      case FieldType::kGeoPoint:
        return GeoPointValue(field, value, id_, out_);
      case FieldType::kCompletion:
        return CompletionValue(field, value, id_, out_);
      case FieldType::kConstantKeyword:
        return ConstantKeywordValue(field, value);
      case FieldType::kFlatObject:
        return FlatObjectValue(field, value, id_, out_);
      case FieldType::kMatchOnlyText:
      case FieldType::kSearchAsYouType:
        return Text(field, value);
      case FieldType::kTokenCount:
        out_->token_counts.emplace_back(field.path, ScalarText(value));
        return Status::Ok();
      case FieldType::kIntegerRange:
      case FieldType::kLongRange:
      case FieldType::kFloatRange:
      case FieldType::kDoubleRange:
      case FieldType::kDateRange:
      case FieldType::kIpRange:
        return RangeValue(field, value, id_, out_);
      default:
        break;
    }
    switch (field.type) {
      case FieldType::kKeyword:
        return Keyword(field, value);
      case FieldType::kText:
        return Text(field, value);
      case FieldType::kBoolean:
        return Boolean(field, value);
      case FieldType::kDate:
        return Date(field, value);
      default:
        return Number(field, value);
    }
  }

  std::string ScalarText(const V& value) {
    if (value.IsString()) return std::string(value.GetString());
    return Preview(value);
  }

  Status Keyword(const FieldMapping& field, const V& value) {
    std::string text = ScalarText(value);
    if (field.ignore_above >= 0 && static_cast<int>(text.size()) > field.ignore_above) {
      return Status::Ok();
    }
    Add(field.path, IndexedValue::Kind::kString, std::move(text), 0);
    return SubFields(field, value);
  }

  // Text is not kept in memory (it is most of a batch-ingested corpus, and
  // memory must not grow with it): text queries read the stored _source.
  Status Text(const FieldMapping& field, const V& value) {
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
  Status SubFields(const FieldMapping& field, const V& value) {
    std::string prefix = field.path + ".";
    for (auto it = mapping_.fields().lower_bound(prefix);
         it != mapping_.fields().end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
      if (it->first.find('.', prefix.size()) != std::string::npos) continue;
      if (it->second.type == FieldType::kKeyword) {
        SLUICE_RETURN_IF_ERROR(Keyword(it->second, value));
      } else if (!IsContainer(it->second.type)) {
        SLUICE_RETURN_IF_ERROR(Single(it->second, value));
      }
    }
    return Status::Ok();
  }

  Status Boolean(const FieldMapping& field, const V& value) {
    bool b;
    if (value.IsBool()) {
      b = value.GetBool();
    } else if (value.IsString() && (value.GetString() == "true" || value.GetString() == "false")) {
      b = value.GetString() == "true";
    } else {
      return FieldError(field.path, field.type, id_, Preview(value),
                        util::InvalidArgument("Failed to parse value [" + Preview(value) +
                                              "] as only [true] or [false] are allowed."));
    }
    Add(field.path, IndexedValue::Kind::kBool, "", b ? 1 : 0);
    return Status::Ok();
  }

  Status Date(const FieldMapping& field, const V& value) {
    std::optional<int64_t> millis;
    if (value.IsInt64())
      millis = value.GetInt64();
    else if (value.IsString())
      millis = ParseDateMillis(value.GetString());
    if (!millis) {
      return FieldError(field.path, field.type, id_, Preview(value),
                        util::InvalidArgument("failed to parse date field [" + Preview(value) +
                                              "] with format [strict_date_optional_time||"
                                              "epoch_millis]"));
    }
    Add(field.path, IndexedValue::Kind::kNumber, "", static_cast<double>(*millis));
    return Status::Ok();
  }

  Status Number(const FieldMapping& field, const V& value) {
    double d;
    if (value.IsNumber()) {
      d = value.GetDouble();
    } else if (value.IsString()) {
      std::string s(value.GetString());
      char* end = nullptr;
      d = std::strtod(s.c_str(), &end);
      if (s.empty() || end != s.c_str() + s.size()) {
        return FieldError(field.path, field.type, id_, s,
                          Status(util::Code::kInvalidArgument, "number_format_exception",
                                 "For input string: \"" + s + "\""));
      }
    } else {
      return FieldError(
          field.path, field.type, id_, Preview(value),
          util::InvalidArgument("Current token (" +
                                std::string(value.IsBool() ? "VALUE_TRUE" : "START_ARRAY") +
                                ") not numeric, can not use numeric value accessors"));
    }
    if (!std::isfinite(d)) {
      return FieldError(
          field.path, field.type, id_, Preview(value),
          util::InvalidArgument("[" + std::string(FieldTypeName(field.type)) +
                                "] supports only finite values, but got [" + Preview(value) + "]"));
    }
    if (IsIntegral(field.type)) {
      d = std::trunc(d);
      double lo = field.type == FieldType::kLong      ? -9.223372036854776e18
                  : field.type == FieldType::kInteger ? -2147483648.0
                  : field.type == FieldType::kShort   ? -32768.0
                                                      : -128.0;
      double hi = -lo - 1;
      if (d < lo || d > hi) {
        return FieldError(
            field.path, field.type, id_, Preview(value),
            util::InvalidArgument("Value [" + Preview(value) + "] is out of range for " +
                                  std::string(FieldTypeName(field.type))));
      }
    }
    Add(field.path, IndexedValue::Kind::kNumber, "", d);
    return Status::Ok();
  }

  Status Vector(const FieldMapping& field, const V& value) {
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
    SLUICE_RETURN_IF_ERROR(value.Elements([&](const V& x) -> Status {
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
      if (m.encoder == vector::Encoder::kSqFp16 && std::fabs(f) > vector::kFp16Max) {
        if (!m.fp16_clip) {
          return FieldError(field.path, field.type, id_, "null", vector::Fp16RangeError());
        }
        f = std::copysign(vector::kFp16Max, f);
      }
      nonzero |= f != 0.0f;
      v.push_back(f);
      return Status::Ok();
    }));
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

}  // namespace sluice::index::internal
