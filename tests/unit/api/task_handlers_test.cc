// The Tasks REST API (api/task_handlers.cc) on a Router over a real
// TaskManager in a temp Store, with fake jobs driven by events.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <memory>
#include <string>
#include <vector>

#include "api/api_context.h"
#include "api/routes.h"
#include "http/request.h"
#include "http/router.h"
#include "tasks/task_manager.h"
#include "tasks/task_test_support.h"

namespace sluice::api {
namespace {

using tasks::TaskState;
using tasks::testing::JobFor;
using tasks::testing::Probe;

class TaskHandlersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    manager_ = std::make_unique<tasks::TaskManager>(store_.get(),
                                                    tasks::TaskManagerOptions{.max_running = 1});
    ctx_.tasks = manager_.get();
    RegisterTaskRoutes(router_, ctx_);
  }

  http::Response Call(std::string method, std::string target, std::string body = "") {
    http::Request::Pairs headers;
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    http::Request request =
        http::Request::Make(std::move(method), std::move(target), std::move(body), headers);
    return router_.Dispatch(request);
  }

  static rapidjson::Document Json(const http::Response& r) {
    rapidjson::Document doc;
    doc.Parse(r.body.c_str());
    EXPECT_FALSE(doc.HasParseError()) << r.body;
    return doc;
  }

  static std::vector<std::string> Keys(const rapidjson::Value& object) {
    std::vector<std::string> keys;
    for (const auto& m : object.GetObject()) keys.emplace_back(m.name.GetString());
    return keys;
  }

  // A task that ran to the end with `outcome`.
  std::string FinishedTask(util::Status outcome = {}, std::string request = "",
                           std::string task_type = "BATCH_INGEST") {
    auto probe = std::make_shared<Probe>();
    probe->Finish(std::move(outcome));
    auto id = manager_->Submit(std::move(task_type), std::move(request), JobFor(probe));
    EXPECT_TRUE(id.ok());
    EXPECT_TRUE(manager_->Wait(*id).ok());
    return *id;
  }

  std::string Path(const std::string& id, const std::string& suffix = "") {
    return "/_plugins/_ml/tasks/" + id + suffix;
  }

  tasks::testing::TempStore store_;
  std::unique_ptr<tasks::TaskManager> manager_;
  ApiContext ctx_;
  http::Router router_;
};

TEST_F(TaskHandlersTest, GetShowsTheTaskInMlCommonsKeyOrderWithoutTaskId) {
  auto probe = std::make_shared<Probe>();
  probe->on_start = [](tasks::TaskContext& context) {
    context.SetProgress(0.25f, R"({"lines":7})");
    return util::Status::Ok();
  };
  auto id = manager_->Submit("BATCH_INGEST", R"({"index_name":"idx"})", JobFor(probe));
  ASSERT_TRUE(id.ok());
  probe->WaitStarted();

  auto r = Call("GET", Path(*id));
  ASSERT_EQ(r.status, 200) << r.body;
  auto doc = Json(r);
  EXPECT_EQ(Keys(doc), (std::vector<std::string>{"task_type", "state", "progress", "create_time",
                                                 "last_update_time", "is_async", "ingest_status",
                                                 "request"}));
  EXPECT_STREQ(doc["task_type"].GetString(), "BATCH_INGEST");
  EXPECT_STREQ(doc["state"].GetString(), "RUNNING");
  ASSERT_TRUE(doc["progress"].IsNumber());  // ml-commons' MLTask.progress is a Float
  EXPECT_EQ(doc["progress"].GetDouble(), 0.25);
  EXPECT_EQ(doc["ingest_status"]["lines"].GetInt(), 7);
  EXPECT_TRUE(doc["create_time"].IsInt64());
  EXPECT_TRUE(doc["is_async"].GetBool());
  EXPECT_STREQ(doc["request"]["index_name"].GetString(), "idx");
  probe->Finish();
  ASSERT_TRUE(manager_->Wait(*id).ok());
}

