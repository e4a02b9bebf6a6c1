#include "search/rescore.h"

#include <algorithm>

#include "search/query_parser.h"
#include "search/search_errors.h"

namespace sluice::search {
namespace {

using util::ParsingError;

util::Result<float> Weight(const rapidjson::Value& v, const char* name) {
  if (!v.IsNumber()) return ParsingError(std::string("[query] ") + name + " must be a number");
  return static_cast<float>(v.GetDouble());
}

// QueryRescorerBuilder's "query" object.
util::Status ParseQueryRescorer(const rapidjson::Value& v, Rescorer& r) {
  if (!v.IsObject()) return ParsingError("[query] expected an object");
  for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    const auto& f = it->value;
    if (key == "rescore_query") {
      SLUICE_ASSIGN_OR_RETURN(auto q, ParseQuery(f));
      r.query = std::move(q);
    } else if (key == "query_weight") {
      SLUICE_ASSIGN_OR_RETURN(r.query_weight, Weight(f, "query_weight"));
    } else if (key == "rescore_query_weight") {
      SLUICE_ASSIGN_OR_RETURN(r.rescore_query_weight, Weight(f, "rescore_query_weight"));
    } else if (key == "score_mode") {
      std::string m = f.IsString() ? f.GetString() : "";
      if (m == "total")
        r.mode = Rescorer::Mode::kTotal;
      else if (m == "multiply")
        r.mode = Rescorer::Mode::kMultiply;
      else if (m == "avg")
        r.mode = Rescorer::Mode::kAvg;
      else if (m == "max")
        r.mode = Rescorer::Mode::kMax;
      else if (m == "min")
        r.mode = Rescorer::Mode::kMin;
      else
        return util::InvalidArgument("illegal score_mode [" + m + "]");
    } else {
      return ParsingError("[query] unknown field [" + key + "]");
    }
  }
  if (!r.query) return ParsingError("[query] rescore_query cannot be null");
  return util::Status::Ok();
}

util::Result<Rescorer> ParseOne(const rapidjson::Value& v) {
  if (!v.IsObject()) return ParsingError("rescore must be an object or an array of objects");
  Rescorer r;
  bool has_rescorer = false;
  for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    const auto& f = it->value;
    if (f.IsObject()) {
      if (key != "query") return ParsingError("unknown rescorer [" + key + "]");
      SLUICE_RETURN_IF_ERROR(ParseQueryRescorer(f, r));
      has_rescorer = true;
    } else if (key == "window_size") {
      if (!f.IsInt()) return ParsingError("[window_size] must be an integer");
      r.window_size = f.GetInt();
    } else {
      return ParsingError("rescore doesn't support [" + key + "]");
    }
  }
  if (!has_rescorer) return ParsingError("missing rescore type");
  return r;
}

float Combine(Rescorer::Mode mode, float primary, float secondary) {
  switch (mode) {
    case Rescorer::Mode::kTotal:
      return primary + secondary;
    case Rescorer::Mode::kMultiply:
      return primary * secondary;
    case Rescorer::Mode::kAvg:
      return (primary + secondary) / 2;
    case Rescorer::Mode::kMax:
      return std::max(primary, secondary);
    case Rescorer::Mode::kMin:
      return std::min(primary, secondary);
  }
  return primary + secondary;
}

int MaxRescoreWindow(const index::Index& index) {
  const auto& flat = index.settings().flat();
  if (auto it = flat.find("index.max_rescore_window"); it != flat.end()) {
    try {
      return std::stoi(it->second);
    } catch (...) {
    }
  }
  return index.settings().max_result_window();
}

}  // namespace

util::Result<std::vector<Rescorer>> ParseRescore(const rapidjson::Value& v) {
  std::vector<Rescorer> out;
  if (v.IsArray()) {
    for (const auto& e : v.GetArray()) {
      SLUICE_ASSIGN_OR_RETURN(Rescorer r, ParseOne(e));
      out.push_back(std::move(r));
    }
  } else {
    SLUICE_ASSIGN_OR_RETURN(Rescorer r, ParseOne(v));
    out.push_back(std::move(r));
  }
  return out;
}

util::Result<DocList> RescoreQuery::Execute(const index::Index& index) const {
  const int max_window = MaxRescoreWindow(index);
  for (const auto& r : rescorers_) {
    if (r.window_size > max_window) {
      return ShardIllegalArgument(
          index, "Rescore window [" + std::to_string(r.window_size) +
                     "] is too large. It must be less than [" + std::to_string(max_window) +
                     "]. This prevents allocating massive heaps for storing the results to be "
                     "rescored. This limit can be set by changing the [index.max_rescore_window] "
                     "index level setting.");
    }
  }
  SLUICE_ASSIGN_OR_RETURN(DocList docs, query_->Execute(index));
  for (const auto& r : rescorers_) {
    // The window: the best window_size documents, in the order hits take.
    std::vector<size_t> order(docs.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    const size_t window = std::min(order.size(), static_cast<size_t>(std::max(r.window_size, 0)));
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(window),
                      order.end(), [&](size_t a, size_t b) {
                        if (docs[a].score != docs[b].score) return docs[a].score > docs[b].score;
                        return docs[a].doc < docs[b].doc;
                      });
    std::vector<bool> in_window(docs.size(), false);
    for (size_t i = 0; i < window; ++i) in_window[order[i]] = true;
    SLUICE_ASSIGN_OR_RETURN(DocList second, r.query->Execute(index));
    size_t s = 0;
    for (size_t i = 0; i < docs.size(); ++i) {
      const float primary = docs[i].score * r.query_weight;
      while (s < second.size() && second[s].doc < docs[i].doc) ++s;
      const bool matched = in_window[i] && s < second.size() && second[s].doc == docs[i].doc;
      docs[i].score =
          matched ? Combine(r.mode, primary, second[s].score * r.rescore_query_weight) : primary;
    }
  }
  return docs;
}

}  // namespace sluice::search
