// The sources of the `intervals` query (see intervals_query.h) and the
// per-search context they read from. Internal to search/: built by the
// parser (intervals_parser.cc), evaluated by IntervalsQuery.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "search/intervals_query.h"

namespace sluice::search {

// One execution's state: the positions of every term a leaf asked for, and
// the trees that match and pattern sources build at Prepare (analysis and
// term expansion depend on the index). Used by one thread.
class IntervalsContext {
 public:
  void Want(const std::string& field, const std::string& term);
  // Reads the postings (with positions) of every wanted term.
  util::Status Load(const index::Index& index);
  // The term's positions in doc, nullptr when it has none.
  const std::vector<int32_t>* Positions(const std::string& field, const std::string& term,
                                        index::DocNo doc) const;
  // The documents holding any wanted term, ascending.
  const std::vector<index::DocNo>& candidates() const { return candidates_; }
  void SetBuilt(const IntervalsSource* owner, std::unique_ptr<IntervalsSource> built);
  const IntervalsSource* Built(const IntervalsSource* owner) const;

 private:
  std::map<std::pair<std::string, std::string>,
           std::unordered_map<index::DocNo, std::vector<int32_t>>>
      positions_;
  std::map<const IntervalsSource*, std::unique_ptr<IntervalsSource>> built_;
  std::vector<index::DocNo> candidates_;
};

// `match`: the query text analysed (analyzer, else use_field's or the field's
// search analyzer); one term source per position, combined as all_of.
std::unique_ptr<IntervalsSource> MakeMatchSource(std::string text, int max_gaps, IntervalMode mode,
                                                 std::optional<std::string> analyzer,
                                                 std::optional<std::string> use_field);
// `all_of` (max_gaps -1: none).
std::unique_ptr<IntervalsSource> MakeAllOfSource(std::vector<std::unique_ptr<IntervalsSource>> subs,
                                                 int max_gaps, IntervalMode mode);
// `any_of`.
std::unique_ptr<IntervalsSource> MakeAnyOfSource(
    std::vector<std::unique_ptr<IntervalsSource>> subs);
// A source's `filter`.
std::unique_ptr<IntervalsSource> MakeFilteredSource(std::unique_ptr<IntervalsSource> source,
                                                    IntervalFilter filter,
                                                    std::unique_ptr<IntervalsSource> reference);

// prefix, wildcard, regexp and fuzzy: the terms of the field they match.
struct TermPattern {
  enum class Kind { kPrefix, kWildcard, kRegexp, kFuzzy } kind = Kind::kPrefix;
  std::string text;  // the prefix, pattern or fuzzy term
  std::optional<std::string> analyzer;
  std::optional<std::string> use_field;
  bool case_insensitive = false;        // regexp
  int regexp_flags = 0;                 // regexp: lucene_regexp.h flags
  std::optional<int> fuzziness;         // fuzzy: edits; nullopt = AUTO
  int prefix_length = 0;                // fuzzy
  bool transpositions = true;           // fuzzy
  size_t max_expansions = 128;          // Lucene's Intervals.DEFAULT_MAX_EXPANSIONS
};
std::unique_ptr<IntervalsSource> MakePatternSource(TermPattern pattern);

}  // namespace sluice::search
