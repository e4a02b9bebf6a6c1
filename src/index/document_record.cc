#include "index/document_record.h"

#include <cstring>

namespace sluice::index {
namespace {

constexpr size_t kHeaderSize = 20;

template <typename T>
void Put(std::string* out, T v) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));
  out->append(buf, sizeof(T));
}

template <typename T>
T Get(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

}  // namespace

std::string DocumentRecord::Encode() const {
  std::string out;
  out.reserve(kHeaderSize + source.size());
  Put(&out, version);
  Put(&out, seq_no);
  Put(&out, doc_no);
  out.append(source);
  return out;
}

std::optional<DocumentRecord> DocumentRecord::Decode(std::string_view value) {
  if (value.size() < kHeaderSize) return std::nullopt;
  DocumentRecord r;
  r.version = Get<int64_t>(value.data());
  r.seq_no = Get<int64_t>(value.data() + 8);
  r.doc_no = Get<uint32_t>(value.data() + 16);
  r.source = value.substr(kHeaderSize);
  return r;
}

}  // namespace sluice::index
