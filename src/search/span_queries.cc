#include "search/span_queries.h"

#include <re2/re2.h>

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "json/value_text.h"
#include "search/lucene_regexp.h"
#include "search/query_parser.h"
#include "search/search_errors.h"
#include "text/bm25.h"
#include "text/inverted_index.h"

namespace sluice::search {
namespace {

using index::DocNo;
using index::Index;
using util::ParsingError;
using util::Result;

struct Span {
  int32_t start = 0, end = 0, width = 0;
  bool operator<(const Span& o) const {
    return start != o.start ? start < o.start : end != o.end ? end < o.end : width < o.width;
  }
};
using SpanList = std::vector<Span>;  // by start, then end

// The positions of every term the tree reads, loaded once per execution.
class SpanContext {
 public:
  // The terms a pattern source expanded to (sources stay immutable).
  // scoring: the terms count in the idf (not those of span_not's exclude).
  void SetExpansion(const void* source, std::vector<std::string> terms, bool scoring) {
    for (const auto& t : terms) {
      terms_.insert(t);
      if (scoring) scoring_terms_.insert(t);
    }
    expansions_[source] = std::move(terms);
  }
  const std::vector<std::string>& Expansion(const void* source) const {
    return expansions_.at(source);
  }
  util::Status Load(const Index& index, const std::string& field) {
    for (const auto& t : terms_) {
      auto c = index.text_index().Postings(field, t, true);
      for (; c->Valid(); c->Next()) {
        const DocNo d = c->posting().doc;
        if (d >= index.max_doc() || !index.live(d)) continue;
        positions_[t][d] = c->positions();
        norms_[d] = c->posting().norm;
      }
      SLUICE_RETURN_IF_ERROR(c->status());
    }
    return util::Status::Ok();
  }
  const std::vector<int32_t>* Positions(const std::string& term, DocNo doc) const {
    auto t = positions_.find(term);
    if (t == positions_.end()) return nullptr;
    auto d = t->second.find(doc);
    return d == t->second.end() ? nullptr : &d->second;
  }
  const std::set<std::string>& scoring_terms() const { return scoring_terms_; }
  const std::map<DocNo, uint8_t>& norms() const { return norms_; }  // candidates, ascending

 private:
  std::set<std::string> terms_, scoring_terms_;
  std::map<const void*, std::vector<std::string>> expansions_;
  std::unordered_map<std::string, std::unordered_map<DocNo, std::vector<int32_t>>> positions_;
  std::map<DocNo, uint8_t> norms_;
};

class SpanSource {
 public:
  virtual ~SpanSource() = default;
  virtual const std::string& field() const = 0;
  // Expands patterns and registers the terms to load.
  virtual util::Status Prepare(const Index& index, SpanContext& ctx, bool scoring) const = 0;
  virtual SpanList Spans(DocNo doc, const SpanContext& ctx) const = 0;
};
using SourcePtr = std::unique_ptr<SpanSource>;

// span_term, and span_multi once its pattern is expanded: the union of terms.
class TermsSpan : public SpanSource {
 public:
  enum class Kind { kTerm, kPrefix, kWildcard, kRegexp };
  TermsSpan(std::string field, std::string text, Kind kind)
      : field_(std::move(field)), text_(std::move(text)), kind_(kind) {}
  const std::string& field() const override { return field_; }
  util::Status Prepare(const Index& index, SpanContext& ctx, bool scoring) const override {
    std::vector<std::string> terms;
    if (kind_ == Kind::kTerm) {
      terms.push_back(text_);
    } else {
      // Lucene's SpanBooleanQueryRewrite: every matching term, at most 1024.
      std::string prefix = kind_ == Kind::kPrefix     ? text_
                           : kind_ == Kind::kWildcard ? LiteralPrefixOfWildcard(text_)
                                                      : "";
      SLUICE_ASSIGN_OR_RETURN(auto all,
                              index.text_index().TermsWithPrefix(field_, prefix, SIZE_MAX));
      std::unique_ptr<RE2> re;
      if (kind_ != Kind::kPrefix) {
        std::string pattern = WildcardToRe2(text_);
        if (kind_ == Kind::kRegexp) {
          auto r = LuceneRegexpToRe2(text_, kRegexpAll);
          if (!r.ok()) return ShardError(index, r.status().reason());
          pattern = *r;
        }
        RE2::Options options;
        options.set_log_errors(false);
        re = std::make_unique<RE2>(pattern, options);
        if (!re->ok()) return ShardError(index, "invalid pattern [" + text_ + "]: " + re->error());
      }
      for (auto& t : all) {
        if (!re || RE2::FullMatch(t, *re)) terms.push_back(std::move(t));
      }
      if (terms.size() > 1024) return ShardError(index, "maxClauseCount is set to 1024");
    }
    ctx.SetExpansion(this, std::move(terms), scoring);
    return util::Status::Ok();
  }
  SpanList Spans(DocNo doc, const SpanContext& ctx) const override {
    SpanList out;
    for (const auto& t : ctx.Expansion(this)) {
      if (const auto* p = ctx.Positions(t, doc)) {
        for (int32_t pos : *p) out.push_back({pos, pos + 1, 0});
      }
    }
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  std::string field_, text_;
  Kind kind_;
};

// Sources over sub-sources (span_or, span_near, span_first, span_not).
class CompoundSpan : public SpanSource {
 public:
  explicit CompoundSpan(std::vector<SourcePtr> subs) : subs_(std::move(subs)) {}
  const std::string& field() const override { return subs_[0]->field(); }
  util::Status Prepare(const Index& index, SpanContext& ctx, bool scoring) const override {
    for (size_t i = 0; i < subs_.size(); ++i) {
      SLUICE_RETURN_IF_ERROR(subs_[i]->Prepare(index, ctx, scoring && Scores(i)));
    }
    return util::Status::Ok();
  }

