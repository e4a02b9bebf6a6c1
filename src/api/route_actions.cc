#include "api/route_actions.h"

namespace sluice::api {
namespace {

bool Has(std::string_view s, std::string_view part) { return s.find(part) != s.npos; }

}  // namespace

std::string_view DefaultRouteAction(std::string_view method, std::string_view p) {
  const bool read = method == "GET" || method == "HEAD";
  if (p == "/") return "cluster:monitor/main";
  if (p == "/_plugins/_security/authinfo") return kAuthenticatedAction;
  if (p == "/_plugins/_ml/_batch_ingestion") return "cluster:admin/opensearch/ml/batch_ingestion";
  if (p.ends_with("/_batch_predict")) return "cluster:admin/opensearch/ml/predict";
  if (p.ends_with("/_cancel_batch")) return "cluster:admin/opensearch/ml/tasks/cancel";
  if (p.starts_with("/_plugins/_ml/models")) {
    if (p.ends_with("/_register")) return "cluster:admin/opensearch/ml/register_model";
    if (p.ends_with("/_search")) return "cluster:admin/opensearch/ml/models/search";
    if (p.ends_with("/_deploy")) return "cluster:admin/opensearch/ml/deploy_model";
    if (p.ends_with("/_undeploy")) return "cluster:admin/opensearch/ml/undeploy_model";
    if (method == "DELETE") return "cluster:admin/opensearch/ml/models/delete";
    return "cluster:admin/opensearch/ml/models/get";
  }
  if (p.starts_with("/_plugins/_ml/tasks/")) {
    if (p.ends_with("/_search")) return "cluster:admin/opensearch/ml/tasks/search";
    if (p.ends_with("/_cancel")) return "cluster:admin/opensearch/ml/tasks/cancel";
    return method == "DELETE" ? "cluster:admin/opensearch/ml/tasks/delete"
                              : "cluster:admin/opensearch/ml/tasks/get";
  }
  if (p.starts_with("/_plugins/_ml/connectors")) {
    if (p.ends_with("/_create")) return "cluster:admin/opensearch/ml/create_connector";
    if (p.ends_with("/_search")) return "cluster:admin/opensearch/ml/connectors/search";
    if (method == "DELETE") return "cluster:admin/opensearch/ml/connectors/delete";
    if (method == "PUT") return "cluster:admin/opensearch/ml/connectors/update";
    return "cluster:admin/opensearch/ml/connectors/get";
  }
  if (p == "/_prometheus/metrics") return "cluster:monitor/prometheus/metrics";
  if (p.starts_with("/_cluster/health") || p == "/_cat/health") return "cluster:monitor/health";
  if (p == "/_plugins/_knn/stats") return "cluster:admin/knn_stats_action";  // KNNStatsAction
  if (p == "/_cluster/settings") {
    return read ? "cluster:monitor/state" : "cluster:admin/settings/update";
  }
  if (p.starts_with("/_nodes") && Has(p, "/stats")) return "cluster:monitor/nodes/stats";
  if (p.starts_with("/_nodes")) return "cluster:monitor/nodes/info";
  if (p.starts_with("/_cluster/stats")) return "cluster:monitor/stats";
  if (p.starts_with("/_cat/nodes")) return "cluster:monitor/nodes/stats";
  if (p.starts_with("/_cat/plugins")) return "cluster:monitor/nodes/info";
  if (p.starts_with("/_cat/allocation")) return "cluster:monitor/state";
  if (p.starts_with("/_cat/shards")) return "indices:monitor/stats";
  if (p == "/_tasks") return "cluster:monitor/tasks/lists";
  if (p.starts_with("/_cat/indices")) return "indices:monitor/stats";
  if (p.starts_with("/_cat/count")) return "indices:data/read/search";
  if (p.starts_with("/_cat/aliases") || Has(p, "/_alias")) {
    return read ? "indices:admin/aliases/get" : "indices:admin/aliases";
  }
  if (Has(p, "/_bulk")) return "indices:data/write/bulk";
  if (Has(p, "/_search/scroll")) {
    return method == "DELETE" ? "indices:data/read/scroll/clear" : "indices:data/read/scroll";
  }
  if (Has(p, "/_search/point_in_time")) {
    if (method == "POST") return "indices:data/read/point_in_time/create";
    if (method == "DELETE") return "indices:data/read/point_in_time/delete";
    return "indices:data/read/point_in_time/readall";
  }
  if (p.starts_with("/_search/pipeline")) {
    if (read) return "cluster:admin/search/pipeline/get";
    return method == "DELETE" ? "cluster:admin/search/pipeline/delete"
                              : "cluster:admin/search/pipeline/put";
  }
  if (Has(p, "/_explain/")) return "indices:data/read/explain";
  if (p.ends_with("/_search") || p.ends_with("/_count")) return "indices:data/read/search";
  if (p.ends_with("/_msearch")) return "indices:data/read/msearch";
  if (p.ends_with("/_mget")) return "indices:data/read/mget";
  if (p.ends_with("/_analyze")) return "indices:admin/analyze";
  if (p.ends_with("/_refresh")) return "indices:admin/refresh";
  if (p.ends_with("/_flush")) return "indices:admin/flush";
  if (Has(p, "/_mapping/field/")) return "indices:admin/mappings/fields/get";
  if (p.ends_with("/_mapping"))
    return read ? "indices:admin/mappings/get" : "indices:admin/mapping/put";
  if (Has(p, "/_settings")) {
    return read ? "indices:monitor/settings/get" : "indices:admin/settings/update";
  }
  if (p.ends_with("/_close")) return "indices:admin/close";
  if (p.ends_with("/_open")) return "indices:admin/open";
  if (p.ends_with("/_forcemerge")) return "indices:admin/forcemerge";
  if (p.ends_with("/_cache/clear")) return "indices:admin/cache/clear";
  if (Has(p, "/_stats")) return "indices:monitor/stats";
  if (p.ends_with("/_field_caps")) return "indices:data/read/field_caps";
  if (p.ends_with("/_delete_by_query")) return "indices:data/write/delete/byquery";
  if (p.ends_with("/_update_by_query")) return "indices:data/write/update/byquery";
  if (p == "/_reindex") return "indices:data/write/reindex";
  if (p.starts_with("/_tasks")) return "cluster:monitor/task/get";
  if (p.starts_with("/_cat/templates")) return "cluster:monitor/state";
  if (p.starts_with("/_index_template")) {
    if (read) return "indices:admin/index_template/get";
    return method == "DELETE" ? "indices:admin/index_template/delete"
                              : "indices:admin/index_template/put";
  }
  if (p.starts_with("/_component_template")) {
    if (read) return "cluster:admin/component_template/get";
    return method == "DELETE" ? "cluster:admin/component_template/delete"
                              : "cluster:admin/component_template/put";
  }
  if (p.starts_with("/_template")) {
    if (read) return "indices:admin/template/get";
    return method == "DELETE" ? "indices:admin/template/delete" : "indices:admin/template/put";
  }
  if (Has(p, "/_doc") || Has(p, "/_source/")) {
    if (read) return "indices:data/read/get";
    return method == "DELETE" ? "indices:data/write/delete" : "indices:data/write/index";
  }
  if (Has(p, "/_create/")) return "indices:data/write/index";
  if (Has(p, "/_update/")) return "indices:data/write/update";
  if (p == "/{index}") {
    if (method == "PUT") return "indices:admin/create";
    if (method == "DELETE") return "indices:admin/delete";
    return "indices:admin/get";
  }
  return "";
}

}  // namespace sluice::api
