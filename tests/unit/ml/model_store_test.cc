// ModelStore (register/get/list/state/delete, persisted across a reopen) and
// BatchPredictService's validation at submission: what is wrong with a
// request is the caller's error before any task or remote call exists.
#include "ml/model_store.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "index/test_store.h"
#include "ml/batch_predict.h"
#include "ml/connector_store.h"
#include "secrets/sealer.h"
#include "tasks/task_manager.h"

namespace sluice::ml {
namespace {

constexpr const char* kConnector = R"({
  "name": "OpenAI batch", "version": "1", "protocol": "http",
  "parameters": {"endpoint": "/v1/embeddings"},
  "credential": {"openAI_key": "sk-unit-secret"},
  "actions": [{"action_type": "batch_predict", "method": "POST",
               "url": "https://api.openai.com/v1/batches",
               "headers": {"Authorization": "Bearer ${credential.openAI_key}"},
               "request_body": "{\"input_file_id\": \"${parameters.input_file_id}\", \"endpoint\": \"${parameters.endpoint}\", \"completion_window\": \"24h\"}"}]})";

class ModelStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_dir_ = std::filesystem::temp_directory_path() /
               ("sluice-ml-key-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(key_dir_);
    auto sealer = secrets::Sealer::Open({(key_dir_ / "k.key").string(), "", ""});
    ASSERT_TRUE(sealer.ok()) << sealer.status().ToString();
    sealer_ = std::move(*sealer);
    connectors_ = std::make_unique<ConnectorStore>(store_.get(), sealer_.get());
    models_ = std::make_unique<ModelStore>(store_.get(), connectors_.get());
    auto id = connectors_->Create(kConnector);
    ASSERT_TRUE(id.ok()) << id.status().ToString();
    connector_id_ = *id;
  }
  void TearDown() override { std::filesystem::remove_all(key_dir_); }

  testutil::TempStore store_;
  std::filesystem::path key_dir_;
  std::unique_ptr<secrets::Sealer> sealer_;
  std::unique_ptr<ConnectorStore> connectors_;
  std::unique_ptr<ModelStore> models_;
  std::string connector_id_;
};

TEST_F(ModelStoreTest, RegisterGetStateListDelete) {
  auto id = models_->Register(R"({"name":"m","function_name":"REMOTE","connector_id":")" +
                              connector_id_ + R"("})");
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  auto m = models_->Get(*id);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->connector_id, connector_id_);
  EXPECT_NE(m->json.find(R"("model_state":"REGISTERED")"), std::string::npos) << m->json;
  ASSERT_TRUE(models_->SetState(*id, "DEPLOYED").ok());
  EXPECT_NE(models_->Get(*id)->json.find(R"("model_state":"DEPLOYED")"), std::string::npos);
  EXPECT_EQ(models_->Get(*id)->version, 2);
  auto all = models_->List();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].id, *id);
  EXPECT_EQ(models_->Delete(*id).code(), util::Code::kInvalidArgument);  // deployed
  ASSERT_TRUE(models_->SetState(*id, "UNDEPLOYED").ok());
  ASSERT_TRUE(models_->Delete(*id).ok());
  EXPECT_EQ(models_->Get(*id).status().code(), util::Code::kNotFound);
  EXPECT_EQ(models_->Delete(*id).code(), util::Code::kNotFound);
}

TEST_F(ModelStoreTest, RegisterRefusesWhatItCannotServe) {
  EXPECT_EQ(models_->Register(R"({"name":"m"})").status().reason(), "[connector_id] is required");
  EXPECT_EQ(models_->Register(R"({"connector_id":"x"})").status().reason(), "[name] is required");
  EXPECT_EQ(models_->Register(R"({"name":"m","connector_id":"nope"})").status().code(),
            util::Code::kNotFound);
  EXPECT_EQ(models_
                ->Register(R"({"name":"m","function_name":"TEXT_EMBEDDING","connector_id":")" +
                           connector_id_ + R"("})")
                .status()
                .code(),
            util::Code::kInvalidArgument);
  // An inline connector is validated as _create validates one.
  EXPECT_EQ(models_->Register(R"({"name":"m","connector":{}})").status().code(),
            util::Code::kInvalidArgument);
  EXPECT_EQ(models_->Register("[").status().code(), util::Code::kInvalidArgument);
}

TEST_F(ModelStoreTest, BatchPredictValidatesBeforeAnyTask) {
  tasks::TaskManager tasks(store_.get(), {});
  BatchPredictService predict(models_.get(), connectors_.get(), &tasks, nullptr, {});
  auto model = models_->Register(R"({"name":"m","connector_id":")" + connector_id_ + R"("})");
  ASSERT_TRUE(model.ok());
  EXPECT_EQ(predict.Submit("nope", "{}").status().code(), util::Code::kNotFound);
  auto missing = predict.Submit(*model, R"({"parameters":{}})");
  EXPECT_EQ(missing.status().code(), util::Code::kInvalidArgument);
  EXPECT_NE(missing.status().reason().find("[parameters.input_file_id]"), std::string::npos);
  // A parameter that breaks the JSON body is refused without echoing the body.
  auto broken = predict.Submit(*model, R"({"parameters":{"input_file_id":"a\"b"}})");
  EXPECT_EQ(broken.status().code(), util::Code::kInvalidArgument);
  EXPECT_EQ(broken.status().reason().find("sk-unit-secret"), std::string::npos);
  EXPECT_EQ(
      predict.Submit(*model, R"({"parameters":{"input_file_id":"f"},"ingest":{}})").status().code(),
      util::Code::kInvalidArgument);  // no ingestion service
  EXPECT_EQ(
      predict.Submit(*model, R"({"parameters":{"input_file_id":"f"},"extra":1})").status().code(),
      util::Code::kInvalidArgument);
  EXPECT_TRUE(tasks.List().empty());
}

}  // namespace
}  // namespace sluice::ml
