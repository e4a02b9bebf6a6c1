#include "search/query_string.h"

#include <cctype>

#include "search/queries.h"
#include "search/text_queries.h"

namespace sluice::search {
namespace {

using QueryPtr = std::unique_ptr<Query>;
using util::Result;

enum class Occur { kMust, kShould, kMustNot };

struct Clause {
  Occur occur;
  QueryPtr query;
};

// A term, phrase or prefix for the default fields or one named field.
struct Leaf {
  std::string field;  // "" = the default fields
  std::string text;
  bool phrase = false;
  bool prefix = false;
  float boost = 1.0f;
};

QueryPtr FieldLeaf(const Leaf& leaf, const std::string& field, float field_boost,
                   const QueryStringOptions& o) {
  float boost = leaf.boost * field_boost;
  if (leaf.phrase) {
    auto q = std::make_unique<MatchPhraseQuery>();
    q->field = field;
    q->text = leaf.text;
    q->slop = o.phrase_slop;
    q->analyzer = o.analyzer;
    q->boost = boost;
    return q;
  }
  if (leaf.prefix) {
    std::string lower;
    for (char c : leaf.text)
      lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    return std::make_unique<PrefixQuery>(field, lower, boost);
  }
  auto q = std::make_unique<MatchQuery>();
  q->field = field;
  q->text = leaf.text;
  q->require_all = o.default_and;
  q->analyzer = o.analyzer;
  q->boost = boost;
  return q;
}

QueryPtr BuildLeaf(const Leaf& leaf, const QueryStringOptions& o) {
  if (!leaf.field.empty()) return FieldLeaf(leaf, leaf.field, 1.0f, o);
  if (o.fields.size() == 1) return FieldLeaf(leaf, o.fields[0].first, o.fields[0].second, o);
  auto d = std::make_unique<DisMaxQuery>();
  d->tie_breaker = o.simple ? 1.0f : 0.0f;
  for (const auto& [field, boost] : o.fields)
    d->queries.push_back(FieldLeaf(leaf, field, boost, o));
  return d;
}

QueryPtr ToBool(std::vector<Clause> clauses) {
  auto b = std::make_unique<BoolQuery>();
  for (auto& c : clauses) {
    (c.occur == Occur::kMust     ? b->must
     : c.occur == Occur::kShould ? b->should
                                 : b->must_not)
        .push_back(std::move(c.query));
  }
  return b;
}

class Parser {
 public:
  Parser(std::string_view s, const QueryStringOptions& o) : s_(s), o_(o) {}

  Result<QueryPtr> Parse() {
    SLUICE_ASSIGN_OR_RETURN(QueryPtr q, o_.simple ? Simple() : Classic());
    SkipSpace();
    // simple_query_string never fails: a stray ")" ends the query.
    if (pos_ < s_.size() && !o_.simple)
      return Error("Encountered \" \")\" \") \"\" at column " + std::to_string(pos_));
    if (!q) return QueryPtr(std::make_unique<MatchNoneQuery>());
    return q;
  }

