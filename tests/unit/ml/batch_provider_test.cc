// The batch providers' status mappings (provider status → RemoteState, the
// provider's reason, where the output is), SageMaker's JSON 1.1 rewriting,
// provider recognition, and ConnectorCaller's rendering of Bedrock and
// SageMaker connectors (templates, endpoint overrides, SigV4 signing keys).
#include "ml/batch_provider.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "index/test_store.h"
#include "ml/batch_predict.h"
#include "ml/connector_call.h"
#include "ml/connector_store.h"
#include "secrets/sealer.h"

namespace sluice::ml {
namespace {

std::string BedrockJob(const std::string& status, const std::string& extra = "") {
  return R"({"jobArn":"arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/abc123def456",)"
         R"("status":")" +
         status + R"(",)" + extra +
         R"("inputDataConfig":{"s3InputDataConfig":{"s3Uri":"s3://b/in/input.jsonl"}},)"
         R"("outputDataConfig":{"s3OutputDataConfig":{"s3Uri":"s3://b/out"}}})";
}

TEST(BedrockStatus, EveryStatusMapsToItsState) {
  for (const char* running : {"Submitted", "Validating", "Scheduled", "InProgress", "Stopping"}) {
    auto job = BedrockJobFromResponse("abc123def456", BedrockJob(running));
    ASSERT_TRUE(job.ok());
    EXPECT_EQ(job->state, RemoteState::kRunning) << running;
    EXPECT_EQ(job->status, running);
    EXPECT_TRUE(job->outputs.empty());
  }
  for (const char* done : {"Completed", "PartiallyCompleted"}) {
    auto job = BedrockJobFromResponse("abc123def456", BedrockJob(done));
    ASSERT_TRUE(job.ok());
    EXPECT_EQ(job->state, RemoteState::kCompleted) << done;
    EXPECT_EQ(job->output_type, "s3");
    EXPECT_EQ(job->outputs,
              (std::vector<std::string>{"s3://b/out/abc123def456/", "s3://b/in/input.jsonl"}));
    EXPECT_TRUE(job->output_may_lag);
  }
  auto stopped = BedrockJobFromResponse("abc123def456", BedrockJob("Stopped"));
  EXPECT_EQ(stopped->state, RemoteState::kCancelled);
}

TEST(BedrockStatus, FailedAndExpiredCarryTheJobsMessage) {
  auto failed = BedrockJobFromResponse("abc123def456",
                                       BedrockJob("Failed", R"("message":"bad input file",)"));
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(failed->state, RemoteState::kFailed);
  EXPECT_EQ(failed->reason, "the remote batch job abc123def456 Failed: bad input file");
  auto expired = BedrockJobFromResponse("abc123def456", BedrockJob("Expired"));
  EXPECT_EQ(expired->state, RemoteState::kFailed);
  EXPECT_EQ(expired->reason, "the remote batch job abc123def456 Expired");
}

TEST(BedrockStatus, NotAnObjectIsUnavailable) {
  EXPECT_EQ(BedrockJobFromResponse("x", "[1]").status().code(), util::Code::kUnavailable);
}

std::string TransformJob(const std::string& status, const std::string& uri,
                         const std::string& extra = "") {
  return R"({"TransformJobName":"SM-job","TransformJobStatus":")" + status + R"(",)" + extra +
         R"("TransformInput":{"DataSource":{"S3DataSource":{"S3DataType":"S3Prefix","S3Uri":")" +
         uri + R"("}}},"TransformOutput":{"S3OutputPath":"s3://b/output"}})";
}

TEST(SageMakerStatus, EveryStatusMapsToItsState) {
  EXPECT_EQ(SageMakerJobFromResponse(TransformJob("InProgress", "s3://b/in.json"))->state,
            RemoteState::kRunning);
  EXPECT_EQ(SageMakerJobFromResponse(TransformJob("Stopping", "s3://b/in.json"))->state,
            RemoteState::kRunning);
  EXPECT_EQ(SageMakerJobFromResponse(TransformJob("Stopped", "s3://b/in.json"))->state,
            RemoteState::kCancelled);
  auto failed = SageMakerJobFromResponse(
      TransformJob("Failed", "s3://b/in.json", R"("FailureReason":"ClientError: no model",)"));
  EXPECT_EQ(failed->state, RemoteState::kFailed);
  EXPECT_EQ(failed->reason, "the transform job SM-job Failed: ClientError: no model");
}

TEST(SageMakerStatus, OutputIsTheInputNamePlusOutOrThePathForAPrefix) {
  auto file = SageMakerJobFromResponse(TransformJob("Completed", "s3://b/dir/in.json"));
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file->state, RemoteState::kCompleted);
  EXPECT_EQ(file->id, "SM-job");
  EXPECT_EQ(file->outputs,
            (std::vector<std::string>{"s3://b/output/in.json.out", "s3://b/dir/in.json"}));
  auto prefix = SageMakerJobFromResponse(TransformJob("Completed", "s3://b/dir/"));
  EXPECT_EQ(prefix->outputs, (std::vector<std::string>{"s3://b/output/", "s3://b/dir/"}));
  EXPECT_FALSE(prefix->output_may_lag);
}

