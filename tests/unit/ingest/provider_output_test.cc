#include "ingest/provider_output.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <deque>
#include <fstream>
#include <string>
#include <vector>

namespace sluice::ingest {
namespace {

// Parses one record; the parser outlives the element (one per test).
class ProviderOutputTest : public ::testing::Test {
 protected:
  simdjson::dom::element Parse(const std::string& json) {
    texts_.push_back(json);
    simdjson::dom::element e;
    EXPECT_EQ(parsers_.emplace_back().parse(texts_.back()).get(e), simdjson::SUCCESS) << json;
    return e;
  }
  std::vector<std::string> Lines(const std::string& relative) {
    std::ifstream in(std::string(SLUICE_TESTDATA_DIR) + "/batch-formats/constructed/" + relative);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) lines.push_back(line);
    }
    return lines;
  }
  std::deque<std::string> texts_;
  std::deque<simdjson::dom::parser> parsers_;
};

TEST_F(ProviderOutputTest, RecognisesEachProvidersShape) {
  EXPECT_EQ(RecogniseRecord(Parse(Lines("openai/batch_output.jsonl")[0])), Provider::kOpenAi);
  EXPECT_EQ(RecogniseRecord(Parse(Lines("openai/batch_input.jsonl")[0])), Provider::kOpenAi);
  EXPECT_EQ(RecogniseRecord(Parse(Lines("bedrock/titan-embed-text-v2/input.jsonl.out")[0])),
            Provider::kBedrock);
  EXPECT_EQ(RecogniseRecord(Parse(Lines("sagemaker/sagemaker_batch.json.out")[0])),
            Provider::kSageMaker);
  EXPECT_EQ(RecogniseRecord(Parse(R"({"id":1,"embedding":[1,2]})")), Provider::kUnknown);
  EXPECT_EQ(ProviderName(Provider::kBedrock), "bedrock");
}

TEST_F(ProviderOutputTest, SuccessfulProviderRecordsAreNoFailures) {
  for (const auto& line : Lines("openai/batch_output.jsonl")) {
    EXPECT_EQ(ProviderFailure(Parse(line)), std::nullopt) << line.substr(0, 80);
  }
  for (const auto& line : Lines("openai/batch_input.jsonl")) {
    EXPECT_EQ(ProviderFailure(Parse(line)), std::nullopt) << line.substr(0, 80);
  }
  for (const auto& line : Lines("sagemaker/sagemaker_batch.json.out")) {
    EXPECT_EQ(ProviderFailure(Parse(line)), std::nullopt);
  }
  EXPECT_EQ(ProviderFailure(Parse(R"({"id":1,"error":"not a provider's"})")), std::nullopt);
}

TEST_F(ProviderOutputTest, OpenAiErrorFileLineGivesStatusAndMessage) {
  auto lines = Lines("openai/batch_errors.jsonl");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(ProviderFailure(Parse(lines[0])),
            "openai: status 400: '$.input' is invalid. Please check the API reference: "
            "https://platform.openai.com/docs/api-reference.");
}

TEST_F(ProviderOutputTest, OpenAiTopLevelErrorAndOddResponses) {
  EXPECT_EQ(
      ProviderFailure(Parse(
          R"({"id":"b1","custom_id":"r1","response":null,)"
          R"("error":{"code":"batch_expired","message":"This request could not be executed"}})")),
      "openai: batch_expired: This request could not be executed");
  EXPECT_EQ(
      ProviderFailure(Parse(
          R"({"custom_id":"r2","response":{"status_code":500,"body":{"detail":"x"}},"error":null})")),
      R"(openai: status 500: {"detail":"x"})");
  EXPECT_EQ(ProviderFailure(Parse(R"({"custom_id":"r3","response":null,"error":null})")),
            "openai: the line has neither a response nor an error");
  EXPECT_EQ(
      ProviderFailure(Parse(
          R"({"custom_id":"r4","response":{"status_code":200,"body":{"error":{"message":"m"}}}})")),
      "openai: status 200: m");
}

TEST_F(ProviderOutputTest, BedrockErrorRecordGivesCodeAndMessage) {
  std::vector<std::string> failures;
  for (const auto& line : Lines("bedrock/titan-embed-text-v2/input.jsonl.out")) {
    if (auto f = ProviderFailure(Parse(line))) failures.push_back(*f);
  }
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0],
            "bedrock: 400: Malformed input request: expected minLength: 1, actual: 0, please "
            "reformat your input and try again.");
  EXPECT_EQ(
      ProviderFailure(Parse(
          R"({"recordId":"R1","modelInput":{},"error":{"errorCode":"ThrottlingException","errorMessage":"slow down"}})")),
      "bedrock: ThrottlingException: slow down");
}

TEST_F(ProviderOutputTest, ParsesTheBedrockManifest) {
  std::ifstream in(std::string(SLUICE_TESTDATA_DIR) +
                   "/batch-formats/constructed/bedrock/titan-embed-text-v2/manifest.json.out");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto m = ParseBedrockManifest(text);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->total_records, 5u);
  EXPECT_EQ(m->processed_records, 5u);
  EXPECT_EQ(m->success_records, 4u);
  EXPECT_EQ(m->error_records, 1u);
  EXPECT_EQ(m->input_tokens, 37u);
  EXPECT_EQ(m->output_tokens, 0u);
  EXPECT_FALSE(ParseBedrockManifest("[1]").ok());
  EXPECT_FALSE(ParseBedrockManifest(R"({"totalRecordCount":1})")->error_records.has_value());
}

TEST_F(ProviderOutputTest, ClassifiesAnOutputFolder) {
  auto bedrock = ClassifyFolder({"s3://b/job/a.jsonl.out", "s3://b/job/b.jsonl.out",
                                 "s3://b/job/manifest.json.out", "s3://b/job/a.jsonl"});
  EXPECT_EQ(bedrock.records, (std::vector<size_t>{0, 1}));
  EXPECT_EQ(bedrock.manifest, 2u);
  EXPECT_EQ(bedrock.skipped, (std::vector<size_t>{3}));
  auto sagemaker = ClassifyFolder({"s3://b/out/x.json.out", "s3://b/out/_SUCCESS"});
  EXPECT_EQ(sagemaker.records, (std::vector<size_t>{0}));
  EXPECT_FALSE(sagemaker.manifest.has_value());
  EXPECT_EQ(sagemaker.skipped, (std::vector<size_t>{1}));
  auto plain = ClassifyFolder({"s3://b/p/part-1.jsonl", "s3://b/p/part-2.jsonl"});
  EXPECT_EQ(plain.records, (std::vector<size_t>{0, 1}));
  EXPECT_TRUE(plain.skipped.empty());
  EXPECT_TRUE(IsBedrockManifest("manifest.json.out"));
  EXPECT_FALSE(IsBedrockManifest("s3://b/job/my-manifest.json.out"));
}

TEST_F(ProviderOutputTest, ParsesDurations) {
  EXPECT_EQ(*ParseDurationMs("30m", "wait_for_source"), 30 * 60000);
  EXPECT_EQ(*ParseDurationMs("1500ms", "wait_for_source"), 1500);
  EXPECT_EQ(*ParseDurationMs("2h", "wait_for_source"), 7200000);
  for (const char* bad : {"", "30", "m", "-1m", "30 m", "1y"}) {
    auto r = ParseDurationMs(bad, "wait_for_source");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().reason().find("[wait_for_source]"), std::string::npos);
  }
}

}  // namespace
}  // namespace sluice::ingest
