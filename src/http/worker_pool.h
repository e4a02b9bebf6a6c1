// WorkerPool: a fixed set of threads running submitted tasks from a bounded
// FIFO queue — the handler pools of the HTTP server, kept apart from its I/O
// threads so that slow requests of one kind never hold up cheap ones.
//
// Submit() never blocks: when `queue_size` tasks are already waiting it
// returns false and the caller answers 429 (OpenSearch's thread-pool
// rejection). Threads may run at a lower scheduling priority (`nice`, see
// util/thread_priority.h; threads a task starts inherit it), so a saturated
// search or write pool leaves CPU to the I/O threads and the management pool.
//
// Thread-safety: Submit() and Stats() may be called from any thread.
// Shutdown() (also run by the destructor) stops taking tasks, runs none of the
// queued ones (they are destroyed) and joins the threads; tasks must not call
// Shutdown() of their own pool. Tasks must not throw (an exception is logged
// and swallowed so the thread survives).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sluice::http {

struct WorkerPoolOptions {
  std::string name;          // for logs and rejection messages ("search", "write", ...)
  size_t threads = 1;        // at least 1
  size_t queue_size = 1000;  // tasks waiting beyond the running ones; more → rejected
  int nice = 0;              // added to each thread's niceness (Linux; ignored if refused)
};

class WorkerPool {
 public:
  explicit WorkerPool(WorkerPoolOptions options);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `task`; false (task untouched and not run) when the queue is full
  // or the pool is shut down.
  bool Submit(std::function<void()>& task);

  struct Stats {
    size_t threads = 0;
    size_t active = 0;  // tasks running now
    size_t queued = 0;  // tasks waiting
    size_t queue_size = 0;
    uint64_t completed = 0;
    uint64_t rejected = 0;
  };
  Stats GetStats() const;
  const std::string& name() const { return options_.name; }

  void Shutdown();

 private:
  void Run();

  const WorkerPoolOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;  // guarded by mu_
  size_t active_ = 0;                        // guarded by mu_
  uint64_t completed_ = 0;                   // guarded by mu_
  uint64_t rejected_ = 0;                    // guarded by mu_
  bool shutdown_ = false;                    // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace sluice::http
