#include "sources/decompressing_source.h"

#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>
#include <random>

namespace sluice::sources {
namespace {

// An in-memory raw source that hands out at most `max_read` bytes per call.
class StringSource : public ByteSource {
 public:
  StringSource(std::string data, size_t max_read) : data_(std::move(data)), max_read_(max_read) {}
  util::Result<size_t> Read(char* buf, size_t size) override {
    size_t n = std::min({size, max_read_, data_.size() - pos_});
    std::memcpy(buf, data_.data() + pos_, n);
    pos_ += n;
    return n;
  }
  uint64_t raw_bytes_read() const override { return pos_; }

 private:
  std::string data_;
  size_t max_read_;
  size_t pos_ = 0;
};

std::string Gzip(const std::string& data) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY),
            Z_OK);
  std::string out(deflateBound(&z, data.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string Zstd(const std::string& data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
  EXPECT_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

std::string Jsonl(size_t lines) {
  std::mt19937 rng(42);
  std::string out;
  for (size_t i = 0; i < lines; ++i) {
    out += "{\"id\":" + std::to_string(i) + ",\"v\":[" + std::to_string(rng() % 1000) + "," +
           std::to_string(rng() % 1000) + "]}\n";
  }
  return out;
}

struct ReadOutcome {
  std::string data;
  util::Status status;
};

ReadOutcome ReadAll(const std::string& raw, size_t raw_chunk, size_t read_chunk,
                    Compression* compression = nullptr, uint64_t* raw_read = nullptr) {
  auto source = DecompressingSource::Create(std::make_unique<StringSource>(raw, raw_chunk), 64);
  if (!source.ok()) return {"", source.status()};
  if (compression != nullptr) *compression = (*source)->compression();
  ReadOutcome outcome;
  std::string buf(read_chunk, '\0');
  while (true) {
    auto n = (*source)->Read(buf.data(), buf.size());
    if (!n.ok()) {
      outcome.status = n.status();
      break;
    }
    if (*n == 0) break;
    outcome.data.append(buf.data(), *n);
  }
  if (raw_read != nullptr) *raw_read = (*source)->raw_bytes_read();
  return outcome;
}

TEST(DecompressingSourceTest, PassesUncompressedDataThroughUnchanged) {
  const std::string data = Jsonl(500);
  Compression compression;
  ReadOutcome out = ReadAll(data, 7, 13, &compression);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(compression, Compression::kNone);
  EXPECT_EQ(out.data, data);
}

TEST(DecompressingSourceTest, PassesObjectsShorterThanTheMagicThrough) {
  EXPECT_EQ(ReadAll("", 1, 1).data, "");
  EXPECT_EQ(ReadAll("{", 1, 1).data, "{");
  EXPECT_EQ(ReadAll("\x1f", 1, 4).data, "\x1f");
}

TEST(DecompressingSourceTest, InflatesGzipReadInTinyChunks) {
  const std::string data = Jsonl(3000);
  Compression compression;
  uint64_t raw_read = 0;
  const std::string gz = Gzip(data);
  ReadOutcome out = ReadAll(gz, 3, 1, &compression, &raw_read);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(compression, Compression::kGzip);
  EXPECT_EQ(out.data, data);
  EXPECT_EQ(raw_read, gz.size());  // compressed bytes, not decompressed
}

TEST(DecompressingSourceTest, InflatesEveryMemberOfConcatenatedGzip) {
  const std::string a = Jsonl(100);
  const std::string b = "{\"id\":\"second member\"}\n";
  ReadOutcome out = ReadAll(Gzip(a) + Gzip(b) + Gzip(""), 5, 11);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.data, a + b);
}

TEST(DecompressingSourceTest, DecompressesZstdFramesReadInTinyChunks) {
  const std::string a = Jsonl(4000);
  const std::string b = Jsonl(10);
  Compression compression;
  uint64_t raw_read = 0;
  const std::string zst = Zstd(a) + Zstd(b);
  ReadOutcome out = ReadAll(zst, 2, 1, &compression, &raw_read);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(compression, Compression::kZstd);
  EXPECT_EQ(out.data, a + b);
  EXPECT_EQ(raw_read, zst.size());
}

TEST(DecompressingSourceTest, LargeReadsReturnWholeData) {
  const std::string data = Jsonl(20000);
  EXPECT_EQ(ReadAll(Gzip(data), 1 << 16, 1 << 20).data, data);
  EXPECT_EQ(ReadAll(Zstd(data), 1 << 16, 1 << 20).data, data);
}

TEST(DecompressingSourceTest, TruncatedGzipIsAnError) {
  std::string gz = Gzip(Jsonl(1000));
  gz.resize(gz.size() / 2);
  ReadOutcome out = ReadAll(gz, 100, 100);
  EXPECT_EQ(out.status.code(), util::Code::kInvalidArgument);
  EXPECT_NE(out.status.reason().find("gzip"), std::string::npos);
}

TEST(DecompressingSourceTest, CorruptGzipIsAnError) {
  std::string gz = Gzip(Jsonl(1000));
  for (size_t i = 20; i < 60; ++i) gz[i] = static_cast<char>(0xff);
  EXPECT_EQ(ReadAll(gz, 100, 100).status.code(), util::Code::kInvalidArgument);
}

TEST(DecompressingSourceTest, TruncatedAndCorruptZstdAreErrors) {
  std::string zst = Zstd(Jsonl(1000));
  std::string truncated = zst.substr(0, zst.size() - 10);
  ReadOutcome out = ReadAll(truncated, 100, 100);
  EXPECT_EQ(out.status.code(), util::Code::kInvalidArgument);
  EXPECT_NE(out.status.reason().find("zstd"), std::string::npos);
  std::string corrupt = zst;
  for (size_t i = 8; i < corrupt.size(); ++i) corrupt[i] = static_cast<char>(i * 7);
  EXPECT_EQ(ReadAll(corrupt, 100, 100).status.code(), util::Code::kInvalidArgument);
}

TEST(DecompressingSourceTest, WithoutDetectionCompressedBytesPassThrough) {
  const std::string gz = Gzip("abc");
  auto source =
      DecompressingSource::Create(std::make_unique<StringSource>(gz, 100), 64, /*detect=*/false);
  ASSERT_TRUE(source.ok());
  std::string buf(100, '\0');
  auto n = (*source)->Read(buf.data(), buf.size());
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(buf.substr(0, *n), gz);
}

}  // namespace
}  // namespace sluice::sources
