#include "search/query_parser.h"


#include <cctype>
#include <cmath>
#include <set>

#include "search/geo_queries.h"
#include "search/lucene_regexp.h"
#include "search/named_query.h"
#include "search/queries.h"
#include "search/regexp_query.h"
#include "search/span_queries.h"
#include "search/text_query_parser.h"
#include "json/value_text.h"

namespace sluice::search {
namespace {

using util::InvalidArgument;
using util::ParsingError;
using util::Result;
using util::Status;
using QueryPtr = std::unique_ptr<Query>;

Result<QueryValue> ParseValue(const rapidjson::Value& v, const std::string& query_name) {
  QueryValue out;
  if (v.IsString()) {
    out.text = v.GetString();
  } else if (v.IsBool()) {
    out.kind = QueryValue::Kind::kBool;
    out.number = v.GetBool() ? 1 : 0;
    out.text = v.GetBool() ? "true" : "false";
  } else if (v.IsNumber()) {
    out.kind = QueryValue::Kind::kNumber;
    out.number = v.GetDouble();
    out.text = json::ValueText(v);
  } else {
    return ParsingError("[" + query_name + "] query does not support values of this type: " +
                        json::ValueText(v));
  }
  return out;
}

Result<float> ParseBoost(const rapidjson::Value& v) {
  if (!v.IsNumber()) return ParsingError("[boost] must be a number");
  return static_cast<float>(v.GetDouble());
}

// {"FIELD": VALUE} or {"FIELD": {"value": VALUE, "boost": B}} (term, prefix, match).
struct FieldAndBody {
  std::string field;
  const rapidjson::Value* body;
};
Result<FieldAndBody> SingleField(const rapidjson::Value& q, const std::string& name) {
  if (!q.IsObject()) return ParsingError("[" + name + "] query malformed, no start_object after query name");
  std::string field;
  const rapidjson::Value* body = nullptr;
  for (auto it = q.MemberBegin(); it != q.MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    if (key == "boost" || key == "_name") continue;
    if (body != nullptr) {
      return ParsingError("[" + name + "] query doesn't support multiple fields, found [" + field +
                          "] and [" + key + "]");
    }
    field = key;
    body = &it->value;
  }
  if (body == nullptr) return ParsingError("[" + name + "] query requires a field");
  return FieldAndBody{field, body};
}

Result<QueryPtr> ParseClauseList(const rapidjson::Value& v, std::vector<QueryPtr>* out) {
  if (v.IsArray()) {
    for (const auto& q : v.GetArray()) {
      SLUICE_ASSIGN_OR_RETURN(auto parsed, ParseQuery(q));
      out->push_back(std::move(parsed));
    }
  } else {
    SLUICE_ASSIGN_OR_RETURN(auto parsed, ParseQuery(v));
    out->push_back(std::move(parsed));
  }
  return QueryPtr();
}

Result<QueryPtr> ParseBool(const rapidjson::Value& q) {
  if (!q.IsObject()) return ParsingError("[bool] query malformed, no start_object after query name");
  auto b = std::make_unique<BoolQuery>();
  for (auto it = q.MemberBegin(); it != q.MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    std::vector<QueryPtr>* target = key == "must"       ? &b->must
                                    : key == "filter"   ? &b->filter
                                    : key == "should"   ? &b->should
                                    : key == "must_not" ? &b->must_not
                                                        : nullptr;
    if (target) {
      auto r = ParseClauseList(it->value, target);
      if (!r.ok()) return r.status();
    } else if (key == "minimum_should_match") {
      if (it->value.IsInt()) b->minimum_should_match = it->value.GetInt();
      else if (it->value.IsString()) {
        std::string s = it->value.GetString();
        if (!s.empty() && s.back() == '%') {
          return InvalidArgument("percentage minimum_should_match is not supported by sluice yet");
        }
        try {
          b->minimum_should_match = std::stoi(s);
        } catch (...) {
          return ParsingError("[bool] failed to parse field [minimum_should_match]");
        }
      } else {
        return ParsingError("[bool] failed to parse field [minimum_should_match]");
      }
    } else if (key == "boost") {
      SLUICE_ASSIGN_OR_RETURN(b->boost, ParseBoost(it->value));
    } else if (key == "_name" || key == "adjust_pure_negative") {
      continue;
    } else {
      return ParsingError("[bool] query does not support [" + key + "]");
    }
  }
  return QueryPtr(std::move(b));
}

Result<QueryPtr> ParseTerm(const rapidjson::Value& q) {
  SLUICE_ASSIGN_OR_RETURN(auto fb, SingleField(q, "term"));
  float boost = 1.0f;
  const rapidjson::Value* value = fb.body;
  if (fb.body->IsObject()) {
    value = nullptr;
    for (auto it = fb.body->MemberBegin(); it != fb.body->MemberEnd(); ++it) {
      std::string key = it->name.GetString();
      if (key == "value") value = &it->value;
      else if (key == "boost") {
        SLUICE_ASSIGN_OR_RETURN(boost, ParseBoost(it->value));
      } else if (key == "case_insensitive" || key == "_name") continue;
      else return ParsingError("[term] query does not support [" + key + "]");
    }
    if (value == nullptr) return ParsingError("[term] query requires a value");
  }
  SLUICE_ASSIGN_OR_RETURN(QueryValue v, ParseValue(*value, "term"));
  // _id is not a mapped field: OpenSearch's IdFieldMapper answers term/terms on it as an ids query.
  if (fb.field == "_id") return QueryPtr(std::make_unique<IdsQuery>(std::vector{v.text}, boost));
  return QueryPtr(std::make_unique<TermsQuery>(fb.field, std::vector<QueryValue>{v}, boost));
}

Result<QueryPtr> ParseTerms(const rapidjson::Value& q) {
  if (!q.IsObject()) return ParsingError("[terms] query malformed");
  float boost = 1.0f;
  std::string field;
  std::vector<QueryValue> values;
  for (auto it = q.MemberBegin(); it != q.MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    if (key == "boost") {
      SLUICE_ASSIGN_OR_RETURN(boost, ParseBoost(it->value));
      continue;
    }
    if (key == "_name") continue;
    if (!field.empty()) {
      return ParsingError("[terms] query does not support multiple fields");
    }
    field = key;
    if (!it->value.IsArray()) {
      return ParsingError("[terms] query does not support [" + key + "]");
    }
    for (const auto& v : it->value.GetArray()) {
      SLUICE_ASSIGN_OR_RETURN(QueryValue parsed, ParseValue(v, "terms"));
      values.push_back(std::move(parsed));
    }
  }
  if (field.empty()) return ParsingError("[terms] query requires a field");
  if (field == "_id") {
    std::vector<std::string> ids;
    for (const auto& v : values) ids.push_back(v.text);
    return QueryPtr(std::make_unique<IdsQuery>(std::move(ids), boost));
  }
  return QueryPtr(std::make_unique<TermsQuery>(field, std::move(values), boost));
}

// RegexpQueryBuilder.fromXContent: {"FIELD": "pattern"} or {"FIELD": {"value": ..., options}}.
Result<QueryPtr> ParseRegexp(const rapidjson::Value& q) {
  SLUICE_ASSIGN_OR_RETURN(auto fb, SingleField(q, "regexp"));
  auto out = std::make_unique<RegexpQuery>();
  out->field = fb.field;
  if (q.HasMember("boost")) {
    SLUICE_ASSIGN_OR_RETURN(out->boost, ParseBoost(q["boost"]));
  }
  const rapidjson::Value* value = fb.body;
  if (fb.body->IsObject()) {
    value = nullptr;
    for (auto it = fb.body->MemberBegin(); it != fb.body->MemberEnd(); ++it) {
      std::string key = it->name.GetString();
      const auto& v = it->value;
      if (key == "value") {
        value = &v;
      } else if (key == "boost") {
        SLUICE_ASSIGN_OR_RETURN(out->boost, ParseBoost(v));
      } else if (key == "flags") {
        if (!v.IsString()) return ParsingError("[regexp] flags must be a string");
        SLUICE_ASSIGN_OR_RETURN(out->flags, ParseRegexpFlags(v.GetString()));
      } else if (key == "flags_value") {
        if (!v.IsInt()) return ParsingError("[regexp] flags_value must be an integer");
        out->flags = v.GetInt();
      } else if (key == "case_insensitive") {
        if (!v.IsBool()) return ParsingError("[regexp] case_insensitive must be a boolean");
        out->case_insensitive = v.GetBool();
      } else if (key == "max_determinized_states") {
        if (!v.IsInt()) return ParsingError("[regexp] max_determinized_states must be an integer");
        out->max_determinized_states = v.GetInt();
      } else if (key == "rewrite" || key == "_name") {
        continue;  // every rewrite scores the constant boost on one shard's terms
      } else {
        return ParsingError("[regexp] query does not support [" + key + "]");
      }
    }
  }
  if (value == nullptr || value->IsNull()) return InvalidArgument("value cannot be null");
  if (!value->IsString()) {
    return ParsingError("[regexp] query does not support values of this type: " +
                        json::ValueText(*value));
  }
  out->pattern = value->GetString();
  return QueryPtr(std::move(out));
}

Result<QueryPtr> ParseRange(const rapidjson::Value& q) {
  SLUICE_ASSIGN_OR_RETURN(auto fb, SingleField(q, "range"));
  if (!fb.body->IsObject()) return ParsingError("[range] query malformed, no start_object after field");
  std::optional<RangeQuery::Bound> lower, upper;
  float boost = 1.0f;
  std::string relation = "intersects";
  for (auto it = fb.body->MemberBegin(); it != fb.body->MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    if (key == "boost") {
      SLUICE_ASSIGN_OR_RETURN(boost, ParseBoost(it->value));
      continue;
    }
    if (key == "relation") {
      if (!it->value.IsString()) return ParsingError("[range] query does not support [relation]");
      relation = it->value.GetString();
      for (auto& c : relation) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (relation != "intersects" && relation != "within" && relation != "contains") {
        return ParsingError("[range] query does not support relation [" + relation + "]");
      }
      continue;
    }
    if (key == "format" || key == "time_zone" || key == "_name") continue;
    bool is_lower = key == "gt" || key == "gte" || key == "from";
    bool is_upper = key == "lt" || key == "lte" || key == "to";
    if (!is_lower && !is_upper) return ParsingError("[range] query does not support [" + key + "]");
    if (it->value.IsNull()) continue;
    SLUICE_ASSIGN_OR_RETURN(QueryValue v, ParseValue(it->value, "range"));
    bool inclusive = key == "gte" || key == "lte" || key == "from" || key == "to";
    (is_lower ? lower : upper) = RangeQuery::Bound{std::move(v), inclusive};
  }
  auto range = std::make_unique<RangeQuery>(fb.field, std::move(lower), std::move(upper), boost);
  range->set_relation(std::move(relation));
  return QueryPtr(std::move(range));
}

Result<QueryPtr> ParseKnn(const rapidjson::Value& q) {
  if (!q.IsObject()) return ParsingError("[knn] query malformed, no start_object after query name");
  auto knn = std::make_unique<KnnQuery>();
  const rapidjson::Value* body = nullptr;
  for (auto it = q.MemberBegin(); it != q.MemberEnd(); ++it) {
    if (body != nullptr) {
      return ParsingError("[knn] query doesn't support multiple fields, found [" + knn->field +
                          "] and [" + it->name.GetString() + "]");
    }
    knn->field = it->name.GetString();
    body = &it->value;
  }
  if (body == nullptr || !body->IsObject()) return ParsingError("[knn] query malformed, no field");
  bool has_vector = false;
  for (auto it = body->MemberBegin(); it != body->MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    const rapidjson::Value& v = it->value;
    if (key == "vector") {
      has_vector = true;
      if (!v.IsArray()) return InvalidArgument("[knn] field 'vector' requires to be an array of numbers");
      if (v.Empty()) return InvalidArgument("[knn] query vector is empty");
      for (const auto& x : v.GetArray()) {
        if (!x.IsNumber()) {
          return InvalidArgument("[knn] field 'vector' requires to be an array of numbers");
        }
        knn->vector.push_back(static_cast<float>(x.GetDouble()));
      }
    } else if (key == "k") {
      if (!v.IsInt()) return InvalidArgument("[knn] requires k to be in the range (0, 10000]");
      knn->k = v.GetInt();
    } else if (key == "max_distance") {
      if (!v.IsNumber()) return ParsingError("[knn] failed to parse field [max_distance]");
      knn->max_distance = static_cast<float>(v.GetDouble());
    } else if (key == "min_score") {
      if (!v.IsNumber()) return ParsingError("[knn] failed to parse field [min_score]");
      knn->min_score = static_cast<float>(v.GetDouble());
    } else if (key == "filter") {
      if (!v.IsNull()) {
        SLUICE_ASSIGN_OR_RETURN(knn->filter, ParseQuery(v));
      }
    } else if (key == "method_parameters") {
      if (!v.IsObject()) return ParsingError("[knn] failed to parse field [method_parameters]");
      for (auto p = v.MemberBegin(); p != v.MemberEnd(); ++p) {
        std::string name = p->name.GetString();
        if (name != "ef_search") {
          return InvalidArgument("[knn] errors in method parameter [Validation Failed: 1: " +
                                 name + " is not a valid method parameter;]");
        }
        if (!p->value.IsInt() || p->value.GetInt() <= 0) {
          return InvalidArgument(
              "[knn] errors in method parameter [Validation Failed: 1: ef_search must be a "
              "positive integer;]");
        }
        knn->ef_search = p->value.GetInt();
      }
    } else if (key == "boost") {
      SLUICE_ASSIGN_OR_RETURN(knn->boost, ParseBoost(v));
    } else if (key == "_name" || key == "ignore_unmapped" || key == "expand_nested_docs" ||
               key == "rescore") {
      continue;
    } else {
      return ParsingError("[knn] unknown token [" + key + "] after [" + knn->field + "]");
    }
  }
  if (!has_vector) return InvalidArgument("[knn] requires query vector");
  int set = (knn->k ? 1 : 0) + (knn->max_distance ? 1 : 0) + (knn->min_score ? 1 : 0);
  if (set != 1) return InvalidArgument("[knn] requires exactly one of k, distance or score to be set");
  if (knn->k && (*knn->k <= 0 || *knn->k > 10000)) {
    return InvalidArgument("[knn] requires k to be in the range (0, 10000]");
  }
  if (knn->min_score && *knn->min_score <= 0) {
    return InvalidArgument("[knn] requires minScore to be greater than 0");
  }
  return QueryPtr(std::move(knn));
}


Result<QueryPtr> ParseQueryBody(const rapidjson::Value& query);

// `_name` in the query's body, or in its one field's body ({"match": {"f": {"_name": ...}}}).
std::optional<std::string> QueryName(const rapidjson::Value& body) {
  if (!body.IsObject()) return std::nullopt;
  if (body.HasMember("_name") && body["_name"].IsString()) return body["_name"].GetString();
  for (auto it = body.MemberBegin(); it != body.MemberEnd(); ++it) {
    const auto& v = it->value;
    if (v.IsObject() && v.HasMember("_name") && v["_name"].IsString()) return v["_name"].GetString();
  }
  return std::nullopt;
}

}  // namespace

Result<QueryPtr> ParseQuery(const rapidjson::Value& query) {
  SLUICE_ASSIGN_OR_RETURN(QueryPtr q, ParseQueryBody(query));
  if (query.IsObject() && query.MemberCount() == 1 &&
      std::string_view(query.MemberBegin()->name.GetString()) != "hybrid") {
    if (auto name = QueryName(query.MemberBegin()->value)) {
      return QueryPtr(std::make_unique<NamedQuery>(std::move(*name), std::move(q)));
    }
  }
  return q;
}

std::vector<const NamedQuery*> NamedQueries(const Query& root) {
  std::vector<const NamedQuery*> out;
  std::function<void(const Query&)> walk = [&](const Query& q) {
    if (const auto* named = dynamic_cast<const NamedQuery*>(&q)) out.push_back(named);
    q.VisitChildren(walk);
  };
  walk(root);
  return out;
}

namespace {

Result<QueryPtr> ParseQueryBody(const rapidjson::Value& query) {
  if (!query.IsObject()) return ParsingError("query malformed, must start with start_object");
  if (query.MemberCount() != 1) {
    if (query.MemberCount() == 0) return ParsingError("query malformed, empty clause found");
    auto it = query.MemberBegin();
    ++it;
    return ParsingError("[" + std::string(query.MemberBegin()->name.GetString()) +
                        "] malformed query, expected [END_OBJECT] but found [FIELD_NAME]");
  }
  std::string name = query.MemberBegin()->name.GetString();
  const rapidjson::Value& body = query.MemberBegin()->value;
  auto boost_of = [&]() -> Result<float> {
    if (body.IsObject() && body.HasMember("boost")) return ParseBoost(body["boost"]);
    return 1.0f;
  };
  if (name == "match_all") {
    SLUICE_ASSIGN_OR_RETURN(float boost, boost_of());
    return QueryPtr(std::make_unique<MatchAllQuery>(boost));
  }
  if (name == "match_none") return QueryPtr(std::make_unique<MatchNoneQuery>());
  if (name == "bool") return ParseBool(body);
  if (name == "term") return ParseTerm(body);
  if (name == "terms") return ParseTerms(body);
  if (name == "range") return ParseRange(body);
  if (name == "regexp") return ParseRegexp(body);
  if (IsSpanQuery(name)) return ParseSpanQuery(name, body);
  if (name == "geo_distance") return ParseGeoDistance(body);
  if (name == "geo_bounding_box") return ParseGeoBoundingBox(body);
  if (name == "geo_shape") return ParseGeoShape(body);
  if (IsTextQuery(name)) return ParseTextQuery(name, body);
  if (name == "knn") return ParseKnn(body);
  if (name == "hybrid") return ParseHybridQuery(body);
  if (name == "intervals") return ParseIntervalsQuery(body);
  if (name == "ids") {
    if (!body.IsObject() || !body.HasMember("values") || !body["values"].IsArray()) {
      return ParsingError("[ids] query malformed, [values] must be an array");
    }
    std::vector<std::string> ids;
    for (const auto& v : body["values"].GetArray()) {
      SLUICE_ASSIGN_OR_RETURN(QueryValue id, ParseValue(v, "ids"));
      ids.push_back(id.text);
    }
    SLUICE_ASSIGN_OR_RETURN(float boost, boost_of());
    return QueryPtr(std::make_unique<IdsQuery>(std::move(ids), boost));
  }
  if (name == "exists") {
    if (!body.IsObject() || !body.HasMember("field") || !body["field"].IsString()) {
      return ParsingError("[exists] must be provided with a [field]");
    }
    SLUICE_ASSIGN_OR_RETURN(float boost, boost_of());
    return QueryPtr(std::make_unique<ExistsQuery>(body["field"].GetString(), boost));
  }
  if (name == "prefix") {
    SLUICE_ASSIGN_OR_RETURN(auto fb, SingleField(body, "prefix"));
    const rapidjson::Value* v = fb.body;
    if (v->IsObject()) v = v->HasMember("value") ? &(*v)["value"] : nullptr;
    if (v == nullptr || !v->IsString()) return ParsingError("[prefix] query requires a string value");
    SLUICE_ASSIGN_OR_RETURN(float boost, boost_of());
    return QueryPtr(std::make_unique<PrefixQuery>(fb.field, v->GetString(), boost));
  }
  if (name == "constant_score") {
    if (!body.IsObject() || !body.HasMember("filter")) {
      return ParsingError("[constant_score] requires a 'filter' element");
    }
    SLUICE_ASSIGN_OR_RETURN(auto filter, ParseQuery(body["filter"]));
    SLUICE_ASSIGN_OR_RETURN(float boost, boost_of());
    return QueryPtr(std::make_unique<ConstantScoreQuery>(std::move(filter), boost));
  }
  return ParsingError("unknown query [" + name + "]");
}

}  // namespace

}  // namespace sluice::search
