// TaskManager: batch-ingestion tasks — their records (ml-commons' task shape),
// state machine, persistence, bounded execution and recovery after restart.
//
// A task runs a TaskJob on one of `max_running` worker threads; further tasks
// wait as CREATED. States move CREATED → RUNNING → COMPLETED |
// COMPLETED_WITH_ERROR | FAILED | CANCELLED and never back. Every transition and every
// progress/checkpoint update is persisted in the Store's tasks column family, so after a restart
// GET shows the last known state and Recover() can resume unfinished tasks.
//
// Nothing secret is ever persisted in plain form: the job's request is stored
// as the caller gives it (the caller strips credentials first); a task's
// credentials may be kept only sealed, as its attachment (see Submit).
//
// Thread-safety: all methods are thread-safe. The destructor cancels running
// jobs' contexts and joins the workers (jobs must honour cancellation).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/cancel_signal.h"
#include "util/result.h"

namespace sluice::storage {
class Store;
}

namespace sluice::tasks {

enum class TaskState { kCreated, kRunning, kCompleted, kFailed, kCancelled, kCompletedWithError };
std::string_view TaskStateName(TaskState state);  // "CREATED", ...

// What a running job may do with its task.
class TaskContext {
 public:
  virtual ~TaskContext() = default;
  virtual const std::string& task_id() const = 0;
  // True once cancellation was requested (or the manager is shutting down).
  // Jobs check it at least once per batch and return a Cancelled status.
  virtual bool cancelled() const = 0;
  // Replaces the task's progress: `fraction` is ml-commons' "progress" float
  // (0–1) and `status_json` the job's detailed status (a JSON object text,
  // shown as "ingest_status"). Persisted at most about once a second; the
  // latest value is always visible to GET.
  virtual void SetProgress(float fraction, std::string status_json) = 0;
  // The job did its work but part of it failed: when Run then returns OK the
  // task ends COMPLETED_WITH_ERROR with `error` (a summary) instead of COMPLETED.
  virtual void SetPartialError(std::string error) = 0;
  // Durably stores the job's resume point (opaque to the manager) before returning.
  virtual util::Status SaveCheckpoint(std::string checkpoint) = 0;
  // The checkpoint saved by an earlier run of this task (after a restart), if any.
  virtual std::optional<std::string> LoadCheckpoint() const = 0;
  // Cancelled together with cancelled(): lets a job's waits (retry back-offs)
  // end at once. Valid for the whole Run(); null when the context has none.
  virtual const util::CancelSignal* cancel_signal() const { return nullptr; }
};

class TaskJob {
 public:
  virtual ~TaskJob() = default;
  // Runs the task to the end. OK → COMPLETED (COMPLETED_WITH_ERROR after
  // SetPartialError); a Cancelled status (Code::kCancelled) → CANCELLED; any
  // other error → FAILED with the status reason as "error".
  virtual util::Status Run(TaskContext& context) = 0;
};

// A task as GET /_plugins/_ml/tasks/<id> shows it.
struct TaskRecord {
  std::string task_id;
  std::string task_type = "BATCH_INGEST";
  TaskState state = TaskState::kCreated;
  int64_t create_time = 0;       // epoch ms
  int64_t last_update_time = 0;  // epoch ms
  std::optional<std::string> error;
  std::optional<float> progress;   // ml-commons' fraction done, 0–1; none yet
  std::string ingest_status_json;  // the job's detailed status object; "" when none yet
  std::string request_json;        // the job's request as given at Submit (no secrets)
  std::string owner;               // the user who submitted it; "" without security
  // Opaque bytes kept beside the record (sealed credentials): never shown, and
  // set only in the record handed to the JobFactory at Recover.
  std::string attachment;
};

// Makes a task's attachment once its id is known (e.g. seals a credential
// bound to the id); stored in the same write as the new task's record and
// removed when the task finishes or is deleted.
using AttachmentFn = std::function<util::Result<std::string>(const std::string& task_id)>;

struct TaskManagerOptions {
  int max_running = 2;  // tasks running at once; more wait as CREATED
  // Added to the worker threads' niceness (default +10, the write pool's):
  // a batch ingestion and the parser, graph and sink threads it starts (which
  // inherit it) give the cores to health checks, task polls and searches.
  int nice = 10;
};

// Rebuilds the job of an unfinished task after a restart from its stored
// request, or returns an error Status saying why it cannot be resumed (the
// task then becomes FAILED with that reason).
using JobFactory = std::function<util::Result<std::unique_ptr<TaskJob>>(const TaskRecord&)>;

class TaskManager {
 public:
  TaskManager(storage::Store* store, TaskManagerOptions options);
  ~TaskManager();

  // Loads persisted tasks. Tasks that were CREATED or RUNNING are resumed with
  // jobs from `factory` (they keep their checkpoints) or marked FAILED.
  util::Status Recover(const JobFactory& factory);

  // Persists a new CREATED task and queues its job; returns the task id.
  // `owner`: the submitting user, kept with the record ("" without security).
  util::Result<std::string> Submit(std::string task_type, std::string request_json,
                                   std::unique_ptr<TaskJob> job, std::string owner = {},
                                   const AttachmentFn& attachment = nullptr);

  util::Result<TaskRecord> Get(
      std::string_view task_id) const;   // not found: status_exception 404 "Failed to find task"
  std::vector<TaskRecord> List() const;  // every task, newest first
  // Requests cancellation; CREATED tasks become CANCELLED at once, RUNNING ones
  // when their job returns (jobs stop within a second). Finished tasks: error.
  util::Status Cancel(std::string_view task_id);
  // Deletes a finished task's record; a RUNNING or CREATED task is cancelled
  // first and its record removed once it stops.
  util::Status Delete(std::string_view task_id);
  // Blocks until the task has finished (tests and the in-process CLI).
  util::Result<TaskRecord> Wait(std::string_view task_id) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::tasks
