// The document walker's rules for the mapping types with typed values
// (unsigned_long, date_nanos, ip, binary, geo_point, completion,
// constant_keyword, flat_object, the range types): each parses one JSON value
// of its field as OpenSearch's mapper for that type does, and appends the
// value(s) in the encoding typed_values.h documents to ParsedDocument.
//
// Internal to index/: included by document_walker.h only. V is the walker's
// JSON value view (see there). Each function returns the mapper's error for a
// malformed value; the caller applies ignore_malformed.
#pragma once

#include <cctype>
#include <charconv>
#include <cstdint>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "index/date_parse.h"
#include "index/document_parser.h"
#include "index/typed_values.h"

namespace sluice::index::internal {

using Status = util::Status;

template <typename V>
std::string Preview(const V& v) {
  if (v.IsString()) return std::string(v.GetString());
  if (v.IsNull()) return "null";
  std::string s = v.Text();
  return s.size() > 100 ? s.substr(0, 100) + "..." : s;
}

inline util::Status FieldError(const std::string& path, FieldType type, std::string_view id,
                               const std::string& preview, util::Status cause) {
  return util::MapperParsingError("failed to parse field [" + path + "] of type [" +
                                  std::string(FieldTypeName(type)) + "] in document with id '" +
                                  std::string(id) + "'. Preview of field's value: '" + preview +
                                  "'")
      .WithCause(std::move(cause));
}

inline void AddValue(ParsedDocument* out, const std::string& path, IndexedValue::Kind kind,
                     std::string text, double number) {
  out->values.push_back({path, kind, std::move(text), number});
}

template <typename V>
util::Status UnsignedLongValue(const FieldMapping& field, const V& value, std::string_view id,
                               ParsedDocument* out) {
  std::string text = value.IsString() ? std::string(value.GetString()) : value.Text();
  if (!value.IsString() && !value.IsNumber()) {
    return FieldError(
        field.path, field.type, id, Preview(value),
        util::InvalidArgument("Current token (" +
                              std::string(value.IsBool() ? "VALUE_TRUE" : "START_ARRAY") +
                              ") not numeric, can not use numeric value accessors"));
  }
  auto parsed = ParseUnsignedLong(text, field.coerce);
  if (!parsed.ok()) return FieldError(field.path, field.type, id, text, parsed.status());
  AddValue(out, field.path, IndexedValue::Kind::kNumber, std::to_string(*parsed),
           static_cast<double>(*parsed));
  return util::Status::Ok();
}

template <typename V>
util::Status DateNanosValue(const FieldMapping& field, const V& value, std::string_view id,
                            ParsedDocument* out) {
  std::optional<int64_t> nanos;
  if (value.IsInt64()) {
    // epoch_millis as a number.
    if (value.GetInt64() >= 0 && value.GetInt64() <= INT64_MAX / 1000000) {
      nanos = value.GetInt64() * 1000000;
    }
  } else if (value.IsString()) {
    nanos = ParseDateNanos(value.GetString());
    if (!nanos) {
      // A date outside what nanosecond resolution can hold says so.
      if (auto millis = ParseDateMillis(value.GetString())) {
        std::string reason =
            "date[" + std::string(value.GetString()) + "] is " +
            (*millis < 0 ? "before the epoch in 1970" : "after 2262-04-11T23:47:16.854775807") +
            " and cannot be stored in nanosecond resolution";
        return FieldError(field.path, field.type, id, Preview(value),
                          util::InvalidArgument(std::move(reason)));
      }
    }
  }
  if (!nanos) {
    return FieldError(field.path, field.type, id, Preview(value),
                      util::InvalidArgument("failed to parse date field [" + Preview(value) +
                                            "] with format [strict_date_optional_time||"
                                            "epoch_millis]"));
  }
  AddValue(out, field.path, IndexedValue::Kind::kNumber, std::to_string(*nanos),
           static_cast<double>(*nanos / 1000000) + static_cast<double>(*nanos % 1000000) / 1e6);
  return util::Status::Ok();
}

template <typename V>
util::Status IpValue(const FieldMapping& field, const V& value, std::string_view id,
                     ParsedDocument* out) {
  std::string text = value.IsString() ? std::string(value.GetString()) : Preview(value);
  auto ip = ParseIp(text);
  if (!ip) {
    return FieldError(field.path, field.type, id, text,
                      util::InvalidArgument("'" + text + "' is not an IP string literal."));
  }
  AddValue(out, field.path, IndexedValue::Kind::kString, FormatIp(*ip), 0);
  return util::Status::Ok();
}

// Base64 as Jackson's binaryValue reads it (standard alphabet, padding optional).
inline bool IsBase64(std::string_view s) {
  size_t n = s.size();
  while (n > 0 && s[n - 1] == '=') --n;
  if (s.size() - n > 2) return false;
  for (size_t i = 0; i < n; ++i) {
    char c = s[i];
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/' || c == '\n' || c == '\r';
    if (!ok) return false;
  }
  return true;
}

// Binary values are never searchable; the value is kept (as its base64) so
// that exists and doc-value reads see the field.
template <typename V>
util::Status BinaryValue(const FieldMapping& field, const V& value, std::string_view id,
                         ParsedDocument* out) {
  if (!value.IsString() || !IsBase64(value.GetString())) {
    return FieldError(field.path, field.type, id, Preview(value),
                      Status(util::Code::kInvalidArgument, "json_parse_exception",
                             "Failed to decode VALUE_STRING as base64 (MIME-NO-LINEFEEDS): "
                             "Illegal character"));
  }
  AddValue(out, field.path, IndexedValue::Kind::kString, std::string(value.GetString()), 0);
  return util::Status::Ok();
}

// A geo_point given as an array of numbers: [lon, lat] or [lon, lat, z].
template <typename V>
bool IsCoordinateArray(const V& value) {
  if (!value.IsArray() || value.Size() < 2 || value.Size() > 3) return false;
  bool numbers = true;
  (void)value.Elements([&](const V& e) {
    numbers &= e.IsNumber();
    return util::Status::Ok();
  });
  return numbers;
}

template <typename V>
util::Result<GeoPoint> CoordinateArray(const V& value) {
  std::vector<double> c;
  (void)value.Elements([&](const V& e) {
    c.push_back(e.GetDouble());
    return util::Status::Ok();
  });
  return GeoPoint{c[1], c[0]};
}

template <typename V>
util::Result<GeoPoint> GeoPointOf(const V& value) {
  using util::Status;
  auto parse_error = [](std::string reason) {
    return Status(util::Code::kInvalidArgument, "opensearch_parse_exception", std::move(reason));
  };
  if (value.IsString()) return ParseGeoPointString(value.GetString());
  if (IsCoordinateArray(value)) return CoordinateArray(value);
  if (!value.IsObject()) return parse_error("geo_point expected");
  std::optional<double> lat, lon;
  std::optional<GeoPoint> geojson;
  std::string type;
  Status st = value.Members([&](std::string_view name, const V& m) -> Status {
    if (name == "lat" || name == "lon") {
      std::optional<double> d;
      if (m.IsNumber()) {
        d = m.GetDouble();
      } else if (m.IsString()) {
        std::string s(m.GetString());
        char* end = nullptr;
        double x = std::strtod(s.c_str(), &end);
        if (!s.empty() && end == s.c_str() + s.size()) d = x;
      }
      if (!d) return parse_error("[" + std::string(name) + "] must be a number");
      (name == "lat" ? lat : lon) = d;
    } else if (name == "type" && m.IsString()) {
      type = std::string(m.GetString());
    } else if (name == "coordinates") {
      if (!IsCoordinateArray(m)) return parse_error("[coordinates] must be an array of numbers");
      auto p = CoordinateArray(m);
      geojson = *p;
    } else if (name != "z") {
      return parse_error("field must be either [lat], [lon] or [geohash]");
    }
    return Status::Ok();
  });
  if (!st.ok()) return st;
  if (geojson) {
    std::string lower;
    for (char c : type) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower != "point") return parse_error("[type] for geo_point can only be 'Point'");
    return *geojson;
  }
  if (!lat) return parse_error("field [lat] missing");
  if (!lon) return parse_error("field [lon] missing");
  return GeoPoint{*lat, *lon};
}

