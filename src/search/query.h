// Query: a node of the parsed query DSL (match_all, term, bool, knn, ...),
// executed against one index.
//
// Execute returns the matching live documents sorted by doc number, each with
// its score. Non-knn leaf queries score a constant (their boost), as filters
// do in OpenSearch; knn scores follow the k-NN plugin; bool sums the scores
// of its scoring clauses.
//
// Execute must be called with an Index::ReadGuard held on the index.
// Queries are immutable once built and may be executed from several threads.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "index/index.h"
#include "util/result.h"

namespace sluice::search {

struct ScoredDoc {
  index::DocNo doc;
  float score;
};
using DocList = std::vector<ScoredDoc>;  // sorted by doc

// How a document's score was computed, as Lucene's Explanation (rendered as
// OpenSearch's "_explanation": value, description, details).
struct Explanation {
  float value = 0;
  std::string description;
  std::vector<Explanation> details;
};

// The analyzed terms and phrases a query looks for, per field (what
// `highlight` marks). Collected with the index's read guard held.
struct HighlightTerms {
  struct Phrase {
    std::vector<std::string> terms;
    std::vector<int> positions;  // each term's position in the query
    int slop = 0;
  };
  struct Field {
    std::vector<std::string> terms;
    std::vector<Phrase> phrases;
  };
  std::map<std::string, Field> fields;
};

class Query {
 public:
  virtual ~Query() = default;
  virtual util::Result<DocList> Execute(const index::Index& index) const = 0;
  // Adds the terms this query matches on text fields (none by default: such
  // queries highlight nothing).
  virtual void CollectHighlightTerms(const index::Index&, HighlightTerms&) const {}
  // The explanation of doc's score, nullopt when the query does not match it.
  // The default runs the query and reports the score without a breakdown;
  // BM25-scored queries and their sums override it with Lucene's tree.
  virtual util::Result<std::optional<Explanation>> Explain(const index::Index& index,
                                                           index::DocNo doc) const;
  // Calls visit on each direct sub-query (none by default).
  virtual void VisitChildren(const std::function<void(const Query&)>&) const {}
};

}  // namespace sluice::search
