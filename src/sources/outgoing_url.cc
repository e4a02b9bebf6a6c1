#include "sources/outgoing_url.h"

#include <algorithm>
#include <cctype>

#include "sources/sigv4_signer.h"

namespace sluice::sources {
namespace {

bool IsHostLabelChar(unsigned char c) { return std::isalnum(c) || c == '-' || c == '_'; }

bool ValidDnsName(const std::string& host) {
  if (host.empty() || host.size() > 253) return false;
  size_t start = 0;
  while (true) {
    size_t dot = host.find('.', start);
    size_t end = dot == std::string::npos ? host.size() : dot;
    if (end == start || end - start > 63) {
      // Only a single trailing dot (fully qualified name) may leave an empty label.
      if (!(end == host.size() && start == host.size() && start > 0)) return false;
    }
    for (size_t i = start; i < end; ++i) {
      if (!IsHostLabelChar(static_cast<unsigned char>(host[i]))) return false;
    }
    if (dot == std::string::npos) return true;
    start = dot + 1;
  }
}

bool ValidIpv6Literal(const std::string& host) {
  if (host.size() < 2 || host.size() > 45) return false;
  if (std::count(host.begin(), host.end(), ':') < 2) return false;
  return std::all_of(host.begin(), host.end(),
                     [](unsigned char c) { return std::isxdigit(c) || c == ':' || c == '.'; });
}

bool IsPathChar(unsigned char c) {
  // RFC 3986 pchar plus '/': unreserved, pct-encoded ('%'), sub-delims, ':' and '@'.
  static const std::string kExtra = "-._~%!$&'()*+,;=:@/";
  return std::isalnum(c) || kExtra.find(static_cast<char>(c)) != std::string::npos;
}

bool IsDotSegment(std::string_view segment) { return segment == "." || segment == ".."; }

util::Status CheckBasePath(const std::string& base) {
  if (base.empty()) return util::Status::Ok();
  auto bad = [] {
    return util::InvalidArgument("the configured base path is not a valid URL path");
  };
  if (base.front() != '/') return bad();
  if (!std::all_of(base.begin(), base.end(), [](char c) { return IsPathChar(c); })) return bad();
  for (const std::string& segment : SplitPathSegments(base.substr(1))) {
    if (IsDotSegment(segment)) {
      return util::InvalidArgument("the configured base path has a dot segment");
    }
  }
  return util::Status::Ok();
}

}  // namespace

std::vector<std::string> SplitPathSegments(const std::string& raw) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t slash = raw.find('/', start);
    if (slash == std::string::npos) {
      out.push_back(raw.substr(start));
      return out;
    }
    out.push_back(raw.substr(start, slash - start));
    start = slash + 1;
  }
}

std::vector<std::pair<std::string, std::string>> DecodeQuery(const std::string& query) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t start = 0;
  while (start < query.size()) {
    size_t amp = query.find('&', start);
    if (amp == std::string::npos) amp = query.size();
    std::string_view piece(query.data() + start, amp - start);
    if (!piece.empty()) {
      size_t eq = piece.find('=');
      out.emplace_back(PercentDecode(piece.substr(0, eq)),
                       eq == std::string_view::npos ? "" : PercentDecode(piece.substr(eq + 1)));
    }
    start = amp + 1;
  }
  return out;
}

bool IsValidAwsRegion(const std::string& region) {
  return !region.empty() && region.size() <= 64 &&
         std::all_of(region.begin(), region.end(), [](unsigned char c) {
           return (c >= 'a' && c <= 'z') || std::isdigit(c) || c == '-';
         });
}

util::Result<OutgoingUrl> BuildOutgoingUrl(const OutgoingUrlSpec& spec) {
  if (spec.scheme != "http" && spec.scheme != "https") {
    return util::InvalidArgument("outgoing URL scheme must be http or https");
  }
  const bool ipv6 = spec.host.find(':') != std::string::npos;
  if (ipv6 ? !ValidIpv6Literal(spec.host) : !ValidDnsName(spec.host)) {
    return util::InvalidArgument("[" + spec.host + "] is not a valid host name");
  }
  if (spec.port < 0 || spec.port > 65535) {
    return util::InvalidArgument("port " + std::to_string(spec.port) + " is out of range");
  }
  SLUICE_RETURN_IF_ERROR(CheckBasePath(spec.base_path));

  OutgoingUrl out;
  out.host_header = ipv6 ? "[" + spec.host + "]" : spec.host;
  if (spec.port != 0) out.host_header += ":" + std::to_string(spec.port);

  std::string base = spec.base_path;
  while (!base.empty() && base.back() == '/') base.pop_back();
  out.path = base;
  for (const std::string& segment : spec.segments) {
    if (IsDotSegment(segment)) {
      return util::InvalidArgument("a path segment must not be [" + segment + "]");
    }
    out.path += "/" + UriEncode(segment, /*keep_slash=*/false);
  }
  if (out.path.empty()) out.path = "/";

  for (const auto& [name, value] : spec.query) {
    if (name.empty()) return util::InvalidArgument("a query parameter has an empty name");
    if (!out.query.empty()) out.query.push_back('&');
    out.query += UriEncode(name, false) + "=" + UriEncode(value, false);
  }
  out.url =
      spec.scheme + "://" + out.host_header + out.path + (out.query.empty() ? "" : "?" + out.query);
  return out;
}

}  // namespace sluice::sources
