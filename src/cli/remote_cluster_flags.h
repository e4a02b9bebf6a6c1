// Flags of a remote OpenSearch cluster as the batch-ingestion target
// (`sluice serve --remote-cluster URL`, later `sluice ingest --target URL`),
// and their translation into a sink factory. Secrets never come from the
// command line: the basic-auth password is read from an environment variable
// or a file, AWS credentials from the environment like the AWS CLI.
#pragma once

#include <string>

#include "ingest/batch_ingest_job.h"
#include "ingest/batch_ingest_service.h"
#include "sinks/opensearch/opensearch_options.h"
#include "util/result.h"

namespace CLI {
class App;
}

namespace sluice::cli {

struct RemoteClusterFlags {
  std::string url;  // "" = no remote cluster
  std::string user;
  std::string password_file;
  std::string ca_cert;
  bool insecure = false;
  std::string sigv4_service;  // "", "es", "aoss"
  std::string region;
  size_t bulk_bytes = 5u << 20;
  int in_flight = 4;
  std::string gzip = "auto";
  int max_retries = 8;
};

// Adds the flags to `app`; `url_flag` names the URL flag ("--remote-cluster", "--target").
void AddRemoteClusterFlags(CLI::App* app, RemoteClusterFlags* flags, const std::string& url_flag);

// The cluster's connection options for the flags (reading the password and
// AWS credentials), without the sink's batching.
util::Result<sinks::opensearch::OpenSearchOptions> RemoteClusterOptions(
    const RemoteClusterFlags& flags);

// The sink factory for the flags (reading the password and AWS credentials),
// and `ingest` adjusted so that one sink write fills `in_flight` _bulk bodies.
util::Result<ingest::SinkFactory> RemoteSinkFactory(const RemoteClusterFlags& flags,
                                                    ingest::IngestOptions* ingest);

// Sinks writing as a client's own Authorization, with the flags' cluster and
// _bulk settings (a pass-through gateway's batch ingestion).
util::Result<ingest::IdentitySinkFactory> RemoteIdentitySinkFactory(
    const RemoteClusterFlags& flags);

}  // namespace sluice::cli
