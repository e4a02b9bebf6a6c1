// RunJsonPath, the engine of `sluice jsonpath`: JSON and JSONL input, bad lines.
#include "json/jsonpath/run_json_path.h"

#include <gtest/gtest.h>

#include <sstream>

namespace sluice::json::jsonpath {
namespace {

struct RunOutput {
  util::Result<RunJsonPathSummary> summary;
  std::string out;
  std::string err;
};

RunOutput RunOn(std::string_view expression, std::string input) {
  std::istringstream in(std::move(input));
  std::ostringstream out, err;
  auto summary = RunJsonPath(expression, in, out, err);
  return RunOutput{std::move(summary), out.str(), err.str()};
}

TEST(RunJsonPathTest, PrintsOneNodelistPerJsonlLine) {
  RunOutput r =
      RunOn("$.content[0]", "{\"content\":[\"a\",\"b\"]}\n\n{\"content\":[]}\n{\"x\":1}\n");
  ASSERT_TRUE(r.summary.ok());
  EXPECT_EQ(r.out, "[\"a\"]\n[]\n[]\n");
  EXPECT_EQ(r.summary->documents, 3u);
  EXPECT_EQ(r.summary->bad_documents, 0u);
  EXPECT_EQ(r.err, "");
}

TEST(RunJsonPathTest, TreatsAPrettyPrintedDocumentAsOneDocument) {
  RunOutput r = RunOn("$..b", "{\n  \"a\": {\"b\": [1, 2]},\n  \"b\": \"x\"\n}\n");
  ASSERT_TRUE(r.summary.ok());
  EXPECT_EQ(r.out, "[\"x\",[1,2]]\n");  // the root's own member comes first
  EXPECT_EQ(r.summary->documents, 1u);
}

TEST(RunJsonPathTest, ReportsInvalidLinesAndContinues) {
  RunOutput r = RunOn("$.id", "{\"id\":1}\n{\"id\":\n{\"id\":3}\n");
  ASSERT_TRUE(r.summary.ok());
  EXPECT_EQ(r.out, "[1]\n[3]\n");
  EXPECT_EQ(r.summary->documents, 2u);
  EXPECT_EQ(r.summary->bad_documents, 1u);
  EXPECT_EQ(r.err.rfind("line 2: invalid JSON", 0), 0u) << r.err;
}

TEST(RunJsonPathTest, RejectsAnInvalidExpressionWithItsPosition) {
  RunOutput r = RunOn("$.a[", "{}\n");
  ASSERT_FALSE(r.summary.ok());
  EXPECT_EQ(r.summary.status().type(), "illegal_argument_exception");
  EXPECT_NE(r.summary.status().reason().find("position 4"), std::string::npos);
  EXPECT_EQ(r.out, "");
}

}  // namespace
}  // namespace sluice::json::jsonpath
