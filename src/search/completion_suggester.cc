// The completion suggester over the in-memory values of a completion field.
//
// An input is compared in its analyzed form: the tokens of the field's
// analyzer (the "simple" analyzer unless the mapping names one) joined by a
// separator, as CompletionFieldMapper indexes it with preserve_separators.
// A document is suggested once, with its best input (highest weight); the
// options are ordered by score (the weight; with fuzzy, the weight times the
// characters shared with the prefix), then analyzed form, then document order.
//
// Cost: every live document's inputs are analyzed at each suggestion (no FST);
// fine for the indices sluice serves on one node, linear in their size.
#include <algorithm>
#include <set>

#include "search/suggesters.h"
#include "text/analyzer.h"
#include "text/analyzer_registry.h"

namespace sluice::search {
namespace {

using index::FieldType;
using util::Status;

constexpr char32_t kSeparator = 0x1F;  // CompletionAnalyzer.SEP_LABEL

std::u32string AnalyzedForm(const text::Analyzer& analyzer, std::string_view text) {
  std::u32string out;
  bool first = true;
  for (const auto& t : analyzer.Analyze(text)) {
    if (!first) out.push_back(kSeparator);
    first = false;
    out += CodePoints(t.term);
  }
  return out;
}

const text::Analyzer* Named(const index::Index& index, const std::string& name) {
  return index.analyzers().Find(name.empty() ? "simple" : name);
}

struct Match {
  size_t index_pos = 0;
  index::DocNo doc = 0;
  float score = 0;
  std::u32string form;
  std::string text;
};

// The score of input `form` for prefix `query`, or a negative number when it does not match.
float Score(const std::u32string& query, const std::u32string& form, double weight,
            const std::optional<CompletionSuggestOptions::Fuzzy>& fuzzy) {
  const auto w = static_cast<float>(weight);
  if (form.compare(0, query.size(), query) == 0 && form.size() >= query.size()) {
    if (!fuzzy) return w;
  } else if (!fuzzy) {
    return -1;
  }
  int edits = fuzzy->fuzziness;
  if (edits < 0) edits = query.size() < 3 ? 0 : query.size() < 6 ? 1 : 2;
  if (static_cast<int>(query.size()) < fuzzy->min_length) edits = 0;
  const size_t head = std::min<size_t>(fuzzy->prefix_length, query.size());
  if (form.compare(0, head, query, 0, head) != 0 || form.size() < head) return -1;
  if (EditDistance(query, form, fuzzy->transpositions, /*prefix_of_b=*/true) > edits) return -1;
  // FuzzyCompletionQuery boosts by the characters the input shares with the prefix.
  size_t shared = 0;
  while (shared < query.size() && shared < form.size() && query[shared] == form[shared]) ++shared;
  const auto boost = static_cast<float>(shared);
  if (boost == 0) return w;
  if (w == 0) return boost;
  return w * boost;
}

}  // namespace

util::Status WriteCompletionEntries(const Suggestion& s,
                                    const std::vector<std::shared_ptr<index::Index>>& indices,
                                    const SourceFilter& source, json::JsonWriter& w) {
  std::vector<Match> matches;
  bool mapped = false;
  for (size_t pos = 0; pos < indices.size(); ++pos) {
    const index::Index& index = *indices[pos];
    const index::FieldMapping* f = index.mapping().Find(s.field);
    if (f == nullptr || f->type != FieldType::kCompletion) continue;
    mapped = true;
    const text::Analyzer* index_analyzer = Named(index, f->analyzer);
    const std::string& search_name =
        !s.analyzer.empty() ? s.analyzer
                            : (!f->search_analyzer.empty() ? f->search_analyzer : f->analyzer);
    const text::Analyzer* search_analyzer = Named(index, search_name);
    if (search_analyzer == nullptr) {
      return util::InvalidArgument("analyzer [" + search_name + "] doesn't exists");
    }
    if (index_analyzer == nullptr) index_analyzer = search_analyzer;
    const std::u32string query = AnalyzedForm(*search_analyzer, s.text);
    auto field_id = index.FieldId(s.field);
    if (!field_id) continue;
    for (index::DocNo doc = 0; doc < index.max_doc(); ++doc) {
      if (!index.live(doc)) continue;
      std::optional<Match> best;
      for (const auto& v : index.values(doc)) {
        if (v.field != *field_id) continue;
        std::u32string form = AnalyzedForm(*index_analyzer, v.text);
        float score = Score(query, form, v.number, s.completion.fuzzy);
        if (score < 0) continue;
        if (!best || score > best->score || (score == best->score && form < best->form)) {
          best = Match{pos, doc, score, std::move(form), v.text};
        }
      }
      if (best) matches.push_back(std::move(*best));
    }
  }
  if (!mapped && !indices.empty()) {
    return util::InvalidArgument("Field [" + s.field + "] is not a completion suggest field");
  }
  std::stable_sort(matches.begin(), matches.end(), [](const Match& a, const Match& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.form != b.form) return a.form < b.form;
    if (a.index_pos != b.index_pos) return a.index_pos < b.index_pos;
    return a.doc < b.doc;
  });
  w.StartArray().StartObject().Key("text").String(s.text).Key("offset").Int(0);
  w.Key("length").Int(text::Utf16Length(s.text)).Key("options").StartArray();
  std::set<std::string> seen;  // skip_duplicates: one option per text
  size_t shown = 0;
  for (const auto& m : matches) {
    if (shown >= static_cast<size_t>(s.size)) break;
    if (s.completion.skip_duplicates && !seen.insert(m.text).second) continue;
    const index::Index& index = *indices[m.index_pos];
    SLUICE_ASSIGN_OR_RETURN(auto stored, index.Load(m.doc));
    if (!stored) continue;
    w.StartObject().Key("text").String(m.text).Key("_index").String(index.name());
    w.Key("_id").String(stored->id).Key("_score").Float(m.score);
    if (source.fetch) w.Key("_source").Raw(source.Apply(stored->source));
    w.EndObject();
    ++shown;
  }
  w.EndArray().EndObject().EndArray();
  return Status::Ok();
}

}  // namespace sluice::search