TEST_F(TaskHandlersTest, GetOfFailedTaskShowsErrorAndOmitsEmptyExtensions) {
  std::string id = FinishedTask(util::InvalidArgument("Failed to batch ingest: bad line"));
  auto r = Call("GET", Path(id));
  ASSERT_EQ(r.status, 200) << r.body;
  auto doc = Json(r);
  EXPECT_EQ(Keys(doc), (std::vector<std::string>{"task_type", "state", "create_time",
                                                 "last_update_time", "error", "is_async"}));
  EXPECT_STREQ(doc["state"].GetString(), "FAILED");
  EXPECT_STREQ(doc["error"].GetString(), "Failed to batch ingest: bad line");
}

TEST_F(TaskHandlersTest, GetOfUnknownTaskIs404StatusException) {
  auto r = Call("GET", Path("does-not-exist"));
  EXPECT_EQ(r.status, 404);
  auto doc = Json(r);
  EXPECT_STREQ(doc["error"]["type"].GetString(), "status_exception");
  EXPECT_STREQ(doc["error"]["reason"].GetString(), "Failed to find task");
  EXPECT_EQ(doc["status"].GetInt(), 404);
}

TEST_F(TaskHandlersTest, SearchWithoutBodyMatchesAllTasksNewestFirst) {
  std::string first = FinishedTask();
  std::string second = FinishedTask(util::InvalidArgument("x"));
  for (const char* method : {"GET", "POST"}) {
    auto r = Call(method, "/_plugins/_ml/tasks/_search");
    ASSERT_EQ(r.status, 200) << r.body;
    auto doc = Json(r);
    EXPECT_EQ(Keys(doc), (std::vector<std::string>{"took", "timed_out", "_shards", "hits"}));
    const auto& hits = doc["hits"];
    EXPECT_EQ(hits["total"]["value"].GetInt(), 2);
    EXPECT_STREQ(hits["total"]["relation"].GetString(), "eq");
    EXPECT_EQ(hits["max_score"].GetDouble(), 1.0);
    ASSERT_EQ(hits["hits"].Size(), 2u);
    const auto& hit = hits["hits"][0];
    EXPECT_STREQ(hit["_index"].GetString(), ".plugins-ml-task");
    EXPECT_EQ(hit["_id"].GetString(), second);
    EXPECT_EQ(hit["_score"].GetDouble(), 1.0);
    EXPECT_STREQ(hit["_source"]["state"].GetString(), "FAILED");
    EXPECT_FALSE(hit["_source"].HasMember("task_id"));
    EXPECT_EQ(hits["hits"][1]["_id"].GetString(), first);
  }
}

TEST_F(TaskHandlersTest, SearchFiltersByTermOnStateOrTaskType) {
  std::string completed = FinishedTask();
  std::string failed = FinishedTask(util::InvalidArgument("x"));
  std::string other = FinishedTask({}, "", "OTHER");
  auto ids = [this](const std::string& body) {
    auto r = Call("POST", "/_plugins/_ml/tasks/_search", body);
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::string> out;
    auto doc = Json(r);
    for (const auto& hit : doc["hits"]["hits"].GetArray()) out.emplace_back(hit["_id"].GetString());
    return out;
  };
  EXPECT_EQ(ids(R"({"query":{"term":{"state":"FAILED"}}})"), std::vector<std::string>{failed});
  EXPECT_EQ(ids(R"({"query":{"term":{"state":{"value":"COMPLETED"}}}})"),
            (std::vector<std::string>{other, completed}));
  EXPECT_EQ(ids(R"({"query":{"term":{"task_type":"OTHER"}}})"), std::vector<std::string>{other});
  EXPECT_EQ(ids(R"({"query":{"term":{"state":"RUNNING"}}})"), std::vector<std::string>{});
  EXPECT_EQ(ids(R"({"query":{"match_all":{}}})").size(), 3u);
}

