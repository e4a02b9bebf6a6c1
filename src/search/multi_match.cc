#include "search/multi_match.h"

#include <algorithm>
#include <map>

#include "search/phrase_prefix_query.h"
#include "search/queries.h"
#include "search/search_errors.h"
#include "search/text_queries.h"
#include "text/analyzer.h"
#include "text/analyzer_registry.h"
#include "text/inverted_index.h"

namespace sluice::search {
namespace {

using index::Index;
using QueryPtr = std::unique_ptr<Query>;

// OpenSearch's Regex.simpleMatch: '*' matches any run of characters.
bool SimpleMatch(std::string_view pattern, std::string_view s) {
  size_t star = pattern.find('*');
  if (star == std::string_view::npos) return pattern == s;
  if (s.substr(0, star) != pattern.substr(0, star)) return false;
  std::string_view rest = pattern.substr(star + 1);
  for (size_t i = star; i <= s.size(); ++i) {
    if (SimpleMatch(rest, s.substr(i))) return true;
  }
  return false;
}

// The fields a pattern may expand to: those text queries search (OpenSearch
// skips fields without text search info, and metadata fields).
bool Searchable(const index::FieldMapping& f) {
  return (index::IsTextual(f.type) && f.index) || f.type == index::FieldType::kKeyword;
}

// One cross_fields group of text fields sharing an analyzer: each analyzed
// term scored as Lucene's BlendedTermQuery.dismaxBlendedQuery.
class BlendedGroupQuery : public Query {
 public:
  std::vector<std::pair<std::string, float>> fields;  // boosts include the query's
  const text::Analyzer* analyzer = nullptr;
  std::string text;
  bool require_all = false;
  std::optional<std::string> minimum_should_match;
  bool zero_terms_all = false;
  float tie_breaker = 0.0f;

