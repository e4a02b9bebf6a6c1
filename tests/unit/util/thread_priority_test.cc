#include "util/thread_priority.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

namespace sluice::util {
namespace {

// Each test works on a thread of its own: niceness cannot be raised back
// without privileges, and the test runner's thread must keep its own.
TEST(ThreadPriorityTest, LowersOnlyTheCallingThread) {
  const int before = CurrentThreadNiceness();
  int after = 0, seen = 0;
  std::thread([&] {
    after = AddCurrentThreadNiceness(3);
    seen = CurrentThreadNiceness();
  }).join();
  EXPECT_EQ(after, std::min(before + 3, 19));
  EXPECT_EQ(seen, after);
  EXPECT_EQ(CurrentThreadNiceness(), before);
}

TEST(ThreadPriorityTest, ThreadsStartedByALoweredThreadInheritItsNiceness) {
  int parent = 0, child = 0;
  std::thread([&] {
    parent = AddCurrentThreadNiceness(4);
    std::thread([&] { child = CurrentThreadNiceness(); }).join();
  }).join();
  EXPECT_EQ(child, parent);
}

TEST(ThreadPriorityTest, ClampsAtNineteen) {
  int after = 0;
  std::thread([&] { after = AddCurrentThreadNiceness(100); }).join();
  EXPECT_EQ(after, 19);
}

}  // namespace
}  // namespace sluice::util
