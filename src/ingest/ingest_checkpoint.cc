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

// A checkpoint is read back from the task store after a restart: any member
// of the wrong type (a damaged or foreign record) is an error, never an abort.
util::Result<IngestCheckpoint> IngestCheckpoint::Parse(std::string_view text) {
  auto corrupt = [](const std::string& why) {
    return util::Internal("corrupt ingest checkpoint: " + why);
  };
  rapidjson::Document d;
  d.Parse(text.data(), text.size());
  if (d.HasParseError() || !d.IsObject()) return corrupt("not a JSON object");
  auto phase = d.FindMember("phase");
  if (phase == d.MemberEnd() || !phase->value.IsString()) return corrupt("no phase");
  IngestCheckpoint cp;
  cp.phase = phase->value.GetString();
  if (cp.phase != "read" && cp.phase != "stage" && cp.phase != "merge") {
    return corrupt("unknown phase [" + cp.phase + "]");
  }
  for (auto [key, target] : {std::pair<const char*, uint64_t*>{"offset", &cp.offset},
                             {"line", &cp.line},
                             {"position", &cp.position}}) {
    auto it = d.FindMember(key);
    if (it == d.MemberEnd() || !it->value.IsUint64()) {
      return corrupt(std::string("[") + key + "] is not an unsigned integer");
    }
    *target = it->value.GetUint64();
  }
  for (auto [key, target] :
       {std::pair<const char*, size_t*>{"slot", &cp.slot}, {"object", &cp.object}}) {
    auto it = d.FindMember(key);
    if (it == d.MemberEnd() || !it->value.IsUint64() || it->value.GetUint64() > (1u << 30)) {
      return corrupt(std::string("[") + key + "] is not a small unsigned integer");
    }
    *target = static_cast<size_t>(it->value.GetUint64());
  }
  if (auto it = d.FindMember("after_id"); it != d.MemberEnd()) {
    if (!it->value.IsString()) return corrupt("[after_id] is not a string");
    cp.after_id = std::string(it->value.GetString(), it->value.GetStringLength());
  }
  for (auto [key, target] :
       {std::pair{"counters", &cp.counters}, std::pair{"write_counters", &cp.write_counters}}) {
    auto it = d.FindMember(key);
    if (it == d.MemberEnd()) continue;
    if (!it->value.IsObject()) return corrupt(std::string("[") + key + "] is not an object");
    *target = json::ValueText(it->value);
  }
  return cp;
}

}  // namespace sluice::ingest
