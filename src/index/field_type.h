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
};

// "keyword" → kKeyword, ...; nullopt for a type sluice does not know.
std::optional<FieldType> ParseFieldType(std::string_view name);
std::string_view FieldTypeName(FieldType type);

inline bool IsNumeric(FieldType t) {
  return t == FieldType::kLong || t == FieldType::kInteger || t == FieldType::kShort ||
         t == FieldType::kByte || t == FieldType::kDouble || t == FieldType::kFloat ||
         t == FieldType::kHalfFloat || t == FieldType::kScaledFloat;
}
inline bool IsIntegral(FieldType t) {
  return t == FieldType::kLong || t == FieldType::kInteger || t == FieldType::kShort ||
         t == FieldType::kByte;
}
inline bool IsContainer(FieldType t) { return t == FieldType::kObject || t == FieldType::kNested; }

}  // namespace sluice::index
