#include "cli/gateway_flags.h"

#include <CLI/CLI.hpp>
#include <algorithm>

#include "api/rest_response.h"

#ifndef SLUICE_VERSION
#define SLUICE_VERSION "dev"
#endif

namespace sluice::cli {

void AddGatewayFlags(CLI::App* app, GatewayFlags* f) {
  const std::string group = "Gateway (with --remote-cluster)";
  app->add_flag("--gateway", f->enabled,
                "Forward every request sluice does not own (all but _batch_ingestion, its "
                "tasks and /_prometheus/metrics) to the --remote-cluster, streamed")
      ->envname("SLUICE_GATEWAY")
      ->group(group);
  app->add_flag("--gateway-unsigned-payload", f->unsigned_payload,
                "With --remote-sigv4: sign forwarded bodies as UNSIGNED-PAYLOAD and stream "
                "them, instead of holding each body to hash it")
      ->envname("SLUICE_GATEWAY_UNSIGNED_PAYLOAD")
      ->group(group);
  app->add_option("--gateway-timeout", f->timeout_s,
                  "Seconds a forwarded request may wait for the cluster without a byte moving "
                  "before the gateway answers 504 (connecting: at most 10 s)")
      ->envname("SLUICE_GATEWAY_TIMEOUT")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str()
      ->group(group);
}

util::Result<std::unique_ptr<gateway::Forwarder>> MakeGatewayForwarder(
    const GatewayFlags& flags, const RemoteClusterFlags& remote, size_t max_content_length) {
  if (remote.url.empty()) {
    return util::InvalidArgument("--gateway needs --remote-cluster URL");
  }
  gateway::GatewayOptions options;
  SLUICE_ASSIGN_OR_RETURN(options.cluster, RemoteClusterOptions(remote));
  options.sigv4_unsigned_payload = flags.unsigned_payload;
  options.cluster.stall_timeout_s = flags.timeout_s;
  options.cluster.connect_timeout_ms = std::min(10, flags.timeout_s) * 1000;
  options.max_hashed_body = max_content_length;
  options.version = SLUICE_VERSION;
  options.error_response = api::ErrorResponseWithStatus;
  return gateway::Forwarder::Create(std::move(options));
}

}  // namespace sluice::cli
