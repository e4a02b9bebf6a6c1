#include "http/compression.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>

namespace sluice::http {
namespace {

std::string Deflate(std::string_view data, int window_bits) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, data.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string Text(size_t n) {
  std::string s;
  for (size_t i = 0; s.size() < n; ++i) s += "{\"id\":" + std::to_string(i) + "}\n";
  s.resize(n);
  return s;
}

TEST(CompressionTest, InflatesGzip) {
  std::string body = Text(200000);
  auto out = DecodeContent("gzip", Deflate(body, 31), 1 << 20);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, body);
}

TEST(CompressionTest, InflatesConcatenatedGzipMembers) {
  auto out = DecodeContent("GZIP", Deflate("hello ", 31) + Deflate("world", 31), 100);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "hello world");
}

TEST(CompressionTest, InflatesZlibWrappedAndRawDeflate) {
  auto zlib = DecodeContent("deflate", Deflate("abc", 15), 100);
  ASSERT_TRUE(zlib.ok()) << zlib.status().ToString();
  EXPECT_EQ(*zlib, "abc");
  auto raw = DecodeContent("deflate", Deflate("xyz", -15), 100);
  ASSERT_TRUE(raw.ok()) << raw.status().ToString();
  EXPECT_EQ(*raw, "xyz");
}

TEST(CompressionTest, InflatedSizeOverLimitIsTooLarge) {
  std::string body(1 << 20, 'a');  // compresses to about 1 KiB
  auto out = DecodeContent("gzip", Deflate(body, 31), 1000);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), util::Code::kTooLarge);
}

TEST(CompressionTest, CorruptOrTruncatedDataIsInvalid) {
  auto corrupt = DecodeContent("gzip", "definitely not gzip", 100);
  ASSERT_FALSE(corrupt.ok());
  EXPECT_EQ(corrupt.status().code(), util::Code::kInvalidArgument);
  std::string gz = Deflate(Text(5000), 31);
  auto truncated = DecodeContent("gzip", gz.substr(0, gz.size() / 2), 1 << 20);
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.status().code(), util::Code::kInvalidArgument);
}

TEST(CompressionTest, UnsupportedEncodingIsInvalid) {
  auto out = DecodeContent("br", "x", 100);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), util::Code::kInvalidArgument);
  EXPECT_NE(out.status().reason().find("[br]"), std::string::npos);
}

TEST(CompressionTest, IdentityIsCopiedAndLimited) {
  auto out = DecodeContent("identity", "abc", 3);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "abc");
  EXPECT_FALSE(DecodeContent("", "abcd", 3).ok());
}

TEST(CompressionTest, GzipCompressRoundTrips) {
  std::string body = Text(50000);
  auto gz = GzipCompress(body);
  ASSERT_TRUE(gz.ok());
  EXPECT_LT(gz->size(), body.size());
  auto back = DecodeContent("gzip", *gz, body.size());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, body);
}

}  // namespace
}  // namespace sluice::http