  util::Result<DocList> Execute(const Index& index) const override {
    std::vector<text::Token> tokens = analyzer->Analyze(text);
    if (tokens.empty()) return zero_terms_all ? MatchAllQuery(1.0f).Execute(index) : DocList();
    std::vector<text::FieldStats> stats;
    for (const auto& f : fields) {
      SLUICE_ASSIGN_OR_RETURN(text::FieldStats s, index.text_index().Stats(f.first));
      stats.push_back(s);
    }
    int64_t max_doc = 0;
    for (index::DocNo d = 0; d < index.max_doc(); ++d) max_doc += index.live(d);
    std::vector<DocList> clauses;
    for (const auto& t : tokens) {
      SLUICE_ASSIGN_OR_RETURN(DocList docs, ScoreBlended(index, t.term, stats, max_doc));
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
    if (n == 1) return std::move(clauses[0]);
    return SumDocLists(clauses, static_cast<size_t>(min_match), 1.0f);
  }

 private:
  // BlendedTermQuery.blend then a dis_max of the fields' term queries.
  util::Result<DocList> ScoreBlended(const Index& index, const std::string& term,
                                     const std::vector<text::FieldStats>& stats,
                                     int64_t max_doc) const {
    const size_t n = fields.size();
    std::vector<int64_t> df(n);
    int64_t max_df = 0;
    int64_t min_sum_ttf = INT64_MAX;
    for (size_t i = 0; i < n; ++i) {
      SLUICE_ASSIGN_OR_RETURN(df[i], index.text_index().DocFreq(fields[i].first, term));
      max_df = std::max(max_df, df[i]);
      if (df[i] > 0) min_sum_ttf = std::min(min_sum_ttf, stats[i].sum_total_term_freq);
    }
    if (max_df == 0) return DocList();
    max_doc = std::min(max_doc, min_sum_ttf);
    std::vector<size_t> order(n);
    for (size_t i = 0; i < n; ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return df[a] > df[b]; });
    // A little bias towards the more frequent fields breaks ties.
    std::vector<int64_t> blended(n, 0);
    int64_t prev = df[order[0]];
    int64_t actual = std::min(max_doc, max_df);
    for (size_t i : order) {
      if (df[i] == 0) break;
      if (prev > df[i]) ++actual;
      blended[i] = std::min({actual, stats[i].doc_count, max_doc});
      prev = df[i];
    }
    std::vector<DocList> per_field;
    for (size_t i = 0; i < n; ++i) {
      if (df[i] == 0) continue;
      SLUICE_ASSIGN_OR_RETURN(
          DocList docs, ScoreTextTerm(index, fields[i].first, term, fields[i].second, blended[i]));
      per_field.push_back(std::move(docs));
    }
    return CombineDisMax(per_field, tie_breaker, 1.0f);
  }
};

}  // namespace

std::vector<std::pair<std::string, float>> MultiMatchQuery::ResolveFields(
    const Index& index) const {
  std::vector<std::pair<std::string, float>> requested = spec_.fields;
  if (requested.empty()) {
    const auto& flat = index.settings().flat();
    auto it = flat.find("index.query.default_field");
    requested.emplace_back(it == flat.end() ? "*" : it->second, 1.0f);
  }
  std::vector<std::pair<std::string, float>> out;
  auto add = [&](const std::string& name, float boost) {
    for (auto& [f, b] : out) {
      if (f == name) {
        b *= boost;
        return;
      }
    }
    out.emplace_back(name, boost);
  };
  for (const auto& [name, boost] : requested) {
    if (name.find('*') == std::string::npos) {
      if (index.mapping().Find(name) != nullptr) add(name, boost);
      continue;
    }
    for (const auto& [path, field] : index.mapping().fields()) {
      if (!path.empty() && path[0] != '_' && Searchable(field) && SimpleMatch(name, path)) {
        add(path, boost);
      }
    }
  }
  return out;
}

util::Result<QueryPtr> MultiMatchQuery::Build(const Index& index) const {
  const auto fields = ResolveFields(index);
  if (fields.empty()) return QueryPtr(std::make_unique<MatchNoneQuery>());
  const std::string& type = spec_.type;
  const float tie = spec_.tie_breaker.value_or(type == "most_fields" ? 1.0f : 0.0f);
  auto match = [&](const std::string& field, float boost) {
    auto q = std::make_unique<MatchQuery>();
    q->field = field;
    q->text = spec_.text;
    q->require_all = spec_.require_all;
    q->minimum_should_match = spec_.minimum_should_match;
    q->analyzer = spec_.analyzer;
    q->zero_terms_all = spec_.zero_terms_all;
    q->prefix_last = type == "bool_prefix";
    q->boost = boost;
    return q;
  };
  std::vector<QueryPtr> clauses;
  if (type == "cross_fields") {
    // Groups by analyzer, in the order their first field comes.
    std::vector<std::pair<const text::Analyzer*, std::vector<std::pair<std::string, float>>>>
        groups;
    for (const auto& [field, boost] : fields) {
      const index::FieldMapping* f = index.mapping().Find(field);
      const text::Analyzer* a = nullptr;  // non-text fields: a group each
      if (index::IsTextual(f->type)) {
        a = &index.SearchAnalyzer(field);
        if (spec_.analyzer) {
          a = index.analyzers().Find(*spec_.analyzer);
          if (a == nullptr)
            return ShardError(index, "analyzer [" + *spec_.analyzer + "] not found");
        }
      }
      auto g = std::find_if(groups.begin(), groups.end(),
                            [&](const auto& e) { return a != nullptr && e.first == a; });
      if (g == groups.end()) {
        groups.push_back({a, {}});
        g = groups.end() - 1;
      }
      g->second.emplace_back(field, boost * spec_.boost);
    }
    for (auto& [a, members] : groups) {
      if (members.size() == 1) {
        clauses.push_back(match(members[0].first, members[0].second));
        continue;
      }
      auto q = std::make_unique<BlendedGroupQuery>();
      q->fields = std::move(members);
      q->analyzer = a;
      q->text = spec_.text;
      q->require_all = spec_.require_all;
      q->minimum_should_match = spec_.minimum_should_match;
      q->zero_terms_all = spec_.zero_terms_all;
      q->tie_breaker = tie;
      clauses.push_back(std::move(q));
    }
  } else {
    // The query's boost goes into each field query's weights, as Lucene
    // propagates a BoostQuery's boost down to the term weights.
    for (const auto& [field, field_boost] : fields) {
      const float boost = field_boost * spec_.boost;
      if (type == "phrase") {
        auto q = std::make_unique<MatchPhraseQuery>();
        q->field = field;
        q->text = spec_.text;
        q->slop = spec_.slop;
        q->analyzer = spec_.analyzer;
        q->zero_terms_all = spec_.zero_terms_all;
        q->boost = boost;
        clauses.push_back(std::move(q));
      } else if (type == "phrase_prefix") {
        const index::FieldMapping* f = index.mapping().Find(field);
        if (!index::IsTextual(f->type)) continue;  // lenient, as OpenSearch over keyword fields
        auto q = std::make_unique<MatchPhrasePrefixQuery>();
        q->field = field;
        q->text = spec_.text;
        q->slop = spec_.slop;
        q->max_expansions = spec_.max_expansions;
        q->analyzer = spec_.analyzer;
        q->zero_terms_all = spec_.zero_terms_all;
        q->boost = boost;
        clauses.push_back(std::move(q));
      } else {
        clauses.push_back(match(field, boost));
      }
    }
  }
  if (clauses.empty()) return QueryPtr(std::make_unique<MatchNoneQuery>());
  if (clauses.size() == 1) return std::move(clauses[0]);
  auto d = std::make_unique<DisMaxQuery>();
  d->queries = std::move(clauses);
  d->tie_breaker = tie;
  return QueryPtr(std::move(d));
}

util::Result<DocList> MultiMatchQuery::Execute(const Index& index) const {
  SLUICE_ASSIGN_OR_RETURN(QueryPtr q, Build(index));
  return q->Execute(index);
}

void MultiMatchQuery::CollectHighlightTerms(const Index& index, HighlightTerms& out) const {
  auto q = Build(index);
  if (q.ok()) (*q)->CollectHighlightTerms(index, out);
}

util::Result<std::optional<Explanation>> MultiMatchQuery::Explain(const Index& index,
                                                                  index::DocNo doc) const {
  SLUICE_ASSIGN_OR_RETURN(QueryPtr q, Build(index));
  return q->Explain(index, doc);
}

}  // namespace sluice::search
