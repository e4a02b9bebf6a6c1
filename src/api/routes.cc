#include "api/routes.h"

#include "api/request_checks.h"
#include "api/route_actions.h"
#include "api/security_filter.h"

namespace sluice::api {

// Connectors and models (the gateway owns them too).
void RegisterMlRoutes(http::Router& router, const ApiContext& ctx) {
  if (ctx.connectors != nullptr) RegisterConnectorRoutes(router, ctx);
  if (ctx.models != nullptr && ctx.tasks != nullptr) RegisterModelRoutes(router, ctx);
}

void RegisterAllRoutes(http::Router& router, const ApiContext& ctx) {
  router.SetDefaultActions(DefaultRouteAction);
  router.SetRequestCheck(CheckRequest);
  if (ctx.security != nullptr) {
    InstallSecurity(router, ctx);
    RegisterSecurityRoutes(router, ctx);
  }
  RegisterClusterRoutes(router, ctx);
  RegisterClusterSettingsRoutes(router, ctx);
  RegisterCatRoutes(router, ctx);
  RegisterCatNodeRoutes(router, ctx);
  RegisterNodeRoutes(router, ctx);
  RegisterNodeStatsRoutes(router, ctx);
  RegisterAliasRoutes(router, ctx);
  RegisterIndexRoutes(router, ctx);
  RegisterFieldMappingRoutes(router, ctx);
  RegisterIndexLifecycleRoutes(router, ctx);
  RegisterTemplateRoutes(router, ctx);
  RegisterByQueryRoutes(router, ctx);
  RegisterTasksListRoutes(router, ctx);
  RegisterDocumentRoutes(router, ctx);
  RegisterBulkRoutes(router, ctx);
  RegisterSearchRoutes(router, ctx);
  RegisterAnalyzeRoutes(router, ctx);
  RegisterMultiRoutes(router, ctx);
  RegisterScrollRoutes(router, ctx);
  RegisterSearchPipelineRoutes(router, ctx);
  if (ctx.tasks != nullptr) RegisterTaskRoutes(router, ctx);
  if (ctx.ingest != nullptr) RegisterBatchIngestRoutes(router, ctx);
  RegisterMlRoutes(router, ctx);
}

void RegisterGatewayOwnedRoutes(http::Router& router, const ApiContext& ctx) {
  router.SetRequestCheck(CheckRequest);
  if (ctx.tasks != nullptr) RegisterTaskRoutes(router, ctx);
  if (ctx.ingest != nullptr) RegisterBatchIngestRoutes(router, ctx);
  RegisterMlRoutes(router, ctx);
}

}  // namespace sluice::api
