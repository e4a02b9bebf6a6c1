// Suggest: the "suggest" section of a search request (OpenSearch's
// SuggestBuilder) and its execution over the searched indices.
//
// Two suggesters are implemented as OpenSearch 2.19 answers them on one shard:
//  - term: each token of the analyzed text is looked up in the field's term
//    dictionary and corrected as Lucene's DirectSpellChecker does (Damerau
//    edit distance up to max_edits, prefix_length exact leading characters,
//    the "internal" similarity 1 - edits / min(len), suggest_mode);
//  - completion: the inputs of a completion field whose analyzed form starts
//    with the analyzed prefix (optionally within fuzzy edits), one option per
//    document, ranked by weight.
// `phrase` is refused with a 400 naming it. ParseSuggest validates the whole
// section (OpenSearch's parsing errors); RunSuggest is called with the read
// locks of every index held and returns the response's "suggest" object.
#pragma once

#include <rapidjson/document.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "index/index.h"
#include "search/source_filter.h"
#include "util/result.h"

namespace sluice::search {

// DirectSpellcheckerSettings' options and defaults.
struct TermSuggestOptions {
  enum class Mode { kMissing, kPopular, kAlways };
  Mode suggest_mode = Mode::kMissing;
  float accuracy = 0.5f;
  bool sort_by_frequency = false;  // sort: score (default) or frequency
  int max_edits = 2;
  int max_inspections = 5;
  float max_term_freq = 0.01f;
  int prefix_length = 1;
  int min_word_length = 4;
  float min_doc_freq = 0;
};

// CompletionSuggestionBuilder's options.
struct CompletionSuggestOptions {
  bool skip_duplicates = false;
  struct Fuzzy {
    int fuzziness = -1;  // edits; -1: AUTO (0 up to 2 characters, 1 up to 5, else 2)
    bool transpositions = true;
    int min_length = 3;
    int prefix_length = 1;
  };
  std::optional<Fuzzy> fuzzy;
};

struct Suggestion {
  enum class Type { kTerm, kCompletion };
  std::string name;
  Type type = Type::kTerm;
  std::string text;  // its text, prefix or the global text (the entry's "text")
  std::string field;
  std::string analyzer;  // "" = the field's search analyzer
  int size = 5;
  std::optional<int> shard_size;  // null: max(size, 5)
  TermSuggestOptions term;
  CompletionSuggestOptions completion;
};

struct SuggestSpec {
  std::vector<Suggestion> suggestions;  // in request order
};

// Parses the value of "suggest" (an object of named suggestions plus an
// optional global "text").
util::Result<SuggestSpec> ParseSuggest(const rapidjson::Value& value);

// Runs every suggestion over the indices (their ReadGuards held by the
// caller) and returns the "suggest" object as JSON. `source` filters the
// _source of completion options; typed_keys prefixes names with the type.
util::Result<std::string> RunSuggest(const SuggestSpec& spec,
                                     const std::vector<std::shared_ptr<index::Index>>& indices,
                                     const SourceFilter& source, bool typed_keys);

}  // namespace sluice::search
