// Randomized robustness test for the JSONPath engine, built with ASan+UBSan.
//
// Compiles random, generated and mutated expressions (seeded from the CTS
// selectors) and evaluates the ones that compile against CTS documents and
// random documents (including very deep ones). Nothing may crash, hang or trip
// a sanitizer, and the singular fast path must agree with full evaluation.
//
//   jsonpath_fuzz --cts PATH [--seconds N] [--iterations N] [--seed N]
// Exits 0 when the budget is used up without findings; aborts otherwise.
#include <simdjson.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "json/jsonpath/iregexp.h"
#include "json/jsonpath/json_path.h"

namespace sluice::json::jsonpath {
namespace {

using Clock = std::chrono::steady_clock;

struct Corpus {
  std::vector<std::string> selectors;
  std::vector<std::string> documents;  // JSON text
};

class Fuzzer {
 public:
  Fuzzer(Corpus corpus, uint64_t seed) : corpus_(std::move(corpus)), rng_(seed) {}

  void Iterate() {
    std::string expr;
    switch (Pick(5)) {
      case 0:
        expr = corpus_.selectors[Pick(corpus_.selectors.size())];
        break;
      case 1:
        expr = GenerateQuery('$', 0);
        break;
      case 2:
        expr = Mutate(GenerateQuery('$', 0));
        break;
      default:
        expr = Mutate(corpus_.selectors[Pick(corpus_.selectors.size())]);
        break;
    }
    last_expression_ = expr;
    auto compiled = JsonPath::Compile(expr);
    if (!compiled.ok()) {
      if (compiled.status().reason().empty()) Fail("empty error message", expr);
      return;
    }
    ++compiled_;
    std::string doc_text =
        Pick(2) ? corpus_.documents[Pick(corpus_.documents.size())] : GenerateValue(0);
    if (Pick(4) == 0) doc_text = Mutate(doc_text);
    simdjson::dom::element doc;
    if (parser_.parse(doc_text).get(doc) != simdjson::SUCCESS) return;
    Check(*compiled, doc, expr, /*with_paths=*/true);
    // Paths of deep nodes are long, and `..` queries on them are quadratic: no paths there.
    if (Pick(50) == 0) Check(*compiled, DeepDocument(), expr, /*with_paths=*/false);
  }

  void FuzzRegex() {
    static const char* kPieces[] = {
        "a", ".", "*", "+",  "?",      "{2}",     "{1,", "}",        "(",  ")",        "[",
        "]", "^", "-", "\\", "\\p{L}", "\\P{Nd}", "|",   "\xc3\xa9", "\n", "{0,1000}", "x{99999}"};
    std::string pattern;
    for (size_t n = Pick(12); n > 0; --n) pattern += kPieces[Pick(std::size(kPieces))];
    auto re = internal::Regex::Compile(pattern);
    if (re) {
      (void)re->FullMatch("a\xc3\xa9\n-x");
      (void)re->PartialMatch(std::string(Pick(200), 'a'));
    }
  }

  size_t compiled() const { return compiled_; }
  const std::string& last_expression() const { return last_expression_; }

 private:
  size_t Pick(size_t n) {
    return n == 0 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(rng_);
  }

  [[noreturn]] static void Fail(const char* what, const std::string& expr) {
    std::fprintf(stderr, "jsonpath_fuzz: %s for expression [%s]\n", what, expr.c_str());
    std::abort();
  }

  void Check(const JsonPath& path, simdjson::dom::element doc, const std::string& expr,
             bool with_paths) {
    std::vector<simdjson::dom::element> nodes;
    std::vector<std::string> paths;
    util::Status status =
        with_paths ? path.EvaluateWithPaths(doc, &nodes, &paths) : path.Evaluate(doc, &nodes);
    if (with_paths && status.ok() && nodes.size() != paths.size()) {
      Fail("paths and nodes differ in count", expr);
    }
    // Touch results (they must be valid handles); a few suffice, deep ones are large.
    for (size_t i = 0; i < nodes.size() && i < 8; ++i) (void)simdjson::minify(nodes[i]);
    if (path.IsSingular()) {
      auto fast = path.EvaluateSingular(doc);
      if (status.ok() && (fast.has_value() != (nodes.size() == 1) || nodes.size() > 1)) {
        Fail("singular fast path disagrees with evaluation", expr);
      }
    }
  }

  simdjson::dom::element DeepDocument() {
    // simdjson's default depth limit is 1024 levels; stay just below it.
    size_t levels = 500 + Pick(520);
    deep_text_.clear();
    for (size_t i = 0; i < levels; ++i) {
      bool object = Pick(2) && i + 2 <= levels;
      deep_text_ += object ? "{\"a\":[" : "[";
      if (object) ++i;
    }
    deep_text_ += "1";
    // Close in reverse; rebuild the closers from the openers.
    for (size_t i = deep_text_.size(); i-- > 0;) {
      if (deep_text_[i] == '[') deep_text_ += ']';
      if (deep_text_[i] == '{') deep_text_ += '}';
    }
    simdjson::dom::element doc;
    if (deep_parser_.parse(deep_text_).get(doc) != simdjson::SUCCESS) {
      Fail("could not parse the deep document", deep_text_.substr(0, 40));
    }
    return doc;
  }

