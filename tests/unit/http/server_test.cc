#include "http/server.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "http/compression.h"
#include "test_client.h"

namespace sluice::http {
namespace {

using testing::ClientResponse;
using testing::TestConnection;
using namespace std::chrono_literals;
using namespace std::string_literals;

const Request::Pairs kJson = {{"Content-Type", "application/json"}};

// Echoes what the handler saw, so tests can check parsing end to end.
Response Echo(const Request& r) {
  Response res;
  res.body = r.method + " " + r.path + " index=" + std::string(r.PathParam("index")) +
             " id=" + std::string(r.PathParam("id")) +
             " q=" + std::string(r.Query("q").value_or("-")) +
             " flag=" + (r.HasQuery("flag") ? "yes" : "no") + " body=" + r.body;
  return res;
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add("GET", "/", [](const Request&) {
      Response r;
      r.body = R"({"name":"sluice"})";
      return r;
    });
    router_.Add("GET", "/{index}/_doc/{id}", Echo);
    router_.Add("POST", "/{index}/_doc", Echo);
    router_.Add("POST", "/_bulk", Echo);
    router_.Add("GET", "/big", [](const Request&) {
      Response r;
      r.body = std::string(100000, 'x');
      return r;
    });
    router_.Add("GET", "/boom",
                [](const Request&) -> Response { throw std::runtime_error("handler bug"); });
  }

  void StartServer(ServerOptions options = {}) {
    options.host = "127.0.0.1";
    options.port = 0;
    options.access_log = false;
    server_ = std::make_unique<Server>(options, router_);
    util::Status st = server_->Start();
    ASSERT_TRUE(st.ok()) << st.ToString();
    ASSERT_NE(server_->port(), 0);
  }

  uint16_t port() const { return server_->port(); }

  Router router_;
  std::unique_ptr<Server> server_;
};

TEST_F(ServerTest, ServesHandlerResponseWithHeaders) {
  StartServer();
  TestConnection c(port());
  ClientResponse r = c.Request("GET", "/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"name":"sluice"})");
  EXPECT_EQ(r.header("content-type"), "application/json; charset=UTF-8");
  EXPECT_EQ(r.header("content-length"), "17");
}

TEST_F(ServerTest, PassesDecodedPathAndQueryParams) {
  StartServer();
  TestConnection c(port());
  ClientResponse r = c.Request("GET", "/my%2Didx/_doc/a%20b?q=x+y%21&flag");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "GET /my%2Didx/_doc/a%20b index=my-idx id=a b q=x y! flag=yes body=");
}

TEST_F(ServerTest, UnknownPathIs400AndWrongMethodIs405) {
  StartServer();
  TestConnection c(port());
  ClientResponse unknown = c.Request("GET", "/x/y/z/w");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(unknown.body,
            R"({"error":"no handler found for uri [/x/y/z/w] and method [GET]"})");
  ClientResponse wrong = c.Request("DELETE", "/_bulk");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.header("allow"), "POST");
  EXPECT_TRUE(wrong.keep_alive);
}

TEST_F(ServerTest, BodyWithoutContentTypeIs406) {
  StartServer();
  TestConnection c(port());
  ClientResponse r = c.Request("POST", "/_bulk", "{}\n");
  EXPECT_EQ(r.status, 406);
  EXPECT_EQ(r.body, R"({"error":"Content-Type header is missing","status":406})");
}

TEST_F(ServerTest, ContentLengthOverLimitIs413AndCloses) {
  ServerOptions o;
  o.max_content_length = 1000;
  StartServer(o);
  TestConnection c(port());
  ClientResponse r = c.Request("POST", "/_bulk", std::string(1001, 'a'), kJson);
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(r.body.find("Request Entity Too Large"), std::string::npos);
  EXPECT_NE(r.body.find("\"status\":413"), std::string::npos);
  EXPECT_FALSE(r.keep_alive);
  EXPECT_TRUE(c.WaitForClose());
}

TEST_F(ServerTest, BodyAtLimitIsAccepted) {
  ServerOptions o;
  o.max_content_length = 1000;
  StartServer(o);
  TestConnection c(port());
  EXPECT_EQ(c.Request("POST", "/_bulk", std::string(1000, 'a'), kJson).status, 200);
}

TEST_F(ServerTest, ChunkedBodyOverLimitIs413) {
  ServerOptions o;
  o.max_content_length = 1000;
  StartServer(o);
  TestConnection c(port());
  std::string chunk(600, 'a');
  ASSERT_TRUE(
      c.SendRaw("POST /_bulk HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "Transfer-Encoding: chunked\r\n\r\n258\r\n" +
                chunk + "\r\n258\r\n" + chunk + "\r\n0\r\n\r\n"));
  EXPECT_EQ(c.Read().status, 413);
}

TEST_F(ServerTest, ChunkedBodyIsReassembled) {
  StartServer();
  TestConnection c(port());
  ASSERT_TRUE(
      c.SendRaw("POST /_bulk HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"));
  ClientResponse r = c.Read();
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("body=abcde"), std::string::npos);
}

