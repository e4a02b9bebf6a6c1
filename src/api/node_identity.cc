#include "api/node_identity.h"

#include <cstdint>

namespace sluice::api {

std::string NodeId(const NodeInfo& node) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  // FNV-1a over the seed, re-mixed per round, 6 bits per character.
  std::string seed = node.cluster_uuid + "/" + node.node_name;
  std::string id;
  uint64_t h = 1469598103934665603ULL;
  for (int round = 0; id.size() < 22; ++round) {
    for (char c : seed) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    h = (h ^ static_cast<uint64_t>(round)) * 1099511628211ULL;
    for (int i = 0; i < 10 && id.size() < 22; ++i) id.push_back(kAlphabet[(h >> (6 * i)) & 63]);
  }
  return id;
}

std::string RequestAddress(const http::Request& req) {
  std::string address(req.Header("Host"));
  return address.empty() ? "127.0.0.1:9200" : address;
}

std::string RequestHost(const http::Request& req) {
  std::string address = RequestAddress(req);
  size_t colon = address.rfind(':');
  // "[::1]:9200" keeps its brackets off; a bare IPv6 literal has no port.
  if (colon != std::string::npos && address.find(']') != std::string::npos &&
      colon < address.find(']')) {
    colon = std::string::npos;
  }
  std::string host = colon == std::string::npos ? address : address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return host;
}

}  // namespace sluice::api
