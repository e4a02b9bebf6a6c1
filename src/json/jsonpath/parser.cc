#include "json/jsonpath/parser.h"

#include <simdjson.h>

#include <string>
#include <utility>

#include "json/jsonpath/cursor.h"

namespace sluice::json::jsonpath::internal {
namespace {

using ExprPtr = std::unique_ptr<FilterExpr>;
using util::Result;
using util::Status;

// The type a function returns (RFC 9535 section 2.4.1).
enum class FnType { kValue, kLogical };

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsNameFirst(char c) { return IsAlpha(c) || c == '_' || static_cast<unsigned char>(c) >= 0x80; }

bool IsSingular(const Query& q) {
  for (const Segment& seg : q.segments) {
    if (seg.descendant || seg.selectors.size() != 1) return false;
    SelectorKind k = seg.selectors[0].kind;
    if (k != SelectorKind::kName && k != SelectorKind::kIndex) return false;
  }
  return true;
}

void FillSingularSteps(Query* q) {
  q->singular = IsSingular(*q);
  if (!q->singular) return;
  for (const Segment& seg : q->segments) {
    const Selector& sel = seg.selectors[0];
    q->steps.push_back(SingularStep{sel.kind == SelectorKind::kName, sel.name, sel.index});
  }
}

class Parser : private Cursor {
 public:
  explicit Parser(std::string_view text) : Cursor(text) {}

  Result<std::unique_ptr<Query>> Parse() {
    if (!simdjson::validate_utf8(text_.data(), text_.size())) {
      return util::InvalidArgument("invalid JSONPath: the query is not valid UTF-8");
    }
    auto query = std::make_unique<Query>();
    if (Peek() != '$') return Expected("'$' at the start of the query");
    ++pos_;
    SLUICE_RETURN_IF_ERROR(ParseSegments(query.get()));
    if (!AtEnd()) return Expected("'.', '[' or the end of the query");
    FillSingularSteps(query.get());
    return query;
  }

 private:
  Status Enter() {
    if (++depth_ > kMaxNestingDepth) {
      return ErrorAt(pos_, "nesting deeper than " + std::to_string(kMaxNestingDepth) + " levels");
    }
    return Status::Ok();
  }
  void Leave() { --depth_; }

  // segments = *(S segment); leaves pos_ before any trailing blanks.
  Status ParseSegments(Query* q) {
    while (true) {
      size_t save = pos_;
      SkipBlank();
      if (Peek() == '[') {
        SLUICE_RETURN_IF_ERROR(ParseBracketed(&q->segments.emplace_back()));
      } else if (Peek() == '.' && Peek(1) == '.') {
        pos_ += 2;
        Segment& seg = q->segments.emplace_back();
        seg.descendant = true;
        if (Peek() == '[') {
          SLUICE_RETURN_IF_ERROR(ParseBracketed(&seg));
        } else {
          SLUICE_RETURN_IF_ERROR(ParseDotSelector(&seg, "'[', '*' or a member name after '..'"));
        }
      } else if (Peek() == '.') {
        ++pos_;
        SLUICE_RETURN_IF_ERROR(
            ParseDotSelector(&q->segments.emplace_back(), "'*' or a member name after '.'"));
      } else {
        pos_ = save;
        return Status::Ok();
      }
      if (q->segments.size() > kMaxSegments) {
        return ErrorAt(save, "more than " + std::to_string(kMaxSegments) + " segments");
      }
    }
  }

  Status ParseDotSelector(Segment* seg, std::string_view expected) {
    Selector& sel = seg->selectors.emplace_back();
    if (Peek() == '*') {
      ++pos_;
      sel.kind = SelectorKind::kWildcard;
      return Status::Ok();
    }
    if (!IsNameFirst(Peek())) return Expected(expected);
    size_t start = pos_;
    while (!AtEnd() && (IsNameFirst(Peek()) || IsDigit(Peek()))) ++pos_;
    sel.kind = SelectorKind::kName;
    sel.name = std::string(text_.substr(start, pos_ - start));
    return Status::Ok();
  }

  Status ParseBracketed(Segment* seg) {
    SLUICE_RETURN_IF_ERROR(Enter());
    ++pos_;  // '['
    SkipBlank();
    SLUICE_RETURN_IF_ERROR(ParseSelector(&seg->selectors.emplace_back()));
    while (true) {
      SkipBlank();
      if (Peek() == ']') break;
      if (Peek() != ',') return Expected("',' or ']' after a selector");
      ++pos_;
      SkipBlank();
      SLUICE_RETURN_IF_ERROR(ParseSelector(&seg->selectors.emplace_back()));
    }
    ++pos_;
    Leave();
    return Status::Ok();
  }