TEST(SageMakerJson11, OperationInThePathBecomesTheTarget) {
  Call call;
  call.url = "http://127.0.0.1:9/CreateTransformJob";
  call.headers = {{"content-type", "application/json"}};
  ASSERT_TRUE(ToSageMakerJson11(&call, "CreateTransformJob").ok());
  EXPECT_EQ(call.url, "http://127.0.0.1:9/");
  EXPECT_EQ(call.headers, (sources::HeaderList{{"content-type", "application/x-amz-json-1.1"},
                                               {"X-Amz-Target", "SageMaker.CreateTransformJob"}}));
  Call given;  // a connector that already says it all is left alone
  given.url = "https://api.sagemaker.eu-west-1.amazonaws.com/";
  given.headers = {{"X-Amz-Target", "SageMaker.CreateTransformJob"}};
  ASSERT_TRUE(ToSageMakerJson11(&given, "CreateTransformJob").ok());
  EXPECT_EQ(given.url, "https://api.sagemaker.eu-west-1.amazonaws.com/");
  EXPECT_EQ(given.headers.size(), 2u);
}

TEST(ProviderForUrl, ByHostOrByPath) {
  EXPECT_EQ(ProviderForUrl("https://api.openai.com/v1/batches"), &OpenAiBatchProvider());
  EXPECT_EQ(ProviderForUrl("https://bedrock.us-west-2.amazonaws.com/model-invocation-job"),
            &BedrockBatchProvider());
  EXPECT_EQ(ProviderForUrl("https://api.sagemaker.us-east-1.amazonaws.com/CreateTransformJob"),
            &SageMakerBatchProvider());
  EXPECT_EQ(ProviderForUrl("http://10.0.0.1:8080/model-invocation-job"), &BedrockBatchProvider());
  EXPECT_EQ(ProviderForUrl("https://example.com/predict"), nullptr);
  EXPECT_EQ(ProviderNamed("sagemaker"), &SageMakerBatchProvider());
  EXPECT_EQ(ProviderNamed("cohere"), nullptr);
}

constexpr const char* kSageMakerConnector = R"({
  "name": "sm", "version": "1", "protocol": "aws_sigv4",
  "credential": {"access_key": "AKIDUNIT", "secret_key": "unit-secret", "session_token": "unit-token"},
  "parameters": {"region": "eu-west-1", "service_name": "sagemaker", "TransformJobName": "job-a",
                 "TransformResources": {"InstanceCount": 1, "InstanceType": "ml.c5.xlarge"}},
  "actions": [{"action_type": "batch_predict", "method": "POST",
               "url": "https://api.sagemaker.${parameters.region}.amazonaws.com/CreateTransformJob",
               "headers": {"content-type": "application/json"},
               "request_body": "{\"TransformJobName\": \"${parameters.TransformJobName}\", \"TransformResources\": ${parameters.TransformResources}}"}]})";

class ConnectorCallerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_dir_ = std::filesystem::temp_directory_path() /
               ("sluice-ml-caller-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(key_dir_);
    auto sealer = secrets::Sealer::Open({(key_dir_ / "k.key").string(), "", ""});
    ASSERT_TRUE(sealer.ok()) << sealer.status().ToString();
    sealer_ = std::move(*sealer);
    connectors_ = std::make_unique<ConnectorStore>(store_.get(), sealer_.get());
  }
  void TearDown() override { std::filesystem::remove_all(key_dir_); }

  testutil::TempStore store_;
  std::filesystem::path key_dir_;
  std::unique_ptr<secrets::Sealer> sealer_;
  std::unique_ptr<ConnectorStore> connectors_;
};

TEST_F(ConnectorCallerTest, SageMakerCreateIsRenderedRedirectedAndSignedWithTheCredential) {
  auto id = connectors_->Create(kSageMakerConnector);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  ConnectorCallOptions options;
  options.sagemaker_endpoint = "http://127.0.0.1:4567";
  ConnectorCaller caller(connectors_.get(), options);
  auto call = caller.Render(*id, "BATCH_PREDICT", {{"TransformJobName", "job-b"}}, {}, "x");
  ASSERT_TRUE(call.ok()) << call.status().ToString();
  EXPECT_EQ(call->url, "http://127.0.0.1:4567/CreateTransformJob");
  EXPECT_EQ(
      call->body,
      R"({"TransformJobName": "job-b", "TransformResources": {"InstanceCount":1,"InstanceType":"ml.c5.xlarge"}})");
  ASSERT_TRUE(call->signing.has_value());
  EXPECT_EQ(call->signing->region, "eu-west-1");
  EXPECT_EQ(call->signing->service, "sagemaker");
  EXPECT_EQ(call->signing->keys.access_key, "AKIDUNIT");
  EXPECT_EQ(call->signing->keys.secret_key.Reveal(), "unit-secret");

  // Status is derived from the create action: Describe with the job's name.
  auto describe = caller.Render(*id, "BATCH_PREDICT_STATUS", {{"TransformJobName", "job-b"}},
                                {"POST", "DescribeTransformJob", true,
                                 R"({"TransformJobName":"${parameters.TransformJobName}"})"},
                                "x");
  ASSERT_TRUE(describe.ok()) << describe.status().ToString();
  EXPECT_EQ(describe->url, "http://127.0.0.1:4567/DescribeTransformJob");
  EXPECT_EQ(describe->body, R"({"TransformJobName":"job-b"})");
}