  std::string Mutate(std::string s) {
    static const char* kTokens[] = {"$",
                                    "@",
                                    ".",
                                    "..",
                                    "[",
                                    "]",
                                    "(",
                                    ")",
                                    "?",
                                    "*",
                                    ":",
                                    ",",
                                    "'",
                                    "\"",
                                    "\\",
                                    "\\u",
                                    "\\uD83D",
                                    "\\uDE00",
                                    "==",
                                    "!=",
                                    "<",
                                    "<=",
                                    ">",
                                    "&&",
                                    "||",
                                    "!",
                                    "length(",
                                    "count(",
                                    "match(",
                                    "search(",
                                    "value(",
                                    "0",
                                    "-1",
                                    "1e400",
                                    "9007199254740993",
                                    "-0",
                                    " ",
                                    "\t",
                                    "\xff",
                                    "\xc3\xa9",
                                    std::string("\0", 1).c_str(),
                                    "true",
                                    "null",
                                    "[?@",
                                    "..*",
                                    "a"};
    for (size_t n = 1 + Pick(4); n > 0; --n) {
      size_t pos = Pick(s.size() + 1);
      switch (Pick(5)) {
        case 0:
          if (!s.empty()) s.erase(pos, 1 + Pick(3));
          break;
        case 1:
          s.insert(pos, kTokens[Pick(std::size(kTokens))]);
          break;
        case 2:
          s.insert(pos, 1, static_cast<char>(Pick(256)));
          break;
        case 3: {
          const std::string& other = corpus_.selectors[Pick(corpus_.selectors.size())];
          size_t from = Pick(other.size() + 1);
          s.insert(pos, other.substr(from, Pick(12)));
          break;
        }
        default:
          if (!s.empty()) s.insert(pos, s.substr(Pick(s.size()), Pick(8)));
      }
    }
    if (s.size() > 4096) s.resize(4096);
    return s;
  }

  std::string GenerateQuery(char root, int depth) {
    std::string q(1, root);
    for (size_t n = Pick(depth > 2 ? 2 : 5); n > 0; --n) q += GenerateSegment(depth);
    return q;
  }

  std::string GenerateSegment(int depth) {
    switch (Pick(6)) {
      case 0:
        return "." + Name();
      case 1:
        return ".*";
      case 2:
        return ".." + (Pick(2) ? Name() : std::string("*"));
      case 3:
        return "..[" + GenerateSelector(depth) + "]";
      default: {
        std::string s = "[" + GenerateSelector(depth);
        for (size_t n = Pick(3); n > 0; --n) s += "," + GenerateSelector(depth);
        return s + "]";
      }
    }
  }

  std::string Name() {
    static const char* kNames[] = {"a", "b", "c", "id", "content", "_x", "\xc3\xa9", "a1"};
    return kNames[Pick(std::size(kNames))];
  }

  std::string Int() {
    static const char* kInts[] = {
        "0", "1", "2", "-1", "-2", "3", "-9007199254740991", "9007199254740991", "10"};
    return kInts[Pick(std::size(kInts))];
  }

  std::string GenerateSelector(int depth) {
    switch (Pick(depth > 3 ? 5 : 6)) {
      case 0:
        return "'" + Name() + "'";
      case 1:
        return Int();
      case 2:
        return "*";
      case 3:
        return (Pick(2) ? Int() : "") + ":" + (Pick(2) ? Int() : "") +
               (Pick(2) ? ":" + Int() : std::string());
      case 4:
        return "\"" + Name() + "\"";
      default:
        return "?" + GenerateLogical(depth + 1);
    }
  }

  std::string GenerateLogical(int depth) {
    switch (Pick(depth > 4 ? 2 : 6)) {
      case 0:
        return GenerateComparable(depth) + Op() + GenerateComparable(depth);
      case 1:
        return GenerateQuery(Pick(3) ? '@' : '$', depth);
      case 2:
        return GenerateLogical(depth + 1) + " && " + GenerateLogical(depth + 1);
      case 3:
        return GenerateLogical(depth + 1) + " || " + GenerateLogical(depth + 1);
      case 4:
        return "!(" + GenerateLogical(depth + 1) + ")";
      default:
        return std::string(Pick(2) ? "match" : "search") + "(" + GenerateComparable(depth) + ", '" +
               (Pick(2) ? "a.*" : "[b-z]+\\p{L}?") + "')";
    }
  }

  std::string Op() {
    static const char* kOps[] = {"==", "!=", "<", "<=", ">", ">="};
    return kOps[Pick(std::size(kOps))];
  }

