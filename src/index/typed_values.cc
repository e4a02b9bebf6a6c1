#include "index/typed_values.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "index/date_parse.h"

namespace sluice::index {
namespace {

using util::InvalidArgument;
using util::Status;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

Status NumberFormat(std::string_view text) {
  return Status(util::Code::kInvalidArgument, "number_format_exception",
                "For input string: \"" + std::string(text) + "\"");
}

std::optional<double> ParseDouble(std::string_view text) {
  text = Trim(text);
  if (text.empty()) return std::nullopt;
  double d = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return d;
}

std::string ShortestDouble(double d) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  std::string s(buf, ec == std::errc() ? end : buf);
  // Java's Double.toString always shows a fraction ("4.0").
  if (s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

}  // namespace

// ---- unsigned_long ----

util::Result<uint64_t> ParseUnsignedLong(std::string_view text, bool coerce) {
  std::string_view s = Trim(text);
  std::string_view digits = s;
  bool negative = false;
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
    negative = digits[0] == '-';
    digits.remove_prefix(1);
  }
  // Exponent forms (1e3) are numbers too: read them as a double.
  if (digits.find_first_of("eE") != std::string_view::npos) {
    auto d = ParseDouble(s);
    if (!d || !std::isfinite(*d)) return NumberFormat(text);
    if (*d != std::trunc(*d) && !coerce) {
      return InvalidArgument("Value [" + std::string(text) + "] has a decimal part");
    }
    if (*d < 0 ? std::trunc(*d) != 0 : *d >= 18446744073709551616.0) {
      return InvalidArgument("Value [" + std::string(text) +
                             "] is out of range for an unsigned long");
    }
    return ClampToUnsigned(std::trunc(*d));
  }
  size_t dot = digits.find('.');
  std::string_view whole = digits.substr(0, dot);
  std::string_view fraction = dot == std::string_view::npos ? "" : digits.substr(dot + 1);
  auto all_digits = [](std::string_view v) {
    return std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if ((whole.empty() && fraction.empty()) || !all_digits(whole) || !all_digits(fraction)) {
    return NumberFormat(text);
  }
  bool has_fraction =
      std::any_of(fraction.begin(), fraction.end(), [](char c) { return c != '0'; });
  if (has_fraction && !coerce) {
    return InvalidArgument("Value [" + std::string(text) + "] has a decimal part");
  }
  uint64_t v = 0;
  if (!whole.empty()) {
    auto [end, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), v);
    if (ec != std::errc()) {
      return InvalidArgument("Value [" + std::string(text) +
                             "] is out of range for an unsigned long");
    }
  }
  // -0.5 truncates to 0, which is in range; -1 is not.
  if (negative && v != 0) {
    return InvalidArgument("Value [" + std::string(text) +
                           "] is out of range for an unsigned long");
  }
  return v;
}

uint64_t ClampToUnsigned(double v) {
  if (!(v > 0)) return 0;
  if (v >= 18446744073709551616.0) return UINT64_MAX;
  return static_cast<uint64_t>(v);
}

std::string IntegralText(double v, FieldType type) {
  if (type == FieldType::kUnsignedLong) return std::to_string(ClampToUnsigned(v));
  if (v >= 9223372036854775807.0) return "9223372036854775807";
  if (v <= -9223372036854775808.0) return "-9223372036854775808";
  return std::to_string(static_cast<int64_t>(v));
}

// ---- ip ----

std::optional<IpAddress> ParseIp(std::string_view text) {
  std::string s(text);
  IpAddress ip{};
  in_addr v4{};
  if (s.find(':') == std::string::npos) {
    // inet_pton's AF_INET takes exactly a.b.c.d, as InetAddresses.forString does.
    if (inet_pton(AF_INET, s.c_str(), &v4) != 1) return std::nullopt;
    ip[10] = ip[11] = 0xff;
    std::memcpy(ip.data() + 12, &v4, 4);
    return ip;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, s.c_str(), &v6) != 1) return std::nullopt;
  std::memcpy(ip.data(), &v6, 16);
  return ip;
}

std::string FormatIp(const IpAddress& ip) {
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  char buf[64];
  if (std::memcmp(ip.data(), kMapped, 12) == 0) {
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", ip[12], ip[13], ip[14], ip[15]);
    return buf;
  }
  // RFC 5952: lowercase hex, the longest run (first of equals) of two or more
  // zero groups as "::". Written out rather than inet_ntop, which renders
  // ::a.b.c.d for IPv4-compatible addresses where Java prints hex groups.
  uint16_t g[8];
  for (int i = 0; i < 8; ++i) g[i] = static_cast<uint16_t>(ip[2 * i] << 8 | ip[2 * i + 1]);
  int best = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    if (g[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && g[j] == 0) ++j;
    if (j - i > best_len && j - i >= 2) {
      best = i;
      best_len = j - i;
    }
    i = j;
  }
  std::string out;
  for (int i = 0; i < 8; ++i) {
    if (i == best) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    std::snprintf(buf, sizeof buf, "%x", g[i]);
    out += buf;
  }
  return out;
}

