#include "tasks/task_manager.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <exception>
#include <thread>
#include <tuple>
#include <unordered_map>

#include "storage/store.h"
#include "tasks/task_id.h"
#include "tasks/task_record_codec.h"
#include "util/mutex.h"
#include "util/thread_annotations.h"
#include "util/thread_priority.h"

namespace sluice::tasks {
namespace {

using storage::Column;

constexpr std::string_view kTaskPrefix = "task/";
constexpr std::string_view kCheckpointPrefix = "ckpt/";
constexpr std::string_view kAttachmentPrefix = "attach/";
constexpr int64_t kProgressPersistIntervalMs = 1000;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string TaskKey(std::string_view id) { return std::string(kTaskPrefix).append(id); }
std::string CheckpointKey(std::string_view id) { return std::string(kCheckpointPrefix).append(id); }
std::string AttachmentKey(std::string_view id) { return std::string(kAttachmentPrefix).append(id); }

util::Status TaskNotFound() {
  return util::Status(util::Code::kNotFound, "status_exception", "Failed to find task");
}

// Runs a user callable, turning an escaping exception into a FAILED reason:
// a job or factory must never take the server down.
template <typename T, typename Fn>
util::Result<T> Guarded(std::string_view what, Fn&& fn) {
  try {
    return fn();
  } catch (const std::exception& e) {
    return util::Internal(std::string(what) + " threw: " + e.what());
  } catch (...) {
    return util::Internal(std::string(what) + " threw an unknown exception");
  }
}

}  // namespace

struct TaskManager::Impl {
  // Entry's "GUARDED_BY(mu)" are comments: the analysis cannot name a mutex
  // of the enclosing Impl from a nested struct. Impl's own members are checked.
  struct Entry {
    TaskRecord record;                  // GUARDED_BY(mu); task_id is immutable
    uint64_t seq = 0;                   // creation order, for List()
    std::unique_ptr<TaskJob> job;       // owned by the queue until a worker starts it
    bool started = false;               // GUARDED_BY(mu): a worker took it in this process
    bool job_returned = false;          // GUARDED_BY(mu)
    bool settled = false;               // GUARDED_BY(mu): finished and persisted; Wait() returns
    bool deleted = false;               // GUARDED_BY(mu): by Delete; hidden, never persisted
    int64_t progress_persisted_ms = 0;  // GUARDED_BY(mu)
    std::optional<std::string> partial_error;   // GUARDED_BY(mu): by SetPartialError
    std::atomic<bool> cancel_requested{false};  // by a user (Cancel/Delete)
    util::CancelSignal cancel_signal;           // by a user or shutdown: wakes waits
  };

  class Context;

  Impl(storage::Store* s, TaskManagerOptions o) : store(s), options(o) {}

  void StartWorkers() {
    int n = std::max(1, options.max_running);
    for (int i = 0; i < n; ++i) workers.emplace_back([this] { WorkerLoop(); });
  }

  void Shutdown() {
    {
      util::MutexLock lock(&mu);
      shutting_down = true;
      for (auto& [id, entry] : tasks) entry->cancel_signal.Cancel();
    }
    work_cv.SignalAll();
    done_cv.SignalAll();
    for (auto& t : workers) t.join();
  }

  // Writes the entry's record (and a checkpoint, in the same batch). The
  // snapshot is taken under store_mu, so records reach the store in the order
  // of their snapshots and a deleted task is never written back.
  util::Status Persist(Entry& e, const std::string* checkpoint = nullptr) {
    util::MutexLock store_lock(&store_mu);
    storage::WriteBatch batch;
    {
      util::MutexLock lock(&mu);
      if (e.deleted) return util::Status::Ok();
      batch.Put(Column::kTasks, TaskKey(e.record.task_id), EncodeTaskRecord(e.record));
      if (checkpoint != nullptr) {
        batch.Put(Column::kTasks, CheckpointKey(e.record.task_id), *checkpoint);
      }
      // A finished task needs no attachment (sealed credentials) any more.
      if (IsFinished(e.record.state)) batch.Delete(Column::kTasks, AttachmentKey(e.record.task_id));
      e.progress_persisted_ms = NowMs();
    }
    return store->Write(batch);
  }

  void PersistOrLog(Entry& e) {
    if (util::Status s = Persist(e); !s.ok()) {
      spdlog::warn("task_persist_failed task_id={} error={}", e.record.task_id, s.ToString());
    }
  }

  void Settle(Entry& e) {
    {
      util::MutexLock lock(&mu);
      e.settled = true;
    }
    done_cv.SignalAll();
  }

