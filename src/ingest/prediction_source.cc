#include "ingest/prediction_source.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cctype>

namespace sluice::ingest {
namespace {

using rapidjson::Document;
using rapidjson::Value;

bool IsPredictionType(const Value& type) {
  if (!type.IsString()) return false;
  std::string_view t(type.GetString(), type.GetStringLength());
  if (t.size() != kPredictionSourceType.size()) return false;
  for (size_t i = 0; i < t.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(t[i])) != kPredictionSourceType[i]) return false;
  }
  return true;
}

}  // namespace

util::Result<std::string> ExpandPredictionSource(std::string_view body,
                                                 const PredictionSources& resolve) {
  Document d;
  d.Parse(body.data(), body.size());
  // Anything malformed is left to the request parser, which names it.
  if (d.HasParseError() || !d.IsObject()) return std::string(body);
  auto ds = d.FindMember("data_source");
  if (ds == d.MemberEnd() || !ds->value.IsObject()) return std::string(body);
  auto type = ds->value.FindMember("type");
  if (type == ds->value.MemberEnd() || !IsPredictionType(type->value)) return std::string(body);
  if (!resolve) {
    return util::InvalidArgument(
        "[data_source.type] [batch_predict_task] is not available: batch predict is not enabled");
  }
  for (const char* exclusive : {"credential", "connector_id"}) {
    if (auto it = d.FindMember(exclusive); it != d.MemberEnd() && !it->value.IsNull()) {
      return util::InvalidArgument(
          std::string("[") + exclusive +
          "] cannot be given with [data_source.type] [batch_predict_task]: the prediction "
          "task's connector reads its output");
    }
  }
  auto source = ds->value.FindMember("source");
  if (source == ds->value.MemberEnd() || !source->value.IsArray() || source->value.Size() != 1 ||
      !source->value[0].IsString() || source->value[0].GetStringLength() == 0) {
    return util::InvalidArgument(
        "[data_source.source] of type [batch_predict_task] must be an array holding one task id");
  }
  SLUICE_ASSIGN_OR_RETURN(PredictionSource resolved, resolve(source->value[0].GetString()));
  auto& a = d.GetAllocator();
  Value locations(rapidjson::kArrayType);
  for (const auto& l : resolved.locations) locations.PushBack(Value(l.c_str(), a), a);
  Value data_source(rapidjson::kObjectType);
  data_source.AddMember("type", Value(resolved.type.c_str(), a), a);
  data_source.AddMember("source", locations, a);
  ds->value = data_source;
  d.RemoveMember("connector_id");
  if (!resolved.connector_id.empty()) {
    d.AddMember("connector_id", Value(resolved.connector_id.c_str(), a), a);
  }
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  d.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace sluice::ingest
