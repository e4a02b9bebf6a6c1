#include "http/compression.h"

#include <zlib.h>

#include "http/request.h"

namespace sluice::http {
namespace {

constexpr size_t kChunk = 64 * 1024;

util::Status TooLarge(size_t limit) {
  return util::Status(
      util::Code::kTooLarge, "content_too_long_exception",
      "inflated request body is larger than the limit of [" + std::to_string(limit) + "] bytes");
}

// Inflates with the given zlib windowBits (15+32: gzip or zlib, -15: raw deflate).
util::Result<std::string> Inflate(std::string_view in, int window_bits, size_t limit) {
  z_stream zs{};
  if (inflateInit2(&zs, window_bits) != Z_OK) return util::Internal("inflateInit2 failed");
  std::string out;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  int rc = Z_OK;
  while (true) {
    size_t old = out.size();
    out.resize(old + kChunk);
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + old);
    zs.avail_out = static_cast<uInt>(kChunk);
    rc = inflate(&zs, Z_NO_FLUSH);
    out.resize(old + (kChunk - zs.avail_out));
    if (out.size() > limit) {
      inflateEnd(&zs);
      return TooLarge(limit);
    }
    if (rc == Z_STREAM_END) {
      // Concatenated gzip members are one body (as gunzip treats them).
      if (zs.avail_in > 0 && window_bits > 0) {
        if (inflateReset(&zs) != Z_OK) break;
        continue;
      }
      break;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;  // truncated input
    if (rc != Z_OK) break;
  }
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) {
    return util::InvalidArgument(
        "failed to decompress the request body: invalid or truncated data");
  }
  return out;
}

}  // namespace

util::Result<std::string> DecodeContent(std::string_view encoding, std::string_view body,
                                        size_t limit) {
  if (encoding.empty() || EqualsIgnoreCase(encoding, "identity")) {
    if (body.size() > limit) return TooLarge(limit);
    return std::string(body);
  }
  if (body.size() > (static_cast<size_t>(1) << 31)) {
    return util::InvalidArgument("compressed request body too large");
  }
  if (EqualsIgnoreCase(encoding, "gzip") || EqualsIgnoreCase(encoding, "x-gzip")) {
    return Inflate(body, 15 + 16, limit);
  }
  if (EqualsIgnoreCase(encoding, "deflate")) {
    // RFC 9110 says zlib-wrapped; some clients send raw deflate.
    auto zlib = Inflate(body, 15, limit);
    if (zlib.ok() || zlib.status().code() == util::Code::kTooLarge) return zlib;
    return Inflate(body, -15, limit);
  }
  return util::InvalidArgument("unsupported Content-Encoding [" + std::string(encoding) + "]");
}

util::Result<std::string> GzipCompress(std::string_view data) {
  if (data.size() > (static_cast<size_t>(1) << 31)) return util::InvalidArgument("too large");
  z_stream zs{};
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return util::Internal("deflateInit2 failed");
  }
  std::string out;
  out.resize(deflateBound(&zs, static_cast<uLong>(data.size())));
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return util::Internal("gzip compression failed");
  return out;
}

}  // namespace sluice::http
