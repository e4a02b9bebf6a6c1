// Configuration and request-side value types of the sources module.
//
// SourcesOptions is the module's one options struct (cli/ fills it from flags;
// each field states its default). DataSource and Credential describe one batch
// ingestion request's "data_source" and "credential" objects; credentials are
// util::Secret so that they never print.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "util/cancel_signal.h"
#include "util/secret.h"

namespace sluice::sources {

class AwsCredentialChain;

struct SourcesOptions {
  // Local files must resolve (symlinks followed) under one of these directories.
  // Empty and allow_any_file == false: every local file is forbidden. Default: {}.
  std::vector<std::string> file_roots;
  // Allow any local file (the CLI reads with the user's own permissions). Default: false.
  bool allow_any_file = false;
  // "" (default) = AWS, virtual-hosted style: https://BUCKET.s3.REGION.amazonaws.com/KEY.
  // Otherwise a base URL used path-style: BASE/BUCKET/KEY (MinIO, s3rver, localstack).
  std::string s3_endpoint;
  // Where S3 requests without keys get credentials (aws_credentials.h).
  // Null (default): such requests go unsigned (public buckets).
  std::shared_ptr<const AwsCredentialChain> aws_credentials;
  // Region used when the credential names none. Default: "us-east-1".
  std::string default_s3_region = "us-east-1";
  // Keys asked for per ListObjectsV2 page (S3 caps it at 1000). Default: 1000.
  int s3_list_page_size = 1000;
  // Base URL of the OpenAI API. Default: "https://api.openai.com/v1".
  std::string openai_base_url = "https://api.openai.com/v1";
  // Host patterns allowed for type "http": "host", "host:port", "*.example.com"
  // (any subdomain). A pattern without a port allows every port. Default: none.
  std::vector<std::string> allowed_http_hosts;
  // Redirects followed for type "http", each target re-checked. Default: 5.
  int max_redirects = 5;

  // Retries of one request after a dropped connection, a timeout, 429 or 5xx.
  // The count restarts whenever a retry makes progress. Default: 5.
  int max_retries = 5;
  // First backoff; doubles per retry up to max_backoff_ms (plus jitter). Default: 200.
  int initial_backoff_ms = 200;
  // Default: 10000.
  int max_backoff_ms = 10000;
  // TCP + TLS connect timeout. Default: 10000.
  int connect_timeout_ms = 10000;
  // A transfer that receives nothing for this long is aborted and retried. Default: 60.
  int stall_timeout_s = 60;
  // Bytes buffered per network stream before the transfer is paused. Default: 1 MiB.
  size_t chunk_size = 1 << 20;
  // Output buffer of the decompressors and read size of local files. Default: 256 KiB.
  size_t decompress_buffer_size = 256 << 10;
};

// Credentials of one request. Unused fields stay empty.
struct Credential {
  std::string region;          // S3 region, e.g. "us-east-1"; "" = default_s3_region
  std::string access_key;      // S3 access key id (not secret, but never logged either)
  util::Secret secret_key;     // S3 secret access key
  util::Secret session_token;  // S3 session token (temporary credentials), optional
  util::Secret openai_key;     // OpenAI API key
};

// A request's data_source. `type` is matched case-insensitively: "file", "s3",
// "openai" (the seed spells it "openAI"), "http".
struct DataSource {
  std::string type;
  std::vector<std::string> locations;
  Credential credential;
  // Ends retry back-offs early (the task was cancelled): they return
  // kCancelled instead of sleeping on. Not owned; null = sleeps run out.
  const util::CancelSignal* cancel = nullptr;
};

}  // namespace sluice::sources