template <typename V>
util::Status GeoPointValue(const FieldMapping& field, const V& value, std::string_view id,
                           ParsedDocument* out) {
  auto p = GeoPointOf(value);
  if (!p.ok()) return FieldError(field.path, field.type, id, Preview(value), p.status());
  if (!(p->lat >= -90 && p->lat <= 90)) {
    return FieldError(field.path, field.type, id, Preview(value),
                      util::InvalidArgument("illegal latitude value [" + std::to_string(p->lat) +
                                            "] for " + field.path));
  }
  if (!(p->lon >= -180 && p->lon <= 180)) {
    return FieldError(field.path, field.type, id, Preview(value),
                      util::InvalidArgument("illegal longitude value [" + std::to_string(p->lon) +
                                            "] for " + field.path));
  }
  AddValue(out, field.path, IndexedValue::Kind::kString, GeoPointText(*p), 0);
  return util::Status::Ok();
}

// The first max_chars code points of text (a completion input longer than the
// field's max_input_length is indexed cut, as CompletionFieldMapper does).
inline std::string CutCompletionInput(std::string_view text, int max_chars) {
  size_t at = 0;
  for (int n = 0; at < text.size() && n < max_chars; ++n) {
    ++at;
    while (at < text.size() && (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80) ++at;
  }
  return std::string(text.substr(0, at));
}

// completion: a string, or {"input": string | [strings], "weight": n, "contexts": ...}.
// Each input is one string value whose number is its weight (0 when none).
template <typename V>
util::Status CompletionValue(const FieldMapping& field, const V& value, std::string_view id,
                             ParsedDocument* out) {
  using util::Status;
  if (value.IsString()) {
    AddValue(out, field.path, IndexedValue::Kind::kString,
             CutCompletionInput(value.GetString(), field.max_input_length), 0);
    return Status::Ok();
  }
  if (!value.IsObject()) {
    return FieldError(
        field.path, field.type, id, Preview(value),
        Status(util::Code::kInvalidArgument, "parsing_exception",
               "failed to parse [" + field.path + "]: expected text or object, but got " +
                   (value.IsNumber() ? "VALUE_NUMBER" : "VALUE_BOOLEAN")));
  }
  std::vector<std::string> inputs;
  int64_t weight = 0;
  Status members = value.Members([&](std::string_view name, const V& m) -> Status {
    if (name == "input") {
      auto one = [&](const V& s) -> Status {
        if (!s.IsString()) {
          return util::InvalidArgument("input array must have string values");
        }
        inputs.push_back(CutCompletionInput(s.GetString(), field.max_input_length));
        return Status::Ok();
      };
      return m.IsArray() ? m.Elements(one) : one(m);
    }
    if (name == "weight") {
      std::optional<int64_t> w;
      if (m.IsInt64()) {
        w = m.GetInt64();
      } else if (m.IsString()) {
        std::string_view t = m.GetString();
        int64_t parsed = 0;
        auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), parsed);
        if (ec == std::errc() && end == t.data() + t.size() && !t.empty()) w = parsed;
      }
      if (!w) return util::InvalidArgument("weight must be an integer, but was [" + Preview(m) + "]");
      if (*w < 0 || *w > INT32_MAX) {
        return util::InvalidArgument("weight must be in the interval [0..2147483647], but was [" +
                                     std::to_string(*w) + "]");
      }
      weight = *w;
      return Status::Ok();
    }
    if (name == "contexts") return Status::Ok();
    return Status(
        util::Code::kInvalidArgument, "illegal_argument_exception",
        "unknown field name [" + std::string(name) + "], must be one of [input, weight, contexts]");
  });
  SLUICE_RETURN_IF_ERROR(members);
  for (auto& input : inputs) {
    AddValue(out, field.path, IndexedValue::Kind::kString, std::move(input),
             static_cast<double>(weight));
  }
  return Status::Ok();
}