 protected:
  // Whether sub-source i's terms count in the idf.
  virtual bool Scores(size_t) const { return true; }
  std::vector<SourcePtr> subs_;
};

class OrSpan : public CompoundSpan {
 public:
  using CompoundSpan::CompoundSpan;
  SpanList Spans(DocNo doc, const SpanContext& ctx) const override {
    SpanList out;
    for (const auto& s : subs_) {
      SpanList l = s->Spans(doc, ctx);
      out.insert(out.end(), l.begin(), l.end());
    }
    std::sort(out.begin(), out.end());
    return out;
  }
};

class NearSpan : public CompoundSpan {
 public:
  NearSpan(std::vector<SourcePtr> subs, int slop, bool in_order)
      : CompoundSpan(std::move(subs)), slop_(slop), in_order_(in_order) {}
  SpanList Spans(DocNo doc, const SpanContext& ctx) const override {
    std::vector<SpanList> lists;
    for (const auto& s : subs_) {
      lists.push_back(s->Spans(doc, ctx));
      if (lists.back().empty()) return {};
    }
    return in_order_ ? Ordered(lists) : Unordered(lists);
  }

 private:
  // NearSpansOrdered: clauses after the first only move forward.
  SpanList Ordered(const std::vector<SpanList>& lists) const {
    SpanList out;
    std::vector<size_t> at(lists.size(), 0);
    for (; at[0] < lists[0].size(); ++at[0]) {
      const Span* prev = &lists[0][at[0]];
      int32_t width = 0;
      bool ok = true;
      for (size_t i = 1; i < lists.size() && ok; ++i) {
        while (at[i] < lists[i].size() && lists[i][at[i]].start < prev->end) ++at[i];
        if (at[i] == lists[i].size()) {
          ok = false;
          break;
        }
        width += lists[i][at[i]].start - prev->end;
        prev = &lists[i][at[i]];
      }
      if (!ok) break;
      if (width <= slop_) out.push_back({lists[0][at[0]].start, prev->end, width});
    }
    return out;
  }
  // NearSpansUnordered: advance the clause whose span starts first.
  SpanList Unordered(const std::vector<SpanList>& lists) const {
    SpanList out;
    std::vector<size_t> at(lists.size(), 0);
    for (;;) {
      size_t min = 0;
      int32_t max_end = INT32_MIN, total = 0;
      for (size_t i = 0; i < lists.size(); ++i) {
        const Span& s = lists[i][at[i]];
        if (s.start < lists[min][at[min]].start ||
            (s.start == lists[min][at[min]].start && s.end < lists[min][at[min]].end)) {
          min = i;
        }
        max_end = std::max(max_end, s.end);
        total += s.end - s.start;
      }
      const int32_t start = lists[min][at[min]].start;
      const int32_t width = max_end - start - total;
      if (width <= slop_) out.push_back({start, max_end, width});
      if (++at[min] == lists[min].size()) break;
    }
    return out;
  }
  int slop_;
  bool in_order_;
};

class FirstSpan : public CompoundSpan {
 public:
  FirstSpan(SourcePtr sub, int end) : CompoundSpan(One(std::move(sub))), end_(end) {}
  SpanList Spans(DocNo doc, const SpanContext& ctx) const override {
    SpanList out = subs_[0]->Spans(doc, ctx);
    std::erase_if(out, [&](const Span& s) { return s.end > end_; });
    return out;
  }
  static std::vector<SourcePtr> One(SourcePtr s) {
    std::vector<SourcePtr> v;
    v.push_back(std::move(s));
    return v;
  }

