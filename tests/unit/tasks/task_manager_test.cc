#include "tasks/task_manager.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "storage/store.h"
#include "task_test_support.h"
#include "tasks/task_record_codec.h"
#include "util/thread_priority.h"

namespace sluice::tasks {
namespace {

using testing::JobFor;
using testing::Probe;
using testing::TempStore;

class TaskManagerTest : public ::testing::Test {
 protected:
  std::unique_ptr<TaskManager> NewManager(int max_running = 2) {
    return std::make_unique<TaskManager>(store_.get(),
                                         TaskManagerOptions{.max_running = max_running});
  }

  std::string SubmitProbe(TaskManager& manager, const std::shared_ptr<Probe>& probe,
                          std::string request = R"({"index_name":"idx"})") {
    auto id = manager.Submit("BATCH_INGEST", std::move(request), JobFor(probe));
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : "";
  }

  // The record as the store holds it, bypassing any manager.
  std::optional<TaskRecord> StoredRecord(const std::string& id) {
    auto value = store_.get()->Get(storage::Column::kTasks, "task/" + id);
    EXPECT_TRUE(value.ok());
    if (!value.ok() || !value->has_value()) return std::nullopt;
    auto record = DecodeTaskRecord(**value);
    EXPECT_TRUE(record.ok()) << record.status().ToString();
    return record.ok() ? std::optional<TaskRecord>(*record) : std::nullopt;
  }

  static JobFactory FailingFactory() {
    return [](const TaskRecord&) -> util::Result<std::unique_ptr<TaskJob>> {
      return util::InvalidArgument("should not be called");
    };
  }

  TempStore store_;
};

TEST_F(TaskManagerTest, RunsSubmittedTaskThroughRunningToCompleted) {
  auto manager = NewManager();
  auto probe = std::make_shared<Probe>();
  std::string id = SubmitProbe(*manager, probe);
  EXPECT_EQ(id.size(), 20u);
  probe->WaitStarted();
  auto running = manager->Get(id);
  ASSERT_TRUE(running.ok());
  EXPECT_EQ(running->state, TaskState::kRunning);
  EXPECT_EQ(running->task_type, "BATCH_INGEST");
  EXPECT_EQ(running->request_json, R"({"index_name":"idx"})");
  EXPECT_EQ(StoredRecord(id)->state, TaskState::kRunning);

  probe->Finish();
  auto done = manager->Wait(id);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->state, TaskState::kCompleted);
  EXPECT_FALSE(done->error.has_value());
  EXPECT_GT(done->create_time, 0);
  EXPECT_GE(done->last_update_time, done->create_time);
  EXPECT_EQ(StoredRecord(id)->state, TaskState::kCompleted);
}

TEST_F(TaskManagerTest, JobsRunAtTheConfiguredNiceness) {
  const int base = util::CurrentThreadNiceness();
  TaskManager manager(store_.get(), TaskManagerOptions{.max_running = 1, .nice = 3});
  auto probe = std::make_shared<Probe>();
  int seen = -100;
  probe->on_start = [&](TaskContext&) {
    seen = util::CurrentThreadNiceness();
    return util::Status::Ok();
  };
  std::string id = SubmitProbe(manager, probe);
  probe->WaitStarted();
  EXPECT_EQ(seen, std::min(base + 3, 19));
  EXPECT_EQ(util::CurrentThreadNiceness(), base);
  probe->Finish();
  ASSERT_TRUE(manager.Wait(id).ok());
}

TEST_F(TaskManagerTest, FailingJobMakesTaskFailedWithReason) {
  auto manager = NewManager();
  auto probe = std::make_shared<Probe>();
  std::string id = SubmitProbe(*manager, probe);
  probe->Finish(util::InvalidArgument("Failed to batch ingest: No results for path: $['id']"));
  auto done = manager->Wait(id);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->state, TaskState::kFailed);
  EXPECT_EQ(done->error, "Failed to batch ingest: No results for path: $['id']");
  EXPECT_EQ(StoredRecord(id)->error, done->error);
}

class ThrowingJob : public TaskJob {
 public:
  util::Status Run(TaskContext&) override { throw std::runtime_error("boom"); }
};

