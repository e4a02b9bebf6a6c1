#include "sources/http_stream.h"

#include <gtest/gtest.h>

#include <atomic>

#include "fake_http_server.h"

namespace sluice::sources {
namespace {

using testing::FakeHttpServer;
using testing::FakeRequest;
using testing::FakeResponse;
using testing::ServeBytes;

std::string Payload(size_t size) {
  std::string out;
  out.reserve(size);
  for (size_t i = 0; out.size() < size; ++i) out += "{\"id\":" + std::to_string(i) + "}\n";
  out.resize(size);
  return out;
}

SourcesOptions FastOptions() {
  SourcesOptions options;
  options.initial_backoff_ms = 1;
  options.max_backoff_ms = 5;
  options.max_retries = 3;
  options.connect_timeout_ms = 2000;
  options.stall_timeout_s = 5;
  options.chunk_size = 8 << 10;
  return options;
}

HttpStreamConfig ConfigFor(const std::string& url) {
  HttpStreamConfig config;
  config.build_request = [url]() -> util::Result<HttpRequest> {
    return HttpRequest{url, {{"X-Test", "1"}}};
  };
  config.map_error = [](long status, const std::string& body) {
    return util::NotFound("resource_not_found_exception",
                          "HTTP " + std::to_string(status) + ": " + body);
  };
  config.display = url;
  return config;
}

util::Result<std::string> ReadAll(ByteSource& source, size_t piece) {
  std::string out;
  std::string buf(piece, '\0');
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(size_t n, source.Read(buf.data(), buf.size()));
    if (n == 0) return out;
    out.append(buf.data(), n);
  }
}

TEST(HttpStreamTest, StreamsWholeBodyReadInSmallPieces) {
  const std::string data = Payload(300000);
  FakeHttpServer server([&](const FakeRequest& r) { return ServeBytes(r, data); });
  auto stream = HttpStream::Open(ConfigFor(server.base_url() + "/obj"), FastOptions(), 0);
  ASSERT_TRUE(stream.ok()) << stream.status().ToString();
  auto body = ReadAll(**stream, 1000);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(*body, data);
  EXPECT_EQ((*stream)->raw_bytes_read(), data.size());
  EXPECT_EQ((*stream)->object_size(), data.size());
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].Header("x-test"), "1");
  EXPECT_EQ(server.requests()[0].Header("range"), "");
}

TEST(HttpStreamTest, ResumesWithRangeAfterConnectionDropsMidBody) {
  const std::string data = Payload(200000);
  std::atomic<int> calls{0};
  FakeHttpServer server([&](const FakeRequest& r) {
    FakeResponse response = ServeBytes(r, data);
    if (calls++ == 0) response.drop_after = 70001;
    return response;
  });
  auto stream = HttpStream::Open(ConfigFor(server.base_url() + "/obj"), FastOptions(), 0);
  ASSERT_TRUE(stream.ok()) << stream.status().ToString();
  auto body = ReadAll(**stream, 4096);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(*body, data);
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].Header("range"), "bytes=70001-");
}

TEST(HttpStreamTest, RetriesServiceUnavailableAndResumesAtLastByte) {
  const std::string data = Payload(150000);
  std::atomic<int> calls{0};
  FakeHttpServer server([&](const FakeRequest& r) {
    int call = calls++;
    if (call == 0) return FakeResponse{503, {}, "<Error><Code>SlowDown</Code></Error>", {}};
    FakeResponse response = ServeBytes(r, data);
    if (call == 1) response.drop_after = 50000;
    if (call == 2) return FakeResponse{503, {}, "busy", {}};
    return response;
  });
  auto stream = HttpStream::Open(ConfigFor(server.base_url() + "/obj"), FastOptions(), 0);
  ASSERT_TRUE(stream.ok()) << stream.status().ToString();
  auto body = ReadAll(**stream, 777);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(*body, data);
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(requests[1].Header("range"), "");
  EXPECT_EQ(requests[2].Header("range"), "bytes=50000-");
  EXPECT_EQ(requests[3].Header("range"), "bytes=50000-");
}

TEST(HttpStreamTest, StalledTransferTimesOutAndResumesWithRange) {
  const std::string data = Payload(50000);
  std::atomic<int> calls{0};
  FakeHttpServer server([&](const FakeRequest& r) {
    FakeResponse response = ServeBytes(r, data);
    if (calls++ == 0) {
      response.drop_after = 20000;
      response.hang = true;
    }
    return response;
  });
  SourcesOptions options = FastOptions();
  options.stall_timeout_s = 1;
  auto stream = HttpStream::Open(ConfigFor(server.base_url() + "/obj"), options, 0);
  ASSERT_TRUE(stream.ok()) << stream.status().ToString();
  auto body = ReadAll(**stream, 4096);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(*body, data);
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].Header("range"), "bytes=20000-");
}

