#include "ingest/line_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

namespace sluice::ingest {
namespace {

// Serves a string in reads of at most `chunk` bytes (to cross buffer edges).
class StringSource : public sources::ByteSource {
 public:
  StringSource(std::string data, size_t chunk) : data_(std::move(data)), chunk_(chunk) {}
  util::Result<size_t> Read(char* buf, size_t size) override {
    size_t n = std::min({size, chunk_, data_.size() - pos_});
    std::memcpy(buf, data_.data() + pos_, n);
    pos_ += n;
    return n;
  }
  uint64_t raw_bytes_read() const override { return pos_; }

 private:
  std::string data_;
  size_t chunk_;
  size_t pos_ = 0;
};

class FailingSource : public sources::ByteSource {
 public:
  util::Result<size_t> Read(char*, size_t) override {
    return util::Unavailable("connection reset");
  }
  uint64_t raw_bytes_read() const override { return 0; }
};

struct Got {
  std::string text;
  uint64_t number;
  uint64_t end_offset;
  bool too_long;
};

std::vector<Got> ReadAll(const std::string& data, size_t chunk = 1 << 20, size_t max = 1 << 20,
                         uint64_t start_offset = 0, uint64_t first_line = 1) {
  LineReader reader(std::make_unique<StringSource>(data, chunk), max, start_offset, first_line);
  std::vector<Got> out;
  while (true) {
    auto line = reader.Next();
    EXPECT_TRUE(line.ok()) << line.status().ToString();
    if (!line.ok() || !*line) break;
    out.push_back({std::string((*line)->text), (*line)->number, (*line)->end_offset,
                   (*line)->too_long});
  }
  return out;
}

TEST(LineReaderTest, SplitsOnLfCrLfAndCrLikeJavaReadLine) {
  auto lines = ReadAll("a\nbb\r\nccc\rd");
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].text, "a");
  EXPECT_EQ(lines[1].text, "bb");
  EXPECT_EQ(lines[2].text, "ccc");
  EXPECT_EQ(lines[3].text, "d");
  EXPECT_EQ(lines[3].number, 4u);
}

TEST(LineReaderTest, ATrailingNewlineAddsNoLineButBlankLinesInsideAreLines) {
  auto lines = ReadAll("a\n\nb\n");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1].text, "");
  EXPECT_EQ(lines[2].text, "b");
  EXPECT_EQ(lines[2].number, 3u);
  EXPECT_TRUE(ReadAll("").empty());
}

TEST(LineReaderTest, EndOffsetsPointJustPastEachLineEnding) {
  auto lines = ReadAll("ab\r\ncd\nef");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].end_offset, 4u);
  EXPECT_EQ(lines[1].end_offset, 7u);
  EXPECT_EQ(lines[2].end_offset, 9u);
}

TEST(LineReaderTest, CrLfSplitAcrossReadsIsOneLineEnding) {
  // One byte per read: the '\n' of "\r\n" arrives in a later read.
  auto lines = ReadAll("x\r\ny\r\n", 1);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].text, "x");
  EXPECT_EQ(lines[1].text, "y");
  EXPECT_EQ(lines[1].end_offset, 6u);
}

TEST(LineReaderTest, LinesLongerThanTheReadChunkArriveWhole) {
  std::string big(700000, 'z');  // longer than the reader's 256 KiB read size
  auto lines = ReadAll("s\n" + big + "\nt\n", 4096);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1].text, big);
  EXPECT_EQ(lines[2].text, "t");
}

TEST(LineReaderTest, ATooLongLineIsReportedEmptyAndReadingGoesOn) {
  std::string big(5000, 'q');
  auto lines = ReadAll("ok\n" + big + "\nafter\n", 100, 1000);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_FALSE(lines[0].too_long);
  EXPECT_TRUE(lines[1].too_long);
  EXPECT_EQ(lines[1].text, "");
  EXPECT_EQ(lines[1].number, 2u);
  EXPECT_EQ(lines[1].end_offset, 3u + 5001u);
  EXPECT_EQ(lines[2].text, "after");
  EXPECT_FALSE(lines[2].too_long);
  EXPECT_EQ(lines[2].number, 3u);
}

TEST(LineReaderTest, ATooLongLastLineWithoutNewlineIsReported) {
  auto lines = ReadAll("a\n" + std::string(3000, 'w'), 64, 1000);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(lines[1].too_long);
}

TEST(LineReaderTest, AResumedReaderNumbersLinesAndOffsetsFromTheCheckpoint) {
  // The source was opened at offset 100 (after line 7): numbering and offsets continue.
  auto lines = ReadAll("h\ni\n", 1 << 20, 1 << 20, 100, 8);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].number, 8u);
  EXPECT_EQ(lines[0].end_offset, 102u);
  EXPECT_EQ(lines[1].number, 9u);
  EXPECT_EQ(lines[1].end_offset, 104u);
}

TEST(LineReaderTest, ASourceErrorIsReturned) {
  LineReader reader(std::make_unique<FailingSource>(), 1024);
  auto line = reader.Next();
  ASSERT_FALSE(line.ok());
  EXPECT_NE(line.status().reason().find("connection reset"), std::string::npos);
}

}  // namespace
}  // namespace sluice::ingest
