#include "ingest/line_reader.h"

#include <algorithm>
#include <cstring>

namespace sluice::ingest {
namespace {
constexpr size_t kReadChunk = 256 << 10;
}

LineReader::LineReader(std::unique_ptr<sources::ByteSource> source, size_t max_line_bytes,
                       uint64_t start_offset, uint64_t first_line)
    : source_(std::move(source)),
      max_line_bytes_(max_line_bytes),
      offset_(start_offset),
      next_number_(first_line) {}

util::Status LineReader::Fill() {
  if (begin_ > 0) {
    buffer_.erase(0, begin_);
    begin_ = 0;
  }
  size_t old = buffer_.size();
  buffer_.resize(old + kReadChunk);
  auto n = source_->Read(buffer_.data() + old, kReadChunk);
  if (!n.ok()) {
    buffer_.resize(old);
    return n.status();
  }
  buffer_.resize(old + *n);
  if (*n == 0) eof_ = true;
  return util::Status::Ok();
}

util::Result<std::optional<Line>> LineReader::Next() {
  bool discarding = false;  // inside a line that is already too long: drop its bytes
  size_t searched = 0;      // bytes after begin_ already scanned without a line ending
  while (true) {
    const char* data = buffer_.data();
    const size_t size = buffer_.size();
    size_t pos = begin_ + searched;
    while (pos < size && data[pos] != '\n' && data[pos] != '\r') ++pos;
    if (pos + 1 == size && data[pos] == '\r' && !eof_) {
      // A "\r\n" may be split across reads: read on, so that the line's
      // end_offset (a resume point) lies past the '\n' too.
      searched = pos - begin_;
      SLUICE_RETURN_IF_ERROR(Fill());
      continue;
    }
    if (pos < size || (eof_ && (begin_ < size || discarding))) {
      Line line;
      line.number = next_number_++;
      line.too_long = discarding;
      if (!discarding) line.text = std::string_view(data + begin_, pos - begin_);
      size_t next = pos < size ? pos + 1 : size;
      if (pos < size && data[pos] == '\r' && next < size && data[next] == '\n') ++next;
      offset_ += next - begin_;
      begin_ = next;
      line.end_offset = offset_;
      return std::optional<Line>(line);
    }
    if (eof_) return std::optional<Line>();
    searched = size - begin_;
    if (searched > max_line_bytes_) {
      offset_ += searched;
      begin_ = size;
      searched = 0;
      discarding = true;
    }
    SLUICE_RETURN_IF_ERROR(Fill());
  }
}

}  // namespace sluice::ingest
