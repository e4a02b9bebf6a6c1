// SlotReader: reads every non-blank line of one source slot (the objects one
// `source` entry expanded to) from a resume point, parses each line once as
// JSON and hands it to a visitor. Counts bytes and records into the task's
// IngestProgress and stops with a Cancelled status when the task is cancelled.
//
// Not thread-safe: one reading thread (it shares the job's parser).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ingest/line_reader.h"
#include "sources/source_catalog.h"
#include "tasks/task_manager.h"

namespace simdjson::dom {
class element;
class parser;
}  // namespace simdjson::dom

namespace sluice::ingest {

class IngestProgress;

struct SlotReader {
  tasks::TaskContext& ctx;
  const sources::SourceCatalog& catalog;
  const sources::DataSource& data_source;
  IngestProgress& progress;
  simdjson::dom::parser& parser;
  size_t max_line_bytes;

  // record is null when the line is not a JSON object (`error` says why).
  // An error the visitor returns stops the reading and is returned.
  using Visit =
      std::function<util::Status(size_t object, const Line& line,
                                 const simdjson::dom::element* record, const std::string& error)>;

  // Reads `objects` of `slot` from object `first_object`, byte `offset` of it
  // (whose last line read was `line_number`).
  util::Status Read(size_t slot, const std::vector<sources::SourceObject>& objects,
                    size_t first_object, uint64_t offset, uint64_t line_number, const Visit& visit);
};

}  // namespace sluice::ingest
