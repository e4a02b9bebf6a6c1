#include "ingest/ingest_request.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <cctype>
#include <string_view>
#include <unordered_set>

#include "ingest/provider_output.h"
#include "json/value_text.h"
#include "sources/outgoing_url.h"
#include "sources/s3_source.h"

namespace sluice::ingest {
namespace {

using util::InvalidArgument;
using util::Status;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// OpenSearch's parser refuses a repeated key anywhere in a request body. Here
// it matters twice over: RapidJSON keeps both members, so what is validated,
// what runs and what is persisted (and shown by the Tasks API) could differ,
// and a second "credential" would survive the stripping in plain text.
Status CheckNoDuplicateKeys(const rapidjson::Value& value, int depth = 0) {
  if (depth > 64) return Status::Ok();  // deeper than any valid request; parsed elsewhere
  if (value.IsObject()) {
    std::unordered_set<std::string_view> seen;
    for (auto it = value.MemberBegin(); it != value.MemberEnd(); ++it) {
      std::string_view name(it->name.GetString(), it->name.GetStringLength());
      if (!seen.insert(name).second) {
        return Status(util::Code::kInvalidArgument, "json_parse_exception",
                      "Duplicate field '" + std::string(name) + "'");
      }
      SLUICE_RETURN_IF_ERROR(CheckNoDuplicateKeys(it->value, depth + 1));
    }
  } else if (value.IsArray()) {
    for (const auto& element : value.GetArray()) {
      SLUICE_RETURN_IF_ERROR(CheckNoDuplicateKeys(element, depth + 1));
    }
  }
  return Status::Ok();
}

// Splits "source[N].$..." into N and the JSONPath. Returns nullopt source for
// a bare path.
struct PrefixedPath {
  std::optional<size_t> source;
  std::string path;
};
util::Result<PrefixedPath> SplitPrefix(const std::string& text, const std::string& field) {
  PrefixedPath out;
  if (text.rfind("source[", 0) != 0) {
    out.path = text;
    return out;
  }
  size_t close = text.find(']');
  std::string digits = close == std::string::npos ? "" : text.substr(7, close - 7);
  if (digits.empty() || digits.size() > 6 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return std::isdigit(c); }) ||
      close + 1 >= text.size() || text[close + 1] != '.') {
    return InvalidArgument("[" + field + "] has a malformed source prefix in [" + text +
                           "]: expected source[N].$...");
  }
  out.source = static_cast<size_t>(std::stoul(digits));
  out.path = text.substr(close + 2);
  return out;
}

util::Result<SourcePath> CompilePath(const std::string& text, const std::string& field,
                                     size_t source_count) {
  SLUICE_ASSIGN_OR_RETURN(PrefixedPath split, SplitPrefix(text, field));
  if (!split.source && source_count > 1) {
    return InvalidArgument("[" + field + "] path [" + text +
                           "] needs a source[N]. prefix: the request reads " +
                           std::to_string(source_count) + " sources");
  }
  size_t source = split.source.value_or(0);
  if (source >= source_count) {
    return InvalidArgument("[" + field + "] path [" + text + "] refers to source[" +
                           std::to_string(source) + "] but data_source.source has " +
                           std::to_string(source_count) + " entr" +
                           (source_count == 1 ? "y" : "ies"));
  }
  auto compiled = json::jsonpath::JsonPath::Compile(split.path);
  if (!compiled.ok()) {
    return InvalidArgument("[" + field + "] has an invalid JSONPath [" + split.path +
                           "]: " + compiled.status().reason());
  }
  return SourcePath{source, std::move(*compiled), text};
}

Status ParseDataSource(const rapidjson::Value& body, IngestRequest* out) {
  auto ds = body.FindMember("data_source");
  if (ds == body.MemberEnd() || !ds->value.IsObject()) {
    return InvalidArgument(
        "No data sources were provided for ingestion. Please specify at least one valid data "
        "source to proceed.");
  }
  auto type = ds->value.FindMember("type");
  if (type == ds->value.MemberEnd() || !type->value.IsString()) {
    return InvalidArgument("[data_source.type] is required: one of file, s3, openAI, http");
  }
  out->data_source.type = Lower(type->value.GetString());
  const std::string& t = out->data_source.type;
  if (t != "file" && t != "s3" && t != "openai" && t != "http") {
    return InvalidArgument("[data_source.type] [" + std::string(type->value.GetString()) +
                           "] is not supported: use file, s3, openAI or http");
  }
  auto source = ds->value.FindMember("source");
  if (source == ds->value.MemberEnd() || !source->value.IsArray() || source->value.Empty()) {
    return InvalidArgument("[data_source.source] must be a non-empty array of locations");
  }
  for (const auto& loc : source->value.GetArray()) {
    if (!loc.IsString() || loc.GetStringLength() == 0) {
      return InvalidArgument("[data_source.source] must contain only non-empty strings");
    }
    std::string location = loc.GetString();
    if (t == "s3" && location.rfind("s3://", 0) != 0) {
      return InvalidArgument("[data_source.source] [" + location + "] is not an s3:// URI");
    }
    if (t == "http" && location.rfind("http://", 0) != 0 && location.rfind("https://", 0) != 0) {
      return InvalidArgument("[data_source.source] [" + RedactLocation(location) +
                             "] is not an http(s) URL");
    }
    out->data_source.locations.push_back(std::move(location));
  }
  return Status::Ok();
}

