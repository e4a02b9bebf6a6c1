#include "search/highlight.h"

#include <algorithm>
#include <map>
#include <set>

#include "json/json_writer.h"
#include "search/search_errors.h"
#include "text/analyzer.h"
#include "util/wildcard.h"

namespace sluice::search {
namespace {

using util::InvalidArgument;
using util::ParsingError;
using util::Status;

// Keys OpenSearch takes that change nothing for the unified highlighter on one shard.
bool AcceptedWithoutEffect(std::string_view key) {
  static const std::set<std::string_view> kKeys = {
      "fragmenter",   "force_source",    "boundary_chars",         "boundary_max_scan",
      "phrase_limit", "fragment_offset", "boundary_scanner_locale"};
  return kKeys.count(key) > 0;
}

Status ParseOptions(const rapidjson::Value& v, HighlightSpec::Field& f, bool top) {
  for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    const auto& x = it->value;
    auto first_string = [&](std::string* out) -> Status {
      if (x.IsString()) {
        *out = x.GetString();
      } else if (x.IsArray() && x.Size() > 0 && x[0].IsString()) {
        *out = x[0].GetString();  // the unified highlighter uses the first tag
      } else {
        return ParsingError("[highlight] [" + key + "] must be an array of strings");
      }
      return Status::Ok();
    };
    if (key == "pre_tags") {
      SLUICE_RETURN_IF_ERROR(first_string(&f.options.pre_tag));
    } else if (key == "post_tags") {
      SLUICE_RETURN_IF_ERROR(first_string(&f.options.post_tag));
    } else if (key == "fragment_size") {
      if (!x.IsInt()) return ParsingError("[highlight] [fragment_size] must be an integer");
      f.options.fragment_size = x.GetInt();
    } else if (key == "number_of_fragments") {
      if (!x.IsInt() || x.GetInt() < 0) {
        return ParsingError("[highlight] [number_of_fragments] must be a non-negative integer");
      }
      f.options.number_of_fragments = x.GetInt();
    } else if (key == "order") {
      std::string order = x.IsString() ? x.GetString() : "";
      if (order != "score" && order != "none") {
        return InvalidArgument("Unknown order [" + order + "]");
      }
      f.options.order_by_score = order == "score";
    } else if (key == "require_field_match") {
      if (!x.IsBool()) return ParsingError("[highlight] [require_field_match] must be a boolean");
      f.require_field_match = x.GetBool();
    } else if (key == "type") {
      std::string type = x.IsString() ? x.GetString() : "";
      if (type == "fvh") {
        return InvalidArgument("the [fvh] highlighter is not supported by sluice; use [unified]");
      }
      if (type != "unified" && type != "plain") {
        return InvalidArgument("unknown highlighter type [" + type + "] for the field [" +
                               f.pattern + "]");
      }
    } else if (key == "boundary_scanner") {
      if (!x.IsString() || std::string_view(x.GetString()) != "sentence") {
        return InvalidArgument(
            "[highlight] boundary_scanner other than [sentence] is not "
            "supported by sluice");
      }
    } else if (key == "encoder") {
      if (!x.IsString() || std::string_view(x.GetString()) != "default") {
        return InvalidArgument("[highlight] encoder [html] is not supported by sluice");
      }
    } else if (key == "no_match_size") {
      if (!x.IsInt() || x.GetInt() != 0) {
        return InvalidArgument("[highlight] [no_match_size] is not supported by sluice");
      }
    } else if (key == "max_analyzer_offset") {
      if (!x.IsInt() || x.GetInt() <= 0) {
        return InvalidArgument("[max_analyzer_offset] must be a positive integer");
      }
      f.max_analyzer_offset = x.GetInt();
    } else if (AcceptedWithoutEffect(key)) {
      continue;
    } else if (key == "fields" && top) {
      continue;  // read by the caller
    } else {
      return InvalidArgument("[highlight] [" + key + "] is not supported by sluice");
    }
  }
  return Status::Ok();
}

// The values of a path in a _source document, strings only, in document order
// (keys may hold dots themselves: {"a.b": ...} and {"a": {"b": ...}} both count).
void Values(const rapidjson::Value& v, std::string_view path, std::vector<std::string>& out) {
  if (v.IsArray()) {
    for (const auto& e : v.GetArray()) Values(e, path, out);
    return;
  }
  if (path.empty()) {
    if (v.IsString()) out.emplace_back(v.GetString(), v.GetStringLength());
    return;
  }
  if (!v.IsObject()) return;
  auto whole = v.FindMember(rapidjson::StringRef(path.data(), path.size()));
  if (whole != v.MemberEnd()) Values(whole->value, std::string_view(), out);
  for (size_t dot = path.find('.'); dot != std::string_view::npos; dot = path.find('.', dot + 1)) {
    std::string_view head = path.substr(0, dot);
    auto it = v.FindMember(rapidjson::StringRef(head.data(), head.size()));
    if (it != v.MemberEnd()) Values(it->value, path.substr(dot + 1), out);
  }
}

// The matches of the field's terms and phrases among tokens.
std::vector<text::HighlightMatch> Matches(const std::vector<text::Token>& tokens,
                                          const HighlightTerms::Field& field) {
  std::map<std::string, int> ids;
  auto id_of = [&](const std::string& t) { return ids.emplace(t, ids.size()).first->second; };
  std::vector<bool> marked(tokens.size(), false);
  std::set<std::string> terms(field.terms.begin(), field.terms.end());
  for (size_t i = 0; i < tokens.size(); ++i) marked[i] = terms.count(tokens[i].term) > 0;
  if (!field.phrases.empty()) {
    std::map<std::pair<std::string, int>, size_t> at;  // (term, position) → token
    for (size_t i = 0; i < tokens.size(); ++i) at[{tokens[i].term, tokens[i].position}] = i;
    for (const auto& phrase : field.phrases) {
      for (size_t i = 0; i < tokens.size(); ++i) {
        if (tokens[i].term != phrase.terms[0]) continue;
        std::vector<size_t> hit = {i};
        for (size_t k = 1; k < phrase.terms.size() && hit.size() == k; ++k) {
          int want = tokens[i].position + phrase.positions[k] - phrase.positions[0];
          for (int d = 0; d <= phrase.slop && hit.size() == k; ++d) {
            for (int p : {want + d, want - d}) {
              auto it = at.find({phrase.terms[k], p});
              if (it != at.end() && hit.size() == k) hit.push_back(it->second);
            }
          }
        }
        if (hit.size() == phrase.terms.size()) {
          for (size_t t : hit) marked[t] = true;
        }
      }
    }
  }
  std::vector<text::HighlightMatch> out;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (marked[i])
      out.push_back({tokens[i].start_offset, tokens[i].end_offset, id_of(tokens[i].term)});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.start < b.start; });
  return out;
}

