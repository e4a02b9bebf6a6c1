// Parsing of the "suggest" section, with the messages of OpenSearch's
// SuggestBuilder, SuggestionBuilder, TermSuggestionBuilder and
// CompletionSuggestionBuilder.
#include <cctype>
#include <cstdlib>
#include <string_view>

#include "json/value_text.h"
#include "search/suggest.h"

namespace sluice::search {
namespace {

using util::InvalidArgument;
using util::ParsingError;
using util::Status;

util::Result<int> IntOption(const rapidjson::Value& v, std::string_view key) {
  if (v.IsInt()) return v.GetInt();
  if (v.IsString()) {
    std::string s = v.GetString();
    char* end = nullptr;
    long n = std::strtol(s.c_str(), &end, 10);
    if (!s.empty() && *end == '\0') return static_cast<int>(n);
  }
  return ParsingError("[" + std::string(key) + "] must be an integer but was [" +
                      json::ValueText(v) + "]");
}

util::Result<float> FloatOption(const rapidjson::Value& v, std::string_view key) {
  if (v.IsNumber()) return static_cast<float>(v.GetDouble());
  if (v.IsString()) {
    std::string s = v.GetString();
    char* end = nullptr;
    float f = std::strtof(s.c_str(), &end);
    if (!s.empty() && *end == '\0') return f;
  }
  return ParsingError("[" + std::string(key) + "] must be a number but was [" +
                      json::ValueText(v) + "]");
}

// size and shard_size must be positive (SuggestionBuilder#size).
util::Result<int> Positive(const rapidjson::Value& v, std::string_view key) {
  SLUICE_ASSIGN_OR_RETURN(int n, IntOption(v, key));
  if (n <= 0) return InvalidArgument(std::string(key) + " must be positive");
  return n;
}

// The options every suggester shares; true when key was one of them.
util::Result<bool> CommonOption(std::string_view key, const rapidjson::Value& v, Suggestion& s) {
  if (key == "field" || key == "analyzer") {
    if (!v.IsString()) return false;
    (key == "field" ? s.field : s.analyzer) = v.GetString();
    return true;
  }
  if (key == "size") {
    SLUICE_ASSIGN_OR_RETURN(s.size, Positive(v, "size"));
    return true;
  }
  if (key == "shard_size") {
    SLUICE_ASSIGN_OR_RETURN(s.shard_size, Positive(v, "shardSize"));
    return true;
  }
  return false;
}

Status ParseTerm(const rapidjson::Value& body, Suggestion& s) {
  TermSuggestOptions& t = s.term;
  for (auto m = body.MemberBegin(); m != body.MemberEnd(); ++m) {
    std::string_view key = m->name.GetString();
    const rapidjson::Value& v = m->value;
    if (v.IsObject() || v.IsArray()) {
      return ParsingError("suggester[term] parsing failed on [" + std::string(key) + "]");
    }
    SLUICE_ASSIGN_OR_RETURN(bool common, CommonOption(key, v, s));
    if (common) continue;
    std::string text = v.IsString() ? v.GetString() : json::ValueText(v);
    std::string upper = text;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    std::string lower = text;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (key == "suggest_mode" || key == "sort" || key == "string_distance") text = lower;
    if (key == "suggest_mode") {
      if (text == "missing") {
        t.suggest_mode = TermSuggestOptions::Mode::kMissing;
      } else if (text == "popular") {
        t.suggest_mode = TermSuggestOptions::Mode::kPopular;
      } else if (text == "always") {
        t.suggest_mode = TermSuggestOptions::Mode::kAlways;
      } else {
        return InvalidArgument("No enum constant org.opensearch.search.suggest.term."
                               "TermSuggestionBuilder.SuggestMode." + upper);
      }
    } else if (key == "sort") {
      if (text != "score" && text != "frequency") {
        return InvalidArgument("Illegal suggest sort " + text);
      }
      t.sort_by_frequency = text == "frequency";
    } else if (key == "string_distance") {
      if (text != "internal") {
        if (text == "damerau_levenshtein" || text == "levenshtein" || text == "ngram" ||
            text == "jaro_winkler") {
          return InvalidArgument("[string_distance] [" + text +
                                 "] is not supported by sluice yet: only [internal]");
        }
        return InvalidArgument("Illegal distance option " + text);
      }
    } else if (key == "accuracy") {
      SLUICE_ASSIGN_OR_RETURN(t.accuracy, FloatOption(v, key));
      if (t.accuracy < 0 || t.accuracy > 1) {
        return InvalidArgument("accuracy must be between 0 and 1");
      }
    } else if (key == "max_edits") {
      SLUICE_ASSIGN_OR_RETURN(t.max_edits, IntOption(v, key));
      if (t.max_edits < 1 || t.max_edits > 2) {
        return InvalidArgument("maxEdits must be between 1 and 2");
      }
    } else if (key == "max_inspections") {
      SLUICE_ASSIGN_OR_RETURN(t.max_inspections, IntOption(v, key));
      if (t.max_inspections < 0) return InvalidArgument("maxInspections must be positive");
    } else if (key == "max_term_freq") {
      SLUICE_ASSIGN_OR_RETURN(t.max_term_freq, FloatOption(v, key));
      if (t.max_term_freq < 0) return InvalidArgument("maxTermFreq must be positive");
      if (t.max_term_freq > 1 && t.max_term_freq != static_cast<float>(static_cast<int>(t.max_term_freq))) {
        return InvalidArgument("if maxTermFreq is greater than 1, it must not be a fraction");
      }
    } else if (key == "prefix_length") {
      SLUICE_ASSIGN_OR_RETURN(t.prefix_length, IntOption(v, key));
      if (t.prefix_length < 0) return InvalidArgument("prefixLength must be positive");
    } else if (key == "min_word_length" || key == "min_word_len") {
      SLUICE_ASSIGN_OR_RETURN(t.min_word_length, IntOption(v, key));
      if (t.min_word_length < 1) return InvalidArgument("minWordLength must be greater or equal to 1");
    } else if (key == "min_doc_freq") {
      SLUICE_ASSIGN_OR_RETURN(t.min_doc_freq, FloatOption(v, key));
      if (t.min_doc_freq < 0) return InvalidArgument("minDocFreq must be positive");
      if (t.min_doc_freq > 1 && t.min_doc_freq != static_cast<float>(static_cast<int>(t.min_doc_freq))) {
        return InvalidArgument("if minDocFreq is greater than 1, it must not be a fraction");
      }
    } else {
      return ParsingError("suggester[term] doesn't support field [" + std::string(key) + "]");
    }
  }
  return Status::Ok();
}

util::Result<CompletionSuggestOptions::Fuzzy> ParseFuzzy(const rapidjson::Value& v) {
  CompletionSuggestOptions::Fuzzy f;
  if (v.IsBool()) return f;
  if (!v.IsObject()) return ParsingError("[fuzzy] must be a boolean or an object");
  for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
    std::string_view key = m->name.GetString();
    const rapidjson::Value& x = m->value;
    if (key == "fuzziness") {
      std::string text = x.IsString() ? x.GetString() : json::ValueText(x);
      if (text == "AUTO" || text == "auto") {
        f.fuzziness = -1;
      } else if (text == "0" || text == "1" || text == "2") {
        f.fuzziness = text[0] - '0';
      } else {
        return InvalidArgument("[fuzziness] [" + text +
                               "] is not supported by sluice: use 0, 1, 2 or AUTO");
      }
    } else if (key == "transpositions") {
      if (!x.IsBool()) return ParsingError("[transpositions] must be a boolean");
      f.transpositions = x.GetBool();
    } else if (key == "min_length") {
      SLUICE_ASSIGN_OR_RETURN(f.min_length, IntOption(x, key));
      if (f.min_length < 0) return InvalidArgument("minLength must not be negative");
    } else if (key == "prefix_length") {
      SLUICE_ASSIGN_OR_RETURN(f.prefix_length, IntOption(x, key));
      if (f.prefix_length < 0) return InvalidArgument("fuzzyPrefixLength must not be negative");
    } else if (key == "unicode_aware" || key == "max_determinized_states") {
      continue;  // sluice compares code points whatever the flag
    } else {
      return ParsingError("[fuzzy] unknown field [" + std::string(key) + "]");
    }
  }
  return f;
}

Status ParseCompletion(const rapidjson::Value& body, Suggestion& s) {
  for (auto m = body.MemberBegin(); m != body.MemberEnd(); ++m) {
    std::string_view key = m->name.GetString();
    const rapidjson::Value& v = m->value;
    SLUICE_ASSIGN_OR_RETURN(bool common, CommonOption(key, v, s));
    if (common) continue;
    if (key == "skip_duplicates") {
      if (!v.IsBool()) return ParsingError("[skip_duplicates] must be a boolean");
      s.completion.skip_duplicates = v.GetBool();
    } else if (key == "fuzzy") {
      SLUICE_ASSIGN_OR_RETURN(s.completion.fuzzy, ParseFuzzy(v));
    } else if (key == "contexts") {
      return InvalidArgument("[contexts] of the completion suggester are not supported by sluice yet");
    } else if (key == "regex") {
      return InvalidArgument("[regex] of the completion suggester is not supported by sluice yet");
    } else {
      return ParsingError("[completion] unknown field [" + std::string(key) + "]");
    }
  }
  return Status::Ok();
}

// One named suggestion: {"text"|"prefix"|"regex": ..., "<type>": {...}}.
util::Result<Suggestion> ParseSuggestion(const std::string& name, const rapidjson::Value& v,
                                         const std::optional<std::string>& global_text) {
  Suggestion s;
  s.name = name;
  std::optional<std::string> text, prefix;
  const rapidjson::Value* body = nullptr;
  std::string type;
  for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
    std::string key = m->name.GetString();
    const rapidjson::Value& x = m->value;
    if (x.IsObject()) {
      type = key;
      body = &x;
    } else if (key == "text" || key == "prefix" || key == "regex") {
      if (key == "regex") {
        return InvalidArgument("[regex] of the completion suggester is not supported by sluice yet");
      }
      std::string value = x.IsString() ? x.GetString() : json::ValueText(x);
      (key == "text" ? text : prefix) = std::move(value);
    } else if (x.IsArray()) {
      return ParsingError("suggestion does not support [" + key + "]");
    } else {
      return ParsingError("suggestion does not support [" + key + "]");
    }
  }
  if (body == nullptr) return InvalidArgument("missing suggestion object");
  if (type == "term") {
    s.type = Suggestion::Type::kTerm;
    SLUICE_RETURN_IF_ERROR(ParseTerm(*body, s));
  } else if (type == "completion") {
    s.type = Suggestion::Type::kCompletion;
    SLUICE_RETURN_IF_ERROR(ParseCompletion(*body, s));
  } else if (type == "phrase") {
    return InvalidArgument("[phrase] suggester is not supported by sluice yet");
  } else {
    return ParsingError("unknown suggester [" + type + "]");
  }
  if (s.field.empty()) return util::ParseError("the required field option [field] is missing");
  // A completion suggestion matches its prefix, else its text; the entry shows the same.
  if (s.type == Suggestion::Type::kCompletion && prefix) {
    s.text = *prefix;
  } else if (text) {
    s.text = *text;
  } else if (prefix) {
    s.text = *prefix;
  } else if (global_text) {
    s.text = *global_text;
  } else {
    return InvalidArgument("The required text option is missing");
  }
  return s;
}

}  // namespace

util::Result<SuggestSpec> ParseSuggest(const rapidjson::Value& value) {
  if (!value.IsObject()) return ParsingError("[suggest] must be an object");
  std::optional<std::string> global_text;
  for (auto m = value.MemberBegin(); m != value.MemberEnd(); ++m) {
    std::string key = m->name.GetString();
    if (m->value.IsObject()) continue;
    if (m->value.IsArray()) {
      return ParsingError("unexpected token [START_ARRAY] after [" + key + "]");
    }
    if (key != "text") return InvalidArgument("[suggest] does not support [" + key + "]");
    global_text = m->value.IsString() ? m->value.GetString() : json::ValueText(m->value);
  }
  SuggestSpec spec;
  for (auto m = value.MemberBegin(); m != value.MemberEnd(); ++m) {
    if (!m->value.IsObject()) continue;
    SLUICE_ASSIGN_OR_RETURN(Suggestion s,
                            ParseSuggestion(m->name.GetString(), m->value, global_text));
    spec.suggestions.push_back(std::move(s));
  }
  return spec;
}

}  // namespace sluice::search
