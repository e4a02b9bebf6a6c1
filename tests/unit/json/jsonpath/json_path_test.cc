// JsonPath's public API: the singular fast path, full evaluation, paths, limits.
#include "json/jsonpath/json_path.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdlib>
#include <new>
#include <string>
#include <thread>
#include <vector>

// Counts allocations on this thread so the test below can show that the
// singular fast path allocates nothing. Counting is off unless a test enables it.
namespace {
thread_local bool g_count_allocations = false;
thread_local size_t g_allocations = 0;
}  // namespace

// GCC cannot see that these replace the global pair, and warns on free().
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(size_t size) {
  if (g_count_allocations) ++g_allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
// The nothrow form too: simdjson allocates with it, and every form deleted by
// the free() below must come from malloc (ASan reports alloc-dealloc-mismatch
// otherwise).
void* operator new(size_t size, const std::nothrow_t&) noexcept {
  if (g_count_allocations) ++g_allocations;
  return std::malloc(size == 0 ? 1 : size);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace sluice::json::jsonpath {
namespace {

using simdjson::dom::element;

class JsonPathTest : public ::testing::Test {
 protected:
  element Parse(std::string_view json) {
    element doc;
    EXPECT_EQ(parser_.parse(json.data(), json.size()).get(doc), simdjson::SUCCESS);
    return doc;
  }
  static JsonPath MustCompile(std::string_view expression) {
    auto compiled = JsonPath::Compile(expression);
    EXPECT_TRUE(compiled.ok()) << compiled.status().ToString();
    return std::move(compiled).value();
  }
  static std::string Minify(std::optional<element> e) {
    return e ? simdjson::minify(*e) : std::string("<none>");
  }

  simdjson::dom::parser parser_;
};

constexpr std::string_view kRecord =
    R"({"content":["first text","second text"],"SageMakerOutput":[[0.5,1.5],[2.5,3.5]],"id":7,
        "response":{"body":{"data":[{"embedding":[1,2,3]}]}},"a b":{"it's":true}})";

TEST_F(JsonPathTest, SingularQueriesAreRecognised) {
  EXPECT_TRUE(MustCompile("$").IsSingular());
  EXPECT_TRUE(MustCompile("$.content[0]").IsSingular());
  EXPECT_TRUE(MustCompile("$['a b'][\"it's\"][-1]").IsSingular());
  EXPECT_FALSE(MustCompile("$.content[*]").IsSingular());
  EXPECT_FALSE(MustCompile("$..id").IsSingular());
  EXPECT_FALSE(MustCompile("$.content[0,1]").IsSingular());
  EXPECT_FALSE(MustCompile("$.content[0:1]").IsSingular());
  EXPECT_FALSE(MustCompile("$[?@.id]").IsSingular());
}

TEST_F(JsonPathTest, SingularFastPathSelectsFieldMapPaths) {
  element doc = Parse(kRecord);
  EXPECT_EQ(Minify(MustCompile("$.content[0]").EvaluateSingular(doc)), R"("first text")");
  EXPECT_EQ(Minify(MustCompile("$.content[1]").EvaluateSingular(doc)), R"("second text")");
  EXPECT_EQ(Minify(MustCompile("$.SageMakerOutput[1]").EvaluateSingular(doc)), "[2.5,3.5]");
  EXPECT_EQ(Minify(MustCompile("$.response.body.data[0].embedding").EvaluateSingular(doc)),
            "[1,2,3]");
  EXPECT_EQ(Minify(MustCompile("$.id").EvaluateSingular(doc)), "7");
  EXPECT_EQ(Minify(MustCompile("$.content[-1]").EvaluateSingular(doc)), R"("second text")");
  EXPECT_EQ(Minify(MustCompile("$['a b'][\"it's\"]").EvaluateSingular(doc)), "true");
  EXPECT_EQ(Minify(MustCompile("$").EvaluateSingular(doc)), simdjson::minify(doc));
}

TEST_F(JsonPathTest, SingularFastPathReturnsNothingForMissingOrMistypedNodes) {
  element doc = Parse(kRecord);
  EXPECT_FALSE(MustCompile("$.missing").EvaluateSingular(doc));
  EXPECT_FALSE(MustCompile("$.content[2]").EvaluateSingular(doc));
  EXPECT_FALSE(MustCompile("$.content[-3]").EvaluateSingular(doc));
  EXPECT_FALSE(MustCompile("$.id[0]").EvaluateSingular(doc));
  EXPECT_FALSE(MustCompile("$.content.x").EvaluateSingular(doc));
  EXPECT_FALSE(MustCompile("$[0]").EvaluateSingular(doc));
}

TEST_F(JsonPathTest, SingularFastPathDoesNotAllocate) {
  element doc = Parse(kRecord);
  std::vector<JsonPath> paths;
  for (std::string_view expr : {"$.content[0]", "$.content[-1]", "$.SageMakerOutput[1]",
                                "$.response.body.data[0].embedding", "$.id", "$.missing"}) {
    paths.push_back(MustCompile(expr));
  }
  size_t found = 0;
  g_allocations = 0;
  g_count_allocations = true;
  for (const JsonPath& path : paths) found += path.EvaluateSingular(doc).has_value();
  g_count_allocations = false;
  EXPECT_EQ(found, 5u);
  EXPECT_EQ(g_allocations, 0u);
}

TEST_F(JsonPathTest, SingularFastPathRefusesNonSingularQueries) {
  element doc = Parse(kRecord);
  EXPECT_FALSE(MustCompile("$.content[*]").EvaluateSingular(doc));
}

TEST_F(JsonPathTest, SingularFastPathAgreesWithFullEvaluation) {
  element doc = Parse(kRecord);
  for (std::string_view expr : {"$.content[0]", "$.content[-2]", "$.SageMakerOutput[1][0]",
                                "$.missing", "$.response.body.data[0]", "$.id"}) {
    JsonPath path = MustCompile(expr);
    std::vector<element> nodes;
    ASSERT_TRUE(path.Evaluate(doc, &nodes).ok());
    auto fast = path.EvaluateSingular(doc);
    ASSERT_EQ(nodes.size(), fast ? 1u : 0u) << expr;
    if (fast) {
      EXPECT_EQ(simdjson::minify(nodes[0]), simdjson::minify(*fast)) << expr;
    }
  }
}

TEST_F(JsonPathTest, ResultsAreHandlesIntoTheCallersDocument) {
  element doc = Parse(kRecord);
  auto v = MustCompile("$.content[0]").EvaluateSingular(doc);
  ASSERT_TRUE(v);
  std::string_view text = v->get_string().value();
  std::string_view direct = doc["content"].at(0).get_string().value();
  EXPECT_EQ(text.data(), direct.data());  // same bytes, not a copy
}

TEST_F(JsonPathTest, EvaluateWithPathsReportsNormalizedPaths) {
  element doc = Parse(R"({"a":[{"b":1},{"b":2}],"it's":{"b":3}})");
  std::vector<element> nodes;
  std::vector<std::string> paths;
  ASSERT_TRUE(MustCompile("$..b").EvaluateWithPaths(doc, &nodes, &paths).ok());
  ASSERT_EQ(nodes.size(), 3u);
  EXPECT_EQ(paths,
            (std::vector<std::string>{"$['a'][0]['b']", "$['a'][1]['b']", "$['it\\'s']['b']"}));
}

TEST_F(JsonPathTest, EvaluateAppendsFilterResultsInDocumentOrder) {
  element doc = Parse(R"([{"n":3,"s":"x"},{"n":1},{"n":2,"s":"y"},{"s":"z"}])");
  std::vector<element> nodes;
  ASSERT_TRUE(MustCompile("$[?@.n >= 2 || @.s == 'z'].s").Evaluate(doc, &nodes).ok());
  ASSERT_EQ(nodes.size(), 3u);
  EXPECT_EQ(simdjson::minify(nodes[0]), R"("x")");
  EXPECT_EQ(simdjson::minify(nodes[2]), R"("z")");
}

TEST_F(JsonPathTest, DeepDocumentsWithDescendantSegmentsDoNotOverflowTheStack) {
  std::string deep;
  for (int i = 0; i < 1000; ++i) deep += "[";
  for (int i = 0; i < 1000; ++i) deep += "]";
  element doc = Parse(deep);
  std::vector<element> nodes;
  ASSERT_TRUE(MustCompile("$..*").Evaluate(doc, &nodes).ok());
  EXPECT_EQ(nodes.size(), 999u);
  // A filter nested inside descendant segments multiplies the depth; it must
  // fail cleanly rather than crash.
  nodes.clear();
  util::Status status = MustCompile("$..[?@..[?@..[?@..*]]]").Evaluate(doc, &nodes);
  if (!status.ok()) {
    EXPECT_EQ(status.type(), "illegal_argument_exception");
  }
}

TEST_F(JsonPathTest, CopiesShareTheCompiledQueryAndEvaluateConcurrently) {
  JsonPath path = MustCompile("$[?match(@.s, '[a-c]+')].n");
  std::vector<std::thread> threads;
  std::vector<size_t> counts(4);
  for (size_t t = 0; t < counts.size(); ++t) {
    threads.emplace_back([&, t, copy = path] {
      simdjson::dom::parser parser;
      element doc =
          parser.parse(std::string_view(R"([{"s":"abc","n":1},{"s":"xyz","n":2}])")).value();
      for (int i = 0; i < 1000; ++i) {
        std::vector<element> nodes;
        if (copy.Evaluate(doc, &nodes).ok()) counts[t] += nodes.size();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (size_t c : counts) EXPECT_EQ(c, 1000u);
  EXPECT_EQ(path.expression(), "$[?match(@.s, '[a-c]+')].n");
}

}  // namespace
}  // namespace sluice::json::jsonpath
