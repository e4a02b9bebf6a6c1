#include "sources/source_catalog.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>

#include "fake_http_server.h"

namespace sluice::sources {
namespace {

namespace fs = std::filesystem;
using testing::FakeHttpServer;
using testing::FakeRequest;
using testing::FakeResponse;
using testing::ServeBytes;

constexpr char kOpenAiKey[] = "sk-test-KEY-never-shown";

std::string Lines(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += "{\"custom_id\":\"request-" + std::to_string(i) + "\"}\n";
  return out;
}

std::string Gzip(const std::string& data) {
  z_stream z{};
  deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, data.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

util::Result<std::string> ReadAll(ByteSource& source) {
  std::string out;
  char buf[333];
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(size_t n, source.Read(buf, sizeof(buf)));
    if (n == 0) return out;
    out.append(buf, n);
  }
}

SourcesOptions FastOptions() {
  SourcesOptions options;
  options.initial_backoff_ms = 1;
  options.max_backoff_ms = 4;
  options.max_retries = 2;
  options.chunk_size = 4096;
  return options;
}

class FileCatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sluice-catalog-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = fs::canonical(tmpl);
    std::ofstream(dir_ / "b.jsonl", std::ios::binary) << Lines(3);
    std::ofstream(dir_ / "a.jsonl", std::ios::binary) << Lines(2);
    std::ofstream(dir_ / "c.jsonl.gz", std::ios::binary) << Gzip(Lines(1000));
    std::ofstream(dir_ / "notes.txt", std::ios::binary) << "x";
    options_ = FastOptions();
    options_.file_roots = {dir_.string()};
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  SourcesOptions options_;
};

TEST_F(FileCatalogTest, ListsOneSlotPerLocationAndExpandsGlobsInNameOrder) {
  SourceCatalog catalog(options_);
  DataSource source{
      "file", {"file://" + (dir_ / "c.jsonl.gz").string(), (dir_ / "*.jsonl").string()}, {}};
  auto slots = catalog.List(source);
  ASSERT_TRUE(slots.ok()) << slots.status().ToString();
  ASSERT_EQ(slots->size(), 2u);
  ASSERT_EQ((*slots)[0].size(), 1u);
  EXPECT_EQ((*slots)[0][0].location, (dir_ / "c.jsonl.gz").string());
  ASSERT_EQ((*slots)[1].size(), 2u);
  EXPECT_EQ((*slots)[1][0].location, (dir_ / "a.jsonl").string());
  EXPECT_EQ((*slots)[1][1].location, (dir_ / "b.jsonl").string());
  EXPECT_EQ((*slots)[1][1].size, Lines(3).size());
  EXPECT_EQ((*slots)[1][1].slot, 1u);
}

TEST_F(FileCatalogTest, OpensCompressedFileDecompressedAndResumesAtDecompressedOffset) {
  SourceCatalog catalog(options_);
  DataSource source{"FILE", {(dir_ / "c.jsonl.gz").string()}, {}};
  auto slots = catalog.List(source);
  ASSERT_TRUE(slots.ok());
  const SourceObject& object = (*slots)[0][0];
  auto whole = catalog.Open(source, object);
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(*ReadAll(**whole), Lines(1000));
  EXPECT_EQ((*whole)->raw_bytes_read(), fs::file_size(dir_ / "c.jsonl.gz"));
  auto resumed = catalog.Open(source, object, 5000);
  ASSERT_TRUE(resumed.ok());
  EXPECT_EQ(*ReadAll(**resumed), Lines(1000).substr(5000));
  auto past_end = catalog.Open(source, object, Lines(1000).size() + 1);
  EXPECT_EQ(past_end.status().code(), util::Code::kInvalidArgument);
}

TEST_F(FileCatalogTest, ResumesPlainFileAtOffset) {
  SourceCatalog catalog(options_);
  DataSource source{"file", {(dir_ / "b.jsonl").string()}, {}};
  auto slots = catalog.List(source);
  ASSERT_TRUE(slots.ok());
  auto resumed = catalog.Open(source, (*slots)[0][0], 10);
  ASSERT_TRUE(resumed.ok());
  EXPECT_EQ(*ReadAll(**resumed), Lines(3).substr(10));
  EXPECT_EQ((*resumed)->raw_bytes_read(), Lines(3).size());
}

TEST_F(FileCatalogTest, ForbidsFilesWithoutRoots) {
  SourceCatalog catalog(FastOptions());
  auto slots = catalog.List(DataSource{"file", {(dir_ / "a.jsonl").string()}, {}});
  EXPECT_EQ(slots.status().code(), util::Code::kForbidden);
}

TEST_F(FileCatalogTest, RejectsUnknownType) {
  SourceCatalog catalog(options_);
  auto slots = catalog.List(DataSource{"azure", {"x"}, {}});
  EXPECT_EQ(slots.status().code(), util::Code::kInvalidArgument);
}

TEST(OpenAiCatalogTest, StreamsFileContentWithBearerKey) {
  const std::string data = Lines(2000);
  FakeHttpServer server([&](const FakeRequest& request) {
    if (request.Header("authorization") != std::string("Bearer ") + kOpenAiKey) {
      return FakeResponse{401, {}, "{\"error\":{\"message\":\"Incorrect API key\"}}", {}};
    }
    if (request.path != "/v1/files/file-abc123/content") return FakeResponse{404, {}, "{}", {}};
    return ServeBytes(request, data);
  });
  SourcesOptions options = FastOptions();
  options.openai_base_url = server.base_url() + "/v1/";
  SourceCatalog catalog(options);
  DataSource source{"openAI", {"file-abc123"}, {}};
  source.credential.openai_key = util::Secret(kOpenAiKey);
  auto slots = catalog.List(source);
  ASSERT_TRUE(slots.ok()) << slots.status().ToString();
  EXPECT_EQ((*slots)[0][0].location, "openai://file-abc123");
  auto stream = catalog.Open(source, (*slots)[0][0]);
  ASSERT_TRUE(stream.ok()) << stream.status().ToString();
  EXPECT_EQ(*ReadAll(**stream), data);
}

TEST(OpenAiCatalogTest, ListTakesTheFileSizeFromItsMetadataForProgress) {
  const std::string data = Lines(50);
  FakeHttpServer server([&](const FakeRequest& request) {
    if (request.Header("authorization") != "Bearer k") return FakeResponse{401, {}, "", {}};
    if (request.path == "/v1/files/file-sized") {
      return FakeResponse{200, {{"Content-Type", "application/json"}},
                          "{\"id\":\"file-sized\",\"object\":\"file\",\"bytes\":" +
                              std::to_string(data.size()) + ",\"purpose\":\"batch_output\"}",
                          {}};
    }
    if (request.path == "/v1/files/file-sized/content") return ServeBytes(request, data);
    return FakeResponse{404, {}, "{}", {}};
  });
  SourcesOptions options = FastOptions();
  options.openai_base_url = server.base_url() + "/v1";
  SourceCatalog catalog(options);
  DataSource source{"openAI", {"file-sized", "file-nometa"}, {}};
  source.credential.openai_key = util::Secret("k");
  auto slots = catalog.List(source);
  ASSERT_TRUE(slots.ok()) << slots.status().ToString();
  EXPECT_EQ((*slots)[0][0].size, data.size());
  // No metadata (404): the size is unknown and the content request reports the error.
  EXPECT_EQ((*slots)[1][0].size, std::nullopt);
  EXPECT_EQ(catalog.Open(source, (*slots)[1][0]).status().code(), util::Code::kNotFound);
}

TEST(OpenAiCatalogTest, RejectedKeyIsUnauthorizedAndMissingFileNamesTheId) {
  FakeHttpServer server([](const FakeRequest& request) {
    if (request.Header("authorization") != "Bearer good") return FakeResponse{401, {}, "", {}};
    return FakeResponse{404, {}, "", {}};
  });
  SourcesOptions options = FastOptions();
  options.openai_base_url = server.base_url() + "/v1";
  SourceCatalog catalog(options);
  DataSource source{"openai", {"file-x"}, {}};
  source.credential.openai_key = util::Secret("bad-key-zzz");
  auto denied = catalog.Open(source, SourceObject{"openai://file-x", std::nullopt, 0});
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.status().code(), util::Code::kUnauthorized);
  EXPECT_NE(denied.status().reason().find("OpenAI rejected the API key"), std::string::npos);
  EXPECT_EQ(denied.status().ToString().find("bad-key-zzz"), std::string::npos);
  source.credential.openai_key = util::Secret("good");
  auto missing = catalog.Open(source, SourceObject{"openai://file-x", std::nullopt, 0});
  EXPECT_EQ(missing.status().code(), util::Code::kNotFound);
  EXPECT_NE(missing.status().reason().find("file-x"), std::string::npos);
}

