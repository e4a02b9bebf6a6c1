#include "index/knn_mapping.h"

#include <rapidjson/document.h>

#include <charconv>
#include <cmath>
#include <optional>
#include <set>
#include <string>

namespace sluice::index {
namespace {

using util::InvalidArgument;
using util::MapperParsingError;
using util::Status;

Status ValidationError(const std::string& message) {
  return Status(util::Code::kInvalidArgument, "validation_exception",
                "Validation Failed: 1: " + message + ";");
}

std::string ValueText(const rapidjson::Value& v) {
  if (v.IsString()) return v.GetString();
  if (v.IsInt64()) return std::to_string(v.GetInt64());
  if (v.IsNumber()) {
    // Shortest form, as Java prints a double in the plugin's messages (3.5, not 3.500000).
    char buf[32];
    auto end = std::to_chars(buf, buf + sizeof buf, v.GetDouble()).ptr;
    return std::string(buf, end);
  }
  if (v.IsBool()) return v.GetBool() ? "true" : "false";
  if (v.IsNull()) return "null";
  return "{...}";
}

// Integers may arrive as numbers or numeric strings; anything else is an error.
std::optional<long long> AsInteger(const rapidjson::Value& v) {
  if (v.IsInt64()) return v.GetInt64();
  if (v.IsDouble()) {
    double d = v.GetDouble();
    if (std::floor(d) == d && std::fabs(d) < 1e15) return static_cast<long long>(d);
    return std::nullopt;
  }
  if (v.IsString()) {
    std::string s = v.GetString();
    if (s.empty() || s.size() > 18) return std::nullopt;
    size_t pos = 0;
    try {
      long long x = std::stoll(s, &pos);
      if (pos == s.size()) return x;
    } catch (...) {
    }
  }
  return std::nullopt;
}

// `encoder` inside method.parameters: `flat` (the default, full floats) or `sq` with
// `type: fp16` (the only SQ type of the k-NN plugin 2.19) and optional boolean `clip`; `pq`
// needs training, which sluice does not do. Engine and data type are checked afterwards by
// vector::ValidateKnnMethod.
Status ParseEncoder(const rapidjson::Value& encoder, vector::KnnMethod* out) {
  if (!encoder.IsObject()) return MapperParsingError("Unable to parse encoder for method");
  auto name = encoder.FindMember("name");
  if (name == encoder.MemberEnd() || !name->value.IsString()) {
    return MapperParsingError("name needs to be set");
  }
  for (auto it = encoder.MemberBegin(); it != encoder.MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    if (key != "name" && key != "parameters") {
      return MapperParsingError("Invalid parameter: " + key);
    }
  }
  std::string encoder_name = name->value.GetString();
  if (encoder_name == "pq") return ValidationError("\"method\" requires training.");
  if (encoder_name != "flat" && encoder_name != "sq") {
    return ValidationError("Invalid encoder: " + encoder_name);
  }
  auto params = encoder.FindMember("parameters");
  bool has_params = params != encoder.MemberEnd() && !params->value.IsNull();
  if (has_params && !params->value.IsObject()) {
    return MapperParsingError("Unable to parse parameters for encoder");
  }
  if (encoder_name == "flat") {
    if (has_params && params->value.MemberCount() > 0) {
      return ValidationError("Invalid parameter for encoder [flat]: " +
                             std::string(params->value.MemberBegin()->name.GetString()));
    }
    out->encoder = vector::Encoder::kNone;
    return Status::Ok();
  }
  out->encoder = vector::Encoder::kSqFp16;
  if (!has_params) return Status::Ok();
  for (auto it = params->value.MemberBegin(); it != params->value.MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    if (key == "type") {
      if (!it->value.IsString() || std::string(it->value.GetString()) != "fp16") {
        return ValidationError("Invalid value for parameter 'type' of encoder [sq]: [" +
                               ValueText(it->value) + "]; supported: [fp16]");
      }
    } else if (key == "clip") {
      if (!it->value.IsBool()) {
        return ValidationError("Invalid value for parameter 'clip' of encoder [sq]: [" +
                               ValueText(it->value) + "]");
      }
      out->fp16_clip = it->value.GetBool();
    } else {
      return ValidationError("Unknown parameter '" + key + "' found");
    }
  }
  return Status::Ok();
}

Status ParseMethod(const rapidjson::Value& method, vector::KnnMethod* out,
                   std::optional<vector::SpaceType>* method_space,
                   std::optional<vector::Engine>* method_engine) {
  if (!method.IsObject()) return MapperParsingError("Unable to parse mapping for method");
  static const std::set<std::string> kKeys = {"name", "engine", "space_type", "parameters"};
  for (auto it = method.MemberBegin(); it != method.MemberEnd(); ++it) {
    if (!kKeys.count(it->name.GetString())) {
      return MapperParsingError(std::string("Invalid parameter: ") + it->name.GetString());
    }
  }
  auto name = method.FindMember("name");
  if (name == method.MemberEnd() || !name->value.IsString()) {
    return MapperParsingError("name needs to be set");
  }
  std::string method_name = name->value.GetString();
  if (method_name == "ivf") return ValidationError("\"method\" requires training.");
  if (method_name != "hnsw") return InvalidArgument("Invalid method name: " + method_name);
  out->method_name = method_name;
  if (auto e = method.FindMember("engine"); e != method.MemberEnd()) {
    if (!e->value.IsString()) return MapperParsingError("Invalid engine: " + ValueText(e->value));
    auto engine = vector::ParseEngine(e->value.GetString(), vector::MappingLevel::kMethod);
    if (!engine.ok()) return engine.status();
    *method_engine = *engine;
  }
  if (auto s = method.FindMember("space_type"); s != method.MemberEnd()) {
    if (!s->value.IsString()) {
      return MapperParsingError("Invalid space_type: " + ValueText(s->value));
    }
    auto space = vector::ParseSpaceType(s->value.GetString(), vector::MappingLevel::kMethod);
    if (!space.ok()) return space.status();
    *method_space = *space;
  }
  if (auto p = method.FindMember("parameters"); p != method.MemberEnd() && !p->value.IsNull()) {
    if (!p->value.IsObject()) return MapperParsingError("Unable to parse parameters for method");
    for (auto it = p->value.MemberBegin(); it != p->value.MemberEnd(); ++it) {
      std::string key = it->name.GetString();
      int* target = key == "m"                 ? &out->m
                    : key == "ef_construction" ? &out->ef_construction
                    : key == "ef_search"       ? &out->ef_search
                                               : nullptr;
      if (key == "encoder") {
        SLUICE_RETURN_IF_ERROR(ParseEncoder(it->value, out));
        continue;
      }
      if (target == nullptr) return ValidationError("Unknown parameter '" + key + "' found");
      auto x = AsInteger(it->value);
      if (!x || *x <= 0 || *x > 1000000) {
        return ValidationError("Parameter '" + key + "' must be a positive integer, got [" +
                               ValueText(it->value) + "]");
      }
      *target = static_cast<int>(*x);
    }
  }
  return Status::Ok();
}

}  // namespace

util::Result<vector::KnnMethod> ParseKnnFieldMapping(std::string_view field,
                                                     std::string_view field_json,
                                                     bool knn_enabled) {
  rapidjson::Document doc;
  doc.Parse(field_json.data(), field_json.size());
  if (doc.HasParseError() || !doc.IsObject()) return MapperParsingError("invalid knn_vector mapping");
  const std::string f(field);
  static const std::set<std::string> kAllowed = {
      "type", "dimension", "data_type", "space_type", "engine", "mode", "compression_level",
      "method", "model_id", "doc_values", "store", "meta", "ignore_malformed"};
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    if (!kAllowed.count(it->name.GetString())) {
      return MapperParsingError(std::string("unknown parameter [") + it->name.GetString() +
                                "] on mapper [" + f + "] of type [knn_vector]");
    }
  }
  bool has_method = doc.HasMember("method");
  if (doc.HasMember("model_id")) {
    if (has_method) {
      return InvalidArgument("Method and model can not be both specified in the mapping: " + f);
    }
    return InvalidArgument("model_id (trained models) is not supported by sluice yet: " + f);
  }
  vector::KnnMethod method;
  auto dim = doc.FindMember("dimension");
  if (dim == doc.MemberEnd()) return InvalidArgument("Dimension value missing for vector: " + f);
  if (dim->value.IsNull()) return InvalidArgument("Dimension cannot be null");
  auto d = AsInteger(dim->value);
  if (!d || *d > 2147483647LL || *d < -2147483648LL) {
    return InvalidArgument("Unable to parse [dimension] from provided value [" +
                           ValueText(dim->value) + "] for vector [" + f + "]");
  }
  if (*d <= 0) return InvalidArgument("Dimension value must be greater than 0 for vector: " + f);
  method.dimension = static_cast<int>(*d);

