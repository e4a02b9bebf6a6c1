// S3Client against a fake path-style S3 on 127.0.0.1 that re-computes every
// request's SigV4 signature with the known credentials.
#include "sources/s3_source.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <ctime>
#include <map>

#include "fake_http_server.h"
#include "sources/sigv4_signer.h"

namespace sluice::sources {
namespace {

using testing::FakeHttpServer;
using testing::FakeRequest;
using testing::FakeResponse;
using testing::ServeBytes;

constexpr char kAccessKey[] = "AKIDTEST";
constexpr char kSecret[] = "s3cr3t-VALUE-never-shown";
constexpr char kToken[] = "session-TOKEN-never-shown";

std::string XmlEscape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '&')
      out += "&amp;";
    else if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else
      out.push_back(c);
  }
  return out;
}

std::map<std::string, std::string> ParseQuery(const std::string& query) {
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start < query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    std::string pair = query.substr(start, end - start);
    size_t eq = pair.find('=');
    out[PercentDecode(pair.substr(0, eq))] =
        eq == std::string::npos ? "" : PercentDecode(pair.substr(eq + 1));
    start = end + 1;
  }
  return out;
}

FakeResponse S3Error(int status, const std::string& code, const std::string& message) {
  return FakeResponse{status,
                      {{"Content-Type", "application/xml"}},
                      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code +
                          "</Code><Message>" + message +
                          "</Message><RequestId>1</RequestId>"
                          "</Error>",
                      {}};
}

// A path-style S3 with one bucket "bkt", 2 keys per listing page.
class FakeS3 {
 public:
  explicit FakeS3(bool expect_token) : expect_token_(expect_token) {}

  FakeResponse Handle(const FakeRequest& request) {
    if (!SignatureValid(request)) {
      ++bad_signatures_;
      return S3Error(403, "SignatureDoesNotMatch",
                     "The request signature we calculated does "
                     "not match the signature you provided.");
    }
    if (hook_) {
      std::optional<FakeResponse> hooked = hook_(request);
      if (hooked) return *hooked;
    }
    std::string path = PercentDecode(request.path);
    if (path == "/bkt" || path == "/bkt/") return List(ParseQuery(request.query));
    if (!path.starts_with("/bkt/")) return S3Error(404, "NoSuchBucket", "The bucket is gone.");
    auto it = objects_.find(path.substr(5));
    if (it == objects_.end()) return S3Error(404, "NoSuchKey", "The specified key does not exist.");
    return ServeBytes(request, it->second);
  }

  std::map<std::string, std::string> objects_;
  std::function<std::optional<FakeResponse>(const FakeRequest&)> hook_;
  std::atomic<int> bad_signatures_{0};

 private:
  bool SignatureValid(const FakeRequest& request) const {
    std::string date = request.Header("x-amz-date");
    if (date.size() != 16 || request.Header("x-amz-content-sha256").empty()) return false;
    if (expect_token_ != !request.Header("x-amz-security-token").empty()) return false;
    std::tm tm{};
    strptime(date.c_str(), "%Y%m%dT%H%M%SZ", &tm);
    SigV4Request to_sign{"GET",
                         request.path,
                         request.query,
                         {{"host", request.Header("host")}},
                         request.Header("x-amz-content-sha256")};
    SigV4Credentials credentials{kAccessKey, util::Secret(kSecret),
                                 util::Secret(expect_token_ ? kToken : "")};
    SigV4Signature expected =
        SignV4(to_sign,
               SigV4Params::ForS3("eu-west-1", std::chrono::system_clock::from_time_t(timegm(&tm))),
               credentials);
    return request.Header("authorization") == expected.authorization;
  }

