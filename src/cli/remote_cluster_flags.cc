#include "cli/remote_cluster_flags.h"

#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "sinks/opensearch/opensearch_sink.h"
#include "sources/aws_credentials.h"
#include "sources/http_client.h"

namespace sluice::cli {
namespace {

constexpr const char* kPasswordEnv = "SLUICE_REMOTE_PASSWORD";

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

util::Result<util::Secret> ReadPassword(const RemoteClusterFlags& flags) {
  if (!flags.password_file.empty()) {
    std::ifstream in(flags.password_file);
    if (!in) return util::InvalidArgument("cannot read --remote-password-file");
    std::stringstream text;
    text << in.rdbuf();
    std::string value = text.str();
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
    return util::Secret(std::move(value));
  }
  return util::Secret(Env(kPasswordEnv));
}

}  // namespace

void AddRemoteClusterFlags(CLI::App* app, RemoteClusterFlags* f, const std::string& url_flag) {
  const std::string group = "Remote OpenSearch cluster";
  app->add_option(url_flag, f->url,
                  "Write batch ingestion into this OpenSearch cluster (base URL) instead of the "
                  "local indexes")
      ->group(group);
  app->add_option("--remote-user", f->user,
                  "HTTP basic auth user; the password comes from $SLUICE_REMOTE_PASSWORD or "
                  "--remote-password-file, never the command line")
      ->envname("SLUICE_REMOTE_USER")
      ->group(group);
  app->add_option("--remote-password-file", f->password_file,
                  "File holding the basic auth password (one line)")
      ->group(group);
  app->add_option("--remote-ca-cert", f->ca_cert, "PEM CA bundle to trust instead of system CAs")
      ->group(group);
  app->add_flag("--remote-insecure", f->insecure,
                "Do not verify the cluster's TLS certificate (unsafe; logged as a warning)")
      ->group(group);
  app->add_option("--remote-sigv4", f->sigv4_service,
                  "Sign requests with AWS SigV4 for service es (OpenSearch Service) or aoss "
                  "(Serverless); credentials from the AWS chain (AWS_ACCESS_KEY_ID..., profile, "
                  "web identity, container endpoint, EC2 instance metadata)")
      ->check(CLI::IsMember({"es", "aoss"}))
      ->group(group);
  app->add_option("--remote-region", f->region,
                  "AWS region signed for (default $AWS_REGION, $AWS_DEFAULT_REGION, us-east-1)")
      ->group(group);
  app->add_option("--remote-bulk-size", f->bulk_bytes, "Largest _bulk body in bytes")
      ->check(CLI::Range(size_t{1024}, size_t{1} << 30))
      ->capture_default_str()
      ->group(group);
  app->add_option("--remote-in-flight", f->in_flight, "_bulk requests in flight at once")
      ->check(CLI::Range(1, 64))
      ->capture_default_str()
      ->group(group);
  app->add_option("--remote-gzip", f->gzip, "gzip _bulk bodies: auto (when accepted), on, off")
      ->check(CLI::IsMember({"auto", "on", "off"}))
      ->capture_default_str()
      ->group(group);
  app->add_option("--remote-max-retries", f->max_retries,
                  "Retries of a rejected _bulk request or item before the task fails")
      ->check(CLI::Range(0, 100))
      ->capture_default_str()
      ->group(group);
}

util::Result<sinks::opensearch::OpenSearchOptions> RemoteClusterOptions(
    const RemoteClusterFlags& flags) {
  sinks::opensearch::OpenSearchOptions options;
  options.url = flags.url;
  options.user = flags.user;
  if (!flags.user.empty()) {
    SLUICE_ASSIGN_OR_RETURN(options.password, ReadPassword(flags));
  }
  options.ca_cert_file = flags.ca_cert;
  options.insecure = flags.insecure;
  if (flags.insecure) {
    spdlog::warn("event=tls_verification_disabled cluster={} reason=\"--remote-insecure\"",
                 sources::RedactUrl(flags.url));
  }
  options.sigv4_service = flags.sigv4_service;
  if (!flags.sigv4_service.empty()) {
    std::string region = flags.region;
    if (region.empty()) region = Env("AWS_REGION");
    if (region.empty()) region = Env("AWS_DEFAULT_REGION");
    if (!region.empty()) options.sigv4_region = region;
    options.aws_credentials.access_key = Env("AWS_ACCESS_KEY_ID");
    options.aws_credentials.secret_key = util::Secret(Env("AWS_SECRET_ACCESS_KEY"));
    options.aws_credentials.session_token = util::Secret(Env("AWS_SESSION_TOKEN"));
    if (options.aws_credentials.access_key.empty()) {
      // No keys in the environment: the rest of the AWS credential chain.
      options.aws_credential_chain = std::make_shared<sources::AwsCredentialChain>(
          sources::AwsEnvironment::FromProcess(), sources::SourcesOptions{});
    }
  }
  return options;
}

namespace {

util::Result<sinks::opensearch::OpenSearchOptions> SinkOptions(const RemoteClusterFlags& flags) {
  SLUICE_ASSIGN_OR_RETURN(sinks::opensearch::OpenSearchOptions options,
                          RemoteClusterOptions(flags));
  options.bulk_bytes = flags.bulk_bytes;
  options.max_in_flight = flags.in_flight;
  options.gzip = flags.gzip == "on"    ? sinks::opensearch::GzipMode::kAlways
                 : flags.gzip == "off" ? sinks::opensearch::GzipMode::kNever
                                       : sinks::opensearch::GzipMode::kAuto;
  options.max_retries = flags.max_retries;
  return options;
}

}  // namespace

util::Result<ingest::IdentitySinkFactory> RemoteIdentitySinkFactory(
    const RemoteClusterFlags& flags) {
  SLUICE_ASSIGN_OR_RETURN(sinks::opensearch::OpenSearchOptions options, SinkOptions(flags));
  return sinks::opensearch::OpenSearchIdentitySinkFactory(std::move(options));
}

util::Result<ingest::SinkFactory> RemoteSinkFactory(const RemoteClusterFlags& flags,
                                                    ingest::IngestOptions* ingest) {
  SLUICE_ASSIGN_OR_RETURN(sinks::opensearch::OpenSearchOptions options, SinkOptions(flags));
  // One sink write is cut into up to in_flight _bulk bodies sent at once.
  ingest->batch_bytes = flags.bulk_bytes * static_cast<size_t>(flags.in_flight);
  ingest->batch_documents = std::max<size_t>(ingest->batch_documents, 20000);
  ingest->write_chunk_documents = 0;  // whole writes: the sink cuts them into parallel bodies
  return sinks::opensearch::OpenSearchSinkFactory(std::move(options));
}

}  // namespace sluice::cli
