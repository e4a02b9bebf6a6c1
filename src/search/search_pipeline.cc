#include "search/search_pipeline.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <charconv>
#include <cmath>

#include "storage/store.h"
#include "util/wildcard.h"

namespace sluice::search {
namespace {

using util::InvalidArgument;
using util::ParseError;
using util::Result;
using util::Status;

constexpr std::string_view kKeyPrefix = "search_pipeline/";
constexpr size_t kMaxSubQueries = 5;  // HybridQueryBuilder.MAX_NUMBER_OF_SUB_QUERIES

// Java's Float.toString for the values weights take ("0.3", "1.0").
std::string JavaFloat(float v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  std::string s(buf, r.ptr);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

std::string WeightsText(const std::vector<float>& weights) {
  std::string s = "[";
  for (size_t i = 0; i < weights.size(); ++i) s += (i ? ", " : "") + JavaFloat(weights[i]);
  return s + "]";
}

Status UnsupportedKeys(const std::string& what, const std::vector<std::string>& keys) {
  std::string list;
  for (size_t i = 0; i < keys.size(); ++i) list += (i ? ", " : "") + keys[i];
  return ParseError(what + " doesn't support one or more provided configuration parameters [" +
                    list + "]");
}

Status ParseWeights(const rapidjson::Value& params, HybridScoring& out) {
  for (auto it = params.MemberBegin(); it != params.MemberEnd(); ++it) {
    if (std::string_view(it->name.GetString()) != "weights") {
      return InvalidArgument(
          "provided parameter for combination technique is not supported. supported parameters "
          "are [weights]");
    }
  }
  if (!params.HasMember("weights")) return Status::Ok();
  const auto& w = params["weights"];
  if (!w.IsArray()) return InvalidArgument("parameter [weights] must be a collection of numbers");
  for (const auto& v : w.GetArray()) {
    if (!v.IsNumber())
      return InvalidArgument("parameter [weights] must be a collection of numbers");
    out.weights.push_back(static_cast<float>(v.GetDouble()));
  }
  float sum = 0;
  for (float v : out.weights) {
    if (!(v >= 0.0f && v <= 1.0f)) {
      return InvalidArgument("all weights must be in range [0.0 ... 1.0], submitted weights: " +
                             WeightsText(out.weights));
    }
    sum += v;
  }
  if (!out.weights.empty() && std::fabs(1.0f - sum) > 0.01f) {
    return InvalidArgument(
        "sum of weights for combination must be equal to 1.0, submitted "
        "weights: " +
        WeightsText(out.weights));
  }
  return Status::Ok();
}

Status ParseLowerBounds(const rapidjson::Value& params, HybridScoring& out) {
  for (auto it = params.MemberBegin(); it != params.MemberEnd(); ++it) {
    if (std::string_view(it->name.GetString()) != "lower_bounds") {
      return InvalidArgument("unrecognized parameters in normalization technique");
    }
  }
  if (!params.HasMember("lower_bounds")) return Status::Ok();
  const auto& list = params["lower_bounds"];
  if (!list.IsArray()) return InvalidArgument("lower_bounds must be a List");
  if (list.Size() > kMaxSubQueries) {
    return InvalidArgument("lower_bounds size " + std::to_string(list.Size()) +
                           " should be less than or equal to " + std::to_string(kMaxSubQueries));
  }
  out.lower_bounds.emplace();
  for (const auto& b : list.GetArray()) {
    if (!b.IsObject()) return InvalidArgument("each lower bound must be a map");
    HybridScoring::LowerBound bound;
    if (b.HasMember("mode")) {
      std::string mode = b["mode"].IsString() ? b["mode"].GetString() : "?";
      for (auto& c : mode) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (mode == "apply" || mode.empty()) {
        bound.mode = HybridScoring::LowerBound::Mode::kApply;
      } else if (mode == "clip") {
        bound.mode = HybridScoring::LowerBound::Mode::kClip;
      } else if (mode == "ignore") {
        bound.mode = HybridScoring::LowerBound::Mode::kIgnore;
      } else {
        return InvalidArgument("invalid mode: " + mode + ", valid values are: apply, clip, ignore");
      }
    }
    if (b.HasMember("min_score")) {
      const auto& m = b["min_score"];
      if (!m.IsNumber() || !(m.GetDouble() >= -10000.0 && m.GetDouble() <= 10000.0)) {
        return InvalidArgument(
            "min_score must be a valid finite number between -10000.000000 and 10000.000000");
      }
      bound.min_score = static_cast<float>(m.GetDouble());
    }
    out.lower_bounds->push_back(bound);
  }
  return Status::Ok();
}

// {"technique": ..., "parameters": {...}} of a processor's clause.
struct Clause {
  std::string technique;
  const rapidjson::Value* parameters = nullptr;
};
Result<Clause> ReadClause(const std::string& processor, const char* name,
                          const rapidjson::Value& config, const char* default_technique) {
  Clause out{default_technique, nullptr};
  if (!config.HasMember(name)) return out;
  const auto& c = config[name];
  if (!c.IsObject()) {
    return ParseError("[" + std::string(name) + "] property isn't a map, but of type [" +
                      (c.IsString() ? "java.lang.String" : "java.lang.Object") + "]");
  }
  for (auto it = c.MemberBegin(); it != c.MemberEnd(); ++it) {
    std::string_view key = it->name.GetString();
    if (key == "technique") {
      if (!it->value.IsString()) return ParseError("[technique] property isn't a string");
      out.technique = it->value.GetString();
    } else if (key == "parameters") {
      if (!it->value.IsObject()) return ParseError("[parameters] property isn't a map");
      out.parameters = &it->value;
    } else {
      return UnsupportedKeys("processor [" + processor + "]", {std::string(key)});
    }
  }
  return out;
}

Result<HybridScoring> ParseNormalizationProcessor(const rapidjson::Value& config) {
  const std::string type = "normalization-processor";
  HybridScoring out;
  out.processor = type;
  SLUICE_ASSIGN_OR_RETURN(Clause norm, ReadClause(type, "normalization", config, "min_max"));
  if (norm.technique == "min_max") {
    out.normalization = HybridScoring::Normalization::kMinMax;
    if (norm.parameters) SLUICE_RETURN_IF_ERROR(ParseLowerBounds(*norm.parameters, out));
  } else if (norm.technique == "l2" || norm.technique == "z_score") {
    out.normalization = norm.technique == "l2" ? HybridScoring::Normalization::kL2
                                               : HybridScoring::Normalization::kZScore;
    if (norm.parameters && norm.parameters->MemberCount() > 0) {
      return InvalidArgument("unrecognized parameters in normalization technique");
    }
  } else {
    return InvalidArgument("provided normalization technique is not supported");
  }
  SLUICE_ASSIGN_OR_RETURN(Clause comb, ReadClause(type, "combination", config, "arithmetic_mean"));
  if (comb.technique == "arithmetic_mean") {
    out.combination = HybridScoring::Combination::kArithmeticMean;
  } else if (comb.technique == "geometric_mean") {
    out.combination = HybridScoring::Combination::kGeometricMean;
  } else if (comb.technique == "harmonic_mean") {
    out.combination = HybridScoring::Combination::kHarmonicMean;
  } else {
    return InvalidArgument("provided combination technique is not supported");
  }
  if (comb.parameters) SLUICE_RETURN_IF_ERROR(ParseWeights(*comb.parameters, out));
  return out;
}

Result<HybridScoring> ParseScoreRankerProcessor(const rapidjson::Value& config) {
  const std::string type = "score-ranker-processor";
  HybridScoring out;
  out.processor = type;
  out.normalization = HybridScoring::Normalization::kRrf;
  out.combination = HybridScoring::Combination::kRrf;
  SLUICE_ASSIGN_OR_RETURN(Clause comb, ReadClause(type, "combination", config, "rrf"));
  if (comb.technique != "rrf") {
    return InvalidArgument("provided combination technique is not supported");
  }
  if (comb.parameters) {
    for (auto it = comb.parameters->MemberBegin(); it != comb.parameters->MemberEnd(); ++it) {
      if (std::string_view(it->name.GetString()) != "rank_constant") {
        return InvalidArgument("unrecognized parameters in normalization technique");
      }
      const auto& v = it->value;
      if (!v.IsInt()) return InvalidArgument("parameter [rank_constant] must be an integer");
      if (v.GetInt() < 1 || v.GetInt() > 10000) {
        return InvalidArgument(
            "rank constant must be in the interval between 1 and 10000, submitted rank "
            "constant: " +
            std::to_string(v.GetInt()));
      }
      out.rank_constant = v.GetInt();
    }
  }
  return out;
}

Status ParseProcessors(const std::string& key, const rapidjson::Value& list, SearchPipeline& out) {
  if (!list.IsArray()) return ParseError("[" + key + "] property isn't a list");
  for (const auto& p : list.GetArray()) {
    if (!p.IsObject() || p.MemberCount() != 1) {
      return ParseError("[" + key + "] each processor must be an object with one processor type");
    }
    std::string type = p.MemberBegin()->name.GetString();
    const rapidjson::Value& config = p.MemberBegin()->value;
    const bool phase = key == "phase_results_processors";
    if (!phase || (type != "normalization-processor" && type != "score-ranker-processor")) {
      return InvalidArgument("search pipeline processor [" + type + "] in [" + key +
                             "] is not supported by sluice; supported: normalization-processor "
                             "and score-ranker-processor in phase_results_processors");
    }
    if (!config.IsObject()) return ParseError("processor [" + type + "] config isn't a map");
    for (auto it = config.MemberBegin(); it != config.MemberEnd(); ++it) {
      std::string_view k = it->name.GetString();
      bool known = k == "tag" || k == "description" || k == "ignore_failure" ||
                   k == "combination" ||
                   (type == "normalization-processor" && k == "normalization");
      if (!known) return UnsupportedKeys("processor [" + type + "]", {std::string(k)});
    }
    if (out.hybrid) {
      return InvalidArgument(
          "a search pipeline may hold one normalization-processor or "
          "score-ranker-processor");
    }
    if (type == "normalization-processor") {
      SLUICE_ASSIGN_OR_RETURN(out.hybrid, ParseNormalizationProcessor(config));
    } else {
      SLUICE_ASSIGN_OR_RETURN(out.hybrid, ParseScoreRankerProcessor(config));
    }
  }
  return Status::Ok();
}

}  // namespace

Result<SearchPipeline> ParseSearchPipeline(std::string id, std::string_view body) {
  SearchPipeline out;
  out.id = std::move(id);
  out.body = std::string(body);
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError()) {
    return ParseError(std::string("Failed to parse content to map: ") +
                      rapidjson::GetParseError_En(doc.GetParseError()));
  }
  if (!doc.IsObject()) return ParseError("request body is required");
  std::vector<std::string> unknown;
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    const auto& v = it->value;
    if (key == "description") {
      if (!v.IsString()) return ParseError("[description] property isn't a string");
    } else if (key == "version") {
      if (!v.IsInt()) return ParseError("[version] property isn't an integer");
    } else if (key == "request_processors" || key == "response_processors" ||
               key == "phase_results_processors") {
      SLUICE_RETURN_IF_ERROR(ParseProcessors(key, v, out));
    } else {
      unknown.push_back(key);
    }
  }
  if (!unknown.empty()) return UnsupportedKeys("pipeline [" + out.id + "]", unknown);
  return out;
}

