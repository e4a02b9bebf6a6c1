// PassageHighlighter: Lucene's UnifiedHighlighter passage logic as OpenSearch
// configures it for the `unified` highlighter.
//
// Given a field's content and the offsets of the query's matches in it, the
// content is cut into passages with a sentence BreakIterator bounded to
// fragment_size (OpenSearch's BoundedBreakIteratorScanner: sentences, split
// at word boundaries when longer), each passage holding matches is scored
// with Lucene's PassageScorer (BM25 over passages, k1 1.2, b 0.75, pivot 87),
// the best number_of_fragments are kept and returned in content order (or by
// score) with the matches wrapped in pre/post tags, trimmed. With
// number_of_fragments 0 each value (separated by U+0000) is one passage.
// Offsets are UTF-16 code units, as text::Token's. Thread-safe (each call
// builds its own ICU iterators).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sluice::text {

struct HighlightMatch {
  int start = 0;  // UTF-16 code units into the content
  int end = 0;
  int term = 0;  // identifies the term (for the passage scores); any stable id
};

struct HighlightOptions {
  std::string pre_tag = "<em>";
  std::string post_tag = "</em>";
  int fragment_size = 100;
  int number_of_fragments = 5;  // 0: whole values
  bool order_by_score = false;
};

// matches: sorted by start. Returns the fragments holding at least one match.
std::vector<std::string> HighlightPassages(std::string_view content,
                                           std::vector<HighlightMatch> matches,
                                           const HighlightOptions& options);

// The separators OpenSearch joins a field's values with: between passages
// (number_of_fragments > 0) and for whole values (number_of_fragments 0).
inline constexpr std::string_view kParagraphSeparator = "\xE2\x80\xA9";  // U+2029
inline constexpr std::string_view kValueSeparator = std::string_view("\0", 1);

}  // namespace sluice::text