TEST_F(TaskManagerTest, ThrowingJobMakesTaskFailedInsteadOfCrashing) {
  auto manager = NewManager();
  auto id = manager->Submit("BATCH_INGEST", "", std::make_unique<ThrowingJob>());
  ASSERT_TRUE(id.ok());
  auto done = manager->Wait(*id);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->state, TaskState::kFailed);
  ASSERT_TRUE(done->error.has_value());
  EXPECT_NE(done->error->find("boom"), std::string::npos);
}

TEST_F(TaskManagerTest, ThirdTaskWaitsCreatedWhileTwoRun) {
  auto manager = NewManager(2);
  auto a = std::make_shared<Probe>(), b = std::make_shared<Probe>(), c = std::make_shared<Probe>();
  std::string ida = SubmitProbe(*manager, a);
  std::string idb = SubmitProbe(*manager, b);
  std::string idc = SubmitProbe(*manager, c);
  a->WaitStarted();
  b->WaitStarted();
  EXPECT_EQ(manager->Get(idc)->state, TaskState::kCreated);
  EXPECT_FALSE(c->HasStarted());

  a->Finish();
  c->WaitStarted();
  EXPECT_EQ(manager->Get(idc)->state, TaskState::kRunning);
  b->Finish();
  c->Finish();
  EXPECT_EQ(manager->Wait(idb)->state, TaskState::kCompleted);
  EXPECT_EQ(manager->Wait(idc)->state, TaskState::kCompleted);
}

TEST_F(TaskManagerTest, StartsQueuedTasksInSubmissionOrder) {
  auto manager = NewManager(1);
  std::mutex mu;
  std::vector<int> order;
  std::vector<std::shared_ptr<Probe>> probes;
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    auto probe = std::make_shared<Probe>();
    probe->on_start = [&mu, &order, i](TaskContext&) {
      std::lock_guard lock(mu);
      order.push_back(i);
      return util::Status::Ok();
    };
    probes.push_back(probe);
    ids.push_back(SubmitProbe(*manager, probe));
  }
  for (int i = 0; i < 4; ++i) {
    probes[i]->WaitStarted();
    probes[i]->Finish();
    ASSERT_EQ(manager->Wait(ids[i])->state, TaskState::kCompleted);
  }
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3}));
}

TEST_F(TaskManagerTest, CancellingCreatedTaskCancelsItAtOnceWithoutRunningIt) {
  auto manager = NewManager(1);
  auto blocker = std::make_shared<Probe>(), queued = std::make_shared<Probe>();
  std::string blocker_id = SubmitProbe(*manager, blocker);
  std::string queued_id = SubmitProbe(*manager, queued);
  blocker->WaitStarted();

  ASSERT_TRUE(manager->Cancel(queued_id).ok());
  EXPECT_EQ(manager->Get(queued_id)->state, TaskState::kCancelled);
  EXPECT_EQ(StoredRecord(queued_id)->state, TaskState::kCancelled);

  // With one worker in FIFO order, a later task runs only after the queue passed it.
  auto later = std::make_shared<Probe>();
  std::string later_id = SubmitProbe(*manager, later);
  blocker->Finish();
  later->WaitStarted();
  later->Finish();
  EXPECT_EQ(manager->Wait(later_id)->state, TaskState::kCompleted);
  EXPECT_FALSE(queued->HasStarted());
}

TEST_F(TaskManagerTest, CancellingRunningTaskStopsItsJob) {
  auto manager = NewManager();
  auto probe = std::make_shared<Probe>();
  std::string id = SubmitProbe(*manager, probe);
  probe->WaitStarted();
  ASSERT_TRUE(manager->Cancel(id).ok());
  auto done = manager->Wait(id);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->state, TaskState::kCancelled);
  EXPECT_TRUE(probe->saw_cancel());
  EXPECT_EQ(StoredRecord(id)->state, TaskState::kCancelled);
}

