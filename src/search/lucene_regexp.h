// Lucene's regular expression syntax (RegExp, as OpenSearch's `regexp`
// queries take it) and its wildcard syntax, translated to RE2 so that
// matching runs in linear time.
//
// Regexps are anchored (the whole term must match). Supported: literals and
// `\` escapes, `.`, `?`, `*`, `+`, `{n}`, `{n,}`, `{n,m}`, `|`, `( )`,
// character classes `[a-z]` and `[^...]`, `"..."` literal strings, and with
// their flags `@` (any string, ANYSTRING) and `#` (the empty language,
// EMPTY). Lucene's complement `~` (COMPLEMENT), intersection `&`
// (INTERSECTION) and numeric intervals `<n-m>` (INTERVAL) have no RE2
// equivalent: a pattern using them is refused (illegal_argument_exception),
// unless their flag is off, in which case the character is a literal.
#pragma once

#include <string>
#include <string_view>

#include "util/result.h"

namespace sluice::search {

// RegExp syntax flags (Lucene's RegExp constants).
enum LuceneRegexpFlag : int {
  kRegexpIntersection = 0x0001,
  kRegexpComplement = 0x0002,
  kRegexpEmpty = 0x0004,
  kRegexpAnyString = 0x0008,
  kRegexpInterval = 0x0020,
  kRegexpAll = 0xff,
  kRegexpNone = 0,
};

// "ALL", "NONE", "ANYSTRING|COMPLEMENT", ... (OpenSearch's RegexpFlag names,
// case-insensitive, '|'-separated) → flags; an unknown name is an error.
util::Result<int> ParseRegexpFlags(std::string_view names);

// The RE2 pattern (to be full-matched) of a Lucene regexp.
util::Result<std::string> LuceneRegexpToRe2(std::string_view pattern, int flags);

// The RE2 pattern of a wildcard pattern (`*` any string, `?` any one
// character, `\` escapes the next character).
std::string WildcardToRe2(std::string_view pattern);

// The literal text every match starts with (to seek the term dictionary);
// "" when the pattern begins with an operator.
std::string LiteralPrefixOfWildcard(std::string_view pattern);

}  // namespace sluice::search
