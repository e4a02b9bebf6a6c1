// POST /_plugins/_ml/_batch_ingestion: validates and queues a batch
// ingestion; answers at once with the task id (ml-commons' response shape).
#include "api/rest_response.h"
#include "api/routes.h"
#include "api/security_filter.h"
#include "ingest/batch_ingest_service.h"
#include "ingest/ingest_request.h"
#include "json/json_writer.h"

namespace sluice::api {
namespace {

http::Response BatchIngest(const ApiContext& ctx, const http::Request& req) {
  if (ctx.security != nullptr) {
    // The user's roles must grant every source; a malformed request is left
    // to Submit, which names what is wrong.
    if (auto parsed = ingest::ParseIngestRequest(req.body); parsed.ok()) {
      if (util::Status s = CheckIngestSources(ctx, req, parsed->data_source); !s.ok()) {
        return ErrorResponse(req, s);
      }
    }
  }
  const util::Secret authorization(std::string(req.Header("Authorization")));
  auto task_id = ctx.ingest->Submit(req.body, &authorization, req.user);
  if (!task_id.ok()) return ErrorResponse(req, task_id.status());
  json::JsonWriter w;
  w.StartObject().Key("task_id").String(*task_id).Key("task_type").String("BATCH_INGEST");
  w.Key("status").String("CREATED").EndObject();
  return JsonResponse(req, 200, w.Take());
}

}  // namespace

void RegisterBatchIngestRoutes(http::Router& router, const ApiContext& ctx) {
  const ApiContext* c = &ctx;
  router.Add("POST", "/_plugins/_ml/_batch_ingestion",
             [c](const http::Request& r) { return BatchIngest(*c, r); },
             {.pool = http::Pool::kWrite});
}

}  // namespace sluice::api
