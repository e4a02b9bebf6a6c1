#include "sources/sigv4_signer.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>

namespace sluice::sources {
namespace {

constexpr char kHex[] = "0123456789ABCDEF";
constexpr char kLowerHex[] = "0123456789abcdef";

bool IsUnreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

bool IsHexDigit(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  return std::tolower(static_cast<unsigned char>(c)) - 'a' + 10;
}

std::string ToHex(const unsigned char* data, size_t size) {
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out.push_back(kLowerHex[data[i] >> 4]);
    out.push_back(kLowerHex[data[i] & 0xf]);
  }
  return out;
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Encodes bytes that are not unreserved, '/' or an existing %XX escape: the
// result is encoded exactly once whether or not the input already was.
std::string EncodeOnce(std::string_view path) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(path[i]);
    bool escape =
        c == '%' && i + 2 < path.size() && IsHexDigit(path[i + 1]) && IsHexDigit(path[i + 2]);
    if (IsUnreserved(c) || c == '/' || escape) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

// Removes "." and ".." segments and empty segments (RFC 3986 5.2.4 plus the
// AWS rule that repeated slashes collapse); keeps a trailing slash.
std::string NormalizePath(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    start = end + 1;
  }
  std::string out;
  for (std::string_view segment : segments) {
    out.push_back('/');
    out.append(segment);
  }
  if (out.empty() || (path.size() > 1 && path.back() == '/')) out.push_back('/');
  return out;
}

std::string CanonicalPath(const SigV4Request& request, const SigV4Params& params) {
  std::string path = request.path.empty() ? "/" : request.path;
  if (params.normalize_path) path = NormalizePath(path);
  return params.double_encode_path ? UriEncode(path, /*keep_slash=*/true) : EncodeOnce(path);
}

std::string CanonicalQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  size_t start = 0;
  while (start < query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    std::string_view pair = query.substr(start, end - start);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string_view key = pair.substr(0, eq);
      std::string_view value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
      params.emplace_back(UriEncode(PercentDecode(key), false),
                          UriEncode(PercentDecode(value), false));
    }
    start = end + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [key, value] : params) {
    if (!out.empty()) out.push_back('&');
    out += key + "=" + value;
  }
  return out;
}

// Trims, unfolds line continuations and collapses runs of spaces to one.
std::string CanonicalHeaderValue(std::string_view value) {
  std::string out;
  bool pending_space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

bool HasHeader(const HeaderList& headers, std::string_view lower_name) {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& h) { return ToLower(h.first) == lower_name; });
}

}  // namespace

SigV4Params SigV4Params::ForS3(std::string region, std::chrono::system_clock::time_point time) {
  SigV4Params params;
  params.region = std::move(region);
  params.service = "s3";
  params.time = time;
  params.normalize_path = false;
  params.double_encode_path = false;
  params.sign_content_sha256 = true;
  return params;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  return ToHex(digest, len);
}

std::string UriEncode(std::string_view data, bool keep_slash) {
  std::string out;
  out.reserve(data.size());
  for (char ch : data) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

std::string PercentDecode(std::string_view data) {
  std::string out;
  out.reserve(data.size());
  for (size_t i = 0; i < data.size(); ++i) {
    if (data[i] == '%' && i + 2 < data.size() && IsHexDigit(data[i + 1]) &&
        IsHexDigit(data[i + 2])) {
      out.push_back(static_cast<char>(HexValue(data[i + 1]) * 16 + HexValue(data[i + 2])));
      i += 2;
    } else {
      out.push_back(data[i]);
    }
  }
  return out;
}

std::string AmzDate(std::chrono::system_clock::time_point time) {
  std::time_t t = std::chrono::system_clock::to_time_t(time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

SigV4Signature SignV4(const SigV4Request& request, const SigV4Params& params,
                      const SigV4Credentials& credentials) {
  SigV4Signature result;
  const std::string amz_date = AmzDate(params.time);
  const std::string date = amz_date.substr(0, 8);

  HeaderList headers = request.headers;
  auto add = [&](std::string name, std::string value, bool sign) {
    if (HasHeader(headers, name)) return;
    if (sign) headers.emplace_back(name, value);
    result.headers_to_add.emplace_back(std::move(name), std::move(value));
  };
  add("x-amz-date", amz_date, true);
  if (params.sign_content_sha256) add("x-amz-content-sha256", request.payload_hash, true);
  if (!credentials.session_token.empty()) {
    add("x-amz-security-token", credentials.session_token.Reveal(), params.sign_session_token);
  }

  // Header names sorted; values of repeated names joined by ',' in request order.
  std::map<std::string, std::string> canonical_headers;
  for (const auto& [name, value] : headers) {
    std::string& slot = canonical_headers[ToLower(name)];
    if (!slot.empty()) slot.push_back(',');
    slot += CanonicalHeaderValue(value);
  }
  std::string header_block;
  std::string signed_headers;
  for (const auto& [name, value] : canonical_headers) {
    header_block += name + ":" + value + "\n";
    if (!signed_headers.empty()) signed_headers.push_back(';');
    signed_headers += name;
  }

  result.canonical_request = request.method + "\n" + CanonicalPath(request, params) + "\n" +
                             CanonicalQuery(request.query) + "\n" + header_block + "\n" +
                             signed_headers + "\n" + request.payload_hash;
  const std::string scope = date + "/" + params.region + "/" + params.service + "/aws4_request";
  result.string_to_sign =
      "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope + "\n" + Sha256Hex(result.canonical_request);

  std::string key = HmacSha256("AWS4" + credentials.secret_key.Reveal(), date);
  key = HmacSha256(key, params.region);
  key = HmacSha256(key, params.service);
  key = HmacSha256(key, "aws4_request");
  std::string raw_signature = HmacSha256(key, result.string_to_sign);
  std::fill(key.begin(), key.end(), '\0');
  result.signature =
      ToHex(reinterpret_cast<const unsigned char*>(raw_signature.data()), raw_signature.size());
  result.authorization = "AWS4-HMAC-SHA256 Credential=" + credentials.access_key + "/" + scope +
                         ", SignedHeaders=" + signed_headers + ", Signature=" + result.signature;
  return result;
}

}  // namespace sluice::sources
