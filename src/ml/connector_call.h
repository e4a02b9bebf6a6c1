// ConnectorCaller: renders a connector's action and sends it to the provider.
//
// Render() fills the action's url, headers and request_body with
// ${parameters.x} (the connector's parameters overridden by the caller's) and
// ${credential.x}; an unknown name is a 400 naming it, never a value. URLs on
// a provider's public host keep their path but take scheme, host and port
// from the matching endpoint override (tests, private endpoints):
//   api.openai.com                       ← openai_base_url
//   bedrock.<region>.amazonaws.com       ← bedrock_endpoint
//   api.sagemaker.<region>.amazonaws.com ← sagemaker_endpoint
//
// Send() sends a rendered call and returns the provider's 2xx JSON object, or
// a Status with the provider's message (never the request). A connector of
// protocol aws_sigv4 is signed with its credential (access_key, secret_key,
// session_token) for parameters.region and parameters.service_name (or the
// call's default service), re-signed on every attempt.
//
// A Call may hold the credential (in headers or signing keys): it is never
// logged and errors name the URL without its query only.
//
// Thread-safety: const methods are thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "secrets/sealed_map.h"
#include "sources/sigv4_signer.h"
#include "sources/sources_options.h"
#include "util/result.h"

namespace sluice::util {
class CancelSignal;
}
namespace sluice::sources {
class SourceCatalog;
}

namespace sluice::ml {

class ConnectorStore;

using Params = std::map<std::string, std::string>;

struct ConnectorCallOptions {
  // Replace scheme/host/port of the providers' public URLs. "" = none.
  std::string openai_base_url;
  std::string bedrock_endpoint;
  std::string sagemaker_endpoint;
  // Retries and timeouts of the provider calls (sources' HTTP settings).
  sources::SourcesOptions http;
  // Reads a job's input given as a sluice source (OpenAI uploads it first).
  // Not owned; null = such inputs are refused.
  const sources::SourceCatalog* input_sources = nullptr;
};

// A connector action rendered for sending.
struct Call {
  std::string method;
  std::string url;
  sources::HeaderList headers;  // may hold the credential
  std::string body;
  // aws_sigv4 connectors: the keys, region and service to sign with.
  struct Signing {
    sources::SigV4Credentials keys;
    std::string region;
    std::string service;
  };
  std::optional<Signing> signing;
};

// What Render() does when the connector has no action of the asked type.
struct ActionFallback {
  std::string method;  // "" = no fallback: the action is required
  // Replaces the BATCH_PREDICT action's URL path: a suffix appended to it, or,
  // with replace_last_segment, its last path segment (SageMaker's layout).
  std::string path;
  bool replace_last_segment = false;
  // The request body of the fallback (templates substituted); "" = none.
  std::string body;
};

class ConnectorCaller {
 public:
  ConnectorCaller(const ConnectorStore* connectors, ConnectorCallOptions options);

  // Renders the connector's action of `type` (upper case, e.g. "BATCH_PREDICT").
  // `default_service`: the SigV4 service when the connector names none.
  util::Result<Call> Render(const std::string& connector_id, const std::string& type,
                            const Params& request_params, const ActionFallback& fallback,
                            const std::string& default_service) const;

  // The connector's BATCH_PREDICT action URL with the parameters filled in
  // (credentials are not substituted): how a provider is recognised.
  util::Result<std::string> PredictUrl(const std::string& connector_id,
                                       const Params& request_params) const;

  // Sends `call` (see the header comment). `retry_status`: false for creates,
  // which are not idempotent (only connection failures are retried).
  util::Result<std::string> Send(const Call& call, bool retry_status,
                                 const util::CancelSignal* cancel) const;

  // `url` with scheme/host/port replaced as the header comment says.
  util::Result<std::string> Redirect(const std::string& url) const;

  const ConnectorCallOptions& options() const { return options_; }

 private:
  const ConnectorStore* const connectors_;
  const ConnectorCallOptions options_;
};

// Replaces ${parameters.x} and ${credential.x} in `in`; other ${...} are kept.
// `credential` may be null (then a ${credential.x} is kept as written).
util::Result<std::string> SubstituteTemplate(const std::string& in, const Params& params,
                                             const secrets::SecretMap* credential);

}  // namespace sluice::ml
