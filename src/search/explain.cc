#include "search/explain.h"

#include "search/hybrid_query.h"

namespace sluice::search {

void WriteExplanation(const Explanation& e, json::JsonWriter& w) {
  w.StartObject().Key("value").Float(e.value).Key("description").String(e.description);
  w.Key("details").StartArray();
  for (const auto& d : e.details) WriteExplanation(d, w);
  w.EndArray().EndObject();
}

util::Result<std::optional<Explanation>> ExplainDoc(const Query& query, const index::Index& index,
                                                    index::DocNo doc) {
  if (dynamic_cast<const HybridQuery*>(&query) != nullptr) {
    return util::InvalidArgument("[explain] of a [hybrid] query is not supported by sluice");
  }
  return query.Explain(index, doc);
}

}  // namespace sluice::search
