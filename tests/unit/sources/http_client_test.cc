#include "sources/http_client.h"

#include <gtest/gtest.h>

#include <atomic>

#include "fake_http_server.h"

namespace sluice::sources {
namespace {

using testing::FakeHttpServer;
using testing::FakeRequest;
using testing::FakeResponse;

SourcesOptions FastOptions() {
  SourcesOptions options;
  options.initial_backoff_ms = 1;
  options.max_backoff_ms = 4;
  options.max_retries = 2;
  return options;
}

TEST(HttpClientTest, RedactUrlDropsUserInfoAndQuery) {
  EXPECT_EQ(RedactUrl("https://user:pw@h.example/a/b?X-Amz-Signature=s#f"),
            "https://h.example/a/b");
  EXPECT_EQ(RedactUrl("http://h:1/p"), "http://h:1/p");
}

TEST(HttpClientTest, ParsesHttpUrlsWithDefaultPorts) {
  auto url = ParseHttpUrl("HTTPS://Host.Example/p%20q?x=1");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->scheme, "https");
  EXPECT_EQ(url->host, "host.example");
  EXPECT_EQ(url->port, 443);
  EXPECT_FALSE(url->explicit_port);
  EXPECT_EQ(url->path, "/p%20q");
  EXPECT_EQ(url->query, "x=1");
  auto with_port = ParseHttpUrl("http://127.0.0.1:9000");
  ASSERT_TRUE(with_port.ok());
  EXPECT_EQ(with_port->port, 9000);
  EXPECT_TRUE(with_port->explicit_port);
  EXPECT_EQ(with_port->path, "/");
  EXPECT_FALSE(ParseHttpUrl("not a url").ok());
  EXPECT_FALSE(ParseHttpUrl("gopher://h/").ok());
}

TEST(HttpClientTest, BackoffDoublesUpToTheCap) {
  SourcesOptions options;
  options.initial_backoff_ms = 100;
  options.max_backoff_ms = 1000;
  std::minstd_rand rng(1);
  EXPECT_GE(BackoffMs(1, options, rng), 100);
  EXPECT_LE(BackoffMs(1, options, rng), 125);
  EXPECT_GE(BackoffMs(3, options, rng), 400);
  EXPECT_LE(BackoffMs(3, options, rng), 500);
  EXPECT_LE(BackoffMs(30, options, rng), 1250);
}

TEST(HttpClientTest, FetchRetriesServerErrorsAndReturnsFinalResponse) {
  std::atomic<int> calls{0};
  FakeHttpServer server([&](const FakeRequest&) {
    return ++calls < 3 ? FakeResponse{503, {}, "", {}}
                       : FakeResponse{200, {{"X-Answer", " 42 "}}, "body", {}};
  });
  RequestBuilder build = [&]() -> util::Result<HttpRequest> {
    return HttpRequest{server.base_url() + "/x", {}};
  };
  auto response = HttpFetch(build, FastOptions(), "x", 1 << 20);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "body");
  EXPECT_EQ(response->Header("x-answer"), "42");
  EXPECT_EQ(calls, 3);
}

TEST(HttpClientTest, FetchReturnsClientErrorsWithoutRetry) {
  std::atomic<int> calls{0};
  FakeHttpServer server([&](const FakeRequest&) {
    ++calls;
    return FakeResponse{404, {}, "<Error/>", {}};
  });
  RequestBuilder build = [&]() -> util::Result<HttpRequest> {
    return HttpRequest{server.base_url() + "/x", {}};
  };
  auto response = HttpFetch(build, FastOptions(), "x", 1 << 20);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 404);
  EXPECT_EQ(calls, 1);
}

TEST(HttpClientTest, FetchTruncatesBodiesOverTheLimit) {
  FakeHttpServer server([](const FakeRequest&) {
    return FakeResponse{200, {}, std::string(100000, 'x'), {}};
  });
  RequestBuilder build = [&]() -> util::Result<HttpRequest> {
    return HttpRequest{server.base_url() + "/x", {}};
  };
  auto response = HttpFetch(build, FastOptions(), "x", 1000);
  ASSERT_TRUE(response.ok());
  EXPECT_TRUE(response->truncated);
  EXPECT_EQ(response->body.size(), 1000u);
}

TEST(HttpClientTest, FetchFromClosedPortIsUnavailable) {
  int port;
  {
    FakeHttpServer server([](const FakeRequest&) { return FakeResponse{}; });
    port = server.port();
  }
  RequestBuilder build = [&]() -> util::Result<HttpRequest> {
    return HttpRequest{"http://127.0.0.1:" + std::to_string(port) + "/x", {}};
  };
  auto response = HttpFetch(build, FastOptions(), "closed", 1000);
  EXPECT_EQ(response.status().code(), util::Code::kUnavailable);
  EXPECT_NE(response.status().reason().find("closed"), std::string::npos);
}

// A task cancel ends the (up to 10 s) retry back-off at once: the handler
// cancels while answering the first attempt, so the wait that follows must
// return kCancelled instead of sleeping, and no second attempt is made.
TEST(HttpClientTest, FetchBackoffEndsWhenTheTaskIsCancelled) {
  util::CancelSignal cancel;
  FakeHttpServer server([&](const FakeRequest&) {
    cancel.Cancel();
    FakeResponse busy;
    busy.status = 503;
    busy.body = "busy";
    return busy;
  });
  SourcesOptions options;
  options.initial_backoff_ms = 600000;  // ten minutes: only a cancel ends it
  options.max_backoff_ms = 600000;
  options.max_retries = 5;
  RequestBuilder build = [&]() -> util::Result<HttpRequest> {
    return HttpRequest{server.base_url() + "/x", {}};
  };
  auto response = HttpFetch(build, options, "the object", 1024, &cancel);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), util::Code::kCancelled) << response.status().ToString();
  EXPECT_EQ(server.requests().size(), 1u);
}

}  // namespace
}  // namespace sluice::sources
