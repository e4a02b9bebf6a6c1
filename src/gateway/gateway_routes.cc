#include "gateway/gateway_routes.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string>

#include "gateway/forwarder.h"

namespace sluice::gateway {
namespace {

using http::Handler;
using http::Request;
using http::Response;

// Sluice's own handler for `method` on `sample_path`, copied (the router
// replaces the route with the wrapper below).
Handler Local(const http::Router& router, std::string_view method, std::string_view sample_path) {
  http::Router::Match m = router.Find(method, sample_path);
  if (m.handler == nullptr) return {};
  return *m.handler;
}

// Merges the cluster's task search answer into sluice's; sluice's answer when
// either cannot be read.
Response MergeTaskSearch(Response local, const Response& remote) {
  if (remote.status < 200 || remote.status >= 300 || local.status != 200) return local;
  for (const auto& [name, value] : remote.headers) {
    if (http::EqualsIgnoreCase(name, "Content-Encoding")) return local;  // not readable here
  }
  rapidjson::Document mine;
  rapidjson::Document theirs;
  if (mine.Parse(local.body.data(), local.body.size()).HasParseError() || !mine.IsObject()) {
    return local;
  }
  if (theirs.Parse(remote.body.data(), remote.body.size()).HasParseError() || !theirs.IsObject()) {
    return local;
  }
  auto hits_of = [](rapidjson::Document& d) -> rapidjson::Value* {
    auto h = d.FindMember("hits");
    if (h == d.MemberEnd() || !h->value.IsObject()) return nullptr;
    return &h->value;
  };
  rapidjson::Value* a = hits_of(mine);
  rapidjson::Value* b = hits_of(theirs);
  if (a == nullptr || b == nullptr) return local;
  auto& alloc = mine.GetAllocator();
  auto list_a = a->FindMember("hits");
  auto list_b = b->FindMember("hits");
  if (list_a == a->MemberEnd() || !list_a->value.IsArray() || list_b == b->MemberEnd() ||
      !list_b->value.IsArray()) {
    return local;
  }
  for (auto& hit : list_a->value.GetArray()) {
    if (hit.IsObject()) hit.AddMember("_sluice", true, alloc);
  }
  for (auto& hit : list_b->value.GetArray()) {
    list_a->value.PushBack(rapidjson::Value(hit, alloc), alloc);
  }
  auto total_a = a->FindMember("total");
  auto total_b = b->FindMember("total");
  if (total_a != a->MemberEnd() && total_b != b->MemberEnd() && total_a->value.IsObject() &&
      total_b->value.IsObject()) {
    auto va = total_a->value.FindMember("value");
    auto vb = total_b->value.FindMember("value");
    if (va != total_a->value.MemberEnd() && vb != total_b->value.MemberEnd() &&
        va->value.IsInt64() && vb->value.IsInt64()) {
      va->value.SetInt64(va->value.GetInt64() + vb->value.GetInt64());
    }
  }
  auto max_b = b->FindMember("max_score");
  auto max_a = a->FindMember("max_score");
  if (max_a != a->MemberEnd() && max_a->value.IsNull() && max_b != b->MemberEnd()) {
    max_a->value.CopyFrom(max_b->value, alloc);
  }
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> writer(out);
  mine.Accept(writer);
  local.body.assign(out.GetString(), out.GetSize());
  return local;
}

}  // namespace

void RegisterGatewayRoutes(http::Router& router, Forwarder& forwarder) {
  Forwarder* fwd = &forwarder;
  struct ById {
    const char* method;
    const char* pattern;
    const char* sample;
  };
  for (const ById& r :
       {ById{"GET", "/_plugins/_ml/tasks/{task_id}", "/_plugins/_ml/tasks/x"},
        ById{"DELETE", "/_plugins/_ml/tasks/{task_id}", "/_plugins/_ml/tasks/x"},
        ById{"POST", "/_plugins/_ml/tasks/{task_id}/_cancel", "/_plugins/_ml/tasks/x/_cancel"}}) {
    Handler local = Local(router, r.method, r.sample);
    if (!local) continue;
    router.Add(r.method, r.pattern, [local, fwd](const Request& req) {
      Response mine = local(req);
      if (mine.status != 404) return mine;
      return fwd->Forward(req);
    });
  }
  for (const char* method : {"GET", "POST"}) {
    Handler local = Local(router, method, "/_plugins/_ml/tasks/_search");
    if (!local) continue;
    router.Add(method, "/_plugins/_ml/tasks/_search", [local, fwd](const Request& req) {
      Response mine = local(req);
      if (mine.status != 200) return mine;
      // The cluster's answer is read whole here: ask for it uncompressed.
      Request plain = req;
      std::erase_if(plain.headers, [](const auto& h) {
        return http::EqualsIgnoreCase(h.first, "Accept-Encoding");
      });
      return MergeTaskSearch(std::move(mine), fwd->Forward(plain));
    });
  }
}

}  // namespace sluice::gateway
