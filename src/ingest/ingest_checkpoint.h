// IngestCheckpoint: where a batch-ingestion task resumes after a restart, and
// the counters it had then. Stored by the task manager as an opaque string;
// this is its codec.
//
//   phase "read":  one source; the next unread line is (object, offset, line).
//   phase "stage": several sources; staging source `slot`, `position` records
//                  of it read before the resume point.
//   phase "merge": every source staged; documents after `after_id` are left.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.h"

namespace sluice::ingest {

struct IngestCheckpoint {
  std::string phase = "read";  // read (one source), stage or merge (several)
  size_t slot = 0;
  size_t object = 0;
  uint64_t offset = 0;                  // decompressed offset of the next unread line
  uint64_t line = 0;                    // number of the last line read
  uint64_t position = 0;                // records of the slot read before this point
  std::optional<std::string> after_id;  // merge: last id written
  std::string counters;                 // IngestProgress::SaveCounters when the batch was read
  std::string write_counters;           // IngestProgress::SaveWriteCounters when it was durable

  std::string Serialize() const;
  // Internal error "corrupt ingest checkpoint" when the text is not one.
  static util::Result<IngestCheckpoint> Parse(std::string_view text);
};

}  // namespace sluice::ingest