Status ParseCredential(const rapidjson::Value& body, IngestRequest* out) {
  auto c = body.FindMember("credential");
  if (c == body.MemberEnd() || c->value.IsNull()) return Status::Ok();
  if (!c->value.IsObject()) return InvalidArgument("[credential] must be an object of strings");
  CredentialEntries entries;
  for (auto it = c->value.MemberBegin(); it != c->value.MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    if (!it->value.IsString()) {
      return InvalidArgument("[credential." + key + "] must be a string");
    }
    entries[key] = util::Secret(std::string(it->value.GetString(), it->value.GetStringLength()));
  }
  out->credential_given = !entries.empty();
  return ApplyCredentialEntries(entries, &out->data_source.credential);
}

// A source without an _id path joins by position with the closest preceding
// source that has one: in the seed's OpenAI example source[2] (metadata in
// input order) pairs with source[1] (the input file), not with source[0] (the
// output file, whose order OpenAI does not keep).
Status PlanPositionJoins(IngestRequest* out) {
  const size_t n = out->source_count();
  out->position_anchor.assign(n, std::nullopt);
  out->position_check.assign(n, "");
  std::optional<size_t> last_with_id;
  for (size_t s = 0; s < n; ++s) {
    if (out->id_paths[s]) {
      last_with_id = s;
      continue;
    }
    if (!last_with_id) {
      return InvalidArgument("[field_map._id] has no path for source[" + std::to_string(s) +
                             "] and no earlier source has one: a source without an _id path "
                             "is joined by position with the closest preceding source that "
                             "has an _id path");
    }
    out->position_anchor[s] = *last_with_id;
    // The anchor's id leaf ("$.custom_id" → custom_id), when it is a plain
    // name: a positional record that carries it is checked against its pair.
    const std::string& expr = out->id_paths[*last_with_id]->path.expression();
    std::string leaf = IngestFieldName(expr);
    if (!leaf.empty() && leaf.find_first_of("[]'\"*$@") == std::string::npos) {
      out->position_check[s] = leaf;
    }
  }
  return Status::Ok();
}

Status ParseFieldMap(const rapidjson::Value& body, IngestRequest* out) {
  const size_t n = out->source_count();
  out->id_paths.assign(n, std::nullopt);
  auto fm = body.FindMember("field_map");
  if (fm == body.MemberEnd() || !fm->value.IsObject()) {
    return InvalidArgument("[field_map] is required: an object of index field → JSONPath");
  }
  for (auto it = fm->value.MemberBegin(); it != fm->value.MemberEnd(); ++it) {
    std::string name = it->name.GetString();
    std::string field = "field_map." + name;
    std::vector<std::string> texts;
    if (it->value.IsString()) {
      texts.push_back(it->value.GetString());
    } else if (it->value.IsArray() && !it->value.Empty()) {
      for (const auto& p : it->value.GetArray()) {
        if (!p.IsString()) {
          return InvalidArgument("[" + field + "] must be a JSONPath string or a list of them");
        }
        texts.push_back(p.GetString());
      }
    } else {
      return InvalidArgument("[" + field + "] must be a JSONPath string or a list of them");
    }
    if (name.empty()) return InvalidArgument("[field_map] has an empty field name");
    MappedField mapped{name, {}};
    for (const auto& text : texts) {
      SLUICE_ASSIGN_OR_RETURN(SourcePath path, CompilePath(text, field, n));
      for (const auto& existing : mapped.paths) {
        if (existing.source == path.source) {
          return InvalidArgument("[" + field + "] has two paths for source[" +
                                 std::to_string(path.source) + "]");
        }
      }
      mapped.paths.push_back(std::move(path));
    }
    if (name == "_id") {
      out->has_id = true;
      for (auto& p : mapped.paths) {
        if (!p.path.IsSingular()) {
          return InvalidArgument("[" + field + "] path [" + p.text +
                                 "] must select a single value (names and indexes only)");
        }
        out->id_paths[p.source] = std::move(p);
      }
    } else {
      out->fields.push_back(std::move(mapped));
    }
  }
  if (n > 1) {
    if (!out->has_id) {
      return InvalidArgument(
          "[field_map._id] is required with several sources: it names the per-source paths "
          "whose values join records into documents");
    }
    SLUICE_RETURN_IF_ERROR(PlanPositionJoins(out));
  }
  return Status::Ok();
}

