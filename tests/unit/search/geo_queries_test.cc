#include "search/geo_queries.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "index/test_store.h"
#include "search/query_parser.h"

namespace sluice::search {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class GeoQueriesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto settings = index::IndexSettings::Parse("{}");
    ASSERT_TRUE(settings.ok());
    auto mapping = index::Mapping::Parse(
        R"({"properties":{"loc":{"type":"geo_point"},"k":{"type":"keyword"}}})", false);
    ASSERT_TRUE(mapping.ok());
    auto i = index::Index::Create(store_.get(), "g", *settings, *mapping, testutil::OneThread());
    ASSERT_TRUE(i.ok()) << i.status().ToString();
    index_ = *i;
    Write("amsterdam", R"({"loc":{"lat":52.3676,"lon":4.9041}})");
    Write("berlin", R"({"loc":"52.52,13.405"})");
    Write("fiji", R"({"loc":[179.5,-17.7]})");
    Write("nowhere", R"({"k":"x"})");
  }

  void Write(std::string id, std::string source) {
    std::vector<index::WriteOp> ops(1);
    ops[0].id = std::move(id);
    ops[0].source = std::move(source);
    auto r = index_->Write(std::move(ops));
    ASSERT_TRUE(r[0].status.ok()) << r[0].status.ToString();
  }

  util::Result<std::vector<std::string>> Ids(const std::string& query_json) {
    rapidjson::Document d;
    d.Parse(query_json.c_str());
    auto q = ParseQuery(d);
    if (!q.ok()) return q.status();
    index::Index::ReadGuard guard(*index_);
    auto r = (*q)->Execute(*index_);
    if (!r.ok()) return r.status();
    std::vector<std::string> out;
    for (const auto& doc : *r) out.push_back(index_->id(doc.doc));
    return out;
  }

  testutil::TempStore store_;
  std::shared_ptr<index::Index> index_;
};

TEST_F(GeoQueriesTest, GeoDistanceKeepsPointsWithinTheRadius) {
  EXPECT_THAT(*Ids(R"({"geo_distance":{"distance":"100km","loc":{"lat":52.3,"lon":4.9}}})"),
              ElementsAre("amsterdam"));
  EXPECT_THAT(*Ids(R"({"geo_distance":{"distance":"600km","loc":"52.3,4.9"}})"),
              ElementsAre("amsterdam", "berlin"));
  EXPECT_THAT(*Ids(R"({"geo_distance":{"distance":"1m","loc":[0,0]}})"), IsEmpty());
  EXPECT_FALSE(Ids(R"({"geo_distance":{"distance":"5 parsecs","loc":[0,0]}})").ok());
  EXPECT_FALSE(Ids(R"({"geo_distance":{"loc":[0,0]}})").ok());
}

TEST_F(GeoQueriesTest, BoundingBoxInAllCornerForms) {
  EXPECT_THAT(*Ids(R"({"geo_bounding_box":{"loc":{"top_left":{"lat":53,"lon":4},)"
                   R"("bottom_right":{"lat":52,"lon":14}}}})"),
              ElementsAre("amsterdam", "berlin"));
  EXPECT_THAT(*Ids(R"({"geo_bounding_box":{"loc":{"top":53,"left":10,"bottom":52,"right":14}}})"),
              ElementsAre("berlin"));
  // left > right crosses the dateline.
  EXPECT_THAT(
      *Ids(R"({"geo_bounding_box":{"loc":{"top_left":[179,0],"bottom_right":[-179,-20]}}})"),
      ElementsAre("fiji"));
  EXPECT_FALSE(Ids(R"({"geo_bounding_box":{"loc":{"top_left":[179,0]}}})").ok());
}

TEST_F(GeoQueriesTest, GeoShapeEnvelopeOnPoints) {
  EXPECT_THAT(*Ids(R"({"geo_shape":{"loc":{"shape":{"type":"envelope",)"
                   R"("coordinates":[[4,53],[5,52]]}}}})"),
              ElementsAre("amsterdam"));
  EXPECT_FALSE(Ids(R"({"geo_shape":{"loc":{"shape":{"type":"polygon","coordinates":[]}}}})").ok());
}

TEST_F(GeoQueriesTest, NonGeoFieldIsAShardError) {
  auto r = Ids(R"({"geo_distance":{"distance":"1km","k":[0,0]}})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().type(), "search_phase_execution_exception");
}

}  // namespace
}  // namespace sluice::search
