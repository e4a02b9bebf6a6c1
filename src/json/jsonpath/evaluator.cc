#include "json/jsonpath/evaluator.h"

#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <string_view>

#include "json/jsonpath/normalized_path.h"

namespace sluice::json::jsonpath::internal {
namespace {

using simdjson::SUCCESS;
using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

struct Context {
  element root;
  std::vector<PathStep>* path = nullptr;  // null when paths are not tracked
  int depth = 0;
  int64_t steps_left = kMaxEvaluationSteps;
  // Set when the depth or step limit stops the evaluation; everything unwinds.
  bool too_deep = false;
};

// Counts one level of recursion and one step of work; Exceeded() marks the
// evaluation as failed when either limit is reached.
class DepthGuard {
 public:
  explicit DepthGuard(Context& ctx) : ctx_(ctx) {
    ++ctx_.depth;
    --ctx_.steps_left;
  }
  ~DepthGuard() { --ctx_.depth; }
  bool Exceeded() {
    if (ctx_.depth <= kMaxEvaluationDepth && ctx_.steps_left > 0) return false;
    ctx_.too_deep = true;
    return true;
  }

 private:
  Context& ctx_;
};

// Records a path step for the duration of a scope when paths are tracked.
class PathScope {
 public:
  PathScope(Context& ctx, PathStep step) : path_(ctx.path) {
    if (path_) path_->push_back(step);
  }
  ~PathScope() {
    if (path_) path_->pop_back();
  }