  FakeResponse List(const std::map<std::string, std::string>& query) {
    if (query.count("list-type") == 0 || query.at("list-type") != "2") {
      return S3Error(400, "InvalidArgument", "list-type");
    }
    std::string prefix = query.count("prefix") ? query.at("prefix") : "";
    size_t start = 0;
    if (query.count("continuation-token")) {
      start = std::stoul(query.at("continuation-token").substr(4));  // "tok=N"
    }
    std::vector<std::string> keys;
    for (const auto& [key, value] : objects_) {
      if (key.starts_with(prefix)) keys.push_back(key);
    }
    std::string xml =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult "
        "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>bkt</Name>";
    size_t end = std::min(keys.size(), start + 2);
    for (size_t i = start; i < end; ++i) {
      xml += "<Contents><Key>" + XmlEscape(keys[i]) + "</Key><Size>" +
             std::to_string(objects_.at(keys[i]).size()) +
             "</Size><StorageClass>STANDARD</StorageClass></Contents>";
    }
    bool truncated = end < keys.size();
    xml += std::string("<IsTruncated>") + (truncated ? "true" : "false") + "</IsTruncated>";
    if (truncated)
      xml += "<NextContinuationToken>tok=" + std::to_string(end) + "</NextContinuationToken>";
    xml += "</ListBucketResult>";
    return FakeResponse{200, {{"Content-Type", "application/xml"}}, xml, {}};
  }

  bool expect_token_;
};

class S3SourceTest : public ::testing::Test {
 protected:
  void Start(bool with_token) {
    s3_ = std::make_unique<FakeS3>(with_token);
    server_ = std::make_unique<FakeHttpServer>(
        [this](const FakeRequest& request) { return s3_->Handle(request); });
    options_.s3_endpoint = server_->base_url();
    options_.initial_backoff_ms = 1;
    options_.max_backoff_ms = 4;
    options_.max_retries = 3;
    options_.chunk_size = 4096;
    credential_.region = "eu-west-1";
    credential_.access_key = kAccessKey;
    credential_.secret_key = util::Secret(kSecret);
    if (with_token) credential_.session_token = util::Secret(kToken);
  }
  void TearDown() override {
    if (s3_) {
      EXPECT_EQ(s3_->bad_signatures_, 0);
    }
    server_.reset();
  }

  util::Result<std::string> ReadObject(const std::string& location, uint64_t offset = 0) {
    SLUICE_ASSIGN_OR_RETURN(S3Uri uri, ParseS3Uri(location));
    SLUICE_ASSIGN_OR_RETURN(auto stream, S3Client(options_, credential_).Open(uri, offset));
    std::string out;
    char buf[1000];
    while (true) {
      SLUICE_ASSIGN_OR_RETURN(size_t n, stream->Read(buf, sizeof(buf)));
      if (n == 0) return out;
      out.append(buf, n);
    }
  }

  std::unique_ptr<FakeS3> s3_;
  std::unique_ptr<FakeHttpServer> server_;
  SourcesOptions options_;
  Credential credential_;
};

std::string Lines(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += "{\"id\":" + std::to_string(i) + ",\"v\":[0.5,1.5]}\n";
  return out;
}

TEST_F(S3SourceTest, ListsExactKeyWithSizeAndStreamsItPathStyle) {
  Start(/*with_token=*/false);
  s3_->objects_["data/a.jsonl"] = Lines(5000);
  auto objects = S3Client(options_, credential_).List("s3://bkt/data/a.jsonl", 3);
  ASSERT_TRUE(objects.ok()) << objects.status().ToString();
  ASSERT_EQ(objects->size(), 1u);
  EXPECT_EQ((*objects)[0].location, "s3://bkt/data/a.jsonl");
  EXPECT_EQ((*objects)[0].size, s3_->objects_["data/a.jsonl"].size());
  EXPECT_EQ((*objects)[0].slot, 3u);
  auto body = ReadObject("s3://bkt/data/a.jsonl");
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(*body, s3_->objects_["data/a.jsonl"]);
  FakeRequest last = server_->requests().back();
  EXPECT_EQ(last.path, "/bkt/data/a.jsonl");
  EXPECT_TRUE(last.Header("authorization").starts_with("AWS4-HMAC-SHA256 Credential=AKIDTEST/"));
  EXPECT_NE(last.Header("authorization").find("/eu-west-1/s3/aws4_request"), std::string::npos);
  EXPECT_FALSE(last.Header("x-amz-content-sha256").empty());
  EXPECT_EQ(last.Header("x-amz-security-token"), "");
}

TEST_F(S3SourceTest, SendsSessionTokenWhenSet) {
  Start(/*with_token=*/true);
  s3_->objects_["a.jsonl"] = "{}\n";
  auto body = ReadObject("s3://bkt/a.jsonl");
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(server_->requests().back().Header("x-amz-security-token"), kToken);
  EXPECT_NE(server_->requests().back().Header("authorization").find("x-amz-security-token"),
            std::string::npos);
}

