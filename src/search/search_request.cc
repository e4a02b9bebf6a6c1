#include "search/search_request.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <functional>
#include <limits>
#include <cstdio>
#include <map>
#include <set>

#include "json/json_writer.h"
#include "search/aggregations/aggregation_set.h"
#include "search/explain.h"
#include "search/highlight.h"
#include "search/suggest.h"
#include "search/hybrid_query.h"
#include "search/named_query.h"
#include "search/query_parser.h"
#include "search/queries.h"
#include "search/rescore.h"
#include "search/search_context_store.h"
#include "search/search_errors.h"
#include "search/sort_parser.h"

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

// {"field": "...", "max_concurrent_group_searches": n} (CollapseBuilder);
// inner_hits are refused.
util::Result<std::string> ParseCollapse(const rapidjson::Value& v) {
  if (!v.IsObject()) return ParsingError("[collapse] must be an object");
  std::optional<std::string> field;
  for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
    std::string_view key = it->name.GetString();
    if (key == "field" && it->value.IsString()) {
      field = it->value.GetString();
    } else if (key == "max_concurrent_group_searches" && it->value.IsInt()) {
      if (it->value.GetInt() < 1) {
        return util::InvalidArgument("maxConcurrentGroupRequests must be positive, got " +
                                     std::to_string(it->value.GetInt()));
      }
    } else if (key == "inner_hits") {
      return util::InvalidArgument("[collapse] with [inner_hits] is not supported by sluice yet");
    } else {
      return ParsingError("[collapse] unknown field [" + std::string(key) + "]");
    }
  }
  if (!field || field->empty()) return ParsingError("[collapse] requires [field]");
  return *field;
}

// {"id": "...", "keep_alive": "1m"} (OpenSearch's PointInTimeBuilder).
util::Result<SearchRequest::PitRef> ParsePit(const rapidjson::Value& v) {
  if (!v.IsObject()) return ParsingError("[pit] must be an object");
  SearchRequest::PitRef pit;
  bool has_id = false;
  for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
    std::string_view key = it->name.GetString();
    if (key == "id" && it->value.IsString()) {
      pit.id = it->value.GetString();
      has_id = true;
    } else if (key == "keep_alive" && it->value.IsString()) {
      SLUICE_ASSIGN_OR_RETURN(pit.keep_alive_ms,
                              ParseKeepAlive(it->value.GetString(), "keep_alive"));
    } else {
      return ParsingError("[point_in_time] unknown field [" + std::string(key) + "]");
    }
  }
  if (!has_id || pit.id.empty()) return ParsingError("[point_in_time] requires [id]");
  return pit;
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
  std::vector<Rescorer> rescorers;  // applied after the loop, around the query
  bool has_rescore = false;
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
        SLUICE_ASSIGN_OR_RETURN(request.sort, ParseSort(v));
        const auto& f = request.sort.fields();
        if (f.size() == 1 && f[0].target == SortField::Target::kScore && f[0].descending) {
          request.sort = SortSpec();  // relevance order, as OpenSearch optimises it
        }
      } else if (key == "search_after") {
        SLUICE_ASSIGN_OR_RETURN(request.search_after, ParseSearchAfter(v));
      } else if (key == "track_scores") {
        request.track_scores = v.IsBool() && v.GetBool();
      } else if (key == "aggs" || key == "aggregations") {
        SLUICE_ASSIGN_OR_RETURN(request.aggs, ParseAggregations(v));
      } else if (key == "terminate_after") {
        if (!v.IsInt64() || v.GetInt64() < 0) {
          return util::InvalidArgument("terminateAfter must be > 0");
        }
        if (v.GetInt64() > 0) request.terminate_after = v.GetInt64();
      } else if (key == "docvalue_fields" || key == "fields") {
        if (!v.IsArray()) return ParsingError("[" + key + "] must be an array");
        auto& list = key == "fields" ? request.hit_fields.fields : request.hit_fields.docvalue_fields;
        for (const auto& f : v.GetArray()) {
          if (f.IsString()) {
            list.push_back(f.GetString());
          } else if (f.IsObject() && f.HasMember("field") && f["field"].IsString()) {
            list.push_back(f["field"].GetString());
          } else {
            return ParsingError("[" + key + "] entries must be strings or {\"field\": ...}");
          }
        }
      } else if (key == "search_pipeline") {
        if (v.IsString()) {
          request.pipeline_name = v.GetString();
        } else if (v.IsObject()) {
          rapidjson::StringBuffer buf;
          rapidjson::Writer<rapidjson::StringBuffer> writer(buf);
          v.Accept(writer);
          SLUICE_ASSIGN_OR_RETURN(auto inline_pipeline,
                                  ParseSearchPipeline("_ad_hoc_pipeline", buf.GetString()));
          request.pipeline = std::make_shared<SearchPipeline>(std::move(inline_pipeline));
        } else {
          return ParsingError("[search_pipeline] must be a pipeline id or a pipeline definition");
        }
      } else if (key == "stored_fields") {
        request.stored_fields_none = v.IsString() && std::string_view(v.GetString()) == "_none_";
      } else if (key == "explain") {
        if (!v.IsBool()) return ParsingError("[explain] must be a boolean");
        request.explain = v.GetBool();
      } else if (key == "stats") {
        if (!v.IsArray()) return ParsingError("[stats] must be an array of group names");
        for (const auto& g : v.GetArray()) {
          if (!g.IsString()) return ParsingError("[stats] must be an array of group names");
          request.stats_groups.emplace_back(g.GetString(), g.GetStringLength());
        }
      } else if (key == "timeout" || key == "profile") {
        continue;  // accepted, no effect on a single-node in-memory search
      } else if (key == "pit") {
        SLUICE_ASSIGN_OR_RETURN(request.pit, ParsePit(v));
      } else if (key == "highlight") {
        SLUICE_ASSIGN_OR_RETURN(HighlightSpec spec, ParseHighlight(v));
        request.highlight = std::make_shared<HighlightSpec>(std::move(spec));
      } else if (key == "collapse") {
        SLUICE_ASSIGN_OR_RETURN(request.collapse_field, ParseCollapse(v));
        // The group's value is shown in the hit's fields, read like a docvalue field.
        auto& dv = request.hit_fields.docvalue_fields;
        if (std::find(dv.begin(), dv.end(), *request.collapse_field) == dv.end()) {
          dv.push_back(*request.collapse_field);
        }
      } else if (key == "rescore") {
        has_rescore = true;
        SLUICE_ASSIGN_OR_RETURN(rescorers, ParseRescore(v));
      } else if (key == "suggest") {
        SLUICE_ASSIGN_OR_RETURN(SuggestSpec spec, ParseSuggest(v));
        request.suggest = std::make_shared<SuggestSpec>(std::move(spec));
      } else if (key == "script_fields") {
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
  if (has_rescore) {
    if (request.collapse_field) {
      return util::InvalidArgument("cannot use `collapse` in conjunction with `rescore`");
    }
    if (!request.sort.empty()) {
      return util::InvalidArgument("Cannot use [sort] option in conjunction with [rescore].");
    }
  }
  if (!request.query) request.query = std::make_unique<MatchAllQuery>(1.0f);
  if (!rescorers.empty()) {
    request.query = std::make_unique<RescoreQuery>(std::move(request.query), std::move(rescorers));
  }
  if (request.search_after && request.sort.empty()) {
    // Relevance order pages on the score, as an explicit [_score] sort.
    SortField score;
    score.target = SortField::Target::kScore;
    score.descending = true;
    request.sort = SortSpec({score});
  }
  return request;
}

}  // namespace sluice::search
