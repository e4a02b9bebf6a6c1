// AnalyzerRegistry: the analyzers an index can name — OpenSearch's built-ins
// (standard, simple, whitespace, keyword, stop, english) and the custom ones
// declared in its settings under index.analysis.
//
// Settings come flat as IndexSettings keeps them, arrays joined by commas:
//   index.analysis.analyzer.<name>.type       custom | standard | stop | english | ...
//   index.analysis.analyzer.<name>.tokenizer  standard | whitespace | keyword | letter | <custom>
//   index.analysis.analyzer.<name>.filter     lowercase,asciifolding,stop,...
//   index.analysis.analyzer.<name>.stopwords  _english_ | _none_ | word,word (standard/stop)
//   index.analysis.filter.<name>.type         lowercase | asciifolding | stop | stemmer |
//                                             snowball | length | porter_stem
//   index.analysis.tokenizer.<name>.type      standard | whitespace | keyword | letter
// An analyzer named "default" replaces standard as the index's default.
// Errors are illegal_argument_exceptions with OpenSearch's messages.
//
// Immutable after FromSettings; safe to share between threads.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "text/analyzer.h"
#include "util/result.h"

namespace sluice::text {

class AnalyzerRegistry {
 public:
  // Built-in analyzers only.
  AnalyzerRegistry();
  static util::Result<std::shared_ptr<const AnalyzerRegistry>> FromSettings(
      const std::map<std::string, std::string>& flat_settings);

  // An analyzer from a tokenizer and filters named as a custom analyzer
  // names them (built-in names or those of the settings' index.analysis),
  // for _analyze requests that give them instead of an analyzer.
  static util::Result<std::unique_ptr<Analyzer>> Custom(
      const std::map<std::string, std::string>& flat_settings, const std::string& tokenizer,
      const std::vector<std::string>& filters);

  // The analyzer of that name, or nullptr; "default" is always found (Default()).
  const Analyzer* Find(std::string_view name) const;
  // "default" when declared, else standard.
  const Analyzer& Default() const;

 private:
  static util::Result<std::shared_ptr<const AnalyzerRegistry>> Build(
      const std::map<std::string, std::string>& flat_settings);
  std::map<std::string, std::shared_ptr<const Analyzer>, std::less<>> analyzers_;
};

// A built-in analyzer by name, or nullptr (the registry above owns its own copies).
std::unique_ptr<Analyzer> NewBuiltinAnalyzer(std::string_view name);

}  // namespace sluice::text
