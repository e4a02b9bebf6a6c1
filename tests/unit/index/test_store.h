// Test helpers shared by the index/, search/ and api/ unit tests: a unique
// temporary directory holding a RocksDB Store that a test can close and reopen.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include "index/index.h"
#include "storage/store.h"

namespace sluice::testutil {

// A directory under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("sluice-unit-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
             std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A Store in a TempDir; Reopen() closes it and opens the same directory again.
class TempStore {
 public:
  TempStore() { Open(); }
  storage::Store* get() const { return store_.get(); }
  storage::Store* operator->() const { return store_.get(); }
  void Close() { store_.reset(); }
  void Reopen() {
    Close();
    Open();
  }

 private:
  void Open() {
    auto store = storage::Store::Open({.path = (dir_.path() / "db").string(), .sync = false});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }
  TempDir dir_;
  std::unique_ptr<storage::Store> store_;
};

// Index options for tests: graphs built on one thread, everything else default.
inline index::IndexOptions OneThread() {
  index::IndexOptions options;
  options.vector_threads = 1;
  return options;
}

}  // namespace sluice::testutil
