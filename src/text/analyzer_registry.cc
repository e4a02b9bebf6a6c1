#include "text/analyzer_registry.h"

#include <set>
#include <sstream>

#include "text/token_filter.h"
#include "text/tokenizer.h"

namespace sluice::text {
namespace {

using Settings = std::map<std::string, std::string>;
using util::InvalidArgument;

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, ',');) {
    size_t b = part.find_first_not_of(' '), e = part.find_last_not_of(' ');
    if (b != std::string::npos) out.push_back(part.substr(b, e - b + 1));
  }
  return out;
}

std::string Get(const Settings& s, const std::string& key, const std::string& fallback = "") {
  auto it = s.find(key);
  return it == s.end() ? fallback : it->second;
}

std::set<std::string> StopWords(const std::string& spec, const std::set<std::string>& fallback) {
  if (spec.empty()) return fallback;
  if (spec == "_english_") return EnglishStopWords();
  if (spec == "_none_") return {};
  auto words = SplitList(spec);
  return std::set<std::string>(words.begin(), words.end());
}

std::unique_ptr<Analyzer> Make(std::unique_ptr<Tokenizer> t,
                               std::vector<std::unique_ptr<TokenFilter>> f) {
  return std::make_unique<Analyzer>(std::move(t), std::move(f));
}

// A built-in analyzer type, with its standard parameters (stopwords, max_token_length).
std::unique_ptr<Analyzer> Builtin(std::string_view name, const Settings& params,
                                  const std::string& prefix) {
  std::vector<std::unique_ptr<TokenFilter>> f;
  if (name == "standard") {
    int max_len = kDefaultMaxTokenLength;
    if (auto m = Get(params, prefix + "max_token_length"); !m.empty()) max_len = std::stoi(m);
    f.push_back(NewLowercaseFilter());
    auto stop = StopWords(Get(params, prefix + "stopwords"), {});
    if (!stop.empty()) f.push_back(NewStopFilter(std::move(stop)));
    return Make(NewStandardTokenizer(max_len), std::move(f));
  }
  if (name == "simple") {
    f.push_back(NewLowercaseFilter());
    return Make(NewLetterTokenizer(), std::move(f));
  }
  if (name == "whitespace") return Make(NewWhitespaceTokenizer(), std::move(f));
  if (name == "keyword") return Make(NewKeywordTokenizer(), std::move(f));
  if (name == "stop") {
    f.push_back(NewLowercaseFilter());
    f.push_back(NewStopFilter(StopWords(Get(params, prefix + "stopwords"), EnglishStopWords())));
    return Make(NewLetterTokenizer(), std::move(f));
  }
  if (name == "english") {
    f.push_back(NewEnglishPossessiveFilter());
    f.push_back(NewLowercaseFilter());
    f.push_back(NewStopFilter(StopWords(Get(params, prefix + "stopwords"), EnglishStopWords())));
    f.push_back(NewPorterStemFilter());
    return Make(NewStandardTokenizer(), std::move(f));
  }
  return nullptr;
}

util::Result<std::unique_ptr<Tokenizer>> MakeTokenizer(const Settings& s, const std::string& name,
                                                       const std::string& analyzer) {
  std::string type = name;
  std::string prefix = "index.analysis.tokenizer." + name + ".";
  if (s.count(prefix + "type")) type = Get(s, prefix + "type");
  if (type == "standard") {
    int max_len = kDefaultMaxTokenLength;
    if (auto m = Get(s, prefix + "max_token_length"); !m.empty()) max_len = std::stoi(m);
    if (max_len < 1) return InvalidArgument("maxTokenLength must be greater than zero");
    return NewStandardTokenizer(max_len);
  }
  if (type == "whitespace") return NewWhitespaceTokenizer();
  if (type == "keyword") return NewKeywordTokenizer();
  if (type == "letter") return NewLetterTokenizer();
  return InvalidArgument("Custom Analyzer [" + analyzer +
                         "] failed to find tokenizer under name [" + name + "]");
}