  if (auto dt = doc.FindMember("data_type"); dt != doc.MemberEnd()) {
    auto parsed = vector::ParseDataType(dt->value.IsString() ? dt->value.GetString() : "");
    if (!parsed.ok()) return parsed.status();
    method.data_type = *parsed;
  }
  std::optional<vector::SpaceType> top_space, method_space;
  std::optional<vector::Engine> top_engine, method_engine;
  if (auto s = doc.FindMember("space_type"); s != doc.MemberEnd()) {
    auto parsed = vector::ParseSpaceType(s->value.IsString() ? s->value.GetString() : "",
                                         vector::MappingLevel::kTopLevel);
    if (!parsed.ok()) return parsed.status();
    top_space = *parsed;
  }
  if (auto e = doc.FindMember("engine"); e != doc.MemberEnd()) {
    auto parsed = vector::ParseEngine(e->value.IsString() ? e->value.GetString() : "",
                                      vector::MappingLevel::kTopLevel);
    if (!parsed.ok()) return parsed.status();
    top_engine = *parsed;
  }
  for (const char* key : {"mode", "compression_level"}) {
    auto m = doc.FindMember(key);
    if (m == doc.MemberEnd()) continue;
    std::string v = m->value.IsString() ? m->value.GetString() : ValueText(m->value);
    bool ok = std::string(key) == "mode" ? v == "in_memory" : v == "1x";
    if (!ok) {
      return InvalidArgument(std::string("[") + key + "] [" + v +
                             "] is not supported by sluice yet (only in_memory / 1x)");
    }
  }
  if (has_method) {
    if (!knn_enabled) {
      return InvalidArgument(
          "Cannot set modelId or method parameters when index.knn setting is false");
    }
    SLUICE_RETURN_IF_ERROR(ParseMethod(doc["method"], &method, &method_space, &method_engine));
  }
  if (top_space && method_space && *top_space != *method_space) {
    return MapperParsingError(
        "Space type in \"method\" and top level space type should be same or one of them should "
        "be defined");
  }
  if (top_engine && method_engine && *top_engine != *method_engine) {
    return MapperParsingError("Cannot specify conflicting engines: [" +
                              std::string(vector::EngineName(*method_engine)) + "] and [" +
                              std::string(vector::EngineName(*top_engine)) + "]");
  }
  method.space = method_space  ? *method_space
                 : top_space   ? *top_space
                               : vector::DefaultSpaceFor(method.data_type);
  if (method_engine) method.engine = *method_engine;
  else if (top_engine) method.engine = *top_engine;
  SLUICE_RETURN_IF_ERROR(vector::ValidateKnnMethod(method, f));
  return method;
}

}  // namespace sluice::index
