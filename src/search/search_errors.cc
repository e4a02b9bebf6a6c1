#include "search/search_errors.h"

namespace sluice::search {

util::Status ShardError(const index::Index& index, const std::string& message) {
  util::Status shard(util::Code::kInvalidArgument, "query_shard_exception",
                     "failed to create query: " + message);
  shard.WithMetadata("index", index.name()).WithMetadata("index_uuid", index.uuid());
  shard.WithCause(util::InvalidArgument(message));
  return util::Status(util::Code::kInvalidArgument, "search_phase_execution_exception",
                      "all shards failed")
      .WithMetadata("phase", "query")
      .WithMetadata("grouped", "true")
      .WithCause(std::move(shard));
}

util::Status QueryShardError(const index::Index& index, const std::string& message) {
  util::Status shard(util::Code::kInvalidArgument, "query_shard_exception", message);
  shard.WithMetadata("index", index.name()).WithMetadata("index_uuid", index.uuid());
  return util::Status(util::Code::kInvalidArgument, "search_phase_execution_exception",
                      "all shards failed")
      .WithMetadata("phase", "query")
      .WithMetadata("grouped", "true")
      .WithCause(std::move(shard));
}

util::Status ShardIllegalArgument(const index::Index& index, const std::string& message) {
  (void)index;
  return util::Status(util::Code::kInvalidArgument, "search_phase_execution_exception",
                      "all shards failed")
      .WithMetadata("phase", "query")
      .WithMetadata("grouped", "true")
      .WithCause(util::InvalidArgument(message));
}

}  // namespace sluice::search
