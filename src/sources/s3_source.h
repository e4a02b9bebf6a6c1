// S3 objects as byte sources: URI parsing, ListObjectsV2 expansion of
// prefixes and globs, signed (SigV4) ranged GETs with retry and resume.
//
// Addressing: with SourcesOptions::s3_endpoint empty, AWS virtual-hosted style
// (https://BUCKET.s3.REGION.amazonaws.com/KEY); otherwise path-style on the
// endpoint (BASE/BUCKET/KEY) for MinIO, s3rver, localstack. URLs are built by
// BuildOutgoingUrl (outgoing_url.h): the region must match ^[a-z0-9-]+$, keys
// are encoded once per segment and "."/".." segments are refused. Without an access key requests go
// unsigned (public buckets).
//
// Errors name the bucket/key and the S3 error code from the XML body:
// NoSuchKey / NoSuchBucket (404) → kNotFound; 401/403 (AccessDenied,
// SignatureDoesNotMatch, InvalidAccessKeyId, ...) → kUnauthorized; other 4xx →
// kInvalidArgument; transport failures and 5xx after retries → kUnavailable.
// Messages never contain the secret key or session token.
//
// S3Client is immutable after construction and safe to share across threads;
// each opened stream is single-reader.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sources/byte_source.h"
#include "sources/http_client.h"
#include "sources/sources_options.h"

namespace sluice::sources {

struct S3Uri {
  std::string bucket;
  std::string key;  // may be empty, may end in '/', may contain '*'
  std::string ToString() const { return "s3://" + bucket + "/" + key; }
};

// "s3://bucket/key". The bucket must follow AWS's bucket naming rules
// (ValidateS3BucketName); no segment of the key may be "." or "..".
util::Result<S3Uri> ParseS3Uri(std::string_view uri);

// AWS general purpose bucket naming: 3-63 characters of [a-z0-9.-], first and
// last a letter or digit, no "..", not an IPv4 address. kInvalidArgument says why.
util::Status ValidateS3BucketName(std::string_view bucket);

class S3Client {
 public:
  // `cancel` (not owned, may be null) ends retry back-offs early.
  S3Client(SourcesOptions options, Credential credential,
           const util::CancelSignal* cancel = nullptr);

  // Expands one location into objects in key order: an exact key (probed for
  // existence and size), a prefix ending in '/' or a glob with '*' (listed
  // with ListObjectsV2, all pages). An expansion that matches nothing is
  // kNotFound. Each object's slot is `slot`.
  util::Result<std::vector<SourceObject>> List(std::string_view location, size_t slot) const;

  // Streams bucket/key from raw byte `offset`.
  util::Result<std::unique_ptr<ByteSource>> Open(const S3Uri& uri, uint64_t offset) const;

  // A signed GET request for bucket/key with the given raw query (params
  // already encoded), exposed for tests.
  util::Result<HttpRequest> BuildGet(const S3Uri& uri, const std::string& query) const;

 private:
  util::Result<std::vector<std::pair<std::string, uint64_t>>> ListKeys(
      const S3Uri& uri, const std::string& prefix) const;
  util::Result<uint64_t> Probe(const S3Uri& uri) const;
  util::Status ErrorStatus(long status, const std::string& body, const S3Uri& uri) const;

  SourcesOptions options_;
  Credential credential_;
  const util::CancelSignal* cancel_ = nullptr;
};

}  // namespace sluice::sources