  void WorkerLoop();
  void RunTask(const std::shared_ptr<Entry>& e);
  // Makes a task that no worker has started CANCELLED; returns its job to be
  // destroyed outside the lock.
  std::unique_ptr<TaskJob> CancelQueuedLocked(Entry& e) REQUIRES(mu);
  std::shared_ptr<Entry> FindVisibleLocked(std::string_view id) const REQUIRES(mu);

  storage::Store* const store;
  const TaskManagerOptions options;
  util::Mutex store_mu ACQUIRED_BEFORE(mu);  // orders task writes
  mutable util::Mutex mu;
  util::CondVar work_cv;          // with mu: queue gained a task, or shutting down
  mutable util::CondVar done_cv;  // with mu: a task finished, or shutting down
  std::unordered_map<std::string, std::shared_ptr<Entry>> tasks GUARDED_BY(mu);
  std::deque<std::string> queue GUARDED_BY(mu);  // ids waiting for a worker, FIFO
  uint64_t next_seq GUARDED_BY(mu) = 0;
  int64_t last_create_time GUARDED_BY(mu) = 0;  // the newest task's create_time
  std::atomic<bool> shutting_down{false};
  std::vector<std::thread> workers;
};

class TaskManager::Impl::Context : public TaskContext {
 public:
  Context(Impl* impl, std::shared_ptr<Entry> entry) : impl_(impl), e_(std::move(entry)) {}

  const std::string& task_id() const override { return e_->record.task_id; }

  bool cancelled() const override { return e_->cancel_requested || impl_->shutting_down; }

  const util::CancelSignal* cancel_signal() const override { return &e_->cancel_signal; }

  void SetProgress(float fraction, std::string status_json) override {
    bool persist;
    {
      util::MutexLock lock(&impl_->mu);
      int64_t now = NowMs();
      e_->record.progress = std::clamp(fraction, 0.0f, 1.0f);
      e_->record.ingest_status_json = std::move(status_json);
      e_->record.last_update_time = now;
      persist = now - e_->progress_persisted_ms >= kProgressPersistIntervalMs;
    }
    if (persist) impl_->PersistOrLog(*e_);
  }

  void SetPartialError(std::string error) override {
    util::MutexLock lock(&impl_->mu);
    e_->partial_error = std::move(error);
  }

  util::Status SaveCheckpoint(std::string checkpoint) override {
    return impl_->Persist(*e_, &checkpoint);
  }

  std::optional<std::string> LoadCheckpoint() const override {
    auto value = impl_->store->Get(Column::kTasks, CheckpointKey(e_->record.task_id));
    if (!value.ok()) {
      spdlog::warn("task_checkpoint_read_failed task_id={} error={}", e_->record.task_id,
                   value.status().ToString());
      return std::nullopt;
    }
    return *value;
  }

