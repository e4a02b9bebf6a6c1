#include "util/thread_priority.h"

#include <algorithm>
#include <cerrno>

#if defined(__linux__)
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace sluice::util {

#if defined(__linux__)
namespace {
// setpriority(PRIO_PROCESS, tid) addresses one thread on Linux.
id_t Tid() { return static_cast<id_t>(syscall(SYS_gettid)); }
}  // namespace

int CurrentThreadNiceness() {
  errno = 0;
  int now = getpriority(PRIO_PROCESS, Tid());
  return errno == 0 ? now : 0;
}

int AddCurrentThreadNiceness(int increment) {
  int now = CurrentThreadNiceness();
  if (increment == 0) return now;
  int wanted = std::clamp(now + increment, -20, 19);
  if (setpriority(PRIO_PROCESS, Tid(), wanted) != 0) return now;
  return wanted;
}
#else
int CurrentThreadNiceness() { return 0; }
int AddCurrentThreadNiceness(int) { return 0; }
#endif

}  // namespace sluice::util