util::Result<IpRange> ParseIpOrCidr(std::string_view text) {
  size_t slash = text.find('/');
  auto ip = ParseIp(text.substr(0, slash));
  if (!ip) {
    return InvalidArgument("'" + std::string(text.substr(0, slash)) +
                           "' is not an IP string literal.");
  }
  IpRange r{*ip, *ip};
  if (slash == std::string_view::npos) return r;
  std::string_view len_text = text.substr(slash + 1);
  int len = -1;
  auto [end, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
  bool v4 = text.substr(0, slash).find(':') == std::string_view::npos;
  int max = v4 ? 32 : 128;
  if (ec != std::errc() || end != len_text.data() + len_text.size() || len < 0 || len > max) {
    return InvalidArgument("Illegal prefix length [" + std::string(len_text) + "] in [" +
                           std::string(text) + "]. Must be 0-" + std::to_string(max) + ".");
  }
  int bits = v4 ? len + 96 : len;
  for (int b = bits; b < 128; ++b) {
    uint8_t mask = static_cast<uint8_t>(0x80 >> (b % 8));
    r.lo[b / 8] &= static_cast<uint8_t>(~mask);
    r.hi[b / 8] |= mask;
  }
  return r;
}

// ---- geo_point ----

namespace {

constexpr std::string_view kGeohashChars = "0123456789bcdefghjkmnpqrstuvwxyz";

util::Result<GeoPoint> DecodeGeohash(std::string_view hash) {
  if (hash.empty() || hash.size() > 12) {
    return InvalidArgument("unsupported symbol in geohash [" + std::string(hash) + "]");
  }
  double lat_lo = -90, lat_hi = 90, lon_lo = -180, lon_hi = 180;
  bool even = true;  // bits alternate, longitude first
  for (char c : hash) {
    size_t v = kGeohashChars.find(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    if (v == std::string_view::npos) {
      return InvalidArgument("unsupported symbol [" + std::string(1, c) + "] in geohash [" +
                             std::string(hash) + "]");
    }
    for (int bit = 4; bit >= 0; --bit) {
      bool on = (v >> bit) & 1;
      double& lo = even ? lon_lo : lat_lo;
      double& hi = even ? lon_hi : lat_hi;
      double mid = (lo + hi) / 2;
      (on ? lo : hi) = mid;
      even = !even;
    }
  }
  // The cell's lower-left corner, as OpenSearch's Geohash.decodeLatitude/Longitude.
  return GeoPoint{lat_lo, lon_lo};
}

}  // namespace

util::Result<GeoPoint> ParseGeoPointString(std::string_view text) {
  std::string_view s = Trim(text);
  std::string upper(s.substr(0, 5));
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper == "POINT") {
    std::string_view rest = Trim(s.substr(5));
    if (rest.size() < 2 || rest.front() != '(' || rest.back() != ')') {
      return Status(util::Code::kInvalidArgument, "parse_exception",
                    "expected '(' or 'EMPTY' but found: " + std::string(rest));
    }
    rest = Trim(rest.substr(1, rest.size() - 2));
    size_t sp = rest.find_first_of(" \t");
    auto lon = ParseDouble(rest.substr(0, sp));
    std::optional<double> lat;
    if (sp != std::string_view::npos) {
      std::string_view after = Trim(rest.substr(sp));
      lat = ParseDouble(after.substr(0, after.find_first_of(" \t")));
    }
    if (!lon || !lat) {
      return Status(util::Code::kInvalidArgument, "parse_exception",
                    "expected number but found: " + std::string(rest));
    }
    return GeoPoint{*lat, *lon};
  }
  size_t comma = s.find(',');
  if (comma == std::string_view::npos) return DecodeGeohash(s);
  std::string_view lat_text = s.substr(0, comma);
  std::string_view rest = s.substr(comma + 1);
  size_t comma2 = rest.find(',');
  std::string_view lon_text = rest.substr(0, comma2);
  if (comma2 != std::string_view::npos && rest.find(',', comma2 + 1) != std::string_view::npos) {
    return Status(util::Code::kInvalidArgument, "opensearch_parse_exception",
                  "failed to parse [" + std::string(s) +
                      "], expected 2 or 3 coordinates but found: [" +
                      std::to_string(std::count(s.begin(), s.end(), ',') + 1) + "]");
  }
  auto lat = ParseDouble(lat_text);
  auto lon = ParseDouble(lon_text);
  if (!lat) return NumberFormat(Trim(lat_text));
  if (!lon) return NumberFormat(Trim(lon_text));
  return GeoPoint{*lat, *lon};
}

std::string GeoPointText(const GeoPoint& p) {
  return ShortestDouble(p.lat) + "," + ShortestDouble(p.lon);
}

double GeoArcDistanceMeters(const GeoPoint& a, const GeoPoint& b) {
  constexpr double kEarthMeanRadius = 6371008.7714;  // Lucene's GeoUtils.EARTH_MEAN_RADIUS_METERS
  constexpr double kRad = M_PI / 180.0;
  double dlat = (b.lat - a.lat) * kRad, dlon = (b.lon - a.lon) * kRad;
  double h = std::sin(dlat / 2) * std::sin(dlat / 2) + std::cos(a.lat * kRad) *
                                                           std::cos(b.lat * kRad) *
                                                           std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kEarthMeanRadius * std::asin(std::min(1.0, std::sqrt(h)));
}

std::optional<double> ParseDistanceMeters(std::string_view text) {
  std::string_view s = Trim(text);
  size_t i = 0;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.' ||
                          s[i] == '-' || s[i] == '+' || s[i] == 'e' || s[i] == 'E')) {
    // "e" is a unit letter too only in no unit; exponents are rare in distances.
    if ((s[i] == 'e' || s[i] == 'E') && i + 1 < s.size() &&
        !std::isdigit(static_cast<unsigned char>(s[i + 1])) && s[i + 1] != '-')
      break;
    ++i;
  }
  auto value = ParseDouble(s.substr(0, i));
  if (!value) return std::nullopt;
  std::string unit(Trim(s.substr(i)));
  static const std::pair<const char*, double> kUnits[] = {{"", 1},
                                                          {"m", 1},
                                                          {"meters", 1},
                                                          {"km", 1000},
                                                          {"kilometers", 1000},
                                                          {"cm", 0.01},
                                                          {"centimeters", 0.01},
                                                          {"mm", 0.001},
                                                          {"millimeters", 0.001},
                                                          {"mi", 1609.344},
                                                          {"miles", 1609.344},
                                                          {"yd", 0.9144},
                                                          {"yards", 0.9144},
                                                          {"ft", 0.3048},
                                                          {"feet", 0.3048},
                                                          {"in", 0.0254},
                                                          {"inch", 0.0254},
                                                          {"NM", 1852},
                                                          {"nmi", 1852},
                                                          {"nauticalmiles", 1852}};
  for (const auto& [name, factor] : kUnits) {
    if (unit == name) return *value * factor;
  }
  return std::nullopt;
}

