// Bucket aggregations keyed by query or by presence: filter, filters,
// adjacency_matrix, missing, global.
#include <algorithm>
#include <memory>

#include "json/json_writer.h"
#include "search/aggregations/bucket_support.h"
#include "search/query_parser.h"

namespace sluice::search {
namespace {

using util::ParsingError;
using util::Status;

// Documents of each segment that a query matches.
util::Result<DocSet> Intersect(const DocSet& docs, const Query& query) {
  DocSet out;
  for (const Segment& seg : docs) {
    SLUICE_ASSIGN_OR_RETURN(DocList matched, query.Execute(*seg.index));
    Segment s{seg.index, {}};
    std::set_intersection(seg.docs.begin(), seg.docs.end(), matched.begin(), matched.end(),
                          std::back_inserter(s.docs),
                          [](const ScoredDoc& a, const ScoredDoc& b) { return a.doc < b.doc; });
    out.push_back(std::move(s));
  }
  return out;
}

class FilterAggregation : public SingleBucketAggregation {
 public:
  explicit FilterAggregation(std::unique_ptr<Query> q) : query_(std::move(q)) {}
  util::Result<DocSet> Select(const DocSet& docs) const override {
    return Intersect(docs, *query_);
  }

 private:
  std::unique_ptr<Query> query_;
};

class MissingAggregation : public SingleBucketAggregation {
 public:
  MissingAggregation(std::string field, bool filled) : field_(std::move(field)), filled_(filled) {}
  util::Result<DocSet> Select(const DocSet& docs) const override {
    DocSet out;
    for (const Segment& seg : docs) {
      SLUICE_ASSIGN_OR_RETURN(FieldRef ref, ResolveField(*seg.index, field_));
      Segment s{seg.index, {}};
      if (filled_) {
        out.push_back(std::move(s));
        continue;
      }
      for (const ScoredDoc& d : seg.docs) {
        bool any = false;
        ForEachValue(*seg.index, d.doc, ref, [&](const index::Index::Value&) { any = true; });
        if (!any) s.docs.push_back(d);
      }
      out.push_back(std::move(s));
    }
    return out;
  }

 private:
  std::string field_;
  bool filled_;
};

class GlobalAggregation : public SingleBucketAggregation {
 public:
  util::Result<DocSet> Select(const DocSet& docs) const override {
    DocSet out;
    for (const Segment& seg : docs) {
      Segment s{seg.index, {}};
      for (index::DocNo d = 0; d < seg.index->max_doc(); ++d) {
        if (seg.index->live(d)) s.docs.push_back({d, 1.0f});
      }
      out.push_back(std::move(s));
    }
    return out;
  }
};

class FiltersAggregation : public Aggregation {
 public:
  std::vector<std::pair<std::string, std::unique_ptr<Query>>> filters;
  bool keyed = true;
  bool other_bucket = false;
  std::string other_key = "_other_";

  Status Write(const DocSet& docs, json::JsonWriter& w) const override {
    w.StartObject().Key("buckets");
    if (keyed)
      w.StartObject();
    else
      w.StartArray();
    std::vector<std::vector<bool>> matched(docs.size());
    for (size_t s = 0; s < docs.size(); ++s) matched[s].assign(docs[s].docs.size(), false);
    auto bucket = [&](const std::string& key, const DocSet& set) -> Status {
      if (keyed)
        w.Key(key).StartObject();
      else
        w.StartObject();
      SLUICE_RETURN_IF_ERROR(WriteBucketContents(*this, set, CountDocs(set), w));
      w.EndObject();
      return Status::Ok();
    };
    for (const auto& [key, query] : filters) {
      SLUICE_ASSIGN_OR_RETURN(DocSet set, Intersect(docs, *query));
      for (size_t s = 0; s < docs.size(); ++s) {
        size_t j = 0;
        for (size_t i = 0; i < docs[s].docs.size() && j < set[s].docs.size(); ++i) {
          if (docs[s].docs[i].doc == set[s].docs[j].doc) {
            matched[s][i] = true;
            ++j;
          }
        }
      }
      SLUICE_RETURN_IF_ERROR(bucket(key, set));
    }
    if (other_bucket) {
      DocSet rest;
      for (size_t s = 0; s < docs.size(); ++s) {
        Segment seg{docs[s].index, {}};
        for (size_t i = 0; i < docs[s].docs.size(); ++i) {
          if (!matched[s][i]) seg.docs.push_back(docs[s].docs[i]);
        }
        rest.push_back(std::move(seg));
      }
      SLUICE_RETURN_IF_ERROR(bucket(other_key, rest));
    }
    if (keyed)
      w.EndObject();
    else
      w.EndArray();
    w.EndObject();
    return Status::Ok();
  }
};

util::Result<std::unique_ptr<Aggregation>> ParseFilters(const rapidjson::Value& body) {
  auto agg = std::make_unique<FiltersAggregation>();
  for (auto it = body.MemberBegin(); it != body.MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    const rapidjson::Value& v = it->value;
    if (key == "filters") {
      if (v.IsObject()) {
        for (auto f = v.MemberBegin(); f != v.MemberEnd(); ++f) {
          SLUICE_ASSIGN_OR_RETURN(auto q, ParseQuery(f->value));
          agg->filters.emplace_back(f->name.GetString(), std::move(q));
        }
        // OpenSearch sorts keyed filters by name.
        std::sort(agg->filters.begin(), agg->filters.end(),
                  [](const auto& a, const auto& b) { return a.first < b.first; });
      } else if (v.IsArray()) {
        agg->keyed = false;
        for (const auto& f : v.GetArray()) {
          SLUICE_ASSIGN_OR_RETURN(auto q, ParseQuery(f));
          agg->filters.emplace_back(std::to_string(agg->filters.size()), std::move(q));
        }
      } else {
        return ParsingError("[filters] must be an object or an array");
      }
    } else if (key == "other_bucket" && v.IsBool()) {
      agg->other_bucket = v.GetBool();
    } else if (key == "other_bucket_key" && v.IsString()) {
      agg->other_bucket = true;
      agg->other_key = v.GetString();
    } else {
      return ParsingError("[filters] unknown field [" + key + "]");
    }
  }
  if (agg->filters.empty()) return util::InvalidArgument("[filters] cannot be empty.");
  return std::unique_ptr<Aggregation>(std::move(agg));
}

// adjacency_matrix: a bucket per filter ("a") and per pair of filters (their
// intersection, "a&b"), only the non-empty ones, sorted by key
// (InternalAdjacencyMatrix).
class AdjacencyMatrixAggregation : public Aggregation {
 public:
  std::vector<std::pair<std::string, std::unique_ptr<Query>>> filters;  // sorted by name
  std::string separator = "&";
  bool only_intersecting = false;

