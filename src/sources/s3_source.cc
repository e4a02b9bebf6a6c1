#include "sources/s3_source.h"

#include <algorithm>
#include <cctype>

#include "sources/aws_credentials.h"
#include "sources/glob_match.h"
#include "sources/http_stream.h"
#include "sources/outgoing_url.h"
#include "sources/s3_xml.h"
#include "sources/sigv4_signer.h"

namespace sluice::sources {
namespace {

constexpr size_t kMaxListPageBytes = 32 << 20;
constexpr size_t kMaxProbeBytes = 64 << 10;
const char kEmptySha256[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// Replaces every occurrence of each non-empty secret by "***".
std::string Scrub(std::string text, const std::vector<const util::Secret*>& secrets) {
  for (const util::Secret* secret : secrets) {
    if (secret->empty()) continue;
    const std::string& value = secret->Reveal();
    for (size_t pos = text.find(value); pos != std::string::npos; pos = text.find(value, pos)) {
      text.replace(pos, value.size(), "***");
    }
  }
  return text;
}

}  // namespace

util::Status ValidateS3BucketName(std::string_view bucket) {
  // AWS's general purpose bucket naming rules: 3-63 characters of [a-z0-9.-],
  // beginning and ending with a letter or digit, no two adjacent periods, not
  // formatted as an IPv4 address. They also keep the bucket a valid host label
  // (virtual-hosted style) and a single path segment that is never "." or "..".
  auto invalid = [&](const std::string& why) {
    return util::InvalidArgument("[" + std::string(bucket) +
                                 "] is not a valid S3 bucket name: " + why);
  };
  if (bucket.size() < 3 || bucket.size() > 63) return invalid("it must have 3 to 63 characters");
  bool chars_ok = std::all_of(bucket.begin(), bucket.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
  });
  if (!chars_ok) return invalid("only lowercase letters, digits, '.' and '-' are allowed");
  auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  if (!alnum(bucket.front()) || !alnum(bucket.back())) {
    return invalid("it must begin and end with a letter or a digit");
  }
  if (bucket.find("..") != std::string_view::npos) return invalid("it has two adjacent periods");
  bool ipv4_like = std::count(bucket.begin(), bucket.end(), '.') == 3 &&
                   std::all_of(bucket.begin(), bucket.end(), [](char c) {
                     return c == '.' || std::isdigit(static_cast<unsigned char>(c));
                   });
  if (ipv4_like) return invalid("it must not be formatted as an IP address");
  return util::Status::Ok();
}

util::Result<S3Uri> ParseS3Uri(std::string_view uri) {
  auto invalid = [&]() {
    return util::InvalidArgument("[" + std::string(uri) +
                                 "] is not a valid S3 URI (s3://bucket/key)");
  };
  if (!uri.starts_with("s3://")) return invalid();
  std::string_view rest = uri.substr(5);
  size_t slash = rest.find('/');
  std::string_view bucket = rest.substr(0, slash);
  if (bucket.empty()) return invalid();
  SLUICE_RETURN_IF_ERROR(ValidateS3BucketName(bucket));
  std::string_view key = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  if (key.find_first_of("\r\n") != std::string_view::npos) return invalid();
  // sluice builds BASE/BUCKET/KEY (or /KEY): a "." or ".." segment would be
  // normalised away by a server or proxy and leave the bucket (or the base path).
  for (const std::string& segment : SplitPathSegments(std::string(key))) {
    if (segment == "." || segment == "..") {
      return util::InvalidArgument("[" + std::string(uri) +
                                   "] has a '.' or '..' segment in its key, which sluice does not "
                                   "send to S3");
    }
  }
  return S3Uri{std::string(bucket), std::string(key)};
}

S3Client::S3Client(SourcesOptions options, Credential credential, const util::CancelSignal* cancel)
    : options_(std::move(options)), credential_(std::move(credential)), cancel_(cancel) {}

util::Result<HttpRequest> S3Client::BuildGet(const S3Uri& uri, const std::string& query) const {
  const std::string region =
      credential_.region.empty() ? options_.default_s3_region : credential_.region;
  if (!IsValidAwsRegion(region)) {
    return util::InvalidArgument("[" + region + "] is not a valid AWS region (^[a-z0-9-]+$)");
  }
  SLUICE_RETURN_IF_ERROR(ValidateS3BucketName(uri.bucket));
  OutgoingUrlSpec spec;
  spec.query = DecodeQuery(query);  // stays in the caller's (canonical, sorted) order
  std::vector<std::string> key_segments = SplitPathSegments(uri.key);
  if (options_.s3_endpoint.empty()) {
    spec.scheme = "https";
    spec.host = uri.bucket + ".s3." + region + ".amazonaws.com";
    spec.segments = std::move(key_segments);
  } else {
    SLUICE_ASSIGN_OR_RETURN(ParsedUrl base, ParseHttpUrl(options_.s3_endpoint));
    spec.scheme = base.scheme;
    spec.host = base.host;
    spec.port = base.explicit_port ? base.port : 0;
    spec.base_path = base.path;
    spec.segments.push_back(uri.bucket);
    // GET /bucket?list-type=2 lists; GET /bucket/ with no key is the bucket root.
    if (!(uri.key.empty() && !query.empty())) {
      spec.segments.insert(spec.segments.end(), key_segments.begin(), key_segments.end());
    }
  }
  SLUICE_ASSIGN_OR_RETURN(OutgoingUrl url, BuildOutgoingUrl(spec));
  HttpRequest request;
  request.url = url.url;
  request.headers.emplace_back("Host", url.host_header);
  SigV4Credentials keys{credential_.access_key, credential_.secret_key,
                        credential_.session_token};
  if (keys.access_key.empty()) {
    if (!options_.aws_credentials) return request;  // anonymous access
    // Fetched per request: the chain caches them and refreshes before they expire.
    SLUICE_ASSIGN_OR_RETURN(keys, options_.aws_credentials->Get());
  }

  SigV4Request to_sign{"GET", url.path, url.query, {{"host", url.host_header}}, kEmptySha256};
  SigV4Signature signature =
      SignV4(to_sign, SigV4Params::ForS3(region, std::chrono::system_clock::now()), keys);
  for (auto& header : signature.headers_to_add) request.headers.push_back(std::move(header));
  request.headers.emplace_back("Authorization", std::move(signature.authorization));
  return request;
}

util::Status S3Client::ErrorStatus(long status, const std::string& body, const S3Uri& uri) const {
  S3Error error = ParseS3Error(body);
  if (error.code.empty()) error.code = "HTTP " + std::to_string(status);
  std::string detail = error.code + (error.message.empty() ? "" : " (" + error.message + ")");
  detail = Scrub(std::move(detail), {&credential_.secret_key, &credential_.session_token});
  const std::string object = uri.ToString();
  util::Status out;
  if (status == 404 && error.code == "NoSuchBucket") {
    out = util::NotFound("resource_not_found_exception",
                         "S3 bucket [" + uri.bucket + "] not found: " + detail);
  } else if (status == 404) {
    out = util::NotFound("resource_not_found_exception",
                         "S3 object [" + object + "] not found: " + detail);
  } else if (status == 401 || status == 403) {
    out = util::Status(util::Code::kUnauthorized, "security_exception",
                       "S3 denied access to [" + object + "]: " + detail);
  } else if (status >= 400 && status < 500) {
    out = util::InvalidArgument("S3 rejected the request for [" + object + "]: " + detail);
  } else {
    out = util::Unavailable("S3 failed for [" + object + "]: " + detail);
  }
  return std::move(out)
      .WithMetadata("bucket", uri.bucket)
      .WithMetadata("key", uri.key)
      .WithMetadata("s3_error_code", error.code);
}

util::Result<uint64_t> S3Client::Probe(const S3Uri& uri) const {
  // A one-byte ranged GET: tells existence and size (Content-Range total) and,
  // unlike HEAD, returns an XML error body naming NoSuchKey vs NoSuchBucket.
  RequestBuilder build = [&]() -> util::Result<HttpRequest> {
    SLUICE_ASSIGN_OR_RETURN(HttpRequest request, BuildGet(uri, ""));
    request.headers.emplace_back("Range", "bytes=0-0");
    return request;
  };
  SLUICE_ASSIGN_OR_RETURN(HttpResponse response,
                          HttpFetch(build, options_, uri.ToString(), kMaxProbeBytes, cancel_));
  if (response.status == 206) {
    std::string range = response.Header("content-range");
    size_t slash = range.find('/');
    if (slash != std::string::npos) return std::strtoull(range.c_str() + slash + 1, nullptr, 10);
    return util::Unavailable("S3 sent no object size for [" + uri.ToString() + "]");
  }
  if (response.status == 200) {
    return std::strtoull(response.Header("content-length").c_str(), nullptr, 10);
  }
  if (response.status == 416) return uint64_t{0};  // an empty object has no byte 0
  return ErrorStatus(response.status, response.body, uri);
}

util::Result<std::vector<std::pair<std::string, uint64_t>>> S3Client::ListKeys(
    const S3Uri& uri, const std::string& prefix) const {
  std::vector<std::pair<std::string, uint64_t>> keys;
  std::string token;
  const S3Uri bucket_uri{uri.bucket, ""};
  do {
    // Parameters in canonical (sorted) order, encoded as SigV4 wants them.
    std::string query;
    if (!token.empty()) query += "continuation-token=" + UriEncode(token, false) + "&";
    query += "list-type=2&max-keys=" + std::to_string(options_.s3_list_page_size) +
             "&prefix=" + UriEncode(prefix, false);
    RequestBuilder build = [&]() { return BuildGet(bucket_uri, query); };
    SLUICE_ASSIGN_OR_RETURN(HttpResponse response,
                            HttpFetch(build, options_, uri.ToString(), kMaxListPageBytes, cancel_));
    if (response.status != 200) return ErrorStatus(response.status, response.body, uri);
    if (response.truncated) {
      return util::Unavailable("S3 listing page for [" + uri.ToString() + "] is too large");
    }
    SLUICE_ASSIGN_OR_RETURN(S3ListPage page, ParseListObjectsV2(response.body));
    for (auto& object : page.objects) keys.push_back(std::move(object));
    if (page.truncated && page.next_continuation_token.empty()) {
      return util::Unavailable("S3 listing for [" + uri.ToString() +
                               "] is truncated but has no continuation token");
    }
    token = page.truncated ? page.next_continuation_token : "";
  } while (!token.empty());
  return keys;
}

util::Result<std::vector<SourceObject>> S3Client::List(std::string_view location,
                                                       size_t slot) const {
  SLUICE_ASSIGN_OR_RETURN(S3Uri uri, ParseS3Uri(location));
  if (uri.key.empty()) {
    return util::InvalidArgument("[" + std::string(location) +
                                 "] names a bucket, not an object or a prefix ending in '/'");
  }
  size_t star = uri.key.find('*');
  bool is_prefix = uri.key.back() == '/';
  if (star == std::string::npos && !is_prefix) {
    SLUICE_ASSIGN_OR_RETURN(uint64_t size, Probe(uri));
    return std::vector<SourceObject>{{uri.ToString(), size, slot}};
  }
  const std::string prefix = uri.key.substr(0, star);
  SLUICE_ASSIGN_OR_RETURN(auto keys, ListKeys(uri, prefix));
  std::sort(keys.begin(), keys.end());
  std::vector<SourceObject> objects;
  for (const auto& [key, size] : keys) {
    if (key.empty() || key.back() == '/') continue;  // "folder" markers
    if (star != std::string::npos && !GlobMatch(uri.key, key)) continue;
    objects.push_back({"s3://" + uri.bucket + "/" + key, size, slot});
  }
  if (objects.empty()) {
    return util::NotFound("resource_not_found_exception",
                          "no S3 objects match [" + uri.ToString() + "]")
        .WithMetadata("bucket", uri.bucket)
        .WithMetadata("key", uri.key);
  }
  return objects;
}

util::Result<std::unique_ptr<ByteSource>> S3Client::Open(const S3Uri& uri, uint64_t offset) const {
  // The stream outlives this call (and possibly this client): it owns a copy.
  auto self = std::make_shared<const S3Client>(*this);
  HttpStreamConfig config;
  config.build_request = [self, uri]() { return self->BuildGet(uri, ""); };
  config.map_error = [self, uri](long status, const std::string& body) {
    return self->ErrorStatus(status, body, uri);
  };
  config.display = uri.ToString();
  config.cancel = cancel_;
  SLUICE_ASSIGN_OR_RETURN(auto stream, HttpStream::Open(std::move(config), options_, offset));
  return std::unique_ptr<ByteSource>(std::move(stream));
}

}  // namespace sluice::sources
