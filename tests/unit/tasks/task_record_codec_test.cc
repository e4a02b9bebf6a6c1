#include "tasks/task_record_codec.h"

#include <gtest/gtest.h>

namespace sluice::tasks {
namespace {

TEST(TaskRecordCodecTest, RoundTripsEveryField) {
  TaskRecord r;
  r.task_id = "abcdefghijklmnopqrst";
  r.task_type = "BATCH_INGEST";
  r.state = TaskState::kFailed;
  r.create_time = 1726000000000;
  r.last_update_time = 1726000003000;
  r.error = "Failed to batch ingest: \"quoted\"\nnext line";
  r.progress = 0.375f;
  r.ingest_status_json = R"({"lines":3,"nested":{"a":[1,2]}})";
  r.request_json = R"({"index_name":"my-index"})";
  r.owner = "alice";
  auto decoded = DecodeTaskRecord(EncodeTaskRecord(r));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->task_id, r.task_id);
  EXPECT_EQ(decoded->task_type, r.task_type);
  EXPECT_EQ(decoded->state, r.state);
  EXPECT_EQ(decoded->create_time, r.create_time);
  EXPECT_EQ(decoded->last_update_time, r.last_update_time);
  EXPECT_EQ(decoded->error, r.error);
  EXPECT_EQ(decoded->progress, r.progress);
  EXPECT_EQ(decoded->ingest_status_json, r.ingest_status_json);
  EXPECT_EQ(decoded->request_json, r.request_json);
  EXPECT_EQ(decoded->owner, "alice");  // task ownership survives a restart
}

TEST(TaskRecordCodecTest, RoundTripsCompletedWithError) {
  TaskRecord r;
  r.task_id = "x";
  r.state = TaskState::kCompletedWithError;
  r.error = "1 of 2 records failed";
  auto decoded = DecodeTaskRecord(EncodeTaskRecord(r));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->state, TaskState::kCompletedWithError);
  EXPECT_TRUE(IsFinished(decoded->state));
  EXPECT_EQ(TaskStateName(decoded->state), "COMPLETED_WITH_ERROR");
}

TEST(TaskRecordCodecTest, ReadsTheDetailedStatusOfRecordsStoredBeforeIngestStatus) {
  // Earlier versions kept the detailed object as a string under "progress".
  auto decoded = DecodeTaskRecord(
      R"({"task_id":"x","task_type":"BATCH_INGEST","state":"COMPLETED","create_time":1,)"
      R"("last_update_time":2,"progress":"{\"records_read\":3}","request":"{}"})");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->ingest_status_json, R"({"records_read":3})");
  EXPECT_FALSE(decoded->progress.has_value());
}

TEST(TaskRecordCodecTest, KeepsAbsentErrorAbsent) {
  TaskRecord r;
  r.task_id = "x";
  auto decoded = DecodeTaskRecord(EncodeTaskRecord(r));
  ASSERT_TRUE(decoded.ok());
  EXPECT_FALSE(decoded->error.has_value());
  EXPECT_EQ(decoded->state, TaskState::kCreated);
  EXPECT_EQ(decoded->ingest_status_json, "");
  EXPECT_FALSE(decoded->progress.has_value());
  EXPECT_EQ(decoded->owner, "");  // records from before security have no owner
}

TEST(TaskRecordCodecTest, RejectsDamagedRecordsWithoutCrashing) {
  for (const char* text : {"", "not json", "[]", R"({"task_id":"x"})",
                           R"({"task_id":"x","task_type":"T","state":"PAUSED",)"
                           R"("create_time":1,"last_update_time":1})",
                           R"({"task_id":"x","task_type":"T","state":"CREATED",)"
                           R"("create_time":"soon","last_update_time":1})"}) {
    auto decoded = DecodeTaskRecord(text);
    EXPECT_FALSE(decoded.ok()) << text;
    EXPECT_EQ(decoded.status().type(), "io_exception") << text;
  }
}

TEST(TaskRecordCodecTest, NamesAndParsesEveryState) {
  for (TaskState s : {TaskState::kCreated, TaskState::kRunning, TaskState::kCompleted,
                      TaskState::kFailed, TaskState::kCancelled}) {
    EXPECT_EQ(ParseTaskState(TaskStateName(s)), s);
  }
  EXPECT_EQ(TaskStateName(TaskState::kCancelled), "CANCELLED");
  EXPECT_EQ(ParseTaskState("running"), std::nullopt);
  EXPECT_TRUE(IsFinished(TaskState::kCancelled));
  EXPECT_FALSE(IsFinished(TaskState::kRunning));
}

}  // namespace
}  // namespace sluice::tasks
