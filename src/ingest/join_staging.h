// JoinStaging: the rows of a multi-source batch ingestion, staged in the
// Store's staging column family until every source has been read, so that
// memory stays bounded whatever the size of the files.
//
// Keys (under "j/<task>/"): "d/<id>\0<source:2 bytes BE>" → the fields that
// source contributes to document <id>; "p/<anchor:2 bytes BE><position:8 bytes
// BE>" → the id of the anchor source's record at that position (for the
// sources joined by position with it).
// Rows are buffered and written in batches; Flush() makes them durable.
//
// Not thread-safe: one ingest job uses it from one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/result.h"

namespace sluice::storage {
class Store;
class WriteBatch;
}  // namespace sluice::storage

namespace sluice::ingest {

using Fields = std::vector<std::pair<std::string, std::string>>;  // name → JSON text

class JoinStaging {
 public:
  JoinStaging(storage::Store* store, std::string_view task_id, size_t flush_rows = 1000);
  ~JoinStaging();

  util::Status AddFragment(std::string_view id, size_t source, const Fields& fields);
  util::Status AddPosition(size_t anchor, uint64_t position, std::string_view id);
  // The id of source `anchor`'s record at `position` (flushes pending rows
  // first when there are any).
  util::Result<std::optional<std::string>> IdAtPosition(size_t anchor, uint64_t position);
  util::Status Flush();

  // Visits every staged document in id order (ids after `after_id` when
  // given), with each source's fields in source order. Stops at the first
  // error `visit` returns.
  util::Status ForEachDocument(
      const std::optional<std::string>& after_id,
      const std::function<util::Status(const std::string& id,
                                       const std::vector<std::pair<size_t, Fields>>& parts)>&
          visit) const;

  // Deletes everything staged for the task.
  util::Status Drop();

  // The key prefix of a task's rows, for garbage collection of stale tasks.
  static std::string TaskPrefix(std::string_view task_id);

 private:
  util::Status MaybeFlush();

  storage::Store* store_;
  std::string prefix_;
  size_t flush_rows_;
  std::unique_ptr<storage::WriteBatch> pending_;
};

}  // namespace sluice::ingest
