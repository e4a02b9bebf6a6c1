// Test helpers for tasks/ and the Tasks REST API tests: a Store in a temporary
// directory that can be reopened (a "restart"), and ProbeJob, a fake TaskJob
// that a test drives with events instead of sleeps.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>

#include "storage/store.h"
#include "tasks/task_manager.h"
#include "util/status.h"

namespace sluice::tasks::testing {

class TempStore {
 public:
  TempStore() {
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("sluice-tasks-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
            std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir_);
    Open();
  }
  ~TempStore() {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  TempStore(const TempStore&) = delete;
  TempStore& operator=(const TempStore&) = delete;

  storage::Store* get() const { return store_.get(); }
  // Closes and opens the same database, as a process restart would.
  void Reopen() {
    store_.reset();
    Open();
  }

 private:
  void Open() {
    auto store = storage::Store::Open({.path = (dir_ / "db").string(), .sync = false});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }
  std::filesystem::path dir_;
  std::unique_ptr<storage::Store> store_;
};

// Shared between a test and its ProbeJob. The job runs `on_start` (if set),
// reports that it started, then waits until the test calls Finish() or the
// task is cancelled (then it returns a Cancelled status).
class Probe {
 public:
  std::function<util::Status(TaskContext&)> on_start;

  // Blocks until the job's Run has begun (and on_start has returned).
  void WaitStarted() { started_future_.wait(); }
  bool HasStarted() const {
    return started_future_.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
  }
  // Blocks until Run has returned.
  void WaitStopped() { stopped_future_.wait(); }
  void Finish(util::Status outcome = {}) {
    std::lock_guard lock(mu_);
    outcome_ = std::move(outcome);
    cv_.notify_all();
  }
  bool saw_cancel() const { return saw_cancel_; }

  util::Status Run(TaskContext& context) {
    util::Status result = on_start ? on_start(context) : util::Status::Ok();
    started_.set_value();
    if (result.ok()) result = AwaitOutcome(context);
    stopped_.set_value();
    return result;
  }

 private:
  util::Status AwaitOutcome(TaskContext& context) {
    std::unique_lock lock(mu_);
    // Like a real job, notice cancellation between batches (here: every few ms).
    while (!cv_.wait_for(lock, std::chrono::milliseconds(2),
                         [this] { return outcome_.has_value(); })) {
      if (context.cancelled()) {
        saw_cancel_ = true;
        return util::Cancelled("job cancelled");
      }
    }
    return *outcome_;
  }

  std::promise<void> started_;
  std::shared_future<void> started_future_ = started_.get_future().share();
  std::promise<void> stopped_;
  std::shared_future<void> stopped_future_ = stopped_.get_future().share();
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<util::Status> outcome_;
  std::atomic<bool> saw_cancel_{false};
};

class ProbeJob : public TaskJob {
 public:
  explicit ProbeJob(std::shared_ptr<Probe> probe) : probe_(std::move(probe)) {}
  util::Status Run(TaskContext& context) override { return probe_->Run(context); }

 private:
  std::shared_ptr<Probe> probe_;
};

inline std::unique_ptr<TaskJob> JobFor(const std::shared_ptr<Probe>& probe) {
  return std::make_unique<ProbeJob>(probe);
}

}  // namespace sluice::tasks::testing
