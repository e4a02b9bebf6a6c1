#include "tasks/task_id.h"

#include <random>

namespace sluice::tasks {

std::string GenerateTaskId() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  static constexpr size_t kLength = 20;
  // A generator per thread: no shared mutable state, no locking.
  thread_local std::mt19937_64 engine{std::random_device{}()};
  std::string id(kLength, 'A');
  for (auto& c : id) c = kAlphabet[engine() & 63];
  return id;
}

}  // namespace sluice::tasks
