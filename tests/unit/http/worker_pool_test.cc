#include "http/worker_pool.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <thread>

#include "util/thread_priority.h"

namespace sluice::http {
namespace {

TEST(WorkerPoolTest, RunsTasksAndRejectsBeyondTheQueue) {
  WorkerPool pool({.name = "t", .threads = 1, .queue_size = 1});
  std::promise<void> entered, release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> ran{0};
  std::function<void()> blocker = [&] {
    entered.set_value();
    released.wait();
    ++ran;
  };
  ASSERT_TRUE(pool.Submit(blocker));
  entered.get_future().wait();
  std::function<void()> queued = [&] { ++ran; };
  ASSERT_TRUE(pool.Submit(queued));
  std::function<void()> third = [&] { ++ran; };
  EXPECT_FALSE(pool.Submit(third));
  EXPECT_TRUE(static_cast<bool>(third));  // a refused task is left to the caller
  WorkerPool::Stats st = pool.GetStats();
  EXPECT_EQ(st.active, 1u);
  EXPECT_EQ(st.queued, 1u);
  EXPECT_EQ(st.rejected, 1u);
  release.set_value();
  pool.Shutdown();  // joins; the queued task may or may not have run
  EXPECT_GE(ran.load(), 1);
}

TEST(WorkerPoolTest, IdleThreadsDoNotCountAgainstTheQueue) {
  WorkerPool pool({.name = "t", .threads = 2, .queue_size = 0});
  std::promise<void> done;
  std::function<void()> task = [&] { done.set_value(); };
  ASSERT_TRUE(pool.Submit(task));
  done.get_future().wait();
}

TEST(WorkerPoolTest, ShutdownDropsQueuedTasksAndRefusesNewOnes) {
  WorkerPool pool({.name = "t", .threads = 1, .queue_size = 10});
  pool.Shutdown();
  std::function<void()> task = [] {};
  EXPECT_FALSE(pool.Submit(task));
}

TEST(WorkerPoolTest, TasksAndTheThreadsTheyStartRunAtThePoolsNiceness) {
  const int base = util::CurrentThreadNiceness();
  WorkerPool pool({.name = "t", .threads = 1, .queue_size = 1, .nice = 4});
  std::promise<std::pair<int, int>> seen;
  std::function<void()> task = [&] {
    int child = 0;
    std::thread([&] { child = util::CurrentThreadNiceness(); }).join();
    seen.set_value({util::CurrentThreadNiceness(), child});
  };
  ASSERT_TRUE(pool.Submit(task));
  auto [worker, child] = seen.get_future().get();
  EXPECT_EQ(worker, std::min(base + 4, 19));
  EXPECT_EQ(child, worker);
  EXPECT_EQ(util::CurrentThreadNiceness(), base);  // the submitting thread keeps its own
}

}  // namespace
}  // namespace sluice::http
