#include "api/routes.h"

namespace sluice::api {

void RegisterAllRoutes(http::Router& router, const ApiContext& ctx) {
  RegisterClusterRoutes(router, ctx);
  RegisterCatRoutes(router, ctx);
  RegisterNodeRoutes(router, ctx);
  RegisterAliasRoutes(router, ctx);
  RegisterIndexRoutes(router, ctx);
  RegisterDocumentRoutes(router, ctx);
  RegisterBulkRoutes(router, ctx);
  RegisterSearchRoutes(router, ctx);
  if (ctx.tasks != nullptr) RegisterTaskRoutes(router, ctx);
  if (ctx.ingest != nullptr) RegisterBatchIngestRoutes(router, ctx);
}

}  // namespace sluice::api
