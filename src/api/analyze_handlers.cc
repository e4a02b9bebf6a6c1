// The analyze API: POST /_analyze and POST /<index>/_analyze, in OpenSearch's
// response shape ({"tokens":[{"token","start_offset","end_offset","type","position"}]}).
#include <rapidjson/document.h>

#include "api/handler_support.h"
#include "api/rest_response.h"
#include "api/routes.h"
#include "index/catalog.h"
#include "index/index.h"
#include "json/json_writer.h"
#include "text/analyzer_registry.h"

namespace sluice::api {
namespace {

using http::Request;
using http::Response;
using util::InvalidArgument;

// Text fields analyze multi-valued text with a gap of 100 positions, as
// OpenSearch's text mapper sets; analyzers named directly use none. Each
// value starts one offset past the end of the one before.
constexpr int kFieldPositionGap = 100;

util::Result<std::vector<std::string>> StringList(const rapidjson::Value& v, const char* what) {
  std::vector<std::string> out;
  if (v.IsString()) {
    out.emplace_back(v.GetString(), v.GetStringLength());
  } else if (v.IsArray()) {
    for (const auto& e : v.GetArray()) {
      if (!e.IsString()) return util::ParsingError(std::string("[") + what + "] must be strings");
      out.emplace_back(e.GetString(), e.GetStringLength());
    }
  } else {
    return util::ParsingError(std::string("[") + what +
                              "] must be a string or an array of strings");
  }
  return out;
}

Response Analyze(const ApiContext& ctx, const Request& req) {
  rapidjson::Document body;
  body.Parse(req.body.data(), req.body.size());
  if (req.body.empty() || body.HasParseError() || !body.IsObject()) {
    return ErrorResponse(req, req.body.empty()
                                  ? BodyRequired()
                                  : util::ParseError("request body is not a JSON object"));
  }
  std::shared_ptr<index::Index> index;
  std::map<std::string, std::string> settings;
  std::shared_ptr<const text::AnalyzerRegistry> builtins;
  std::string_view index_name = req.PathParam("index");
  if (!index_name.empty()) {
    auto resolved = ctx.catalog->Resolve(index_name);
    if (!resolved.ok()) return ErrorResponse(req, resolved.status());
    if (resolved->size() != 1) {
      return ErrorResponse(
          req, InvalidArgument("analyze needs exactly one index, [" + std::string(index_name) +
                               "] resolves to " + std::to_string(resolved->size())));
    }
    index = (*resolved)[0];
    settings = index->settings().flat();
  } else {
    builtins = std::make_shared<text::AnalyzerRegistry>();
  }
  const text::AnalyzerRegistry& registry = index ? index->analyzers() : *builtins;

  std::vector<std::string> texts, filters;
  std::string analyzer_name, tokenizer, field;
  bool has_text = false;
  for (auto it = body.MemberBegin(); it != body.MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    if (key == "text") {
      auto t = StringList(it->value, "text");
      if (!t.ok()) return ErrorResponse(req, t.status());
      texts = std::move(*t);
      has_text = true;
    } else if (key == "analyzer" || key == "tokenizer" || key == "field") {
      if (!it->value.IsString()) {
        return ErrorResponse(req, util::ParsingError("[" + key + "] must be a string"));
      }
      (key == "analyzer"    ? analyzer_name
       : key == "tokenizer" ? tokenizer
                            : field) = it->value.GetString();
    } else if (key == "filter" || key == "token_filter") {
      auto f = StringList(it->value, "filter");
      if (!f.ok()) return ErrorResponse(req, f.status());
      filters = std::move(*f);
    } else if (key == "explain" || key == "attributes" || key == "char_filter" ||
               key == "normalizer") {
      return ErrorResponse(req,
                           InvalidArgument("[" + key + "] in _analyze is not supported by sluice"));
    } else {
      return ErrorResponse(
          req, util::ParsingError("Unknown parameter [" + key +
                                  "] in request body or parameter is of the wrong type[" +
                                  "VALUE_STRING]"));
    }
  }
  if (!has_text) {
    return ErrorResponse(
        req, util::Status(util::Code::kInvalidArgument, "action_request_validation_exception",
                          "Validation Failed: 1: text is missing;"));
  }
  std::unique_ptr<text::Analyzer> custom;
  const text::Analyzer* analyzer = nullptr;
  int position_gap = 0;
  if (!analyzer_name.empty()) {
    analyzer = registry.Find(analyzer_name);
    if (analyzer == nullptr) {
      return ErrorResponse(
          req, InvalidArgument(index ? "failed to find analyzer [" + analyzer_name + "]"
                                     : "failed to find global analyzer [" + analyzer_name + "]"));
    }
  } else if (!tokenizer.empty()) {
    auto built = text::AnalyzerRegistry::Custom(settings, tokenizer, filters);
    if (!built.ok()) return ErrorResponse(req, built.status());
    custom = std::move(*built);
    analyzer = custom.get();
  } else if (!field.empty() && index) {
    index::Index::ReadGuard guard(*index);
    const index::FieldMapping* f = index->mapping().Find(field);
    if (f != nullptr && index::IsTextual(f->type)) {
      analyzer = &index->IndexAnalyzer(field);
      position_gap = kFieldPositionGap;
    } else {
      analyzer = registry.Find("keyword");  // keyword and other fields: the value as one token
    }
  } else {
    analyzer = &registry.Default();
  }

  json::JsonWriter w;
  w.StartObject().Key("tokens").StartArray();
  int last_position = -1, last_offset = 0;
  for (const auto& t : texts) {
    int base = last_position + 1;
    for (const auto& token : analyzer->Analyze(t)) {
      last_position = base + token.position;
      w.StartObject();
      w.Key("token").String(token.term);
      w.Key("start_offset").Int(last_offset + token.start_offset);
      w.Key("end_offset").Int(last_offset + token.end_offset);
      w.Key("type").String(token.type);
      w.Key("position").Int(last_position);
      w.EndObject();
    }
    last_offset += text::Utf16Length(t) + 1;
    last_position += position_gap;
  }
  w.EndArray().EndObject();
  return JsonResponse(req, 200, w.Take());
}

}  // namespace

void RegisterAnalyzeRoutes(http::Router& router, const ApiContext& ctx) {
  const http::RouteOptions kSearchRoute{.pool = http::Pool::kSearch};
  auto bind = [&ctx](ContextHandler fn) { return BindHandler(ctx, fn); };
  for (const char* method : {"GET", "POST"}) {
    router.Add(method, "/_analyze", bind(Analyze), kSearchRoute);
    router.Add(method, "/{index}/_analyze", bind(Analyze), kSearchRoute);
  }
}

}  // namespace sluice::api