TEST_F(S3SourceTest, EncodesEachKeySegmentOnce) {
  Start(false);
  s3_->objects_["dir one/a+b ü.jsonl"] = "{}\n";
  auto objects = S3Client(options_, credential_).List("s3://bkt/dir one/a+b ü.jsonl", 0);
  ASSERT_TRUE(objects.ok()) << objects.status().ToString();
  EXPECT_EQ(server_->requests().back().path, "/bkt/dir%20one/a%2Bb%20%C3%BC.jsonl");
}

TEST_F(S3SourceTest, ExpandsPrefixAcrossListPagesInKeyOrder) {
  Start(false);
  for (const char* key :
       {"p/c.jsonl", "p/a.jsonl", "p/", "p/sub/b.jsonl", "q/x.jsonl", "p/d&e.jsonl"}) {
    s3_->objects_[key] = key;
  }
  auto objects = S3Client(options_, credential_).List("s3://bkt/p/", 1);
  ASSERT_TRUE(objects.ok()) << objects.status().ToString();
  std::vector<std::string> locations;
  for (const auto& object : *objects) locations.push_back(object.location);
  EXPECT_EQ(locations,
            (std::vector<std::string>{"s3://bkt/p/a.jsonl", "s3://bkt/p/c.jsonl",
                                      "s3://bkt/p/d&e.jsonl", "s3://bkt/p/sub/b.jsonl"}));
  auto requests = server_->requests();
  ASSERT_EQ(requests.size(), 3u);  // 5 keys under p/, 2 per page
  EXPECT_EQ(ParseQuery(requests[0].query).count("continuation-token"), 0u);
  EXPECT_EQ(ParseQuery(requests[1].query)["continuation-token"], "tok=2");
  EXPECT_EQ(ParseQuery(requests[2].query)["continuation-token"], "tok=4");
  EXPECT_EQ(ParseQuery(requests[0].query)["prefix"], "p/");
  EXPECT_EQ(requests[0].path, "/bkt");
}

TEST_F(S3SourceTest, GlobListsLiteralPrefixAndMatchesStarWithinSegment) {
  Start(false);
  for (const char* key : {"out/part-2.jsonl", "out/part-1.jsonl", "out/part-1.txt",
                          "out/part-x/y.jsonl", "out/other.jsonl"}) {
    s3_->objects_[key] = "x";
  }
  auto objects = S3Client(options_, credential_).List("s3://bkt/out/part-*.jsonl", 0);
  ASSERT_TRUE(objects.ok()) << objects.status().ToString();
  ASSERT_EQ(objects->size(), 2u);
  EXPECT_EQ((*objects)[0].location, "s3://bkt/out/part-1.jsonl");
  EXPECT_EQ((*objects)[1].location, "s3://bkt/out/part-2.jsonl");
  EXPECT_EQ(ParseQuery(server_->requests()[0].query)["prefix"], "out/part-");
}

TEST_F(S3SourceTest, EmptyExpansionIsNotFound) {
  Start(false);
  auto objects = S3Client(options_, credential_).List("s3://bkt/none/", 0);
  EXPECT_EQ(objects.status().code(), util::Code::kNotFound);
}

TEST_F(S3SourceTest, NoSuchKeyNamesBucketKeyAndCodeButNoSecret) {
  Start(true);
  auto objects = S3Client(options_, credential_).List("s3://bkt/missing.jsonl", 0);
  ASSERT_FALSE(objects.ok());
  const util::Status& status = objects.status();
  EXPECT_EQ(status.code(), util::Code::kNotFound);
  EXPECT_NE(status.reason().find("s3://bkt/missing.jsonl"), std::string::npos);
  EXPECT_NE(status.reason().find("NoSuchKey"), std::string::npos);
  const std::string text = status.ToString();
  EXPECT_EQ(text.find(kSecret), std::string::npos);
  EXPECT_EQ(text.find(kToken), std::string::npos);
  bool has_code = false;
  for (const auto& [key, value] : status.metadata()) {
    has_code |= key == "s3_error_code" && value == "NoSuchKey";
    EXPECT_EQ(value.find(kSecret), std::string::npos);
  }
  EXPECT_TRUE(has_code);
  // Opening it directly fails the same way, at Open.
  auto body = ReadObject("s3://bkt/missing.jsonl");
  EXPECT_EQ(body.status().code(), util::Code::kNotFound);
}

