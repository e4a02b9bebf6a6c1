// The routes a gateway serves in part: the task APIs. Task ids sluice knows
// are answered by its own handlers, others go to the cluster; a task search
// merges sluice's tasks with the cluster's.
//
//   GET|DELETE /_plugins/_ml/tasks/{task_id}, POST .../{task_id}/_cancel:
//     sluice's handler first; when it answers 404 (not one of sluice's
//     tasks) the request is forwarded and the cluster's answer returned.
//   GET|POST /_plugins/_ml/tasks/_search: sluice's hits (each marked
//     "_sluice": true) followed by the cluster's, hits.total the sum. When
//     the cluster cannot search tasks (an error status, e.g. no ml-commons)
//     sluice's answer alone is returned.
//
// Call after sluice's task routes are registered (api::RegisterTaskRoutes);
// it wraps them. The forwarder must outlive the router.
#pragma once

#include "http/router.h"

namespace sluice::gateway {

class Forwarder;

void RegisterGatewayRoutes(http::Router& router, Forwarder& forwarder);

}  // namespace sluice::gateway
