// Checkpoint files of a vector index and the public factory functions.
//
// Layout (little-endian): header {magic "SLUICEVX", u32 version, u32 engine, u32 space,
// u32 data_type, u32 dimension, u32 m, u32 ef_construction, u32 ef_search, u32 encoder,
// u32 fp16_clip, u64 last_seq,
// u64 slot_count, u64 engine_bytes}, then slot_count u64 labels (kInvalidLabel = dead slot),
// then the engine's serialized graph, then a u32 CRC32 (zlib) of everything before it.
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <shared_mutex>

#include "vector/graph_vector_index.h"

namespace sluice::vector {
namespace {

using internal::Corrupt;
using internal::GraphVectorIndex;

constexpr char kMagic[8] = {'S', 'L', 'U', 'I', 'C', 'E', 'V', 'X'};
// Version 2 added the encoder fields (and the faiss engine's own graph layout); older files are
// rebuilt from the stored vectors.
constexpr uint32_t kVersion = 2;
constexpr int kHeaderWords = 10;
constexpr size_t kHeaderSize = 8 + 4 * kHeaderWords + 8 * 3;

template <typename T>
void Put(std::string* out, T v) {
  out->append(reinterpret_cast<const char*>(&v), sizeof(T));
}

template <typename T>
T Get(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

uint32_t Crc32(const char* data, size_t size) {
  uLong crc = crc32(0L, Z_NULL, 0);
  while (size > 0) {
    uInt chunk = static_cast<uInt>(std::min<size_t>(size, 1u << 30));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(data), chunk);
    data += chunk;
    size -= chunk;
  }
  return static_cast<uint32_t>(crc);
}

util::Status ErrnoStatus(const std::string& what, const std::string& path) {
  return util::IoError(what + " [" + path + "]: " + std::strerror(errno));
}

// Writes `data` to `path` via a temp file, fsync and rename, then fsyncs the directory.
util::Status WriteFileAtomically(const std::string& path, const std::string& data) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus("cannot create", tmp);
  size_t written = 0;
  while (written < data.size()) {
    ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      util::Status s = ErrnoStatus("cannot write", tmp);
      ::close(fd);
      ::unlink(tmp.c_str());
      return s;
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    util::Status s = ErrnoStatus("cannot fsync", tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return s;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    util::Status s = ErrnoStatus("cannot rename", tmp);
    ::unlink(tmp.c_str());
    return s;
  }
  std::string dir = std::filesystem::path(path).parent_path().string();
  int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return util::Status::Ok();
}

}  // namespace

namespace internal {

util::Status SaveCheckpoint(const GraphVectorIndex& index, const std::string& path,
                            uint64_t last_seq) {
  std::string file;
  {
    std::lock_guard<std::mutex> write_lock(index.write_mu_);
    std::shared_lock<internal::WriterFairSharedMutex> lock(index.mu_);
    std::string blob;
    SLUICE_RETURN_IF_ERROR(index.engine_->Serialize(&blob));
    const KnnMethod& m = index.method_;
    // In-flight slots cannot exist here (writers are excluded), so all slots are published.
    const std::vector<uint64_t>& labels = index.slot_label_;
    file.reserve(kHeaderSize + labels.size() * 8 + blob.size() + 4);
    file.append(kMagic, sizeof(kMagic));
    for (uint32_t v : {kVersion, static_cast<uint32_t>(m.engine), static_cast<uint32_t>(m.space),
                       static_cast<uint32_t>(m.data_type), static_cast<uint32_t>(m.dimension),
                       static_cast<uint32_t>(m.m), static_cast<uint32_t>(m.ef_construction),
                       static_cast<uint32_t>(m.ef_search), static_cast<uint32_t>(m.encoder),
                       static_cast<uint32_t>(m.fp16_clip)}) {
      Put(&file, v);
    }
    Put(&file, last_seq);
    Put(&file, static_cast<uint64_t>(labels.size()));
    Put(&file, static_cast<uint64_t>(blob.size()));
    file.append(reinterpret_cast<const char*>(labels.data()), labels.size() * sizeof(uint64_t));
    file.append(blob);
  }
  Put(&file, Crc32(file.data(), file.size()));
  return WriteFileAtomically(path, file);
}

}  // namespace internal

util::Result<std::unique_ptr<VectorIndex>> CreateVectorIndex(const KnnMethod& method,
                                                             VectorIndexOptions options) {
  SLUICE_RETURN_IF_ERROR(ValidateKnnMethod(method));
  try {
    return std::unique_ptr<VectorIndex>(std::make_unique<GraphVectorIndex>(method, options));
  } catch (const std::exception& e) {
    return util::Internal(std::string("cannot create vector index: ") + e.what());
  }
}

util::Result<LoadedVectorIndex> LoadVectorIndex(const std::string& path,
                                                VectorIndexOptions options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return util::IoError("cannot open vector index checkpoint [" + path + "]");
  std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return util::IoError("cannot read vector index checkpoint [" + path + "]");
  if (file.size() < kHeaderSize + 4) return Corrupt("file too short [" + path + "]");
  if (std::memcmp(file.data(), kMagic, sizeof(kMagic)) != 0) return Corrupt("bad magic");
  size_t body = file.size() - 4;
  if (Crc32(file.data(), body) != Get<uint32_t>(file.data() + body)) {
    return Corrupt("checksum mismatch (truncated or damaged) [" + path + "]");
  }
  const char* p = file.data() + sizeof(kMagic);
  uint32_t header[kHeaderWords];
  for (uint32_t& v : header) {
    v = Get<uint32_t>(p);
    p += 4;
  }
  if (header[0] != kVersion) return Corrupt("unsupported version " + std::to_string(header[0]));
  if (header[1] > 2 || header[2] > 5 || header[3] > 2 || header[8] > 1 || header[9] > 1) {
    return Corrupt("bad method enums");
  }
  KnnMethod method;
  method.engine = static_cast<Engine>(header[1]);
  method.space = static_cast<SpaceType>(header[2]);
  method.data_type = static_cast<DataType>(header[3]);
  method.dimension = static_cast<int>(header[4]);
  method.m = static_cast<int>(header[5]);
  method.ef_construction = static_cast<int>(header[6]);
  method.ef_search = static_cast<int>(header[7]);
  method.encoder = static_cast<Encoder>(header[8]);
  method.fp16_clip = header[9] != 0;
  if (!ValidateKnnMethod(method).ok()) return Corrupt("invalid method in header");
  uint64_t last_seq = Get<uint64_t>(p);
  uint64_t slots = Get<uint64_t>(p + 8);
  uint64_t blob_size = Get<uint64_t>(p + 16);
  p += 24;
  size_t remaining = body - kHeaderSize;
  if (slots > remaining / 8 || blob_size != remaining - slots * 8) {
    return Corrupt("section sizes do not match the file size");
  }
  std::vector<uint64_t> labels(slots);
  if (slots > 0) std::memcpy(labels.data(), p, slots * 8);
  std::string_view blob(p + slots * 8, blob_size);
  auto index = std::make_unique<GraphVectorIndex>(method, options);
  SLUICE_RETURN_IF_ERROR(index->Restore(std::move(labels), blob));
  return LoadedVectorIndex{std::move(index), last_seq};
}

}  // namespace sluice::vector
