#include "search/intervals_query.h"

#include <algorithm>
#include <climits>
#include <set>

#include "search/intervals_sources.h"
#include "search/search_errors.h"
#include "text/inverted_index.h"

namespace sluice::search {
namespace {

int32_t Width(const Interval& i) { return i.end - i.start + 1; }

// Sorts, removes duplicates and drops every interval that contains another
// (Lucene's iterators return minimal intervals only).
IntervalList Minimise(IntervalList list) {
  std::sort(list.begin(), list.end(), [](const Interval& a, const Interval& b) {
    if (a.start != b.start) return a.start < b.start;
    if (a.end != b.end) return a.end < b.end;
    return a.gaps < b.gaps;
  });
  list.erase(std::unique(list.begin(), list.end(),
                         [](const Interval& a, const Interval& b) {
                           return a.start == b.start && a.end == b.end;
                         }),
             list.end());
  // Walking from the last start down, an interval contains another exactly
  // when some interval starting later (or at the same start, ending earlier:
  // it comes first and so is not seen here) ends no later than it.
  std::vector<bool> keep(list.size(), true);
  int32_t min_end = INT32_MAX;
  for (size_t i = list.size(); i-- > 0;) {
    if (min_end <= list[i].end) keep[i] = false;
    min_end = std::min(min_end, list[i].end);
  }
  IntervalList out;
  for (size_t i = 0; i < list.size(); ++i) {
    if (keep[i]) out.push_back(list[i]);
  }
  return out;
}

// The interval of list starting after `after` (or at `at` exactly) with the
// smallest end; nullptr when there is none.
const Interval* EarliestEnding(const IntervalList& list, int32_t min_start,
                               std::optional<int32_t> exact_start) {
  const Interval* best = nullptr;
  for (const Interval& i : list) {
    if (i.start < min_start) continue;
    if (exact_start && i.start != *exact_start) continue;
    if (best == nullptr || i.end < best->end) best = &i;
  }
  return best;
}

IntervalList Chain(const std::vector<IntervalList>& subs, bool adjacent) {
  IntervalList out;
  if (subs.empty()) return out;
  for (const auto& s : subs) {
    if (s.empty()) return out;
  }
  for (const Interval& first : subs[0]) {
    int32_t end = first.end;
    int32_t covered = Width(first);
    bool complete = true;
    for (size_t k = 1; k < subs.size() && complete; ++k) {
      const Interval* next = EarliestEnding(
          subs[k], end + 1, adjacent ? std::optional<int32_t>(end + 1) : std::nullopt);
      if (next == nullptr) {
        complete = false;
        break;
      }
      end = next->end;
      covered += Width(*next);
    }
    if (!complete) continue;
    Interval r{first.start, end, 0};
    r.gaps = Width(r) - covered;
    out.push_back(r);
  }
  return Minimise(std::move(out));
}

}  // namespace

IntervalList OrderedIntervals(const std::vector<IntervalList>& subs) { return Chain(subs, false); }

IntervalList PhraseIntervals(const std::vector<IntervalList>& subs) { return Chain(subs, true); }

IntervalList UnorderedIntervals(const std::vector<IntervalList>& subs) {
  IntervalList out;
  if (subs.empty()) return out;
  std::set<int32_t> starts;
  for (const auto& s : subs) {
    if (s.empty()) return out;
    for (const Interval& i : s) starts.insert(i.start);
  }
  // For each candidate start, the tightest choice of one interval per source
  // beginning there or later; minimising keeps the smallest windows.
  for (int32_t from : starts) {
    int32_t start = INT32_MAX, end = INT32_MIN, covered = 0;
    bool complete = true;
    for (const auto& s : subs) {
      const Interval* pick = EarliestEnding(s, from, std::nullopt);
      if (pick == nullptr) {
        complete = false;
        break;
      }
      start = std::min(start, pick->start);
      end = std::max(end, pick->end);
      covered += Width(*pick);
    }
    if (!complete) continue;
    Interval r{start, end, 0};
    r.gaps = Width(r) - covered;
    out.push_back(r);
  }
  return Minimise(std::move(out));
}

IntervalList OrIntervals(const std::vector<IntervalList>& subs) {
  IntervalList all;
  for (const auto& s : subs) all.insert(all.end(), s.begin(), s.end());
  return Minimise(std::move(all));
}

IntervalList MaxGapsIntervals(IntervalList list, int max_gaps) {
  list.erase(std::remove_if(list.begin(), list.end(),
                            [&](const Interval& i) { return i.gaps > max_gaps; }),
             list.end());
  return list;
}

IntervalList FilterIntervals(const IntervalList& list, IntervalFilter filter,
                             const IntervalList& reference) {
  auto related = [&](const Interval& a, const Interval& b) {
    switch (filter) {
      case IntervalFilter::kContaining:
      case IntervalFilter::kNotContaining:
        return b.start >= a.start && b.end <= a.end;
      case IntervalFilter::kContainedBy:
      case IntervalFilter::kNotContainedBy:
        return a.start >= b.start && a.end <= b.end;
      case IntervalFilter::kOverlapping:
      case IntervalFilter::kNotOverlapping:
        return a.start <= b.end && b.start <= a.end;
      case IntervalFilter::kBefore:
        return a.end < b.start;
      case IntervalFilter::kAfter:
        return a.start > b.end;
    }
    return false;
  };
  const bool negated = filter == IntervalFilter::kNotContaining ||
                       filter == IntervalFilter::kNotContainedBy ||
                       filter == IntervalFilter::kNotOverlapping;
  IntervalList out;
  for (const Interval& a : list) {
    bool any = std::any_of(reference.begin(), reference.end(),
                           [&](const Interval& b) { return related(a, b); });
    if (any != negated) out.push_back(a);
  }
  return out;
}

int EditDistance(const std::u32string& a, const std::u32string& b, bool transpositions,
                 bool prefix_of_b) {
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<int>> d(n + 1, std::vector<int>(m + 1));
  for (size_t i = 0; i <= n; ++i) d[i][0] = static_cast<int>(i);
  for (size_t j = 0; j <= m; ++j) d[0][j] = static_cast<int>(j);
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (transpositions && i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  if (!prefix_of_b) return d[n][m];
  return *std::min_element(d[n].begin(), d[n].end());
}

// ---- IntervalsContext ----

void IntervalsContext::Want(const std::string& field, const std::string& term) {
  positions_.try_emplace({field, term});
}

util::Status IntervalsContext::Load(const index::Index& index) {
  std::set<index::DocNo> docs;
  for (auto& [key, by_doc] : positions_) {
    auto c = index.text_index().Postings(key.first, key.second, true);
    for (; c->Valid(); c->Next()) {
      by_doc[c->posting().doc] = c->positions();
      docs.insert(c->posting().doc);
    }
    SLUICE_RETURN_IF_ERROR(c->status());
  }
  candidates_.assign(docs.begin(), docs.end());
  return util::Status::Ok();
}

const std::vector<int32_t>* IntervalsContext::Positions(const std::string& field,
                                                        const std::string& term,
                                                        index::DocNo doc) const {
  auto it = positions_.find({field, term});
  if (it == positions_.end()) return nullptr;
  auto d = it->second.find(doc);
  return d == it->second.end() ? nullptr : &d->second;
}

void IntervalsContext::SetBuilt(const IntervalsSource* owner,
                                std::unique_ptr<IntervalsSource> built) {
  built_[owner] = std::move(built);
}

const IntervalsSource* IntervalsContext::Built(const IntervalsSource* owner) const {
  auto it = built_.find(owner);
  return it == built_.end() ? nullptr : it->second.get();
}

// ---- IntervalsQuery ----

util::Result<DocList> IntervalsQuery::Execute(const index::Index& index) const {
  const index::FieldMapping* f = index.mapping().Find(field_);
  if (f == nullptr) return DocList();
  if (f->type != index::FieldType::kText) {
    return ShardIllegalArgument(index, "Can only use interval queries on text fields - not on [" +
                                           field_ + "] which is of type [" +
                                           std::string(index::FieldTypeName(f->type)) + "]");
  }
  IntervalsContext ctx;
  SLUICE_RETURN_IF_ERROR(source_->Prepare(index, field_, ctx));
  SLUICE_RETURN_IF_ERROR(ctx.Load(index));
  const int min_extent = source_->MinExtent(ctx);
  DocList out;
  for (index::DocNo doc : ctx.candidates()) {
    if (doc >= index.max_doc() || !index.live(doc)) continue;
    IntervalList intervals = source_->Evaluate(ctx, doc);
    if (intervals.empty()) continue;
    float freq = 0;
    for (const Interval& i : intervals) {
      freq += static_cast<float>(1.0 / std::max(Width(i) - min_extent + 1, 1));
    }
    out.push_back({doc, boost_ * freq / (freq + 1.0f)});
  }
  return out;
}

}  // namespace sluice::search
