#include "search/intervals_sources.h"

#include <re2/re2.h>

#include <algorithm>
#include <climits>

#include "search/lucene_regexp.h"
#include "search/search_errors.h"
#include "text/analyzer.h"
#include "text/analyzer_registry.h"
#include "text/inverted_index.h"
#include "text/token_filter.h"

namespace sluice::search {
namespace {

using SourcePtr = std::unique_ptr<IntervalsSource>;

// The single positions of some terms of one field (a term, or the terms a
// pattern expanded to, or the synonyms at one position of a match).
class TermsSource : public IntervalsSource {
 public:
  TermsSource(std::string field, std::vector<std::string> terms)
      : field_(std::move(field)), terms_(std::move(terms)) {}
  util::Status Prepare(const index::Index&, const std::string&,
                       IntervalsContext& ctx) const override {
    for (const auto& t : terms_) ctx.Want(field_, t);
    return util::Status::Ok();
  }
  IntervalList Evaluate(const IntervalsContext& ctx, index::DocNo doc) const override {
    std::vector<IntervalList> lists;
    for (const auto& t : terms_) {
      const std::vector<int32_t>* positions = ctx.Positions(field_, t, doc);
      if (positions == nullptr) continue;
      IntervalList l;
      for (int32_t p : *positions) l.push_back({p, p, 0});
      lists.push_back(std::move(l));
    }
    if (lists.size() == 1) return std::move(lists[0]);
    return OrIntervals(lists);
  }
  int MinExtent(const IntervalsContext&) const override { return 1; }

 private:
  std::string field_;
  std::vector<std::string> terms_;
};

// all_of, and the terms of a match (OpenSearch's IntervalBuilder.combineSources).
class CombineSource : public IntervalsSource {
 public:
  CombineSource(std::vector<SourcePtr> subs, int max_gaps, IntervalMode mode)
      : subs_(std::move(subs)), max_gaps_(max_gaps), mode_(mode) {}
  util::Status Prepare(const index::Index& index, const std::string& field,
                       IntervalsContext& ctx) const override {
    for (const auto& s : subs_) SLUICE_RETURN_IF_ERROR(s->Prepare(index, field, ctx));
    return util::Status::Ok();
  }
  IntervalList Evaluate(const IntervalsContext& ctx, index::DocNo doc) const override {
    if (subs_.empty()) return {};
    if (subs_.size() == 1) return subs_[0]->Evaluate(ctx, doc);
    std::vector<IntervalList> lists;
    for (const auto& s : subs_) {
      lists.push_back(s->Evaluate(ctx, doc));
      if (lists.back().empty()) return {};
    }
    IntervalList out;
    if (mode_ == IntervalMode::kOrdered) {
      out = max_gaps_ == 0 ? PhraseIntervals(lists) : OrderedIntervals(lists);
    } else if (mode_ == IntervalMode::kUnordered) {
      out = UnorderedIntervals(lists);
    } else {
      // Lucene's unorderedNoOverlaps takes two sources; OpenSearch folds the
      // list from the left.
      out = lists[0];
      for (size_t i = 1; i < lists.size(); ++i) {
        out = OrIntervals({OrderedIntervals({out, lists[i]}), OrderedIntervals({lists[i], out})});
      }
    }
    return max_gaps_ < 0 ? out : MaxGapsIntervals(std::move(out), max_gaps_);
  }
  int MinExtent(const IntervalsContext& ctx) const override {
    int sum = 0;
    for (const auto& s : subs_) sum += s->MinExtent(ctx);
    return std::max(sum, 1);
  }

 private:
  std::vector<SourcePtr> subs_;
  int max_gaps_;
  IntervalMode mode_;
};

class AnyOfSource : public IntervalsSource {
 public:
  explicit AnyOfSource(std::vector<SourcePtr> subs) : subs_(std::move(subs)) {}
  util::Status Prepare(const index::Index& index, const std::string& field,
                       IntervalsContext& ctx) const override {
    for (const auto& s : subs_) SLUICE_RETURN_IF_ERROR(s->Prepare(index, field, ctx));
    return util::Status::Ok();
  }
  IntervalList Evaluate(const IntervalsContext& ctx, index::DocNo doc) const override {
    std::vector<IntervalList> lists;
    for (const auto& s : subs_) lists.push_back(s->Evaluate(ctx, doc));
    return OrIntervals(lists);
  }
  int MinExtent(const IntervalsContext& ctx) const override {
    int min = INT_MAX;
    for (const auto& s : subs_) min = std::min(min, s->MinExtent(ctx));
    return subs_.empty() ? 1 : min;
  }