// ---- date_nanos ----

std::optional<int64_t> ParseDateNanos(std::string_view text) {
  auto millis = ParseDateMillis(text);
  if (!millis) return std::nullopt;
  constexpr int64_t kMaxMillis = INT64_MAX / 1000000;
  if (*millis < 0 || *millis > kMaxMillis) return std::nullopt;
  int64_t sub_millis = 0;
  size_t t = text.find_first_of("T ");
  if (t != std::string_view::npos) {
    size_t dot = text.find_first_of(".,", t);
    if (dot != std::string_view::npos) {
      int scale = 100000;  // nanos of the fourth fraction digit
      for (size_t i = dot + 4;
           i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) && scale > 0;
           ++i, scale /= 10) {
        sub_millis += (text[i] - '0') * scale;
      }
    }
  }
  if (*millis == kMaxMillis && sub_millis > INT64_MAX % 1000000) return std::nullopt;
  return *millis * 1000000 + sub_millis;
}

std::string FormatDateNanos(int64_t nanos) {
  int64_t secs = nanos / 1000000000, frac = nanos % 1000000000;
  int64_t days = secs / 86400, rem = secs % 86400;
  int64_t z = days + 719468, era = z / 146097;
  int64_t doe = z - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9, y = yoe + era * 400;
  if (m <= 2) ++y;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%09lld",
                static_cast<long long>(y), static_cast<long long>(m), static_cast<long long>(d),
                static_cast<long long>(rem / 3600), static_cast<long long>(rem / 60 % 60),
                static_cast<long long>(rem % 60), static_cast<long long>(frac));
  std::string out(buf);
  // At least three fraction digits, trailing zeros beyond them dropped.
  while (out.size() > 23 && out.back() == '0') out.pop_back();
  return out + "Z";
}

// ---- ranges ----

std::string RangeText(double lo, double hi) {
  return ShortestDouble(lo) + "," + ShortestDouble(hi);
}

bool ParseRangeText(std::string_view text, double* lo, double* hi) {
  size_t comma = text.find(',');
  if (comma == std::string_view::npos) return false;
  auto a = ParseDouble(text.substr(0, comma));
  auto b = ParseDouble(text.substr(comma + 1));
  if (!a || !b) return false;
  *lo = *a;
  *hi = *b;
  return true;
}

}  // namespace sluice::index
