#include "search/search_request.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>

#include "search/query_parser.h"
#include "search/queries.h"

namespace sluice::search {
namespace {

using util::ParsingError;
using util::Status;

util::Result<SourceFilter> ParseSourceValue(const rapidjson::Value& v) {
  SourceFilter filter;
  auto strings = [](const rapidjson::Value& list, std::vector<std::string>* out) -> Status {
    if (list.IsString()) {
      out->push_back(list.GetString());
      return Status::Ok();
    }
    if (!list.IsArray()) return ParsingError("[_source] expected a string or an array of strings");
    for (const auto& s : list.GetArray()) {
      if (!s.IsString()) return ParsingError("[_source] expected an array of strings");
      out->push_back(s.GetString());
    }
    return Status::Ok();
  };
  if (v.IsBool()) {
    filter.fetch = v.GetBool();
  } else if (v.IsString() || v.IsArray()) {
    SLUICE_RETURN_IF_ERROR(strings(v, &filter.includes));
  } else if (v.IsObject()) {
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
      std::string key = it->name.GetString();
      if (key == "includes" || key == "include") {
        SLUICE_RETURN_IF_ERROR(strings(it->value, &filter.includes));
      } else if (key == "excludes" || key == "exclude") {
        SLUICE_RETURN_IF_ERROR(strings(it->value, &filter.excludes));
      } else {
        return ParsingError("Unknown key for a START_ARRAY in [" + key + "].");
      }
    }
  } else {
    return ParsingError("[_source] has an unsupported value");
  }
  return filter;
}

util::Result<int> NonNegativeInt(const rapidjson::Value& v, const char* name) {
  if (!v.IsInt() || v.GetInt() < 0) {
    return util::InvalidArgument(std::string("[") + name + "] parameter cannot be negative, found [" +
                                 (v.IsInt() ? std::to_string(v.GetInt()) : "?") + "]");
  }
  return v.GetInt();
}

}  // namespace

SourceFilter ParseSourceParam(std::string_view value) {
  SourceFilter filter;
  if (value == "false") {
    filter.fetch = false;
    return filter;
  }
  if (value == "true" || value.empty()) return filter;
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = value.find(',', start);
    std::string_view part = value.substr(start, comma == value.npos ? value.npos : comma - start);
    if (!part.empty()) filter.includes.emplace_back(part);
    if (comma == value.npos) break;
    start = comma + 1;
  }
  return filter;
}

util::Result<SearchRequest> ParseSearchRequest(std::string_view body, bool count_only) {
  SearchRequest request;
  rapidjson::Document doc;
  if (!body.empty()) {
    doc.Parse(body.data(), body.size());
    if (doc.HasParseError()) {
      return util::ParseError(std::string("Failed to parse request body: ") +
                              rapidjson::GetParseError_En(doc.GetParseError()));
    }
    if (!doc.IsObject()) return ParsingError("Expected [START_OBJECT] but found [VALUE]");
    for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
      std::string key = it->name.GetString();
      const rapidjson::Value& v = it->value;
      if (key == "query") {
        SLUICE_ASSIGN_OR_RETURN(request.query, ParseQuery(v));
        continue;
      }
      if (count_only) {
        return ParsingError("request does not support [" + key + "]");
      }
      if (key == "size") {
        SLUICE_ASSIGN_OR_RETURN(request.size, NonNegativeInt(v, "size"));
      } else if (key == "from") {
        SLUICE_ASSIGN_OR_RETURN(request.from, NonNegativeInt(v, "from"));
      } else if (key == "_source") {
        SLUICE_ASSIGN_OR_RETURN(request.source, ParseSourceValue(v));
      } else if (key == "post_filter") {
        SLUICE_ASSIGN_OR_RETURN(request.post_filter, ParseQuery(v));
      } else if (key == "track_total_hits") {
        if (v.IsBool()) {
          request.track_total_hits = v.GetBool() ? std::nullopt : std::optional<int64_t>(0);
        } else if (v.IsInt64() && v.GetInt64() >= 0) {
          request.track_total_hits = v.GetInt64();
        } else {
          return ParsingError("[track_total_hits] must be a boolean or a non-negative integer");
        }
      } else if (key == "version") {
        request.version = v.IsBool() && v.GetBool();
      } else if (key == "seq_no_primary_term") {
        request.seq_no_primary_term = v.IsBool() && v.GetBool();
      } else if (key == "min_score") {
        if (!v.IsNumber()) return ParsingError("[min_score] must be a number");
        request.min_score = static_cast<float>(v.GetDouble());
      } else if (key == "sort") {
        // Only relevance order is supported: accept the spellings of it.
        bool score_only = (v.IsString() && std::string_view(v.GetString()) == "_score") ||
                          (v.IsArray() && v.Size() == 1 &&
                           ((v[0].IsString() && std::string_view(v[0].GetString()) == "_score") ||
                            (v[0].IsObject() && v[0].HasMember("_score"))));
        if (!score_only) {
          return util::InvalidArgument("sorting by field is not supported by sluice yet; only "
                                       "[_score] order is available");
        }
      } else if (key == "timeout" || key == "explain" || key == "stored_fields" ||
                 key == "track_scores" || key == "terminate_after" || key == "profile") {
        continue;  // accepted, no effect on a single-node in-memory search
      } else if (key == "aggs" || key == "aggregations" || key == "highlight" ||
                 key == "suggest" || key == "collapse" || key == "search_after" ||
                 key == "rescore" || key == "script_fields" || key == "docvalue_fields") {
        return util::InvalidArgument("[" + key + "] is not supported by sluice yet");
      } else {
        // The name of the JSON token that follows the key, as OpenSearch prints it.
        const char* token = v.IsObject()   ? "START_OBJECT"
                            : v.IsArray()  ? "START_ARRAY"
                            : v.IsString() ? "VALUE_STRING"
                            : v.IsNumber() ? "VALUE_NUMBER"
                            : v.IsBool()   ? "VALUE_BOOLEAN"
                                           : "VALUE_NULL";
        return ParsingError(std::string("Unknown key for a ") + token + " in [" + key + "].");
      }
    }
  }
  if (!request.query) request.query = std::make_unique<MatchAllQuery>(1.0f);
  return request;
}

