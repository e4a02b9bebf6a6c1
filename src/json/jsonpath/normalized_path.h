// Normalized paths (RFC 9535 section 2.7): the canonical `$['a'][0]` spelling
// of a node's location, used to report where results came from.
//
// PathStep holds a view of a member name owned by the evaluated document, so a
// step is only valid while that document is. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::json::jsonpath::internal {

struct PathStep {
  bool is_name = false;
  std::string_view name;  // is_name
  size_t index = 0;       // !is_name
};

// "$" followed by ['name'] and [index] steps, names escaped as the RFC requires.
std::string FormatNormalizedPath(const std::vector<PathStep>& steps);

}  // namespace sluice::json::jsonpath::internal