 private:
  std::vector<PathStep>* path_;
};

// Only for elements whose type was checked.
array AsArray(element e) { return e.get_array().value_unsafe(); }
object AsObject(element e) { return e.get_object().value_unsafe(); }

size_t ArraySize(array arr) {
  size_t n = arr.size();
  if (n < 0xFFFFFF) return n;  // simdjson saturates the stored count at 2^24 - 1
  n = 0;
  for ([[maybe_unused]] element e : arr) ++n;
  return n;
}

size_t ObjectSize(object obj) {
  size_t n = obj.size();
  if (n < 0xFFFFFF) return n;
  n = 0;
  for ([[maybe_unused]] auto field : obj) ++n;
  return n;
}

bool EvaluateSteps(const std::vector<SingularStep>& steps, element node, element* out) {
  for (const SingularStep& step : steps) {
    if (step.is_name) {
      object obj;
      if (node.get_object().get(obj) != SUCCESS) return false;
      if (obj.at_key(step.name).get(node) != SUCCESS) return false;
    } else {
      array arr;
      if (node.get_array().get(arr) != SUCCESS) return false;
      int64_t index = step.index;
      if (index < 0) {
        index += static_cast<int64_t>(ArraySize(arr));
        if (index < 0) return false;
      }
      if (arr.at(static_cast<size_t>(index)).get(node) != SUCCESS) return false;
    }
  }
  *out = node;
  return true;
}

// ---- Values of filter expressions ----

struct Value {
  enum class Kind { kNothing, kNull, kBool, kInt, kUint, kDouble, kString, kArray, kObject };
  Kind kind = Kind::kNothing;
  bool b = false;
  int64_t i = 0;
  uint64_t u = 0;
  double d = 0;
  std::string_view s;
  element e;  // kArray, kObject
};

Value FromElement(element e) {
  Value v;
  switch (e.type()) {
    case element_type::ARRAY:
      v.kind = Value::Kind::kArray;
      v.e = e;
      break;
    case element_type::OBJECT:
      v.kind = Value::Kind::kObject;
      v.e = e;
      break;
    case element_type::INT64:
      v.kind = Value::Kind::kInt;
      if (e.get_int64().get(v.i) != SUCCESS) v.kind = Value::Kind::kNothing;
      break;
    case element_type::UINT64:
      v.kind = Value::Kind::kUint;
      if (e.get_uint64().get(v.u) != SUCCESS) v.kind = Value::Kind::kNothing;
      break;
    case element_type::DOUBLE:
      v.kind = Value::Kind::kDouble;
      if (e.get_double().get(v.d) != SUCCESS) v.kind = Value::Kind::kNothing;
      break;
    case element_type::STRING:
      v.kind = Value::Kind::kString;
      if (e.get_string().get(v.s) != SUCCESS) v.kind = Value::Kind::kNothing;
      break;
    case element_type::BOOL:
      v.kind = Value::Kind::kBool;
      if (e.get_bool().get(v.b) != SUCCESS) v.kind = Value::Kind::kNothing;
      break;
    case element_type::NULL_VALUE:
      v.kind = Value::Kind::kNull;
      break;
  }
  return v;
}

Value FromLiteral(const Literal& lit) {
  Value v;
  switch (lit.kind) {
    case Literal::Kind::kNull:
      v.kind = Value::Kind::kNull;
      break;
    case Literal::Kind::kTrue:
      v.kind = Value::Kind::kBool;
      v.b = true;
      break;
    case Literal::Kind::kFalse:
      v.kind = Value::Kind::kBool;
      v.b = false;
      break;
    case Literal::Kind::kInt:
      v.kind = Value::Kind::kInt;
      v.i = lit.int_value;
      break;
    case Literal::Kind::kDouble:
      v.kind = Value::Kind::kDouble;
      v.d = lit.double_value;
      break;
    case Literal::Kind::kString:
      v.kind = Value::Kind::kString;
      v.s = lit.string;
      break;
  }
  return v;
}

bool IsNumber(const Value& v) {
  return v.kind == Value::Kind::kInt || v.kind == Value::Kind::kUint ||
         v.kind == Value::Kind::kDouble;
}

// -1, 0 or 1. Integers compare exactly; anything involving a double compares as doubles.
int CompareNumbers(const Value& a, const Value& b) {
  if (a.kind != Value::Kind::kDouble && b.kind != Value::Kind::kDouble) {
    __int128 x = a.kind == Value::Kind::kInt ? a.i : static_cast<__int128>(a.u);
    __int128 y = b.kind == Value::Kind::kInt ? b.i : static_cast<__int128>(b.u);
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  auto as_double = [](const Value& v) {
    switch (v.kind) {
      case Value::Kind::kInt:
        return static_cast<double>(v.i);
      case Value::Kind::kUint:
        return static_cast<double>(v.u);
      default:
        return v.d;
    }
  };
  double x = as_double(a), y = as_double(b);
  return x < y ? -1 : (x > y ? 1 : 0);
}

bool Equal(const Value& a, const Value& b, Context& ctx);

bool ElementsEqual(element x, element y, Context& ctx) {
  return Equal(FromElement(x), FromElement(y), ctx);
}

bool ArraysEqual(array x, array y, Context& ctx) {
  auto it = y.begin();
  for (element ex : x) {
    if (it == y.end() || !ElementsEqual(ex, *it, ctx)) return false;
    ++it;
  }
  return it == y.end();
}

bool ObjectsEqual(object x, object y, Context& ctx) {
  if (ObjectSize(x) != ObjectSize(y)) return false;
  for (auto field : x) {
    element other;
    if (y.at_key(field.key).get(other) != SUCCESS) return false;
    if (!ElementsEqual(field.value, other, ctx)) return false;
  }
  return true;
}

bool Equal(const Value& a, const Value& b, Context& ctx) {
  if (IsNumber(a) && IsNumber(b)) return CompareNumbers(a, b) == 0;
  if (a.kind != b.kind) return false;
  DepthGuard guard(ctx);
  if (guard.Exceeded()) return false;
  switch (a.kind) {
    case Value::Kind::kNothing:
    case Value::Kind::kNull:
      return true;
    case Value::Kind::kBool:
      return a.b == b.b;
    case Value::Kind::kString:
      return a.s == b.s;
    case Value::Kind::kArray:
      return ArraysEqual(AsArray(a.e), AsArray(b.e), ctx);
    case Value::Kind::kObject:
      return ObjectsEqual(AsObject(a.e), AsObject(b.e), ctx);
    default:
      return false;
  }
}

bool Less(const Value& a, const Value& b) {
  if (IsNumber(a) && IsNumber(b)) return CompareNumbers(a, b) < 0;
  // Byte order of UTF-8 is code point order.
  if (a.kind == Value::Kind::kString && b.kind == Value::Kind::kString) return a.s < b.s;
  return false;
}

bool Compare(CompareOp op, const Value& a, const Value& b, Context& ctx) {
  switch (op) {
    case CompareOp::kEq:
      return Equal(a, b, ctx);
    case CompareOp::kNe:
      return !Equal(a, b, ctx);
    case CompareOp::kLt:
      return Less(a, b);
    case CompareOp::kLe:
      return Less(a, b) || Equal(a, b, ctx);
    case CompareOp::kGt:
      return Less(b, a);
    case CompareOp::kGe:
      return Less(b, a) || Equal(a, b, ctx);
  }
  return false;
}

// ---- Walking segments ----

bool EvalLogical(const FilterExpr& expr, element current, Context& ctx);

template <typename F>
bool SelectSlice(const Slice& slice, array arr, Context& ctx, F& cont) {
  const int64_t len = static_cast<int64_t>(ArraySize(arr));
  const int64_t step = slice.step;
  if (step == 0) return true;
  auto normalize = [len](int64_t i) { return i >= 0 ? i : len + i; };
  if (step > 0) {
    int64_t lower = std::clamp<int64_t>(normalize(slice.start.value_or(0)), 0, len);
    int64_t upper = std::clamp<int64_t>(normalize(slice.end.value_or(len)), 0, len);
    int64_t index = 0;
    for (element child : arr) {
      if (index >= upper) break;
      if (index >= lower && (index - lower) % step == 0) {
        PathScope scope(ctx, PathStep{false, {}, static_cast<size_t>(index)});
        if (!cont(child)) return false;
      }
      ++index;
    }
    return true;
  }
  int64_t upper =
      std::min<int64_t>(std::max<int64_t>(normalize(slice.start.value_or(len - 1)), -1), len - 1);
  int64_t lower =
      std::min<int64_t>(std::max<int64_t>(normalize(slice.end.value_or(-len - 1)), -1), len - 1);
  if (upper <= lower) return true;
  // Backwards steps need random access, which the DOM array lacks: collect the range once.
  std::vector<element> items;
  items.reserve(static_cast<size_t>(upper - lower));
  int64_t index = 0;
  for (element child : arr) {
    if (index > upper) break;
    if (index > lower) items.push_back(child);
    ++index;
  }
  for (int64_t i = upper; i > lower; i += step) {
    PathScope scope(ctx, PathStep{false, {}, static_cast<size_t>(i)});
    if (!cont(items[static_cast<size_t>(i - lower - 1)])) return false;
  }
  return true;
}

template <typename F>
bool Select(const Selector& sel, element node, Context& ctx, F& cont) {
  switch (sel.kind) {
    case SelectorKind::kName: {
      object obj;
      if (node.get_object().get(obj) != SUCCESS) return true;
      for (auto field : obj) {
        if (field.key == sel.name) {
          PathScope scope(ctx, PathStep{true, field.key, 0});
          return cont(field.value);
        }
      }
      return true;
    }
    case SelectorKind::kIndex: {
      array arr;
      if (node.get_array().get(arr) != SUCCESS) return true;
      int64_t index = sel.index;
      if (index < 0) {
        index += static_cast<int64_t>(ArraySize(arr));
        if (index < 0) return true;
      }
      element child;
      if (arr.at(static_cast<size_t>(index)).get(child) != SUCCESS) return true;
      PathScope scope(ctx, PathStep{false, {}, static_cast<size_t>(index)});
      return cont(child);
    }
    case SelectorKind::kSlice: {
      array arr;
      if (node.get_array().get(arr) != SUCCESS) return true;
      return SelectSlice(sel.slice, arr, ctx, cont);
    }
    case SelectorKind::kWildcard:
    case SelectorKind::kFilter: {
      const bool filter = sel.kind == SelectorKind::kFilter;
      if (node.type() == element_type::ARRAY) {
        size_t index = 0;
        for (element child : AsArray(node)) {
          if (!filter || EvalLogical(*sel.filter, child, ctx)) {
            if (ctx.too_deep) return false;
            PathScope scope(ctx, PathStep{false, {}, index});
            if (!cont(child)) return false;
          }
          ++index;
        }
      } else if (node.type() == element_type::OBJECT) {
        for (auto field : AsObject(node)) {
          if (!filter || EvalLogical(*sel.filter, field.value, ctx)) {
            if (ctx.too_deep) return false;
            PathScope scope(ctx, PathStep{true, field.key, 0});
            if (!cont(field.value)) return false;
          }
        }
      }
      return !ctx.too_deep;
    }
  }
  return true;
}

template <typename F>
bool SelectAll(const Segment& seg, element node, Context& ctx, F& cont) {
  for (const Selector& sel : seg.selectors) {
    if (!Select(sel, node, ctx, cont)) return false;
  }
  return true;
}

// The descendant segment: the selectors applied to `node` and then to every
// descendant, in document order.
template <typename F>
bool Descend(const Segment& seg, element node, Context& ctx, F& cont) {
  DepthGuard guard(ctx);
  if (guard.Exceeded()) return false;
  if (!SelectAll(seg, node, ctx, cont)) return false;
  if (node.type() == element_type::ARRAY) {
    size_t index = 0;
    for (element child : AsArray(node)) {
      PathScope scope(ctx, PathStep{false, {}, index++});
      if (!Descend(seg, child, ctx, cont)) return false;
    }
  } else if (node.type() == element_type::OBJECT) {
    for (auto field : AsObject(node)) {
      PathScope scope(ctx, PathStep{true, field.key, 0});
      if (!Descend(seg, field.value, ctx, cont)) return false;
    }
  }
  return true;
}

// Calls emit(node) for every node of the query from segment i on; returns false
// as soon as emit does (or the depth limit is hit).
template <typename F>
bool Walk(const Query& q, size_t i, element node, Context& ctx, F& emit) {
  if (i == q.segments.size()) return emit(node);
  DepthGuard guard(ctx);
  if (guard.Exceeded()) return false;
  const Segment& seg = q.segments[i];
  auto next = [&](element child) { return Walk(q, i + 1, child, ctx, emit); };
  if (seg.descendant) return Descend(seg, node, ctx, next);
  return SelectAll(seg, node, ctx, next);
}

// Runs a filter query without tracking paths, calling emit per node.
template <typename F>
void WalkFilterQuery(const Query& q, element current, Context& ctx, F& emit) {
  std::vector<PathStep>* saved = ctx.path;
  ctx.path = nullptr;
  Walk(q, 0, q.relative ? current : ctx.root, ctx, emit);
  ctx.path = saved;
}

// ---- Filter expressions ----

Value EvalValue(const FilterExpr& expr, element current, Context& ctx) {
  switch (expr.kind) {
    case ExprKind::kLiteral:
      return FromLiteral(expr.literal);
    case ExprKind::kQuery: {
      element found;
      if (!EvaluateSteps(expr.query.steps, expr.query.relative ? current : ctx.root, &found)) {
        return Value();
      }
      return FromElement(found);
    }
    case ExprKind::kFunction:
      break;
    default:
      return Value();
  }
  const FilterExpr& arg = *expr.children[0];
  Value result;
  switch (expr.function) {
    case FunctionId::kLength: {
      Value v = EvalValue(arg, current, ctx);
      result.kind = Value::Kind::kInt;
      if (v.kind == Value::Kind::kString) {
        for (char c : v.s) result.i += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
      } else if (v.kind == Value::Kind::kArray) {
        result.i = static_cast<int64_t>(ArraySize(AsArray(v.e)));
      } else if (v.kind == Value::Kind::kObject) {
        result.i = static_cast<int64_t>(ObjectSize(AsObject(v.e)));
      } else {
        result.kind = Value::Kind::kNothing;
      }
      return result;
    }
    case FunctionId::kCount: {
      int64_t n = 0;
      auto emit = [&n](element) {
        ++n;
        return true;
      };
      WalkFilterQuery(arg.query, current, ctx, emit);
      result.kind = Value::Kind::kInt;
      result.i = n;
      return result;
    }
    case FunctionId::kValue: {
      int n = 0;
      element first;
      auto emit = [&](element e) {
        if (n++ == 0) first = e;
        return n < 2;
      };
      WalkFilterQuery(arg.query, current, ctx, emit);
      return n == 1 ? FromElement(first) : Value();
    }
    default:
      return Value();
  }
}

bool EvalRegex(const FilterExpr& expr, element current, Context& ctx) {
  Value text = EvalValue(*expr.children[0], current, ctx);
  if (text.kind != Value::Kind::kString) return false;
  const bool full = expr.function == FunctionId::kMatch;
  if (expr.pattern_is_literal) {
    if (!expr.regex) return false;
    return full ? expr.regex->FullMatch(text.s) : expr.regex->PartialMatch(text.s);
  }
  Value pattern = EvalValue(*expr.children[1], current, ctx);
  if (pattern.kind != Value::Kind::kString) return false;
  std::unique_ptr<Regex> regex = Regex::Compile(pattern.s);
  if (!regex) return false;
  return full ? regex->FullMatch(text.s) : regex->PartialMatch(text.s);
}

bool EvalLogical(const FilterExpr& expr, element current, Context& ctx) {
  DepthGuard guard(ctx);
  if (guard.Exceeded()) return false;
  switch (expr.kind) {
    case ExprKind::kOr:
      for (const auto& child : expr.children) {
        if (EvalLogical(*child, current, ctx)) return true;
      }
      return false;
    case ExprKind::kAnd:
      for (const auto& child : expr.children) {
        if (!EvalLogical(*child, current, ctx)) return false;
      }
      return true;
    case ExprKind::kNot:
      return !EvalLogical(*expr.children[0], current, ctx);
    case ExprKind::kCompare:
      return Compare(expr.op, EvalValue(*expr.children[0], current, ctx),
                     EvalValue(*expr.children[1], current, ctx), ctx);
    case ExprKind::kExists:
    case ExprKind::kQuery: {
      bool found = false;
      auto emit = [&found](element) {
        found = true;
        return false;
      };
      WalkFilterQuery(expr.query, current, ctx, emit);
      return found;
    }
    case ExprKind::kFunction:
      return EvalRegex(expr, current, ctx);
    case ExprKind::kLiteral:
      return false;
  }
  return false;
}

}  // namespace

bool EvaluateQuery(const Query& query, const element& root, std::vector<element>* nodes,
                   std::vector<std::string>* paths) {
  Context ctx;
  ctx.root = root;
  std::vector<PathStep> path;
  if (paths) ctx.path = &path;
  auto emit = [&](element e) {
    nodes->push_back(e);
    if (paths) paths->push_back(FormatNormalizedPath(path));
    return true;
  };
  Walk(query, 0, root, ctx, emit);
  return !ctx.too_deep;
}

bool EvaluateSingularQuery(const Query& query, const element& root, element* out) {
  return EvaluateSteps(query.steps, root, out);
}

}  // namespace sluice::json::jsonpath::internal
