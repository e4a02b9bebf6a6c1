#include "search/hybrid_query.h"

#include <algorithm>
#include <string>

#include "search/query_parser.h"
#include "search/search_errors.h"

namespace sluice::search {
namespace {

constexpr size_t kMaxSubQueries = 5;
constexpr const char* kNotTopLevel =
    "hybrid query must be a top level query and cannot be wrapped into other queries";

util::Status CheckDepth(const HybridQuery& q, int from, const index::Index& index) {
  if (!q.pagination_depth) {
    if (from > 0) {
      return ShardIllegalArgument(index, "pagination_depth param is missing in the search request");
    }
    return util::Status::Ok();
  }
  int depth = *q.pagination_depth;
  if (depth < 0) return ShardError(index, "pagination_depth should be greater than 0");
  if (depth == 0) return ShardError(index, "pagination_depth must not be zero");
  if (depth > index.settings().max_result_window()) {
    return ShardError(index,
                      "pagination_depth should be less than or equal to index.max_result_window "
                      "setting");
  }
  return util::Status::Ok();
}

DocList Intersect(const DocList& docs, const DocList& allowed) {
  DocList out;
  std::set_intersection(docs.begin(), docs.end(), allowed.begin(), allowed.end(),
                        std::back_inserter(out),
                        [](const ScoredDoc& a, const ScoredDoc& b) { return a.doc < b.doc; });
  return out;
}

}  // namespace

util::Result<DocList> HybridQuery::Execute(const index::Index& index) const {
  return ShardIllegalArgument(index, kNotTopLevel);
}

util::Result<std::vector<HybridCollected>> CollectHybrid(
    const HybridQuery& query, const HybridScoring& scoring, const Query* post_filter, int from,
    int size, const std::vector<const index::Index*>& indices) {
  std::vector<HybridCollected> out(indices.size());
  SubQueryResults results(indices.size());
  for (size_t pos = 0; pos < indices.size(); ++pos) {
    const index::Index& index = *indices[pos];
    SLUICE_RETURN_IF_ERROR(CheckDepth(query, from, index));
    const size_t depth = static_cast<size_t>(query.pagination_depth.value_or(size));
    std::optional<DocList> allowed;
    if (post_filter != nullptr) {
      SLUICE_ASSIGN_OR_RETURN(allowed, post_filter->Execute(index));
    }
    DocList& matches = out[pos].matches;
    for (const auto& sub : query.queries) {
      SLUICE_ASSIGN_OR_RETURN(DocList docs, sub->Execute(index));
      if (allowed) docs = Intersect(docs, *allowed);
      DocList merged;
      std::set_union(matches.begin(), matches.end(), docs.begin(), docs.end(),
                     std::back_inserter(merged),
                     [](const ScoredDoc& a, const ScoredDoc& b) { return a.doc < b.doc; });
      matches = std::move(merged);
      // The sub-query's top hits, as Lucene's TopScoreDocCollector ranks them.
      std::stable_sort(docs.begin(), docs.end(),
                       [](const ScoredDoc& a, const ScoredDoc& b) { return a.score > b.score; });
      if (docs.size() > depth) docs.resize(depth);
      results[pos].push_back(std::move(docs));
    }
  }
  SLUICE_ASSIGN_OR_RETURN(std::vector<DocList> combined,
                          NormalizeAndCombine(scoring, std::move(results)));
  size_t combined_count = 0;
  for (size_t pos = 0; pos < indices.size(); ++pos) {
    combined_count += combined[pos].size();
    std::sort(combined[pos].begin(), combined[pos].end(),
              [](const ScoredDoc& a, const ScoredDoc& b) { return a.doc < b.doc; });
    out[pos].hits = std::move(combined[pos]);
  }
  if (static_cast<size_t>(from) > combined_count) {
    return util::InvalidArgument(
        "Reached end of search result, increase pagination_depth value to see more results");
  }
  return out;
}

util::Result<std::unique_ptr<Query>> ParseHybridQuery(const rapidjson::Value& body) {
  if (!body.IsObject()) return util::ParsingError("[hybrid] query malformed, no start_object");
  auto hybrid = std::make_unique<HybridQuery>();
  for (auto it = body.MemberBegin(); it != body.MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    const rapidjson::Value& v = it->value;
    if (key == "queries" && (v.IsArray() || v.IsObject())) {
      auto add = [&](const rapidjson::Value& q) -> util::Status {
        if (hybrid->queries.size() == kMaxSubQueries) {
          return util::ParsingError(
              "Number of sub-queries exceeds maximum supported by [hybrid] query");
        }
        SLUICE_ASSIGN_OR_RETURN(auto parsed, ParseQuery(q));
        hybrid->queries.push_back(std::move(parsed));
        return util::Status::Ok();
      };
      if (v.IsObject()) {
        SLUICE_RETURN_IF_ERROR(add(v));
      } else {
        for (const auto& q : v.GetArray()) SLUICE_RETURN_IF_ERROR(add(q));
      }
    } else if (key == "boost" && v.IsNumber()) {
      if (static_cast<float>(v.GetDouble()) != 1.0f) {
        return util::ParsingError("[hybrid] query does not support [boost]");
      }
    } else if (key == "_name" && v.IsString()) {
      continue;
    } else if (key == "pagination_depth" && v.IsInt()) {
      hybrid->pagination_depth = v.GetInt();
    } else {
      return util::ParsingError("Field is not supported by [hybrid] query");
    }
  }
  if (hybrid->queries.empty()) {
    return util::ParsingError("[hybrid] requires 'queries' field with at least one clause");
  }
  return std::unique_ptr<Query>(std::move(hybrid));
}

}  // namespace sluice::search
