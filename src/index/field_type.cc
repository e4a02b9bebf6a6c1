#include "index/field_type.h"

#include <array>
#include <utility>

namespace sluice::index {
namespace {

constexpr std::array<std::pair<FieldType, std::string_view>, 33> kNames = {{
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
    {FieldType::kUnsignedLong, "unsigned_long"},
    {FieldType::kDateNanos, "date_nanos"},
    {FieldType::kIp, "ip"},
    {FieldType::kBinary, "binary"},
    {FieldType::kGeoPoint, "geo_point"},
    {FieldType::kCompletion, "completion"},
    {FieldType::kMatchOnlyText, "match_only_text"},
    {FieldType::kSearchAsYouType, "search_as_you_type"},
    {FieldType::kTokenCount, "token_count"},
    {FieldType::kConstantKeyword, "constant_keyword"},
    {FieldType::kFlatObject, "flat_object"},
    {FieldType::kAlias, "alias"},
    {FieldType::kIntegerRange, "integer_range"},
    {FieldType::kLongRange, "long_range"},
    {FieldType::kFloatRange, "float_range"},
    {FieldType::kDoubleRange, "double_range"},
    {FieldType::kDateRange, "date_range"},
    {FieldType::kIpRange, "ip_range"},
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