 private:
  Impl* const impl_;
  const std::shared_ptr<Entry> e_;
};

void TaskManager::Impl::WorkerLoop() {
  util::AddCurrentThreadNiceness(options.nice);
  for (;;) {
    std::shared_ptr<Entry> e;
    {
      util::MutexLock lock(&mu);
      while (!shutting_down && queue.empty()) work_cv.Wait(&mu);
      if (shutting_down) return;
      auto it = tasks.find(queue.front());
      queue.pop_front();
      if (it == tasks.end()) continue;
      e = it->second;
      if (e->started || IsFinished(e->record.state)) continue;
      e->started = true;
      e->record.state = TaskState::kRunning;
      e->record.last_update_time = NowMs();
    }
    PersistOrLog(*e);
    RunTask(e);
  }
}

void TaskManager::Impl::RunTask(const std::shared_ptr<Entry>& e) {
  Context context(this, e);
  util::Result<bool> run = Guarded<bool>("task job", [&]() -> util::Result<bool> {
    util::Status s = e->job->Run(context);
    if (!s.ok()) return s;
    return true;
  });
  e->job.reset();
  const util::Status& status = run.status();
  bool erase;
  std::string_view state_name;
  {
    util::MutexLock lock(&mu);
    e->job_returned = true;
    TaskRecord& r = e->record;
    if (run.ok()) {
      r.state = e->partial_error ? TaskState::kCompletedWithError : TaskState::kCompleted;
      r.error = e->partial_error;
    } else if (status.code() == util::Code::kCancelled) {
      // A job stopped by shutdown stays RUNNING so that Recover resumes it.
      if (e->cancel_requested || !shutting_down) r.state = TaskState::kCancelled;
    } else {
      r.state = TaskState::kFailed;
      r.error = status.reason();
    }
    r.last_update_time = NowMs();
    erase = e->deleted;
    state_name = TaskStateName(r.state);
  }
  spdlog::info("task_stopped task_id={} state={}", e->record.task_id, state_name);
  if (erase) {
    // Its keys were removed by Delete; only the in-memory entry is left.
    util::MutexLock lock(&mu);
    auto it = tasks.find(e->record.task_id);
    if (it != tasks.end() && it->second == e) tasks.erase(it);
  } else {
    PersistOrLog(*e);
  }
  Settle(*e);
}

std::unique_ptr<TaskJob> TaskManager::Impl::CancelQueuedLocked(Entry& e) {
  std::erase(queue, e.record.task_id);
  e.record.state = TaskState::kCancelled;
  e.record.last_update_time = NowMs();
  return std::move(e.job);
}

std::shared_ptr<TaskManager::Impl::Entry> TaskManager::Impl::FindVisibleLocked(
    std::string_view id) const {
  auto it = tasks.find(std::string(id));
  if (it == tasks.end() || it->second->deleted) return nullptr;
  return it->second;
}

TaskManager::TaskManager(storage::Store* store, TaskManagerOptions options)
    : impl_(std::make_unique<Impl>(store, options)) {
  impl_->StartWorkers();
}

TaskManager::~TaskManager() { impl_->Shutdown(); }

util::Status TaskManager::Recover(const JobFactory& factory) {
  std::vector<TaskRecord> records;
  SLUICE_RETURN_IF_ERROR(impl_->store->Scan(
      Column::kTasks, kTaskPrefix, [&records](std::string_view key, std::string_view value) {
        auto record = DecodeTaskRecord(value);
        if (record.ok()) {
          records.push_back(std::move(record).value());
        } else {
          spdlog::warn("task_record_skipped key={} error={}", key, record.status().ToString());
        }
        return true;
      }));
  std::sort(records.begin(), records.end(), [](const TaskRecord& a, const TaskRecord& b) {
    return std::tie(a.create_time, a.task_id) < std::tie(b.create_time, b.task_id);
  });
  size_t resumed = 0;
  for (TaskRecord& record : records) {
    {
      util::MutexLock lock(&impl_->mu);
      if (impl_->tasks.count(record.task_id) > 0) continue;
    }
    auto e = std::make_shared<Impl::Entry>();
    e->record = std::move(record);
    bool queue = false;
    if (!IsFinished(e->record.state)) {
      TaskRecord with_attachment = e->record;
      auto attachment = impl_->store->Get(Column::kTasks, AttachmentKey(e->record.task_id));
      if (attachment.ok() && *attachment) with_attachment.attachment = std::move(**attachment);
      auto job = Guarded<std::unique_ptr<TaskJob>>("job factory",
                                                   [&] { return factory(with_attachment); });
      if (job.ok() && *job != nullptr) {
        e->job = std::move(job).value();
        queue = true;
      } else {
        e->record.state = TaskState::kFailed;
        e->record.error = job.ok() ? "the task cannot be resumed" : job.status().reason();
        e->record.last_update_time = NowMs();
        impl_->PersistOrLog(*e);
      }
    }
    util::MutexLock lock(&impl_->mu);
    e->settled = !queue;
    e->seq = impl_->next_seq++;
    impl_->last_create_time = std::max(impl_->last_create_time, e->record.create_time);
    if (queue) {
      impl_->queue.push_back(e->record.task_id);
      ++resumed;
    }
    impl_->tasks.emplace(e->record.task_id, e);
  }
  spdlog::info("tasks_recovered tasks={} resumed={}", records.size(), resumed);
  impl_->work_cv.SignalAll();
  return util::Status::Ok();
}

util::Result<std::string> TaskManager::Submit(std::string task_type, std::string request_json,
                                              std::unique_ptr<TaskJob> job, std::string owner,
                                              const AttachmentFn& attachment) {
  if (job == nullptr) return util::Internal("Submit without a job");
  auto e = std::make_shared<Impl::Entry>();
  e->job = std::move(job);
  TaskRecord& r = e->record;
  r.task_type = std::move(task_type);
  r.request_json = std::move(request_json);
  r.owner = std::move(owner);
  r.state = TaskState::kCreated;
  {
    util::MutexLock lock(&impl_->mu);
    // Strictly increasing, so that creation order survives a restart even for
    // tasks submitted within the same millisecond.
    impl_->last_create_time = std::max(NowMs(), impl_->last_create_time + 1);
    r.create_time = r.last_update_time = impl_->last_create_time;
    do {
      r.task_id = GenerateTaskId();
    } while (impl_->tasks.count(r.task_id) > 0);
  }
  // Durable before anyone can see the id.
  storage::WriteBatch batch;
  batch.Put(Column::kTasks, TaskKey(r.task_id), EncodeTaskRecord(r));
  if (attachment) {
    SLUICE_ASSIGN_OR_RETURN(std::string bytes, attachment(r.task_id));
    batch.Put(Column::kTasks, AttachmentKey(r.task_id), bytes);
  }
  {
    util::MutexLock store_lock(&impl_->store_mu);
    SLUICE_RETURN_IF_ERROR(impl_->store->Write(batch));
  }
  std::string id = r.task_id;
  {
    util::MutexLock lock(&impl_->mu);
    e->seq = impl_->next_seq++;
    impl_->tasks.emplace(id, e);
    impl_->queue.push_back(id);
  }
  impl_->work_cv.Signal();
  spdlog::info("task_created task_id={} task_type={}", id, e->record.task_type);
  return id;
}

util::Result<TaskRecord> TaskManager::Get(std::string_view task_id) const {
  util::MutexLock lock(&impl_->mu);
  auto e = impl_->FindVisibleLocked(task_id);
  if (e == nullptr) return TaskNotFound();
  return e->record;
}

std::vector<TaskRecord> TaskManager::List() const {
  std::vector<std::pair<uint64_t, TaskRecord>> sorted;
  {
    util::MutexLock lock(&impl_->mu);
    for (const auto& [id, e] : impl_->tasks) {
      if (!e->deleted) sorted.emplace_back(e->seq, e->record);
    }
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<TaskRecord> out;
  out.reserve(sorted.size());
  for (auto& [seq, record] : sorted) out.push_back(std::move(record));
  return out;
}

util::Status TaskManager::Cancel(std::string_view task_id) {
  std::shared_ptr<Impl::Entry> e;
  std::unique_ptr<TaskJob> dropped;
  {
    util::MutexLock lock(&impl_->mu);
    e = impl_->FindVisibleLocked(task_id);
    if (e == nullptr) return TaskNotFound();
    if (IsFinished(e->record.state)) {
      return util::InvalidArgument("Task [" + std::string(task_id) + "] is already " +
                                   std::string(TaskStateName(e->record.state)) +
                                   " and cannot be cancelled");
    }
    e->cancel_requested = true;
    e->cancel_signal.Cancel();
    if (e->started) return util::Status::Ok();  // CANCELLED when its job returns
    dropped = impl_->CancelQueuedLocked(*e);
  }
  dropped.reset();
  util::Status s = impl_->Persist(*e);
  impl_->Settle(*e);
  return s;
}

util::Status TaskManager::Delete(std::string_view task_id) {
  std::unique_ptr<TaskJob> dropped;
  {
    util::MutexLock store_lock(&impl_->store_mu);
    {
      util::MutexLock lock(&impl_->mu);
      auto e = impl_->FindVisibleLocked(task_id);
      if (e == nullptr) return TaskNotFound();
      if (!e->started && !IsFinished(e->record.state)) {
        e->cancel_requested = true;
        dropped = impl_->CancelQueuedLocked(*e);
      }
      // Hidden at once and never written again. A running job's worker drops
      // the entry when the job returns; otherwise it goes now.
      e->deleted = true;
      if (e->started && !e->job_returned) {
        e->cancel_requested = true;
        e->cancel_signal.Cancel();
      } else {
        e->settled = true;
        impl_->tasks.erase(e->record.task_id);
      }
    }
    storage::WriteBatch batch;
    batch.Delete(Column::kTasks, TaskKey(task_id));
    batch.Delete(Column::kTasks, CheckpointKey(task_id));
    batch.Delete(Column::kTasks, AttachmentKey(task_id));
    SLUICE_RETURN_IF_ERROR(impl_->store->Write(batch));
  }
  impl_->done_cv.SignalAll();
  return util::Status::Ok();
}

util::Result<TaskRecord> TaskManager::Wait(std::string_view task_id) const {
  util::MutexLock lock(&impl_->mu);
  auto it = impl_->tasks.find(std::string(task_id));
  if (it == impl_->tasks.end()) return TaskNotFound();
  std::shared_ptr<Impl::Entry> e = it->second;
  while (!e->settled && !impl_->shutting_down) impl_->done_cv.Wait(&impl_->mu);
  return e->record;
}

}  // namespace sluice::tasks