TEST_F(S3SourceTest, NoSuchBucketIsNotFoundNamingTheBucket) {
  Start(false);
  auto objects = S3Client(options_, credential_).List("s3://other/x.jsonl", 0);
  EXPECT_EQ(objects.status().code(), util::Code::kNotFound);
  EXPECT_NE(objects.status().reason().find("[other]"), std::string::npos);
  EXPECT_NE(objects.status().reason().find("NoSuchBucket"), std::string::npos);
}

TEST_F(S3SourceTest, WrongSecretIsUnauthorizedWithoutTheSecret) {
  Start(false);
  s3_->objects_["a.jsonl"] = "{}\n";
  credential_.secret_key = util::Secret("wrong-secret-zzz");
  auto objects = S3Client(options_, credential_).List("s3://bkt/a.jsonl", 0);
  EXPECT_EQ(objects.status().code(), util::Code::kUnauthorized);
  EXPECT_NE(objects.status().reason().find("SignatureDoesNotMatch"), std::string::npos);
  EXPECT_EQ(objects.status().ToString().find("wrong-secret-zzz"), std::string::npos);
  s3_->bad_signatures_ = 0;  // expected here
}

TEST_F(S3SourceTest, DroppedConnectionAndSlowDownResumeWithExactBytes) {
  Start(false);
  const std::string data = Lines(20000);
  s3_->objects_["big.jsonl"] = data;
  std::atomic<int> gets{0};
  s3_->hook_ = [&](const FakeRequest& request) -> std::optional<FakeResponse> {
    int n = gets++;
    if (n == 0) {
      FakeResponse response = ServeBytes(request, data);
      response.drop_after = 123457;
      return response;
    }
    if (n == 1) return S3Error(503, "SlowDown", "Please reduce your request rate.");
    return std::nullopt;
  };
  auto body = ReadObject("s3://bkt/big.jsonl");
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_TRUE(*body == data);
  auto requests = server_->requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].Header("range"), "");
  EXPECT_EQ(requests[1].Header("range"), "bytes=123457-");
  EXPECT_EQ(requests[2].Header("range"), "bytes=123457-");
}

TEST_F(S3SourceTest, OpensAtRawOffset) {
  Start(false);
  s3_->objects_["a.jsonl"] = Lines(10);
  auto body = ReadObject("s3://bkt/a.jsonl", 25);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(*body, Lines(10).substr(25));
}

TEST(S3UriTest, ParsesBucketAndKeyAndRejectsInvalidUris) {
  auto uri = ParseS3Uri("s3://my.bucket-1/a/b c.jsonl");
  ASSERT_TRUE(uri.ok());
  EXPECT_EQ(uri->bucket, "my.bucket-1");
  EXPECT_EQ(uri->key, "a/b c.jsonl");
  EXPECT_FALSE(ParseS3Uri("s3:/bkt/a").ok());
  EXPECT_FALSE(ParseS3Uri("https://bkt/a").ok());
  EXPECT_FALSE(ParseS3Uri("s3://bad_bucket/a").ok());
  EXPECT_FALSE(ParseS3Uri("s3:///a").ok());
  auto bucket_only = ParseS3Uri("s3://bkt");
  ASSERT_TRUE(bucket_only.ok());
  EXPECT_EQ(bucket_only->key, "");
  auto long_key = ParseS3Uri("s3://bkt/" + std::string(1 << 20, 'k'));  // no stack blow-up
  ASSERT_TRUE(long_key.ok());
  EXPECT_EQ(long_key->key.size(), 1u << 20);
}

TEST(S3ClientTest, UsesVirtualHostedAwsUrlWithoutEndpoint) {
  Credential credential;
  credential.region = "eu-west-1";
  credential.access_key = "AK";
  credential.secret_key = util::Secret("SK");
  auto request = S3Client(SourcesOptions{}, credential).BuildGet({"bkt", "a b.jsonl"}, "");
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->url, "https://bkt.s3.eu-west-1.amazonaws.com/a%20b.jsonl");
  EXPECT_EQ(request->headers[0],
            (std::pair<std::string, std::string>{"Host", "bkt.s3.eu-west-1.amazonaws.com"}));
}