  Status Write(const DocSet& docs, json::JsonWriter& w) const override {
    std::vector<DocSet> sets;
    for (const auto& f : filters) {
      SLUICE_ASSIGN_OR_RETURN(DocSet set, Intersect(docs, *f.second));
      sets.push_back(std::move(set));
    }
    std::vector<std::pair<std::string, DocSet>> buckets;
    for (size_t i = 0; i < sets.size(); ++i) {
      if (!only_intersecting) buckets.emplace_back(filters[i].first, sets[i]);
      for (size_t j = i + 1; j < sets.size(); ++j) {
        DocSet both;
        for (size_t s = 0; s < docs.size(); ++s) {
          Segment seg{docs[s].index, {}};
          std::set_intersection(
              sets[i][s].docs.begin(), sets[i][s].docs.end(), sets[j][s].docs.begin(),
              sets[j][s].docs.end(), std::back_inserter(seg.docs),
              [](const ScoredDoc& a, const ScoredDoc& b) { return a.doc < b.doc; });
          both.push_back(std::move(seg));
        }
        buckets.emplace_back(filters[i].first + separator + filters[j].first, std::move(both));
      }
    }
    std::stable_sort(buckets.begin(), buckets.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    w.StartObject().Key("buckets").StartArray();
    for (const auto& [key, set] : buckets) {
      uint64_t n = CountDocs(set);
      if (n == 0) continue;
      w.StartObject().Key("key").String(key);
      SLUICE_RETURN_IF_ERROR(WriteBucketContents(*this, set, n, w));
      w.EndObject();
    }
    w.EndArray().EndObject();
    return Status::Ok();
  }
};

util::Result<std::unique_ptr<Aggregation>> ParseAdjacencyMatrix(const rapidjson::Value& body) {
  auto agg = std::make_unique<AdjacencyMatrixAggregation>();
  for (auto it = body.MemberBegin(); it != body.MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    const rapidjson::Value& v = it->value;
    if (key == "filters" && v.IsObject()) {
      for (auto f = v.MemberBegin(); f != v.MemberEnd(); ++f) {
        SLUICE_ASSIGN_OR_RETURN(auto q, ParseQuery(f->value));
        agg->filters.emplace_back(f->name.GetString(), std::move(q));
      }
    } else if (key == "separator" && v.IsString()) {
      agg->separator = v.GetString();
    } else if (key == "show_only_intersecting" && v.IsBool()) {
      agg->only_intersecting = v.GetBool();
    } else {
      return ParsingError("[adjacency_matrix] unknown field [" + key + "]");
    }
  }
  if (agg->filters.empty()) {
    return util::InvalidArgument("[filters] is missing or empty in [adjacency_matrix]");
  }
  if (agg->filters.size() > 100) {
    return util::InvalidArgument(
        "Number of filters is too large, must be less than or equal to: [100] but was [" +
        std::to_string(agg->filters.size()) +
        "].This limit can be set by changing the [index.max_adjacency_matrix_filters] index level "
        "setting.");
  }
  std::sort(agg->filters.begin(), agg->filters.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  return std::unique_ptr<Aggregation>(std::move(agg));
}

}  // namespace

util::Result<std::unique_ptr<Aggregation>> ParseFilterAggregation(const std::string& type,
                                                                  const rapidjson::Value& body) {
  if (type == "filter") {
    SLUICE_ASSIGN_OR_RETURN(auto q, ParseQuery(body));
    return std::unique_ptr<Aggregation>(std::make_unique<FilterAggregation>(std::move(q)));
  }
  if (type == "filters") return ParseFilters(body);
  if (type == "adjacency_matrix") return ParseAdjacencyMatrix(body);
  if (type == "missing") {
    SLUICE_ASSIGN_OR_RETURN(std::string field, StringParam(body, "field", type));
    // With a "missing" value every document has one: the bucket is empty.
    const bool filled = body.HasMember("missing");
    return std::unique_ptr<Aggregation>(
        std::make_unique<MissingAggregation>(std::move(field), filled));
  }
  if (type == "global") {
    return std::unique_ptr<Aggregation>(std::make_unique<GlobalAggregation>());
  }
  return std::unique_ptr<Aggregation>();
}

}  // namespace sluice::search
