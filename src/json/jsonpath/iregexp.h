// I-Regexp (RFC 9485) support for the JSONPath functions match() and search().
//
// TranslateIRegexp() checks a pattern against the I-Regexp grammar and rewrites
// it into RE2 syntax with I-Regexp semantics: `.` matches any code point except
// \n and \r, groups do not capture, and matching works on Unicode code points
// (RE2 in UTF-8 mode). `^` and `$` are kept as anchors, as the JSONPath
// compliance suite expects.
//
// Regex is a compiled pattern. It is immutable after Compile() and safe to use
// from several threads at once. Matching runs in linear time (RE2), so hostile
// patterns or inputs cannot make it hang or recurse deeply.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace re2 {
class RE2;
}

namespace sluice::json::jsonpath::internal {

// The RE2 form of `pattern`, or nullopt if `pattern` is not a valid I-Regexp.
std::optional<std::string> TranslateIRegexp(std::string_view pattern);

class Regex {
 public:
  // Null when `pattern` is not a valid I-Regexp or exceeds RE2's limits.
  static std::unique_ptr<Regex> Compile(std::string_view pattern);
  ~Regex();

  // Whole-string match (JSONPath match()).
  bool FullMatch(std::string_view text) const;
  // Match anywhere in the string (JSONPath search()).
  bool PartialMatch(std::string_view text) const;

 private:
  explicit Regex(std::unique_ptr<re2::RE2> re);
  std::unique_ptr<re2::RE2> re_;
};

}  // namespace sluice::json::jsonpath::internal
