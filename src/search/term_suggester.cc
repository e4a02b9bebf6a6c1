// The term suggester: Lucene's DirectSpellChecker over sluice's term
// dictionary (text::InvertedIndex), with OpenSearch's defaults.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "search/suggesters.h"
#include "text/analyzer.h"
#include "text/analyzer_registry.h"
#include "text/inverted_index.h"

namespace sluice::search {
namespace {

using util::Status;

std::string Utf8(const std::u32string& cps) {
  std::string out;
  for (char32_t c : cps) {
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (c >> 12)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (c >> 18)));
      out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

// Lucene's ScoreTerm order in the spell checker's queue: higher boost first,
// equal boosts by term.
bool BetterCandidate(const TermOption& a, const TermOption& b) {
  if (a.score != b.score) return a.score > b.score;
  return a.text < b.text;
}

// One FuzzyTermsEnum pass: terms within `edits` of the query that share its
// first `prefix` code points, more frequent than min_freq, at least as
// similar as accuracy; the best `keep` of them.
util::Result<std::vector<TermOption>> FuzzyPass(const text::InvertedIndex& terms,
                                                const std::string& field,
                                                const std::u32string& query, int edits,
                                                int prefix, int64_t min_freq, float accuracy,
                                                size_t keep) {
  const std::u32string head = query.substr(0, std::min<size_t>(prefix, query.size()));
  const std::string query_utf8 = Utf8(query);
  std::vector<TermOption> best;
  Status walked = terms.ForEachTerm(field, Utf8(head), [&](std::string_view term, int64_t df) {
    if (term == query_utf8 || df <= min_freq) return true;
    std::u32string cand = CodePoints(term);
    // Lengths further apart than the edits allow cannot match.
    size_t diff = cand.size() > query.size() ? cand.size() - query.size()
                                             : query.size() - cand.size();
    if (diff > static_cast<size_t>(edits)) return true;
    int ed = EditDistance(query, cand, /*transpositions=*/true, /*prefix_of_b=*/false);
    if (ed > edits) return true;
    size_t shorter = std::min(cand.size(), query.size());
    float score = ed == 0 ? 1.0f : 1.0f - static_cast<float>(ed) / static_cast<float>(shorter);
    if (score < accuracy) return true;
    best.push_back({std::string(term), score, df});
    if (best.size() > keep * 4 + 16) {
      std::sort(best.begin(), best.end(), BetterCandidate);
      best.resize(keep);
    }
    return true;
  });
  SLUICE_RETURN_IF_ERROR(walked);
  std::sort(best.begin(), best.end(), BetterCandidate);
  if (best.size() > keep) best.resize(keep);
  return best;
}

uint64_t LiveDocs(const index::Index& index) {
  uint64_t n = 0;
  for (index::DocNo d = 0; d < index.max_doc(); ++d) n += index.live(d) ? 1 : 0;
  return n;
}

}  // namespace

std::u32string CodePoints(std::string_view s) {
  std::u32string out;
  for (size_t i = 0; i < s.size();) {
    auto b = static_cast<unsigned char>(s[i]);
    int len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 1;
    if (i + len > s.size()) len = 1;
    char32_t c = len == 1 ? b : b & (0x7F >> len);
    for (int k = 1; k < len; ++k) c = (c << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out.push_back(c);
    i += len;
  }
  return out;
}

void SortTermOptions(std::vector<TermOption>& options, bool by_frequency) {
  std::sort(options.begin(), options.end(), [&](const TermOption& a, const TermOption& b) {
    if (by_frequency && a.freq != b.freq) return a.freq > b.freq;
    if (a.score != b.score) return a.score > b.score;
    if (a.freq != b.freq) return a.freq > b.freq;
    return a.text < b.text;
  });
}

util::Result<std::vector<TermOption>> SuggestTerm(const index::Index& index,
                                                  const std::string& field,
                                                  const std::string& term,
                                                  const TermSuggestOptions& o, int shard_size) {
  std::vector<TermOption> none;
  const std::u32string query = CodePoints(term);
  if (static_cast<int>(query.size()) < o.min_word_length) return none;
  const text::InvertedIndex& terms = index.text_index();
  SLUICE_ASSIGN_OR_RETURN(int64_t df, terms.DocFreq(field, term));
  if (o.suggest_mode == TermSuggestOptions::Mode::kMissing && df > 0) return none;
  const auto max_doc = static_cast<float>(LiveDocs(index));
  if (o.max_term_freq >= 1.0f) {
    if (static_cast<float>(df) > o.max_term_freq) return none;
  } else if (df > static_cast<int64_t>(std::ceil(o.max_term_freq * max_doc))) {
    return none;
  }
  // Candidates must be more frequent than this.
  int64_t min_freq = o.suggest_mode == TermSuggestOptions::Mode::kPopular ? df : 0;
  if (o.min_doc_freq >= 1.0f) {
    min_freq = std::max(min_freq, static_cast<int64_t>(o.min_doc_freq));
  } else if (o.min_doc_freq > 0) {
    min_freq = std::max(min_freq, static_cast<int64_t>(o.min_doc_freq * max_doc) - 1);
  }
  const size_t inspections = static_cast<size_t>(shard_size) * o.max_inspections;
  // One edit first, as DirectSpellChecker; the full distance only when that is not enough.
  SLUICE_ASSIGN_OR_RETURN(
      std::vector<TermOption> found,
      FuzzyPass(terms, field, query, 1, o.prefix_length, min_freq, o.accuracy, inspections));
  if (o.max_edits > 1 && found.size() < inspections) {
    SLUICE_ASSIGN_OR_RETURN(
        std::vector<TermOption> more,
        FuzzyPass(terms, field, query, o.max_edits, std::max(o.prefix_length, o.max_edits - 1),
                  min_freq, o.accuracy, inspections));
    std::set<std::string> seen;
    for (const auto& f : found) seen.insert(f.text);
    for (auto& m : more) {
      if (seen.insert(m.text).second) found.push_back(std::move(m));
    }
  }
  SortTermOptions(found, o.sort_by_frequency);
  if (found.size() > static_cast<size_t>(shard_size)) found.resize(shard_size);
  return found;
}

util::Status WriteTermEntries(const Suggestion& s,
                              const std::vector<std::shared_ptr<index::Index>>& indices,
                              json::JsonWriter& w) {
  struct Entry {
    std::string text;
    int offset = 0;
    int length = 0;
    std::map<std::string, TermOption> options;  // merged over indices by text
  };
  std::vector<Entry> entries;
  const int shard_size = s.shard_size.value_or(std::max(s.size, 5));
  bool mapped = false;
  for (const auto& index : indices) {
    if (index->mapping().Find(s.field) == nullptr) continue;
    mapped = true;
    const text::Analyzer* analyzer = &index->SearchAnalyzer(s.field);
    if (!s.analyzer.empty()) {
      analyzer = index->analyzers().Find(s.analyzer);
      if (analyzer == nullptr) {
        return util::InvalidArgument("analyzer [" + s.analyzer + "] doesn't exists");
      }
    }
    std::vector<text::Token> tokens = analyzer->Analyze(s.text);
    // Every index analyzes the same text; the first fixes the entries.
    if (entries.empty()) {
      for (const auto& t : tokens) {
        entries.push_back({t.term, t.start_offset, t.end_offset - t.start_offset, {}});
      }
    }
    for (size_t i = 0; i < tokens.size() && i < entries.size(); ++i) {
      SLUICE_ASSIGN_OR_RETURN(auto found,
                              SuggestTerm(*index, s.field, tokens[i].term, s.term, shard_size));
      for (auto& f : found) {
        auto [it, fresh] = entries[i].options.try_emplace(f.text, f);
        if (!fresh) {
          // TermSuggestion.Entry.Option#mergeInto: frequencies add up, the best score stays.
          it->second.freq += f.freq;
          it->second.score = std::max(it->second.score, f.score);
        }
      }
    }
  }
  if (!mapped && !indices.empty()) {
    return util::InvalidArgument("no mapping found for field [" + s.field + "]");
  }
  w.StartArray();
  for (const auto& e : entries) {
    w.StartObject().Key("text").String(e.text).Key("offset").Int(e.offset);
    w.Key("length").Int(e.length).Key("options").StartArray();
    std::vector<TermOption> options;
    for (const auto& [text, o] : e.options) options.push_back(o);
    SortTermOptions(options, s.term.sort_by_frequency);
    if (options.size() > static_cast<size_t>(s.size)) options.resize(s.size);
    for (const auto& o : options) {
      w.StartObject().Key("text").String(o.text).Key("score").Float(o.score);
      w.Key("freq").Int(o.freq).EndObject();
    }
    w.EndArray().EndObject();
  }
  w.EndArray();
  return Status::Ok();
}

}  // namespace sluice::search
