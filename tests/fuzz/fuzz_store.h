// A RocksDB Store in a fresh temporary directory for the fuzz targets that
// need an index (no GoogleTest here: a setup failure aborts the fuzzer).
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "storage/store.h"

namespace sluice::fuzz {

class FuzzStore {
 public:
  FuzzStore() {
    path_ = std::filesystem::temp_directory_path() /
            ("sluice-fuzz-" + std::to_string(::getpid()) + "-" + std::to_string(std::rand()));
    std::filesystem::create_directories(path_);
    auto store = storage::Store::Open({.path = (path_ / "db").string(), .sync = false});
    if (!store.ok()) {
      std::fprintf(stderr, "fuzz store: %s\n", store.status().ToString().c_str());
      std::abort();
    }
    store_ = std::move(store).value();
  }
  ~FuzzStore() {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  storage::Store* get() const { return store_.get(); }

 private:
  std::filesystem::path path_;
  std::unique_ptr<storage::Store> store_;
};

// Aborts with the message when `ok` is false (setup of a fuzz target).
inline void Check(bool ok, const std::string& what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz setup failed: %s\n", what.c_str());
    std::abort();
  }
}

}  // namespace sluice::fuzz
