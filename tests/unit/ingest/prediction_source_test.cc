// data_source type batch_predict_task: the body is rewritten into the
// ordinary request the resolver describes, and what cannot be meant is a 400.
#include "ingest/prediction_source.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "ingest/ingest_request.h"

namespace sluice::ingest {
namespace {

PredictionSources Fake() {
  return [](const std::string& id) -> util::Result<PredictionSource> {
    if (id != "t1") return util::InvalidArgument("[data_source.source] task [" + id + "] unknown");
    return PredictionSource{"openAI", {"file-out", "file-in"}, "conn-1"};
  };
}

constexpr const char* kBody = R"({"index_name":"docs",
  "field_map":{"_id":["source[0].$.custom_id","source[1].$.custom_id"],
               "embedding":"source[0].$.response.body.data[0].embedding"},
  "data_source":{"type":"batch_predict_task","source":["t1"]}})";

TEST(PredictionSourceTest, RewritesIntoTheProvidersSource) {
  auto out = ExpandPredictionSource(kBody, Fake());
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  rapidjson::Document d;
  d.Parse(out->c_str());
  EXPECT_STREQ(d["data_source"]["type"].GetString(), "openAI");
  ASSERT_EQ(d["data_source"]["source"].Size(), 2u);
  EXPECT_STREQ(d["data_source"]["source"][0].GetString(), "file-out");
  EXPECT_STREQ(d["data_source"]["source"][1].GetString(), "file-in");
  EXPECT_STREQ(d["connector_id"].GetString(), "conn-1");
  // What comes out is an ordinary, valid request.
  auto parsed = ParseIngestRequest(*out);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->connector_id, "conn-1");
  EXPECT_EQ(parsed->source_count(), 2u);
}

TEST(PredictionSourceTest, OtherTypesPassUnchanged) {
  std::string body = R"({"index_name":"x","data_source":{"type":"s3","source":["s3://b/k"]}})";
  EXPECT_EQ(*ExpandPredictionSource(body, Fake()), body);
  EXPECT_EQ(*ExpandPredictionSource("not json", Fake()), "not json");
}

TEST(PredictionSourceTest, RefusesWhatCannotBeMeant) {
  auto reason = [](const std::string& body, const PredictionSources& r) {
    auto out = ExpandPredictionSource(body, r);
    EXPECT_FALSE(out.ok()) << body;
    EXPECT_EQ(out.status().code(), util::Code::kInvalidArgument);
    return out.ok() ? std::string() : out.status().reason();
  };
  EXPECT_NE(reason(kBody, nullptr).find("not available"), std::string::npos);
  EXPECT_NE(
      reason(R"({"index_name":"x","data_source":{"type":"BATCH_PREDICT_TASK","source":["t9"]}})",
             Fake())
          .find("[t9]"),
      std::string::npos);
  EXPECT_NE(
      reason(
          R"({"index_name":"x","data_source":{"type":"batch_predict_task","source":["t1","t2"]}})",
          Fake())
          .find("one task id"),
      std::string::npos);
  EXPECT_NE(
      reason(
          R"({"index_name":"x","connector_id":"c","data_source":{"type":"batch_predict_task","source":["t1"]}})",
          Fake())
          .find("[connector_id]"),
      std::string::npos);
  EXPECT_NE(
      reason(
          R"({"index_name":"x","credential":{"openAI_key":"k"},"data_source":{"type":"batch_predict_task","source":["t1"]}})",
          Fake())
          .find("[credential]"),
      std::string::npos);
}

}  // namespace
}  // namespace sluice::ingest