  Status ParseSelector(Selector* sel) {
    char c = Peek();
    if (c == '\'' || c == '"') {
      sel->kind = SelectorKind::kName;
      return ParseString(&sel->name);
    }
    if (c == '*') {
      ++pos_;
      sel->kind = SelectorKind::kWildcard;
      return Status::Ok();
    }
    if (c == '?') {
      ++pos_;
      SkipBlank();
      sel->kind = SelectorKind::kFilter;
      SLUICE_ASSIGN_OR_RETURN(ExprPtr expr, ParseOr());
      SLUICE_ASSIGN_OR_RETURN(sel->filter, RequireLogical(std::move(expr)));
      return Status::Ok();
    }
    if (c == '-' || IsDigit(c) || c == ':') return ParseIndexOrSlice(sel);
    return Expected("a selector (name, index, slice, '*' or '?')");
  }

  Status ParseIndexOrSlice(Selector* sel) {
    std::optional<int64_t> start;
    if (Peek() != ':') {
      int64_t value = 0;
      SLUICE_RETURN_IF_ERROR(ParseInt(&value));
      size_t save = pos_;
      SkipBlank();
      if (Peek() != ':') {
        pos_ = save;
        sel->kind = SelectorKind::kIndex;
        sel->index = value;
        return Status::Ok();
      }
      start = value;
    }
    ++pos_;  // ':'
    sel->kind = SelectorKind::kSlice;
    sel->slice.start = start;
    SkipBlank();
    if (Peek() == '-' || IsDigit(Peek())) {
      int64_t end = 0;
      SLUICE_RETURN_IF_ERROR(ParseInt(&end));
      sel->slice.end = end;
      SkipBlank();
    }
    if (Peek() == ':') {
      ++pos_;
      SkipBlank();
      if (Peek() == '-' || IsDigit(Peek())) {
        SLUICE_RETURN_IF_ERROR(ParseInt(&sel->slice.step));
      }
    }
    return Status::Ok();
  }

  // ---- Filter expressions ----

  Result<ExprPtr> ParseOr() {
    SLUICE_ASSIGN_OR_RETURN(ExprPtr first, ParseAnd());
    return ParseChain(std::move(first), "||", ExprKind::kOr);
  }

  Result<ExprPtr> ParseAnd() {
    SLUICE_ASSIGN_OR_RETURN(ExprPtr first, ParseBasic());
    return ParseChain(std::move(first), "&&", ExprKind::kAnd);
  }

  // first *(S op S operand); operands become logical once an operator is seen.
  Result<ExprPtr> ParseChain(ExprPtr first, std::string_view op, ExprKind kind) {
    size_t save = pos_;
    SkipBlank();
    if (!Consume(op)) {
      pos_ = save;
      return first;
    }
    auto node = std::make_unique<FilterExpr>();
    node->kind = kind;
    SLUICE_ASSIGN_OR_RETURN(ExprPtr lhs, RequireLogical(std::move(first)));
    node->children.push_back(std::move(lhs));
    while (true) {
      SkipBlank();
      SLUICE_ASSIGN_OR_RETURN(ExprPtr operand, kind == ExprKind::kOr ? ParseAnd() : ParseBasic());
      SLUICE_ASSIGN_OR_RETURN(operand, RequireLogical(std::move(operand)));
      node->children.push_back(std::move(operand));
      save = pos_;
      SkipBlank();
      if (!Consume(op)) {
        pos_ = save;
        return node;
      }
    }
  }

  // A basic-expr. Returns a bare literal/query/function (not yet checked to be
  // logical) when no comparison follows, so that function arguments can use it.
  Result<ExprPtr> ParseBasic() {
    SLUICE_RETURN_IF_ERROR(Enter());
    Result<ExprPtr> result = ParseBasicInner();
    Leave();
    return result;
  }

