// Internal to BatchIngestService: how a task's credential outlives a restart.
//
// A request's s3/openAI credential is the task's attachment (tasks/), sealed
// with the secrets key and bound to the task id, or — without a key — a
// marker that says it was held in memory only, so that a resumed task can
// tell the operator why it cannot go on.
#pragma once

#include <string>

#include "ingest/ingest_request.h"
#include "tasks/task_manager.h"

namespace sluice::secrets {
class Sealer;
}

namespace sluice::ingest {

// The attachment for a new task of `request` (null when it needs none).
tasks::AttachmentFn CredentialAttachment(const IngestRequest& request,
                                         const secrets::Sealer* sealer);

// What the sealed credential of task `task_id` is bound to.
std::string TaskCredentialContext(const std::string& task_id);

}  // namespace sluice::ingest
