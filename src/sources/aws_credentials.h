// AwsCredentialChain: AWS credentials for requests that carry none (S3
// sources without keys, the --remote-sigv4 sink), found as the AWS SDKs find
// them, in this order:
//
//   1. environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
//   2. shared files: AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials) and
//      AWS_CONFIG_FILE (~/.aws/config), profile AWS_PROFILE (default "default");
//      aws_access_key_id, aws_secret_access_key, aws_session_token
//      (credential_process and role chaining are not supported)
//   3. web identity: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN
//      (+ AWS_ROLE_SESSION_NAME), STS AssumeRoleWithWebIdentity at
//      AWS_ENDPOINT_URL_STS (default https://sts.REGION.amazonaws.com)
//   4. container: AWS_CONTAINER_CREDENTIALS_FULL_URI (http only to loopback or
//      the ECS/EKS link-local hosts) or AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
//      (on http://169.254.170.2), with AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE)
//   5. EC2 instance metadata, IMDSv2 only (a token PUT, then GETs with it) at
//      AWS_EC2_METADATA_SERVICE_ENDPOINT (default http://169.254.169.254);
//      skipped when AWS_EC2_METADATA_DISABLED=true
//
// The first step that is configured decides: its error (an unreadable token
// file, STS refusing the role) is the chain's error. Temporary credentials
// are cached and fetched again 5 minutes before they expire. Errors never
// contain a secret; nothing is logged but the step that answered.
//
// Thread-safety: Get() may be called from any thread.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "sources/sigv4_signer.h"
#include "sources/sources_options.h"
#include "util/result.h"

namespace sluice::sources {

// The variables the chain reads (AWS_* and HOME), captured once.
struct AwsEnvironment {
  std::map<std::string, std::string> vars;
  static AwsEnvironment FromProcess();
  std::string Get(const std::string& name) const;
};

struct AwsCredentials {
  SigV4Credentials keys;
  // When temporary credentials stop working; nullopt for long-term keys.
  std::optional<std::chrono::system_clock::time_point> expiration;
  std::string source;  // "environment", "profile default", "web identity", "container", "imds"
};

class AwsCredentialChain {
 public:
  // `http` supplies timeouts for the network steps.
  AwsCredentialChain(AwsEnvironment env, SourcesOptions http);

  // Cached credentials, refreshed 5 minutes before they expire.
  util::Result<SigV4Credentials> Get() const;
  // One walk of the chain, without the cache (tests).
  util::Result<AwsCredentials> Resolve() const;

 private:
  const AwsEnvironment env_;
  const SourcesOptions http_;
  mutable std::mutex mu_;
  mutable std::optional<AwsCredentials> cached_;
};

}  // namespace sluice::sources
