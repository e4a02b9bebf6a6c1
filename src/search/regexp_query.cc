#include "search/regexp_query.h"

#include <re2/re2.h>

#include <algorithm>

#include "search/lucene_regexp.h"
#include "search/search_errors.h"
#include "text/inverted_index.h"

namespace sluice::search {
namespace {

using index::Index;

// The pattern's length as Java counts it (UTF-16 code units).
size_t JavaLength(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) n += (c >= 0xF0) ? 2 : 1;
  }
  return n;
}

int SettingInt(const Index& index, const std::string& key, int fallback) {
  const auto& flat = index.settings().flat();
  auto it = flat.find(key);
  if (it == flat.end()) return fallback;
  try {
    return std::stoi(it->second);
  } catch (...) {
    return fallback;
  }
}

}  // namespace

util::Result<DocList> RegexpQuery::Execute(const Index& index) const {
  const int max_length = SettingInt(index, "index.max_regex_length", 1000);
  if (JavaLength(pattern) > static_cast<size_t>(max_length)) {
    return ShardError(
        index, "The length of regex [" + std::to_string(JavaLength(pattern)) +
                   "] used in the Regexp Query request has exceeded the allowed maximum of [" +
                   std::to_string(max_length) +
                   "]. This maximum can be set by changing the [index.max_regex_length] index "
                   "level setting.");
  }
  const index::FieldMapping* mapped = index.mapping().Find(field);
  if (mapped == nullptr) return DocList();
  const bool text = index::IsTextual(mapped->type);
  if (!text && mapped->type != index::FieldType::kKeyword) {
    return ShardError(index, "Can only use regexp queries on keyword and text fields - not on [" +
                                 field + "] which is of type [" +
                                 std::string(index::FieldTypeName(mapped->type)) + "]");
  }
  auto translated = LuceneRegexpToRe2(pattern, flags);
  if (!translated.ok()) return ShardError(index, translated.status().reason());
  RE2::Options options;
  options.set_log_errors(false);
  options.set_case_sensitive(!case_insensitive);
  RE2 re(*translated, options);
  if (re.error_code() == RE2::ErrorPatternTooLarge) {
    return ShardError(index, "Determinizing automaton would result in more than " +
                                 std::to_string(max_determinized_states) + " states.");
  }
  if (!re.ok())
    return ShardError(index, "invalid regular expression [" + pattern + "]: " + re.error());
  if (text) {
    const text::InvertedIndex& ti = index.text_index();
    SLUICE_ASSIGN_OR_RETURN(auto terms, ti.TermsWithPrefix(field, "", SIZE_MAX));
    std::vector<index::DocNo> docs;
    for (const auto& t : terms) {
      if (!RE2::FullMatch(t, re)) continue;
      auto c = ti.Postings(field, t, false);
      for (; c->Valid(); c->Next()) {
        index::DocNo d = c->posting().doc;
        if (d < index.max_doc() && index.live(d)) docs.push_back(d);
      }
      SLUICE_RETURN_IF_ERROR(c->status());
    }
    std::sort(docs.begin(), docs.end());
    docs.erase(std::unique(docs.begin(), docs.end()), docs.end());
    DocList out;
    for (auto d : docs) out.push_back({d, boost});
    return out;
  }
  auto id = index.FieldId(field);
  if (!id) return DocList();
  DocList out;
  for (index::DocNo doc = 0; doc < index.max_doc(); ++doc) {
    if (!index.live(doc)) continue;
    for (const auto& v : index.values(doc)) {
      if (v.field == *id && v.kind == index::IndexedValue::Kind::kString &&
          RE2::FullMatch(v.text, re)) {
        out.push_back({doc, boost});
        break;
      }
    }
  }
  return out;
}

}  // namespace sluice::search