TEST(OpenAiCatalogTest, RateLimitIsRetriedThenUnavailable) {
  std::atomic<int> calls{0};
  FakeHttpServer server([&](const FakeRequest&) {
    ++calls;
    return FakeResponse{429, {}, "", {}};
  });
  SourcesOptions options = FastOptions();
  options.openai_base_url = server.base_url();
  SourceCatalog catalog(options);
  DataSource source{"openAI", {"file-x"}, {}};
  source.credential.openai_key = util::Secret("k");
  auto stream = catalog.Open(source, SourceObject{"openai://file-x", std::nullopt, 0});
  EXPECT_EQ(stream.status().code(), util::Code::kUnavailable);
  EXPECT_EQ(calls, 3);  // first try + max_retries
}

TEST(OpenAiCatalogTest, ListRequiresKeyAndValidFileIds) {
  SourceCatalog catalog(FastOptions());
  EXPECT_EQ(catalog.List(DataSource{"openAI", {"file-x"}, {}}).status().code(),
            util::Code::kUnauthorized);
  DataSource source{"openAI", {"../etc/passwd"}, {}};
  source.credential.openai_key = util::Secret("k");
  EXPECT_EQ(catalog.List(source).status().code(), util::Code::kInvalidArgument);
}

TEST(HttpCatalogTest, RefusesHostsOutsideTheAllowlistByDefault) {
  SourceCatalog catalog(FastOptions());
  auto slots = catalog.List(DataSource{"http", {"http://127.0.0.1:9/x.jsonl?sig=SECRET"}, {}});
  ASSERT_FALSE(slots.ok());
  EXPECT_EQ(slots.status().code(), util::Code::kForbidden);
  EXPECT_NE(slots.status().reason().find("--allow-source-host"), std::string::npos);
  EXPECT_EQ(slots.status().reason().find("SECRET"), std::string::npos);
}