Status ParseIngestFields(const rapidjson::Value& body, IngestRequest* out) {
  auto inf = body.FindMember("ingest_fields");
  if (inf == body.MemberEnd() || inf->value.IsNull()) return Status::Ok();
  if (!inf->value.IsArray()) return InvalidArgument("[ingest_fields] must be an array of JSONPaths");
  for (const auto& p : inf->value.GetArray()) {
    if (!p.IsString()) return InvalidArgument("[ingest_fields] must be an array of JSONPaths");
    std::string text = p.GetString();
    SLUICE_ASSIGN_OR_RETURN(SourcePath path, CompilePath(text, "ingest_fields", out->source_count()));
    std::string name = IngestFieldName(path.path.expression());
    // As in ml-commons, an ingest field replaces a field_map entry of the same name.
    out->fields.erase(std::remove_if(out->fields.begin(), out->fields.end(),
                                     [&](const MappedField& f) { return f.name == name; }),
                      out->fields.end());
    out->fields.push_back({name, {}});
    out->fields.back().paths.push_back(std::move(path));
  }
  return Status::Ok();
}

std::string PersistedJson(rapidjson::Document& body, IngestRequest* out) {
  while (body.RemoveMember("credential")) {
  }
  // Only http(s) URLs carry secrets in user-info or a query string; a local
  // file name or an S3 key may contain '?' and '#' and is kept as given.
  if (auto ds = body.FindMember("data_source");
      ds != body.MemberEnd() && out->data_source.type == "http") {
    auto& source = ds->value["source"];
    for (auto& loc : source.GetArray()) {
      std::string stripped = RedactLocation(loc.GetString());
      if (stripped != loc.GetString()) out->resumable = false;
      loc.SetString(stripped.c_str(), static_cast<rapidjson::SizeType>(stripped.size()),
                    body.GetAllocator());
    }
  }
  return json::ValueText(body);
}

}  // namespace

util::Status ApplyCredentialEntries(const CredentialEntries& entries,
                                    sources::Credential* cred) {
  for (const auto& [key, value] : entries) {
    if (key == "region") cred->region = value.Reveal();
    else if (key == "access_key") cred->access_key = value.Reveal();
    else if (key == "secret_key") cred->secret_key = value;
    else if (key == "session_token") cred->session_token = value;
    else if (key == "openAI_key") cred->openai_key = value;
    else return InvalidArgument("[credential] has an unknown key [" + key + "]");
  }
  return Status::Ok();
}

CredentialEntries ToEntries(const sources::Credential& cred) {
  CredentialEntries out;
  if (!cred.region.empty()) out["region"] = util::Secret(cred.region);
  if (!cred.access_key.empty()) out["access_key"] = util::Secret(cred.access_key);
  if (!cred.secret_key.empty()) out["secret_key"] = cred.secret_key;
  if (!cred.session_token.empty()) out["session_token"] = cred.session_token;
  if (!cred.openai_key.empty()) out["openAI_key"] = cred.openai_key;
  return out;
}

util::Status CheckCredential(const sources::DataSource& data_source) {
  const sources::Credential& cred = data_source.credential;
  const std::string& t = data_source.type;
  // Neither key: the server's AWS credential chain signs (environment,
  // profile, web identity, container, instance metadata).
  if (t == "s3" && (cred.access_key.empty() != cred.secret_key.empty())) {
    return InvalidArgument(
        "[credential] must have both access_key and secret_key for data_source.type s3, or "
        "neither (the server's AWS credential chain is then used)");
  }
  // The region becomes part of the S3 host name (BUCKET.s3.REGION.amazonaws.com).
  if (!cred.region.empty() && !sources::IsValidAwsRegion(cred.region)) {
    return InvalidArgument("[credential.region] [" + cred.region +
                           "] is not a valid AWS region: it must match ^[a-z0-9-]+$");
  }
  if (t == "openai" && cred.openai_key.empty()) {
    return InvalidArgument("[credential] must have openAI_key for data_source.type openAI");
  }
  return Status::Ok();
}

