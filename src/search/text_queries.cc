#include "search/text_queries.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <cmath>
#include <queue>

#include "search/queries.h"
#include "search/search_errors.h"
#include "text/analyzer.h"
#include "text/analyzer_registry.h"
#include "text/bm25.h"
#include "text/inverted_index.h"

namespace sluice::search {
namespace {

using index::Index;

// Lucene caps the terms a prefix expands to (BooleanQuery.maxClauseCount).
constexpr size_t kMaxExpansions = 1024;

bool Usable(const Index& index, uint32_t doc) { return doc < index.max_doc() && index.live(doc); }

util::Result<const text::Analyzer*> QueryAnalyzer(const Index& index, const std::string& field,
                                                  const std::optional<std::string>& name) {
  if (!name) return &index.SearchAnalyzer(field);
  const text::Analyzer* a = index.analyzers().Find(*name);
  if (a == nullptr) return ShardError(index, "analyzer [" + *name + "] not found");
  return a;
}

// Java's Float.toString for short values ("0.3", "1.0").
std::string JavaFloatText(float v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  std::string out(buf, r.ptr);
  if (out.find_first_of(".e") == std::string::npos) out += ".0";
  return out;
}

bool IsText(const Index& index, const std::string& field) {
  const index::FieldMapping* f = index.mapping().Find(field);
  return f != nullptr && index::IsTextual(f->type);
}

DocList AllLive(const Index& index) {
  DocList out;
  for (index::DocNo d = 0; d < index.max_doc(); ++d) {
    if (index.live(d)) out.push_back({d, 1.0f});
  }
  return out;
}

}  // namespace

DocList SumDocLists(const std::vector<DocList>& clauses, size_t min_match, float boost) {
  std::vector<std::pair<index::DocNo, float>> all;
  for (const auto& c : clauses) {
    for (const auto& d : c) all.emplace_back(d.doc, d.score);
  }
  std::stable_sort(all.begin(), all.end(), [](auto& a, auto& b) { return a.first < b.first; });
  DocList out;
  for (size_t i = 0; i < all.size();) {
    size_t j = i;
    double sum = 0;
    for (; j < all.size() && all[j].first == all[i].first; ++j) sum += all[j].second;
    if (j - i >= min_match) out.push_back({all[i].first, static_cast<float>(sum) * boost});
    i = j;
  }
  return out;
}

DocList CombineDisMax(const std::vector<DocList>& clauses, float tie_breaker, float boost) {
  std::vector<std::pair<index::DocNo, float>> all;
  for (const auto& c : clauses) {
    for (const auto& d : c) all.emplace_back(d.doc, d.score);
  }
  std::stable_sort(all.begin(), all.end(), [](auto& a, auto& b) { return a.first < b.first; });
  DocList out;
  for (size_t i = 0; i < all.size();) {
    float max = 0;
    double others = 0;
    size_t j = i;
    for (; j < all.size() && all[j].first == all[i].first; ++j) {
      if (all[j].second >= max) {
        others += max;
        max = all[j].second;
      } else {
        others += all[j].second;
      }
    }
    out.push_back({all[i].first, static_cast<float>(max + others * tie_breaker) * boost});
    i = j;
  }
  return out;
}

util::Result<DocList> TextPrefix(const Index& index, const std::string& field,
                                 const std::string& prefix, float boost) {
  SLUICE_ASSIGN_OR_RETURN(auto terms,
                          index.text_index().TermsWithPrefix(field, prefix, kMaxExpansions));
  std::vector<index::DocNo> docs;
  for (const auto& t : terms) {
    auto c = index.text_index().Postings(field, t, false);
    for (; c->Valid(); c->Next()) {
      if (Usable(index, c->posting().doc)) docs.push_back(c->posting().doc);
    }
    SLUICE_RETURN_IF_ERROR(c->status());
  }
  std::sort(docs.begin(), docs.end());
  docs.erase(std::unique(docs.begin(), docs.end()), docs.end());
  DocList out;
  for (auto d : docs) out.push_back({d, boost});
  return out;
}

namespace {

// Sloppy phrase matching state of one query term (Lucene's PhrasePositions).
struct PhrasePositions {
  const std::vector<int32_t>* positions;
  size_t next = 0;
  int32_t offset;
  int32_t ord;
  int32_t position = 0;
};

float SloppyFreq(std::vector<PhrasePositions>& pps, int slop) {
  int32_t end = INT_MIN;
  auto advance = [&](PhrasePositions* pp) {
    if (pp->next >= pp->positions->size()) return false;
    pp->position = (*pp->positions)[pp->next++] - pp->offset;
    end = std::max(end, pp->position);
    return true;
  };
  auto later = [](const PhrasePositions* a, const PhrasePositions* b) {
    if (a->position != b->position) return a->position > b->position;
    if (a->offset != b->offset) return a->offset > b->offset;
    return a->ord > b->ord;
  };
  std::priority_queue<PhrasePositions*, std::vector<PhrasePositions*>, decltype(later)> pq(later);
  for (auto& pp : pps) {
    if (!advance(&pp)) return 0;
    pq.push(&pp);
  }
  float freq = 0;
  for (bool positioned = true; positioned;) {
    PhrasePositions* pp = pq.top();
    pq.pop();
    int32_t match_length = end - pp->position;
    int32_t next = pq.top()->position;
    bool matched = false;
    for (;;) {
      if (!advance(pp)) {
        positioned = false;
        matched = match_length <= slop;
        break;
      }
      if (pp->position > next) {
        pq.push(pp);
        if (match_length <= slop) {
          matched = true;
          break;
        }
        pp = pq.top();
        pq.pop();
        next = pq.top()->position;
        match_length = end - pp->position;
      } else {
        match_length = std::min(match_length, end - pp->position);
      }
    }
    if (!matched) break;
    freq += 1.0f / (1.0f + static_cast<float>(match_length));
  }
  return freq;
}

// Moves every cursor to the first document at or after *target that all of
// them contain; false when one runs out.
bool Leapfrog(std::vector<std::unique_ptr<text::PostingsCursor>>& cursors, uint32_t* target) {
  for (bool agreed = false; !agreed;) {
    agreed = true;
    for (auto& c : cursors) {
      if (!c->Advance(*target)) return false;
      if (c->posting().doc > *target) {
        *target = c->posting().doc;
        agreed = false;
      }
    }
  }
  return true;
}

// A conjunction of terms, scored only where all of them occur (Lucene's
// ConjunctionScorer: the clause scores summed in double).
util::Result<DocList> ScoreConjunction(const Index& index, const std::string& field,
                                       const std::vector<text::Token>& tokens, float boost) {
  const text::InvertedIndex& ti = index.text_index();
  SLUICE_ASSIGN_OR_RETURN(text::FieldStats stats, ti.Stats(field));
  std::vector<text::Bm25Weight> weights;
  std::vector<std::unique_ptr<text::PostingsCursor>> cursors;
  for (const auto& t : tokens) {
    SLUICE_ASSIGN_OR_RETURN(int64_t df, ti.DocFreq(field, t.term));
    if (df <= 0) return DocList();
    weights.emplace_back(text::Bm25Idf(df, stats.doc_count), boost, stats);
    cursors.push_back(ti.Postings(field, t.term, false));
  }
  DocList out;
  for (uint32_t target = 0; Leapfrog(cursors, &target); ++target) {
    if (!Usable(index, target)) continue;
    double sum = 0;
    for (size_t i = 0; i < cursors.size(); ++i) {
      const text::Posting& p = cursors[i]->posting();
      sum += weights[i].Score(static_cast<float>(p.freq), p.norm);
    }
    out.push_back({target, static_cast<float>(sum)});
  }
  for (auto& c : cursors) SLUICE_RETURN_IF_ERROR(c->status());
  return out;
}

}  // namespace

std::optional<int> MinimumShouldMatch(std::string_view spec, int n) {
  auto parse_int = [](std::string_view s) -> std::optional<int> {
    if (s.empty()) return std::nullopt;
    size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
    if (i == s.size()) return std::nullopt;
    long v = 0;
    for (; i < s.size(); ++i) {
      if (s[i] < '0' || s[i] > '9' || v > 100000000) return std::nullopt;
      v = v * 10 + (s[i] - '0');
    }
    return static_cast<int>(s[0] == '-' ? -v : v);
  };
  while (!spec.empty() && spec.front() == ' ') spec.remove_prefix(1);
  while (!spec.empty() && spec.back() == ' ') spec.remove_suffix(1);
  if (size_t lt = spec.find('<'); lt != std::string_view::npos) {
    // "N<spec": all clauses when there are at most N, else spec.
    auto upto = parse_int(spec.substr(0, lt));
    if (!upto) return std::nullopt;
    if (n <= *upto) return n;
    return MinimumShouldMatch(spec.substr(lt + 1), n);
  }
  int result = n;
  if (!spec.empty() && spec.back() == '%') {
    auto pct = parse_int(spec.substr(0, spec.size() - 1));
    if (!pct) return std::nullopt;
    float calc = static_cast<float>(n * *pct) * (1 / 100.0f);
    result = calc < 0 ? n + static_cast<int>(calc) : static_cast<int>(calc);
  } else {
    auto v = parse_int(spec);
    if (!v) return std::nullopt;
    result = *v < 0 ? n + *v : *v;
  }
  // Not capped at n: asking for more clauses than there are matches nothing.
  return std::max(result, 0);
}

util::Result<std::optional<Explanation>> ExplainTextTerm(const Index& index,
                                                         const std::string& field,
                                                         const std::string& term, float boost,
                                                         index::DocNo doc) {
  const text::InvertedIndex& ti = index.text_index();
  SLUICE_ASSIGN_OR_RETURN(text::FieldStats stats, ti.Stats(field));
  SLUICE_ASSIGN_OR_RETURN(int64_t df, ti.DocFreq(field, term));
  if (df <= 0 || stats.doc_count <= 0 || !Usable(index, doc)) return std::optional<Explanation>();
  auto c = ti.Postings(field, term, false);
  if (!c->Advance(doc) || c->posting().doc != doc) {
    SLUICE_RETURN_IF_ERROR(c->status());
    return std::optional<Explanation>();
  }
  const text::Posting p = c->posting();
  text::Bm25Weight weight(text::Bm25Idf(df, stats.doc_count), boost, stats);
  const float freq = static_cast<float>(p.freq);
  const float dl = static_cast<float>(text::Byte4ToInt(p.norm));
  const float score = weight.Score(freq, p.norm);
  // Lucene's BM25Similarity.explain: tf from the same terms as the score.
  const float tf = freq / (freq + text::kBm25K1 * (1 - text::kBm25B + text::kBm25B * dl / weight.avgdl()));
  Explanation idf{weight.idf(),
                  "idf, computed as log(1 + (N - n + 0.5) / (n + 0.5)) from:",
                  {{static_cast<float>(df), "n, number of documents containing term", {}},
                   {static_cast<float>(stats.doc_count), "N, total number of documents with field", {}}}};
  Explanation tf_e{tf,
                   "tf, computed as freq / (freq + k1 * (1 - b + b * dl / avgdl)) from:",
                   {{freq, "freq, occurrences of term within document", {}},
                    {text::kBm25K1, "k1, term saturation parameter", {}},
                    {text::kBm25B, "b, length normalization parameter", {}},
                    {dl, p.norm > 39 ? "dl, length of field (approximate)" : "dl, length of field", {}},
                    {weight.avgdl(), "avgdl, average length of field", {}}}};
  std::string freq_text = std::to_string(p.freq) + ".0";
  Explanation inner{score,
                    "score(freq=" + freq_text + "), computed as boost * idf * tf from:",
                    {{weight.boost(), "boost", {}}, std::move(idf), std::move(tf_e)}};
  return std::optional<Explanation>(Explanation{
      score,
      "weight(" + field + ":" + term + " in " + std::to_string(doc) + ") [PerFieldSimilarity], result of:",
      {std::move(inner)}});
}

util::Result<std::optional<Explanation>> MatchQuery::Explain(const Index& index,
                                                            index::DocNo doc) const {
  if (!IsText(index, field) || prefix_last) return Query::Explain(index, doc);
  SLUICE_ASSIGN_OR_RETURN(const text::Analyzer* a, QueryAnalyzer(index, field, analyzer));
  std::vector<text::Token> tokens = a->Analyze(text);
  if (tokens.empty()) return Query::Explain(index, doc);
  if (tokens.size() == 1) return ExplainTextTerm(index, field, tokens[0].term, boost, doc);
  SLUICE_ASSIGN_OR_RETURN(DocList docs, Execute(index));
  auto it = std::lower_bound(docs.begin(), docs.end(), doc,
                             [](const ScoredDoc& d, index::DocNo n) { return d.doc < n; });
  if (it == docs.end() || it->doc != doc) return std::optional<Explanation>();
  Explanation out{it->score, "sum of:", {}};
  for (const auto& t : tokens) {
    SLUICE_ASSIGN_OR_RETURN(auto e, ExplainTextTerm(index, field, t.term, boost, doc));
    if (e) out.details.push_back(std::move(*e));
  }
  return std::optional<Explanation>(std::move(out));
}

util::Result<std::optional<Explanation>> DisMaxQuery::Explain(const Index& index,
                                                             index::DocNo doc) const {
  if (boost != 1.0f) return Query::Explain(index, doc);
  SLUICE_ASSIGN_OR_RETURN(DocList docs, Execute(index));
  auto it = std::lower_bound(docs.begin(), docs.end(), doc,
                             [](const ScoredDoc& d, index::DocNo n) { return d.doc < n; });
  if (it == docs.end() || it->doc != doc) return std::optional<Explanation>();
  std::string description = "max of:";
  if (tie_breaker != 0.0f) {
    description = "max plus " + JavaFloatText(tie_breaker) + " times others of:";
  }
  Explanation out{it->score, description, {}};
  for (const auto& q : queries) {
    SLUICE_ASSIGN_OR_RETURN(auto e, q->Explain(index, doc));
    if (e) out.details.push_back(std::move(*e));
  }
  return std::optional<Explanation>(std::move(out));
}

util::Result<DocList> ScoreTextTerm(const Index& index, const std::string& field,
                                    const std::string& term, float boost,
                                    std::optional<int64_t> doc_freq) {
  const text::InvertedIndex& ti = index.text_index();
  SLUICE_ASSIGN_OR_RETURN(text::FieldStats stats, ti.Stats(field));
  int64_t df = 0;
  if (doc_freq) {
    df = *doc_freq;
  } else {
    SLUICE_ASSIGN_OR_RETURN(df, ti.DocFreq(field, term));
  }
  DocList out;
  if (df <= 0 || stats.doc_count <= 0) return out;
  text::Bm25Weight weight(text::Bm25Idf(df, stats.doc_count), boost, stats);
  auto c = ti.Postings(field, term, false);
  for (; c->Valid(); c->Next()) {
    const text::Posting& p = c->posting();
    if (Usable(index, p.doc))
      out.push_back({p.doc, weight.Score(static_cast<float>(p.freq), p.norm)});
  }
  SLUICE_RETURN_IF_ERROR(c->status());
  return out;
}

void MatchQuery::CollectHighlightTerms(const Index& index, HighlightTerms& out) const {
  if (!IsText(index, field)) return;
  auto a = QueryAnalyzer(index, field, analyzer);
  if (!a.ok()) return;
  // A prefix's expansions are not marked (sluice highlights terms and phrases).
  std::vector<text::Token> tokens = (*a)->Analyze(text);
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (prefix_last && i + 1 == tokens.size()) break;
    out.fields[field].terms.push_back(tokens[i].term);
  }
}

