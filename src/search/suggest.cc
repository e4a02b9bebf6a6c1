// RunSuggest: one member of the "suggest" object per suggestion, in request
// order, each an array of entries (Suggest#toXContent).
#include "search/suggest.h"

#include "json/json_writer.h"
#include "search/suggesters.h"

namespace sluice::search {

util::Result<std::string> RunSuggest(const SuggestSpec& spec,
                                     const std::vector<std::shared_ptr<index::Index>>& indices,
                                     const SourceFilter& source, bool typed_keys) {
  json::JsonWriter w;
  w.StartObject();
  for (const auto& s : spec.suggestions) {
    const bool term = s.type == Suggestion::Type::kTerm;
    w.Key(typed_keys ? std::string(term ? "term#" : "completion#") + s.name : s.name);
    if (term) {
      SLUICE_RETURN_IF_ERROR(WriteTermEntries(s, indices, w));
    } else {
      SLUICE_RETURN_IF_ERROR(WriteCompletionEntries(s, indices, source, w));
    }
  }
  w.EndObject();
  return w.Take();
}

}  // namespace sluice::search
