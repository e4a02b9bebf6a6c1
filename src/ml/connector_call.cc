#include "ml/connector_call.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <chrono>

#include "ml/connector_store.h"
#include "sources/http_client.h"
#include "json/value_text.h"

namespace sluice::ml {
namespace {

using rapidjson::Document;
using rapidjson::Value;
using util::InvalidArgument;

constexpr size_t kMaxResponse = 1 << 20;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), ::tolower);
  return s;
}

bool HasHeader(const sources::HeaderList& headers, const std::string& lower_name) {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& h) { return Lower(h.first) == lower_name; });
}

// The stored connector, parsed, with its parameters merged with the caller's.
struct LoadedConnector {
  Document doc;
  Params params;
};

util::Result<LoadedConnector> Load(const ConnectorStore& connectors, const std::string& id,
                                   const Params& request_params) {
  SLUICE_ASSIGN_OR_RETURN(StoredConnector c, connectors.Get(id));
  LoadedConnector out;
  out.doc.Parse(c.json.data(), c.json.size());
  if (out.doc.HasParseError() || !out.doc.IsObject()) {
    return util::IoError("the stored connector is damaged");
  }
  if (auto p = out.doc.FindMember("parameters"); p != out.doc.MemberEnd() && p->value.IsObject()) {
    for (auto& m : p->value.GetObject()) {
      if (m.value.IsString()) {
        out.params[m.name.GetString()] = m.value.GetString();
      } else {
        // ml-commons substitutes object parameters as their JSON (SageMaker's
        // TransformInput and friends are objects in its blueprint).
        rapidjson::StringBuffer buffer;
        rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
        m.value.Accept(writer);
        out.params[m.name.GetString()] = std::string(buffer.GetString(), buffer.GetSize());
      }
    }
  }
  for (const auto& [k, v] : request_params) out.params[k] = v;
  return out;
}

const Value* FindAction(const Document& d, const std::string& type) {
  if (auto a = d.FindMember("actions"); a != d.MemberEnd() && a->value.IsArray()) {
    for (auto& x : a->value.GetArray()) {
      if (Lower(json::StringMember(x, "action_type")) == Lower(type)) return &x;
    }
  }
  return nullptr;
}

// `url` with its path changed as `fallback` says.
std::string FallbackUrl(const std::string& url, const ActionFallback& fallback) {
  if (!fallback.replace_last_segment) return url + fallback.path;
  size_t query = url.find('?');
  std::string base = url.substr(0, query);
  size_t slash = base.rfind('/');
  return base.substr(0, slash + 1) + fallback.path;
}

util::Result<std::string> Rehost(const sources::ParsedUrl& parsed, const std::string& endpoint) {
  SLUICE_ASSIGN_OR_RETURN(sources::ParsedUrl base, sources::ParseHttpUrl(endpoint));
  std::string host = base.host.find(':') != std::string::npos ? "[" + base.host + "]" : base.host;
  std::string out = base.scheme + "://" + host;
  if (base.explicit_port) out += ":" + std::to_string(base.port);
  out += parsed.path;
  if (!parsed.query.empty()) out += "?" + parsed.query;
  return out;
}

}  // namespace

util::Result<std::string> SubstituteTemplate(const std::string& in, const Params& params,
                                             const secrets::SecretMap* credential) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t start = in.find("${", pos);
    if (start == std::string::npos) break;
    size_t end = in.find('}', start);
    if (end == std::string::npos) break;
    out.append(in, pos, start - pos);
    std::string name = in.substr(start + 2, end - start - 2);
    if (name.rfind("parameters.", 0) == 0) {
      auto it = params.find(name.substr(11));
      if (it == params.end()) {
        return InvalidArgument("the connector action needs [" + name +
                               "]: give it in the connector's or the request's parameters");
      }
      out += it->second;
    } else if (name.rfind("credential.", 0) == 0 && credential != nullptr) {
      auto it = credential->find(name.substr(11));
      if (it == credential->end()) {
        return InvalidArgument("the connector action needs [" + name +
                               "], which the connector's credential does not hold");
      }
      out += it->second.Reveal();
    } else {
      out.append(in, start, end - start + 1);  // not ours: kept as written
    }
    pos = end + 1;
  }
  out.append(in, pos, std::string::npos);
  return out;
}