util::Result<std::unique_ptr<TokenFilter>> MakeFilter(const Settings& s, const std::string& name,
                                                      const std::string& analyzer) {
  std::string prefix = "index.analysis.filter." + name + ".";
  std::string type = s.count(prefix + "type") ? Get(s, prefix + "type") : name;
  if (type == "lowercase") return NewLowercaseFilter();
  if (type == "asciifolding") return NewAsciiFoldingFilter();
  if (type == "stop") {
    bool ignore_case = Get(s, prefix + "ignore_case") == "true";
    return NewStopFilter(StopWords(Get(s, prefix + "stopwords"), EnglishStopWords()), ignore_case);
  }
  if (type == "porter_stem") return NewPorterStemFilter();
  if (type == "stemmer" || type == "snowball") {
    std::string lang = Get(s, prefix + "language", Get(s, prefix + "name", "english"));
    std::string lower;
    for (char c : lang)
      lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    // OpenSearch's stemmer "english" is Lucene's PorterStemFilter; snowball
    // "English" is Snowball's Porter2.
    if (type == "stemmer" && (lower == "english" || lower == "porter"))
      return NewPorterStemFilter();
    if (type == "snowball" && lower == "english") return NewSnowballEnglishFilter();
    if (type == "snowball" && lower == "porter") return NewPorterStemFilter();
    return InvalidArgument("sluice supports the English stemmers only, not [" + lang +
                           "] (filter [" + name + "])");
  }
  if (type == "length") {
    int min = 0, max = 2147483647;
    try {
      if (auto v = Get(s, prefix + "min"); !v.empty()) min = std::stoi(v);
      if (auto v = Get(s, prefix + "max"); !v.empty()) max = std::stoi(v);
    } catch (const std::exception&) {
      return InvalidArgument("failed to parse the min/max of length filter [" + name + "]");
    }
    return NewLengthFilter(min, max);
  }
  return InvalidArgument("Custom Analyzer [" + analyzer + "] failed to find filter under name [" +
                         name + "]");
}

}  // namespace

std::unique_ptr<Analyzer> NewBuiltinAnalyzer(std::string_view name) {
  return Builtin(name, {}, "");
}

AnalyzerRegistry::AnalyzerRegistry() {
  for (const char* name : {"standard", "simple", "whitespace", "keyword", "stop", "english"}) {
    analyzers_.emplace(name, NewBuiltinAnalyzer(name));
  }
}

util::Result<std::shared_ptr<const AnalyzerRegistry>> AnalyzerRegistry::FromSettings(
    const Settings& s) {
  try {
    return Build(s);
  } catch (const std::exception&) {  // std::stoi on a setting that is not a number
    return InvalidArgument("failed to parse the analysis settings: a number was expected");
  }
}

util::Result<std::shared_ptr<const AnalyzerRegistry>> AnalyzerRegistry::Build(const Settings& s) {
  auto registry = std::make_shared<AnalyzerRegistry>();
  const std::string root = "index.analysis.analyzer.";
  std::set<std::string> names;
  for (auto it = s.lower_bound(root); it != s.end() && it->first.starts_with(root); ++it) {
    std::string rest = it->first.substr(root.size());
    names.insert(rest.substr(0, rest.find('.')));
  }
  for (const std::string& name : names) {
    std::string prefix = root + name + ".";
    std::string type = Get(s, prefix + "type", s.count(prefix + "tokenizer") ? "custom" : "");
    if (s.count(prefix + "char_filter")) {
      return InvalidArgument("char_filter is not supported by sluice (analyzer [" + name + "])");
    }
    if (type != "custom") {
      auto a = Builtin(type, s, prefix);
      if (!a) return InvalidArgument("Unknown analyzer type [" + type + "] for [" + name + "]");
      registry->analyzers_[name] = std::move(a);
      continue;
    }
    if (!s.count(prefix + "tokenizer")) {
      return InvalidArgument("analyzer [" + name +
                             "] must specify either an analyzer type, or a tokenizer");
    }
    SLUICE_ASSIGN_OR_RETURN(auto tokenizer, MakeTokenizer(s, Get(s, prefix + "tokenizer"), name));
    std::vector<std::unique_ptr<TokenFilter>> filters;
    for (const auto& f : SplitList(Get(s, prefix + "filter"))) {
      SLUICE_ASSIGN_OR_RETURN(auto filter, MakeFilter(s, f, name));
      filters.push_back(std::move(filter));
    }
    registry->analyzers_[name] = Make(std::move(tokenizer), std::move(filters));
  }
  return std::shared_ptr<const AnalyzerRegistry>(std::move(registry));
}

util::Result<std::unique_ptr<Analyzer>> AnalyzerRegistry::Custom(
    const Settings& s, const std::string& tokenizer, const std::vector<std::string>& filters) {
  try {
    SLUICE_ASSIGN_OR_RETURN(auto t, MakeTokenizer(s, tokenizer, "_anonymous_"));
    std::vector<std::unique_ptr<TokenFilter>> fs;
    for (const auto& f : filters) {
      SLUICE_ASSIGN_OR_RETURN(auto filter, MakeFilter(s, f, "_anonymous_"));
      fs.push_back(std::move(filter));
    }
    return Make(std::move(t), std::move(fs));
  } catch (const std::exception&) {
    return InvalidArgument("failed to parse the analysis settings: a number was expected");
  }
}

const Analyzer* AnalyzerRegistry::Find(std::string_view name) const {
  auto it = analyzers_.find(name);
  if (it != analyzers_.end()) return it->second.get();
  // Every OpenSearch index has an analyzer named "default" (standard unless
  // index.analysis declares one), so mappings may name it.
  if (name == "default") return &Default();
  return nullptr;
}

const Analyzer& AnalyzerRegistry::Default() const {
  if (auto it = analyzers_.find("default"); it != analyzers_.end()) return *it->second;
  return *analyzers_.find("standard")->second;
}

}  // namespace sluice::text