 private:
  util::Status Error(const std::string& detail) const {
    return util::ParsingError("Failed to parse query [" + std::string(s_) + "]: " + detail);
  }
  void SkipSpace() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool Keyword(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    size_t end = pos_ + word.size();
    if (end < s_.size() && !std::isspace(static_cast<unsigned char>(s_[end])) && s_[end] != '(') {
      return false;
    }
    pos_ = end;
    return true;
  }
  static bool Special(char c, bool simple) {
    return simple ? (c == '"' || c == '(' || c == ')' || c == '|' || c == '+')
                  : (c == '"' || c == '(' || c == ')' || c == ':' || c == '^' || c == '~');
  }
  // A bare word (backslash escapes the next character).
  std::string Word() {
    std::string w;
    while (pos_ < s_.size() && !std::isspace(static_cast<unsigned char>(s_[pos_])) &&
           !Special(s_[pos_], o_.simple)) {
      if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) ++pos_;
      w.push_back(s_[pos_++]);
    }
    return w;
  }
  Result<std::string> Phrase() {
    ++pos_;  // opening quote
    std::string p;
    while (pos_ < s_.size() && s_[pos_] != '"') {
      if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) ++pos_;
      p.push_back(s_[pos_++]);
    }
    if (pos_ >= s_.size()) {
      if (o_.simple) return p;  // simple_query_string never fails
      return Error("Lexical error: unterminated quoted string");
    }
    ++pos_;
    return p;
  }
  void Boost(Leaf& leaf) {
    if (pos_ < s_.size() && s_[pos_] == '^') {
      ++pos_;
      size_t start = pos_;
      while (pos_ < s_.size() &&
             (std::isdigit(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '.'))
        ++pos_;
      try {
        leaf.boost = std::stof(std::string(s_.substr(start, pos_ - start)));
      } catch (...) {
      }
    }
  }

  // Lucene's classic grammar: (conjunction? modifier? clause)*.
  Result<QueryPtr> Classic() {
    std::vector<Clause> clauses;
    for (;;) {
      SkipSpace();
      if (pos_ >= s_.size() || s_[pos_] == ')') break;
      enum { kNone, kAnd, kOr } conj = kNone;
      if (Keyword("AND") || Keyword("&&"))
        conj = kAnd;
      else if (Keyword("OR") || Keyword("||"))
        conj = kOr;
      SkipSpace();
      enum { kNoMod, kReq, kNot } mods = kNoMod;
      if (pos_ < s_.size() && s_[pos_] == '+')
        ++pos_, mods = kReq;
      else if (pos_ < s_.size() && (s_[pos_] == '-' || s_[pos_] == '!'))
        ++pos_, mods = kNot;
      else if (Keyword("NOT"))
        mods = kNot;
      SkipSpace();
      SLUICE_ASSIGN_OR_RETURN(QueryPtr q, ClassicClause());
      // QueryParserBase.addClause.
      if (!clauses.empty() && conj == kAnd && clauses.back().occur != Occur::kMustNot) {
        clauses.back().occur = Occur::kMust;
      }
      if (!clauses.empty() && o_.default_and && conj == kOr &&
          clauses.back().occur != Occur::kMustNot) {
        clauses.back().occur = Occur::kShould;
      }
      if (!q) continue;
      bool prohibited = mods == kNot, required;
      if (!o_.default_and) {
        required = mods == kReq || (conj == kAnd && !prohibited);
      } else {
        required = !prohibited && conj != kOr;
      }
      Occur occur = prohibited ? Occur::kMustNot : required ? Occur::kMust : Occur::kShould;
      clauses.push_back({occur, std::move(q)});
    }
    if (clauses.empty()) return QueryPtr();
    if (clauses.size() == 1 && clauses[0].occur != Occur::kMustNot)
      return std::move(clauses[0].query);
    return ToBool(std::move(clauses));
  }

  Result<QueryPtr> ClassicClause() {
    Leaf leaf;
    size_t mark = pos_;
    std::string word = pos_ < s_.size() && s_[pos_] != '"' && s_[pos_] != '(' ? Word() : "";
    if (pos_ < s_.size() && s_[pos_] == ':' && !word.empty()) {
      ++pos_;
      leaf.field = word;
      word.clear();
    } else {
      pos_ = mark;
    }
    if (pos_ < s_.size() && s_[pos_] == '(') {
      ++pos_;
      QueryStringOptions inner = o_;
      if (!leaf.field.empty()) inner.fields = {{leaf.field, 1.0f}};
      Parser sub(s_, inner);
      sub.pos_ = pos_;
      SLUICE_ASSIGN_OR_RETURN(QueryPtr q, sub.Classic());
      pos_ = sub.pos_;
      if (pos_ >= s_.size() || s_[pos_] != ')')
        return Error("Encountered \"<EOF>\": expected \")\"");
      ++pos_;
      Leaf b;
      Boost(b);
      if (q && b.boost != 1.0f) {
        auto wrapped = std::make_unique<BoolQuery>();
        wrapped->must.push_back(std::move(q));
        wrapped->boost = b.boost;
        q = std::move(wrapped);
      }
      return q;
    }
    if (pos_ < s_.size() && s_[pos_] == '"') {
      SLUICE_ASSIGN_OR_RETURN(leaf.text, Phrase());
      leaf.phrase = true;
    } else {
      leaf.text = Word();
      if (leaf.text.empty())
        return Error("Encountered \"" + std::string(s_.substr(pos_, 1)) + "\"");
      if (leaf.text.size() > 1 && leaf.text.back() == '*' &&
          leaf.text.find_first_of("*?") == leaf.text.size() - 1) {
        leaf.text.pop_back();
        leaf.prefix = true;
      } else if (leaf.text == "*" && !leaf.field.empty()) {
        return QueryPtr(std::make_unique<ExistsQuery>(leaf.field, 1.0f));
      } else if (leaf.text.find_first_of("*?") != std::string::npos) {
        return util::Status(util::InvalidArgument(
            "query_string wildcards other than a trailing * are not supported by sluice"));
      }
    }
    if (pos_ < s_.size() && s_[pos_] == '~') {
      return util::Status(util::InvalidArgument(
          "query_string fuzzy and proximity operators (~) are not supported by sluice"));
    }
    Boost(leaf);
    return BuildLeaf(leaf, o_);
  }

  // SimpleQueryParser.buildQueryTree.
  Result<QueryPtr> Simple() {
    QueryPtr top;
    // kMustNot stands for "none yet": the simple syntax combines with must or should only.
    Occur previous = Occur::kMustNot, current = Occur::kMustNot;
    auto add = [&](QueryPtr branch, bool negated) {
      if (negated) {
        auto nq = std::make_unique<BoolQuery>();
        nq->must_not.push_back(std::move(branch));
        nq->should.push_back(std::make_unique<MatchAllQuery>(1.0f));
        branch = std::move(nq);
      }
      if (!top) {
        top = std::move(branch);
      } else {
        Occur op = current != Occur::kMustNot ? current
                   : o_.default_and           ? Occur::kMust
                                              : Occur::kShould;
        if (previous != op) {
          std::vector<Clause> cs;
          cs.push_back({op, std::move(top)});
          cs.push_back({op, std::move(branch)});
          top = ToBool(std::move(cs));
        } else {
          auto* b = static_cast<BoolQuery*>(top.get());
          (op == Occur::kMust ? b->must : b->should).push_back(std::move(branch));
        }
        previous = op;
      }
      current = Occur::kMustNot;
    };
    for (;;) {
      SkipSpace();
      if (pos_ >= s_.size() || s_[pos_] == ')') break;
      char c = s_[pos_];
      if (c == '+') {
        ++pos_;
        current = Occur::kMust;
        continue;
      }
      if (c == '|') {
        ++pos_;
        current = Occur::kShould;
        continue;
      }
      int nots = 0;
      while (pos_ < s_.size() && s_[pos_] == '-') ++pos_, ++nots;
      if (pos_ >= s_.size()) break;
      QueryPtr branch;
      if (s_[pos_] == '(') {
        ++pos_;
        Parser sub(s_, o_);
        sub.pos_ = pos_;
        SLUICE_ASSIGN_OR_RETURN(branch, sub.Simple());
        pos_ = sub.pos_;
        if (pos_ < s_.size() && s_[pos_] == ')') ++pos_;
      } else {
        Leaf leaf;
        if (s_[pos_] == '"') {
          SLUICE_ASSIGN_OR_RETURN(leaf.text, Phrase());
          leaf.phrase = true;
        } else {
          leaf.text = Word();
          if (leaf.text.empty()) {
            ++pos_;
            continue;
          }
          if (leaf.text.size() > 1 && leaf.text.back() == '*') {
            leaf.text.pop_back();
            leaf.prefix = true;
          }
        }
        branch = BuildLeaf(leaf, o_);
      }
      if (branch) add(std::move(branch), nots % 2 == 1);
    }
    return top;
  }

  std::string_view s_;
  const QueryStringOptions& o_;
  size_t pos_ = 0;
};

}  // namespace