int MaxAnalyzedOffset(const index::Index& index) {
  const auto& flat = index.settings().flat();
  auto it = flat.find("index.highlight.max_analyzed_offset");
  if (it == flat.end()) return 1000000;  // OpenSearch's default
  try {
    return std::stoi(it->second);
  } catch (...) {
    return 1000000;
  }
}

}  // namespace

util::Result<HighlightSpec> ParseHighlight(const rapidjson::Value& v) {
  if (!v.IsObject()) return ParsingError("[highlight] must be an object");
  HighlightSpec::Field defaults;
  SLUICE_RETURN_IF_ERROR(ParseOptions(v, defaults, true));
  HighlightSpec spec;
  auto add = [&](const std::string& name, const rapidjson::Value& options) -> Status {
    HighlightSpec::Field f = defaults;
    f.pattern = name;
    if (!options.IsObject())
      return ParsingError("[highlight] field [" + name + "] must be an object");
    SLUICE_RETURN_IF_ERROR(ParseOptions(options, f, false));
    spec.fields.push_back(std::move(f));
    return Status::Ok();
  };
  if (!v.HasMember("fields")) return ParsingError("highlight requires [fields]");
  const auto& fields = v["fields"];
  if (fields.IsObject()) {
    for (auto it = fields.MemberBegin(); it != fields.MemberEnd(); ++it) {
      SLUICE_RETURN_IF_ERROR(add(it->name.GetString(), it->value));
    }
  } else if (fields.IsArray()) {
    for (const auto& f : fields.GetArray()) {
      if (!f.IsObject() || f.MemberCount() != 1) {
        return ParsingError("[highlight] [fields] array elements must hold one field");
      }
      SLUICE_RETURN_IF_ERROR(add(f.MemberBegin()->name.GetString(), f.MemberBegin()->value));
    }
  } else {
    return ParsingError("[highlight] [fields] must be an object or an array");
  }
  return spec;
}

