// Models with an inline connector (sealed like a standalone one, never shown
// with its credential, not listed, deleted with the model), register with
// deploy, connectors in use, and PredictionOutput: where a finished
// BATCH_PREDICTION task's output is, per provider.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "index/test_store.h"
#include "ml/connector_store.h"
#include "ml/model_store.h"
#include "ml/prediction_output.h"
#include "secrets/sealer.h"
#include "tasks/task_manager.h"

namespace sluice::ml {
namespace {

constexpr const char* kSecret = "sk-inline-unit-secret";

std::string Connector() {
  return std::string(R"({
    "name": "OpenAI batch", "version": "1", "protocol": "http",
    "parameters": {"endpoint": "/v1/embeddings"},
    "credential": {"openAI_key": ")") +
         kSecret + R"("},
    "actions": [{"action_type": "batch_predict", "method": "POST",
                 "url": "https://api.openai.com/v1/batches",
                 "headers": {"Authorization": "Bearer ${credential.openAI_key}"},
                 "request_body": "{}"}]})";
}

class InlineConnectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_dir_ = std::filesystem::temp_directory_path() /
               ("sluice-inline-key-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(key_dir_);
    auto sealer = secrets::Sealer::Open({(key_dir_ / "k.key").string(), "", ""});
    ASSERT_TRUE(sealer.ok()) << sealer.status().ToString();
    sealer_ = std::move(*sealer);
    connectors_ = std::make_unique<ConnectorStore>(store_.get(), sealer_.get());
    models_ = std::make_unique<ModelStore>(store_.get(), connectors_.get());
  }
  void TearDown() override { std::filesystem::remove_all(key_dir_); }

  testutil::TempStore store_;
  std::filesystem::path key_dir_;
  std::unique_ptr<secrets::Sealer> sealer_;
  std::unique_ptr<ConnectorStore> connectors_;
  std::unique_ptr<ModelStore> models_;
};

TEST_F(InlineConnectorTest, RegisterWithAnInlineConnector) {
  auto id =
      models_->Register(R"({"name":"m","function_name":"remote","connector":)" + Connector() + "}");
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  auto m = models_->Get(*id);
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->inline_connector);
  EXPECT_EQ(m->state, "REGISTERED");
  EXPECT_NE(m->json.find(R"("connector":{"name":"OpenAI batch")"), std::string::npos) << m->json;
  EXPECT_EQ(m->json.find("connector_id"), std::string::npos) << m->json;
  EXPECT_EQ(m->json.find(kSecret), std::string::npos);
  EXPECT_EQ(m->json.find(R"("credential":)"), std::string::npos) << m->json;
  // The model's connector holds the credential, sealed; it is not listed.
  auto c = connectors_->Get(m->connector_id);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->model_id, *id);
  EXPECT_EQ(connectors_->Credential(m->connector_id)->at("openAI_key").Reveal(), kSecret);
  EXPECT_TRUE(connectors_->List()->empty());
  bool plain = false;
  ASSERT_TRUE(store_
                  ->Scan(storage::Column::kMeta, "",
                         [&](std::string_view, std::string_view v) {
                           plain = plain || v.find(kSecret) != std::string_view::npos;
                           return true;
                         })
                  .ok());
  EXPECT_FALSE(plain) << "the credential is stored in plain form";
  // Nobody else may name it as a connector_id.
  EXPECT_EQ(models_->Register(R"({"name":"n","connector_id":")" + m->connector_id + R"("})")
                .status()
                .code(),
            util::Code::kNotFound);
  // Deleting the model deletes its connector.
  ASSERT_TRUE(models_->Delete(*id).ok());
  EXPECT_EQ(connectors_->Get(m->connector_id).status().code(), util::Code::kNotFound);
}

TEST_F(InlineConnectorTest, InlineConnectorIsValidatedLikeAStandaloneOne) {
  auto no_credential =
      models_->Register(R"({"name":"m","connector":{"name":"c","version":"1","protocol":"http"}})");
  EXPECT_EQ(no_credential.status().reason(), "Connector credential is null or empty list");
  EXPECT_EQ(models_->Register(R"({"name":"m","connector":"x"})").status().reason(),
            "[connector] must be an object");
  auto standalone = connectors_->Create(Connector());
  ASSERT_TRUE(standalone.ok());
  EXPECT_EQ(models_
                ->Register(R"({"name":"m","connector_id":")" + *standalone + R"(","connector":)" +
                           Connector() + "}")
                .status()
                .code(),
            util::Code::kInvalidArgument);
  EXPECT_EQ(models_->Register(R"({"name":"m"})").status().reason(), "[connector_id] is required");
  // Nothing failed left a connector behind.
  EXPECT_EQ(connectors_->List()->size(), 1u);
}