template <typename V>
util::Status ConstantKeywordValue(const FieldMapping& field, const V& value) {
  std::string text = value.IsString() ? std::string(value.GetString()) : Preview(value);
  if (!field.constant_value || text != *field.constant_value) {
    return util::InvalidArgument("constant keyword field [" + field.path +
                                 "] must have a value of [" + field.constant_value.value_or("") +
                                 "]");
  }
  return util::Status::Ok();
}

// flat_object: every leaf is a keyword, both at the field itself (a term on
// "attrs" matches any leaf value) and at its dotted path ("attrs.color").
template <typename V>
util::Status FlatObjectValue(const FieldMapping& field, const V& value, std::string_view id,
                             ParsedDocument* out) {
  using util::Status;
  if (!value.IsObject()) {
    return FieldError(field.path, field.type, id, Preview(value),
                      Status(util::Code::kInvalidArgument, "parsing_exception",
                             "[" + field.path + "] unexpected token [" +
                                 (value.IsString() ? "VALUE_STRING" : "VALUE_NUMBER") +
                                 "] in flat_object field value"));
  }
  auto walk = [&](auto&& self, const std::string& path, const V& v) -> Status {
    if (v.IsNull()) return Status::Ok();
    if (v.IsObject()) {
      return v.Members([&](std::string_view name, const V& m) -> Status {
        return self(self, path + "." + std::string(name), m);
      });
    }
    if (v.IsArray()) return v.Elements([&](const V& e) { return self(self, path, e); });
    std::string text = v.IsString() ? std::string(v.GetString()) : v.Text();
    AddValue(out, field.path, IndexedValue::Kind::kString, text, 0);
    AddValue(out, path, IndexedValue::Kind::kString, std::move(text), 0);
    return Status::Ok();
  };
  return walk(walk, field.path, value);
}