 private:
  std::vector<SourcePtr> subs_;
};

class FilteredSource : public IntervalsSource {
 public:
  FilteredSource(SourcePtr source, IntervalFilter filter, SourcePtr reference)
      : source_(std::move(source)), filter_(filter), reference_(std::move(reference)) {}
  util::Status Prepare(const index::Index& index, const std::string& field,
                       IntervalsContext& ctx) const override {
    SLUICE_RETURN_IF_ERROR(source_->Prepare(index, field, ctx));
    return reference_->Prepare(index, field, ctx);
  }
  IntervalList Evaluate(const IntervalsContext& ctx, index::DocNo doc) const override {
    IntervalList list = source_->Evaluate(ctx, doc);
    if (list.empty()) return list;
    return FilterIntervals(list, filter_, reference_->Evaluate(ctx, doc));
  }
  int MinExtent(const IntervalsContext& ctx) const override { return source_->MinExtent(ctx); }

 private:
  SourcePtr source_;
  IntervalFilter filter_;
  SourcePtr reference_;
};

// Sources whose tree depends on the index (analysis, term expansion) build it
// at Prepare and keep it in the context.
class DeferredSource : public IntervalsSource {
 public:
  IntervalList Evaluate(const IntervalsContext& ctx, index::DocNo doc) const override {
    const IntervalsSource* built = ctx.Built(this);
    return built == nullptr ? IntervalList() : built->Evaluate(ctx, doc);
  }
  int MinExtent(const IntervalsContext& ctx) const override {
    const IntervalsSource* built = ctx.Built(this);
    return built == nullptr ? 1 : built->MinExtent(ctx);
  }

 protected:
  util::Status Publish(const index::Index& index, const std::string& field, IntervalsContext& ctx,
                       SourcePtr built) const {
    SLUICE_RETURN_IF_ERROR(built->Prepare(index, field, ctx));
    ctx.SetBuilt(this, std::move(built));
    return util::Status::Ok();
  }
};

util::Result<const text::Analyzer*> AnalyzerFor(const index::Index& index,
                                                const std::string& field,
                                                const std::optional<std::string>& name) {
  if (!name) return &index.SearchAnalyzer(field);
  const text::Analyzer* a = index.analyzers().Find(*name);
  if (a == nullptr) return ShardError(index, "analyzer [" + *name + "] not found");
  return a;
}

class MatchSource : public DeferredSource {
 public:
  MatchSource(std::string text, int max_gaps, IntervalMode mode,
              std::optional<std::string> analyzer, std::optional<std::string> use_field)
      : text_(std::move(text)), max_gaps_(max_gaps), mode_(mode), analyzer_(std::move(analyzer)),
        use_field_(std::move(use_field)) {}
  util::Status Prepare(const index::Index& index, const std::string& field,
                       IntervalsContext& ctx) const override {
    const std::string& f = use_field_ ? *use_field_ : field;
    SLUICE_ASSIGN_OR_RETURN(const text::Analyzer* a, AnalyzerFor(index, f, analyzer_));
    std::vector<text::Token> tokens = a->Analyze(text_);
    // Tokens at one position (synonyms) are alternatives.
    std::vector<SourcePtr> terms;
    for (size_t i = 0; i < tokens.size();) {
      std::vector<std::string> same;
      size_t j = i;
      for (; j < tokens.size() && tokens[j].position == tokens[i].position; ++j) {
        same.push_back(tokens[j].term);
      }
      terms.push_back(std::make_unique<TermsSource>(f, std::move(same)));
      i = j;
    }
    return Publish(index, f, ctx,
                   std::make_unique<CombineSource>(std::move(terms), max_gaps_, mode_));
  }

 private:
  std::string text_;
  int max_gaps_;
  IntervalMode mode_;
  std::optional<std::string> analyzer_;
  std::optional<std::string> use_field_;
};

// Whether the analyzer lowercases (its normalisation of prefixes, wildcards
// and fuzzy terms, as Analyzer#normalize applies the lowercase filter).
bool Lowercases(const text::Analyzer& a) {
  std::vector<text::Token> t = a.Analyze("A");
  return !t.empty() && t[0].term == "a";
}

std::u32string CodePoints(std::string_view s) {
  std::u32string out;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    int len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    char32_t cp = len == 1 ? c : (c & (0x3F >> (len - 1)));
    for (int k = 1; k < len && i + k < s.size(); ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    }
    out.push_back(cp);
    i += len;
  }
  return out;
}

class PatternSource : public DeferredSource {
 public:
  explicit PatternSource(TermPattern p) : p_(std::move(p)) {}
  util::Status Prepare(const index::Index& index, const std::string& field,
                       IntervalsContext& ctx) const override {
    const std::string& f = p_.use_field ? *p_.use_field : field;
    SLUICE_ASSIGN_OR_RETURN(const text::Analyzer* a, AnalyzerFor(index, f, p_.analyzer));
    std::string text = p_.text;
    if (p_.kind != TermPattern::Kind::kRegexp && Lowercases(*a)) text = text::LowercaseTerm(text);
    SLUICE_ASSIGN_OR_RETURN(std::vector<std::string> terms, Expand(index, f, text));
    return Publish(index, f, ctx, std::make_unique<TermsSource>(f, std::move(terms)));
  }

