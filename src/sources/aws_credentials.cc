#include "sources/aws_credentials.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <sstream>

#include "sources/curl_common.h"
#include "sources/http_client.h"
#include "sources/outgoing_url.h"

extern char** environ;

namespace sluice::sources {
namespace {

using Clock = std::chrono::system_clock;
using Step = util::Result<std::optional<AwsCredentials>>;

util::Status Unauthorized(std::string reason) {
  return util::Status(util::Code::kUnauthorized, "security_exception", std::move(reason));
}

constexpr auto kRefreshBefore = std::chrono::minutes(5);
constexpr size_t kMaxBody = 64 << 10;

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t start = 0;
  while (start < s.size() && std::isspace(static_cast<unsigned char>(s[start]))) ++start;
  return s.substr(start);
}

// "2026-12-02T02:00:00Z" (fractions allowed) → time point.
std::optional<Clock::time_point> ParseIso8601(const std::string& text) {
  std::tm tm{};
  if (std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return Clock::from_time_t(timegm(&tm));
}

struct Reply {
  long status = 0;
  std::string body;
};

size_t Collect(char* data, size_t size, size_t n, void* user) {
  auto* body = static_cast<std::string*>(user);
  if (body->size() + size * n > kMaxBody) return 0;
  body->append(data, size * n);
  return size * n;
}

// One request, no retries: these endpoints are local to the host or answer fast.
util::Result<Reply> Call(const std::string& method, const std::string& url,
                         const HeaderList& headers, const std::string& body,
                         const SourcesOptions& http, const std::string& display) {
  CurlEasy easy;
  if (!easy) return util::Internal("curl_easy_init failed");
  CurlHeaders list(headers);
  Reply reply;
  ConfigureCommon(easy.get(), http);
  curl_easy_setopt(easy.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy.get(), CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(easy.get(), CURLOPT_HTTPHEADER, list.get());
  curl_easy_setopt(easy.get(), CURLOPT_TIMEOUT_MS, 10000L);
  if (!body.empty() || method == "POST" || method == "PUT") {
    curl_easy_setopt(easy.get(), CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(easy.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  curl_easy_setopt(easy.get(), CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(easy.get(), CURLOPT_WRITEDATA, &reply.body);
  CURLcode rc = curl_easy_perform(easy.get());
  if (rc != CURLE_OK) {
    return util::Unavailable(display + " could not be reached: " + curl_easy_strerror(rc));
  }
  curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &reply.status);
  return reply;
}

// The AccessKeyId/SecretAccessKey/Token/Expiration JSON of the container
// endpoint and IMDS.
util::Result<AwsCredentials> FromJson(const std::string& body, const std::string& source) {
  rapidjson::Document d;
  d.Parse(body.c_str());
  auto text = [&](const char* name) -> std::string {
    if (d.HasParseError() || !d.IsObject()) return "";
    auto it = d.FindMember(name);
    return it != d.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
  };
  AwsCredentials out;
  out.source = source;
  out.keys.access_key = text("AccessKeyId");
  out.keys.secret_key = util::Secret(text("SecretAccessKey"));
  out.keys.session_token = util::Secret(text("Token"));
  if (out.keys.access_key.empty() || out.keys.secret_key.empty()) {
    return Unauthorized(source + " answered without AccessKeyId and SecretAccessKey");
  }
  if (std::string exp = text("Expiration"); !exp.empty()) out.expiration = ParseIso8601(exp);
  return out;
}

std::string XmlTag(const std::string& xml, const std::string& tag) {
  size_t start = xml.find("<" + tag + ">");
  if (start == std::string::npos) return "";
  start += tag.size() + 2;
  size_t end = xml.find("</" + tag + ">", start);
  return end == std::string::npos ? "" : xml.substr(start, end - start);
}

Step FromEnvironment(const AwsEnvironment& env) {
  std::string id = env.Get("AWS_ACCESS_KEY_ID");
  std::string secret = env.Get("AWS_SECRET_ACCESS_KEY");
  if (id.empty() && secret.empty()) return std::optional<AwsCredentials>();
  if (id.empty() || secret.empty()) {
    return Unauthorized("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together");
  }
  AwsCredentials out;
  out.source = "environment";
  out.keys = {id, util::Secret(secret), util::Secret(env.Get("AWS_SESSION_TOKEN"))};
  return std::optional<AwsCredentials>(std::move(out));
}

// The keys of section `section` of an ini file.
std::map<std::string, std::string> IniSection(const std::string& text, const std::string& section,
                                              bool* found) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    line = Trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      inside = Trim(line.substr(1, line.size() - 2)) == section;
      *found |= inside;
      continue;
    }
    size_t eq = line.find('=');
    if (inside && eq != std::string::npos) {
      out[Trim(line.substr(0, eq))] = Trim(line.substr(eq + 1));
    }
  }
  return out;
}

Step FromProfile(const AwsEnvironment& env) {
  std::string home = env.Get("HOME");
  std::string creds_path = env.Get("AWS_SHARED_CREDENTIALS_FILE");
  std::string config_path = env.Get("AWS_CONFIG_FILE");
  if (creds_path.empty() && !home.empty()) creds_path = home + "/.aws/credentials";
  if (config_path.empty() && !home.empty()) config_path = home + "/.aws/config";
  std::string profile = env.Get("AWS_PROFILE");
  bool named = !profile.empty();
  if (!named) profile = "default";
  bool found = false;
  std::map<std::string, std::string> keys;
  if (auto text = ReadFile(config_path)) {
    keys = IniSection(*text, profile == "default" ? "default" : "profile " + profile, &found);
  }
  if (auto text = ReadFile(creds_path)) {
    for (auto& [k, v] : IniSection(*text, profile, &found)) keys[k] = v;  // credentials win
  }
  if (!found) {
    if (named) {
      return Unauthorized("AWS_PROFILE [" + profile +
                          "] is in neither the shared credentials nor the config file");
    }
    return std::optional<AwsCredentials>();
  }
  std::string id = keys["aws_access_key_id"];
  std::string secret = keys["aws_secret_access_key"];
  if (id.empty() || secret.empty()) {
    if (!named) return std::optional<AwsCredentials>();  // a default profile of settings only
    return Unauthorized("profile [" + profile +
                        "] has no aws_access_key_id and aws_secret_access_key");
  }
  AwsCredentials out;
  out.source = "profile " + profile;
  out.keys = {id, util::Secret(secret), util::Secret(keys["aws_session_token"])};
  return std::optional<AwsCredentials>(std::move(out));
}

std::string FormEncode(const std::string& s) { return UriEncode(s, false); }

Step FromWebIdentity(const AwsEnvironment& env, const SourcesOptions& http) {
  std::string token_file = env.Get("AWS_WEB_IDENTITY_TOKEN_FILE");
  std::string role = env.Get("AWS_ROLE_ARN");
  if (token_file.empty() || role.empty()) return std::optional<AwsCredentials>();
  auto token = ReadFile(token_file);
  if (!token) {
    return Unauthorized("AWS_WEB_IDENTITY_TOKEN_FILE [" + token_file + "] cannot be read");
  }
  std::string session = env.Get("AWS_ROLE_SESSION_NAME");
  if (session.empty()) session = "sluice";
  std::string endpoint = env.Get("AWS_ENDPOINT_URL_STS");
  if (endpoint.empty()) {
    std::string region = env.Get("AWS_REGION");
    if (region.empty()) region = env.Get("AWS_DEFAULT_REGION");
    endpoint =
        region.empty() ? "https://sts.amazonaws.com" : "https://sts." + region + ".amazonaws.com";
    if (!region.empty() && !IsValidAwsRegion(region)) {
      return util::InvalidArgument("AWS_REGION [" + region + "] is not a valid AWS region");
    }
  }
  SLUICE_ASSIGN_OR_RETURN(ParsedUrl url, ParseHttpUrl(endpoint));
  (void)url;
  util::Secret body(
      "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=" + FormEncode(role) +
      "&RoleSessionName=" + FormEncode(session) + "&WebIdentityToken=" + FormEncode(Trim(*token)));
  std::string display = "STS (" + RedactUrl(endpoint) + ")";
  SLUICE_ASSIGN_OR_RETURN(Reply reply, Call("POST", endpoint,
                                            {{"Content-Type", "application/x-www-form-urlencoded"},
                                             {"Accept", "application/xml"}},
                                            body.Reveal(), http, display));
  if (reply.status != 200) {
    std::string code = XmlTag(reply.body, "Code");
    std::string message = XmlTag(reply.body, "Message");
    return Unauthorized(display + " refused AssumeRoleWithWebIdentity for [" + role + "]: HTTP " +
                        std::to_string(reply.status) + (code.empty() ? "" : " " + code) +
                        (message.empty() ? "" : " (" + message + ")"));
  }
  AwsCredentials out;
  out.source = "web identity";
  out.keys.access_key = XmlTag(reply.body, "AccessKeyId");
  out.keys.secret_key = util::Secret(XmlTag(reply.body, "SecretAccessKey"));
  out.keys.session_token = util::Secret(XmlTag(reply.body, "SessionToken"));
  out.expiration = ParseIso8601(XmlTag(reply.body, "Expiration"));
  if (out.keys.access_key.empty() || out.keys.secret_key.empty()) {
    return Unauthorized(display + " answered without credentials");
  }
  return std::optional<AwsCredentials>(std::move(out));
}

bool ContainerHostAllowed(const ParsedUrl& url) {
  if (url.scheme == "https") return true;
  return url.host == "127.0.0.1" || url.host == "localhost" || url.host == "::1" ||
         url.host == "169.254.170.2" || url.host == "169.254.170.23" || url.host == "fd00:ec2::23";
}

Step FromContainer(const AwsEnvironment& env, const SourcesOptions& http) {
  std::string full = env.Get("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  std::string relative = env.Get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  if (full.empty() && relative.empty()) return std::optional<AwsCredentials>();
  std::string endpoint = !relative.empty() ? "http://169.254.170.2" + relative : full;
  SLUICE_ASSIGN_OR_RETURN(ParsedUrl url, ParseHttpUrl(endpoint));
  if (!ContainerHostAllowed(url)) {
    return Unauthorized("AWS_CONTAINER_CREDENTIALS_FULL_URI [" + RedactUrl(endpoint) +
                        "] must be https, loopback or the ECS/EKS credentials host");
  }
  HeaderList headers;
  std::string token = env.Get("AWS_CONTAINER_AUTHORIZATION_TOKEN");
  if (std::string file = env.Get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"); !file.empty()) {
    auto text = ReadFile(file);
    if (!text) {
      return Unauthorized("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE [" + file + "] cannot be read");
    }
    token = Trim(*text);
  }
  if (!token.empty()) headers.emplace_back("Authorization", token);
  std::string display = "the container credentials endpoint (" + RedactUrl(endpoint) + ")";
  SLUICE_ASSIGN_OR_RETURN(Reply reply, Call("GET", endpoint, headers, "", http, display));
  if (reply.status != 200) {
    return Unauthorized(display + " answered HTTP " + std::to_string(reply.status));
  }
  SLUICE_ASSIGN_OR_RETURN(AwsCredentials out, FromJson(reply.body, "container"));
  return std::optional<AwsCredentials>(std::move(out));
}

Step FromImds(const AwsEnvironment& env, SourcesOptions http) {
  std::string disabled = env.Get("AWS_EC2_METADATA_DISABLED");
  for (auto& c : disabled) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (disabled == "true") return std::optional<AwsCredentials>();
  std::string base = env.Get("AWS_EC2_METADATA_SERVICE_ENDPOINT");
  if (base.empty()) {
    base = "http://169.254.169.254";
    http.connect_timeout_ms = std::min(http.connect_timeout_ms, 1000);  // not on EC2: fail fast
  }
  while (!base.empty() && base.back() == '/') base.pop_back();
  const std::string display = "the EC2 instance metadata service (" + RedactUrl(base) + ")";
  auto token = Call("PUT", base + "/latest/api/token",
                    {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}}, "", http, display);
  if (!token.ok()) return std::optional<AwsCredentials>();  // no IMDS here
  if (token->status != 200) {
    return Unauthorized(display + " refused a session token: HTTP " +
                        std::to_string(token->status));
  }
  util::Secret session(Trim(token->body));
  HeaderList headers{{"X-aws-ec2-metadata-token", session.Reveal()}};
  const std::string path = base + "/latest/meta-data/iam/security-credentials/";
  SLUICE_ASSIGN_OR_RETURN(Reply roles, Call("GET", path, headers, "", http, display));
  if (roles.status != 200) {
    return Unauthorized(display + " lists no instance role: HTTP " + std::to_string(roles.status));
  }
  std::string role = Trim(roles.body.substr(0, roles.body.find('\n')));
  if (role.empty() || role.find('/') != std::string::npos || role.find("..") != std::string::npos) {
    return Unauthorized(display + " lists no usable instance role");
  }
  SLUICE_ASSIGN_OR_RETURN(Reply creds, Call("GET", path + role, headers, "", http, display));
  if (creds.status != 200) {
    return Unauthorized(display + " gave no credentials for role [" + role + "]: HTTP " +
                        std::to_string(creds.status));
  }
  SLUICE_ASSIGN_OR_RETURN(AwsCredentials out, FromJson(creds.body, "imds"));
  return std::optional<AwsCredentials>(std::move(out));
}

}  // namespace

AwsEnvironment AwsEnvironment::FromProcess() {
  AwsEnvironment env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string entry(*e);
    size_t eq = entry.find('=');
    if (eq == std::string::npos) continue;
    std::string name = entry.substr(0, eq);
    if (name.rfind("AWS_", 0) == 0 || name == "HOME") env.vars[name] = entry.substr(eq + 1);
  }
  return env;
}

std::string AwsEnvironment::Get(const std::string& name) const {
  auto it = vars.find(name);
  return it == vars.end() ? "" : it->second;
}

AwsCredentialChain::AwsCredentialChain(AwsEnvironment env, SourcesOptions http)
    : env_(std::move(env)), http_(std::move(http)) {}

util::Result<AwsCredentials> AwsCredentialChain::Resolve() const {
  using StepFn = std::function<Step()>;
  const StepFn steps[] = {
      [&] { return FromEnvironment(env_); },        [&] { return FromProfile(env_); },
      [&] { return FromWebIdentity(env_, http_); }, [&] { return FromContainer(env_, http_); },
      [&] { return FromImds(env_, http_); },
  };
  for (const auto& step : steps) {
    SLUICE_ASSIGN_OR_RETURN(std::optional<AwsCredentials> found, step());
    if (found) return std::move(*found);
  }
  return Unauthorized(
      "no AWS credentials: the request has none, and none were found in the environment, the "
      "shared credentials/config files, web identity, the container endpoint or the EC2 "
      "instance metadata service");
}

util::Result<SigV4Credentials> AwsCredentialChain::Get() const {
  std::lock_guard lock(mu_);
  auto now = Clock::now();
  if (cached_ && (!cached_->expiration || now < *cached_->expiration - kRefreshBefore)) {
    return cached_->keys;
  }
  SLUICE_ASSIGN_OR_RETURN(AwsCredentials fresh, Resolve());
  cached_ = std::move(fresh);
  return cached_->keys;
}

}  // namespace sluice::sources
