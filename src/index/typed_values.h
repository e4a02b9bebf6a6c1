// Typed values of the mapping types whose values are not plain numbers or
// strings: unsigned longs, IP addresses, geo points, nanosecond dates and
// ranges. One parser and one renderer for each, shared by the document walker
// (index time) and by the queries, sorts and aggregations that read the
// values back (search time), so both sides agree on the encoding documented
// at each type in field_type.h.
//
// All functions are pure; bad input gives nullopt or a Status, never a crash.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "index/field_type.h"
#include "util/result.h"

namespace sluice::index {

// ---- unsigned_long ----
// Parses an unsigned_long value given as text (a JSON string, or a JSON
// number's literal), as OpenSearch's NumberFieldMapper does: a decimal part
// is truncated when `coerce` is set, else refused. Errors are
// illegal_argument_exception "Value [x] is out of range for an unsigned long"
// / "Value [x] has a decimal part", or number_format_exception
// "For input string: \"x\"" for text that is not a number.
util::Result<uint64_t> ParseUnsignedLong(std::string_view text, bool coerce);
// The nearest uint64 to a double (clamped to 0 .. 2^64-1).
uint64_t ClampToUnsigned(double v);
// An integral value as OpenSearch renders it: unsigned_long as its unsigned
// decimal, the other integral types as a Java long.
std::string IntegralText(double v, FieldType type);

// ---- ip ----
// 16 bytes, IPv4 addresses IPv4-mapped (::ffff:a.b.c.d), as Lucene's InetAddressPoint.
using IpAddress = std::array<uint8_t, 16>;
std::optional<IpAddress> ParseIp(std::string_view text);
// IPv4 (and IPv4-mapped) as a.b.c.d, IPv6 in RFC 5952 form (InetAddresses.toAddrString).
std::string FormatIp(const IpAddress& ip);
// An address or "addr/prefix" (CIDR) as the inclusive range it covers. Errors
// are illegal_argument_exception with OpenSearch's messages.
struct IpRange {
  IpAddress lo{};
  IpAddress hi{};
};
util::Result<IpRange> ParseIpOrCidr(std::string_view text);

// ---- geo_point ----
struct GeoPoint {
  double lat = 0;
  double lon = 0;
};
// The string forms of a geo_point: "lat,lon" (optionally ",z"), a geohash,
// or WKT "POINT (lon lat)". Errors are OpenSearch's parse messages.
util::Result<GeoPoint> ParseGeoPointString(std::string_view text);
// The stored encoding (IndexedValue::text) of a point: "lat,lon" with
// shortest round-trip doubles; ParseGeoPointString reads it back.
std::string GeoPointText(const GeoPoint& p);
// Great-circle distance in meters (haversine on OpenSearch's mean earth radius).
double GeoArcDistanceMeters(const GeoPoint& a, const GeoPoint& b);
// "12km", "5mi", "100" (meters), ... as meters; nullopt for an unknown unit.
std::optional<double> ParseDistanceMeters(std::string_view text);

// ---- date_nanos ----
// The date formats of ParseDateMillis (strict_date_optional_time||epoch_millis)
// with up to nine fraction digits kept, as epoch nanoseconds. nullopt when
// the text is not such a date or it is outside 1970 .. 2262-04-11 (the
// range OpenSearch's date_nanos accepts).
std::optional<int64_t> ParseDateNanos(std::string_view text);
// Epoch nanos as strict_date_optional_time with the fraction's significant
// digits ("2018-10-29T12:12:12.123456789Z"), as date_nanos renders.
std::string FormatDateNanos(int64_t nanos);

// ---- ranges ----
// IndexedValue::text of a range field: "<lo>,<hi>" (both inclusive) in the
// range's own domain — doubles for numeric and date ranges (date: epoch
// millis), FormatIp text for ip_range.
std::string RangeText(double lo, double hi);
bool ParseRangeText(std::string_view text, double* lo, double* hi);

}  // namespace sluice::index