 private:
  int end_;
};

class NotSpan : public CompoundSpan {
 public:
  NotSpan(SourcePtr include, SourcePtr exclude, int pre, int post)
      : CompoundSpan(Two(std::move(include), std::move(exclude))), pre_(pre), post_(post) {}
  SpanList Spans(DocNo doc, const SpanContext& ctx) const override {
    SpanList in = subs_[0]->Spans(doc, ctx);
    const SpanList ex = subs_[1]->Spans(doc, ctx);
    std::erase_if(in, [&](const Span& s) {
      return std::any_of(ex.begin(), ex.end(), [&](const Span& e) {
        return e.start < s.end + post_ && e.end > s.start - pre_;
      });
    });
    return in;
  }
  bool Scores(size_t i) const override { return i == 0; }  // SpanNotWeight: the include's terms
  static std::vector<SourcePtr> Two(SourcePtr a, SourcePtr b) {
    std::vector<SourcePtr> v;
    v.push_back(std::move(a));
    v.push_back(std::move(b));
    return v;
  }

 private:
  int pre_, post_;
};

// The top of a span tree: what Lucene's SpanWeight and SpanScorer compute.
class SpanQuery : public Query {
 public:
  SpanQuery(SourcePtr root, float boost) : root_(std::move(root)), boost_(boost) {}
  util::Result<DocList> Execute(const Index& index) const override {
    const std::string& field = root_->field();
    const index::FieldMapping* mapped = index.mapping().Find(field);
    if (mapped == nullptr) return DocList();
    if (!index::IsTextual(mapped->type)) {
      return ShardError(index, "field [" + field +
                                   "] was indexed without position data; cannot run "
                                   "SpanTermQuery (term=" +
                                   field + ")");
    }
    SpanContext ctx;  // this execution's expansions and positions
    SLUICE_RETURN_IF_ERROR(root_->Prepare(index, ctx, true));
    SLUICE_RETURN_IF_ERROR(ctx.Load(index, field));
    const text::InvertedIndex& ti = index.text_index();
    SLUICE_ASSIGN_OR_RETURN(text::FieldStats stats, ti.Stats(field));
    double idf = 0;
    for (const auto& t : ctx.scoring_terms()) {
      SLUICE_ASSIGN_OR_RETURN(int64_t df, ti.DocFreq(field, t));
      if (df > 0) idf += text::Bm25Idf(df, stats.doc_count);
    }
    text::Bm25Weight weight(static_cast<float>(idf), boost_, stats);
    DocList out;
    for (const auto& [doc, norm] : ctx.norms()) {
      float freq = 0;
      for (const Span& s : root_->Spans(doc, ctx))
        freq += 1.0f / (1.0f + static_cast<float>(s.width));
      if (freq > 0) out.push_back({doc, weight.Score(freq, norm)});
    }
    return out;
  }