TEST_F(InlineConnectorTest, RegisterWithDeployAndDeleteWhileDeployed) {
  auto c = connectors_->Create(Connector());
  ASSERT_TRUE(c.ok());
  auto id = models_->Register(R"({"name":"m","connector_id":")" + *c + R"("})", true);
  ASSERT_TRUE(id.ok());
  auto m = models_->Get(*id);
  EXPECT_EQ(m->state, "DEPLOYED");
  EXPECT_NE(m->json.find("last_deployed_time"), std::string::npos);
  auto refused = models_->Delete(*id);
  EXPECT_EQ(refused.code(), util::Code::kInvalidArgument);
  EXPECT_EQ(refused.reason(),
            "Model cannot be deleted in deploying or deployed state. Try undeploy model first "
            "then delete");
  ASSERT_TRUE(models_->SetState(*id, "UNDEPLOYED").ok());
  EXPECT_FALSE(models_->Get(*id)->inline_connector);
  ASSERT_TRUE(models_->Delete(*id).ok());
  EXPECT_TRUE(connectors_->Get(*c).ok());  // a standalone connector outlives its models
}

tasks::TaskRecord Prediction(std::string remote_job) {
  tasks::TaskRecord r;
  r.task_id = "t1";
  r.task_type = "BATCH_PREDICTION";
  r.state = tasks::TaskState::kCompleted;
  r.request_json = R"({"model_id":"m","connector_id":"c1","parameters":{}})";
  r.ingest_status_json = R"({"model_id":"m","remote_job":)" + remote_job + "}";
  return r;
}

TEST(PredictionOutputTest, EachProvidersOutputAndInput) {
  auto openai = PredictionOutputOf(
      Prediction(R"({"id":"batch_1","status":"completed","input_file_id":"file-in",
                     "output_file_id":"file-out","error_file_id":null})"));
  ASSERT_TRUE(openai.ok()) << openai.status().ToString();
  EXPECT_EQ(openai->type, "openAI");
  EXPECT_EQ(openai->locations, (std::vector<std::string>{"file-out", "file-in"}));
  EXPECT_EQ(openai->connector_id, "c1");
  auto bedrock = PredictionOutputOf(Prediction(
      R"({"jobArn":"arn:aws:bedrock:us-east-1:123:model-invocation-job/abc123","status":"Completed",
          "inputDataConfig":{"s3InputDataConfig":{"s3Uri":"s3://in/records.jsonl"}},
          "outputDataConfig":{"s3OutputDataConfig":{"s3Uri":"s3://out/batch"}}})"));
  ASSERT_TRUE(bedrock.ok()) << bedrock.status().ToString();
  EXPECT_EQ(bedrock->type, "s3");
  EXPECT_EQ(bedrock->locations,
            (std::vector<std::string>{"s3://out/batch/abc123/", "s3://in/records.jsonl"}));
  auto sagemaker = PredictionOutputOf(Prediction(
      R"({"TransformJobName":"j","TransformJobStatus":"Completed",
          "TransformInput":{"DataSource":{"S3DataSource":{"S3Uri":"s3://in/data/"}}},
          "TransformOutput":{"S3OutputPath":"s3://out/sm"}})"));
  ASSERT_TRUE(sagemaker.ok()) << sagemaker.status().ToString();
  EXPECT_EQ(sagemaker->locations, (std::vector<std::string>{"s3://out/sm/", "s3://in/data/"}));
}

TEST(PredictionOutputTest, RefusesWhatHasNoOutput) {
  auto running = Prediction(R"({"id":"b","status":"in_progress"})");
  running.state = tasks::TaskState::kRunning;
  auto r = PredictionOutputOf(running);
  EXPECT_EQ(r.status().code(), util::Code::kInvalidArgument);
  EXPECT_NE(r.status().reason().find("is RUNNING"), std::string::npos) << r.status().reason();
  auto ingest = Prediction("{}");
  ingest.task_type = "BATCH_INGEST";
  EXPECT_NE(PredictionOutputOf(ingest).status().reason().find("not a BATCH_PREDICTION"),
            std::string::npos);
  EXPECT_NE(PredictionOutputOf(Prediction(R"({"id":"b","status":"completed"})"))
                .status()
                .reason()
                .find("no output"),
            std::string::npos);
  testutil::TempStore store;
  tasks::TaskManager tasks(store.get(), {});
  auto unknown = PredictionOutput(tasks, "nope");
  EXPECT_EQ(unknown.status().code(), util::Code::kInvalidArgument);
  EXPECT_NE(unknown.status().reason().find("[nope] does not exist"), std::string::npos);
}

}  // namespace
}  // namespace sluice::ml
