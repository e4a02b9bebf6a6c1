#include "index/id_generator.h"

#include <random>

namespace sluice::index {

std::string GenerateId(size_t length) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  // One generator per thread: no shared mutable state, no locking.
  thread_local std::mt19937_64 engine{std::random_device{}()};
  std::string id(length, 'A');
  for (auto& c : id) c = kAlphabet[engine() & 63];
  return id;
}

}  // namespace sluice::index
