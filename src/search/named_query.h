// NamedQuery: a query with a `_name`; hits report the names of the named
// queries they match in `matched_queries` (with their scores when
// include_named_queries_score is set). It scores, explains and highlights as
// the query it wraps. NamedQueries lists the named queries of a tree in query
// order. Immutable; thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "search/query.h"

namespace sluice::search {

class NamedQuery : public Query {
 public:
  NamedQuery(std::string name, std::unique_ptr<Query> inner)
      : name_(std::move(name)), inner_(std::move(inner)) {}
  const std::string& name() const { return name_; }
  util::Result<DocList> Execute(const index::Index& index) const override {
    return inner_->Execute(index);
  }
  void CollectHighlightTerms(const index::Index& index, HighlightTerms& out) const override {
    inner_->CollectHighlightTerms(index, out);
  }
  util::Result<std::optional<Explanation>> Explain(const index::Index& index,
                                                   index::DocNo doc) const override {
    return inner_->Explain(index, doc);
  }
  void VisitChildren(const std::function<void(const Query&)>& visit) const override {
    visit(*inner_);
  }

 private:
  std::string name_;
  std::unique_ptr<Query> inner_;
};

// Every NamedQuery of the tree under root (root included), in query order.
std::vector<const NamedQuery*> NamedQueries(const Query& root);

}  // namespace sluice::search
