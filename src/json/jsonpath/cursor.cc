#include "json/jsonpath/cursor.h"

#include <charconv>
#include <cmath>
#include <utility>

namespace sluice::json::jsonpath::internal {
namespace {

using util::Status;

constexpr int64_t kMaxSafeInt = (int64_t{1} << 53) - 1;

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    *out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out += static_cast<char>(0xC0 | (cp >> 6));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *out += static_cast<char>(0xE0 | (cp >> 12));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out += static_cast<char>(0xF0 | (cp >> 18));
    *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace

std::string Cursor::Found() const {
  if (AtEnd()) return "the end of the query";
  unsigned char c = static_cast<unsigned char>(text_[pos_]);
  if (c < 0x20) {
    static constexpr char kHex[] = "0123456789abcdef";
    return std::string("control character U+00") + kHex[c >> 4] + kHex[c & 0xF];
  }
  if (c >= 0x80) return "a non-ASCII character";
  return std::string("'") + static_cast<char>(c) + "'";
}

Status Cursor::ErrorAt(size_t pos, std::string_view message) const {
  return util::InvalidArgument("invalid JSONPath at position " + std::to_string(pos) + ": " +
                               std::string(message));
}

Status Cursor::Expected(std::string_view what) const {
  return ErrorAt(pos_, "expected " + std::string(what) + " but found " + Found());
}

// int = "0" / ["-"] DIGIT1 *DIGIT, within +-(2^53 - 1).
Status Cursor::ParseInt(int64_t* out) {
  size_t start = pos_;
  bool negative = Consume("-");
  if (!IsDigit(Peek())) return Expected("a digit");
  if (Peek() == '0' && (negative || IsDigit(Peek(1)))) {
    return ErrorAt(start, "integers may not have leading zeros or be '-0'");
  }
  int64_t value = 0;
  while (IsDigit(Peek())) {
    value = value * 10 + (Peek() - '0');
    ++pos_;
    if (value > kMaxSafeInt) {
      return ErrorAt(start, "integer outside the range -(2^53-1)..2^53-1");
    }
  }
  *out = negative ? -value : value;
  return Status::Ok();
}

// string-literal in single or double quotes, with JSON-style escapes.
Status Cursor::ParseString(std::string* out) {
  char quote = Peek();
  ++pos_;
  while (true) {
    if (AtEnd()) return Expected(std::string("closing ") + quote);
    char c = Peek();
    if (c == quote) {
      ++pos_;
      return Status::Ok();
    }
    if (static_cast<unsigned char>(c) < 0x20) {
      return Expected("an escaped control character in a string");
    }
    if (c != '\\') {
      *out += c;
      ++pos_;
      continue;
    }
    ++pos_;
    char e = Peek();
    switch (e) {
      case 'b':
        *out += '\b';
        break;
      case 'f':
        *out += '\f';
        break;
      case 'n':
        *out += '\n';
        break;
      case 'r':
        *out += '\r';
        break;
      case 't':
        *out += '\t';
        break;
      case '/':
        *out += '/';
        break;
      case '\\':
        *out += '\\';
        break;
      case 'u': {
        ++pos_;
        uint32_t cp = 0;
        SLUICE_RETURN_IF_ERROR(ParseUnicodeEscape(&cp));
        AppendUtf8(cp, out);
        continue;
      }
      default:
        if (e != quote) return Expected("a valid escape sequence after '\\'");
        *out += e;
    }
    ++pos_;
  }
}

Status Cursor::ParseHex4(uint32_t* out) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    char c = Peek();
    int d;
    if (IsDigit(c)) {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else {
      return Expected("four hexadecimal digits after '\\u'");
    }
    v = v * 16 + static_cast<uint32_t>(d);
    ++pos_;
  }
  *out = v;
  return Status::Ok();
}

// After "\u": a non-surrogate, or a high surrogate followed by "\u" and a low surrogate.
Status Cursor::ParseUnicodeEscape(uint32_t* cp) {
  size_t start = pos_;
  uint32_t hi = 0;
  SLUICE_RETURN_IF_ERROR(ParseHex4(&hi));
  if (hi >= 0xDC00 && hi <= 0xDFFF) return ErrorAt(start, "unpaired low surrogate in '\\u'");
  if (hi < 0xD800 || hi > 0xDBFF) {
    *cp = hi;
    return Status::Ok();
  }
  if (!Consume("\\u")) return Expected("'\\u' and a low surrogate after a high surrogate");
  uint32_t lo = 0;
  SLUICE_RETURN_IF_ERROR(ParseHex4(&lo));
  if (lo < 0xDC00 || lo > 0xDFFF) return ErrorAt(start, "high surrogate without a low surrogate");
  *cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
  return Status::Ok();
}

// number = (int / "-0") [ frac ] [ exp ].
Status Cursor::ParseNumber(Literal* lit) {
  size_t start = pos_;
  Consume("-");
  if (!IsDigit(Peek())) return Expected("a digit");
  if (Peek() == '0' && IsDigit(Peek(1)))
    return ErrorAt(start, "numbers may not have leading zeros");
  while (IsDigit(Peek())) ++pos_;
  bool integral = true;
  if (Peek() == '.') {
    ++pos_;
    if (!IsDigit(Peek())) return Expected("a digit after '.'");
    while (IsDigit(Peek())) ++pos_;
    integral = false;
  }
  if (Peek() == 'e' || Peek() == 'E') {
    ++pos_;
    if (Peek() == '+' || Peek() == '-') ++pos_;
    if (!IsDigit(Peek())) return Expected("a digit in the exponent");
    while (IsDigit(Peek())) ++pos_;
    integral = false;
  }
  std::string_view digits = text_.substr(start, pos_ - start);
  if (integral && digits != "-0") {
    int64_t v = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (ec == std::errc() && ptr == digits.data() + digits.size()) {
      lit->kind = Literal::Kind::kInt;
      lit->int_value = v;
      return Status::Ok();
    }
  }
  double d = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), d);
  if (ec != std::errc() || !std::isfinite(d)) return ErrorAt(start, "number out of range");
  lit->kind = Literal::Kind::kDouble;
  lit->double_value = d;
  return Status::Ok();
}

}  // namespace sluice::json::jsonpath::internal