TEST(HttpStreamTest, DiscardsPrefixWhenServerIgnoresRange) {
  const std::string data = Payload(100000);
  std::atomic<int> calls{0};
  FakeHttpServer server([&](const FakeRequest&) {
    FakeResponse response{200, {}, data, {}};
    if (calls++ == 0) response.drop_after = 33333;
    return response;
  });
  auto stream = HttpStream::Open(ConfigFor(server.base_url() + "/obj"), FastOptions(), 0);
  ASSERT_TRUE(stream.ok());
  auto body = ReadAll(**stream, 5000);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(*body, data);
}

TEST(HttpStreamTest, OpensAtOffsetWithRangeRequest) {
  const std::string data = Payload(10000);
  FakeHttpServer server([&](const FakeRequest& r) { return ServeBytes(r, data); });
  auto stream = HttpStream::Open(ConfigFor(server.base_url() + "/obj"), FastOptions(), 1234);
  ASSERT_TRUE(stream.ok());
  auto body = ReadAll(**stream, 100);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(*body, data.substr(1234));
  EXPECT_EQ((*stream)->raw_bytes_read(), data.size());
  EXPECT_EQ(server.requests()[0].Header("range"), "bytes=1234-");
}

TEST(HttpStreamTest, OffsetAtEndOfObjectIsEmpty) {
  const std::string data = Payload(100);
  FakeHttpServer server([&](const FakeRequest& r) { return ServeBytes(r, data); });
  auto stream = HttpStream::Open(ConfigFor(server.base_url() + "/obj"), FastOptions(), 100);
  ASSERT_TRUE(stream.ok()) << stream.status().ToString();
  auto body = ReadAll(**stream, 100);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(*body, "");
}

TEST(HttpStreamTest, ClientErrorIsMappedAtOpenWithoutRetry) {
  FakeHttpServer server([](const FakeRequest&) { return FakeResponse{404, {}, "gone", {}}; });
  auto stream = HttpStream::Open(ConfigFor(server.base_url() + "/obj"), FastOptions(), 0);
  ASSERT_FALSE(stream.ok());
  EXPECT_EQ(stream.status().code(), util::Code::kNotFound);
  EXPECT_EQ(stream.status().reason(), "HTTP 404: gone");
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(HttpStreamTest, GivesUpAfterMaxRetriesAsUnavailable) {
  FakeHttpServer server([](const FakeRequest&) { return FakeResponse{503, {}, "", {}}; });
  auto stream = HttpStream::Open(ConfigFor(server.base_url() + "/obj"), FastOptions(), 0);
  ASSERT_FALSE(stream.ok());
  EXPECT_EQ(stream.status().code(), util::Code::kUnavailable);
  EXPECT_EQ(server.requests().size(), 4u);  // first try + 3 retries
}

TEST(HttpStreamTest, RedirectWithoutCheckerIsAnErrorResponse) {
  FakeHttpServer server([](const FakeRequest&) {
    return FakeResponse{302, {{"Location", "/elsewhere"}}, "", {}};
  });
  auto stream = HttpStream::Open(ConfigFor(server.base_url() + "/obj"), FastOptions(), 0);
  ASSERT_FALSE(stream.ok());
  EXPECT_EQ(stream.status().reason(), "HTTP 302: ");
}

TEST(HttpStreamTest, RetryBackoffEndsWhenTheTaskIsCancelled) {
  util::CancelSignal cancel;
  FakeHttpServer server([&](const FakeRequest&) {
    cancel.Cancel();  // the task is cancelled while this attempt fails
    FakeResponse busy;
    busy.status = 503;
    busy.body = "busy";
    return busy;
  });
  SourcesOptions options = FastOptions();
  options.initial_backoff_ms = 600000;  // only a cancel ends this wait
  options.max_backoff_ms = 600000;
  HttpStreamConfig config = ConfigFor(server.base_url() + "/obj");
  config.cancel = &cancel;
  auto stream = HttpStream::Open(std::move(config), options, 0);
  ASSERT_FALSE(stream.ok());
  EXPECT_EQ(stream.status().code(), util::Code::kCancelled) << stream.status().ToString();
  EXPECT_EQ(server.requests().size(), 1u);
}

}  // namespace
}  // namespace sluice::sources
