// Task attachments (sealed credentials): stored with the new task, handed to
// the JobFactory at Recover only, never part of the visible record, and gone
// once the task finishes or is deleted.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "storage/store.h"
#include "task_test_support.h"
#include "tasks/task_manager.h"

namespace sluice::tasks {
namespace {

using testing::JobFor;
using testing::Probe;
using testing::TempStore;

class TaskAttachmentTest : public ::testing::Test {
 protected:
  std::unique_ptr<TaskManager> NewManager() {
    return std::make_unique<TaskManager>(store_.get(), TaskManagerOptions{.max_running = 1});
  }
  std::string Submit(TaskManager& manager, const std::shared_ptr<Probe>& probe) {
    auto id = manager.Submit(
        "BATCH_INGEST", "{}", JobFor(probe), /*owner=*/"",
        [](const std::string& id) { return util::Result<std::string>("sealed-for-" + id); });
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : "";
  }
  bool Stored(const std::string& id) {
    auto value = store_.get()->Get(storage::Column::kTasks, "attach/" + id);
    return value.ok() && value->has_value();
  }
  TempStore store_;
};

TEST_F(TaskAttachmentTest, IsHandedToTheFactoryAtRecoverAndNeverShown) {
  auto manager = NewManager();
  auto probe = std::make_shared<Probe>();
  std::string id = Submit(*manager, probe);
  probe->WaitStarted();
  EXPECT_TRUE(Stored(id));
  EXPECT_EQ(manager->Get(id)->attachment, "");
  manager.reset();
  store_.Reopen();

  std::string seen;
  manager = NewManager();
  ASSERT_TRUE(
      manager
          ->Recover([&](const TaskRecord& record) -> util::Result<std::unique_ptr<TaskJob>> {
            seen = record.attachment;
            auto next = std::make_shared<Probe>();
            next->Finish();
            return JobFor(next);
          })
          .ok());
  EXPECT_EQ(manager->Wait(id)->state, TaskState::kCompleted);
  EXPECT_EQ(seen, "sealed-for-" + id);
  EXPECT_EQ(manager->Get(id)->attachment, "");
  EXPECT_FALSE(Stored(id)) << "a finished task keeps no attachment";
}

TEST_F(TaskAttachmentTest, IsRemovedWhenTheTaskCompletesOrIsDeleted) {
  auto manager = NewManager();
  auto done = std::make_shared<Probe>();
  std::string done_id = Submit(*manager, done);
  done->WaitStarted();
  done->Finish();
  EXPECT_EQ(manager->Wait(done_id)->state, TaskState::kCompleted);
  EXPECT_FALSE(Stored(done_id));

  auto running = std::make_shared<Probe>();
  std::string running_id = Submit(*manager, running);
  running->WaitStarted();
  ASSERT_TRUE(manager->Delete(running_id).ok());
  EXPECT_FALSE(Stored(running_id));
}

TEST_F(TaskAttachmentTest, IsRemovedWhenTheTaskCannotBeResumed) {
  auto manager = NewManager();
  auto probe = std::make_shared<Probe>();
  std::string id = Submit(*manager, probe);
  probe->WaitStarted();
  manager.reset();
  store_.Reopen();
  manager = NewManager();
  ASSERT_TRUE(manager
                  ->Recover([](const TaskRecord&) -> util::Result<std::unique_ptr<TaskJob>> {
                    return util::InvalidArgument("no key");
                  })
                  .ok());
  EXPECT_EQ(manager->Get(id)->state, TaskState::kFailed);
  EXPECT_FALSE(Stored(id));
}

TEST_F(TaskAttachmentTest, AFailingAttachmentRefusesTheTask) {
  auto manager = NewManager();
  auto id = manager->Submit("BATCH_INGEST", "{}", JobFor(std::make_shared<Probe>()), /*owner=*/"",
                            [](const std::string&) -> util::Result<std::string> {
                              return util::Internal("cannot seal");
                            });
  ASSERT_FALSE(id.ok());
  EXPECT_TRUE(manager->List().empty());
}

}  // namespace
}  // namespace sluice::tasks
