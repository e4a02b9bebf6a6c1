// Queries on geo_point fields: geo_distance (within a radius of a point),
// geo_bounding_box (inside a lat/lon rectangle, across the dateline when
// left > right) and geo_shape with an envelope or point shape. Points are
// the stored "lat,lon" values (index/typed_values.h); a query on a field
// that is not a geo_point is OpenSearch's query_shard_exception.
//
// Internal to search/ (exposes RapidJSON): the Parse functions take the
// body of the named query and are called by the query parser.
#pragma once

#include <rapidjson/document.h>

#include <memory>
#include <string>

#include "index/typed_values.h"
#include "search/query.h"

namespace sluice::search {

// A lat/lon rectangle; left > right crosses the dateline.
struct GeoBox {
  double top = 0, left = 0, bottom = 0, right = 0;
  bool Contains(const index::GeoPoint& p) const;
};

class GeoDistanceQuery : public Query {
 public:
  GeoDistanceQuery(std::string field, index::GeoPoint center, double meters, float boost)
      : field_(std::move(field)), center_(center), meters_(meters), boost_(boost) {}
  util::Result<DocList> Execute(const index::Index& index) const override;

 private:
  std::string field_;
  index::GeoPoint center_;
  double meters_;
  float boost_;
};

class GeoBoxQuery : public Query {
 public:
  // query_name is what errors name ("geo_bounding_box", "geo_shape").
  GeoBoxQuery(std::string field, GeoBox box, std::string query_name, float boost)
      : field_(std::move(field)), box_(box), query_name_(std::move(query_name)), boost_(boost) {}
  util::Result<DocList> Execute(const index::Index& index) const override;

 private:
  std::string field_;
  GeoBox box_;
  std::string query_name_;
  float boost_;
};

util::Result<std::unique_ptr<Query>> ParseGeoDistance(const rapidjson::Value& body);
util::Result<std::unique_ptr<Query>> ParseGeoBoundingBox(const rapidjson::Value& body);
util::Result<std::unique_ptr<Query>> ParseGeoShape(const rapidjson::Value& body);

}  // namespace sluice::search