util::Result<std::optional<std::string>> HighlightJson(const index::Index& index,
                                                       std::string_view id, std::string_view source,
                                                       const HighlightSpec& spec,
                                                       const HighlightTerms& terms) {
  rapidjson::Document doc;
  doc.Parse(source.data(), source.size());
  if (doc.HasParseError()) return std::optional<std::string>();
  json::JsonWriter w;
  bool any = false;
  std::set<std::string> done;
  for (const auto& f : spec.fields) {
    std::vector<std::string> names;
    if (f.pattern.find('*') == std::string::npos) {
      names.push_back(f.pattern);
    } else {
      for (const auto& [path, mapping] : index.mapping().fields()) {
        if (util::WildcardMatch(f.pattern, path)) names.push_back(path);
      }
    }
    for (const auto& name : names) {
      const index::FieldMapping* mapping = index.mapping().Find(name);
      if (mapping == nullptr || !index::IsTextual(mapping->type)) continue;
      if (!done.insert(name).second) continue;
      HighlightTerms::Field wanted;
      for (const auto& [field, t] : terms.fields) {
        if (f.require_field_match && field != name) continue;
        wanted.terms.insert(wanted.terms.end(), t.terms.begin(), t.terms.end());
        wanted.phrases.insert(wanted.phrases.end(), t.phrases.begin(), t.phrases.end());
      }
      if (wanted.terms.empty() && wanted.phrases.empty()) continue;
      std::vector<std::string> values;
      Values(doc, name, values);
      if (values.empty()) continue;
      const std::string_view sep =
          f.options.number_of_fragments == 0 ? text::kValueSeparator : text::kParagraphSeparator;
      std::string content;
      std::vector<text::Token> tokens;
      int offset = 0, position = 0;
      const text::Analyzer& analyzer = index.IndexAnalyzer(name);
      for (const auto& value : values) {
        int last = position;
        for (auto t : analyzer.Analyze(value)) {
          t.start_offset += offset;
          t.end_offset += offset;
          t.position += position;
          last = std::max(last, t.position);
          tokens.push_back(std::move(t));
        }
        position = last + 101;  // position_increment_gap 100: no phrase across values
        content += value;
        content += sep;
        offset += text::Utf16Length(value) + 1;
      }
      // sluice analyzes every field again to highlight it (it keeps no offsets), so the
      // index.highlight.max_analyzed_offset limit of fields without offsets applies to all.
      const int length = offset - 1;
      if (f.max_analyzer_offset) {
        std::erase_if(tokens,
                      [&](const text::Token& t) { return t.end_offset > *f.max_analyzer_offset; });
      } else if (length > MaxAnalyzedOffset(index)) {
        return ShardIllegalArgument(
            index, "The length of [" + name + "] field of [" + std::string(id) + "] doc of [" +
                       index.name() + "] index has exceeded [" +
                       std::to_string(MaxAnalyzedOffset(index)) +
                       "] - maximum allowed to be analyzed for highlighting. This maximum can be "
                       "set by changing the [index.highlight.max_analyzed_offset] index level "
                       "setting. For large texts, indexing with offsets or term vectors is "
                       "recommended!");
      }
      auto fragments = text::HighlightPassages(content, Matches(tokens, wanted), f.options);
      if (fragments.empty()) continue;
      if (!any) w.StartObject();
      any = true;
      w.Key(name).StartArray();
      for (const auto& s : fragments) w.String(s);
      w.EndArray();
    }
  }
  if (!any) return std::optional<std::string>();
  w.EndObject();
  return std::optional<std::string>(w.Take());
}

}  // namespace sluice::search
