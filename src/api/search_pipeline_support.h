// Which search pipeline a search runs with, as OpenSearch chooses it: the
// body's inline `search_pipeline` definition, else `?search_pipeline=<id>`
// (param) or the body's `"search_pipeline": "<id>"`, else the
// `index.search.default_pipeline` setting when one index is searched. "_none"
// means no pipeline; an unknown id is an illegal_argument_exception
// ("Pipeline <id> is not defined").
#pragma once

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "api/api_context.h"
#include "index/index.h"
#include "search/search_request.h"
#include "util/status.h"

namespace sluice::api {

util::Status ResolveSearchPipeline(const ApiContext& ctx, std::optional<std::string_view> param,
                                   const std::vector<std::shared_ptr<index::Index>>& targets,
                                   search::SearchRequest* request);

}  // namespace sluice::api
