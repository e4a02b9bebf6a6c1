// The OpenSearch wire formats the sink speaks, as pure functions (no I/O):
// _bulk NDJSON bodies, per-item results of a _bulk response, the index
// mapping of GET /<index> as an ingest::SinkSchema, the error envelope of a
// failed response as a util::Status, and gzip for request bodies.
//
// Thread-safety: all functions are reentrant. Errors are Statuses whose
// reasons quote the cluster's own error type and reason.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ingest/document_sink.h"
#include "util/result.h"

namespace sluice::sinks::opensearch {

// Appends the document's action to `body`: `{"index":{"_id":ID}}\n SOURCE\n`,
// or for an upsert document `{"update":{"_id":ID}}\n {"doc":SOURCE,"upsert":UPSERT}\n`.
// The index is named by the request path, not in the action line.
void AppendBulkAction(const ingest::SinkDocument& document, std::string* body);

struct BulkItemResult {
  // Retry this item later: 429 or es_rejected_execution_exception.
  bool rejected = false;
  // OK, or the item's error (type, reason, caused_by) like a local write's.
  util::Status status;
};

// The items of a _bulk response, in request order; `expected` items must be
// there. A malformed response is kUnavailable (the cluster said something
// unreadable; the batch fails and may be resumed).
util::Result<std::vector<BulkItemResult>> ParseBulkItems(std::string_view body, size_t expected);

// The knn_vector fields (dotted paths for nested objects) and top-level field
// names of GET /<index>'s response for `index_name`.
util::Result<ingest::SinkSchema> ParseIndexSchema(std::string_view body,
                                                  const std::string& index_name);

// The Status an error response stands for: the envelope's error type and
// reason (and first caused_by) when present, else "HTTP <status>" and a
// prefix of the body. The Code follows the HTTP status.
util::Status ErrorFromResponse(long http_status, std::string_view body);

// The util::Code for an HTTP status (400 → kInvalidArgument, 401 → kUnauthorized, ...).
util::Code CodeForHttpStatus(long http_status);

// gzip (RFC 1952) of `data` at a fast level.
util::Result<std::string> Gzip(std::string_view data);

}  // namespace sluice::sinks::opensearch
