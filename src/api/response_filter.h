// FilterPath: OpenSearch's `filter_path` response filtering, applied to every
// JSON response (but not to error bodies, as OpenSearch's error builder does
// not filter).
//
//   FilterPath(R"({"took":1,"hits":{"total":2,"hits":[{"_id":"a","x":1}]}})",
//              "hits.hits._id,took")
//     → {"took":1,"hits":{"hits":[{"_id":"a"}]}}
//
// filter_path is a comma-separated list of dotted paths. A segment may hold
// `*` wildcards (matching within one field name); `**` matches any number of
// levels. Arrays are transparent: a path applies to the objects inside them.
// Paths starting with `-` exclude instead of include; with both kinds, the
// inclusions apply first. Objects and arrays left empty by inclusion are
// dropped; when nothing matches, the result is `{}` (`[]` for an array). A body that is not JSON is
// returned unchanged.
#pragma once

#include <string>
#include <string_view>

namespace sluice::api {

std::string FilterPath(std::string_view json, std::string_view filter_path);

}  // namespace sluice::api
