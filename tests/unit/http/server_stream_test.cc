// The stream handler hook (ServerOptions::stream_handler, stream_exchange.h):
// requests no route serves reach it with the body unread; it streams the body
// in and the answer out; the connection is reused after a finished exchange
// and closed after an unfinished one.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <string>

#include "http/server.h"
#include "test_client.h"

namespace sluice::http {
namespace {

using testing::TestConnection;

// Reads the whole body in small pieces, answers it upper-cased: chunked
// when the request was chunked, with a Content-Length otherwise.
void Upper(StreamExchange& ex) {
  std::string body;
  char buf[7];
  while (true) {
    auto n = ex.ReadBody(buf, sizeof(buf));
    if (!n.ok()) {
      Response r =
          SimpleError(n.status().code() == util::Code::kTooLarge ? 413 : 400, n.status().reason());
      (void)ex.Respond(r);
      return;
    }
    if (*n == 0) break;
    body.append(buf, *n);
  }
  std::transform(body.begin(), body.end(), body.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  Request::Pairs headers = {{"Content-Type", "text/plain"},
                            {"X-Seen-Path", ex.head().target},
                            {"X-Remote", ex.remote_address()}};
  if (ex.head().path == "/nothing") return;  // answered 500 by the server
  if (!ex.content_length()) {
    ASSERT_TRUE(ex.WriteHead(201, headers, BodyFraming::kChunked).ok());
    for (size_t i = 0; i < body.size(); i += 5) {
      ASSERT_TRUE(ex.WriteBody(std::string_view(body).substr(i, 5)).ok());
    }
    if (ex.head().path == "/cut") return;  // never finished: the connection closes
  } else {
    ASSERT_TRUE(ex.WriteHead(200, headers, BodyFraming::kLength, body.size()).ok());
    ASSERT_TRUE(ex.WriteBody(body).ok());
  }
  ASSERT_TRUE(ex.Finish().ok());
}

class ServerStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add("GET", "/routed", [](const Request&) {
      Response r;
      r.body = "routed";
      return r;
    });
    ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.access_log = false;
    options.max_content_length = 64;
    options.stream_handler = Upper;
    server_ = std::make_unique<Server>(options, router_);
    ASSERT_TRUE(server_->Start().ok());
  }

  Router router_;
  std::unique_ptr<Server> server_;
};

TEST_F(ServerStreamTest, ChunkedBodyStreamsThroughAndTheConnectionIsReused) {
  TestConnection c(server_->port());
  ASSERT_TRUE(c.SendRaw(
      "POST /x/_bulk?refresh=true HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
  auto res = c.Read();
  EXPECT_EQ(res.status, 201);
  EXPECT_EQ(res.body, "HELLO WORLD");
  EXPECT_EQ(res.header("transfer-encoding"), "chunked");
  EXPECT_EQ(res.header("x-seen-path"), "/x/_bulk?refresh=true");
  EXPECT_EQ(res.header("x-remote"), "127.0.0.1");
  // Routed requests still go to the router, on the same connection.
  ASSERT_TRUE(c.SendRaw("GET /routed HTTP/1.1\r\nHost: a\r\n\r\n"));
  auto routed = c.Read();
  EXPECT_EQ(routed.status, 200);
  EXPECT_EQ(routed.body, "routed");
}

TEST_F(ServerStreamTest, ContentLengthBodyAndPipelinedRequests) {
  TestConnection c(server_->port());
  ASSERT_TRUE(
      c.SendRaw("PUT /doc HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
                "PUT /doc HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nxy"));
  auto first = c.Read();
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.body, "ABC");
  EXPECT_EQ(first.header("content-length"), "3");
  auto second = c.Read();
  EXPECT_EQ(second.status, 200);
  EXPECT_EQ(second.body, "XY");
}

TEST_F(ServerStreamTest, AHandlerThatDoesNotAnswerGets500) {
  TestConnection c(server_->port());
  ASSERT_TRUE(c.SendRaw("GET /nothing HTTP/1.1\r\nHost: a\r\n\r\n"));
  auto res = c.Read();
  EXPECT_EQ(res.status, 500);
}

TEST_F(ServerStreamTest, AnUnfinishedAnswerClosesTheConnection) {
  TestConnection c(server_->port());
  ASSERT_TRUE(c.SendRaw(
      "POST /cut HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"));
  auto res = c.Read();
  EXPECT_FALSE(res.error.empty()) << "a truncated chunked answer is not a complete response";
}

TEST_F(ServerStreamTest, AChunkedBodyOverMaxContentLengthIsRefused) {
  TestConnection c(server_->port());
  std::string chunk(40, 'a');
  ASSERT_TRUE(
      c.SendRaw("POST /big HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n28\r\n" +
                chunk + "\r\n28\r\n" + chunk + "\r\n0\r\n\r\n"));
  auto res = c.Read();
  EXPECT_EQ(res.status, 413);
  EXPECT_EQ(res.header("connection"), "close");
}

TEST_F(ServerStreamTest, AContentLengthOverTheLimitIsRefusedBeforeTheHandler) {
  TestConnection c(server_->port());
  ASSERT_TRUE(c.SendRaw("POST /big HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n"));
  auto res = c.Read();
  EXPECT_EQ(res.status, 413);
}

}  // namespace
}  // namespace sluice::http