 private:
  SourcePtr root_;
  float boost_;
};

Result<float> Boost(const rapidjson::Value& body) {
  if (!body.IsObject() || !body.HasMember("boost")) return 1.0f;
  if (!body["boost"].IsNumber()) return ParsingError("[boost] must be a number");
  return static_cast<float>(body["boost"].GetDouble());
}

Result<SourcePtr> ParseSource(const rapidjson::Value& q, std::string_view parent);

Result<SourcePtr> ParseSpanBody(std::string_view name, const rapidjson::Value& body) {
  if (!body.IsObject()) {
    return ParsingError("[" + std::string(name) +
                        "] query malformed, no start_object after query name");
  }
  auto sub = [&](const char* key, const char* missing) -> Result<SourcePtr> {
    if (!body.HasMember(key)) return ParsingError(missing);
    return ParseSource(body[key], name);
  };
  auto int_of = [&](const char* key, int fallback) -> Result<int> {
    if (!body.HasMember(key)) return fallback;
    if (!body[key].IsInt())
      return ParsingError("[" + std::string(name) + "] " + key + " must be an integer");
    return body[key].GetInt();
  };
  for (auto it = body.MemberBegin(); it != body.MemberEnd(); ++it) {
    static const std::map<std::string_view, std::vector<std::string_view>> kKeys = {
        {"span_near", {"clauses", "slop", "in_order", "boost", "_name"}},
        {"span_or", {"clauses", "boost", "_name"}},
        {"span_first", {"match", "end", "boost", "_name"}},
        {"span_not", {"include", "exclude", "pre", "post", "dist", "boost", "_name"}},
        {"span_multi", {"match", "boost", "_name"}}};
    auto keys = kKeys.find(name);
    if (keys == kKeys.end()) break;
    std::string_view key = it->name.GetString();
    if (std::find(keys->second.begin(), keys->second.end(), key) == keys->second.end()) {
      return ParsingError("[" + std::string(name) + "] query does not support [" +
                          std::string(key) + "]");
    }
  }
  if (name == "span_term") {
    std::string field;
    const rapidjson::Value* value = nullptr;
    for (auto it = body.MemberBegin(); it != body.MemberEnd(); ++it) {
      std::string key = it->name.GetString();
      if (key == "boost" || key == "_name") continue;
      if (value != nullptr) {
        return ParsingError("[span_term] query doesn't support multiple fields, found [" + field +
                            "] and [" + key + "]");
      }
      field = key;
      value = &it->value;
      if (value->IsObject()) {
        value = value->HasMember("value")  ? &(*value)["value"]
                : value->HasMember("term") ? &(*value)["term"]
                                           : nullptr;
      }
    }
    if (value == nullptr || !(value->IsString() || value->IsNumber() || value->IsBool())) {
      return ParsingError("[span_term] query requires a field and a value");
    }
    return SourcePtr(std::make_unique<TermsSpan>(
        field, value->IsString() ? value->GetString() : json::ValueText(*value),
        TermsSpan::Kind::kTerm));
  }
  if (name == "span_multi") {
    if (!body.HasMember("match") || !body["match"].IsObject() || body["match"].MemberCount() != 1) {
      return ParsingError("span_multi must have [match] multi term query clause");
    }
    const auto& m = *body["match"].MemberBegin();
    std::string kind = m.name.GetString();
    TermsSpan::Kind k = kind == "prefix"     ? TermsSpan::Kind::kPrefix
                        : kind == "wildcard" ? TermsSpan::Kind::kWildcard
                        : kind == "regexp"   ? TermsSpan::Kind::kRegexp
                                             : TermsSpan::Kind::kTerm;
    if (k == TermsSpan::Kind::kTerm) {
      if (kind == "fuzzy" || kind == "range") {
        return util::InvalidArgument("[span_multi] over [" + kind + "] is not supported by sluice");
      }
      return ParsingError("[span_multi] [match] must be of type multi term query");
    }
    if (!m.value.IsObject() || m.value.MemberCount() < 1) {
      return ParsingError("[" + kind + "] query malformed, no start_object after query name");
    }
    const auto& f = *m.value.MemberBegin();
    const rapidjson::Value* v = &f.value;
    if (v->IsObject()) v = v->HasMember("value") ? &(*v)["value"] : nullptr;
    if (v == nullptr || !v->IsString())
      return ParsingError("[" + kind + "] query requires a string value");
    return SourcePtr(std::make_unique<TermsSpan>(f.name.GetString(), v->GetString(), k));
  }
  if (name == "span_or" || name == "span_near") {
    if (!body.HasMember("clauses") || !body["clauses"].IsArray() || body["clauses"].Empty()) {
      return ParsingError(std::string(name) + " must include [clauses]");
    }
    std::vector<SourcePtr> subs;
    for (const auto& c : body["clauses"].GetArray()) {
      SLUICE_ASSIGN_OR_RETURN(SourcePtr s, ParseSource(c, name));
      if (!subs.empty() && s->field() != subs[0]->field()) {
        return util::InvalidArgument("Clauses must have same field.");
      }
      subs.push_back(std::move(s));
    }
    if (name == "span_or") return SourcePtr(std::make_unique<OrSpan>(std::move(subs)));
    SLUICE_ASSIGN_OR_RETURN(int slop, int_of("slop", 0));
    bool in_order = true;
    if (body.HasMember("in_order")) {
      if (!body["in_order"].IsBool()) return ParsingError("[span_near] in_order must be a boolean");
      in_order = body["in_order"].GetBool();
    }
    return SourcePtr(std::make_unique<NearSpan>(std::move(subs), slop, in_order));
  }
  if (name == "span_first") {
    SLUICE_ASSIGN_OR_RETURN(SourcePtr s,
                            sub("match", "span_first must have [match] span query clause"));
    if (!body.HasMember("end")) return ParsingError("span_first must have [end] set for it");
    SLUICE_ASSIGN_OR_RETURN(int end, int_of("end", 0));
    return SourcePtr(std::make_unique<FirstSpan>(std::move(s), end));
  }
  if (name == "span_not") {
    SLUICE_ASSIGN_OR_RETURN(SourcePtr in,
                            sub("include", "span_not must have [include] span query clause"));
    SLUICE_ASSIGN_OR_RETURN(SourcePtr ex,
                            sub("exclude", "span_not must have [exclude] span query clause"));
    if (body.HasMember("dist") && (body.HasMember("pre") || body.HasMember("post"))) {
      return ParsingError("span_not can either use [dist] or [pre] & [post] (or none)");
    }
    SLUICE_ASSIGN_OR_RETURN(int dist, int_of("dist", 0));
    SLUICE_ASSIGN_OR_RETURN(int pre, int_of("pre", dist));
    SLUICE_ASSIGN_OR_RETURN(int post, int_of("post", dist));
    if (in->field() != ex->field()) return util::InvalidArgument("Clauses must have same field.");
    return SourcePtr(std::make_unique<NotSpan>(std::move(in), std::move(ex), pre, post));
  }
  return util::InvalidArgument("[" + std::string(name) + "] is not supported by sluice");
}

Result<SourcePtr> ParseSource(const rapidjson::Value& q, std::string_view parent) {
  if (!q.IsObject() || q.MemberCount() != 1 || !IsSpanQuery(q.MemberBegin()->name.GetString())) {
    return ParsingError(std::string(parent) + " [clauses] must be of type span query");
  }
  return ParseSpanBody(q.MemberBegin()->name.GetString(), q.MemberBegin()->value);
}

}  // namespace

bool IsSpanQuery(std::string_view name) {
  return name == "span_term" || name == "span_multi" || name == "span_or" || name == "span_near" ||
         name == "span_first" || name == "span_not" || name == "span_containing" ||
         name == "span_within" || name == "field_masking_span";
}

Result<std::unique_ptr<Query>> ParseSpanQuery(std::string_view name, const rapidjson::Value& body) {
  SLUICE_ASSIGN_OR_RETURN(SourcePtr root, ParseSpanBody(name, body));
  SLUICE_ASSIGN_OR_RETURN(float boost, Boost(body));
  return std::unique_ptr<Query>(std::make_unique<SpanQuery>(std::move(root), boost));
}

}  // namespace sluice::search
