#include "api/record_search.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <string>

#include "json/json_writer.h"

namespace sluice::api {

util::Result<MatchAllPage> ParseMatchAllPage(std::string_view body, std::string_view what) {
  MatchAllPage page;
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return page;
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return util::ParsingError("Expected [START_OBJECT] but found [VALUE]");
  }
  for (const auto& m : doc.GetObject()) {
    std::string key = m.name.GetString();
    if (key == "query") {
      if (!m.value.IsObject() || m.value.MemberCount() != 1 ||
          std::string(m.value.MemberBegin()->name.GetString()) != "match_all") {
        return util::ParsingError("the " + std::string(what) +
                                  " search supports only the match_all query");
      }
    } else if (key == "size" || key == "from") {
      if (!m.value.IsInt64() || m.value.GetInt64() < 0) {
        return util::ParsingError("[" + key + "] must be a non-negative integer");
      }
      (key == "size" ? page.size : page.from) = m.value.GetInt64();
    } else {
      return util::ParsingError("[" + key + "] is not supported by the " + std::string(what) +
                                " search");
    }
  }
  return page;
}

void WriteRecordSearch(json::JsonWriter& w, int64_t took_ms, int64_t total, int64_t from,
                       int64_t size,
                       const std::function<void(size_t, json::JsonWriter&)>& write_hit) {
  const int64_t begin = std::min(from, total);
  const int64_t end = std::min(total, begin + std::min(size, total));
  w.StartObject().Key("took").Int(took_ms).Key("timed_out").Bool(false);
  w.Key("_shards").StartObject().Key("total").Int(1).Key("successful").Int(1);
  w.Key("skipped").Int(0).Key("failed").Int(0).EndObject();
  w.Key("hits").StartObject();
  w.Key("total").StartObject().Key("value").Int(total).Key("relation").String("eq").EndObject();
  w.Key("max_score");
  if (begin < end) {
    w.Double(1.0);
  } else {
    w.Null();
  }
  w.Key("hits").StartArray();
  for (int64_t i = begin; i < end; ++i) {
    w.StartObject();
    write_hit(static_cast<size_t>(i), w);
    w.EndObject();
  }
  w.EndArray().EndObject().EndObject();
}

}  // namespace sluice::api
