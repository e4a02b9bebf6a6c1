// A REST test fixture: the real routes (api::RegisterAllRoutes) on an
// http::Router over a Catalog in a temp Store, and helpers to call them and
// read JSON bodies.
#pragma once

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <memory>
#include <string>

#include "api/api_context.h"
#include "api/routes.h"
#include "http/request.h"
#include "http/router.h"
#include "index/catalog.h"
#include "index/test_store.h"

namespace sluice::api {

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto catalog = index::Catalog::Open(store_.get(), testutil::OneThread());
    ASSERT_TRUE(catalog.ok()) << catalog.status().ToString();
    catalog_ = std::move(catalog).value();
    ctx_.catalog = catalog_.get();
    RegisterAllRoutes(router_, ctx_);
  }

  http::Response Call(std::string method, std::string target, std::string body = "",
                      std::string content_type = "application/json") {
    http::Request::Pairs headers;
    if (!body.empty()) headers.emplace_back("Content-Type", content_type);
    http::Request request =
        http::Request::Make(std::move(method), std::move(target), std::move(body), headers);
    return router_.Dispatch(request);
  }

  http::Response Bulk(std::string target, std::string body) {
    return Call("POST", std::move(target), std::move(body), "application/x-ndjson");
  }

  static rapidjson::Document Json(const http::Response& r) {
    rapidjson::Document doc;
    doc.Parse(r.body.c_str());
    EXPECT_FALSE(doc.HasParseError()) << r.body;
    return doc;
  }

  testutil::TempStore store_;
  std::unique_ptr<index::Catalog> catalog_;
  ApiContext ctx_;
  http::Router router_;
};

}  // namespace sluice::api
