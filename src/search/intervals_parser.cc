// Parsing of the `intervals` query (OpenSearch's IntervalQueryBuilder and
// IntervalsSourceProvider): {"<field>": {"<rule>": {...}, "boost": b, "_name": n}}.
#include <rapidjson/document.h>

#include "json/value_text.h"
#include "search/intervals_sources.h"
#include "search/lucene_regexp.h"
#include "search/query_parser.h"

namespace sluice::search {
namespace {

using util::ParsingError;
using util::Result;
using SourcePtr = std::unique_ptr<IntervalsSource>;

Result<SourcePtr> ParseSource(const rapidjson::Value& v);

util::Status Unknown(std::string_view rule, std::string_view key) {
  return ParsingError("[" + std::string(rule) + "] unknown field [" + std::string(key) + "]");
}

Result<std::string> String(const rapidjson::Value& v, std::string_view rule,
                           std::string_view key) {
  if (!v.IsString()) {
    return ParsingError("[" + std::string(rule) + "] " + std::string(key) + " must be a string");
  }
  return std::string(v.GetString());
}

Result<int> Int(const rapidjson::Value& v, std::string_view rule, std::string_view key) {
  if (v.IsInt()) return v.GetInt();
  if (v.IsString()) {
    try {
      return std::stoi(v.GetString());
    } catch (...) {
    }
  }
  return ParsingError("[" + std::string(rule) + "] failed to parse field [" + std::string(key) +
                      "]");
}

Result<bool> Bool(const rapidjson::Value& v, std::string_view rule, std::string_view key) {
  if (v.IsBool()) return v.GetBool();
  if (v.IsString() && (std::string_view(v.GetString()) == "true" ||
                       std::string_view(v.GetString()) == "false")) {
    return std::string_view(v.GetString()) == "true";
  }
  return ParsingError("[" + std::string(rule) + "] failed to parse field [" + std::string(key) +
                      "]");
}

Result<IntervalMode> Mode(const rapidjson::Value& v, std::string_view rule) {
  SLUICE_ASSIGN_OR_RETURN(std::string m, String(v, rule, "mode"));
  if (m == "ordered") return IntervalMode::kOrdered;
  if (m == "unordered") return IntervalMode::kUnordered;
  if (m == "unordered_no_overlap") return IntervalMode::kUnorderedNoOverlap;
  return util::InvalidArgument("Unknown IntervalMode [" + m +
                               "], expected one of [ordered, unordered, unordered_no_overlap]");
}

// {"containing": <source>} etc.; "script" filters are refused.
Result<SourcePtr> ApplyFilter(SourcePtr source, const rapidjson::Value& v) {
  if (!v.IsObject() || v.MemberCount() != 1) {
    return ParsingError("Expected a single filter in [filter]");
  }
  std::string_view kind = v.MemberBegin()->name.GetString();
  static const std::pair<const char*, IntervalFilter> kKinds[] = {
      {"containing", IntervalFilter::kContaining},
      {"contained_by", IntervalFilter::kContainedBy},
      {"not_containing", IntervalFilter::kNotContaining},
      {"not_contained_by", IntervalFilter::kNotContainedBy},
      {"overlapping", IntervalFilter::kOverlapping},
      {"not_overlapping", IntervalFilter::kNotOverlapping},
      {"before", IntervalFilter::kBefore},
      {"after", IntervalFilter::kAfter},
  };
  for (const auto& [name, filter] : kKinds) {
    if (kind == name) {
      SLUICE_ASSIGN_OR_RETURN(SourcePtr reference, ParseSource(v.MemberBegin()->value));
      return MakeFilteredSource(std::move(source), filter, std::move(reference));
    }
  }
  if (kind == "script") {
    return util::InvalidArgument("script filters of [intervals] are not supported by sluice");
  }
  return ParsingError("Unknown key for a START_OBJECT in [filter]: [" + std::string(kind) + "].");
}

Result<SourcePtr> ParseMatch(const rapidjson::Value& body) {
  std::optional<std::string> query, analyzer, use_field;
  int max_gaps = -1;
  IntervalMode mode = IntervalMode::kUnordered;
  const rapidjson::Value* filter = nullptr;
  for (auto it = body.MemberBegin(); it != body.MemberEnd(); ++it) {
    std::string_view key = it->name.GetString();
    const rapidjson::Value& v = it->value;
    if (key == "query") {
      SLUICE_ASSIGN_OR_RETURN(query, String(v, "match", key));
    } else if (key == "max_gaps") {
      SLUICE_ASSIGN_OR_RETURN(max_gaps, Int(v, "match", key));
    } else if (key == "ordered") {  // deprecated for mode
      SLUICE_ASSIGN_OR_RETURN(bool ordered, Bool(v, "match", key));
      mode = ordered ? IntervalMode::kOrdered : IntervalMode::kUnordered;
    } else if (key == "mode") {
      SLUICE_ASSIGN_OR_RETURN(mode, Mode(v, "match"));
    } else if (key == "analyzer") {
      SLUICE_ASSIGN_OR_RETURN(analyzer, String(v, "match", key));
    } else if (key == "use_field") {
      SLUICE_ASSIGN_OR_RETURN(use_field, String(v, "match", key));
    } else if (key == "filter") {
      filter = &v;
    } else {
      return Unknown("match", key);
    }
  }
  if (!query) return ParsingError("[match] requires [query]");
  SourcePtr out = MakeMatchSource(*query, max_gaps, mode, analyzer, use_field);
  if (filter) return ApplyFilter(std::move(out), *filter);
  return out;
}

Result<SourcePtr> ParseCombination(const rapidjson::Value& body, bool all) {
  const char* rule = all ? "all_of" : "any_of";
  std::vector<SourcePtr> subs;
  bool has_intervals = false;
  int max_gaps = -1;
  IntervalMode mode = IntervalMode::kUnordered;
  const rapidjson::Value* filter = nullptr;
  for (auto it = body.MemberBegin(); it != body.MemberEnd(); ++it) {
    std::string_view key = it->name.GetString();
    const rapidjson::Value& v = it->value;
    if (key == "intervals") {
      if (!v.IsArray()) return ParsingError(std::string("[") + rule + "] intervals must be an array");
      has_intervals = true;
      for (const auto& s : v.GetArray()) {
        SLUICE_ASSIGN_OR_RETURN(SourcePtr sub, ParseSource(s));
        subs.push_back(std::move(sub));
      }
    } else if (all && key == "max_gaps") {
      SLUICE_ASSIGN_OR_RETURN(max_gaps, Int(v, rule, key));
    } else if (all && key == "ordered") {
      SLUICE_ASSIGN_OR_RETURN(bool ordered, Bool(v, rule, key));
      mode = ordered ? IntervalMode::kOrdered : IntervalMode::kUnordered;
    } else if (all && key == "mode") {
      SLUICE_ASSIGN_OR_RETURN(mode, Mode(v, rule));
    } else if (key == "filter") {
      filter = &v;
    } else {
      return Unknown(rule, key);
    }
  }
  if (!has_intervals || subs.empty()) {
    return ParsingError(std::string("[") + rule + "] requires [intervals]");
  }
  SourcePtr out = all ? MakeAllOfSource(std::move(subs), max_gaps, mode)
                      : MakeAnyOfSource(std::move(subs));
  if (filter) return ApplyFilter(std::move(out), *filter);
  return out;
}

Result<SourcePtr> ParsePattern(const rapidjson::Value& body, TermPattern::Kind kind,
                               std::string_view rule) {
  TermPattern p;
  p.kind = kind;
  if (kind == TermPattern::Kind::kFuzzy) p.max_expansions = 50;  // FuzzyQuery's default
  const char* text_key = kind == TermPattern::Kind::kPrefix  ? "prefix"
                         : kind == TermPattern::Kind::kFuzzy ? "term"
                                                             : "pattern";
  bool has_text = false;
  for (auto it = body.MemberBegin(); it != body.MemberEnd(); ++it) {
    std::string_view key = it->name.GetString();
    const rapidjson::Value& v = it->value;
    if (key == text_key) {
      SLUICE_ASSIGN_OR_RETURN(p.text, String(v, rule, key));
      has_text = true;
    } else if (key == "use_field") {
      SLUICE_ASSIGN_OR_RETURN(p.use_field, String(v, rule, key));
    } else if (key == "analyzer" && kind != TermPattern::Kind::kRegexp) {
      SLUICE_ASSIGN_OR_RETURN(p.analyzer, String(v, rule, key));
    } else if (kind == TermPattern::Kind::kRegexp && key == "flags") {
      SLUICE_ASSIGN_OR_RETURN(std::string names, String(v, rule, key));
      SLUICE_ASSIGN_OR_RETURN(p.regexp_flags, ParseRegexpFlags(names));
    } else if (kind == TermPattern::Kind::kRegexp && key == "flags_value") {
      SLUICE_ASSIGN_OR_RETURN(p.regexp_flags, Int(v, rule, key));
    } else if (kind == TermPattern::Kind::kRegexp && key == "case_insensitive") {
      SLUICE_ASSIGN_OR_RETURN(p.case_insensitive, Bool(v, rule, key));
    } else if (kind == TermPattern::Kind::kRegexp && key == "max_expansions") {
      SLUICE_ASSIGN_OR_RETURN(int n, Int(v, rule, key));
      if (n <= 0) return util::InvalidArgument("[max_expansions] must be greater than 0");
      p.max_expansions = static_cast<size_t>(n);
    } else if (kind == TermPattern::Kind::kFuzzy && key == "prefix_length") {
      SLUICE_ASSIGN_OR_RETURN(p.prefix_length, Int(v, rule, key));
    } else if (kind == TermPattern::Kind::kFuzzy && key == "transpositions") {
      SLUICE_ASSIGN_OR_RETURN(p.transpositions, Bool(v, rule, key));
    } else if (kind == TermPattern::Kind::kFuzzy && key == "fuzziness") {
      std::string f = v.IsString() ? v.GetString() : json::ValueText(v);
      if (f == "AUTO" || f == "auto" || f.rfind("AUTO:", 0) == 0) {
        p.fuzziness.reset();
      } else if (f == "0" || f == "1" || f == "2") {
        p.fuzziness = f[0] - '0';
      } else {
        return util::InvalidArgument("failed to parse [" + f + "] as fuzziness");
      }
    } else {
      return Unknown(rule, key);
    }
  }
  if (kind == TermPattern::Kind::kRegexp && !body.HasMember("flags") &&
      !body.HasMember("flags_value")) {
    p.regexp_flags = kRegexpAll;
  }
  if (!has_text) return ParsingError("[" + std::string(rule) + "] requires [" + text_key + "]");
  return MakePatternSource(std::move(p));
}

Result<SourcePtr> ParseRule(std::string_view rule, const rapidjson::Value& body) {
  if (!body.IsObject()) {
    return ParsingError("[" + std::string(rule) + "] expects an object");
  }
  if (rule == "match") return ParseMatch(body);
  if (rule == "all_of") return ParseCombination(body, true);
  if (rule == "any_of") return ParseCombination(body, false);
  if (rule == "prefix") return ParsePattern(body, TermPattern::Kind::kPrefix, rule);
  if (rule == "wildcard") return ParsePattern(body, TermPattern::Kind::kWildcard, rule);
  if (rule == "regexp") return ParsePattern(body, TermPattern::Kind::kRegexp, rule);
  if (rule == "fuzzy") return ParsePattern(body, TermPattern::Kind::kFuzzy, rule);
  return ParsingError("Unknown interval type [" + std::string(rule) +
                      "], expecting one of [match, any_of, all_of, prefix, wildcard, regexp, "
                      "fuzzy]");
}

Result<SourcePtr> ParseSource(const rapidjson::Value& v) {
  if (!v.IsObject() || v.MemberCount() != 1) {
    return ParsingError("Expected a single interval source, e.g. {\"match\": {...}}");
  }
  return ParseRule(v.MemberBegin()->name.GetString(), v.MemberBegin()->value);
}

}  // namespace

Result<std::unique_ptr<Query>> ParseIntervalsQuery(const rapidjson::Value& body) {
  if (!body.IsObject() || body.MemberCount() != 1 || !body.MemberBegin()->value.IsObject()) {
    return ParsingError("[intervals] query malformed, expected one field with an object");
  }
  std::string field = body.MemberBegin()->name.GetString();
  const rapidjson::Value& spec = body.MemberBegin()->value;
  float boost = 1.0f;
  SourcePtr source;
  for (auto it = spec.MemberBegin(); it != spec.MemberEnd(); ++it) {
    std::string_view key = it->name.GetString();
    if (key == "boost") {
      if (!it->value.IsNumber()) return ParsingError("[boost] must be a number");
      boost = static_cast<float>(it->value.GetDouble());
    } else if (key == "_name") {
      continue;
    } else if (source) {
      return ParsingError("Only one interval rule can be specified, found [" + std::string(key) +
                          "]");
    } else {
      SLUICE_ASSIGN_OR_RETURN(source, ParseRule(key, it->value));
    }
  }
  if (!source) return ParsingError("Missing intervals from interval query definition");
  return std::unique_ptr<Query>(
      std::make_unique<IntervalsQuery>(std::move(field), std::move(source), boost));
}

}  // namespace sluice::search
