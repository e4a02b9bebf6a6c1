#include "api/routes.h"

#include "api/request_checks.h"

namespace sluice::api {

void RegisterAllRoutes(http::Router& router, const ApiContext& ctx) {
  router.SetRequestCheck(CheckRequest);
  RegisterClusterRoutes(router, ctx);
  RegisterCatRoutes(router, ctx);
  RegisterNodeRoutes(router, ctx);
  RegisterAliasRoutes(router, ctx);
  RegisterIndexRoutes(router, ctx);
  RegisterIndexLifecycleRoutes(router, ctx);
  RegisterTemplateRoutes(router, ctx);
  RegisterByQueryRoutes(router, ctx);
  RegisterDocumentRoutes(router, ctx);
  RegisterBulkRoutes(router, ctx);
  RegisterSearchRoutes(router, ctx);
  RegisterAnalyzeRoutes(router, ctx);
  RegisterMultiRoutes(router, ctx);
  RegisterScrollRoutes(router, ctx);
  if (ctx.tasks != nullptr) RegisterTaskRoutes(router, ctx);
  if (ctx.ingest != nullptr) RegisterBatchIngestRoutes(router, ctx);
}

}  // namespace sluice::api
