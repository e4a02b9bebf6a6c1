// `sluice serve --remote-cluster URL --gateway`: the flags of gateway mode and
// the Forwarder they make (gateway/forwarder.h). The cluster's URL, TLS
// options and credentials are the --remote-* flags (remote_cluster_flags.h).
#pragma once

#include <cstddef>
#include <memory>

#include "cli/remote_cluster_flags.h"
#include "gateway/forwarder.h"
#include "util/result.h"

namespace CLI {
class App;
}

namespace sluice::cli {

struct GatewayFlags {
  bool enabled = false;
  bool unsigned_payload = false;  // SigV4: UNSIGNED-PAYLOAD instead of the body's hash
  int timeout_s = 120;            // a forwarded exchange moving no bytes this long → 504
};

void AddGatewayFlags(CLI::App* app, GatewayFlags* flags);

// The forwarder for the flags; kInvalidArgument without --remote-cluster.
util::Result<std::unique_ptr<gateway::Forwarder>> MakeGatewayForwarder(
    const GatewayFlags& flags, const RemoteClusterFlags& remote, size_t max_content_length);

}  // namespace sluice::cli