ConnectorCaller::ConnectorCaller(const ConnectorStore* connectors, ConnectorCallOptions options)
    : connectors_(connectors), options_(std::move(options)) {}

util::Result<std::string> ConnectorCaller::Redirect(const std::string& url) const {
  SLUICE_ASSIGN_OR_RETURN(sources::ParsedUrl parsed, sources::ParseHttpUrl(url));
  const std::string& host = parsed.host;
  const bool aws = host.ends_with(".amazonaws.com");
  if (host == "api.openai.com" && !options_.openai_base_url.empty()) {
    return Rehost(parsed, options_.openai_base_url);
  }
  if (aws && host.starts_with("bedrock.") && !options_.bedrock_endpoint.empty()) {
    return Rehost(parsed, options_.bedrock_endpoint);
  }
  if (aws && host.starts_with("api.sagemaker.") && !options_.sagemaker_endpoint.empty()) {
    return Rehost(parsed, options_.sagemaker_endpoint);
  }
  return url;
}

util::Result<std::string> ConnectorCaller::PredictUrl(const std::string& connector_id,
                                                      const Params& request_params) const {
  SLUICE_ASSIGN_OR_RETURN(LoadedConnector c, Load(*connectors_, connector_id, request_params));
  const Value* action = FindAction(c.doc, "BATCH_PREDICT");
  if (action == nullptr) {
    return InvalidArgument("the connector [" + connector_id +
                           "] has no action of type [BATCH_PREDICT]");
  }
  return SubstituteTemplate(json::StringMember(*action, "url"), c.params, nullptr);
}

util::Result<Call> ConnectorCaller::Render(const std::string& connector_id, const std::string& type,
                                           const Params& request_params,
                                           const ActionFallback& fallback,
                                           const std::string& default_service) const {
  SLUICE_ASSIGN_OR_RETURN(LoadedConnector c, Load(*connectors_, connector_id, request_params));
  const Value* action = FindAction(c.doc, type);
  const bool use_fallback = action == nullptr;
  if (use_fallback) {
    action = FindAction(c.doc, "BATCH_PREDICT");
    if (fallback.method.empty() || action == nullptr) {
      return InvalidArgument("the connector [" + connector_id + "] has no action of type [" + type +
                             "]");
    }
  }
  SLUICE_ASSIGN_OR_RETURN(secrets::SecretMap credential, connectors_->Credential(connector_id));
  Call call;
  call.method = use_fallback ? fallback.method : json::StringMember(*action, "method");
  std::transform(call.method.begin(), call.method.end(), call.method.begin(), ::toupper);
  if (call.method != "GET" && call.method != "POST") {
    return InvalidArgument("the connector's [" + type + "] action has method [" + call.method +
                           "]: only GET and POST are supported");
  }
  SLUICE_ASSIGN_OR_RETURN(std::string url,
                          SubstituteTemplate(json::StringMember(*action, "url"), c.params, &credential));
  if (use_fallback) url = FallbackUrl(url, fallback);
  SLUICE_ASSIGN_OR_RETURN(call.url, Redirect(url));
  if (auto h = action->FindMember("headers"); h != action->MemberEnd() && h->value.IsObject()) {
    for (auto& m : h->value.GetObject()) {
      if (!m.value.IsString()) continue;
      SLUICE_ASSIGN_OR_RETURN(std::string value,
                              SubstituteTemplate(m.value.GetString(), c.params, &credential));
      call.headers.emplace_back(m.name.GetString(), std::move(value));
    }
  }
  std::string body_template = use_fallback ? fallback.body : json::StringMember(*action, "request_body");
  if (call.method == "POST" && !body_template.empty()) {
    SLUICE_ASSIGN_OR_RETURN(call.body, SubstituteTemplate(body_template, c.params, &credential));
    Document check;
    check.Parse(call.body.data(), call.body.size());
    if (check.HasParseError()) {
      return InvalidArgument("the connector's [" + type +
                             "] request_body is not valid JSON once its parameters are filled in");
    }
    if (!HasHeader(call.headers, "content-type")) {
      call.headers.emplace_back("Content-Type", "application/json");
    }
  }
  if (json::StringMember(c.doc, "protocol") == "aws_sigv4") {
    Call::Signing signing;
    auto get = [&](const char* key) -> const util::Secret* {
      auto it = credential.find(key);
      return it == credential.end() ? nullptr : &it->second;
    };
    if (get("access_key") == nullptr || get("secret_key") == nullptr) {
      return InvalidArgument("the connector [" + connector_id +
                             "] uses protocol aws_sigv4 but its credential lacks [access_key] "
                             "or [secret_key]");
    }
    signing.keys.access_key = get("access_key")->Reveal();
    signing.keys.secret_key = *get("secret_key");
    if (const util::Secret* token = get("session_token")) signing.keys.session_token = *token;
    signing.region = c.params.count("region") ? c.params["region"] : "";
    signing.service = c.params.count("service_name") ? c.params["service_name"] : default_service;
    if (signing.region.empty()) {
      return InvalidArgument("the connector [" + connector_id +
                             "] uses protocol aws_sigv4 and needs [parameters.region]");
    }
    call.signing = std::move(signing);
  }
  return call;
}

