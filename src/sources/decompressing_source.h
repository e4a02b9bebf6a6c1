// DecompressingSource: a ByteSource that sniffs the first bytes of another
// ByteSource and, for gzip (1f 8b) or zstd (28 b5 2f fd) data, decompresses it
// while streaming; any other data passes through unchanged.
//
// Contract: owns the raw source; not thread-safe. gzip may have several members
// (concatenated files) and zstd several frames. Corrupt or truncated compressed
// data is an error Status (kInvalidArgument, naming the format), never a crash.
// raw_bytes_read() is the raw (compressed) position. Memory: two buffers of
// `buffer_size` bytes plus the codec state.
#pragma once

#include <memory>

#include "sources/byte_source.h"

namespace sluice::sources {

enum class Compression { kNone, kGzip, kZstd };

class DecompressingSource : public ByteSource {
 public:
  // Sniffs the compression from the first bytes of `raw`. With `detect` false
  // the data is passed through unchanged (a resumed read in mid-object).
  static util::Result<std::unique_ptr<DecompressingSource>> Create(std::unique_ptr<ByteSource> raw,
                                                                   size_t buffer_size,
                                                                   bool detect = true);
  ~DecompressingSource() override;

  util::Result<size_t> Read(char* buf, size_t size) override;
  uint64_t raw_bytes_read() const override;

  Compression compression() const;

 private:
  class Impl;
  explicit DecompressingSource(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::sources