// A job waiting out a long retry back-off wakes up when the task is cancelled
// (or the manager shuts down): the wait is on the context's cancel signal.
TEST_F(TaskManagerTest, CancelWakesAJobWaitingOnItsCancelSignal) {
  auto manager = NewManager();
  auto probe = std::make_shared<Probe>();
  std::atomic<bool> woke{false};
  probe->on_start = [&woke](TaskContext& context) -> util::Status {
    const util::CancelSignal* signal = context.cancel_signal();
    if (signal == nullptr) return util::Internal("no cancel signal");
    // Ten minutes: only a cancel ends it within the test's time.
    woke = signal->WaitFor(std::chrono::minutes(10));
    return woke ? util::Cancelled("cancelled during back-off") : util::Status::Ok();
  };
  std::string id = SubmitProbe(*manager, probe);
  // The task is RUNNING (on_start is running) before Cancel is called.
  while (manager->Get(id)->state != TaskState::kRunning) std::this_thread::yield();
  ASSERT_TRUE(manager->Cancel(id).ok());
  auto done = manager->Wait(id);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->state, TaskState::kCancelled);
  EXPECT_TRUE(woke);
}

TEST_F(TaskManagerTest, ShutdownWakesAJobWaitingOnItsCancelSignalAndKeepsItRunning) {
  auto manager = NewManager();
  auto probe = std::make_shared<Probe>();
  probe->on_start = [](TaskContext& context) -> util::Status {
    bool cancelled = context.cancel_signal()->WaitFor(std::chrono::minutes(10));
    return cancelled ? util::Cancelled("stopped by shutdown") : util::Status::Ok();
  };
  std::string id = SubmitProbe(*manager, probe);
  while (manager->Get(id)->state != TaskState::kRunning) std::this_thread::yield();
  manager.reset();  // joins the worker: returns only once the wait has ended
  EXPECT_TRUE(probe->HasStarted());
  EXPECT_EQ(StoredRecord(id)->state, TaskState::kRunning);  // resumed after a restart
}

TEST_F(TaskManagerTest, CancellingFinishedTaskIsAnIllegalArgument) {
  auto manager = NewManager();
  auto probe = std::make_shared<Probe>();
  std::string id = SubmitProbe(*manager, probe);
  probe->Finish();
  ASSERT_EQ(manager->Wait(id)->state, TaskState::kCompleted);
  util::Status s = manager->Cancel(id);
  EXPECT_EQ(s.code(), util::Code::kInvalidArgument);
  EXPECT_EQ(s.type(), "illegal_argument_exception");
  EXPECT_EQ(s.reason(), "Task [" + id + "] is already COMPLETED and cannot be cancelled");
}

TEST_F(TaskManagerTest, UnknownTaskIsNotFoundEverywhere) {
  auto manager = NewManager();
  auto check = [](const util::Status& s) {
    EXPECT_EQ(s.code(), util::Code::kNotFound);
    EXPECT_EQ(s.type(), "status_exception");
    EXPECT_EQ(s.reason(), "Failed to find task");
  };
  check(manager->Get("nope").status());
  check(manager->Wait("nope").status());
  check(manager->Cancel("nope"));
  check(manager->Delete("nope"));
}

TEST_F(TaskManagerTest, DeletingFinishedTaskRemovesItForGood) {
  auto manager = NewManager();
  auto probe = std::make_shared<Probe>();
  probe->on_start = [](TaskContext& context) { return context.SaveCheckpoint("ckpt"); };
  std::string id = SubmitProbe(*manager, probe);
  probe->Finish();
  ASSERT_EQ(manager->Wait(id)->state, TaskState::kCompleted);

  ASSERT_TRUE(manager->Delete(id).ok());
  EXPECT_EQ(manager->Get(id).status().code(), util::Code::kNotFound);
  EXPECT_TRUE(manager->List().empty());
  EXPECT_FALSE(StoredRecord(id).has_value());
  auto checkpoint = store_.get()->Get(storage::Column::kTasks, "ckpt/" + id);
  ASSERT_TRUE(checkpoint.ok());
  EXPECT_FALSE(checkpoint->has_value());
}

TEST_F(TaskManagerTest, DeletingRunningTaskCancelsItAndRemovesTheRecord) {
  auto manager = NewManager();
  auto probe = std::make_shared<Probe>();
  std::string id = SubmitProbe(*manager, probe);
  probe->WaitStarted();
  ASSERT_TRUE(manager->Delete(id).ok());
  EXPECT_EQ(manager->Get(id).status().code(), util::Code::kNotFound);
  probe->WaitStopped();
  EXPECT_TRUE(probe->saw_cancel());
  manager.reset();  // joins the worker: whatever it wrote last is in the store now
  EXPECT_FALSE(StoredRecord(id).has_value());

  store_.Reopen();
  manager = NewManager();
  ASSERT_TRUE(manager->Recover(FailingFactory()).ok());
  EXPECT_TRUE(manager->List().empty());
}