util::Result<std::string> ConnectorCaller::Send(const Call& call, bool retry_status,
                                                const util::CancelSignal* cancel) const {
  sources::SourcesOptions http = options_.http;
  if (!retry_status) http.max_retries = 0;
  std::string display = sources::RedactUrl(call.url);
  SLUICE_ASSIGN_OR_RETURN(sources::ParsedUrl parsed, sources::ParseHttpUrl(call.url));
  std::string host_header =
      parsed.host.find(':') != std::string::npos ? "[" + parsed.host + "]" : parsed.host;
  if (parsed.explicit_port) host_header += ":" + std::to_string(parsed.port);
  auto build = [&]() -> util::Result<sources::HttpRequest> {
    sources::HttpRequest request{call.url, call.headers};
    if (!call.signing) return request;
    // Sign host and the headers AWS SDKs sign: content-type and x-amz-*.
    sources::SigV4Request to_sign{call.method,
                                  parsed.path,
                                  parsed.query,
                                  {{"host", host_header}},
                                  sources::Sha256Hex(call.body)};
    for (const auto& [name, value] : call.headers) {
      std::string lower = Lower(name);
      if (lower == "content-type" || lower.starts_with("x-amz-")) {
        to_sign.headers.emplace_back(lower, value);
      }
    }
    sources::SigV4Params params;
    params.region = call.signing->region;
    params.service = call.signing->service;
    params.time = std::chrono::system_clock::now();
    sources::SigV4Signature signature = sources::SignV4(to_sign, params, call.signing->keys);
    for (auto& header : signature.headers_to_add) request.headers.push_back(std::move(header));
    request.headers.emplace_back("Authorization", std::move(signature.authorization));
    return request;
  };
  SLUICE_ASSIGN_OR_RETURN(
      sources::HttpResponse res,
      sources::HttpSend(build, call.method, call.body, http, display, kMaxResponse, cancel));
  if (res.status < 200 || res.status >= 300) {
    // OpenAI: {"error":{"message"}}; AWS REST/JSON: {"message"} or {"Message"}.
    Document d;
    d.Parse(res.body.data(), res.body.size());
    std::string message;
    if (!d.HasParseError() && d.IsObject()) {
      if (d.HasMember("error")) message = json::StringMember(d["error"], "message");
      if (message.empty()) message = json::StringMember(d, "message");
      if (message.empty()) message = json::StringMember(d, "Message");
    }
    util::Code code = res.status == 401 || res.status == 403   ? util::Code::kUnauthorized
                      : res.status == 404                      ? util::Code::kNotFound
                      : res.status >= 500 || res.status == 429 ? util::Code::kUnavailable
                                                               : util::Code::kInvalidArgument;
    return util::Status(code, "status_exception",
                        call.method + " " + display + " answered HTTP " +
                            std::to_string(res.status) + (message.empty() ? "" : ": " + message));
  }
  return std::move(res.body);
}

}  // namespace sluice::ml
