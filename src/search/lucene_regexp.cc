#include "search/lucene_regexp.h"

#include <cctype>

#include "util/split.h"

namespace sluice::search {
namespace {

bool IsAsciiPunct(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  return u < 0x80 && std::ispunct(u);
}

// One (possibly multi-byte UTF-8) character of text at i, advancing i.
std::string NextChar(std::string_view text, size_t& i) {
  size_t len = 1;
  unsigned char c = static_cast<unsigned char>(text[i]);
  if (c >= 0xF0) len = 4;
  else if (c >= 0xE0) len = 3;
  else if (c >= 0xC0) len = 2;
  len = std::min(len, text.size() - i);
  std::string out(text.substr(i, len));
  i += len;
  return out;
}

// A literal character outside a class.
void AppendLiteral(const std::string& ch, std::string& out) {
  if (ch.size() == 1 && IsAsciiPunct(ch[0])) out.push_back('\\');
  out += ch;
}

// A literal character inside a class.
void AppendClassLiteral(const std::string& ch, std::string& out) {
  if (ch.size() == 1 && (ch[0] == '\\' || ch[0] == ']' || ch[0] == '[' || ch[0] == '^' ||
                         ch[0] == '-')) {
    out.push_back('\\');
  }
  out += ch;
}

util::Status Unsupported(std::string_view what, std::string_view pattern) {
  return util::InvalidArgument("regular expression [" + std::string(pattern) + "] uses " +
                               std::string(what) +
                               ", which sluice does not support (RE2 has no equivalent)");
}

}  // namespace

util::Result<int> ParseRegexpFlags(std::string_view names) {
  int flags = 0;
  for (const std::string& raw : util::SplitNonEmpty(names, '|')) {
    std::string name;
    for (char c : raw) {
      if (!std::isspace(static_cast<unsigned char>(c))) {
        name.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
      }
    }
    if (name.empty()) continue;
    if (name == "ALL") flags |= kRegexpAll;
    else if (name == "NONE") flags |= kRegexpNone;
    else if (name == "ANYSTRING") flags |= kRegexpAnyString;
    else if (name == "COMPLEMENT") flags |= kRegexpComplement;
    else if (name == "EMPTY") flags |= kRegexpEmpty;
    else if (name == "INTERSECTION") flags |= kRegexpIntersection;
    else if (name == "INTERVAL") flags |= kRegexpInterval;
    else return util::InvalidArgument("Unknown regexp flag [" + raw + "]");
  }
  return flags;
}

util::Result<std::string> LuceneRegexpToRe2(std::string_view pattern, int flags) {
  std::string out = "(?s)";
  for (size_t i = 0; i < pattern.size();) {
    char c = pattern[i];
    if (c == '\\') {
      ++i;
      if (i >= pattern.size()) return util::InvalidArgument("expected character after \\");
      char e = pattern[i];
      if (e == 'd' || e == 'D' || e == 's' || e == 'S' || e == 'w' || e == 'W') {
        out.push_back('\\');
        out.push_back(e);
        ++i;
      } else {
        AppendLiteral(NextChar(pattern, i), out);
      }
      continue;
    }
    if (c == '"') {
      size_t close = pattern.find('"', i + 1);
      if (close == pattern.npos) return util::InvalidArgument("expected '\"' at position " +
                                                              std::to_string(pattern.size()));
      for (size_t j = i + 1; j < close;) AppendLiteral(NextChar(pattern, j), out);
      i = close + 1;
      continue;
    }
    if (c == '[') {
      out.push_back('[');
      ++i;
      if (i < pattern.size() && pattern[i] == '^') {
        out.push_back('^');
        ++i;
      }
      bool closed = false;
      while (i < pattern.size()) {
        if (pattern[i] == ']') {
          closed = true;
          ++i;
          break;
        }
        if (pattern[i] == '-') {
          out.push_back('-');
          ++i;
          continue;
        }
        if (pattern[i] == '\\' && i + 1 < pattern.size()) ++i;
        AppendClassLiteral(NextChar(pattern, i), out);
      }
      if (!closed) return util::InvalidArgument("expected ']' at position " +
                                                std::to_string(pattern.size()));
      out.push_back(']');
      continue;
    }
    if (c == '{') {
      size_t close = pattern.find('}', i);
      if (close == pattern.npos) return util::InvalidArgument("expected '}'");
      std::string_view body = pattern.substr(i + 1, close - i - 1);
      for (char b : body) {
        if (!std::isdigit(static_cast<unsigned char>(b)) && b != ',') {
          return util::InvalidArgument("integer expected at position " + std::to_string(i + 1));
        }
      }
      out.append(pattern.substr(i, close - i + 1));
      i = close + 1;
      continue;
    }
    if (c == '.' || c == '?' || c == '*' || c == '+' || c == '|' || c == '(' || c == ')') {
      out.push_back(c);
      ++i;
      continue;
    }
    if (c == '@' && (flags & kRegexpAnyString)) {
      out += "(?:.*)";
      ++i;
      continue;
    }
    if (c == '#' && (flags & kRegexpEmpty)) {
      out += "[^\\x00-\\x{10FFFF}]";
      ++i;
      continue;
    }
    if (c == '~' && (flags & kRegexpComplement)) return Unsupported("complement (~)", pattern);
    if (c == '&' && (flags & kRegexpIntersection)) {
      return Unsupported("intersection (&)", pattern);
    }
    if (c == '<' && (flags & kRegexpInterval)) {
      return Unsupported("a numeric interval (<n-m>)", pattern);
    }
    AppendLiteral(NextChar(pattern, i), out);
  }
  return out;
}

std::string WildcardToRe2(std::string_view pattern) {
  std::string out = "(?s)";
  for (size_t i = 0; i < pattern.size();) {
    char c = pattern[i];
    if (c == '*') {
      out += ".*";
      ++i;
    } else if (c == '?') {
      out += ".";
      ++i;
    } else {
      if (c == '\\' && i + 1 < pattern.size()) ++i;
      AppendLiteral(NextChar(pattern, i), out);
    }
  }
  return out;
}

std::string LiteralPrefixOfWildcard(std::string_view pattern) {
  std::string out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '*' || c == '?') break;
    if (c == '\\') {
      if (i + 1 >= pattern.size()) break;
      c = pattern[++i];
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace sluice::search