Result<std::unique_ptr<SearchPipelineStore>> SearchPipelineStore::Open(storage::Store* store) {
  std::unique_ptr<SearchPipelineStore> out(new SearchPipelineStore(store));
  std::vector<std::pair<std::string, std::string>> records;
  SLUICE_RETURN_IF_ERROR(store->Scan(storage::Column::kMeta, kKeyPrefix,
                                     [&](std::string_view key, std::string_view value) {
                                       records.emplace_back(key.substr(kKeyPrefix.size()), value);
                                       return true;
                                     }));
  for (auto& [id, body] : records) {
    auto parsed = ParseSearchPipeline(id, body);
    if (!parsed.ok()) return parsed.status();  // written by Put, which validated it
    out->pipelines_[id] = std::make_shared<SearchPipeline>(std::move(*parsed));
  }
  return out;
}

Status SearchPipelineStore::Put(const std::string& id, std::string_view body) {
  SLUICE_ASSIGN_OR_RETURN(SearchPipeline parsed, ParseSearchPipeline(id, body));
  std::lock_guard lock(mu_);
  storage::WriteBatch batch;
  batch.Put(storage::Column::kMeta, std::string(kKeyPrefix) + id, parsed.body);
  SLUICE_RETURN_IF_ERROR(store_->Write(batch));
  pipelines_[id] = std::make_shared<SearchPipeline>(std::move(parsed));
  return Status::Ok();
}

std::shared_ptr<const SearchPipeline> SearchPipelineStore::Get(std::string_view id) const {
  std::lock_guard lock(mu_);
  auto it = pipelines_.find(id);
  return it == pipelines_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<const SearchPipeline>> SearchPipelineStore::Find(
    const std::vector<std::string>& patterns) const {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<const SearchPipeline>> out;
  for (const auto& [id, p] : pipelines_) {
    bool match = patterns.empty();
    for (const auto& pattern : patterns) match = match || util::WildcardMatch(pattern, id);
    if (match) out.push_back(p);
  }
  return out;
}

Result<bool> SearchPipelineStore::Delete(std::string_view id) {
  std::lock_guard lock(mu_);
  auto it = pipelines_.find(id);
  if (it == pipelines_.end()) return false;
  storage::WriteBatch batch;
  batch.Delete(storage::Column::kMeta, std::string(kKeyPrefix) + std::string(id));
  SLUICE_RETURN_IF_ERROR(store_->Write(batch));
  pipelines_.erase(it);
  return true;
}

}  // namespace sluice::search
