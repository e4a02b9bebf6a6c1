#include "sources/http_host_allowlist.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace sluice::sources {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool PatternMatches(const std::string& raw_pattern, const ParsedUrl& url) {
  std::string pattern = Lower(raw_pattern);
  std::string host = pattern;
  int port = 0;
  if (!pattern.empty() && pattern.front() == '[') {
    size_t close = pattern.find(']');
    if (close == std::string::npos) return false;
    host = pattern.substr(1, close - 1);
    if (close + 1 < pattern.size() && pattern[close + 1] == ':') {
      port = std::atoi(pattern.c_str() + close + 2);
    }
  } else if (std::count(pattern.begin(), pattern.end(), ':') == 1) {
    size_t colon = pattern.find(':');
    host = pattern.substr(0, colon);
    port = std::atoi(pattern.c_str() + colon + 1);
  }
  if (port != 0 && port != url.port) return false;
  if (host.starts_with("*.")) {
    std::string suffix = host.substr(1);  // ".example.com"
    return url.host.size() > suffix.size() && url.host.ends_with(suffix);
  }
  return !host.empty() && host == url.host;
}

}  // namespace

bool HostAllowed(const ParsedUrl& url, const std::vector<std::string>& patterns) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](const std::string& pattern) { return PatternMatches(pattern, url); });
}

util::Status CheckHttpSourceUrl(const std::string& url, const SourcesOptions& options) {
  SLUICE_ASSIGN_OR_RETURN(ParsedUrl parsed, ParseHttpUrl(url));
  if (HostAllowed(parsed, options.allowed_http_hosts)) return util::Status::Ok();
  std::string host =
      parsed.host.find(':') != std::string::npos ? "[" + parsed.host + "]" : parsed.host;
  return util::Forbidden("host [" + host + ":" + std::to_string(parsed.port) + "] of [" +
                         RedactUrl(url) +
                         "] is not allowed for data_source type http; allow it with "
                         "--allow-source-host");
}

}  // namespace sluice::sources