// A bare TCP listener on 127.0.0.1 that never answers: the kernel completes
// any connection into the backlog, so WasConnected() tells whether anything
// reached the port (TLS or plain), whatever the client did afterwards.
class SilentListener {
 public:
  SilentListener() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(listen(fd_, 16), 0);
    socklen_t len = sizeof(addr);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    fcntl(fd_, F_SETFL, O_NONBLOCK);
  }
  ~SilentListener() { close(fd_); }
  int port() const { return port_; }
  bool WasConnected() {
    int client = accept(fd_, nullptr, nullptr);
    if (client < 0) return false;
    close(client);
    return true;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST(S3ClientTest, ARegionCannotRedirectTheDefaultAwsEndpoint) {
  SilentListener listener;
  SourcesOptions options;  // no --s3-endpoint: BUCKET.s3.REGION.amazonaws.com
  options.max_retries = 0;
  options.connect_timeout_ms = 500;
  for (std::string region : {"x@127.0.0.1:" + std::to_string(listener.port()) + "/?",
                             "x@127.0.0.1:" + std::to_string(listener.port()) + "#",
                             std::string("US-EAST-1"), std::string("a.b")}) {
    Credential credential;
    credential.region = region;
    credential.access_key = "AK";
    credential.secret_key = util::Secret("SK");
    S3Client client(options, credential);
    auto request = client.BuildGet({"bkt", "k"}, "");
    EXPECT_FALSE(request.ok()) << region << " → " << request->url;
    auto listed = client.List("s3://bkt/k", 0);
    ASSERT_FALSE(listed.ok()) << region;
    EXPECT_EQ(listed.status().code(), util::Code::kInvalidArgument) << listed.status().ToString();
    EXPECT_NE(listed.status().reason().find("not a valid AWS region"), std::string::npos)
        << listed.status().ToString();
  }
  EXPECT_FALSE(listener.WasConnected()) << "a request reached 127.0.0.1 through the region";
}

TEST(S3ClientTest, BucketAndKeyCannotLeaveTheEndpointBasePath) {
  SourcesOptions options;
  options.s3_endpoint = "http://127.0.0.1:9/s3-base/";
  S3Client client(options, Credential{});
  for (const S3Uri& uri : std::vector<S3Uri>{{"bkt", "../../admin"},
                                             {"bkt", "a/./b"},
                                             {"bkt", "a/.."},
                                             {"..", "admin"},
                                             {".", "k"},
                                             {"bkt/..", "k"},
                                             {"b", "k"}}) {
    auto request = client.BuildGet(uri, "");
    EXPECT_FALSE(request.ok()) << uri.ToString() << " → " << request->url;
  }
  const std::vector<std::string> bad_uris = {"s3://bkt/../x",   "s3://bkt/a/../../x",
                                             "s3://bkt/.",      "s3://../x",
                                             "s3://ab/k",       "s3://Bkt/k",
                                             "s3://a..b/k",     "s3://bkt-/k",
                                             "s3://10.0.0.1/k", "s3://" + std::string(64, 'a')};
  for (const std::string& bad : bad_uris) {
    EXPECT_FALSE(ParseS3Uri(bad).ok()) << bad;
  }
  // Dots inside a segment are ordinary key characters.
  auto fine = client.BuildGet({"bkt", "a/..b/c../.d"}, "");
  ASSERT_TRUE(fine.ok()) << fine.status().ToString();
  EXPECT_EQ(fine->url, "http://127.0.0.1:9/s3-base/bkt/a/..b/c../.d");
}

TEST(S3ClientTest, EncodesEveryKeySegmentSoNothingReachesTheAuthorityOrQuery) {
  SourcesOptions options;
  options.s3_endpoint = "http://127.0.0.1:9";
  auto request = S3Client(options, Credential{}).BuildGet({"bkt", "a?b#c@d:e%2e%2e/x y"}, "");
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  EXPECT_EQ(request->url, "http://127.0.0.1:9/bkt/a%3Fb%23c%40d%3Ae%252e%252e/x%20y");
}

}  // namespace
}  // namespace sluice::sources