std::string RedactLocation(const std::string& url) {
  // URLs (http, https, anything a user may send) can carry secrets there; file
  // names and S3 keys may contain '?', '#' and '@' and are shown (and
  // persisted) as given.
  std::string scheme_part = Lower(url.substr(0, 8));
  if (url.find("://") == std::string::npos || scheme_part.starts_with("s3://") ||
      scheme_part.starts_with("file://")) {
    return url;
  }
  std::string out = url.substr(0, url.find_first_of("?#"));
  size_t scheme = out.find("://");
  if (scheme != std::string::npos) {
    size_t host_start = scheme + 3;
    size_t slash = out.find('/', host_start);
    size_t at = out.find('@', host_start);
    if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
      out.erase(host_start, at + 1 - host_start);
    }
  }
  return out;
}

std::string IngestFieldName(std::string_view path) {
  size_t dot = path.rfind('.');
  return std::string(dot == std::string_view::npos ? path : path.substr(dot + 1));
}

namespace {

util::Result<IngestRequest> Parse(std::string_view body_text,
                                  const CredentialEntries* stored_credential) {
  if (body_text.empty()) return util::ParseError("Batch Ingestion request has empty body");
  rapidjson::Document body;
  body.Parse(body_text.data(), body_text.size());
  if (body.HasParseError() || !body.IsObject()) {
    return util::ParsingError(
        "Failed to parse object: expecting token of type [START_OBJECT] but found [VALUE]");
  }
  SLUICE_RETURN_IF_ERROR(CheckNoDuplicateKeys(body));
  static const char* kKeys[] = {"index_name", "field_map", "ingest_fields", "credential",
                                "data_source", "connector_id", "wait_for_source",
                                "batch_predict_task_id"};
  for (auto it = body.MemberBegin(); it != body.MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys)) {
      return InvalidArgument("[" + key + "] is not a batch ingestion parameter");
    }
  }
  IngestRequest out;
  if (auto connector = body.FindMember("connector_id"); connector != body.MemberEnd()) {
    if (!connector->value.IsString() || connector->value.GetStringLength() == 0) {
      return InvalidArgument("[connector_id] must be a non-empty string");
    }
    out.connector_id = connector->value.GetString();
    auto c = body.FindMember("credential");
    if (c != body.MemberEnd() && !c->value.IsNull()) {
      return InvalidArgument(
          "[credential] and [connector_id] are exclusive: the connector holds the credential");
    }
  }
  if (auto link = body.FindMember("batch_predict_task_id"); link != body.MemberEnd()) {
    if (!link->value.IsString()) return InvalidArgument("[batch_predict_task_id] must be a string");
    out.batch_predict_task_id = link->value.GetString();
  }
  auto index = body.FindMember("index_name");
  if (index == body.MemberEnd() || !index->value.IsString() || index->value.GetStringLength() == 0) {
    return InvalidArgument(
        "The index name for data ingestion is missing. Please provide a valid index name to "
        "proceed.");
  }
  out.index_name = index->value.GetString();
  SLUICE_RETURN_IF_ERROR(ParseDataSource(body, &out));
  SLUICE_RETURN_IF_ERROR(ParseCredential(body, &out));
  if (stored_credential != nullptr) {
    SLUICE_RETURN_IF_ERROR(
        ApplyCredentialEntries(*stored_credential, &out.data_source.credential));
    out.credential_given = !stored_credential->empty();
  }
  // A connector's credential is checked once the service has resolved it.
  if (out.connector_id.empty()) SLUICE_RETURN_IF_ERROR(CheckCredential(out.data_source));
  if (out.data_source.type == "s3") {
    for (const std::string& location : out.data_source.locations) {
      auto uri = sources::ParseS3Uri(location);
      if (!uri.ok()) return InvalidArgument("[data_source.source] " + uri.status().reason());
    }
  }
  SLUICE_RETURN_IF_ERROR(ParseFieldMap(body, &out));
  SLUICE_RETURN_IF_ERROR(ParseIngestFields(body, &out));
  if (auto wait = body.FindMember("wait_for_source"); wait != body.MemberEnd()) {
    if (!wait->value.IsString()) {
      return InvalidArgument("[wait_for_source] must be a time value such as \"30m\"");
    }
    SLUICE_ASSIGN_OR_RETURN(out.wait_for_source_ms,
                            ParseDurationMs(wait->value.GetString(), "wait_for_source"));
  }
  if (out.fields.empty() && !out.has_id) {
    return InvalidArgument("[field_map] maps no field: nothing would be ingested");
  }
  out.persisted_json = PersistedJson(body, &out);
  return out;
}

}  // namespace

util::Result<IngestRequest> ParseIngestRequest(std::string_view body) {
  return Parse(body, nullptr);
}

util::Result<IngestRequest> ParseIngestRequest(std::string_view body,
                                               const CredentialEntries& stored_credential) {
  return Parse(body, &stored_credential);
}

}  // namespace sluice::ingest