TEST_F(ConnectorCallerTest, BedrockStatusFallsBackToTheCreateUrlPlusTheJobId) {
  auto id = connectors_->Create(R"({
    "name": "br", "version": "1", "protocol": "aws_sigv4",
    "credential": {"access_key": "AKIDUNIT", "secret_key": "unit-secret"},
    "parameters": {"region": "us-west-2"},
    "actions": [{"action_type": "batch_predict", "method": "POST",
                 "url": "https://bedrock.${parameters.region}.amazonaws.com/model-invocation-job",
                 "request_body": "{\"jobName\": \"${parameters.job_name}\"}"}]})");
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  ConnectorCallOptions options;
  options.bedrock_endpoint = "http://127.0.0.1:4568";
  ConnectorCaller caller(connectors_.get(), options);
  auto get = caller.Render(*id, "BATCH_PREDICT_STATUS", {}, {"GET", "/abc", false, ""}, "bedrock");
  ASSERT_TRUE(get.ok()) << get.status().ToString();
  EXPECT_EQ(get->method, "GET");
  EXPECT_EQ(get->url, "http://127.0.0.1:4568/model-invocation-job/abc");
  EXPECT_EQ(get->body, "");
  EXPECT_EQ(get->signing->service, "bedrock");  // the connector names no service_name
  // The create needs job_name: a 400 naming it, not its value.
  auto create = caller.Render(*id, "BATCH_PREDICT", {}, {}, "bedrock");
  EXPECT_EQ(create.status().code(), util::Code::kInvalidArgument);
  EXPECT_NE(create.status().reason().find("[parameters.job_name]"), std::string::npos);
  EXPECT_EQ(caller.PredictUrl(*id, {}).value(),
            "https://bedrock.us-west-2.amazonaws.com/model-invocation-job");
}

// What a finished task's job wrote is read from its record alone (no store,
// no provider call): the data_source a later _batch_ingestion reads.
TEST(FinishedOutput, ReadsTheLastShownRemoteJob) {
  BatchPredictService service(nullptr, nullptr, nullptr, nullptr, {});
  tasks::TaskRecord record;
  record.task_id = "t1";
  record.task_type = std::string(kBatchPredictionTask);
  record.state = tasks::TaskState::kCompleted;
  record.request_json =
      R"({"model_id":"m","connector_id":"c1","provider":"bedrock","parameters":{}})";
  record.ingest_status_json = R"({"model_id":"m","remote_job_id":"abc123def456","remote_job":)" +
                              BedrockJob("Completed") + "}";
  auto out = service.FinishedOutput(record);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->type, "s3");
  EXPECT_EQ(out->sources,
            (std::vector<std::string>{"s3://b/out/abc123def456/", "s3://b/in/input.jsonl"}));
  EXPECT_EQ(out->connector_id, "c1");
  EXPECT_TRUE(out->may_lag);

  record.state = tasks::TaskState::kRunning;
  EXPECT_EQ(service.FinishedOutput(record).status().reason(),
            "Task [t1] is RUNNING: only a COMPLETED prediction has an output to ingest");
  record.state = tasks::TaskState::kCompleted;
  record.task_type = "BATCH_INGEST";
  EXPECT_EQ(service.FinishedOutput(record).status().code(), util::Code::kInvalidArgument);
}

TEST(TaskTokenTest, StableDistinctAndInTheProvidersAlphabets) {
  // Bedrock's clientRequestToken and SageMaker's TransformJobName allow
  // [a-zA-Z0-9](-*[a-zA-Z0-9])*; task ids have '-' and '_'.
  EXPECT_EQ(TaskToken("aB-_"), "sluice-61422d5f");
  EXPECT_EQ(TaskToken("wui_TzkIBPwMXJrR8riz"), TaskToken("wui_TzkIBPwMXJrR8riz"));
  EXPECT_NE(TaskToken("a-"), TaskToken("a_"));
  EXPECT_EQ(TaskToken("wui_TzkIBPwMXJrR8riz").size(), 47u);  // SageMaker allows 63
}

}  // namespace
}  // namespace sluice::ml
