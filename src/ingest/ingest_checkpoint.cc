#include "ingest/ingest_checkpoint.h"

#include <rapidjson/document.h>

#include <utility>

#include "json/json_writer.h"
#include "json/value_text.h"

namespace sluice::ingest {

std::string IngestCheckpoint::Serialize() const {
  json::JsonWriter w;
  w.StartObject().Key("phase").String(phase).Key("slot").Uint(slot).Key("object").Uint(object);
  w.Key("offset").Uint(offset).Key("line").Uint(line).Key("position").Uint(position);
  if (after_id) w.Key("after_id").String(*after_id);
  if (!counters.empty()) w.Key("counters").Raw(counters);
  if (!write_counters.empty()) w.Key("write_counters").Raw(write_counters);
  w.EndObject();
  return w.Take();
}

util::Result<IngestCheckpoint> IngestCheckpoint::Parse(std::string_view text) {
  rapidjson::Document d;
  d.Parse(text.data(), text.size());
  if (d.HasParseError() || !d.IsObject() || !d.HasMember("phase")) {
    return util::Internal("corrupt ingest checkpoint");
  }
  IngestCheckpoint cp;
  cp.phase = d["phase"].GetString();
  cp.slot = d["slot"].GetUint64();
  cp.object = d["object"].GetUint64();
  cp.offset = d["offset"].GetUint64();
  cp.line = d["line"].GetUint64();
  cp.position = d["position"].GetUint64();
  if (d.HasMember("after_id")) cp.after_id = d["after_id"].GetString();
  for (auto [key, target] :
       {std::pair{"counters", &cp.counters}, std::pair{"write_counters", &cp.write_counters}}) {
    if (d.HasMember(key)) *target = json::ValueText(d[key]);
  }
  return cp;
}

}  // namespace sluice::ingest