void MatchPhraseQuery::CollectHighlightTerms(const Index& index, HighlightTerms& out) const {
  if (!IsText(index, field)) return;
  auto a = QueryAnalyzer(index, field, analyzer);
  if (!a.ok()) return;
  std::vector<text::Token> tokens = (*a)->Analyze(text);
  if (tokens.size() == 1) {
    out.fields[field].terms.push_back(tokens[0].term);
    return;
  }
  if (tokens.empty()) return;
  HighlightTerms::Phrase phrase;
  phrase.slop = slop;
  for (const auto& t : tokens) {
    phrase.terms.push_back(t.term);
    phrase.positions.push_back(t.position);
  }
  out.fields[field].phrases.push_back(std::move(phrase));
}

util::Result<DocList> MatchQuery::Execute(const Index& index) const {
  if (!IsText(index, field)) {
    const index::FieldMapping* f = index.mapping().Find(field);
    if (f == nullptr) return DocList();
    // A keyword's one token (the whole text) is the prefix of match_bool_prefix.
    if (prefix_last && f->type == index::FieldType::kKeyword) {
      return PrefixQuery(field, text, boost).Execute(index);
    }
    QueryValue value{QueryValue::Kind::kString, text, 0};
    return TermsQuery(field, {value}, boost).Execute(index);
  }
  SLUICE_ASSIGN_OR_RETURN(const text::Analyzer* a, QueryAnalyzer(index, field, analyzer));
  std::vector<text::Token> tokens = a->Analyze(text);
  if (tokens.empty()) return zero_terms_all ? AllLive(index) : DocList();
  if (tokens.size() == 1 && !prefix_last) return ScoreTextTerm(index, field, tokens[0].term, boost);
  if (require_all && !prefix_last) return ScoreConjunction(index, field, tokens, boost);
  std::vector<DocList> clauses;
  for (size_t i = 0; i < tokens.size(); ++i) {
    bool prefix = prefix_last && i + 1 == tokens.size();
    // Lucene propagates a query's boost into each term's weight.
    SLUICE_ASSIGN_OR_RETURN(DocList docs, prefix
                                              ? TextPrefix(index, field, tokens[i].term, boost)
                                              : ScoreTextTerm(index, field, tokens[i].term, boost));
    clauses.push_back(std::move(docs));
  }
  const int n = static_cast<int>(clauses.size());
  int min_match = require_all ? n : 1;
  if (minimum_should_match && !require_all && n > 1) {
    auto m = MinimumShouldMatch(*minimum_should_match, n);
    if (!m) {
      return ShardError(index,
                        "failed to parse minimum_should_match [" + *minimum_should_match + "]");
    }
    min_match = std::max(*m, 1);
  }
  if (n == 1) return std::move(clauses[0]);  // match_bool_prefix of one term
  return SumDocLists(clauses, static_cast<size_t>(min_match), 1.0f);
}