TEST(HttpCatalogTest, StreamsAllowedUrlAndShowsItWithoutQuery) {
  const std::string data = Lines(500);
  FakeHttpServer server([&](const FakeRequest& request) { return ServeBytes(request, data); });
  SourcesOptions options = FastOptions();
  options.allowed_http_hosts = {"127.0.0.1:" + std::to_string(server.port())};
  SourceCatalog catalog(options);
  DataSource source{"http", {server.base_url() + "/out.jsonl?X-Amz-Signature=abc"}, {}};
  auto slots = catalog.List(source);
  ASSERT_TRUE(slots.ok()) << slots.status().ToString();
  EXPECT_EQ((*slots)[0][0].location, server.base_url() + "/out.jsonl");
  auto stream = catalog.Open(source, (*slots)[0][0]);
  ASSERT_TRUE(stream.ok()) << stream.status().ToString();
  EXPECT_EQ(*ReadAll(**stream), data);
  EXPECT_EQ(server.requests()[0].query, "X-Amz-Signature=abc");
}

TEST(HttpCatalogTest, ListProbesTheObjectSizeWithAOneByteRange) {
  const std::string data = Lines(80);
  FakeHttpServer server([&](const FakeRequest& request) {
    if (request.path == "/norange") return FakeResponse{200, {}, data, {}};  // ignores Range
    if (request.path == "/gone") return FakeResponse{404, {}, "", {}};
    return ServeBytes(request, data);
  });
  SourcesOptions options = FastOptions();
  options.allowed_http_hosts = {"127.0.0.1"};
  SourceCatalog catalog(options);
  DataSource source{"http",
                    {server.base_url() + "/ranged", server.base_url() + "/norange",
                     server.base_url() + "/gone"},
                    {}};
  auto slots = catalog.List(source);
  ASSERT_TRUE(slots.ok()) << slots.status().ToString();
  EXPECT_EQ((*slots)[0][0].size, data.size());
  EXPECT_EQ((*slots)[1][0].size, data.size());
  EXPECT_EQ((*slots)[2][0].size, std::nullopt);
  EXPECT_EQ(server.requests()[0].Header("range"), "bytes=0-0");
}

TEST(HttpCatalogTest, FollowsRedirectToAllowedHostOnly) {
  const std::string data = Lines(10);
  FakeHttpServer target([&](const FakeRequest& request) { return ServeBytes(request, data); });
  FakeHttpServer origin([&](const FakeRequest& request) {
    if (request.path == "/ok")
      return FakeResponse{302, {{"Location", target.base_url() + "/d"}}, "", {}};
    return FakeResponse{302, {{"Location", "http://localhost:1/evil"}}, "", {}};
  });
  SourcesOptions options = FastOptions();
  options.allowed_http_hosts = {"127.0.0.1"};  // any port on 127.0.0.1, not "localhost"
  SourceCatalog catalog(options);
  DataSource source{"http", {origin.base_url() + "/ok", origin.base_url() + "/bad"}, {}};
  auto slots = catalog.List(source);
  ASSERT_TRUE(slots.ok()) << slots.status().ToString();
  auto good = catalog.Open(source, (*slots)[0][0]);
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  EXPECT_EQ(*ReadAll(**good), data);
  auto bad = catalog.Open(source, (*slots)[1][0]);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), util::Code::kForbidden);
  EXPECT_NE(bad.status().reason().find("localhost"), std::string::npos);
}

TEST(HttpCatalogTest, StopsAfterTooManyRedirects) {
  FakeHttpServer loop([](const FakeRequest&) {
    return FakeResponse{302, {{"Location", "/again"}}, "", {}};
  });
  SourcesOptions options = FastOptions();
  options.allowed_http_hosts = {"127.0.0.1"};
  SourceCatalog catalog(options);
  DataSource source{"http", {loop.base_url() + "/start"}, {}};
  auto stream = catalog.Open(source, SourceObject{loop.base_url() + "/start", std::nullopt, 0});
  ASSERT_FALSE(stream.ok());
  EXPECT_NE(stream.status().reason().find("redirects"), std::string::npos);
  EXPECT_EQ(loop.requests().size(), 6u);  // the first request + 5 allowed hops
}

}  // namespace
}  // namespace sluice::sources
