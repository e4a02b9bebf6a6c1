#include "json/strict_json.h"

#include <rapidjson/reader.h>

#include <cstdio>
#include <string>
#include <unordered_set>
#include <vector>

namespace sluice::json {
namespace {

struct Utf8Error {
  size_t offset = 0;  // of the offending byte
  bool start = true;  // a bad first byte, else a bad continuation byte
};

// Offset of the first invalid sequence, or npos-like false.
bool FindInvalidUtf8(std::string_view s, Utf8Error* error) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;  // overlong
      if (c == 0xED) hi = 0x9F;  // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;  // overlong
      if (c == 0xF4) hi = 0x8F;  // past U+10FFFF
    } else {
      *error = {i, true};
      return true;
    }
    for (size_t k = 1; k < len; ++k) {
      if (i + k >= n) {
        *error = {i + k - 1, false};
        return true;
      }
      unsigned char b = p[i + k];
      unsigned char min = k == 1 ? lo : 0x80, max = k == 1 ? hi : 0xBF;
      if (b < min || b > max) {
        *error = {i + k, false};
        return true;
      }
    }
    i += len;
  }
  return false;
}

std::string Location(std::string_view text, size_t offset) {
  size_t line = 1, line_start = 0;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return "\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); "
         "line: " +
         std::to_string(line) + ", column: " + std::to_string(offset - line_start + 1) + "]";
}

util::Status ParseException(std::string reason) {
  return util::Status(util::Code::kInvalidArgument, "json_parse_exception", std::move(reason));
}

// Keeps the keys of every open object; stops the parse at a repeated one.
class DuplicateKeyHandler
    : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, DuplicateKeyHandler> {
 public:
  bool StartObject() {
    if (depth_ == levels_.size()) levels_.emplace_back();
    Level& level = levels_[depth_++];
    level.keys.clear();
    level.index.clear();
    return true;
  }
  bool EndObject(rapidjson::SizeType) {
    --depth_;
    return true;
  }
  bool Key(const char* str, rapidjson::SizeType len, bool) {
    Level& level = levels_[depth_ - 1];
    std::string_view key(str, len);
    bool seen = false;
    if (level.index.empty()) {
      for (const auto& k : level.keys) {
        if (k == key) seen = true;
      }
      if (!seen && level.keys.size() >= 16) {
        level.index.insert(level.keys.begin(), level.keys.end());
      }
    } else {
      seen = level.index.count(std::string(key)) > 0;
    }
    if (seen) {
      duplicate_ = std::string(key);
      return false;
    }
    if (level.index.empty()) {
      level.keys.emplace_back(key);
    } else {
      level.index.emplace(key);
    }
    return true;
  }
  bool Default() { return true; }

  const std::string& duplicate() const { return duplicate_; }

 private:
  struct Level {
    std::vector<std::string> keys;          // while small
    std::unordered_set<std::string> index;  // once large
  };
  std::vector<Level> levels_;
  size_t depth_ = 0;
  std::string duplicate_;
};

// `base` is the offset of `text` within `whole` (for locations).
util::Status CheckOne(std::string_view whole, size_t base, std::string_view text) {
  DuplicateKeyHandler handler;
  rapidjson::Reader reader;
  rapidjson::MemoryStream ms(text.data(), text.size());
  rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> is(ms);
  constexpr unsigned kFlags = rapidjson::kParseNumbersAsStringsFlag |
                              rapidjson::kParseNanAndInfFlag | rapidjson::kParseStopWhenDoneFlag;
  rapidjson::ParseResult result = reader.Parse<kFlags>(is, handler);
  if (!result && !handler.duplicate().empty()) {
    std::string name = handler.duplicate();
    return ParseException("Duplicate field '" + name + "'" +
                          Location(whole, base + result.Offset()));
  }
  return util::Status::Ok();
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  Utf8Error error;
  return !FindInvalidUtf8(text, &error);
}

util::Status CheckStrictJson(std::string_view text) {
  Utf8Error error;
  if (FindInvalidUtf8(text, &error)) {
    char byte[8];
    std::snprintf(byte, sizeof(byte), "0x%02x",
                  static_cast<unsigned>(static_cast<unsigned char>(text[error.offset])));
    return ParseException(std::string("Invalid UTF-8 ") + (error.start ? "start" : "middle") +
                          " byte " + byte + Location(text, error.offset));
  }
  return CheckOne(text, 0, text);
}

util::Status CheckStrictNdjson(std::string_view text) {
  Utf8Error error;
  if (FindInvalidUtf8(text, &error)) return CheckStrictJson(text);
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    if (line.find_first_not_of(" \t\r") != std::string_view::npos) {
      SLUICE_RETURN_IF_ERROR(CheckOne(text, pos, line));
    }
    pos = nl + 1;
  }
  return util::Status::Ok();
}

}  // namespace sluice::json