  std::string GenerateComparable(int depth) {
    switch (Pick(depth > 4 ? 2 : 5)) {
      case 0:
        return GenerateValue(3);
      case 1:
        return "@." + Name();
      case 2:
        return "length(" + GenerateComparable(depth + 1) + ")";
      case 3:
        return "count(" + GenerateQuery('@', depth + 1) + ")";
      default:
        return "value(" + GenerateQuery('@', depth + 1) + ")";
    }
  }

  // A random JSON value (documents and literals); containers only below depth 3.
  std::string GenerateValue(int depth) {
    switch (Pick(depth >= 3 ? 5 : 7)) {
      case 0:
        return Int();
      case 1:
        return Pick(2) ? "1.5" : "-2e3";
      case 2:
        return "'" + Name() + "'";
      case 3:
        return Pick(2) ? "true" : "false";
      case 4:
        return "null";
      case 5: {
        std::string s = "[";
        for (size_t n = Pick(4); n > 0; --n) s += GenerateValue(depth + 1) + (n > 1 ? "," : "");
        return s + "]";
      }
      default: {
        std::string s = "{";
        for (size_t n = Pick(4); n > 0; --n) {
          s += "\"" + Name() + "\":" + GenerateValue(depth + 1) + (n > 1 ? "," : "");
        }
        return s + "}";
      }
    }
  }

  Corpus corpus_;
  std::mt19937_64 rng_;
  simdjson::dom::parser parser_;
  simdjson::dom::parser deep_parser_;
  std::string deep_text_;
  size_t compiled_ = 0;
  std::string last_expression_;
};

Corpus LoadCorpus(const char* cts_path) {
  simdjson::dom::parser parser;
  simdjson::dom::element cts;
  if (parser.load(cts_path).get(cts) != simdjson::SUCCESS) {
    std::fprintf(stderr, "jsonpath_fuzz: cannot load %s\n", cts_path);
    std::exit(2);
  }
  Corpus corpus;
  // Queries that stress the depth and work limits on the deep documents.
  corpus.selectors = {"$..[?@..[?@..[?@..*]]]", "$..*..*..*", "$[?count(@..*) > 1]..*",
                      "$..[?value(@..a) == 1]"};
  simdjson::dom::array tests = cts["tests"].get_array().value();
  for (simdjson::dom::element test : tests) {
    corpus.selectors.emplace_back(test["selector"].get_string().value());
    simdjson::dom::element doc;
    if (test["document"].get(doc) == simdjson::SUCCESS) {
      corpus.documents.push_back(simdjson::minify(doc));
    }
  }
  return corpus;
}

}  // namespace
}  // namespace sluice::json::jsonpath

int main(int argc, char** argv) {
  using Clock = std::chrono::steady_clock;
  const char* cts = nullptr;
  double seconds = 20;
  size_t max_iterations = SIZE_MAX;
  uint64_t seed = static_cast<uint64_t>(Clock::now().time_since_epoch().count());
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--cts"))
      cts = argv[i + 1];
    else if (!std::strcmp(argv[i], "--seconds"))
      seconds = std::atof(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--iterations"))
      max_iterations = std::strtoull(argv[i + 1], nullptr, 10);
    else if (!std::strcmp(argv[i], "--seed"))
      seed = std::strtoull(argv[i + 1], nullptr, 10);
  }
  if (!cts) {
    std::fprintf(stderr,
                 "usage: jsonpath_fuzz --cts PATH [--seconds N] [--iterations N] [--seed N]\n");
    return 2;
  }
  std::printf("jsonpath_fuzz: seed %llu\n", static_cast<unsigned long long>(seed));
  std::fflush(stdout);
  sluice::json::jsonpath::Fuzzer fuzzer(sluice::json::jsonpath::LoadCorpus(cts), seed);
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration<double>(seconds);
  size_t iterations = 0;
  while (iterations < max_iterations && Clock::now() < deadline) {
    // A hang is judged by the CPU time the iteration used (this driver has one
    // thread), not the wall time: on a loaded machine an iteration using a few
    // seconds of CPU under ASan took 25 s of wall time waiting for a core.
    std::clock_t t0 = std::clock();
    fuzzer.Iterate();
    if (iterations % 8 == 0) fuzzer.FuzzRegex();
    if (static_cast<double>(std::clock() - t0) / CLOCKS_PER_SEC > 20) {
      std::fprintf(stderr,
                   "jsonpath_fuzz: one iteration used over 20 s of CPU (seed %llu, iteration "
                   "%zu): [%s]\n",
                   static_cast<unsigned long long>(seed), iterations,
                   fuzzer.last_expression().c_str());
      return 1;
    }
    ++iterations;
  }
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("jsonpath_fuzz: %zu iterations (%zu expressions compiled) in %.1f s, no findings\n",
              iterations, fuzzer.compiled(), elapsed);
  return 0;
}