  Result<ExprPtr> ParseBasicInner() {
    if (Peek() == '!') {
      ++pos_;
      SkipBlank();
      auto node = std::make_unique<FilterExpr>();
      node->kind = ExprKind::kNot;
      ExprPtr operand;
      if (Peek() == '(') {
        SLUICE_ASSIGN_OR_RETURN(operand, ParseParen());
      } else {
        size_t at = pos_;
        if (Peek() != '@' && Peek() != '$' && !(Peek() >= 'a' && Peek() <= 'z')) {
          return Expected("'(', a filter query or a function after '!'");
        }
        SLUICE_ASSIGN_OR_RETURN(operand, ParsePrimary());
        if (operand->kind == ExprKind::kLiteral) {
          return ErrorAt(at, "'!' cannot be applied to a literal");
        }
        SLUICE_ASSIGN_OR_RETURN(operand, RequireLogical(std::move(operand)));
      }
      node->children.push_back(std::move(operand));
      return node;
    }
    if (Peek() == '(') return ParseParen();

    size_t left_pos = pos_;
    SLUICE_ASSIGN_OR_RETURN(ExprPtr left, ParsePrimary());
    size_t save = pos_;
    SkipBlank();
    std::optional<CompareOp> op = ParseCompareOp();
    if (!op) {
      pos_ = save;
      return left;
    }
    SkipBlank();
    size_t right_pos = pos_;
    SLUICE_ASSIGN_OR_RETURN(ExprPtr right, ParsePrimary());
    SLUICE_RETURN_IF_ERROR(CheckComparable(*left, left_pos));
    SLUICE_RETURN_IF_ERROR(CheckComparable(*right, right_pos));
    auto node = std::make_unique<FilterExpr>();
    node->kind = ExprKind::kCompare;
    node->op = *op;
    node->children.push_back(std::move(left));
    node->children.push_back(std::move(right));
    return node;
  }

  Result<ExprPtr> ParseParen() {
    ++pos_;  // '('
    SkipBlank();
    SLUICE_ASSIGN_OR_RETURN(ExprPtr inner, ParseOr());
    SLUICE_ASSIGN_OR_RETURN(inner, RequireLogical(std::move(inner)));
    SkipBlank();
    if (Peek() != ')') return Expected("')' or a logical operator");
    ++pos_;
    return inner;
  }

  std::optional<CompareOp> ParseCompareOp() {
    if (Consume("==")) return CompareOp::kEq;
    if (Consume("!=")) return CompareOp::kNe;
    if (Consume("<=")) return CompareOp::kLe;
    if (Consume(">=")) return CompareOp::kGe;
    if (Consume("<")) return CompareOp::kLt;
    if (Consume(">")) return CompareOp::kGt;
    return std::nullopt;
  }

  // literal / filter-query / function-expr.
  Result<ExprPtr> ParsePrimary() {
    char c = Peek();
    auto node = std::make_unique<FilterExpr>();
    node->pos = pos_;
    if (c == '@' || c == '$') {
      ++pos_;
      node->kind = ExprKind::kQuery;
      node->query.relative = (c == '@');
      SLUICE_RETURN_IF_ERROR(ParseSegments(&node->query));
      FillSingularSteps(&node->query);
      return node;
    }
    if (c == '\'' || c == '"') {
      node->kind = ExprKind::kLiteral;
      node->literal.kind = Literal::Kind::kString;
      SLUICE_RETURN_IF_ERROR(ParseString(&node->literal.string));
      return node;
    }
    if (c == '-' || IsDigit(c)) {
      node->kind = ExprKind::kLiteral;
      SLUICE_RETURN_IF_ERROR(ParseNumber(&node->literal));
      return node;
    }
    if (c >= 'a' && c <= 'z') {
      size_t start = pos_;
      while (!AtEnd() && ((Peek() >= 'a' && Peek() <= 'z') || IsDigit(Peek()) || Peek() == '_')) {
        ++pos_;
      }
      std::string_view word = text_.substr(start, pos_ - start);
      if (Peek() == '(') return ParseFunction(word, start);
      node->kind = ExprKind::kLiteral;
      if (word == "true") {
        node->literal.kind = Literal::Kind::kTrue;
      } else if (word == "false") {
        node->literal.kind = Literal::Kind::kFalse;
      } else if (word == "null") {
        node->literal.kind = Literal::Kind::kNull;
      } else {
        pos_ = start;
        return Expected("a literal, a filter query or a function call");
      }
      return node;
    }
    return Expected("a literal, a filter query, a function call, '!' or '('");
  }

