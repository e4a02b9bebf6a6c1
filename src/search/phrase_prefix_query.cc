#include "search/phrase_prefix_query.h"

#include <algorithm>

#include "search/queries.h"
#include "search/search_errors.h"
#include "search/text_queries.h"
#include "text/analyzer.h"
#include "text/analyzer_registry.h"
#include "text/bm25.h"
#include "text/inverted_index.h"

namespace sluice::search {
namespace {

using index::Index;

bool Usable(const Index& index, uint32_t doc) { return doc < index.max_doc() && index.live(doc); }

util::Result<std::vector<text::Token>> AnalyzeQuery(const Index& index, const std::string& field,
                                                    const std::optional<std::string>& name,
                                                    const std::string& text) {
  const text::Analyzer* a = &index.SearchAnalyzer(field);
  if (name) {
    a = index.analyzers().Find(*name);
    if (a == nullptr) return ShardError(index, "analyzer [" + *name + "] not found");
  }
  return a->Analyze(text);
}

// Every document of the expansions, with each position any of them holds
// (the union MultiPhraseQuery reads at the last position), in doc order.
struct Expansion {
  std::vector<std::unique_ptr<text::PostingsCursor>> cursors;
  std::vector<int32_t> positions;  // of the current doc
  // Positions at doc (empty: no expansion occurs there).
  const std::vector<int32_t>& At(uint32_t doc) {
    positions.clear();
    for (auto& c : cursors) {
      if (c->Advance(doc) && c->posting().doc == doc) {
        const auto& p = c->positions();
        positions.insert(positions.end(), p.begin(), p.end());
      }
    }
    std::sort(positions.begin(), positions.end());
    positions.erase(std::unique(positions.begin(), positions.end()), positions.end());
    return positions;
  }
};

}  // namespace

util::Result<DocList> MatchPhrasePrefixQuery::Execute(const Index& index) const {
  const index::FieldMapping* mapped = index.mapping().Find(field);
  if (mapped == nullptr) return DocList();
  if (!index::IsTextual(mapped->type)) {
    return ShardError(index, "Can only use phrase prefix queries on text fields - not on [" +
                                 field + "] which is of type [" +
                                 std::string(index::FieldTypeName(mapped->type)) + "]");
  }
  SLUICE_ASSIGN_OR_RETURN(std::vector<text::Token> tokens,
                          AnalyzeQuery(index, field, analyzer, text));
  if (tokens.empty()) return zero_terms_all ? MatchAllQuery(1.0f).Execute(index) : DocList();
  const text::InvertedIndex& ti = index.text_index();
  SLUICE_ASSIGN_OR_RETURN(std::vector<std::string> expansions,
                          ti.TermsWithPrefix(field, tokens.back().term,
                                             static_cast<size_t>(std::max(max_expansions, 0))));
  if (expansions.empty()) return DocList();
  if (tokens.size() == 1) {
    // MultiPhraseQuery of one position rewrites to a disjunction of term queries.
    std::vector<DocList> clauses;
    for (const auto& t : expansions) {
      SLUICE_ASSIGN_OR_RETURN(DocList docs, ScoreTextTerm(index, field, t, boost));
      clauses.push_back(std::move(docs));
    }
    return SumDocLists(clauses, 1, 1.0f);
  }
  SLUICE_ASSIGN_OR_RETURN(text::FieldStats stats, ti.Stats(field));
  double idf = 0;
  std::vector<std::unique_ptr<text::PostingsCursor>> cursors;  // the leading terms
  std::vector<int32_t> offsets;
  for (size_t i = 0; i + 1 < tokens.size(); ++i) {
    SLUICE_ASSIGN_OR_RETURN(int64_t df, ti.DocFreq(field, tokens[i].term));
    if (df <= 0) return DocList();
    idf += text::Bm25Idf(df, stats.doc_count);
    cursors.push_back(ti.Postings(field, tokens[i].term, true));
    offsets.push_back(tokens[i].position);
  }
  offsets.push_back(tokens.back().position);
  Expansion last;
  for (const auto& t : expansions) {
    SLUICE_ASSIGN_OR_RETURN(int64_t df, ti.DocFreq(field, t));
    idf += text::Bm25Idf(df, stats.doc_count);
    last.cursors.push_back(ti.Postings(field, t, true));
  }
  text::Bm25Weight weight(static_cast<float>(idf), boost, stats);
  DocList out;
  std::vector<const std::vector<int32_t>*> positions(offsets.size());
  uint32_t target = 0;
  for (;;) {
    // The next document holding every leading term.
    bool agreed = false, exhausted = false;
    while (!agreed && !exhausted) {
      agreed = true;
      for (auto& c : cursors) {
        if (!c->Advance(target)) {
          exhausted = true;
          break;
        }
        if (c->posting().doc > target) {
          target = c->posting().doc;
          agreed = false;
        }
      }
    }
    if (exhausted) break;
    const std::vector<int32_t>& tail = last.At(target);
    if (!tail.empty() && Usable(index, target)) {
      for (size_t i = 0; i < cursors.size(); ++i) positions[i] = &cursors[i]->positions();
      positions.back() = &tail;
      float freq = PhraseFreq(positions, offsets, slop);
      if (freq > 0) out.push_back({target, weight.Score(freq, cursors[0]->posting().norm)});
    }
    ++target;
  }
  for (auto& c : cursors) SLUICE_RETURN_IF_ERROR(c->status());
  for (auto& c : last.cursors) SLUICE_RETURN_IF_ERROR(c->status());
  return out;
}

void MatchPhrasePrefixQuery::CollectHighlightTerms(const Index& index, HighlightTerms& out) const {
  const index::FieldMapping* mapped = index.mapping().Find(field);
  if (mapped == nullptr || !index::IsTextual(mapped->type)) return;
  auto tokens = AnalyzeQuery(index, field, analyzer, text);
  if (!tokens.ok() || tokens->empty()) return;
  // The leading terms are marked; the prefix's expansions are not (as match_bool_prefix).
  for (size_t i = 0; i + 1 < tokens->size(); ++i)
    out.fields[field].terms.push_back((*tokens)[i].term);
}

}  // namespace sluice::search