namespace {

struct Candidate {
  size_t index_pos;
  ScoredDoc doc;
};

util::Result<std::vector<Candidate>> Collect(const SearchRequest& request, size_t pos,
                                             const index::Index& index) {
  SLUICE_ASSIGN_OR_RETURN(DocList docs, request.query->Execute(index));
  if (request.post_filter) {
    SLUICE_ASSIGN_OR_RETURN(DocList allowed, request.post_filter->Execute(index));
    DocList kept;
    std::set_intersection(docs.begin(), docs.end(), allowed.begin(), allowed.end(),
                          std::back_inserter(kept),
                          [](const ScoredDoc& a, const ScoredDoc& b) { return a.doc < b.doc; });
    docs = std::move(kept);
  }
  std::vector<Candidate> out;
  out.reserve(docs.size());
  for (const auto& d : docs) {
    if (request.min_score && d.score < *request.min_score) continue;
    out.push_back({pos, d});
  }
  return out;
}

}  // namespace

util::Result<SearchResponse> ExecuteSearch(
    const SearchRequest& request, const std::vector<std::shared_ptr<index::Index>>& indices) {
  const int64_t window = indices.empty() ? 10000 : indices[0]->settings().max_result_window();
  if (request.from + request.size > window) {
    Status inner = util::InvalidArgument(
        "Result window is too large, from + size must be less than or equal to: [" +
        std::to_string(window) + "] but was [" + std::to_string(request.from + request.size) +
        "]. See the scroll api for a more efficient way to request large data sets. This limit "
        "can be set by changing the [index.max_result_window] index level setting.");
    return Status(util::Code::kInvalidArgument, "search_phase_execution_exception",
                  "all shards failed")
        .WithMetadata("phase", "query")
        .WithMetadata("grouped", "true")
        .WithCause(std::move(inner));
  }
  SearchResponse response;
  std::vector<Candidate> all;
  // Each index is read under its own lock; hits are loaded before it is released.
  std::vector<std::unique_ptr<index::Index::ReadGuard>> guards;
  for (size_t pos = 0; pos < indices.size(); ++pos) {
    guards.push_back(std::make_unique<index::Index::ReadGuard>(*indices[pos]));
    SLUICE_ASSIGN_OR_RETURN(auto found, Collect(request, pos, *indices[pos]));
    all.insert(all.end(), found.begin(), found.end());
  }
  response.total = all.size();
  if (request.track_total_hits) {
    if (*request.track_total_hits == 0) {
      response.total_tracked = false;
    } else if (static_cast<int64_t>(response.total) > *request.track_total_hits) {
      response.total = static_cast<uint64_t>(*request.track_total_hits);
      response.total_is_lower_bound = true;
    }
  }
  auto better = [](const Candidate& a, const Candidate& b) {
    if (a.doc.score != b.doc.score) return a.doc.score > b.doc.score;
    if (a.index_pos != b.index_pos) return a.index_pos < b.index_pos;
    return a.doc.doc < b.doc.doc;
  };
  size_t end = std::min(all.size(), static_cast<size_t>(request.from + request.size));
  std::partial_sort(all.begin(), all.begin() + end, all.end(), better);
  if (!all.empty()) {
    response.max_score = std::max_element(all.begin(), all.end(), [](auto& a, auto& b) {
                           return a.doc.score < b.doc.score;
                         })->doc.score;
  }
  for (size_t i = static_cast<size_t>(request.from); i < end; ++i) {
    const index::Index& index = *indices[all[i].index_pos];
    SearchHit hit;
    hit.index = index.name();
    hit.id = index.id(all[i].doc.doc);
    hit.score = all[i].doc.score;
    SLUICE_ASSIGN_OR_RETURN(auto stored, index.Load(all[i].doc.doc));
    if (!stored) continue;  // deleted since the query ran
    hit.version = stored->version;
    hit.seq_no = stored->seq_no;
    if (request.source.fetch) hit.source = request.source.Apply(stored->source);
    response.hits.push_back(std::move(hit));
  }
  return response;
}

util::Result<uint64_t> ExecuteCount(const SearchRequest& request,
                                    const std::vector<std::shared_ptr<index::Index>>& indices) {
  uint64_t count = 0;
  for (size_t pos = 0; pos < indices.size(); ++pos) {
    index::Index::ReadGuard guard(*indices[pos]);
    SLUICE_ASSIGN_OR_RETURN(auto found, Collect(request, pos, *indices[pos]));
    count += found.size();
  }
  return count;
}

}  // namespace sluice::search