  Result<ExprPtr> ParseFunction(std::string_view name, size_t name_pos) {
    auto node = std::make_unique<FilterExpr>();
    node->kind = ExprKind::kFunction;
    node->pos = name_pos;
    if (name == "length") {
      node->function = FunctionId::kLength;
    } else if (name == "count") {
      node->function = FunctionId::kCount;
    } else if (name == "match") {
      node->function = FunctionId::kMatch;
    } else if (name == "search") {
      node->function = FunctionId::kSearch;
    } else if (name == "value") {
      node->function = FunctionId::kValue;
    } else {
      return ErrorAt(name_pos, "unknown function '" + std::string(name) +
                                   "' (expected length, count, match, search or value)");
    }
    SLUICE_RETURN_IF_ERROR(Enter());
    ++pos_;  // '('
    SkipBlank();
    std::vector<size_t> arg_pos;
    if (Peek() != ')') {
      while (true) {
        arg_pos.push_back(pos_);
        SLUICE_ASSIGN_OR_RETURN(ExprPtr arg, ParseOr());
        node->children.push_back(std::move(arg));
        SkipBlank();
        if (Peek() == ')') break;
        if (Peek() != ',') return Expected("',' or ')' in the arguments of " + std::string(name));
        ++pos_;
        SkipBlank();
      }
    }
    ++pos_;  // ')'
    Leave();
    SLUICE_RETURN_IF_ERROR(CheckArguments(*node, name, name_pos, arg_pos));
    if ((node->function == FunctionId::kMatch || node->function == FunctionId::kSearch) &&
        node->children[1]->kind == ExprKind::kLiteral &&
        node->children[1]->literal.kind == Literal::Kind::kString) {
      node->pattern_is_literal = true;
      node->regex = Regex::Compile(node->children[1]->literal.string);
    }
    return node;
  }

  Status CheckArguments(const FilterExpr& fn, std::string_view name, size_t name_pos,
                        const std::vector<size_t>& arg_pos) {
    size_t want = (fn.function == FunctionId::kMatch || fn.function == FunctionId::kSearch) ? 2 : 1;
    if (fn.children.size() != want) {
      return ErrorAt(name_pos, std::string(name) + "() takes " + std::to_string(want) +
                                   (want == 1 ? " argument" : " arguments") + ", not " +
                                   std::to_string(fn.children.size()));
    }
    bool nodes_param = fn.function == FunctionId::kCount || fn.function == FunctionId::kValue;
    for (size_t i = 0; i < want; ++i) {
      const FilterExpr& arg = *fn.children[i];
      if (nodes_param) {
        if (arg.kind != ExprKind::kQuery) {
          return ErrorAt(arg_pos[i], std::string(name) + "() expects a filter query argument");
        }
      } else {
        SLUICE_RETURN_IF_ERROR(CheckComparable(arg, arg_pos[i]));
      }
    }
    return Status::Ok();
  }

  // ValueType positions: a literal, a singular query or a function returning a value.
  Status CheckComparable(const FilterExpr& e, size_t at) const {
    switch (e.kind) {
      case ExprKind::kLiteral:
        return Status::Ok();
      case ExprKind::kQuery:
        if (!e.query.singular)
          return ErrorAt(at, "expected a singular query (names and indexes only)");
        return Status::Ok();
      case ExprKind::kFunction:
        if (ReturnType(e) != FnType::kValue) {
          return ErrorAt(at, "a function returning a logical value cannot be compared");
        }
        return Status::Ok();
      default:
        return ErrorAt(at, "expected a value (literal, singular query or function)");
    }
  }

  static FnType ReturnType(const FilterExpr& fn) {
    return (fn.function == FunctionId::kMatch || fn.function == FunctionId::kSearch)
               ? FnType::kLogical
               : FnType::kValue;
  }

  // Turns a bare operand into a logical expression: queries become existence
  // tests; literals and value-returning functions are type errors.
  Result<ExprPtr> RequireLogical(ExprPtr e) {
    switch (e->kind) {
      case ExprKind::kQuery: {
        e->kind = ExprKind::kExists;
        return e;
      }
      case ExprKind::kLiteral:
        return ErrorAt(e->pos, "a literal is not a logical expression (compare it to something)");
      case ExprKind::kFunction:
        if (ReturnType(*e) == FnType::kValue) {
          return ErrorAt(e->pos,
                         "a function returning a value is not a logical expression "
                         "(compare its result)");
        }
        return e;
      default:
        return e;
    }
  }

  int depth_ = 0;
};

}  // namespace

Result<std::unique_ptr<Query>> ParseQuery(std::string_view text) { return Parser(text).Parse(); }

}  // namespace sluice::json::jsonpath::internal
