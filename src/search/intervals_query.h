// IntervalsQuery: OpenSearch's `intervals` query, Lucene's interval algebra
// over the positions of one text field.
//
// A source (match, all_of, any_of, prefix, wildcard, fuzzy, regexp, each with
// an optional filter) yields, per document, the minimal intervals
// [start, end] of positions where it matches; a document matches when its
// root source has at least one interval. The operators follow Lucene's
// `Intervals` factory as OpenSearch's IntervalsSourceProvider uses it:
//   ordered(a..)     each sub-interval starts after the previous one ends
//   unordered(a..)   one interval of each, in any order, overlaps allowed
//   unordered_no_overlap(a, b, c) = nooverlap(nooverlap(a, b), c), where
//                    nooverlap(a, b) = or(ordered(a, b), ordered(b, a))
//   phrase           ordered with no gap (ordered and max_gaps 0)
//   max_gaps n       keeps intervals whose positions not covered by a
//                    sub-interval number at most n
//   or (any_of)      the union, minimised
// and the filters containing, contained_by, not_containing, not_contained_by,
// overlapping, not_overlapping, before, after. Lists are minimised (an
// interval containing another of the same list is dropped), as Lucene's
// iterators do.
//
// Scores are Lucene's IntervalScorer with the default saturation function
// (pivot 1): freq = sum over intervals of 1 / max(width - min_extent + 1, 1),
// score = boost * freq / (freq + 1).
//
// Per-document work materialises each source's interval list (sizes bounded
// by the query terms' frequencies in that document).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "search/query.h"

namespace sluice::search {

struct Interval {
  int32_t start = 0;
  int32_t end = 0;
  int32_t gaps = 0;  // positions inside not covered by sub-intervals
};
using IntervalList = std::vector<Interval>;  // sorted by start, then end

// The algebra on one document's interval lists (exposed for tests).
IntervalList OrderedIntervals(const std::vector<IntervalList>& subs);
IntervalList UnorderedIntervals(const std::vector<IntervalList>& subs);
IntervalList PhraseIntervals(const std::vector<IntervalList>& subs);
IntervalList OrIntervals(const std::vector<IntervalList>& subs);
IntervalList MaxGapsIntervals(IntervalList list, int max_gaps);

enum class IntervalFilter {
  kContaining,
  kContainedBy,
  kNotContaining,
  kNotContainedBy,
  kOverlapping,
  kNotOverlapping,
  kBefore,
  kAfter,
};
IntervalList FilterIntervals(const IntervalList& list, IntervalFilter filter,
                             const IntervalList& reference);

// Lucene's edit distance with transpositions counted as one edit (optimal string
// alignment, on code points) between a and b, or, with prefix_of_b, between a and the
// closest prefix of b (the completion suggester's fuzzy prefix). Shared by intervals'
// fuzzy terms and the suggesters.
int EditDistance(const std::u32string& a, const std::u32string& b, bool transpositions,
                 bool prefix_of_b = false);

// The terms of one search's leaves and their positions, per field, filled
// by the sources' Prepare and read by Evaluate.
class IntervalsContext;

// One node of the interval tree. Immutable once parsed.
class IntervalsSource {
 public:
  virtual ~IntervalsSource() = default;
  // Resolves analysis and term expansion against the index and registers
  // the terms to read (the index's read guard is held).
  virtual util::Status Prepare(const index::Index& index, const std::string& field,
                               IntervalsContext& ctx) const = 0;
  virtual IntervalList Evaluate(const IntervalsContext& ctx, index::DocNo doc) const = 0;
  // The smallest width an interval of this source can have.
  virtual int MinExtent(const IntervalsContext& ctx) const = 0;
};

enum class IntervalMode { kOrdered, kUnordered, kUnorderedNoOverlap };

class IntervalsQuery : public Query {
 public:
  IntervalsQuery(std::string field, std::unique_ptr<IntervalsSource> source, float boost)
      : field_(std::move(field)), source_(std::move(source)), boost_(boost) {}
  util::Result<DocList> Execute(const index::Index& index) const override;

 private:
  std::string field_;
  std::unique_ptr<IntervalsSource> source_;
  float boost_;
};

}  // namespace sluice::search
