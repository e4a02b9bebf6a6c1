#include "http/worker_pool.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>

#include "util/thread_priority.h"

namespace sluice::http {

WorkerPool::WorkerPool(WorkerPoolOptions options) : options_(std::move(options)) {
  size_t n = std::max<size_t>(1, options_.threads);
  threads_.reserve(n);
  for (size_t i = 0; i < n; ++i) threads_.emplace_back([this] { Run(); });
}

WorkerPool::~WorkerPool() { Shutdown(); }

bool WorkerPool::Submit(std::function<void()>& task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shutdown_ || queue_.size() >= options_.queue_size + (threads_.size() - active_)) {
      // Free threads take tasks at once, so they do not count against the queue.
      ++rejected_;
      return false;
    }
    queue_.push_back(std::move(task));
  }
  cv_.notify_one();
  return true;
}

WorkerPool::Stats WorkerPool::GetStats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {.threads = threads_.size(),
          .active = active_,
          .queued = queue_.size(),
          .queue_size = options_.queue_size,
          .completed = completed_,
          .rejected = rejected_};
}

void WorkerPool::Shutdown() {
  std::deque<std::function<void()>> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shutdown_) return;
    shutdown_ = true;
    dropped.swap(queue_);
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
  // Destroyed outside the lock: a task's captures may take other locks.
  dropped.clear();
}

void WorkerPool::Run() {
  util::AddCurrentThreadNiceness(options_.nice);
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return shutdown_ || !queue_.empty(); });
    if (shutdown_) return;
    std::function<void()> task = std::move(queue_.front());
    queue_.pop_front();
    ++active_;
    lock.unlock();
    try {
      task();
    } catch (const std::exception& e) {
      spdlog::error("http worker_task_exception pool={} what=\"{}\"", options_.name, e.what());
    } catch (...) {
      spdlog::error("http worker_task_exception pool={} what=unknown", options_.name);
    }
    task = nullptr;  // captures released before the counters say the task is done
    lock.lock();
    --active_;
    ++completed_;
  }
}

}  // namespace sluice::http
