// Small pieces shared by the REST handlers.
#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include "http/request.h"
#include "util/result.h"

namespace sluice::index {
class Catalog;
class Index;
struct WriteOp;
struct WriteResult;
}  // namespace sluice::index
namespace sluice::json {
class JsonWriter;
}
namespace sluice::search {
struct SearchRequest;
}

namespace sluice::api {

// The index, created with defaults when missing (OpenSearch's
// action.auto_create_index, on by default).
util::Result<std::shared_ptr<index::Index>> GetOrCreateIndex(index::Catalog& catalog,
                                                             std::string_view name);

// "_shards":{"total":1+replicas,"successful":1,"failed":0}
void WriteShards(json::JsonWriter& w, const index::Index& index);

// ?refresh / ?refresh=true forced a refresh: the response says "forced_refresh":true.
// (?refresh=wait_for waits for one instead; writes are visible on return anyway.)
bool RefreshRequested(const http::Request& request);

// The fields of a successful write's response (_index, _id, _version,
// result, _shards, _seq_no, _primary_term), inside an open object.
void WriteResultFields(json::JsonWriter& w, const index::Index& index,
                       const index::WriteResult& result);

// HTTP status of one write: 201 created, 404 delete of a missing doc, 200
// otherwise; an error's own status when it failed.
int WriteStatus(const index::WriteResult& result);

// Sets op's version and version type from a write's `version` and `version_type` (either
// may be absent), validated as OpenSearch's IndexRequest/DeleteRequest do: an unknown type
// is an illegal_argument_exception, an external type on a create or without a version an
// action_request_validation_exception. Call after op.type is set.
util::Status ApplyVersioning(std::optional<std::string_view> version,
                             std::optional<std::string_view> version_type, index::WriteOp* op);

// Sets request->alias_filters for a search of `expression` (alias filters,
// Catalog::AliasFilters, parsed as queries; several are OR-ed).
util::Status ApplyAliasFilters(const index::Catalog& catalog, std::string_view expression,
                               search::SearchRequest* request);

// An error for a missing body where one is required.
util::Status BodyRequired();

}  // namespace sluice::api
