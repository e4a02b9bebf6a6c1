// IngestRequest: a parsed and validated POST /_plugins/_ml/_batch_ingestion body.
//
// Parsing checks everything that does not need the target index or the
// network: the shape of every key, that every JSONPath compiles, that every
// `source[N].` prefix is in range, that a multi-source request prefixes every
// path and gives the join an `_id` path per source (or lets a source join by
// position with the closest preceding source that has one), and that the data source type has its
// credential. Errors are illegal_argument_exception (400) Statuses that name the offending field.
//
// Thread-safety: immutable after parsing; safe to share.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "json/jsonpath/json_path.h"
#include "sources/sources_options.h"
#include "util/result.h"

namespace sluice::ingest {

// One JSONPath of field_map / ingest_fields, with the source it reads.
struct SourcePath {
  size_t source = 0;  // index into data_source.source
  json::jsonpath::JsonPath path;
  std::string text;   // as written in the request, for messages
};

struct MappedField {
  std::string name;                // target index field
  std::vector<SourcePath> paths;   // at most one per source
};

struct IngestRequest {
  std::string index_name;
  std::vector<MappedField> fields;          // field_map without _id, then ingest_fields
  std::vector<std::optional<SourcePath>> id_paths;  // per source; nullopt = joined by position
  bool has_id = false;                      // field_map has an _id entry
  // Per source (several sources only): for a source without an _id path, the
  // closest preceding source with one, which it is joined with by position.
  std::vector<std::optional<size_t>> position_anchor;
  // Per source joined by position: the top-level field of its records checked
  // against the anchor's id (the leaf of the anchor's _id path, e.g.
  // "custom_id"); "" when the anchor's path has no plain-name leaf.
  std::vector<std::string> position_check;
  sources::DataSource data_source;
  // "wait_for_source" ("30m"): how long a provider's output that is still
  // being written (a Bedrock job folder without its manifest) is waited for;
  // 0 (absent) = such a source fails the task at once.
  int64_t wait_for_source_ms = 0;
  // The body as persisted with the task: credential removed, URL query
  // strings and user-info removed (presigned URLs are credentials too).
  std::string persisted_json;
  // False when resuming after a restart is impossible because a secret part
  // of the request was not persisted (URL queries). Credentials are kept
  // apart, sealed with the task when the server has a secrets key.
  bool resumable = true;
  // The body's "credential" object had keys (they are not in persisted_json).
  bool credential_given = false;
  // "connector_id": the credential comes from this ml-commons connector
  // (resolved by the service; a request gives one or the other).
  std::string connector_id;
  // "batch_predict_task_id": the BATCH_PREDICTION task whose pipeline started
  // this ingestion (set by BatchIngestService, never by a client; kept in
  // persisted_json, so it survives a restart and GET shows it).
  std::string batch_predict_task_id;

  size_t source_count() const { return data_source.locations.size(); }
};

// The credential's keys as the request names them ("region", "access_key",
// "secret_key", "session_token", "openAI_key"), empty values left out.
using CredentialEntries = std::map<std::string, util::Secret>;

util::Result<IngestRequest> ParseIngestRequest(std::string_view body);
// A persisted request (persisted_json) with the credential it was submitted
// with, kept apart (unsealed from the task by the caller).
util::Result<IngestRequest> ParseIngestRequest(std::string_view body,
                                               const CredentialEntries& stored_credential);

CredentialEntries ToEntries(const sources::Credential& credential);
// Sets the credential's fields from entries; an unknown key is a 400 naming it.
util::Status ApplyCredentialEntries(const CredentialEntries& entries,
                                    sources::Credential* credential);
// The checks a data source's credential must pass (keys its type needs, a
// valid region); run once the credential is complete.
util::Status CheckCredential(const sources::DataSource& data_source);

// A source location as it may be shown and persisted (task progress, failures):
// a URL without user-info, query string or fragment, which may hold
// credentials ("https://user:pw@host/p?sig=x" → "https://host/p"). A file path,
// a file:// URL or an s3:// URI is returned unchanged: '#', '?' and '@' are
// ordinary characters of file names and S3 keys.
std::string RedactLocation(const std::string& location);

// The field name ml-commons derives for an ingest_fields path: the text after
// its last '.', e.g. "$.id" → "id", "$.body.input" → "input".
std::string IngestFieldName(std::string_view path);

}  // namespace sluice::ingest
