#include "search/geo_queries.h"

#include <string_view>
#include <vector>

#include "json/value_text.h"
#include "search/search_errors.h"

namespace sluice::search {
namespace {

using util::ParsingError;
using util::Result;
using util::Status;

// A point in any of the forms a geo query accepts: {"lat":..,"lon":..},
// "lat,lon", a geohash, WKT POINT, or [lon, lat].
Result<index::GeoPoint> ParsePoint(const rapidjson::Value& v, const std::string& query) {
  if (v.IsString()) {
    auto p = index::ParseGeoPointString(std::string_view(v.GetString(), v.GetStringLength()));
    if (!p.ok()) return ParsingError("[" + query + "] " + p.status().reason());
    return *p;
  }
  if (v.IsArray() && v.Size() >= 2 && v[0].IsNumber() && v[1].IsNumber()) {
    return index::GeoPoint{v[1].GetDouble(), v[0].GetDouble()};
  }
  if (v.IsObject()) {
    auto lat = v.FindMember("lat"), lon = v.FindMember("lon");
    if (lat != v.MemberEnd() && lon != v.MemberEnd() && lat->value.IsNumber() &&
        lon->value.IsNumber()) {
      return index::GeoPoint{lat->value.GetDouble(), lon->value.GetDouble()};
    }
  }
  return ParsingError("[" + query +
                      "] field must be either [lat], [lon] or [geohash]: " + json::ValueText(v));
}

Result<float> Boost(const rapidjson::Value& v) {
  if (!v.IsNumber()) return ParsingError("[boost] must be a number");
  return static_cast<float>(v.GetDouble());
}

// Scans the live documents' points of a geo_point field.
template <typename Match>
Result<DocList> ScanPoints(const index::Index& index, const std::string& field,
                           const std::string& query, float boost, Match match) {
  const index::FieldMapping* mapping = index.mapping().Find(field);
  if (mapping == nullptr) return DocList();
  if (mapping->type != index::FieldType::kGeoPoint) {
    return QueryShardError(index, "field [" + field + "] is not a geo_point field");
  }
  (void)query;
  DocList out;
  auto id = index.FieldId(field);
  if (!id) return out;
  for (index::DocNo doc = 0; doc < index.max_doc(); ++doc) {
    if (!index.live(doc)) continue;
    for (const auto& v : index.values(doc)) {
      if (v.field != *id) continue;
      auto p = index::ParseGeoPointString(v.text);
      if (p.ok() && match(*p)) {
        out.push_back({doc, boost});
        break;
      }
    }
  }
  return out;
}

}  // namespace

bool GeoBox::Contains(const index::GeoPoint& p) const {
  if (p.lat > top || p.lat < bottom) return false;
  if (left <= right) return p.lon >= left && p.lon <= right;
  return p.lon >= left || p.lon <= right;  // across the dateline
}

Result<DocList> GeoDistanceQuery::Execute(const index::Index& index) const {
  return ScanPoints(index, field_, "geo_distance", boost_, [&](const index::GeoPoint& p) {
    return index::GeoArcDistanceMeters(center_, p) <= meters_;
  });
}

Result<DocList> GeoBoxQuery::Execute(const index::Index& index) const {
  return ScanPoints(index, field_, query_name_, boost_,
                    [&](const index::GeoPoint& p) { return box_.Contains(p); });
}

Result<std::unique_ptr<Query>> ParseGeoDistance(const rapidjson::Value& body) {
  if (!body.IsObject()) return ParsingError("[geo_distance] query malformed");
  std::string field;
  std::optional<index::GeoPoint> center;
  std::optional<double> meters;
  float boost = 1.0f;
  for (auto it = body.MemberBegin(); it != body.MemberEnd(); ++it) {
    std::string_view key = it->name.GetString();
    const rapidjson::Value& v = it->value;
    if (key == "distance") {
      std::string text = v.IsString() ? v.GetString() : json::ValueText(v);
      meters = index::ParseDistanceMeters(text);
      if (!meters) return ParsingError("[geo_distance] failed to parse distance [" + text + "]");
    } else if (key == "boost") {
      SLUICE_ASSIGN_OR_RETURN(boost, Boost(v));
    } else if (key == "distance_type" || key == "validation_method" || key == "_name" ||
               key == "ignore_unmapped" || key == "unit") {
      continue;
    } else {
      if (!field.empty()) {
        return ParsingError("[geo_distance] query doesn't support multiple fields, found [" +
                            field + "] and [" + std::string(key) + "]");
      }
      field = std::string(key);
      SLUICE_ASSIGN_OR_RETURN(center, ParsePoint(v, "geo_distance"));
    }
  }
  if (!center) return ParsingError("geo_distance requires 'point' to be specified");
  if (!meters) return ParsingError("geo_distance requires 'distance' to be specified");
  return std::unique_ptr<Query>(std::make_unique<GeoDistanceQuery>(field, *center, *meters, boost));
}

Result<std::unique_ptr<Query>> ParseGeoBoundingBox(const rapidjson::Value& body) {
  const std::string name = "geo_bounding_box";
  if (!body.IsObject()) return ParsingError("[" + name + "] query malformed");
  std::string field;
  std::optional<GeoBox> box;
  float boost = 1.0f;
  for (auto it = body.MemberBegin(); it != body.MemberEnd(); ++it) {
    std::string_view key = it->name.GetString();
    const rapidjson::Value& v = it->value;
    if (key == "boost") {
      SLUICE_ASSIGN_OR_RETURN(boost, Boost(v));
      continue;
    }
    if (key == "validation_method" || key == "type" || key == "_name" || key == "ignore_unmapped") {
      continue;
    }
    if (!v.IsObject()) return ParsingError("[" + name + "] failed to parse bounding box");
    field = std::string(key);
    GeoBox b;
    std::optional<double> top, left, bottom, right;
    for (auto c = v.MemberBegin(); c != v.MemberEnd(); ++c) {
      std::string_view corner = c->name.GetString();
      if (corner == "top" || corner == "left" || corner == "bottom" || corner == "right") {
        if (!c->value.IsNumber())
          return ParsingError("[" + name + "] [" + std::string(corner) + "] must be a number");
        double d = c->value.GetDouble();
        (corner == "top" ? top : corner == "left" ? left : corner == "bottom" ? bottom : right) = d;
        continue;
      }
      SLUICE_ASSIGN_OR_RETURN(auto p, ParsePoint(c->value, name));
      if (corner == "top_left") {
        top = p.lat;
        left = p.lon;
      } else if (corner == "bottom_right") {
        bottom = p.lat;
        right = p.lon;
      } else if (corner == "top_right") {
        top = p.lat;
        right = p.lon;
      } else if (corner == "bottom_left") {
        bottom = p.lat;
        left = p.lon;
      } else {
        return ParsingError("failed to parse bounding box. unexpected field [" +
                            std::string(corner) + "]");
      }
    }
    if (!top || !left || !bottom || !right) {
      return ParsingError("failed to parse bounding box. Missing some corners");
    }
    b.top = *top;
    b.left = *left;
    b.bottom = *bottom;
    b.right = *right;
    if (b.top < b.bottom) {
      return util::InvalidArgument("top is below bottom corner: " + std::to_string(b.top) +
                                   " vs. " + std::to_string(b.bottom));
    }
    box = b;
  }
  if (!box) return ParsingError("failed to parse [" + name + "] query. bounding box not provided");
  return std::unique_ptr<Query>(std::make_unique<GeoBoxQuery>(field, *box, name, boost));
}

Result<std::unique_ptr<Query>> ParseGeoShape(const rapidjson::Value& body) {
  if (!body.IsObject()) return ParsingError("[geo_shape] query malformed");
  std::string field;
  std::optional<GeoBox> box;
  float boost = 1.0f;
  for (auto it = body.MemberBegin(); it != body.MemberEnd(); ++it) {
    std::string_view key = it->name.GetString();
    const rapidjson::Value& v = it->value;
    if (key == "boost") {
      SLUICE_ASSIGN_OR_RETURN(boost, Boost(v));
      continue;
    }
    if (key == "_name" || key == "ignore_unmapped") continue;
    field = std::string(key);
    if (!v.IsObject() || !v.HasMember("shape") || !v["shape"].IsObject()) {
      return ParsingError("[geo_shape] query supports only an inline [shape] in sluice");
    }
    const rapidjson::Value& shape = v["shape"];
    std::string type =
        shape.HasMember("type") && shape["type"].IsString() ? shape["type"].GetString() : "";
    for (auto& ch : type) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    const rapidjson::Value* coords =
        shape.HasMember("coordinates") ? &shape["coordinates"] : nullptr;
    auto number_pair = [](const rapidjson::Value& c) {
      return c.IsArray() && c.Size() >= 2 && c[0].IsNumber() && c[1].IsNumber();
    };
    if (type == "envelope" && coords && coords->IsArray() && coords->Size() == 2 &&
        number_pair((*coords)[0]) && number_pair((*coords)[1])) {
      // [[minLon, maxLat], [maxLon, minLat]]
      const auto& tl = (*coords)[0];
      const auto& br = (*coords)[1];
      box = GeoBox{tl[1].GetDouble(), tl[0].GetDouble(), br[1].GetDouble(), br[0].GetDouble()};
    } else if (type == "point" && coords && number_pair(*coords)) {
      double lon = (*coords)[0].GetDouble(), lat = (*coords)[1].GetDouble();
      box = GeoBox{lat, lon, lat, lon};
    } else {
      return ParsingError(
          "[geo_shape] query on a geo_point supports envelope and point shapes "
          "in sluice, got [" +
          type + "]");
    }
    if (v.HasMember("relation") && v["relation"].IsString() &&
        std::string_view(v["relation"].GetString()) != "intersects" &&
        std::string_view(v["relation"].GetString()) != "within") {
      return ParsingError("[geo_shape] relation [" + std::string(v["relation"].GetString()) +
                          "] is not supported on geo_point fields by sluice");
    }
  }
  if (!box) return ParsingError("[geo_shape] query requires a field");
  return std::unique_ptr<Query>(std::make_unique<GeoBoxQuery>(field, *box, "geo_shape", boost));
}

}  // namespace sluice::search
