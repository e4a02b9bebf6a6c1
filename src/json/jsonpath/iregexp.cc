#include "json/jsonpath/iregexp.h"

#include <re2/re2.h>

#include <cctype>
#include <string_view>
#include <utility>

namespace sluice::json::jsonpath::internal {
namespace {

// Groups nest at most this deep; deeper patterns are rejected rather than
// recursing without bound.
constexpr int kMaxGroupDepth = 64;

// A recursive-descent pass over the RFC 9485 grammar that writes RE2 syntax as
// it goes. Non-ASCII bytes are copied through: the pattern is valid UTF-8 and
// every non-ASCII code point is an ordinary character in I-Regexp.
class Translator {
 public:
  explicit Translator(std::string_view pattern) : in_(pattern) {}

  std::optional<std::string> Run() {
    if (!Regexp() || pos_ != in_.size()) return std::nullopt;
    return std::move(out_);
  }

 private:
  bool AtEnd() const { return pos_ >= in_.size(); }
  char Peek(size_t ahead = 0) const { return pos_ + ahead < in_.size() ? in_[pos_ + ahead] : '\0'; }

  bool Regexp() {
    if (!Branch()) return false;
    while (!AtEnd() && Peek() == '|') {
      ++pos_;
      out_ += '|';
      if (!Branch()) return false;
    }
    return true;
  }

  bool Branch() {
    while (!AtEnd() && Peek() != '|' && Peek() != ')') {
      if (!Atom() || !Quantifier()) return false;
    }
    return true;
  }

  bool Quantifier() {
    if (AtEnd()) return true;
    char c = Peek();
    if (c == '*' || c == '+' || c == '?') {
      out_ += c;
      ++pos_;
      return true;
    }
    if (c != '{') return true;
    size_t start = pos_++;
    if (!Digits()) return false;
    if (Peek() == ',') {
      ++pos_;
      if (Peek() != '}' && !Digits()) return false;
    }
    if (Peek() != '}') return false;
    ++pos_;
    out_.append(in_.substr(start, pos_ - start));
    return true;
  }

  bool Digits() {
    size_t start = pos_;
    while (!AtEnd() && Peek() >= '0' && Peek() <= '9') ++pos_;
    return pos_ > start;
  }

  bool Atom() {
    char c = Peek();
    switch (c) {
      case '(': {
        if (++depth_ > kMaxGroupDepth) return false;
        ++pos_;
        out_ += "(?:";
        if (!Regexp() || Peek() != ')') return false;
        ++pos_;
        out_ += ')';
        --depth_;
        return true;
      }
      case '.':
        ++pos_;
        out_ += "[^\\n\\r]";
        return true;
      case '[':
        return ClassExpr();
      case '\\':
        return Escape();
      case ')':
      case '*':
      case '+':
      case '?':
      case '{':
      case '}':
      case ']':
      case '|':
        return false;
      default:
        out_ += c;
        ++pos_;
        return true;
    }
  }

  // After a backslash: a single-character escape or \p{..} / \P{..}.
  bool Escape() {
    ++pos_;
    if (AtEnd()) return false;
    char c = Peek();
    ++pos_;
    switch (c) {
      case 'n':
        out_ += "\\n";
        return true;
      case 'r':
        out_ += "\\r";
        return true;
      case 't':
        out_ += "\\t";
        return true;
      case '(':
      case ')':
      case '*':
      case '+':
      case '-':
      case '.':
      case '?':
      case '[':
      case '\\':
      case ']':
      case '^':
      case '{':
      case '|':
      case '}':
        out_ += '\\';
        out_ += c;
        return true;
      case 'p':
      case 'P':
        return Property(c);
      default:
        return false;
    }
  }

  bool Property(char p) {
    if (Peek() != '{') return false;
    ++pos_;
    size_t start = pos_;
    while (!AtEnd() && Peek() != '}') ++pos_;
    if (AtEnd()) return false;
    std::string_view name = in_.substr(start, pos_ - start);
    ++pos_;
    if (!IsCategory(name)) return false;
    out_ += '\\';
    out_ += p;
    out_ += '{';
    out_.append(name);
    out_ += '}';
    return true;
  }

  static bool IsCategory(std::string_view name) {
    if (name.empty() || name.size() > 2) return false;
    std::string_view subs;
    switch (name[0]) {
      case 'L':
        subs = "lmotu";
        break;
      case 'M':
        subs = "cen";
        break;
      case 'N':
        subs = "dlo";
        break;
      case 'P':
        subs = "cdefios";
        break;
      case 'Z':
        subs = "lps";
        break;
      case 'S':
        subs = "ckmo";
        break;
      case 'C':
        subs = "cfno";
        break;
      default:
        return false;
    }
    return name.size() == 1 || subs.find(name[1]) != std::string_view::npos;
  }

  bool ClassExpr() {
    ++pos_;
    out_ += '[';
    if (Peek() == '^') {
      ++pos_;
      out_ += '^';
    }
    if (Peek() == '-') {
      ++pos_;
      out_ += "\\-";
    } else if (!ClassItem()) {
      return false;
    }
    while (true) {
      if (AtEnd()) return false;
      if (Peek() == ']') break;
      if (Peek() == '-' && Peek(1) == ']') {
        ++pos_;
        out_ += "\\-";
        break;
      }
      if (!ClassItem()) return false;
    }
    ++pos_;
    out_ += ']';
    return true;
  }

  // CCE1: a class escape, or a character optionally starting a range.
  bool ClassItem() {
    if (Peek() == '\\' && (Peek(1) == 'p' || Peek(1) == 'P')) return Escape();
    if (!ClassChar()) return false;
    if (Peek() == '-' && Peek(1) != ']') {
      ++pos_;
      out_ += '-';
      return ClassChar();
    }
    return true;
  }

  bool ClassChar() {
    if (AtEnd()) return false;
    char c = Peek();
    if (c == '\\') {
      if (Peek(1) == 'p' || Peek(1) == 'P') return false;
      return Escape();
    }
    if (c == '-' || c == '[' || c == ']') return false;
    ++pos_;
    // Escape ASCII punctuation so RE2 never reads it as class syntax.
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x80 && u > 0x20 && !std::isalnum(u)) out_ += '\\';
    out_ += c;
    return true;
  }

  std::string_view in_;
  size_t pos_ = 0;
  int depth_ = 0;
  std::string out_;
};

}  // namespace

std::optional<std::string> TranslateIRegexp(std::string_view pattern) {
  return Translator(pattern).Run();
}

std::unique_ptr<Regex> Regex::Compile(std::string_view pattern) {
  std::optional<std::string> translated = TranslateIRegexp(pattern);
  if (!translated) return nullptr;
  RE2::Options options;
  options.set_log_errors(false);
  options.set_never_capture(true);
  options.set_encoding(RE2::Options::EncodingUTF8);
  auto re = std::make_unique<re2::RE2>(*translated, options);
  if (!re->ok()) return nullptr;
  return std::unique_ptr<Regex>(new Regex(std::move(re)));
}

Regex::Regex(std::unique_ptr<re2::RE2> re) : re_(std::move(re)) {}
Regex::~Regex() = default;

bool Regex::FullMatch(std::string_view text) const {
  return re2::RE2::FullMatch(re2::StringPiece(text.data(), text.size()), *re_);
}

bool Regex::PartialMatch(std::string_view text) const {
  return re2::RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *re_);
}

}  // namespace sluice::json::jsonpath::internal
