#include "gateway/forward_headers.h"

#include <string>
#include <vector>

namespace sluice::gateway {
namespace {

using http::EqualsIgnoreCase;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The header names listed in Connection headers ("close", "keep-alive", "X-Foo").
std::vector<std::string> ConnectionTokens(const sources::HeaderList& headers) {
  std::vector<std::string> tokens;
  for (const auto& [name, value] : headers) {
    if (!EqualsIgnoreCase(name, "Connection")) continue;
    std::string_view rest = value;
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      std::string_view token = Trim(rest.substr(0, comma));
      if (!token.empty()) tokens.emplace_back(token);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return tokens;
}

bool Listed(const std::vector<std::string>& tokens, std::string_view name) {
  for (const auto& t : tokens) {
    if (EqualsIgnoreCase(t, name)) return true;
  }
  return false;
}

}  // namespace

bool IsHopByHop(std::string_view name) {
  for (std::string_view h :
       {"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization",
        "TE", "Trailer", "Transfer-Encoding", "Upgrade"}) {
    if (EqualsIgnoreCase(name, h)) return true;
  }
  return false;
}

std::string_view FindHeader(const sources::HeaderList& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (EqualsIgnoreCase(n, name)) return v;
  }
  return {};
}

sources::HeaderList ForwardRequestHeaders(const http::Request::Pairs& headers,
                                          std::string_view client_address,
                                          std::string_view client_scheme) {
  const std::vector<std::string> listed = ConnectionTokens(headers);
  sources::HeaderList out;
  out.reserve(headers.size() + 3);
  bool has_proto = false;
  bool has_host = false;
  bool has_for = false;
  std::string host;
  for (const auto& [name, value] : headers) {
    if (EqualsIgnoreCase(name, "Host")) {
      if (host.empty()) host = value;
      continue;
    }
    if (IsHopByHop(name) || Listed(listed, name) || EqualsIgnoreCase(name, "Content-Length") ||
        EqualsIgnoreCase(name, "Expect")) {
      continue;
    }
    if (EqualsIgnoreCase(name, "X-Forwarded-For")) {
      if (has_for) continue;  // folded into the first below
      has_for = true;
      std::string all;
      for (const auto& [n, v] : headers) {
        if (!EqualsIgnoreCase(n, "X-Forwarded-For")) continue;
        if (!all.empty()) all += ", ";
        all += v;
      }
      if (!client_address.empty()) all += (all.empty() ? "" : ", ") + std::string(client_address);
      out.emplace_back(name, std::move(all));
      continue;
    }
    if (EqualsIgnoreCase(name, "X-Forwarded-Proto")) has_proto = true;
    if (EqualsIgnoreCase(name, "X-Forwarded-Host")) has_host = true;
    out.emplace_back(name, value);
  }
  if (!has_for && !client_address.empty()) {
    out.emplace_back("X-Forwarded-For", std::string(client_address));
  }
  if (!has_proto) out.emplace_back("X-Forwarded-Proto", std::string(client_scheme));
  if (!has_host && !host.empty()) out.emplace_back("X-Forwarded-Host", host);
  return out;
}

http::Request::Pairs ForwardResponseHeaders(const sources::HeaderList& headers) {
  const std::vector<std::string> listed = ConnectionTokens(headers);
  http::Request::Pairs out;
  out.reserve(headers.size() + 1);
  for (const auto& [name, value] : headers) {
    if (IsHopByHop(name) || Listed(listed, name) || EqualsIgnoreCase(name, "Content-Length")) {
      continue;
    }
    out.emplace_back(name, value);
  }
  return out;
}

}  // namespace sluice::gateway