util::Result<DocList> QueryStringQuery::Execute(const index::Index& index) const {
  QueryStringOptions o = options;
  if (o.fields.empty()) {
    // index.query.default_field "*": every text field of the mapping.
    for (const auto& [path, field] : index.mapping().fields()) {
      if (index::IsTextual(field.type) && field.index) o.fields.emplace_back(path, 1.0f);
    }
    if (o.fields.empty()) return DocList();
  }
  SLUICE_ASSIGN_OR_RETURN(QueryPtr q, ParseQueryString(text, o));
  return q->Execute(index);
}

void QueryStringQuery::CollectHighlightTerms(const index::Index& index, HighlightTerms& out) const {
  QueryStringOptions o = options;
  if (o.fields.empty()) {
    for (const auto& [path, field] : index.mapping().fields()) {
      if (index::IsTextual(field.type) && field.index) o.fields.emplace_back(path, 1.0f);
    }
  }
  auto q = ParseQueryString(text, o);
  if (q.ok()) (*q)->CollectHighlightTerms(index, out);
}

Result<QueryPtr> ParseQueryString(std::string_view query, const QueryStringOptions& options) {
  Parser parser(query, options);
  SLUICE_ASSIGN_OR_RETURN(QueryPtr q, parser.Parse());
  if (options.boost != 1.0f) {
    auto b = std::make_unique<BoolQuery>();
    b->must.push_back(std::move(q));
    b->boost = options.boost;
    return QueryPtr(std::move(b));
  }
  return q;
}

Result<QueryPtr> UriQuery(std::string_view q, std::string_view df,
                          std::string_view default_operator) {
  auto out = std::make_unique<QueryStringQuery>();
  out->text = std::string(q);
  if (!df.empty()) out->options.fields = {{std::string(df), 1.0f}};
  std::string op(default_operator);
  for (auto& c : op) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!op.empty() && op != "and" && op != "or") {
    return util::InvalidArgument("Unsupported defaultOperator [" + std::string(default_operator) +
                                 "], can only be [OR] or [AND]");
  }
  out->options.default_and = op == "and";
  QueryStringOptions check = out->options;
  if (check.fields.empty()) check.fields = {{"_", 1.0f}};
  SLUICE_RETURN_IF_ERROR(ParseQueryString(out->text, check).status());
  return QueryPtr(std::move(out));
}

}  // namespace sluice::search
