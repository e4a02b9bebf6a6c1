#include "cli/rest_client.h"

#include <gtest/gtest.h>

#include <string>

#include "http/router.h"
#include "http/server.h"

namespace sluice::cli {
namespace {

// Echoes the method, path, query, content type and body.
http::Router EchoRouter() {
  http::Router router;
  auto echo = [](const http::Request& r) {
    http::Response res;
    res.status = r.Query("status") ? std::stoi(std::string(*r.Query("status"))) : 200;
    res.content_type = "text/plain";
    res.body = r.method + " " + r.path + " " + std::string(r.Header("Content-Type")) + " " + r.body;
    return res;
  };
  router.Add("GET", "/{index}/_echo", echo);
  router.Add("POST", "/{index}/_echo", echo);
  return router;
}

TEST(RestClientTest, InProcessClientDispatchesToTheRouter) {
  http::Router router = EchoRouter();
  auto client = MakeInProcessClient(router, "data dir /x");
  EXPECT_EQ(client->Describe(), "data dir /x");
  auto reply = client->Call("POST", "/idx/_echo?status=201", R"({"a":1})");
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->status, 201);
  EXPECT_EQ(reply->body, R"(POST /idx/_echo application/json {"a":1})");
  auto unknown = client->Call("GET", "/a/b/c/d");
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->status, 400);
}

TEST(RestClientTest, HttpClientTalksToARealServer) {
  http::Router router = EchoRouter();
  http::ServerOptions options;
  options.port = 0;
  options.threads = 1;
  options.access_log = false;
  http::Server server(options, router);
  ASSERT_TRUE(server.Start().ok());
  std::string url = "http://127.0.0.1:" + std::to_string(server.port());
  auto client = MakeHttpClient(url + "/");
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  EXPECT_EQ((*client)->Describe(), url);
  auto reply = (*client)->Call("POST", "/idx/_echo?status=404", "{}");
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->status, 404);
  EXPECT_EQ(reply->content_type, "text/plain");
  EXPECT_EQ(reply->body, "POST /idx/_echo application/json {}");
  auto get = (*client)->Call("GET", "/other/_echo");
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->body, "GET /other/_echo  ");
  server.Stop();
}

TEST(RestClientTest, HttpClientSendsTheAuthorizationItWasGiven) {
  EXPECT_EQ(BasicAuthorization("admin", "pw"), "Basic YWRtaW46cHc=");
  EXPECT_EQ(BasicAuthorization("ab", "c"), "Basic YWI6Yw==");
  EXPECT_EQ(BasicAuthorization("a", "bcd"), "Basic YTpiY2Q=");
  http::Router router;
  router.Add("GET", "/_auth", [](const http::Request& r) {
    http::Response res;
    res.content_type = "text/plain";
    res.body = std::string(r.Header("Authorization"));
    return res;
  });
  http::ServerOptions options;
  options.port = 0;
  options.threads = 1;
  options.access_log = false;
  http::Server server(options, router);
  ASSERT_TRUE(server.Start().ok());
  std::string url = "http://127.0.0.1:" + std::to_string(server.port());
  auto with = MakeHttpClient(url, std::chrono::seconds(5), BasicAuthorization("admin", "pw"));
  ASSERT_TRUE(with.ok());
  EXPECT_EQ((*with)->Call("GET", "/_auth")->body, "Basic YWRtaW46cHc=");
  auto without = MakeHttpClient(url);
  ASSERT_TRUE(without.ok());
  EXPECT_EQ((*without)->Call("GET", "/_auth")->body, "");
  server.Stop();
}

TEST(RestClientTest, UnreachableServerIsAnUnavailableStatus) {
  auto client = MakeHttpClient("http://127.0.0.1:9", std::chrono::seconds(5));
  ASSERT_TRUE(client.ok());
  auto reply = (*client)->Call("GET", "/");
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), util::Code::kUnavailable);
  EXPECT_NE(reply.status().reason().find("cannot reach sluice at http://127.0.0.1:9"),
            std::string::npos);
}

TEST(RestClientTest, RejectsUrlsItCannotUse) {
  for (const char* bad : {"https://host:9200", "127.0.0.1:9200", "http://", "http://host:port",
                          "http://[::1", "http://host:"}) {
    EXPECT_FALSE(MakeHttpClient(bad).ok()) << bad;
  }
  auto v6 = MakeHttpClient("http://[::1]:9201/prefix/");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ((*v6)->Describe(), "http://::1:9201/prefix");
  auto no_port = MakeHttpClient("http://localhost");
  ASSERT_TRUE(no_port.ok());
  EXPECT_EQ((*no_port)->Describe(), "http://localhost:80");
}

TEST(RestClientTest, ReplyErrorPrefersTheRootCause) {
  RestReply search{400, "application/json",
                   R"({"error":{"root_cause":[{"type":"illegal_argument_exception",)"
                   R"("reason":"bad dimension"}],"type":"search_phase_execution_exception",)"
                   R"("reason":"all shards failed"},"status":400})"};
  EXPECT_EQ(ReplyError(search),
            "HTTP 400: search_phase_execution_exception: all shards failed (caused by "
            "illegal_argument_exception: bad dimension)");
  RestReply simple{404, "",
                   R"({"error":{"root_cause":[{"type":"x","reason":"y"}],"type":"x",)"
                   R"("reason":"y"},"status":404})"};
  EXPECT_EQ(ReplyError(simple), "HTTP 404: x: y");
  EXPECT_EQ(ReplyError({413, "", R"({"error":"too large","status":413})"}), "HTTP 413: too large");
  EXPECT_EQ(ReplyError({502, "", "Bad Gateway"}), "HTTP 502: Bad Gateway");
}

}  // namespace
}  // namespace sluice::cli
