#include "sinks/opensearch/opensearch_sink.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <atomic>
#include <set>

#include "fake_cluster.h"

namespace sluice::sinks::opensearch {
namespace {

using testing::FakeCluster;
using testing::FakeRequest;
using testing::FakeResponse;

constexpr const char* kMapping = R"({"docs":{"mappings":{"properties":{"title":{"type":"text"},)"
                                 R"("emb":{"type":"knn_vector","dimension":3}}}}})";

// The _ids of a _bulk body's action lines, in order.
std::vector<std::string> BulkIds(const std::string& body) {
  std::vector<std::string> ids;
  for (size_t pos = 0; (pos = body.find("{\"index\":{\"_id\":\"", pos)) != std::string::npos;) {
    pos += 17;
    ids.push_back(body.substr(pos, body.find('"', pos) - pos));
  }
  return ids;
}

std::string Items(const std::vector<std::string>& items) {
  std::string out = R"({"took":1,"errors":true,"items":[)";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + items[i];
  return out + "]}";
}

std::string Created(const std::string& id) {
  return R"({"index":{"_id":")" + id + R"(","status":201,"result":"created"}})";
}

// Answers GET /docs with the mapping and everything else with `bulk`.
FakeCluster::Handler Cluster(std::function<FakeResponse(const FakeRequest&)> bulk) {
  return [bulk](const FakeRequest& req) -> FakeResponse {
    if (req.method == "GET" && req.path == "/docs") return {200, kMapping};
    if (req.path.ends_with("/_search")) return {200, R"({"hits":{"hits":[]}})"};
    if (req.path == "/docs/_bulk") return bulk(req);
    return {404, R"({"error":{"type":"index_not_found_exception","reason":"no such index"}})"};
  };
}

// Answers every document of a _bulk request as created.
FakeResponse AllCreated(const FakeRequest& req) {
  std::vector<std::string> items;
  for (const auto& id : BulkIds(req.body)) items.push_back(Created(id));
  return {200, Items(items)};
}

OpenSearchOptions Options(const FakeCluster& cluster) {
  OpenSearchOptions o;
  o.url = cluster.url();
  o.gzip = GzipMode::kNever;
  o.initial_backoff_ms = 1;
  o.max_backoff_ms = 5;
  return o;
}

std::unique_ptr<ingest::DocumentSink> MakeSink(OpenSearchOptions options) {
  auto factory = OpenSearchSinkFactory(std::move(options));
  EXPECT_TRUE(factory.ok()) << factory.status().ToString();
  return (*factory)("docs");
}

std::vector<ingest::SinkDocument> Docs(int n, int dim = 3) {
  std::vector<ingest::SinkDocument> docs;
  for (int i = 0; i < n; ++i) {
    std::string v = "[";
    for (int d = 0; d < dim; ++d) v += (d ? ",0." : "0.") + std::to_string(i % 10);
    docs.push_back({"d" + std::to_string(i),
                    R"({"title":"t)" + std::to_string(i) + R"(","emb":)" + v + "]}", std::nullopt});
  }
  return docs;
}

TEST(OpenSearchSinkTest, DescribeReadsKnnFieldsAndAMissingIndexIsIndexNotFound) {
  FakeCluster cluster(Cluster(AllCreated));
  auto sink = MakeSink(Options(cluster));
  auto schema = sink->Describe();
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  ASSERT_EQ(schema->vector_fields.size(), 1u);
  EXPECT_EQ(schema->vector_fields[0].dimension, 3);

  auto factory = OpenSearchSinkFactory(Options(cluster));
  auto missing = (*factory)("nope")->Describe();
  EXPECT_EQ(missing.status().code(), util::Code::kNotFound);
  EXPECT_EQ(missing.status().ToString(), "index_not_found_exception: no such index [nope]");
}

TEST(OpenSearchSinkTest, RejectedItemsAloneAreResentAndMapperErrorsFailTheirDocument) {
  std::atomic<int> calls{0};
  FakeCluster cluster(Cluster([&](const FakeRequest& req) -> FakeResponse {
    auto ids = BulkIds(req.body);
    std::vector<std::string> items;
    for (const auto& id : ids) {
      if (calls == 0 && id == "d1") {
        items.push_back(
            R"({"index":{"_id":"d1","status":429,"error":{"type":"es_rejected_execution_exception","reason":"queue full"}}})");
      } else if (id == "d2") {
        items.push_back(
            R"({"index":{"_id":"d2","status":400,"error":{"type":"mapper_parsing_exception","reason":"failed to parse field [emb]"}}})");
      } else {
        items.push_back(Created(id));
      }
    }
    ++calls;
    return {200, Items(items)};
  }));
  auto sink = MakeSink(Options(cluster));
  auto results = sink->Write(Docs(4));
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  ASSERT_EQ(results->size(), 4u);
  EXPECT_TRUE((*results)[0].ok());
  EXPECT_TRUE((*results)[1].ok()) << "the rejected document was sent again";
  EXPECT_EQ((*results)[2].ToString(), "mapper_parsing_exception: failed to parse field [emb]");
  EXPECT_TRUE((*results)[3].ok());
  std::vector<std::vector<std::string>> bulks;
  for (const auto& r : cluster.requests()) {
    if (r.path == "/docs/_bulk") bulks.push_back(BulkIds(r.body));
  }
  ASSERT_EQ(bulks.size(), 2u);
  EXPECT_EQ(bulks[1], std::vector<std::string>{"d1"});
  ingest::SinkStats stats = sink->Stats();
  EXPECT_TRUE(stats.remote);
  EXPECT_EQ(stats.items_rejected, 1u);
  EXPECT_EQ(stats.documents_retried, 1u);
  EXPECT_EQ(stats.bulk_requests, 2u);
}

TEST(OpenSearchSinkTest, RequestsAnswered503OrDroppedAreRetriedWhole) {
  std::atomic<int> calls{0};
  FakeCluster cluster(Cluster([&](const FakeRequest& req) -> FakeResponse {
    int n = calls++;
    if (n == 0) return {503, R"({"error":{"type":"unavailable","reason":"busy"}})"};
    if (n == 1) return {0, "", true};
    return AllCreated(req);
  }));
  auto sink = MakeSink(Options(cluster));
  auto results = sink->Write(Docs(5));
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  for (const auto& s : *results) EXPECT_TRUE(s.ok());
  EXPECT_EQ(calls, 3);
  // libcurl itself resends once when a reused connection dies before answering.
  EXPECT_GE(sink->Stats().bulk_requests, 2u);
}

TEST(OpenSearchSinkTest, RejectionsOutlastingTheRetriesFailTheBatch) {
  FakeCluster cluster(Cluster([&](const FakeRequest&) -> FakeResponse {
    return {429, R"({"error":{"type":"es_rejected_execution_exception","reason":"full"}})"};
  }));
  OpenSearchOptions options = Options(cluster);
  options.max_retries = 2;
  auto sink = MakeSink(options);
  auto results = sink->Write(Docs(2));
  ASSERT_FALSE(results.ok());
  EXPECT_EQ(results.status().code(), util::Code::kTooManyRequests);
  EXPECT_NE(results.status().reason().find("refused a _bulk request"), std::string::npos);
}

TEST(OpenSearchSinkTest, FirstRecordsOfAnotherDimensionFailFast) {
  FakeCluster cluster(Cluster(AllCreated));
  auto sink = MakeSink(Options(cluster));
  auto results = sink->Write(Docs(3, 5));
  ASSERT_FALSE(results.ok());
  EXPECT_EQ(results.status().reason(),
            "field [emb] of index [docs] on the cluster is a knn_vector of dimension [3], but the "
            "first records carry vectors of dimension [5]");
  for (const auto& r : cluster.requests()) EXPECT_NE(r.path, "/docs/_bulk");
}

TEST(OpenSearchSinkTest, ABatchIsSplitIntoBoundedBodiesSentOverKeptAliveConnections) {
  FakeCluster cluster(Cluster(AllCreated));
  OpenSearchOptions options = Options(cluster);
  options.bulk_bytes = 1024;
  options.max_in_flight = 3;
  auto sink = MakeSink(options);
  auto docs = Docs(200);
  for (int round = 0; round < 2; ++round) {
    auto results = sink->Write(docs);
    ASSERT_TRUE(results.ok()) << results.status().ToString();
    for (const auto& s : *results) EXPECT_TRUE(s.ok());
  }
  std::multiset<std::string> ids;
  size_t bulks = 0;
  for (const auto& r : cluster.requests()) {
    if (r.path != "/docs/_bulk") continue;
    ++bulks;
    EXPECT_LE(r.body.size(), 1024u + 64);
    EXPECT_EQ(r.headers.at("content-type"), "application/json");
    for (auto& id : BulkIds(r.body)) ids.insert(id);
  }
  EXPECT_GT(bulks, 10u);
  EXPECT_EQ(ids.size(), 400u);
  for (const auto& d : docs) EXPECT_EQ(ids.count(d.id), 2u);
  EXPECT_LE(cluster.connections(), 4) << "connections are reused across requests and writes";
}

std::string Gunzip(const std::string& data) {
  z_stream z{};
  inflateInit2(&z, 15 + 16);
  std::string out(data.size() * 20 + 1024, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  inflate(&z, Z_FINISH);
  out.resize(z.total_out);
  inflateEnd(&z);
  return out;
}

TEST(OpenSearchSinkTest, BasicAuthAndGzipWhenTheClusterAcceptsIt) {
  FakeCluster cluster(Cluster([](const FakeRequest& req) {
    FakeRequest plain = req;
    if (req.headers.count("content-encoding")) plain.body = Gunzip(req.body);
    return AllCreated(plain);
  }));
  OpenSearchOptions options = Options(cluster);
  options.gzip = GzipMode::kAuto;
  options.user = "writer";
  options.password = util::Secret("pw");
  auto sink = MakeSink(options);
  auto results = sink->Write(Docs(3));
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  bool saw_bulk = false;
  for (const auto& r : cluster.requests()) {
    EXPECT_EQ(r.headers.at("authorization"), "Basic d3JpdGVyOnB3");  // writer:pw
    if (r.path == "/docs/_bulk") {
      saw_bulk = true;
      EXPECT_EQ(r.headers.at("content-encoding"), "gzip");
    }
  }
  EXPECT_TRUE(saw_bulk);
}

TEST(OpenSearchSinkTest, AnUnreachableClusterIsUnavailableAfterAFewRetriesAtDescribe) {
  std::string url;
  {
    FakeCluster gone(Cluster(AllCreated));
    url = gone.url();
  }  // closed: connections are refused
  OpenSearchOptions options;
  options.url = url;
  options.initial_backoff_ms = 1;
  options.max_retries = 50;
  auto schema = MakeSink(options)->Describe();
  ASSERT_FALSE(schema.ok());
  EXPECT_EQ(schema.status().code(), util::Code::kUnavailable);
  EXPECT_NE(schema.status().reason().find("after 2 retries"), std::string::npos)
      << schema.status().reason();
}

TEST(OpenSearchSinkTest, SigV4WithoutCredentialsIsAConfigurationError) {
  OpenSearchOptions options;
  options.url = "https://search.example.com";
  options.sigv4_service = "es";
  EXPECT_EQ(OpenSearchSinkFactory(options).status().code(), util::Code::kInvalidArgument);
  options.sigv4_service = "s3";
  options.aws_credentials.access_key = "AKID";
  options.aws_credentials.secret_key = util::Secret("s");
  EXPECT_EQ(OpenSearchSinkFactory(options).status().code(), util::Code::kInvalidArgument);
  options.url = "not a url";
  EXPECT_FALSE(OpenSearchSinkFactory(options).ok());
}

// A task cancel ends the sink's retry back-off at once (it slept up to 10 s
// per retry regardless): the cluster answers 429 and cancels while answering,
// so the wait that follows must end with kCancelled and no second request.
TEST(OpenSearchSinkTest, RetryBackoffEndsWhenTheTaskIsCancelled) {
  util::CancelSignal cancel;
  std::atomic<int> bulks{0};
  FakeCluster cluster(Cluster([&](const FakeRequest&) -> FakeResponse {
    ++bulks;
    cancel.Cancel();
    return {429, R"({"error":{"type":"es_rejected_execution_exception","reason":"full"}})"};
  }));
  OpenSearchOptions options = Options(cluster);
  options.initial_backoff_ms = 600000;  // only a cancel ends this wait
  options.max_backoff_ms = 600000;
  options.max_retries = 5;
  auto sink = MakeSink(options);
  sink->SetCancelSignal(&cancel);
  auto results = sink->Write(Docs(2));
  ASSERT_FALSE(results.ok());
  EXPECT_EQ(results.status().code(), util::Code::kCancelled) << results.status().ToString();
  EXPECT_EQ(bulks, 1);
}

}  // namespace
}  // namespace sluice::sinks::opensearch
