// The identity of sluice's one node as every node-level API names it: the
// node id (stable across restarts: derived from the cluster uuid and node
// name) and the address the client reached it at.
#pragma once

#include <string>

#include "api/api_context.h"
#include "http/request.h"

namespace sluice::api {

// A 22-character id in OpenSearch's alphabet (base64url), stable for a node.
std::string NodeId(const NodeInfo& node);

// "host:port" the request was sent to (its Host header), "127.0.0.1:9200" without one.
std::string RequestAddress(const http::Request& req);
// The host part of RequestAddress (without the port).
std::string RequestHost(const http::Request& req);

}  // namespace sluice::api
