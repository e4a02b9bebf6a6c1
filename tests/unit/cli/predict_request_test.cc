// `sluice predict`'s arguments → the _batch_predict body, and the
// BATCH_PREDICTION task read back for its progress lines.
#include "cli/predict_request.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace sluice::cli {
namespace {

rapidjson::Document Parse(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str());
  EXPECT_FALSE(d.HasParseError()) << text;
  return d;
}

PredictArgs OpenAIArgs() {
  PredictArgs a;
  a.model_id = "m1";
  a.input = "file-abc";
  a.index = "docs";
  a.field_map = {"_id=source[0].$.custom_id", "_id=source[1].$.custom_id",
                 "embedding=source[0].$.response.body.data[0].embedding",
                 "text=source[1].$.body.input"};
  return a;
}

TEST(PredictRequestTest, OpenAIFileIdAndIngest) {
  auto body = BuildPredictRequest(OpenAIArgs());
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  auto d = Parse(*body);
  EXPECT_STREQ(d["parameters"]["input_file_id"].GetString(), "file-abc");
  EXPECT_STREQ(d["ingest"]["index_name"].GetString(), "docs");
  const auto& map = d["ingest"]["field_map"];
  ASSERT_TRUE(map["_id"].IsArray());
  ASSERT_EQ(map["_id"].Size(), 2u);
  EXPECT_STREQ(map["_id"][1].GetString(), "source[1].$.custom_id");
  EXPECT_STREQ(map["text"].GetString(), "source[1].$.body.input");
  EXPECT_FALSE(d["ingest"].HasMember("ingest_fields"));
}

TEST(PredictRequestTest, ParamsInputParamAndIngestFields) {
  PredictArgs a = OpenAIArgs();
  a.input = "s3://bucket/in/records.jsonl";
  a.input_param = "input_s3_uri";
  a.params = {"job_name=nightly", "model=amazon.titan-embed-text-v2:0"};
  a.ingest_fields = {"source[1].$.recordId"};
  auto body = BuildPredictRequest(a);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  auto d = Parse(*body);
  EXPECT_STREQ(d["parameters"]["input_s3_uri"].GetString(), "s3://bucket/in/records.jsonl");
  EXPECT_STREQ(d["parameters"]["model"].GetString(), "amazon.titan-embed-text-v2:0");
  EXPECT_FALSE(d["parameters"].HasMember("input_file_id"));
  EXPECT_STREQ(d["ingest"]["ingest_fields"][0].GetString(), "source[1].$.recordId");
}

TEST(PredictRequestTest, LocalFileBecomesAbsoluteAndMustExist) {
  auto dir =
      std::filesystem::temp_directory_path() / ("sluice-predict-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "in.jsonl") << "{}\n";
  auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir);
  PredictArgs a = OpenAIArgs();
  a.input = "in.jsonl";
  auto body = BuildPredictRequest(a);
  std::filesystem::current_path(cwd);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  // Sent as the request's input, which the server uploads to OpenAI first.
  rapidjson::Document d = Parse(*body);
  EXPECT_FALSE(d["parameters"].HasMember("input_file_id"));
  EXPECT_STREQ(d["input"]["type"].GetString(), "file");
  EXPECT_EQ(d["input"]["source"].GetString(),
            (std::filesystem::canonical(dir) / "in.jsonl").string());
  a.input = "https://example.com/in.jsonl";
  EXPECT_STREQ(Parse(*BuildPredictRequest(a))["input"]["type"].GetString(), "http");
  a.input = (dir / "missing.jsonl").string();
  auto missing = BuildPredictRequest(a);
  EXPECT_EQ(missing.status().code(), util::Code::kInvalidArgument);
  EXPECT_NE(missing.status().reason().find("missing.jsonl"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(PredictRequestTest, NoIngestion) {
  PredictArgs a;
  a.model_id = "m1";
  a.input = "file-x";
  auto body = BuildPredictRequest(a);
  ASSERT_TRUE(body.ok());
  EXPECT_FALSE(Parse(*body).HasMember("ingest"));
}

TEST(PredictRequestTest, RefusesWhatCannotBeSent) {
  PredictArgs a = OpenAIArgs();
  a.model_id.clear();
  EXPECT_EQ(BuildPredictRequest(a).status().reason(), "--model-id is required");
  a = OpenAIArgs();
  a.field_map.push_back("broken");
  EXPECT_NE(BuildPredictRequest(a).status().reason().find("[broken]"), std::string::npos);
  a = OpenAIArgs();
  a.field_map = {"=x"};
  EXPECT_FALSE(BuildPredictRequest(a).ok());
  a = OpenAIArgs();
  a.field_map.clear();
  EXPECT_NE(BuildPredictRequest(a).status().reason().find("--field-map"), std::string::npos);
  a = OpenAIArgs();
  a.index.clear();
  EXPECT_NE(BuildPredictRequest(a).status().reason().find("--ingest-into"), std::string::npos);
  a = OpenAIArgs();
  a.params = {"input_file_id=file-other"};
  EXPECT_NE(BuildPredictRequest(a).status().reason().find("both"), std::string::npos);
  a = OpenAIArgs();
  a.params = {"k=1", "k=2"};
  EXPECT_NE(BuildPredictRequest(a).status().reason().find("twice"), std::string::npos);
}

TEST(PredictRequestTest, ReadsTheTaskOfEachProvider) {
  auto openai = ParsePredictionView(
      R"({"task_type":"BATCH_PREDICTION","state":"RUNNING","remote_job":{"id":"batch_1",
          "status":"in_progress","request_counts":{"total":5,"completed":3,"failed":1}}})");
  ASSERT_TRUE(openai.ok());
  EXPECT_FALSE(openai->finished());
  EXPECT_EQ(FormatPredictionLine(*openai),
            "remote job batch_1: in_progress, 3/5 requests done, 1 failed");
  auto bedrock = ParsePredictionView(
      R"({"state":"COMPLETED","ingest_task_id":"t2","remote_job":{
          "jobArn":"arn:aws:bedrock:us-east-1:1:model-invocation-job/abc","status":"Completed"}})");
  ASSERT_TRUE(bedrock.ok());
  EXPECT_TRUE(bedrock->finished());
  EXPECT_EQ(bedrock->ingest_task_id, "t2");
  EXPECT_EQ(FormatPredictionLine(*bedrock),
            "remote job arn:aws:bedrock:us-east-1:1:model-invocation-job/abc: Completed");
  auto sagemaker = ParsePredictionView(
      R"({"state":"FAILED","error":"boom","remote_job":{"TransformJobName":"j",
          "TransformJobStatus":"Failed"}})");
  ASSERT_TRUE(sagemaker.ok());
  EXPECT_EQ(sagemaker->error, "boom");
  EXPECT_EQ(FormatPredictionLine(*sagemaker), "remote job j: Failed");
  auto fresh = ParsePredictionView(R"({"state":"CREATED"})");
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(FormatPredictionLine(*fresh),
            "prediction CREATED: waiting for the provider to accept the job");
  EXPECT_FALSE(ParsePredictionView("nope").ok());
}

}  // namespace
}  // namespace sluice::cli
