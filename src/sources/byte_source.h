// ByteSource: a pull-based stream of bytes from one object (a local file, an S3
// object, an OpenAI file, an HTTP URL), possibly decompressed on the fly.
//
// Contract: not thread-safe; one reader at a time. Read() fills up to `size`
// bytes and returns how many it wrote; it returns 0 only at the end of the
// stream (never a spurious 0 before the end). Network retries and resumption
// (ranged re-requests) happen inside Read(); an error Status means the stream
// is broken for good and further calls return the same error. Memory is
// bounded by the reader's chunk size, never by the object size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "util/result.h"

namespace sluice::sources {

class ByteSource {
 public:
  virtual ~ByteSource() = default;

  // Reads up to `size` bytes into `buf`; returns 0 only at end of stream.
  virtual util::Result<size_t> Read(char* buf, size_t size) = 0;

  // Position in the underlying raw object: bytes consumed so far plus the raw
  // offset the stream was opened at (compressed bytes for compressed input).
  virtual uint64_t raw_bytes_read() const = 0;
};

// One object inside a source slot, as listed before reading.
struct SourceObject {
  // Display form: "/abs/path", "s3://bucket/key", "openai://file-abc", or the URL
  // with any user-info and query string removed (a query may carry a presigned
  // signature, so the display form never shows it).
  std::string location;
  // Raw size in bytes when known (for progress), else nullopt.
  std::optional<uint64_t> size;
  // Index of the data_source location this object was listed from. Open() uses
  // it to find the original URL for "http" objects.
  size_t slot = 0;
};

}  // namespace sluice::sources
