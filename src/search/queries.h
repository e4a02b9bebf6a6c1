// The query types sluice implements. Built by the query parser; see query.h
// for the execution contract.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "search/query.h"

namespace sluice::search {

// A scalar given in a term/terms/range query.
struct QueryValue {
  enum class Kind { kString, kNumber, kBool } kind = Kind::kString;
  std::string text;  // the value as text (numbers and bools too)
  double number = 0;
};

class MatchAllQuery : public Query {
 public:
  explicit MatchAllQuery(float boost) : boost_(boost) {}
  util::Result<DocList> Execute(const index::Index& index) const override;

 private:
  float boost_;
};

class MatchNoneQuery : public Query {
 public:
  util::Result<DocList> Execute(const index::Index&) const override { return DocList(); }
};

class IdsQuery : public Query {
 public:
  IdsQuery(std::vector<std::string> ids, float boost) : ids_(std::move(ids)), boost_(boost) {}
  util::Result<DocList> Execute(const index::Index& index) const override;

 private:
  std::vector<std::string> ids_;
  float boost_;
};

// term and terms: a document matches when any of its values of the field
// equals one of the given values (compared as the field's type).
class TermsQuery : public Query {
 public:
  TermsQuery(std::string field, std::vector<QueryValue> values, float boost)
      : field_(std::move(field)), values_(std::move(values)), boost_(boost) {}
  util::Result<DocList> Execute(const index::Index& index) const override;
  void CollectHighlightTerms(const index::Index& index, HighlightTerms& out) const override;
  util::Result<std::optional<Explanation>> Explain(const index::Index& index,
                                                   index::DocNo doc) const override;

 private:
  std::string field_;
  std::vector<QueryValue> values_;
  float boost_;
};

class RangeQuery : public Query {
 public:
  struct Bound {
    QueryValue value;
    bool inclusive;
  };
  RangeQuery(std::string field, std::optional<Bound> lower, std::optional<Bound> upper, float boost)
      : field_(std::move(field)), lower_(std::move(lower)), upper_(std::move(upper)),
        boost_(boost) {}
  util::Result<DocList> Execute(const index::Index& index) const override;
  // "relation" of a range query on a range field (intersects, within, contains).
  void set_relation(std::string relation) { relation_ = std::move(relation); }

 private:
  std::string field_;
  std::optional<Bound> lower_, upper_;
  float boost_;
  std::string relation_ = "intersects";
};

class ExistsQuery : public Query {
 public:
  ExistsQuery(std::string field, float boost) : field_(std::move(field)), boost_(boost) {}
  util::Result<DocList> Execute(const index::Index& index) const override;

 private:
  std::string field_;
  float boost_;
};

class PrefixQuery : public Query {
 public:
  PrefixQuery(std::string field, std::string prefix, float boost)
      : field_(std::move(field)), prefix_(std::move(prefix)), boost_(boost) {}
  util::Result<DocList> Execute(const index::Index& index) const override;

 private:
  std::string field_;
  std::string prefix_;
  float boost_;
};

class BoolQuery : public Query {
 public:
  std::vector<std::unique_ptr<Query>> must, filter, should, must_not;
  std::optional<int> minimum_should_match;
  float boost = 1.0f;
  util::Result<DocList> Execute(const index::Index& index) const override;
  void CollectHighlightTerms(const index::Index& index, HighlightTerms& out) const override;
  util::Result<std::optional<Explanation>> Explain(const index::Index& index,
                                                   index::DocNo doc) const override;
  void VisitChildren(const std::function<void(const Query&)>& visit) const override {
    for (const auto* list : {&must, &filter, &should, &must_not}) {
      for (const auto& q : *list) visit(*q);
    }
  }
};

class ConstantScoreQuery : public Query {
 public:
  ConstantScoreQuery(std::unique_ptr<Query> filter, float boost)
      : filter_(std::move(filter)), boost_(boost) {}
  util::Result<DocList> Execute(const index::Index& index) const override;
  void CollectHighlightTerms(const index::Index& index, HighlightTerms& out) const override {
    filter_->CollectHighlightTerms(index, out);
  }
  void VisitChildren(const std::function<void(const Query&)>& visit) const override {
    visit(*filter_);
  }

 private:
  std::unique_ptr<Query> filter_;
  float boost_;
};

class KnnQuery : public Query {
 public:
  std::string field;
  std::vector<float> vector;
  std::optional<int> k;
  std::optional<float> max_distance;
  std::optional<float> min_score;
  std::optional<int> ef_search;
  std::unique_ptr<Query> filter;
  float boost = 1.0f;
  util::Result<DocList> Execute(const index::Index& index) const override;
  void VisitChildren(const std::function<void(const Query&)>& visit) const override {
    if (filter) visit(*filter);
  }
};

}  // namespace sluice::search
