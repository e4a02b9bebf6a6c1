// OpenSearchOptions: the options struct of the OpenSearch sink (cli/ fills it
// from flags and the environment; each field states its default). Credentials
// are util::Secret and never print.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "sources/sigv4_signer.h"
#include "sources/sources_options.h"
#include "util/secret.h"

namespace sluice::sinks::opensearch {

enum class GzipMode {
  kAuto,    // gzip _bulk bodies when a probe shows the cluster accepts them (default)
  kAlways,  // always gzip
  kNever,   // never gzip
};

struct OpenSearchOptions {
  // Base URL of the cluster, e.g. "https://search-x.us-east-1.es.amazonaws.com". Required.
  std::string url;
  // HTTP basic auth user; empty = no basic auth. Default: "".
  std::string user;
  util::Secret password;
  // An Authorization header value sent as is (a client's identity passed
  // through a gateway); used instead of user/password when set. Default: "".
  util::Secret authorization;
  // AWS SigV4 signing service: "" (off, default), "es" (OpenSearch Service) or "aoss" (Serverless).
  std::string sigv4_service;
  // Region signed for. Default: "us-east-1".
  std::string sigv4_region = "us-east-1";
  sources::SigV4Credentials aws_credentials;
  // Signs when aws_credentials has no keys: the AWS credential chain (profile,
  // web identity, container, instance metadata), refreshed before expiry.
  // Null (default): aws_credentials must have keys.
  std::shared_ptr<const sources::AwsCredentialChain> aws_credential_chain;
  // PEM CA bundle trusted instead of the system CAs. Default: "" (system CAs).
  std::string ca_cert_file;
  // Skip TLS verification (explicit flag only). Default: false.
  bool insecure = false;
  // Largest _bulk body (uncompressed NDJSON). Default: 5 MiB.
  size_t bulk_bytes = 5u << 20;
  // _bulk requests in flight at once. Default: 4.
  int max_in_flight = 4;
  // Default: kAuto.
  GzipMode gzip = GzipMode::kAuto;
  // Retries of a request (429/502/503/504, dropped connection) or of rejected
  // items (429, es_rejected_execution_exception) before the batch fails. Default: 8.
  int max_retries = 8;
  // First backoff; doubles per retry up to max_backoff_ms, plus up to 25% jitter. Default: 100.
  int initial_backoff_ms = 100;
  // Default: 10000.
  int max_backoff_ms = 10000;
  // TCP + TLS connect timeout. Default: 10000.
  int connect_timeout_ms = 10000;
  // A request that moves no bytes for this long is aborted and retried. Default: 120.
  int stall_timeout_s = 120;
};

}  // namespace sluice::sinks::opensearch