// A bound of a range field in its domain (doubles; dates as epoch millis).
template <typename V>
std::optional<double> RangeBound(FieldType type, const V& v) {
  if (type == FieldType::kDateRange) {
    if (v.IsInt64()) return static_cast<double>(v.GetInt64());
    if (v.IsString()) {
      if (auto ms = ParseDateMillis(v.GetString())) return static_cast<double>(*ms);
    }
    return std::nullopt;
  }
  if (v.IsNumber()) return v.GetDouble();
  if (v.IsString()) {
    std::string s(v.GetString());
    char* end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && end == s.c_str() + s.size()) return d;
  }
  return std::nullopt;
}

// Range values: {"gte"|"gt": lo, "lte"|"lt": hi}, missing bounds open; stored
// with inclusive bounds (exclusive ones stepped to the next value).
template <typename V>
util::Status RangeValue(const FieldMapping& field, const V& value, std::string_view id,
                        ParsedDocument* out) {
  using util::Status;
  const FieldType t = field.type;
  const bool integral =
      t == FieldType::kIntegerRange || t == FieldType::kLongRange || t == FieldType::kDateRange;
  double lo = t == FieldType::kIntegerRange ? -2147483648.0 : -INFINITY;
  double hi = t == FieldType::kIntegerRange ? 2147483647.0 : INFINITY;
  if (t == FieldType::kLongRange || t == FieldType::kDateRange) {
    lo = -9.223372036854776e18;
    hi = 9.223372036854776e18;
  }
  if (t == FieldType::kIpRange && value.IsString()) {
    auto r = ParseIpOrCidr(value.GetString());
    if (!r.ok()) return FieldError(field.path, t, id, Preview(value), r.status());
    AddValue(out, field.path, IndexedValue::Kind::kString, FormatIp(r->lo) + "," + FormatIp(r->hi),
             0);
    return Status::Ok();
  }
  if (!value.IsObject()) {
    return FieldError(
        field.path, t, id, Preview(value),
        Status(util::Code::kInvalidArgument, "mapper_parsing_exception",
               "error parsing field [" + field.path + "], expected an object but got " +
                   std::string(value.IsString() ? "VALUE_STRING" : "VALUE_NUMBER")));
  }
  if (t == FieldType::kIpRange) {
    std::string ip_lo = "::", ip_hi = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
    Status st = value.Members([&](std::string_view name, const V& m) -> Status {
      if (!m.IsString() || !ParseIp(m.GetString())) {
        return util::InvalidArgument("'" + Preview(m) + "' is not an IP string literal.");
      }
      std::string ip = FormatIp(*ParseIp(m.GetString()));
      if (name == "gte" || name == "gt")
        ip_lo = ip;
      else if (name == "lte" || name == "lt")
        ip_hi = ip;
      else
        return util::InvalidArgument("error parsing field [" + field.path +
                                     "], with unknown parameter [" + std::string(name) + "]");
      return Status::Ok();
    });
    if (!st.ok()) return FieldError(field.path, t, id, Preview(value), st);
    AddValue(out, field.path, IndexedValue::Kind::kString, ip_lo + "," + ip_hi, 0);
    return Status::Ok();
  }
  Status st = value.Members([&](std::string_view name, const V& m) -> Status {
    if (m.IsNull()) return Status::Ok();
    auto b = RangeBound(t, m);
    if (!b) {
      return Status(util::Code::kInvalidArgument, "number_format_exception",
                    "For input string: \"" + Preview(m) + "\"");
    }
    double d = *b;
    if (integral && name != "gte" && name != "lte") d = std::trunc(d);
    if (name == "gte")
      lo = integral ? std::ceil(d) : d;
    else if (name == "gt")
      lo = integral ? d + 1 : std::nextafter(d, INFINITY);
    else if (name == "lte")
      hi = integral ? std::floor(d) : d;
    else if (name == "lt")
      hi = integral ? d - 1 : std::nextafter(d, -INFINITY);
    else {
      return Status(util::Code::kInvalidArgument, "mapper_parsing_exception",
                    "error parsing field [" + field.path + "], with unknown parameter [" +
                        std::string(name) + "]");
    }
    return Status::Ok();
  });
  if (!st.ok()) return FieldError(field.path, t, id, Preview(value), st);
  if (t == FieldType::kFloatRange) {
    lo = static_cast<float>(lo);
    hi = static_cast<float>(hi);
  }
  if (lo > hi) {
    return FieldError(
        field.path, t, id, Preview(value),
        util::InvalidArgument("min value (" + std::to_string(lo) + ") is greater than max value (" +
                              std::to_string(hi) + ")"));
  }
  AddValue(out, field.path, IndexedValue::Kind::kString, RangeText(lo, hi), 0);
  return Status::Ok();
}

}  // namespace sluice::index::internal
