#include "ingest/join_staging.h"

#include <cstring>

#include "storage/store.h"

namespace sluice::ingest {
namespace {

void PutU32(std::string* out, uint32_t v) {
  char b[4];
  std::memcpy(b, &v, 4);
  out->append(b, 4);
}

bool GetU32(std::string_view* in, uint32_t* v) {
  if (in->size() < 4) return false;
  std::memcpy(v, in->data(), 4);
  in->remove_prefix(4);
  return true;
}

std::string EncodeFields(const Fields& fields) {
  std::string out;
  PutU32(&out, static_cast<uint32_t>(fields.size()));
  for (const auto& [name, value] : fields) {
    PutU32(&out, static_cast<uint32_t>(name.size()));
    out += name;
    PutU32(&out, static_cast<uint32_t>(value.size()));
    out += value;
  }
  return out;
}

bool DecodeFields(std::string_view in, Fields* out) {
  uint32_t n;
  if (!GetU32(&in, &n)) return false;
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t len;
    if (!GetU32(&in, &len) || in.size() < len) return false;
    std::string name(in.substr(0, len));
    in.remove_prefix(len);
    if (!GetU32(&in, &len) || in.size() < len) return false;
    out->emplace_back(std::move(name), std::string(in.substr(0, len)));
    in.remove_prefix(len);
  }
  return true;
}

std::string BigEndian(uint64_t v, int bytes) {
  std::string out(static_cast<size_t>(bytes), '\0');
  for (int i = bytes - 1; i >= 0; --i) {
    out[static_cast<size_t>(i)] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

}  // namespace

std::string JoinStaging::TaskPrefix(std::string_view task_id) {
  return "j/" + std::string(task_id) + "/";
}

JoinStaging::JoinStaging(storage::Store* store, std::string_view task_id, size_t flush_rows)
    : store_(store),
      prefix_(TaskPrefix(task_id)),
      flush_rows_(flush_rows),
      pending_(std::make_unique<storage::WriteBatch>()) {}

JoinStaging::~JoinStaging() = default;

util::Status JoinStaging::MaybeFlush() {
  return pending_->Count() >= flush_rows_ ? Flush() : util::Status::Ok();
}

util::Status JoinStaging::AddFragment(std::string_view id, size_t source, const Fields& fields) {
  if (id.find('\0') != std::string_view::npos) {
    return util::InvalidArgument("_id values must not contain NUL characters");
  }
  std::string key = prefix_ + "d/";
  key.append(id);
  key.push_back('\0');
  key += BigEndian(source, 2);
  pending_->Put(storage::Column::kStaging, key, EncodeFields(fields));
  return MaybeFlush();
}

util::Status JoinStaging::AddPosition(size_t anchor, uint64_t position, std::string_view id) {
  pending_->Put(storage::Column::kStaging,
                prefix_ + "p/" + BigEndian(anchor, 2) + BigEndian(position, 8), id);
  return MaybeFlush();
}

util::Result<std::optional<std::string>> JoinStaging::IdAtPosition(size_t anchor,
                                                                   uint64_t position) {
  if (pending_->Count() > 0) SLUICE_RETURN_IF_ERROR(Flush());
  return store_->Get(storage::Column::kStaging,
                     prefix_ + "p/" + BigEndian(anchor, 2) + BigEndian(position, 8));
}

util::Status JoinStaging::Flush() {
  if (pending_->Count() == 0) return util::Status::Ok();
  util::Status s = store_->Write(*pending_);
  pending_ = std::make_unique<storage::WriteBatch>();
  return s;
}

util::Status JoinStaging::ForEachDocument(
    const std::optional<std::string>& after_id,
    const std::function<util::Status(const std::string&,
                                     const std::vector<std::pair<size_t, Fields>>&)>& visit)
    const {
  const std::string data_prefix = prefix_ + "d/";
  std::string current;
  std::vector<std::pair<size_t, Fields>> parts;
  util::Status error;
  auto emit = [&]() {
    if (!parts.empty() && (!after_id || current > *after_id)) error = visit(current, parts);
    parts.clear();
  };
  util::Status scan = store_->Scan(
      storage::Column::kStaging, data_prefix, [&](std::string_view key, std::string_view value) {
        std::string_view rest = key.substr(data_prefix.size());
        // The source number is the last two bytes, after a NUL.
        size_t nul = rest.size() >= 3 ? rest.size() - 3 : std::string_view::npos;
        if (nul == std::string_view::npos || rest[nul] != '\0') {
          error = util::Internal("corrupt staging key");
          return false;
        }
        std::string id(rest.substr(0, nul));
        size_t source = (static_cast<unsigned char>(rest[nul + 1]) << 8) |
                        static_cast<unsigned char>(rest[nul + 2]);
        if (id != current) {
          emit();
          if (!error.ok()) return false;
          current = std::move(id);
        }
        Fields fields;
        if (!DecodeFields(value, &fields)) {
          error = util::Internal("corrupt staging row");
          return false;
        }
        parts.emplace_back(source, std::move(fields));
        return true;
      });
  SLUICE_RETURN_IF_ERROR(scan);
  SLUICE_RETURN_IF_ERROR(error);
  emit();
  return error;
}

util::Status JoinStaging::Drop() {
  pending_ = std::make_unique<storage::WriteBatch>();
  storage::WriteBatch batch;
  batch.DeleteRange(storage::Column::kStaging, prefix_, storage::PrefixEnd(prefix_));
  return store_->Write(batch);
}

}  // namespace sluice::ingest
