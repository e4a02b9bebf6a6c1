#include "search/text_query_parser.h"

#include <algorithm>

#include "json/value_text.h"
#include "search/function_score.h"
#include "search/multi_match.h"
#include "search/phrase_prefix_query.h"
#include "search/queries.h"
#include "search/query_parser.h"
#include "search/query_string.h"
#include "search/text_queries.h"

namespace sluice::search {
namespace {

using util::ParsingError;
using util::Result;
using QueryPtr = std::unique_ptr<Query>;

Result<std::string> Text(const rapidjson::Value& v, std::string_view query) {
  if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
  if (v.IsNumber() || v.IsBool()) return json::ValueText(v);
  return ParsingError("[" + std::string(query) + "] unknown token [" +
                      (v.IsObject()  ? "START_OBJECT"
                       : v.IsArray() ? "START_ARRAY"
                                     : "VALUE_NULL") +
                      "] after [query]");
}

Result<float> Float(const rapidjson::Value& v, std::string_view name) {
  if (v.IsNumber()) return static_cast<float>(v.GetDouble());
  if (v.IsString()) {
    try {
      return std::stof(v.GetString());
    } catch (...) {
    }
  }
  return ParsingError("[" + std::string(name) + "] must be a number");
}

Result<std::string> MsmText(const rapidjson::Value& v) {
  if (v.IsInt()) return std::to_string(v.GetInt());
  if (v.IsString()) return std::string(v.GetString());
  return ParsingError("[minimum_should_match] must be a number or a string");
}

// The options match, match_phrase and match_bool_prefix share.
struct MatchOptions {
  std::string text;
  bool has_text = false;
  float boost = 1.0f;
  bool require_all = false;
  std::optional<std::string> msm, analyzer;
  bool zero_terms_all = false;
  int slop = 0;
  int max_expansions = 50;  // match_phrase_prefix
};

bool IsPhrase(std::string_view query) {
  return query == "match_phrase" || query == "match_phrase_prefix";
}

util::Status ParseMatchOption(std::string_view query, const std::string& key,
                              const rapidjson::Value& v, MatchOptions& o) {
  if (key == "query") {
    SLUICE_ASSIGN_OR_RETURN(o.text, Text(v, query));
    o.has_text = true;
  } else if (key == "boost") {
    SLUICE_ASSIGN_OR_RETURN(o.boost, Float(v, "boost"));
  } else if (key == "analyzer") {
    if (!v.IsString())
      return ParsingError("[" + std::string(query) + "] analyzer must be a string");
    o.analyzer = v.GetString();
  } else if (key == "operator" && !IsPhrase(query)) {
    std::string op = v.IsString() ? v.GetString() : "";
    for (auto& c : op) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (op != "and" && op != "or") {
      return ParsingError("[" + std::string(query) + "] unknown operator [" + op + "]");
    }
    o.require_all = op == "and";
  } else if (key == "minimum_should_match" && !IsPhrase(query)) {
    SLUICE_ASSIGN_OR_RETURN(std::string m, MsmText(v));
    o.msm = m;
  } else if (key == "zero_terms_query") {
    std::string z = v.IsString() ? v.GetString() : "";
    for (auto& c : z) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (z != "none" && z != "all") {
      return ParsingError("Unsupported zero_terms_query value [" + z + "]");
    }
    o.zero_terms_all = z == "all";
  } else if (key == "slop" && IsPhrase(query)) {
    if (!v.IsInt() || v.GetInt() < 0)
      return ParsingError("[" + std::string(query) + "] slop must be a non-negative integer");
    o.slop = v.GetInt();
  } else if (key == "max_expansions" && query == "match_phrase_prefix") {
    if (!v.IsInt() || v.GetInt() < 0)
      return ParsingError("[match_phrase_prefix] max_expansions must be a non-negative integer");
    o.max_expansions = v.GetInt();
  } else if (key == "_name" || key == "lenient" || key == "auto_generate_synonyms_phrase_query" ||
             (query == "match" && (key == "prefix_length" || key == "max_expansions" ||
                                   key == "fuzzy_transpositions"))) {
    // Accepted and without effect in sluice (no synonyms, no fuzziness).
  } else if ((key == "fuzziness" || key == "fuzzy_rewrite") && !IsPhrase(query)) {
    return util::InvalidArgument("[" + std::string(query) +
                                 "] fuzziness is not supported by sluice");
  } else {
    return ParsingError("[" + std::string(query) + "] query does not support [" + key + "]");
  }
  return util::Status::Ok();
}

// {"FIELD": "text"} or {"FIELD": {"query": ..., options}}.
Result<std::pair<std::string, MatchOptions>> ParseFieldQuery(std::string_view name,
                                                             const rapidjson::Value& q) {
  if (!q.IsObject()) {
    return ParsingError("[" + std::string(name) +
                        "] query malformed, no start_object after query name");
  }
  std::string field;
  MatchOptions o;
  for (auto it = q.MemberBegin(); it != q.MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    if (!field.empty()) {
      return ParsingError("[" + std::string(name) +
                          "] query doesn't support multiple fields, found [" + field + "] and [" +
                          key + "]");
    }
    field = key;
    if (!it->value.IsObject()) {
      SLUICE_ASSIGN_OR_RETURN(o.text, Text(it->value, name));
      o.has_text = true;
      continue;
    }
    for (auto p = it->value.MemberBegin(); p != it->value.MemberEnd(); ++p) {
      SLUICE_RETURN_IF_ERROR(ParseMatchOption(name, p->name.GetString(), p->value, o));
    }
  }
  if (field.empty()) return ParsingError("[" + std::string(name) + "] query requires a field");
  if (!o.has_text) return ParsingError("No text specified for text query");
  return std::make_pair(field, o);
}

QueryPtr Build(std::string_view name, const std::string& field, const MatchOptions& o) {
  if (name == "match_phrase_prefix") {
    auto q = std::make_unique<MatchPhrasePrefixQuery>();
    q->field = field;
    q->text = o.text;
    q->slop = o.slop;
    q->max_expansions = o.max_expansions;
    q->analyzer = o.analyzer;
    q->zero_terms_all = o.zero_terms_all;
    q->boost = o.boost;
    return q;
  }
  if (name == "match_phrase") {
    auto q = std::make_unique<MatchPhraseQuery>();
    q->field = field;
    q->text = o.text;
    q->slop = o.slop;
    q->analyzer = o.analyzer;
    q->zero_terms_all = o.zero_terms_all;
    q->boost = o.boost;
    return q;
  }
  auto q = std::make_unique<MatchQuery>();
  q->field = field;
  q->text = o.text;
  q->require_all = o.require_all;
  q->minimum_should_match = o.msm;
  q->analyzer = o.analyzer;
  q->zero_terms_all = o.zero_terms_all;
  q->prefix_last = name == "match_bool_prefix";
  q->boost = o.boost;
  return q;
}

Result<std::vector<std::pair<std::string, float>>> MultiMatchFields(const rapidjson::Value& v) {
  std::vector<const rapidjson::Value*> list;
  if (v.IsArray()) {
    for (const auto& f : v.GetArray()) list.push_back(&f);
  } else if (v.IsString()) {
    list.push_back(&v);
  } else {
    return ParsingError("[multi_match] query does not support [fields]");
  }
  std::vector<std::pair<std::string, float>> fields;
  for (const auto* f : list) {
    if (!f->IsString()) return ParsingError("[multi_match] fields must be strings");
    std::string spec = f->GetString();
    float field_boost = 1.0f;
    if (size_t caret = spec.find('^'); caret != std::string::npos) {
      try {
        field_boost = std::stof(spec.substr(caret + 1));
      } catch (...) {
        return ParsingError("[multi_match] malformed field boost [" + spec + "]");
      }
      spec.resize(caret);
    }
    fields.emplace_back(spec, field_boost);
  }
  return fields;
}

// MultiMatchQueryBuilder.fromXContent: the options, then the checks that
// depend on the type.
Result<QueryPtr> ParseMultiMatch(const rapidjson::Value& q) {
  if (!q.IsObject())
    return ParsingError("[multi_match] query malformed, no start_object after query name");
  MultiMatchSpec spec;
  MatchOptions o;
  bool has_fuzziness = false, has_cutoff = false;
  for (auto it = q.MemberBegin(); it != q.MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    const auto& v = it->value;
    if (key == "fields") {
      SLUICE_ASSIGN_OR_RETURN(spec.fields, MultiMatchFields(v));
    } else if (key == "type") {
      spec.type = v.IsString() ? v.GetString() : "";
      static const char* kTypes[] = {"best_fields",   "most_fields", "cross_fields", "phrase",
                                     "phrase_prefix", "bool_prefix"};
      if (std::find(std::begin(kTypes), std::end(kTypes), spec.type) == std::end(kTypes)) {
        return ParsingError("failed to parse [multi_match] query type [" + spec.type +
                            "]. unknown type.");
      }
    } else if (key == "tie_breaker") {
      SLUICE_ASSIGN_OR_RETURN(float t, Float(v, "tie_breaker"));
      spec.tie_breaker = t;
    } else if (key == "slop") {
      if (!v.IsInt()) return ParsingError("[multi_match] slop must be an integer");
      spec.slop = v.GetInt();
    } else if (key == "max_expansions") {
      if (!v.IsInt()) return ParsingError("[multi_match] max_expansions must be an integer");
      spec.max_expansions = v.GetInt();
    } else if (key == "fuzziness") {
      has_fuzziness = true;
    } else if (key == "cutoff_frequency") {
      has_cutoff = true;
    } else if (key == "prefix_length" || key == "fuzzy_rewrite" || key == "fuzzy_transpositions") {
      // Fuzziness options: without fuzziness they change nothing.
    } else if (key == "query" || key == "boost" || key == "analyzer" || key == "operator" ||
               key == "minimum_should_match" || key == "zero_terms_query" || key == "_name" ||
               key == "lenient" || key == "auto_generate_synonyms_phrase_query") {
      SLUICE_RETURN_IF_ERROR(ParseMatchOption("multi_match", key, v, o));
    } else {
      return ParsingError("[multi_match] query does not support [" + key + "]");
    }
  }
  if (!o.has_text) return ParsingError("No text specified for multi_match query");
  const std::string& type = spec.type;
  if (has_fuzziness && (type == "cross_fields" || type == "phrase" || type == "phrase_prefix")) {
    return ParsingError("Fuzziness not allowed for type [" + type + "]");
  }
  if (spec.slop != 0 && type == "bool_prefix") {
    return ParsingError("[slop] not allowed for type [bool_prefix]");
  }
  if (has_cutoff && type == "bool_prefix") {
    return ParsingError("[cutoff_frequency] not allowed for type [bool_prefix]");
  }
  if (has_fuzziness) {
    return util::InvalidArgument("[multi_match] fuzziness is not supported by sluice");
  }
  if (has_cutoff) {
    return util::InvalidArgument("[multi_match] cutoff_frequency is not supported by sluice");
  }
  spec.text = o.text;
  spec.require_all = o.require_all;
  spec.minimum_should_match = o.msm;
  spec.analyzer = o.analyzer;
  spec.zero_terms_all = o.zero_terms_all;
  spec.boost = o.boost;
  return QueryPtr(std::make_unique<MultiMatchQuery>(std::move(spec)));
}

Result<QueryPtr> ParseDisMax(const rapidjson::Value& q) {
  if (!q.IsObject())
    return ParsingError("[dis_max] query malformed, no start_object after query name");
  auto d = std::make_unique<DisMaxQuery>();
  bool has_queries = false;
  for (auto it = q.MemberBegin(); it != q.MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    if (key == "queries") {
      has_queries = true;
      if (!it->value.IsArray()) return ParsingError("[dis_max] queries must be an array");
      for (const auto& sub : it->value.GetArray()) {
        SLUICE_ASSIGN_OR_RETURN(auto parsed, ParseQuery(sub));
        d->queries.push_back(std::move(parsed));
      }
    } else if (key == "tie_breaker") {
      SLUICE_ASSIGN_OR_RETURN(d->tie_breaker, Float(it->value, "tie_breaker"));
    } else if (key == "boost") {
      SLUICE_ASSIGN_OR_RETURN(d->boost, Float(it->value, "boost"));
    } else if (key != "_name") {
      return ParsingError("[dis_max] query does not support [" + key + "]");
    }
  }
  if (!has_queries)
    return ParsingError("[dis_max] requires 'queries' field with at least one clause");
  return QueryPtr(std::move(d));
}

Result<QueryPtr> ParseQueryStringQuery(std::string_view name, const rapidjson::Value& q) {
  if (!q.IsObject()) {
    return ParsingError("[" + std::string(name) +
                        "] query malformed, no start_object after query name");
  }
  auto out = std::make_unique<QueryStringQuery>();
  QueryStringOptions& o = out->options;
  o.simple = name == "simple_query_string";
  bool has_query = false;
  for (auto it = q.MemberBegin(); it != q.MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    const auto& v = it->value;
    if (key == "query") {
      SLUICE_ASSIGN_OR_RETURN(out->text, Text(v, name));
      has_query = true;
    } else if (key == "default_field" && !o.simple) {
      if (!v.IsString()) return ParsingError("[query_string] default_field must be a string");
      if (std::string_view(v.GetString()) != "*") o.fields = {{v.GetString(), 1.0f}};
    } else if (key == "fields") {
      if (!v.IsArray()) return ParsingError("[" + std::string(name) + "] fields must be an array");
      for (const auto& f : v.GetArray()) {
        if (!f.IsString())
          return ParsingError("[" + std::string(name) + "] fields must be strings");
        std::string spec = f.GetString();
        float boost = 1.0f;
        if (size_t caret = spec.find('^'); caret != std::string::npos) {
          try {
            boost = std::stof(spec.substr(caret + 1));
          } catch (...) {
            return ParsingError("[" + std::string(name) + "] malformed field boost [" + spec + "]");
          }
          spec.resize(caret);
        }
        if (spec == "*") continue;
        if (spec.find('*') != std::string::npos) {
          return util::InvalidArgument("[" + std::string(name) +
                                       "] field wildcards are not supported by sluice");
        }
        o.fields.emplace_back(spec, boost);
      }
    } else if (key == "default_operator") {
      std::string op = v.IsString() ? v.GetString() : "";
      for (auto& c : op) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (op != "and" && op != "or") {
        return ParsingError("[" + std::string(name) + "] unknown default_operator [" + op + "]");
      }
      o.default_and = op == "and";
    } else if (key == "analyzer") {
      if (!v.IsString())
        return ParsingError("[" + std::string(name) + "] analyzer must be a string");
      o.analyzer = v.GetString();
    } else if (key == "phrase_slop" && !o.simple) {
      if (!v.IsInt() || v.GetInt() < 0)
        return ParsingError("[query_string] phrase_slop must be a non-negative integer");
      o.phrase_slop = v.GetInt();
    } else if (key == "boost") {
      SLUICE_ASSIGN_OR_RETURN(o.boost, Float(v, "boost"));
    } else if (key == "_name" || key == "lenient" || key == "analyze_wildcard" ||
               key == "auto_generate_synonyms_phrase_query" || key == "flags" ||
               key == "allow_leading_wildcard") {
      // Accepted without effect.
    } else {
      return ParsingError("[" + std::string(name) + "] query does not support [" + key + "]");
    }
  }
  if (!has_query)
    return ParsingError("[" + std::string(name) + "] must be provided with a [query]");
  // Syntax errors are the request's: check them now, with a stand-in field.
  QueryStringOptions check = o;
  if (check.fields.empty()) check.fields = {{"_", 1.0f}};
  SLUICE_RETURN_IF_ERROR(ParseQueryString(out->text, check).status());
  return QueryPtr(std::move(out));
}

Result<ScoreFunction> ParseFunction(const rapidjson::Value& v, bool allow_filter) {
  if (!v.IsObject()) return ParsingError("[function_score] malformed score function");
  ScoreFunction f;
  bool has_function = false;
  for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    if (key == "filter" && allow_filter) {
      SLUICE_ASSIGN_OR_RETURN(f.filter, ParseQuery(it->value));
    } else if (key == "weight") {
      SLUICE_ASSIGN_OR_RETURN(float w, Float(it->value, "weight"));
      f.weight = w;
    } else if (key == "field_value_factor") {
      has_function = true;
      const auto& fv = it->value;
      if (!fv.IsObject()) return ParsingError("[field_value_factor] must be an object");
      for (auto p = fv.MemberBegin(); p != fv.MemberEnd(); ++p) {
        std::string k = p->name.GetString();
        if (k == "field" && p->value.IsString()) {
          f.field = p->value.GetString();
        } else if (k == "factor") {
          SLUICE_ASSIGN_OR_RETURN(f.factor, Float(p->value, "factor"));
        } else if (k == "modifier" && p->value.IsString()) {
          f.modifier = p->value.GetString();
          static const char* kModifiers[] = {"none", "log",  "log1p",  "log2p", "ln",
                                             "ln1p", "ln2p", "square", "sqrt",  "reciprocal"};
          if (std::find(std::begin(kModifiers), std::end(kModifiers), f.modifier) ==
              std::end(kModifiers)) {
            return util::InvalidArgument("Illegal modifier: " + f.modifier);
          }
        } else if (k == "missing" && p->value.IsNumber()) {
          f.missing = p->value.GetDouble();
        } else {
          return ParsingError("[field_value_factor] query does not support [" + k + "]");
        }
      }
      if (f.field.empty())
        return ParsingError("[field_value_factor] required field 'field' missing");
    } else if (key == "script_score" || key == "random_score" || key == "gauss" || key == "exp" ||
               key == "linear") {
      return util::InvalidArgument("[function_score] function [" + key +
                                   "] is not supported by sluice");
    } else {
      return ParsingError("failed to parse [function_score] query. field [" + key +
                          "] is not supported");
    }
  }
  if (!has_function && !f.weight) {
    return ParsingError(
        "failed to parse [function_score] query. an entry in functions list is "
        "missing a function.");
  }
  return f;
}

Result<QueryPtr> ParseFunctionScore(const rapidjson::Value& q) {
  if (!q.IsObject())
    return ParsingError("[function_score] query malformed, no start_object after query name");
  auto fs = std::make_unique<FunctionScoreQuery>();
  rapidjson::Document single(rapidjson::kObjectType);
  for (auto it = q.MemberBegin(); it != q.MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    const auto& v = it->value;
    if (key == "query") {
      SLUICE_ASSIGN_OR_RETURN(fs->query, ParseQuery(v));
    } else if (key == "functions") {
      if (!v.IsArray()) return ParsingError("[function_score] functions must be an array");
      for (const auto& f : v.GetArray()) {
        SLUICE_ASSIGN_OR_RETURN(ScoreFunction parsed, ParseFunction(f, true));
        fs->functions.push_back(std::move(parsed));
      }
    } else if (key == "field_value_factor" || key == "weight") {
      single.AddMember(rapidjson::Value(key.c_str(), single.GetAllocator()),
                       rapidjson::Value(v, single.GetAllocator()), single.GetAllocator());
    } else if (key == "score_mode" || key == "boost_mode") {
      std::string mode = v.IsString() ? v.GetString() : "";
      bool ok = key == "score_mode" ? (mode == "multiply" || mode == "sum" || mode == "avg" ||
                                       mode == "first" || mode == "max" || mode == "min")
                                    : (mode == "multiply" || mode == "replace" || mode == "sum" ||
                                       mode == "avg" || mode == "max" || mode == "min");
      if (!ok) return util::InvalidArgument("Illegal " + key + " [" + mode + "]");
      (key == "score_mode" ? fs->score_mode : fs->boost_mode) = mode;
    } else if (key == "max_boost") {
      SLUICE_ASSIGN_OR_RETURN(fs->max_boost, Float(v, "max_boost"));
    } else if (key == "min_score") {
      SLUICE_ASSIGN_OR_RETURN(float m, Float(v, "min_score"));
      fs->min_score = m;
    } else if (key == "boost") {
      SLUICE_ASSIGN_OR_RETURN(fs->boost, Float(v, "boost"));
    } else if (key == "_name") {
      continue;
    } else if (key == "script_score" || key == "random_score" || key == "gauss" || key == "exp" ||
               key == "linear") {
      return util::InvalidArgument("[function_score] function [" + key +
                                   "] is not supported by sluice");
    } else {
      return ParsingError("function_score query does not support [" + key + "]");
    }
  }
  if (single.MemberCount() > 0) {
    if (!fs->functions.empty()) {
      return ParsingError(
          "failed to parse [function_score] query. already found [functions] "
          "array, now encountering [" +
          std::string(single.MemberBegin()->name.GetString()) + "].");
    }
    SLUICE_ASSIGN_OR_RETURN(ScoreFunction parsed, ParseFunction(single, false));
    fs->functions.push_back(std::move(parsed));
  }
  if (!fs->query) fs->query = std::make_unique<MatchAllQuery>(1.0f);
  return QueryPtr(std::move(fs));
}

}  // namespace

bool IsTextQuery(std::string_view name) {
  return name == "match" || name == "match_phrase" || name == "match_bool_prefix" ||
         name == "match_phrase_prefix" ||
         name == "multi_match" || name == "dis_max" || name == "query_string" ||
         name == "simple_query_string" || name == "function_score";
}

Result<QueryPtr> ParseTextQuery(std::string_view name, const rapidjson::Value& body) {
  if (name == "multi_match") return ParseMultiMatch(body);
  if (name == "dis_max") return ParseDisMax(body);
  if (name == "function_score") return ParseFunctionScore(body);
  if (name == "query_string" || name == "simple_query_string")
    return ParseQueryStringQuery(name, body);
  SLUICE_ASSIGN_OR_RETURN(auto fq, ParseFieldQuery(name, body));
  return Build(name, fq.first, fq.second);
}

}  // namespace sluice::search
