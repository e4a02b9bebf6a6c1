#include "search/function_score.h"

#include <algorithm>
#include <cmath>

#include "search/search_errors.h"

namespace sluice::search {
namespace {

// FieldValueFactorFunction.Modifier.apply.
double Modify(const std::string& m, double v) {
  if (m == "log") return std::log10(v);
  if (m == "log1p") return std::log10(v + 1);
  if (m == "log2p") return std::log10(v + 2);
  if (m == "ln") return std::log(v);
  if (m == "ln1p") return std::log1p(v);
  if (m == "ln2p") return std::log(v + 2);
  if (m == "square") return v * v;
  if (m == "sqrt") return std::sqrt(v);
  if (m == "reciprocal") return 1.0 / v;
  return v;
}

// One document's function score, or an error (missing value without
// `missing`, a modifier giving a non-finite score).
util::Result<double> Apply(const index::Index& index, const ScoreFunction& f, index::DocNo doc,
                           std::optional<uint32_t> field_id) {
  double score = 1.0;
  if (!f.field.empty()) {
    std::optional<double> value;
    if (field_id) {
      for (const auto& v : index.values(doc)) {
        if (v.field == *field_id && v.kind != index::IndexedValue::Kind::kString) {
          value = v.number;
          break;
        }
      }
    }
    if (!value) value = f.missing;
    if (!value) {
      return ShardError(index, "Missing value for field [" + f.field + "]");
    }
    score = Modify(f.modifier, *value * static_cast<double>(f.factor));
    if (!std::isfinite(score)) {
      return ShardError(index, "field value function score computed [" + std::to_string(score) +
                                   "] for field [" + f.field + "], which is not a valid score");
    }
  }
  if (f.weight) score *= *f.weight;
  return score;
}

}  // namespace

util::Result<DocList> FunctionScoreQuery::Execute(const index::Index& index) const {
  SLUICE_ASSIGN_OR_RETURN(DocList docs, query->Execute(index));
  // Each function's filter, as a sorted doc list (nullptr: everything).
  std::vector<std::optional<DocList>> filters;
  std::vector<std::optional<uint32_t>> field_ids;
  for (const auto& f : functions) {
    std::optional<DocList> matched;
    if (f.filter) {
      SLUICE_ASSIGN_OR_RETURN(DocList m, f.filter->Execute(index));
      matched = std::move(m);
    }
    filters.push_back(std::move(matched));
    field_ids.push_back(f.field.empty() ? std::nullopt : index.FieldId(f.field));
  }
  auto in_filter = [&](size_t i, index::DocNo doc) {
    if (!filters[i]) return true;
    return std::binary_search(filters[i]->begin(), filters[i]->end(), ScoredDoc{doc, 0},
                              [](const ScoredDoc& a, const ScoredDoc& b) { return a.doc < b.doc; });
  };
  DocList out;
  for (const auto& d : docs) {
    double factor = 1.0;
    bool single = functions.size() == 1 && !functions[0].filter;
    if (single) {
      SLUICE_ASSIGN_OR_RETURN(factor, Apply(index, functions[0], d.doc, field_ids[0]));
    } else if (!functions.empty()) {
      double total = score_mode == "multiply" ? 1.0 : 0.0, weights = 0;
      bool any = false;
      for (size_t i = 0; i < functions.size(); ++i) {
        if (!in_filter(i, d.doc)) continue;
        SLUICE_ASSIGN_OR_RETURN(double s, Apply(index, functions[i], d.doc, field_ids[i]));
        if (score_mode == "first") {
          total = s;
          any = true;
          break;
        }
        if (score_mode == "multiply")
          total *= s;
        else if (score_mode == "sum")
          total += s;
        else if (score_mode == "avg")
          total += s, weights += functions[i].weight.value_or(1.0f);
        else if (score_mode == "max")
          total = any ? std::max(total, s) : s;
        else if (score_mode == "min")
          total = any ? std::min(total, s) : s;
        any = true;
      }
      if (any) factor = score_mode == "avg" ? total / weights : total;
    }
    factor = std::min(factor, static_cast<double>(max_boost));
    double q = d.score, score;
    if (boost_mode == "replace")
      score = factor;
    else if (boost_mode == "sum")
      score = q + factor;
    else if (boost_mode == "avg")
      score = (q + factor) / 2.0;
    else if (boost_mode == "max")
      score = std::max(q, factor);
    else if (boost_mode == "min")
      score = std::min(q, factor);
    else
      score = q * factor;
    float final_score = static_cast<float>(score);
    if (min_score && final_score < *min_score) continue;
    out.push_back({d.doc, final_score * boost});
  }
  return out;
}

}  // namespace sluice::search
