// DocumentRecord: how a document is stored in the docs column family.
//
// Value layout (little-endian): version (8 bytes), seq_no (8), doc_no (4),
// then the _source exactly as sent. The doc number is stored so that vector
// graph checkpoints, whose labels are doc numbers, stay valid across restarts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::index {

struct DocumentRecord {
  int64_t version = 0;
  int64_t seq_no = 0;
  uint32_t doc_no = 0;
  std::string_view source;  // points into the decoded buffer

  std::string Encode() const;
  // nullopt when the value is too short to be a record (corruption).
  static std::optional<DocumentRecord> Decode(std::string_view value);
};

}  // namespace sluice::index
