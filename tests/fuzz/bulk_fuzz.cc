// libFuzzer target: `_bulk` NDJSON through the real REST routes.
//
// The input is the body of POST /_bulk (or /fz/_bulk when its first byte is
// odd), dispatched by the router api::RegisterAllRoutes builds over a Catalog
// in a temporary Store, so the action/metadata parser, the document parser
// and the index write path all see it. The index "fz" has typed fields
// (keyword, text, long, date, boolean, object, knn_vector) and dynamic
// mapping. Invariants: no crash or sanitizer report; every answer is 200 or a
// 4xx with an OpenSearch error body; a 200 has one item per action.
#include <rapidjson/document.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "api/api_context.h"
#include "api/routes.h"
#include "fuzz_store.h"
#include "http/request.h"
#include "http/router.h"
#include "index/catalog.h"

namespace {

using sluice::fuzz::Check;

constexpr const char* kIndexBody = R"({
  "settings": {"index.knn": true},
  "mappings": {"properties": {
    "tag": {"type": "keyword"}, "body": {"type": "text"}, "n": {"type": "long"},
    "when": {"type": "date"}, "ok": {"type": "boolean"},
    "obj": {"properties": {"x": {"type": "integer"}, "y": {"type": "keyword"}}},
    "v": {"type": "knn_vector", "dimension": 3,
          "method": {"name": "hnsw", "engine": "lucene", "space_type": "l2"}}}}})";

class Server {
 public:
  Server() {
    sluice::index::IndexOptions options;
    options.vector_threads = 1;
    auto catalog = sluice::index::Catalog::Open(store_.get(), options);
    Check(catalog.ok(), "catalog");
    catalog_ = std::move(catalog).value();
    ctx_.catalog = catalog_.get();
    sluice::api::RegisterAllRoutes(router_, ctx_);
    Reset();
  }

  sluice::http::Response Call(std::string method, std::string target, std::string body) {
    sluice::http::Request request =
        sluice::http::Request::Make(std::move(method), std::move(target), std::move(body),
                                    {{"Content-Type", "application/x-ndjson"}});
    return router_.Dispatch(request);
  }

  // A fresh index every so often keeps memory bounded over a long run.
  void Reset() {
    // _bulk may create indices (any _index name): drop them all.
    for (const auto& index : catalog_->List()) {
      Check(catalog_->Delete(index->name()).ok(), "delete index " + index->name());
    }
    auto created = Call("PUT", "/fz", kIndexBody);
    Check(created.status == 200, "create index: " + created.body);
  }

 private:
  sluice::fuzz::FuzzStore store_;
  std::unique_ptr<sluice::index::Catalog> catalog_;
  sluice::api::ApiContext ctx_;
  sluice::http::Router router_;
};

size_t CountActions(const rapidjson::Document& doc) {
  const auto& items = doc["items"];
  return items.IsArray() ? items.Size() : 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Server server;
  static uint64_t runs = 0;
  if (++runs % 5000 == 0) server.Reset();

  std::string body(reinterpret_cast<const char*>(data), size);
  std::string target = size > 0 && (data[0] & 1) ? "/fz/_bulk" : "/_bulk";
  auto res = server.Call("POST", target, std::move(body));

  if (res.status != 200 && (res.status < 400 || res.status > 499)) {
    std::fprintf(stderr, "bulk answered %d: %s\n", res.status, res.body.c_str());
    std::abort();
  }
  rapidjson::Document doc;
  doc.Parse(res.body.c_str(), res.body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    std::fprintf(stderr, "bulk answer is not a JSON object: %s\n", res.body.c_str());
    std::abort();
  }
  if (res.status == 200) {
    if (!doc.HasMember("items") || !doc.HasMember("errors") || CountActions(doc) == 0) std::abort();
  } else if (!doc.HasMember("error") || !doc.HasMember("status")) {
    std::abort();
  }
  return 0;
}
