// The stored form of a TaskRecord (a JSON object in the Store's tasks column)
// and the parsing of state names. Internal to tasks/ and its tests.
//
// The stored object keeps progress and request as JSON *strings*, so they
// round-trip byte for byte whatever they contain. Decoding never trusts the
// input: a damaged record yields an io_exception Status, never a crash.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "tasks/task_manager.h"
#include "util/result.h"

namespace sluice::tasks {

// "CREATED" → kCreated, ...; nullopt for any other text (case-sensitive).
std::optional<TaskState> ParseTaskState(std::string_view name);

// True for COMPLETED, COMPLETED_WITH_ERROR, FAILED and CANCELLED.
bool IsFinished(TaskState state);

std::string EncodeTaskRecord(const TaskRecord& record);
util::Result<TaskRecord> DecodeTaskRecord(std::string_view json);

}  // namespace sluice::tasks