float PhraseFreq(const std::vector<const std::vector<int32_t>*>& positions,
                 const std::vector<int32_t>& offsets, int slop) {
  if (slop == 0) {
    // Exact: the number of positions where every term is at its offset.
    int freq = 0;
    for (int32_t p : *positions[0]) {
      int32_t start = p - offsets[0];
      bool all = true;
      for (size_t i = 1; i < positions.size() && all; ++i) {
        all = std::binary_search(positions[i]->begin(), positions[i]->end(), start + offsets[i]);
      }
      freq += all;
    }
    return static_cast<float>(freq);
  }
  std::vector<PhrasePositions> pps;
  for (size_t i = 0; i < positions.size(); ++i) {
    pps.push_back({positions[i], 0, offsets[i], static_cast<int32_t>(i)});
  }
  return SloppyFreq(pps, slop);
}

util::Result<DocList> MatchPhraseQuery::Execute(const Index& index) const {
  if (!IsText(index, field)) {
    if (index.mapping().Find(field) == nullptr) return DocList();
    QueryValue value{QueryValue::Kind::kString, text, 0};
    return TermsQuery(field, {value}, boost).Execute(index);
  }
  SLUICE_ASSIGN_OR_RETURN(const text::Analyzer* a, QueryAnalyzer(index, field, analyzer));
  std::vector<text::Token> tokens = a->Analyze(text);
  if (tokens.empty()) return zero_terms_all ? AllLive(index) : DocList();
  if (tokens.size() == 1) return ScoreTextTerm(index, field, tokens[0].term, boost);
  const text::InvertedIndex& ti = index.text_index();
  SLUICE_ASSIGN_OR_RETURN(text::FieldStats stats, ti.Stats(field));
  double idf = 0;
  std::vector<std::unique_ptr<text::PostingsCursor>> cursors;
  std::vector<int32_t> offsets;
  for (const auto& t : tokens) {
    SLUICE_ASSIGN_OR_RETURN(int64_t df, ti.DocFreq(field, t.term));
    if (df <= 0) return DocList();
    idf += text::Bm25Idf(df, stats.doc_count);
    cursors.push_back(ti.Postings(field, t.term, true));
    offsets.push_back(t.position);
  }
  text::Bm25Weight weight(static_cast<float>(idf), boost, stats);
  DocList out;
  std::vector<const std::vector<int32_t>*> positions(cursors.size());
  for (uint32_t target = 0; Leapfrog(cursors, &target); ++target) {
    for (size_t i = 0; i < cursors.size(); ++i) positions[i] = &cursors[i]->positions();
    float freq = PhraseFreq(positions, offsets, slop);
    if (freq > 0 && Usable(index, target)) {
      out.push_back({target, weight.Score(freq, cursors[0]->posting().norm)});
    }
  }
  for (auto& c : cursors) SLUICE_RETURN_IF_ERROR(c->status());
  return out;
}

util::Result<DocList> DisMaxQuery::Execute(const Index& index) const {
  std::vector<DocList> clauses;
  for (const auto& q : queries) {
    SLUICE_ASSIGN_OR_RETURN(DocList docs, q->Execute(index));
    clauses.push_back(std::move(docs));
  }
  return CombineDisMax(clauses, tie_breaker, boost);
}

}  // namespace sluice::search
