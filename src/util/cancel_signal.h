// CancelSignal: a one-shot "stop now" shared by the code that requests a stop
// (the task manager's Cancel, Delete and shutdown) and the code that waits
// (retry back-offs in sources/ and the remote sink). A wait ends as soon as
// Cancel() is called instead of sleeping out its (up to 10 s) delay.
//
// Thread-safety: every method may be called from any thread at any time.
// Cancel() is idempotent; once cancelled, a signal stays cancelled.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace sluice::util {

class CancelSignal {
 public:
  void Cancel() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      cancelled_ = true;
    }
    cv_.notify_all();
  }

  bool cancelled() const { return cancelled_.load(); }

  // Sleeps for `delay`, or less if Cancel() is called meanwhile. Returns true
  // when the signal is cancelled (before or during the wait).
  bool WaitFor(std::chrono::milliseconds delay) const {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, delay, [this] { return cancelled_.load(); });
  }

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::atomic<bool> cancelled_{false};  // written under mu_, read anywhere
};

// Sleeps for `delay`, interruptibly when `signal` is not null. True when
// cancelled.
inline bool SleepUnlessCancelled(const CancelSignal* signal, std::chrono::milliseconds delay) {
  if (signal == nullptr) {
    std::this_thread::sleep_for(delay);
    return false;
  }
  return signal->WaitFor(delay);
}

}  // namespace sluice::util
