#include "index/field_type.h"

#include <array>
#include <utility>

namespace sluice::index {
namespace {

constexpr std::array<std::pair<FieldType, std::string_view>, 15> kNames = {{
    {FieldType::kKeyword, "keyword"},
    {FieldType::kText, "text"},
    {FieldType::kLong, "long"},
    {FieldType::kInteger, "integer"},
    {FieldType::kShort, "short"},
    {FieldType::kByte, "byte"},
    {FieldType::kDouble, "double"},
    {FieldType::kFloat, "float"},
    {FieldType::kHalfFloat, "half_float"},
    {FieldType::kScaledFloat, "scaled_float"},
    {FieldType::kBoolean, "boolean"},
    {FieldType::kDate, "date"},
    {FieldType::kObject, "object"},
    {FieldType::kNested, "nested"},
    {FieldType::kKnnVector, "knn_vector"},
}};

}  // namespace

std::optional<FieldType> ParseFieldType(std::string_view name) {
  for (const auto& [type, n] : kNames) {
    if (n == name) return type;
  }
  return std::nullopt;
}

std::string_view FieldTypeName(FieldType type) {
  for (const auto& [t, n] : kNames) {
    if (t == type) return n;
  }
  return "unknown";
}

}  // namespace sluice::index
