// Errors raised while a query runs against an index, in the shape OpenSearch
// gives them: search_phase_execution_exception "all shards failed" caused by
// query_shard_exception "failed to create query: ..." caused by the
// illegal_argument_exception with the message.
#pragma once

#include <string>

#include "index/index.h"
#include "util/status.h"

namespace sluice::search {

util::Status ShardError(const index::Index& index, const std::string& message);

}  // namespace sluice::search
