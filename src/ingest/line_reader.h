// LineReader: splits a ByteSource into lines ("\n", "\r\n" or "\r" endings,
// like Java's readLine) with bounded memory, tracking each line's number and
// the byte offset just past it (for resume checkpoints).
//
// A line longer than max_line_bytes is an error for that line only: it is
// skipped and reported, and reading goes on. Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "sources/byte_source.h"
#include "util/result.h"

namespace sluice::ingest {

struct Line {
  std::string_view text;  // valid until the next Next() call
  uint64_t number = 0;    // 1-based within the object
  uint64_t end_offset = 0;  // decompressed offset just past the line and its ending
  bool too_long = false;    // text is empty; the line exceeded max_line_bytes
};

class LineReader {
 public:
  // first_line / start_offset: where a resumed read starts.
  LineReader(std::unique_ptr<sources::ByteSource> source, size_t max_line_bytes,
             uint64_t start_offset = 0, uint64_t first_line = 1);
  // The next line, or nullopt at the end of the stream.
  util::Result<std::optional<Line>> Next();
  uint64_t raw_bytes_read() const { return source_->raw_bytes_read(); }

 private:
  util::Status Fill();

  std::unique_ptr<sources::ByteSource> source_;
  size_t max_line_bytes_;
  std::string buffer_;
  size_t begin_ = 0;  // start of unread data in buffer_
  bool eof_ = false;
  uint64_t offset_;       // decompressed offset of buffer_[begin_]
  uint64_t next_number_;
};

}  // namespace sluice::ingest