TEST_F(TaskManagerTest, DeletingCreatedTaskDropsItWithoutRunningIt) {
  auto manager = NewManager(1);
  auto blocker = std::make_shared<Probe>(), queued = std::make_shared<Probe>();
  std::string blocker_id = SubmitProbe(*manager, blocker);
  std::string queued_id = SubmitProbe(*manager, queued);
  blocker->WaitStarted();
  ASSERT_TRUE(manager->Delete(queued_id).ok());
  EXPECT_EQ(manager->Get(queued_id).status().code(), util::Code::kNotFound);
  EXPECT_FALSE(StoredRecord(queued_id).has_value());
  blocker->Finish();
  ASSERT_EQ(manager->Wait(blocker_id)->state, TaskState::kCompleted);
  manager.reset();
  EXPECT_FALSE(queued->HasStarted());
  EXPECT_FALSE(StoredRecord(queued_id).has_value());
}

TEST_F(TaskManagerTest, ProgressIsVisibleAtOnceAndPersistedWhenTheTaskEnds) {
  auto manager = NewManager();
  auto probe = std::make_shared<Probe>();
  probe->on_start = [](TaskContext& context) {
    context.SetProgress(0.25f, R"({"lines":1})");
    context.SetProgress(0.5f, R"({"lines":2})");
    return util::Status::Ok();
  };
  std::string id = SubmitProbe(*manager, probe);
  probe->WaitStarted();
  EXPECT_EQ(manager->Get(id)->ingest_status_json, R"({"lines":2})");
  EXPECT_EQ(manager->Get(id)->progress, 0.5f);
  probe->Finish();
  ASSERT_EQ(manager->Wait(id)->state, TaskState::kCompleted);
  EXPECT_EQ(StoredRecord(id)->ingest_status_json, R"({"lines":2})");
  EXPECT_EQ(StoredRecord(id)->progress, 0.5f);
}

TEST_F(TaskManagerTest, APartialErrorEndsTheTaskCompletedWithErrorAndIsPersisted) {
  auto manager = NewManager();
  auto probe = std::make_shared<Probe>();
  probe->on_start = [](TaskContext& context) {
    context.SetPartialError("2 of 5 records failed");
    return util::Status::Ok();
  };
  probe->Finish();
  std::string id = SubmitProbe(*manager, probe);
  auto done = manager->Wait(id);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->state, TaskState::kCompletedWithError);
  EXPECT_EQ(done->error, "2 of 5 records failed");
  EXPECT_EQ(StoredRecord(id)->state, TaskState::kCompletedWithError);
  EXPECT_EQ(StoredRecord(id)->error, "2 of 5 records failed");
  // A finished state: it cannot be cancelled.
  EXPECT_FALSE(manager->Cancel(id).ok());
}

TEST_F(TaskManagerTest, ListsTasksNewestFirst) {
  auto manager = NewManager();
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    auto probe = std::make_shared<Probe>();
    ids.push_back(SubmitProbe(*manager, probe));
    probe->Finish();
    ASSERT_EQ(manager->Wait(ids.back())->state, TaskState::kCompleted);
  }
  auto list = manager->List();
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].task_id, ids[2]);
  EXPECT_EQ(list[1].task_id, ids[1]);
  EXPECT_EQ(list[2].task_id, ids[0]);
}

TEST_F(TaskManagerTest, FinishedRecordsSurviveRestart) {
  auto manager = NewManager();
  auto ok = std::make_shared<Probe>(), bad = std::make_shared<Probe>();
  std::string ok_id = SubmitProbe(*manager, ok);
  std::string bad_id = SubmitProbe(*manager, bad);
  ok->Finish();
  bad->Finish(util::InvalidArgument("bad line"));
  TaskRecord ok_before = *manager->Wait(ok_id);
  TaskRecord bad_before = *manager->Wait(bad_id);
  manager.reset();
  store_.Reopen();

  manager = NewManager();
  ASSERT_TRUE(manager->Recover(FailingFactory()).ok());
  auto ok_after = manager->Get(ok_id);
  auto bad_after = manager->Get(bad_id);
  ASSERT_TRUE(ok_after.ok());
  ASSERT_TRUE(bad_after.ok());
  EXPECT_EQ(ok_after->state, TaskState::kCompleted);
  EXPECT_EQ(ok_after->create_time, ok_before.create_time);
  EXPECT_EQ(ok_after->last_update_time, ok_before.last_update_time);
  EXPECT_EQ(ok_after->request_json, ok_before.request_json);
  EXPECT_EQ(bad_after->state, TaskState::kFailed);
  EXPECT_EQ(bad_after->error, "bad line");
  EXPECT_EQ(manager->List().size(), 2u);
}

