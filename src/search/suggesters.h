// Internal to search/: the suggesters behind RunSuggest (search/suggest.h)
// and the string distance they share, exposed for unit tests.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "index/index.h"
#include "json/json_writer.h"
#include "search/intervals_query.h"  // EditDistance
#include "search/source_filter.h"
#include "search/suggest.h"
#include "util/result.h"

namespace sluice::search {

// The code points of UTF-8 text (invalid bytes are taken one by one).
std::u32string CodePoints(std::string_view utf8);

// One term suggester entry option, as DirectSpellChecker's SuggestWord.
struct TermOption {
  std::string text;
  float score = 0;
  int64_t freq = 0;
};

// The corrections of one analyzed term in one index (ReadGuard held), best
// first, at most shard_size; empty when the term needs none.
util::Result<std::vector<TermOption>> SuggestTerm(const index::Index& index,
                                                  const std::string& field,
                                                  const std::string& term,
                                                  const TermSuggestOptions& options,
                                                  int shard_size);

// Sorts options by the term suggester's order (score or frequency first).
void SortTermOptions(std::vector<TermOption>& options, bool by_frequency);

// Writes the entries array of a term / completion suggestion over the indices.
util::Status WriteTermEntries(const Suggestion& s,
                              const std::vector<std::shared_ptr<index::Index>>& indices,
                              json::JsonWriter& w);
util::Status WriteCompletionEntries(const Suggestion& s,
                                    const std::vector<std::shared_ptr<index::Index>>& indices,
                                    const SourceFilter& source, json::JsonWriter& w);

}  // namespace sluice::search
