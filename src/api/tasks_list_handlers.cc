// GET /_tasks: OpenSearch's task list for the one node (ListTasksAction).
//
// What runs on a sluice node and can be listed: the tasks of the task manager
// that are CREATED or RUNNING (batch ingestions and predictions, by-query
// operations started with wait_for_completion=false), and the listing request
// itself, as OpenSearch lists its own cluster:monitor/tasks/lists task. Other
// REST requests in flight are not tracked as tasks. Parameters: actions
// (comma-separated wildcards), detailed, group_by (nodes | parents | none),
// nodes, parent_task_id; wait_for_completion and timeout are accepted.
#include <time.h>

#include <chrono>
#include <string>
#include <vector>

#include "api/node_identity.h"
#include "api/rest_response.h"
#include "api/routes.h"
#include "json/json_writer.h"
#include "tasks/task_manager.h"
#include "util/split.h"
#include "util/wildcard.h"

namespace sluice::api {
namespace {

using http::Request;
using http::Response;

constexpr std::string_view kListAction = "cluster:monitor/tasks/lists";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t ThreadCpuNanos() {
  timespec ts{};
  if (::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0;
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// The transport action a task-manager task is listed under.
std::string ActionOf(const tasks::TaskRecord& record) {
  if (record.task_type == "BATCH_INGEST") return "cluster:admin/opensearch/ml/batch_ingestion";
  if (record.task_type == "BATCH_PREDICTION") return "cluster:admin/opensearch/ml/predict";
  return record.task_type;  // by-query tasks are recorded under their action
}

struct ListedTask {
  std::string id;  // the part after "<node>:"
  std::string action;
  std::string description;
  int64_t start_ms = 0;
  int64_t running_ns = 0;
  bool cancellable = false;
  bool cancelled = false;
  std::string opaque_id;  // X-Opaque-Id, for the listing request
  int64_t cpu_ns = -1;    // measured CPU time, -1 when not measured
};

void WriteTask(json::JsonWriter& w, const ListedTask& t, const std::string& node_id,
               bool detailed) {
  w.StartObject();
  w.Key("node").String(node_id).Key("id").String(t.id);
  w.Key("type").String("transport").Key("action").String(t.action);
  if (detailed) w.Key("description").String(t.description);
  w.Key("start_time_in_millis").Int(t.start_ms);
  w.Key("running_time_in_nanos").Int(t.running_ns);
  w.Key("cancellable").Bool(t.cancellable);
  if (t.cancellable) w.Key("cancelled").Bool(t.cancelled);
  w.Key("headers").StartObject();
  if (!t.opaque_id.empty()) w.Key("X-Opaque-Id").String(t.opaque_id);
  w.EndObject();
  if (detailed && t.cpu_ns >= 0) {
    w.Key("resource_stats").StartObject();
    w.Key("total").StartObject().Key("cpu_time_in_nanos").Int(t.cpu_ns).EndObject();
    w.Key("thread_info").StartObject().Key("thread_executions").Int(1);
    w.Key("active_threads").Int(1).EndObject();
    w.EndObject();
  }
  w.EndObject();
}

Response ListTasks(const ApiContext& ctx, const Request& req) {
  const int64_t started_ns = ThreadCpuNanos();
  const int64_t now = NowMs();
  std::string_view group_by = req.Query("group_by").value_or("nodes");
  if (group_by != "nodes" && group_by != "parents" && group_by != "none") {
    return ErrorResponse(req, util::InvalidArgument("unknown group_by value [" +
                                                    std::string(group_by) + "]"));
  }
  bool detailed = req.Query("detailed").value_or("false") == "true";
  std::vector<std::string> actions = util::SplitNonEmpty(req.Query("actions").value_or(""));
  std::vector<std::string> nodes = util::SplitNonEmpty(req.Query("nodes").value_or(""));
  std::string_view parent = req.Query("parent_task_id").value_or("");
  const std::string node_id = NodeId(ctx.node);
  bool node_selected = nodes.empty();
  for (const auto& n : nodes) {
    node_selected = node_selected || n == "_all" || n == "_local" || n == node_id ||
                    n == ctx.node.node_name || util::WildcardMatch(n, ctx.node.node_name);
  }
  auto action_wanted = [&](std::string_view action) {
    if (actions.empty()) return true;
    for (const auto& pattern : actions) {
      if (util::WildcardMatch(pattern, action)) return true;
    }
    return false;
  };

  std::vector<ListedTask> listed;
  // No task has a parent on one node: a parent filter other than "unset" matches none.
  bool parent_filter = !parent.empty() && parent != "-1" && parent != "unset";
  if (node_selected && !parent_filter) {
    if (ctx.tasks != nullptr) {
      for (const auto& record : ctx.tasks->List()) {
        if (record.state != tasks::TaskState::kCreated &&
            record.state != tasks::TaskState::kRunning) {
          continue;
        }
        ListedTask t;
        t.id = record.task_id;
        t.action = ActionOf(record);
        if (!action_wanted(t.action)) continue;
        t.description = record.task_type;
        t.start_ms = record.create_time;
        t.running_ns = (now - record.create_time) * 1000000;
        t.cancellable = true;
        listed.push_back(std::move(t));
      }
    }
    if (action_wanted(kListAction)) {
      ListedTask self;
      // The listing request lives only for this call: its id is its start time.
      self.id = std::to_string(now);
      self.action = std::string(kListAction);
      self.start_ms = now;
      self.running_ns = 0;
      self.opaque_id = std::string(req.Header("X-Opaque-Id"));
      self.cpu_ns = ThreadCpuNanos() - started_ns;
      listed.push_back(std::move(self));
    }
  }

  json::JsonWriter w;
  w.StartObject();
  if (group_by == "nodes") {
    w.Key("nodes").StartObject();
    if (!listed.empty()) {
      std::string host = RequestHost(req);
      w.Key(node_id).StartObject();
      w.Key("name").String(ctx.node.node_name);
      w.Key("transport_address").String(ctx.node.ip + ":0");
      w.Key("host").String(host).Key("ip").String(ctx.node.ip + ":0");
      w.Key("roles").StartArray();
      for (const char* role : {"cluster_manager", "data", "ingest", "remote_cluster_client"}) {
        w.String(role);
      }
      w.EndArray();
      w.Key("attributes").StartObject().EndObject();
      w.Key("tasks").StartObject();
      for (const auto& t : listed) {
        w.Key(node_id + ":" + t.id);
        WriteTask(w, t, node_id, detailed);
      }
      w.EndObject().EndObject();
    }
    w.EndObject();
  } else if (group_by == "parents") {
    w.Key("tasks").StartObject();
    for (const auto& t : listed) {
      w.Key(node_id + ":" + t.id);
      WriteTask(w, t, node_id, detailed);
    }
    w.EndObject();
  } else {
    w.Key("tasks").StartArray();
    for (const auto& t : listed) WriteTask(w, t, node_id, detailed);
    w.EndArray();
  }
  w.EndObject();
  return JsonResponse(req, 200, w.Take());
}

}  // namespace

void RegisterTasksListRoutes(http::Router& router, const ApiContext& ctx) {
  router.Add("GET", "/_tasks", BindHandler(ctx, ListTasks));
}

}  // namespace sluice::api
