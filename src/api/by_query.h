// By-query operations — _delete_by_query, _update_by_query, _reindex — on top
// of search (which documents) and Index::Write (what changes), as OpenSearch's
// AbstractAsyncBulkByScrollAction does it: the matching documents are taken
// from one point-in-time view (a store snapshot), read in batches of
// `scroll_size` and written back with if_seq_no, so that a document changed
// meanwhile is a version conflict (counted, and the end of the operation
// unless conflicts=proceed).
//
// The result renders as BulkByScrollResponse (took, total, updated, created,
// deleted, batches, version_conflicts, noops, retries, failures, ...).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace sluice::index {
class Catalog;
class Index;
}  // namespace sluice::index

namespace sluice::api {

enum class ByQueryKind { kDelete, kUpdate, kReindex };

// A parsed request. Built by ParseByQuery from the body and URL parameters.
struct ByQueryRequest {
  ByQueryKind kind = ByQueryKind::kDelete;
  std::string source_indices;  // index expression (path, or reindex's source.index)
  std::string search_body;     // {"query":..} for search::ParseSearchRequest
  std::optional<int64_t> max_docs;
  bool proceed_on_conflict = false;  // conflicts=proceed
  int64_t scroll_size = 1000;
  // _update_by_query / _reindex: a script of the supported Painless subset
  // (`ctx._source.f = <value>`, `ctx._source.remove('f')`, `ctx.op = 'noop'`).
  std::string script_source;
  std::string script_params;  // the script's params object as JSON, "" when none
  // _reindex only.
  std::string dest_index;
  bool dest_op_create = false;               // dest.op_type: create
  std::vector<std::string> source_includes;  // source._source: the fields copied
};

// Parses a request body and the URL parameters (conflicts, max_docs,
// scroll_size, q) into a request; `path_indices` is the {index} path part.
util::Result<ByQueryRequest> ParseByQuery(ByQueryKind kind, std::string_view path_indices,
                                          std::string_view body,
                                          std::optional<std::string_view> conflicts,
                                          std::optional<std::string_view> max_docs,
                                          std::optional<std::string_view> scroll_size,
                                          std::optional<std::string_view> q);

// What an operation did, as BulkByScrollResponse reports it.
struct ByQueryResult {
  int64_t took_ms = 0;
  int64_t total = 0;
  int64_t updated = 0;
  int64_t created = 0;
  int64_t deleted = 0;
  int64_t batches = 0;
  int64_t version_conflicts = 0;
  int64_t noops = 0;
  std::vector<std::string> failures;  // each a JSON failure object
  int failure_status = 0;             // the HTTP status of the failures (0: none)

  // {"took":..,"timed_out":false,"total":..,...,"failures":[..]}
  std::string ToJson() const;
  // The task "status" object (the same counters, without took and failures).
  std::string StatusJson() const;
};

// Runs the operation. cancelled (may be empty) is polled between batches; when
// it returns true the run ends with a Cancelled status.
util::Result<ByQueryResult> RunByQuery(index::Catalog& catalog, const ByQueryRequest& request,
                                       const std::function<bool()>& cancelled);

// The OpenSearch action name of a kind ("indices:data/write/delete/byquery", ...).
std::string_view ByQueryAction(ByQueryKind kind);

}  // namespace sluice::api
