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
// The same wrapping around a query_shard_exception with the message as its
// reason (sort and aggregation errors: "No mapping found for [f] in order to
// sort on").
util::Status QueryShardError(const index::Index& index, const std::string& message);
// search_phase_execution_exception caused by an illegal_argument_exception
// (text fields without fielddata, bad aggregation parameters at execution).
util::Status ShardIllegalArgument(const index::Index& index, const std::string& message);

}  // namespace sluice::search
