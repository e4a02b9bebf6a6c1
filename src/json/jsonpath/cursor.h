// Cursor: position-tracking scanner over JSONPath query text, with the lexical
// productions of RFC 9535 (integers, numbers, quoted strings with escapes) and
// the error format shared by the whole parser:
//   invalid JSONPath at position <0-based offset>: expected <what> but found <what>
// The Parser derives from it. Holds a view of the text, which must outlive it.
// Not thread-safe; cheap to create.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "json/jsonpath/ast.h"
#include "util/status.h"

namespace sluice::json::jsonpath::internal {

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}

  size_t pos() const { return pos_; }
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  void SkipBlank() {
    while (!AtEnd() && IsBlank(text_[pos_])) ++pos_;
  }
  // Advances past `token` if the text continues with it.
  bool Consume(std::string_view token) {
    if (text_.substr(pos_, token.size()) != token) return false;
    pos_ += token.size();
    return true;
  }

  util::Status ErrorAt(size_t pos, std::string_view message) const;
  // "expected <what> but found <the character at pos()>".
  util::Status Expected(std::string_view what) const;

  // int = "0" / ["-"] DIGIT1 *DIGIT, within +-(2^53 - 1) (I-JSON).
  util::Status ParseInt(int64_t* out);
  // A single- or double-quoted string literal; *out gets the unescaped UTF-8.
  util::Status ParseString(std::string* out);
  // number = (int / "-0") [ frac ] [ exp ], as an integer literal when it is one.
  util::Status ParseNumber(Literal* lit);

 protected:
  std::string_view text_;
  size_t pos_ = 0;

 private:
  std::string Found() const;
  util::Status ParseHex4(uint32_t* out);
  util::Status ParseUnicodeEscape(uint32_t* cp);
};

}  // namespace sluice::json::jsonpath::internal