TEST_F(TaskHandlersTest, SearchPagesWithSizeAndFrom) {
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) ids.push_back(FinishedTask());
  auto r = Call("POST", "/_plugins/_ml/tasks/_search", R"({"size":2,"from":1})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto doc = Json(r);
  EXPECT_EQ(doc["hits"]["total"]["value"].GetInt(), 4);
  ASSERT_EQ(doc["hits"]["hits"].Size(), 2u);
  EXPECT_EQ(doc["hits"]["hits"][0]["_id"].GetString(), ids[2]);
  EXPECT_EQ(doc["hits"]["hits"][1]["_id"].GetString(), ids[1]);

  auto empty = Json(Call("GET", "/_plugins/_ml/tasks/_search?size=0"));
  EXPECT_EQ(empty["hits"]["total"]["value"].GetInt(), 4);
  EXPECT_EQ(empty["hits"]["hits"].Size(), 0u);
  EXPECT_TRUE(empty["hits"]["max_score"].IsNull());
}

TEST_F(TaskHandlersTest, SearchRejectsWhatItDoesNotSupportWithParsingException) {
  struct Case {
    const char* body;
    const char* named;
  };
  for (const Case& c :
       {Case{R"({"query":{"bool":{"must":[]}}})", "[bool]"},
        Case{R"({"query":{"term":{"worker_node":"n1"}}})", "[worker_node]"},
        Case{R"({"sort":[{"create_time":"desc"}]})", "[sort]"}, Case{R"({"size":-1})", "[size]"}}) {
    auto r = Call("POST", "/_plugins/_ml/tasks/_search", c.body);
    EXPECT_EQ(r.status, 400) << c.body;
    auto doc = Json(r);
    EXPECT_STREQ(doc["error"]["type"].GetString(), "parsing_exception") << c.body;
    EXPECT_NE(std::string(doc["error"]["reason"].GetString()).find(c.named), std::string::npos)
        << r.body;
  }
  EXPECT_EQ(Call("POST", "/_plugins/_ml/tasks/_search", "{not json").status, 400);
}

TEST_F(TaskHandlersTest, DeleteAnswersLikeADocumentDeleteAndRemovesTheTask) {
  std::string id = FinishedTask();
  auto r = Call("DELETE", Path(id));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"_index":".plugins-ml-task","_id":")" + id +
                        R"(","_version":1,"result":"deleted","_shards":{"total":1,)"
                        R"("successful":1,"failed":0},"_seq_no":0,"_primary_term":1})");
  EXPECT_EQ(Call("GET", Path(id)).status, 404);
  EXPECT_EQ(Call("DELETE", Path(id)).status, 404);
}

TEST_F(TaskHandlersTest, DeleteOfRunningTaskStopsItsJob) {
  auto probe = std::make_shared<Probe>();
  auto id = manager_->Submit("BATCH_INGEST", "", JobFor(probe));
  ASSERT_TRUE(id.ok());
  probe->WaitStarted();
  EXPECT_EQ(Call("DELETE", Path(*id)).status, 200);
  EXPECT_EQ(Call("GET", Path(*id)).status, 404);
  probe->WaitStopped();
  EXPECT_TRUE(probe->saw_cancel());
}

TEST_F(TaskHandlersTest, CancelAnswersTheStateAndRefusesFinishedTasks) {
  auto running = std::make_shared<Probe>(), queued = std::make_shared<Probe>();
  auto running_id = manager_->Submit("BATCH_INGEST", "", JobFor(running));
  auto queued_id = manager_->Submit("BATCH_INGEST", "", JobFor(queued));
  ASSERT_TRUE(running_id.ok() && queued_id.ok());
  running->WaitStarted();  // one worker: the second task waits CREATED

  auto r = Call("POST", Path(*queued_id, "/_cancel"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"task_id":")" + *queued_id + R"(","state":"CANCELLED"})");

  r = Call("POST", Path(*running_id, "/_cancel"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"task_id":")" + *running_id + R"(","state":"RUNNING"})");
  EXPECT_EQ(manager_->Wait(*running_id)->state, TaskState::kCancelled);

  r = Call("POST", Path(*running_id, "/_cancel"));
  EXPECT_EQ(r.status, 400);
  auto doc = Json(r);
  EXPECT_STREQ(doc["error"]["type"].GetString(), "illegal_argument_exception");
  EXPECT_EQ(doc["error"]["reason"].GetString(),
            "Task [" + *running_id + "] is already CANCELLED and cannot be cancelled");
  EXPECT_EQ(Call("POST", Path("nope", "/_cancel")).status, 404);
}

}  // namespace
}  // namespace sluice::api
