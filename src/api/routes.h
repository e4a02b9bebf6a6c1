// The REST endpoints, one function per family; each registers its handlers on
// the router. Handlers are thin: parse the request, call the module, render
// the response. ctx must outlive the router.
#pragma once

#include "api/api_context.h"
#include "http/router.h"

namespace sluice::api {

void RegisterClusterRoutes(http::Router& router, const ApiContext& ctx);
// GET/PUT /_cluster/settings; none without ctx.cluster_settings.
void RegisterClusterSettingsRoutes(http::Router& router, const ApiContext& ctx);
// /_cat/indices, /_cat/count, /_cat/health
void RegisterCatRoutes(http::Router& router, const ApiContext& ctx);
// GET /_nodes[/{node_id}][/{metric}]
void RegisterNodeRoutes(http::Router& router, const ApiContext& ctx);
void RegisterNodeStatsRoutes(http::Router& router, const ApiContext& ctx);
void RegisterCatNodeRoutes(http::Router& router, const ApiContext& ctx);
void RegisterTasksListRoutes(http::Router& router, const ApiContext& ctx);
void RegisterFieldMappingRoutes(http::Router& router, const ApiContext& ctx);
void RegisterIndexRoutes(http::Router& router, const ApiContext& ctx);
// _alias, _aliases, _cat/aliases
void RegisterAliasRoutes(http::Router& router, const ApiContext& ctx);
void RegisterDocumentRoutes(http::Router& router, const ApiContext& ctx);
void RegisterBulkRoutes(http::Router& router, const ApiContext& ctx);
void RegisterSearchRoutes(http::Router& router, const ApiContext& ctx);
void RegisterAnalyzeRoutes(http::Router& router, const ApiContext& ctx);
// _mget and _msearch
void RegisterMultiRoutes(http::Router& router, const ApiContext& ctx);
// _index_template, _component_template, _template, _cat/templates
void RegisterTemplateRoutes(http::Router& router, const ApiContext& ctx);
// PUT/GET _settings, _open, _close, _stats, _forcemerge, _cache/clear
void RegisterIndexLifecycleRoutes(http::Router& router, const ApiContext& ctx);
// _delete_by_query, _update_by_query, _reindex
void RegisterByQueryRoutes(http::Router& router, const ApiContext& ctx);
// /_search/scroll
void RegisterScrollRoutes(http::Router& router, const ApiContext& ctx);
// /_search/pipeline[/{id}]
void RegisterSearchPipelineRoutes(http::Router& router, const ApiContext& ctx);
// /_plugins/_ml/tasks/...
void RegisterTaskRoutes(http::Router& router, const ApiContext& ctx);
// POST /_plugins/_ml/_batch_ingestion
void RegisterBatchIngestRoutes(http::Router& router, const ApiContext& ctx);
// /_plugins/_ml/connectors/...
void RegisterConnectorRoutes(http::Router& router, const ApiContext& ctx);
// /_plugins/_ml/models/..., _batch_predict, /_plugins/_ml/tasks/{id}/_cancel_batch
void RegisterModelRoutes(http::Router& router, const ApiContext& ctx);

// A route handler from a function of the context and the request. ctx must
// outlive the router.
using ContextHandler = http::Response (*)(const ApiContext&, const http::Request&);
inline http::Handler BindHandler(const ApiContext& ctx, ContextHandler fn) {
  return [c = &ctx, fn](const http::Request& r) { return fn(*c, r); };
}

// All of the above, and the request checks of api/request_checks.h.
void RegisterAllRoutes(http::Router& router, const ApiContext& ctx);

// Only what a gateway answers itself (batch ingestion and its tasks), with the
// request checks; everything else is forwarded to the cluster (gateway/).
void RegisterGatewayOwnedRoutes(http::Router& router, const ApiContext& ctx);

}  // namespace sluice::api
