#include "sources/decompressing_source.h"

#include <zlib.h>
#include <zstd.h>

#include <cstring>
#include <string>

namespace sluice::sources {

class DecompressingSource::Impl {
 public:
  Impl(std::unique_ptr<ByteSource> raw, size_t buffer_size)
      : raw_(std::move(raw)), in_(std::max<size_t>(buffer_size, 16), '\0') {}

  ~Impl() {
    if (gzip_ready_) inflateEnd(&gzip_);
    if (zstd_ != nullptr) ZSTD_freeDStream(zstd_);
  }

  util::Status Init(bool detect) {
    if (!detect) return util::Status::Ok();
    // Fill at least the 4 magic bytes unless the object is shorter.
    while (in_end_ < 4) {
      SLUICE_ASSIGN_OR_RETURN(size_t n, raw_->Read(in_.data() + in_end_, in_.size() - in_end_));
      if (n == 0) {
        raw_eof_ = true;
        break;
      }
      in_end_ += n;
    }
    const auto* b = reinterpret_cast<const unsigned char*>(in_.data());
    if (in_end_ >= 2 && b[0] == 0x1f && b[1] == 0x8b) {
      compression_ = Compression::kGzip;
      std::memset(&gzip_, 0, sizeof(gzip_));
      if (inflateInit2(&gzip_, 15 + 16) != Z_OK) return util::Internal("inflateInit2 failed");
      gzip_ready_ = true;
    } else if (in_end_ >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd) {
      compression_ = Compression::kZstd;
      zstd_ = ZSTD_createDStream();
      if (zstd_ == nullptr) return util::Internal("ZSTD_createDStream failed");
      ZSTD_initDStream(zstd_);
    }
    return util::Status::Ok();
  }

  util::Result<size_t> Read(char* buf, size_t size) {
    if (!error_.ok()) return error_;
    if (size == 0) return size_t{0};
    util::Result<size_t> result = ReadImpl(buf, size);
    if (!result.ok()) error_ = result.status();
    return result;
  }

  uint64_t raw_bytes_read() const { return raw_->raw_bytes_read(); }
  Compression compression() const { return compression_; }

 private:
  util::Result<size_t> ReadImpl(char* buf, size_t size) {
    switch (compression_) {
      case Compression::kNone:
        return ReadPlain(buf, size);
      case Compression::kGzip:
        return ReadGzip(buf, size);
      case Compression::kZstd:
        return ReadZstd(buf, size);
    }
    return util::Internal("unknown compression");
  }

  // Makes input available; returns false at the end of the raw stream.
  util::Result<bool> FillInput() {
    if (in_pos_ < in_end_) return true;
    if (raw_eof_) return false;
    in_pos_ = in_end_ = 0;
    SLUICE_ASSIGN_OR_RETURN(size_t n, raw_->Read(in_.data(), in_.size()));
    if (n == 0) {
      raw_eof_ = true;
      return false;
    }
    in_end_ = n;
    return true;
  }

  util::Result<size_t> ReadPlain(char* buf, size_t size) {
    if (in_pos_ < in_end_) {
      size_t n = std::min(size, in_end_ - in_pos_);
      std::memcpy(buf, in_.data() + in_pos_, n);
      in_pos_ += n;
      return n;
    }
    if (raw_eof_) return size_t{0};
    return raw_->Read(buf, size);
  }

  util::Result<size_t> ReadGzip(char* buf, size_t size) {
    while (true) {
      SLUICE_ASSIGN_OR_RETURN(bool has_input, FillInput());
      if (!has_input) {
        if (member_done_) return size_t{0};
        return util::InvalidArgument("truncated gzip data: the stream ends inside a member");
      }
      if (member_done_) {
        // Another member follows (concatenated gzip files).
        inflateReset(&gzip_);
        member_done_ = false;
      }
      gzip_.next_in = reinterpret_cast<Bytef*>(in_.data() + in_pos_);
      gzip_.avail_in = static_cast<uInt>(in_end_ - in_pos_);
      gzip_.next_out = reinterpret_cast<Bytef*>(buf);
      gzip_.avail_out = static_cast<uInt>(std::min<size_t>(size, 1u << 30));
      int rc = inflate(&gzip_, Z_NO_FLUSH);
      in_pos_ = in_end_ - gzip_.avail_in;
      size_t produced = reinterpret_cast<char*>(gzip_.next_out) - buf;
      if (rc == Z_STREAM_END) {
        member_done_ = true;
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        return util::InvalidArgument(std::string("corrupt gzip data: ") +
                                     (gzip_.msg != nullptr ? gzip_.msg : "inflate failed"));
      }
      if (produced > 0) return produced;
    }
  }

  util::Result<size_t> ReadZstd(char* buf, size_t size) {
    while (true) {
      SLUICE_ASSIGN_OR_RETURN(bool has_input, FillInput());
      ZSTD_inBuffer input{in_.data() + in_pos_, in_end_ - in_pos_, 0};
      ZSTD_outBuffer output{buf, size, 0};
      if (!has_input && zstd_pending_ == 0) return size_t{0};
      size_t rc = ZSTD_decompressStream(zstd_, &output, &input);
      in_pos_ += input.pos;
      if (ZSTD_isError(rc)) {
        return util::InvalidArgument(std::string("corrupt zstd data: ") + ZSTD_getErrorName(rc));
      }
      zstd_pending_ = rc;  // 0 exactly at a frame boundary
      if (output.pos > 0) return output.pos;
      if (!has_input) {
        return util::InvalidArgument("truncated zstd data: the stream ends inside a frame");
      }
    }
  }

  std::unique_ptr<ByteSource> raw_;
  std::string in_;
  size_t in_pos_ = 0;
  size_t in_end_ = 0;
  bool raw_eof_ = false;
  Compression compression_ = Compression::kNone;
  z_stream gzip_{};
  bool gzip_ready_ = false;
  bool member_done_ = false;
  ZSTD_DStream* zstd_ = nullptr;
  size_t zstd_pending_ = 0;
  util::Status error_;
};

util::Result<std::unique_ptr<DecompressingSource>> DecompressingSource::Create(
    std::unique_ptr<ByteSource> raw, size_t buffer_size, bool detect) {
  auto impl = std::make_unique<Impl>(std::move(raw), buffer_size);
  SLUICE_RETURN_IF_ERROR(impl->Init(detect));
  return std::unique_ptr<DecompressingSource>(new DecompressingSource(std::move(impl)));
}

DecompressingSource::DecompressingSource(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DecompressingSource::~DecompressingSource() = default;

util::Result<size_t> DecompressingSource::Read(char* buf, size_t size) {
  return impl_->Read(buf, size);
}
uint64_t DecompressingSource::raw_bytes_read() const { return impl_->raw_bytes_read(); }
Compression DecompressingSource::compression() const { return impl_->compression(); }

}  // namespace sluice::sources
