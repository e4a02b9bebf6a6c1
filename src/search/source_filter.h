// SourceFilter: OpenSearch's `_source` filtering of a stored document
// (`false`, includes/excludes with `*` wildcards on dotted paths). Objects
// left empty by filtering disappear. Immutable; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sluice::search {

struct SourceFilter {
  bool fetch = true;                  // `_source: false` → no _source in hits
  std::vector<std::string> includes;  // empty: everything
  std::vector<std::string> excludes;

  bool IsIdentity() const { return fetch && includes.empty() && excludes.empty(); }
  // Applies the filter to a JSON object text; returns the filtered JSON text.
  std::string Apply(std::string_view source_json) const;
};

}  // namespace sluice::search
