// FieldType: the mapping types sluice understands, and their OpenSearch names.
#pragma once

#include <optional>
#include <string_view>

namespace sluice::index {

enum class FieldType {
  kKeyword,
  kText,
  kLong,
  kInteger,
  kShort,
  kByte,
  kDouble,
  kFloat,
  kHalfFloat,
  kScaledFloat,
  kBoolean,
  kDate,
  kObject,
  kNested,
  kKnnVector,
  kUnsignedLong,     // 0 .. 2^64-1; values keep their exact digits (IndexedValue::text)
  kDateNanos,        // epoch millis in number, exact epoch nanos digits in text
  kIp,               // IPv4/IPv6; text is the address as OpenSearch renders it
  kBinary,           // base64; stored, never searchable
  kGeoPoint,         // text "lat,lon" (see typed_values.h)
  kCompletion,       // suggester input; stored and round-tripped
  kMatchOnlyText,    // text without frequencies, positions or norms
  kSearchAsYouType,  // text plus its _2gram/_3gram/_index_prefix subfields
  kTokenCount,       // the number of tokens of its analyzed value (an integer)
  kConstantKeyword,  // one value for every document, from the mapping
  kFlatObject,       // a JSON object whose leaves are keywords at dotted paths
  kAlias,            // another field's name (FieldMapping::alias_path)
  kIntegerRange,     // ranges: IndexedValue::text holds "lo,hi" (typed_values.h)
  kLongRange,
  kFloatRange,
  kDoubleRange,
  kDateRange,
  kIpRange,
};

// "keyword" → kKeyword, ...; nullopt for a type sluice does not know.
std::optional<FieldType> ParseFieldType(std::string_view name);
std::string_view FieldTypeName(FieldType type);

inline bool IsNumeric(FieldType t) {
  return t == FieldType::kLong || t == FieldType::kInteger || t == FieldType::kShort ||
         t == FieldType::kByte || t == FieldType::kDouble || t == FieldType::kFloat ||
         t == FieldType::kHalfFloat || t == FieldType::kScaledFloat ||
         t == FieldType::kUnsignedLong || t == FieldType::kTokenCount;
}
// Whole-number types whose values render as JSON integers. unsigned_long is
// one, but its values above 2^63-1 do not fit an int64: render them with
// UnsignedLongText (typed_values.h).
inline bool IsIntegral(FieldType t) {
  return t == FieldType::kLong || t == FieldType::kInteger || t == FieldType::kShort ||
         t == FieldType::kByte || t == FieldType::kUnsignedLong || t == FieldType::kTokenCount;
}
inline bool IsContainer(FieldType t) { return t == FieldType::kObject || t == FieldType::kNested; }
// Analyzed full-text types: their values go to the inverted index, not to
// doc values, and text queries (match, match_phrase, ...) apply.
inline bool IsTextual(FieldType t) {
  return t == FieldType::kText || t == FieldType::kMatchOnlyText ||
         t == FieldType::kSearchAsYouType;
}
inline bool IsDateLike(FieldType t) { return t == FieldType::kDate || t == FieldType::kDateNanos; }
inline bool IsRange(FieldType t) {
  return t == FieldType::kIntegerRange || t == FieldType::kLongRange ||
         t == FieldType::kFloatRange || t == FieldType::kDoubleRange ||
         t == FieldType::kDateRange || t == FieldType::kIpRange;
}
// Types whose doc values are keyword-like strings (sorted and bucketed as text).
inline bool IsKeywordLike(FieldType t) {
  return t == FieldType::kKeyword || t == FieldType::kConstantKeyword ||
         t == FieldType::kFlatObject || t == FieldType::kIp;
}

}  // namespace sluice::index
