#include "ingest/slot_reader.h"

#include <simdjson.h>

#include "ingest/ingest_progress.h"

namespace sluice::ingest {
namespace {

bool IsBlank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

}  // namespace

util::Status SlotReader::Read(size_t slot, const std::vector<sources::SourceObject>& objects,
                              size_t first_object, uint64_t offset, uint64_t line_number,
                              const Visit& visit) {
  uint64_t finished = 0;
  for (size_t i = 0; i < first_object && i < objects.size(); ++i) {
    finished += objects[i].size.value_or(0);
  }
  if (finished > 0) progress.ResumeBytesAt(slot, finished);
  for (size_t obj = first_object; obj < objects.size(); ++obj) {
    uint64_t start = obj == first_object ? offset : 0;
    SLUICE_ASSIGN_OR_RETURN(auto source, catalog.Open(data_source, objects[obj], start));
    LineReader reader(std::move(source), max_line_bytes, start,
                      obj == first_object ? line_number + 1 : 1);
    while (true) {
      if (ctx.cancelled()) return util::Cancelled("the task was cancelled");
      SLUICE_ASSIGN_OR_RETURN(std::optional<Line> line, reader.Next());
      if (!line) break;
      progress.SetBytesRead(slot, finished, reader.raw_bytes_read());
      if (!line->too_long && IsBlank(line->text)) continue;
      progress.AddRecordRead(slot);
      if (line->too_long) {
        SLUICE_RETURN_IF_ERROR(
            visit(obj, *line, nullptr,
                  "line is longer than " + std::to_string(max_line_bytes) + " bytes"));
        continue;
      }
      simdjson::dom::element record;
      auto error = parser.parse(line->text.data(), line->text.size()).get(record);
      if (error) {
        SLUICE_RETURN_IF_ERROR(visit(
            obj, *line, nullptr, std::string("invalid JSON: ") + simdjson::error_message(error)));
      } else if (!record.is_object()) {
        SLUICE_RETURN_IF_ERROR(visit(obj, *line, nullptr, "a record must be a JSON object"));
      } else {
        SLUICE_RETURN_IF_ERROR(visit(obj, *line, &record, ""));
      }
    }
    finished += objects[obj].size.value_or(reader.raw_bytes_read());
    progress.SetBytesRead(slot, finished, 0);
  }
  return util::Status::Ok();
}

}  // namespace sluice::ingest