TEST_F(ServerTest, ExpectContinueOverLimitIsRefusedBeforeTheBody) {
  ServerOptions o;
  o.max_content_length = 1000;
  StartServer(o);
  TestConnection c(port());
  ASSERT_TRUE(
      c.SendRaw("POST /_bulk HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "Content-Length: 5000000\r\nExpect: 100-continue\r\n\r\n"));
  EXPECT_EQ(c.Read().status, 413);
}

TEST_F(ServerTest, ExpectContinueWithinLimitGets100ThenResponse) {
  StartServer();
  TestConnection c(port());
  ASSERT_TRUE(
      c.SendRaw("POST /_bulk HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "Content-Length: 2\r\nExpect: 100-continue\r\n\r\n"));
  EXPECT_EQ(c.Read(/*head=*/true).status, 100);
  ASSERT_TRUE(c.SendRaw("{}"));
  ClientResponse r = c.Read();
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("body={}"), std::string::npos);
}

TEST_F(ServerTest, GzipRequestBodyIsInflated) {
  StartServer();
  std::string body = "{\"index\":{}}\n{\"a\":1}\n";
  auto gz = GzipCompress(body);
  ASSERT_TRUE(gz.ok());
  TestConnection c(port());
  ClientResponse r =
      c.Request("POST", "/_bulk", *gz,
                {{"Content-Type", "application/x-ndjson"}, {"Content-Encoding", "gzip"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("body=" + body), std::string::npos);
}

TEST_F(ServerTest, GzipBodyInflatingOverLimitIs413) {
  ServerOptions o;
  o.max_content_length = 10000;
  StartServer(o);
  auto gz = GzipCompress(std::string(100000, 'a'));
  ASSERT_TRUE(gz.ok());
  ASSERT_LT(gz->size(), 10000u);
  TestConnection c(port());
  ClientResponse r = c.Request(
      "POST", "/_bulk", *gz, {{"Content-Type", "application/json"}, {"Content-Encoding", "gzip"}});
  EXPECT_EQ(r.status, 413);
}

TEST_F(ServerTest, CorruptGzipBodyIs400) {
  StartServer();
  TestConnection c(port());
  ClientResponse r =
      c.Request("POST", "/_bulk", "not gzip at all",
                {{"Content-Type", "application/json"}, {"Content-Encoding", "gzip"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("decompress"), std::string::npos);
}

TEST_F(ServerTest, HeadSendsGetLengthWithoutBody) {
  StartServer();
  TestConnection c(port());
  ClientResponse head = c.Request("HEAD", "/");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("content-length"), "17");
  EXPECT_EQ(head.body, "");
  // The connection is still in sync: no stray body bytes precede the next response.
  ClientResponse next = c.Request("GET", "/");
  EXPECT_EQ(next.status, 200);
  EXPECT_EQ(next.body, R"({"name":"sluice"})");
}

TEST_F(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  StartServer();
  TestConnection c(port());
  for (int i = 0; i < 5; ++i) {
    ClientResponse r = c.Request("GET", "/i/_doc/" + std::to_string(i));
    ASSERT_EQ(r.status, 200);
    EXPECT_NE(r.body.find("id=" + std::to_string(i)), std::string::npos);
    EXPECT_TRUE(r.keep_alive);
  }
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  StartServer();
  TestConnection c(port());
  std::string raw;
  for (int i = 0; i < 3; ++i) {
    raw += "GET /i/_doc/" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n";
  }
  ASSERT_TRUE(c.SendRaw(raw));
  for (int i = 0; i < 3; ++i) {
    ClientResponse r = c.Read();
    ASSERT_EQ(r.status, 200);
    EXPECT_NE(r.body.find("id=" + std::to_string(i) + " "), std::string::npos);
  }
}

TEST_F(ServerTest, ConnectionCloseRequestIsHonoured) {
  StartServer();
  TestConnection c(port());
  ClientResponse r = c.Request("GET", "/", {}, {{"Connection", "close"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_FALSE(r.keep_alive);
  EXPECT_TRUE(c.WaitForClose());
}

TEST_F(ServerTest, MalformedRequestIs400AndCloses) {
  StartServer();
  TestConnection c(port());
  ASSERT_TRUE(c.SendRaw("GET / HTTP/1.1\r\nBad Header Line\r\n\r\n"));
  ClientResponse r = c.Read();
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("\"status\":400"), std::string::npos);
  EXPECT_TRUE(c.WaitForClose());
}

TEST_F(ServerTest, GarbageInputNeverStopsTheServer) {
  StartServer();
  const std::string inputs[] = {
      "\0\0\0\xff\xfe garbage\r\n\r\n"s,
      "GET\r\n\r\n",
      "GET http://example.com/ HTTP/1.1\r\nHost: x\r\n\r\n",
      "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
      "POST /_bulk HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n",
      "POST /_bulk HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
      "POST /_bulk HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
      "POST /_bulk HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "POST /_bulk HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n",
      "GET /%%%%/_doc/%zz?%=%&&==&q=%ff HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET / HTTP/9.9\r\n\r\n",
  };
  for (const std::string& input : inputs) {
    TestConnection c(port());
    ASSERT_TRUE(c.SendRaw(input));
    ClientResponse r = c.Read();  // a 4xx, or a plain close; never a hang or a crash
    EXPECT_TRUE(r.status == 0 || (r.status >= 200 && r.status < 500)) << input << " " << r.status;
  }
  TestConnection c(port());
  EXPECT_EQ(c.Request("GET", "/").status, 200);
}

TEST_F(ServerTest, OversizedHeaderIs431) {
  ServerOptions o;
  o.max_header_size = 1024;
  StartServer(o);
  TestConnection c(port());
  ClientResponse r = c.Request("GET", "/", {}, {{"X-Big", std::string(4096, 'h')}});
  EXPECT_EQ(r.status, 431);
}

TEST_F(ServerTest, ThrowingHandlerIs500AndServerKeepsServing) {
  StartServer();
  TestConnection c(port());
  EXPECT_EQ(c.Request("GET", "/boom").status, 500);
  EXPECT_EQ(c.Request("GET", "/").status, 200);
}

TEST_F(ServerTest, LargeResponseIsGzippedWhenClientAcceptsIt) {
  StartServer();
  TestConnection c(port());
  ClientResponse r = c.Request("GET", "/big", {}, {{"Accept-Encoding", "gzip, deflate"}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-encoding"), "gzip");
  auto body = DecodeContent("gzip", r.body, 1 << 20);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(*body, std::string(100000, 'x'));
  ClientResponse plain = c.Request("GET", "/big");
  EXPECT_EQ(plain.header("content-encoding"), "");
  EXPECT_EQ(plain.body.size(), 100000u);
}

TEST_F(ServerTest, StalledClientDoesNotBlockOthersAndTimesOut) {
  ServerOptions o;
  o.threads = 1;  // a server that blocked on the stalled client could not answer anyone
  o.header_timeout = 300ms;
  StartServer(o);
  TestConnection stalled(port());
  ASSERT_TRUE(stalled.SendRaw("GET / HTTP/1.1\r\nHost: x\r\nX-Half"));
  TestConnection other(port());
  EXPECT_EQ(other.Request("GET", "/").status, 200);
  EXPECT_TRUE(stalled.WaitForClose());
}

TEST_F(ServerTest, StopLetsInFlightRequestFinish) {
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  router_.Add("GET", "/slow", [&entered, released](const Request&) {
    entered.set_value();
    released.wait();
    Response r;
    r.body = "done";
    return r;
  });
  StartServer();
  TestConnection idle(port());
  ASSERT_EQ(idle.Request("GET", "/").status, 200);
  auto client = std::async(std::launch::async, [p = port()] {
    TestConnection c(p);
    return c.Request("GET", "/slow");
  });
  entered.get_future().wait();
  auto stop = std::async(std::launch::async, [this] { server_->Stop(); });
  EXPECT_TRUE(idle.WaitForClose());  // idle keep-alive connections are closed at once
  EXPECT_EQ(stop.wait_for(50ms), std::future_status::timeout);
  release.set_value();
  ClientResponse r = client.get();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "done");
  EXPECT_FALSE(r.keep_alive);
  stop.get();
  TestConnection after(port());
  EXPECT_FALSE(after.connected());
}

// The worker that ran a handler writes its response itself: the response
// reaches the client while every I/O thread is held (here the only one, inside
// the observer of a 400 the transport answers on it).
TEST_F(ServerTest, WorkerWritesItsResponseWhileTheIoThreadsAreBusy) {
  std::promise<void> handler_entered, observer_entered, release_handler, release_observer;
  std::shared_future<void> handler_released = release_handler.get_future().share();
  std::shared_future<void> observer_released = release_observer.get_future().share();
  router_.Add("GET", "/held", [&handler_entered, handler_released](const Request&) {
    handler_entered.set_value();
    handler_released.wait();
    Response r;
    r.body = "held";
    return r;
  });
  ServerOptions o;
  o.threads = 1;
  o.observer = [&observer_entered, observer_released](const RequestStats& s) {
    if (s.status != 400) return;
    observer_entered.set_value();
    observer_released.wait();
  };
  StartServer(o);
  TestConnection held(port());
  ASSERT_TRUE(held.SendRaw("GET /held HTTP/1.1\r\nHost: x\r\n\r\n"));
  handler_entered.get_future().wait();
  TestConnection bad(port());
  ASSERT_TRUE(bad.SendRaw("GET / HTTP/1.1\r\nBad Header Line\r\n\r\n"));
  observer_entered.get_future().wait();  // the I/O thread is held from here on
  release_handler.set_value();
  ClientResponse r = held.Read();  // fails after the connection's 10 s deadline
  release_observer.set_value();
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.body, "held");
  EXPECT_EQ(bad.Read().status, 400);
}

TEST_F(ServerTest, StartFailsWhenPortIsTaken) {
  StartServer();
  ServerOptions o;
  o.port = port();
  Server second(o, router_);
  util::Status st = second.Start();
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.code(), util::Code::kIoError);
}

}  // namespace
}  // namespace sluice::http