TEST_F(TaskManagerTest, ShutdownLeavesRunningTaskRunningInTheStore) {
  auto manager = NewManager();
  auto probe = std::make_shared<Probe>();
  std::string id = SubmitProbe(*manager, probe);
  probe->WaitStarted();
  manager.reset();
  EXPECT_TRUE(probe->saw_cancel());
  EXPECT_EQ(StoredRecord(id)->state, TaskState::kRunning);
}

TEST_F(TaskManagerTest, RecoverResumesUnfinishedTasksWithTheirCheckpoints) {
  auto manager = NewManager(1);
  auto running = std::make_shared<Probe>(), queued = std::make_shared<Probe>();
  running->on_start = [](TaskContext& context) {
    context.SetProgress(0.42f, R"({"lines":42})");
    return context.SaveCheckpoint("offset=42");
  };
  std::string running_id = SubmitProbe(*manager, running, R"({"n":1})");
  std::string queued_id = SubmitProbe(*manager, queued, R"({"n":2})");
  running->WaitStarted();
  manager.reset();
  store_.Reopen();

  std::mutex mu;
  std::vector<TaskRecord> seen;
  std::vector<std::optional<std::string>> checkpoints;
  JobFactory factory = [&](const TaskRecord& record) -> util::Result<std::unique_ptr<TaskJob>> {
    std::lock_guard lock(mu);
    seen.push_back(record);
    auto probe = std::make_shared<Probe>();
    probe->on_start = [&mu, &checkpoints](TaskContext& context) {
      std::lock_guard lock(mu);
      checkpoints.push_back(context.LoadCheckpoint());
      return util::Status::Ok();
    };
    probe->Finish();
    return JobFor(probe);
  };
  manager = NewManager(1);
  ASSERT_TRUE(manager->Recover(factory).ok());
  EXPECT_EQ(manager->Wait(running_id)->state, TaskState::kCompleted);
  EXPECT_EQ(manager->Wait(queued_id)->state, TaskState::kCompleted);

  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].task_id, running_id);
  EXPECT_EQ(seen[0].state, TaskState::kRunning);
  EXPECT_EQ(seen[0].request_json, R"({"n":1})");
  EXPECT_EQ(seen[0].ingest_status_json, R"({"lines":42})");
  EXPECT_EQ(seen[0].progress, 0.42f);
  EXPECT_EQ(seen[1].task_id, queued_id);
  EXPECT_EQ(seen[1].state, TaskState::kCreated);
  ASSERT_EQ(checkpoints.size(), 2u);  // one worker: resumed in creation order
  EXPECT_EQ(checkpoints[0], "offset=42");
  EXPECT_EQ(checkpoints[1], std::nullopt);
}

TEST_F(TaskManagerTest, RecoverMarksTaskFailedWhenItsJobCannotBeRebuilt) {
  auto manager = NewManager();
  auto probe = std::make_shared<Probe>();
  std::string id = SubmitProbe(*manager, probe);
  probe->WaitStarted();
  manager.reset();
  store_.Reopen();

  manager = NewManager();
  ASSERT_TRUE(manager
                  ->Recover([](const TaskRecord&) -> util::Result<std::unique_ptr<TaskJob>> {
                    return util::InvalidArgument("source [s3://gone] no longer exists");
                  })
                  .ok());
  auto record = manager->Get(id);
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->state, TaskState::kFailed);
  EXPECT_EQ(record->error, "source [s3://gone] no longer exists");
  EXPECT_EQ(StoredRecord(id)->state, TaskState::kFailed);
}

}  // namespace
}  // namespace sluice::tasks
