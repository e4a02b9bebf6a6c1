// Runs the whole JSONPath Compliance Test Suite (RFC 9535) against JsonPath:
// every case, valid and invalid, comparing nodelists (any allowed ordering) and
// normalized result paths.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "json/jsonpath/json_path.h"

namespace sluice::json::jsonpath {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// Cases known to fail, by CTS name, each with the reason. The test fails if a
// listed case starts passing, so this list stays honest.
const std::set<std::string, std::less<>> kExpectedFailures = {};

bool JsonEqual(element a, element b) {
  if (a.type() != b.type()) {
    // 1 and 1.0 parse to different simdjson types but are the same JSON number.
    if (a.is_number() && b.is_number()) return a.get_double().value() == b.get_double().value();
    return false;
  }
  switch (a.type()) {
    case element_type::ARRAY: {
      simdjson::dom::array x = a.get_array().value(), y = b.get_array().value();
      if (x.size() != y.size()) return false;
      auto it = y.begin();
      for (element e : x) {
        if (!JsonEqual(e, *it)) return false;
        ++it;
      }
      return true;
    }
    case element_type::OBJECT: {
      simdjson::dom::object x = a.get_object().value(), y = b.get_object().value();
      if (x.size() != y.size()) return false;
      for (auto field : x) {
        element other;
        if (y.at_key(field.key).get(other) != simdjson::SUCCESS) return false;
        if (!JsonEqual(field.value, other)) return false;
      }
      return true;
    }
    default:
      return simdjson::minify(a) == simdjson::minify(b);
  }
}

bool NodelistMatches(const std::vector<element>& got, const std::vector<std::string>& got_paths,
                     simdjson::dom::array want, element want_paths, bool has_paths) {
  if (got.size() != want.size()) return false;
  size_t i = 0;
  for (element w : want) {
    if (!JsonEqual(got[i], w)) return false;
    ++i;
  }
  if (!has_paths) return true;
  i = 0;
  simdjson::dom::array path_list = want_paths.get_array().value();
  for (element p : path_list) {
    if (got_paths[i] != p.get_string().value()) return false;
    ++i;
  }
  return true;
}

std::string Describe(const std::vector<element>& nodes, const std::vector<std::string>& paths) {
  std::string out = "[";
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (i > 0) out += ", ";
    out += paths[i] + " = " + simdjson::minify(nodes[i]);
  }
  return out + "]";
}

// Returns "" when the case passes, else what went wrong.
std::string RunCase(element test) {
  std::string_view selector = test["selector"].get_string().value();
  auto compiled = JsonPath::Compile(selector);
  bool invalid = false;
  if (test["invalid_selector"].get(invalid) == simdjson::SUCCESS && invalid) {
    if (compiled.ok()) return "accepted an invalid selector";
    return "";
  }
  if (!compiled.ok()) return "rejected a valid selector: " + compiled.status().reason();
  std::vector<element> nodes;
  std::vector<std::string> paths;
  util::Status status = compiled->EvaluateWithPaths(test["document"].value(), &nodes, &paths);
  if (!status.ok()) return "evaluation failed: " + status.reason();

  simdjson::dom::array single;
  if (test["result"].get(single) == simdjson::SUCCESS) {
    element want_paths;
    bool has_paths = test["result_paths"].get(want_paths) == simdjson::SUCCESS;
    if (NodelistMatches(nodes, paths, single, want_paths, has_paths)) return "";
    return "got " + Describe(nodes, paths) + ", want " + simdjson::minify(single);
  }
  simdjson::dom::array alternatives = test["results"].get_array().value();
  element all_paths;
  bool has_paths = test["results_paths"].get(all_paths) == simdjson::SUCCESS;
  size_t i = 0;
  for (element alt : alternatives) {
    element want_paths;
    if (has_paths) {
      simdjson::dom::array path_lists = all_paths.get_array().value();
      want_paths = path_lists.at(i).value();
    }
    if (NodelistMatches(nodes, paths, alt.get_array().value(), want_paths, has_paths)) return "";
    ++i;
  }
  return "got " + Describe(nodes, paths) + ", want one of " + simdjson::minify(alternatives);
}

TEST(JsonPathComplianceTest, PassesEveryCaseOfTheSuite) {
  simdjson::dom::parser parser;
  element cts;
  ASSERT_EQ(parser.load(SLUICE_TESTDATA_DIR "/jsonpath-cts/cts.json").get(cts), simdjson::SUCCESS);
  size_t total = 0, passed = 0;
  std::set<std::string, std::less<>> seen_expected;
  simdjson::dom::array tests = cts["tests"].get_array().value();
  for (element test : tests) {
    ++total;
    std::string name(test["name"].get_string().value());
    std::string failure = RunCase(test);
    if (failure.empty()) ++passed;
    if (kExpectedFailures.count(name)) {
      seen_expected.insert(name);
      EXPECT_FALSE(failure.empty())
          << "expected failure now passes, remove it from the list: " << name;
    } else {
      EXPECT_TRUE(failure.empty())
          << name << " [" << test["selector"].get_string().value() << "]: " << failure;
    }
  }
  EXPECT_EQ(seen_expected.size(), kExpectedFailures.size()) << "stale expected-failure names";
  EXPECT_EQ(total, 703u);
  std::printf("JSONPath CTS: %zu/%zu cases pass\n", passed, total);
}

}  // namespace
}  // namespace sluice::json::jsonpath