 private:
  util::Result<std::vector<std::string>> Expand(const index::Index& index, const std::string& f,
                                                const std::string& text) const {
    const text::InvertedIndex& ti = index.text_index();
    switch (p_.kind) {
      case TermPattern::Kind::kPrefix: {
        SLUICE_ASSIGN_OR_RETURN(auto terms, ti.TermsWithPrefix(f, text, p_.max_expansions + 1));
        return Capped(index, std::move(terms), text);
      }
      case TermPattern::Kind::kWildcard:
        return Matching(index, f, LiteralPrefixOfWildcard(text), WildcardToRe2(text), false, text);
      case TermPattern::Kind::kRegexp: {
        auto re = LuceneRegexpToRe2(text, p_.regexp_flags);
        if (!re.ok()) return ShardError(index, re.status().reason());
        return Matching(index, f, "", *re, p_.case_insensitive, text);
      }
      case TermPattern::Kind::kFuzzy:
        return Fuzzy(index, f, text);
    }
    return std::vector<std::string>();
  }

  util::Result<std::vector<std::string>> Capped(const index::Index& index,
                                                std::vector<std::string> terms,
                                                const std::string& pattern) const {
    if (terms.size() > p_.max_expansions) {
      return ShardError(index, "Automaton [" + pattern + "] expanded to too many terms (limit " +
                                   std::to_string(p_.max_expansions) + ")");
    }
    return terms;
  }

  util::Result<std::vector<std::string>> Matching(const index::Index& index, const std::string& f,
                                                  const std::string& prefix,
                                                  const std::string& re2_pattern, bool fold,
                                                  const std::string& pattern) const {
    RE2::Options options;
    options.set_log_errors(false);
    options.set_case_sensitive(!fold);
    RE2 re(re2_pattern, options);
    if (!re.ok()) return ShardError(index, "invalid pattern [" + pattern + "]: " + re.error());
    SLUICE_ASSIGN_OR_RETURN(auto all, index.text_index().TermsWithPrefix(f, prefix, SIZE_MAX));
    std::vector<std::string> out;
    for (auto& t : all) {
      if (RE2::FullMatch(t, re)) out.push_back(std::move(t));
    }
    return Capped(index, std::move(out), pattern);
  }

  util::Result<std::vector<std::string>> Fuzzy(const index::Index& index, const std::string& f,
                                               const std::string& text) const {
    std::u32string target = CodePoints(text);
    const int len = static_cast<int>(target.size());
    // AUTO: 0 edits below 3 characters, 1 below 6, else 2 (Fuzziness.AUTO).
    int edits = p_.fuzziness ? *p_.fuzziness : (len < 3 ? 0 : len < 6 ? 1 : 2);
    edits = std::min(edits, 2);
    std::string prefix;
    {
      std::u32string head = target.substr(0, std::min<size_t>(target.size(), p_.prefix_length));
      size_t bytes = 0;
      for (size_t i = 0, n = 0; n < head.size() && i < text.size(); ++n) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        i += c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        bytes = i;
      }
      prefix = text.substr(0, bytes);
    }
    SLUICE_ASSIGN_OR_RETURN(auto all, index.text_index().TermsWithPrefix(f, prefix, SIZE_MAX));
    std::vector<std::pair<int, std::string>> near;
    for (auto& t : all) {
      std::u32string cp = CodePoints(t);
      if (std::abs(static_cast<int>(cp.size()) - len) > edits) continue;
      int d = EditDistance(cp, target, p_.transpositions);
      if (d <= edits) near.emplace_back(d, std::move(t));
    }
    // Like FuzzyQuery, the closest terms win when there are too many.
    std::sort(near.begin(), near.end());
    std::vector<std::string> out;
    for (size_t i = 0; i < near.size() && i < p_.max_expansions; ++i) {
      out.push_back(std::move(near[i].second));
    }
    return out;
  }

  TermPattern p_;
};

}  // namespace

SourcePtr MakeMatchSource(std::string text, int max_gaps, IntervalMode mode,
                          std::optional<std::string> analyzer,
                          std::optional<std::string> use_field) {
  return std::make_unique<MatchSource>(std::move(text), max_gaps, mode, std::move(analyzer),
                                       std::move(use_field));
}

SourcePtr MakeAllOfSource(std::vector<SourcePtr> subs, int max_gaps, IntervalMode mode) {
  return std::make_unique<CombineSource>(std::move(subs), max_gaps, mode);
}

SourcePtr MakeAnyOfSource(std::vector<SourcePtr> subs) {
  return std::make_unique<AnyOfSource>(std::move(subs));
}

SourcePtr MakeFilteredSource(SourcePtr source, IntervalFilter filter, SourcePtr reference) {
  return std::make_unique<FilteredSource>(std::move(source), filter, std::move(reference));
}

SourcePtr MakePatternSource(TermPattern pattern) {
  return std::make_unique<PatternSource>(std::move(pattern));
}

}  // namespace sluice::search
