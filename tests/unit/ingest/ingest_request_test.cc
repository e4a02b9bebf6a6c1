#include "ingest/ingest_request.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice::ingest {
namespace {

constexpr char kSeedSingle[] = R"({
  "index_name": "my-nlp-index",
  "field_map": {"chapter": "$.content[0]", "title": "$.content[1]",
                "chapter_embedding": "$.SageMakerOutput[0]",
                "title_embedding": "$.SageMakerOutput[1]", "_id": "$.id"},
  "ingest_fields": ["$.id"],
  "credential": {"region": "us-east-1", "access_key": "AKID", "secret_key": "SECRETKEY",
                 "session_token": "TOKEN"},
  "data_source": {"type": "s3", "source": ["s3://offlinebatch/output/sagemaker_batch.json.out"]}
})";

constexpr char kSeedThree[] = R"({
  "index_name": "my-nlp-index-openai",
  "field_map": {"question": "source[1].$.body.input[0]", "answer": "source[1].$.body.input[1]",
                "question_embedding": "source[0].$.response.body.data[0].embedding",
                "answer_embedding": "source[0].$.response.body.data[1].embedding",
                "_id": ["source[0].$.custom_id", "source[1].$.custom_id"]},
  "ingest_fields": ["source[2].$.custom_field1", "source[2].$.custom_field2"],
  "credential": {"openAI_key": "sk-KEY"},
  "data_source": {"type": "openAI", "source": ["file-out", "file-in", "file-other"]}
})";

std::string Reason(std::string_view body) {
  auto r = ParseIngestRequest(body);
  EXPECT_FALSE(r.ok()) << body;
  return r.ok() ? "" : r.status().reason();
}

std::string FileBody(const std::string& field_map, const std::string& extra = "") {
  return R"({"index_name":"i","field_map":)" + field_map + extra +
         R"(,"data_source":{"type":"file","source":["/a"]}})";
}

TEST(IngestRequestTest, ParsesTheSeedSingleFileExample) {
  auto r = ParseIngestRequest(kSeedSingle);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->index_name, "my-nlp-index");
  EXPECT_EQ(r->data_source.type, "s3");
  EXPECT_EQ(r->source_count(), 1u);
  EXPECT_TRUE(r->has_id);
  ASSERT_TRUE(r->id_paths[0].has_value());
  EXPECT_EQ(r->id_paths[0]->text, "$.id");
  std::vector<std::string> names;
  for (const auto& f : r->fields) names.push_back(f.name);
  EXPECT_EQ(names, (std::vector<std::string>{"chapter", "title", "chapter_embedding",
                                             "title_embedding", "id"}));
  EXPECT_EQ(r->data_source.credential.access_key, "AKID");
  EXPECT_EQ(r->data_source.credential.region, "us-east-1");
}

TEST(IngestRequestTest, ParsesTheSeedThreeFileExampleWithSource2JoinedByPosition) {
  auto r = ParseIngestRequest(kSeedThree);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->data_source.type, "openai");
  ASSERT_EQ(r->id_paths.size(), 3u);
  EXPECT_TRUE(r->id_paths[0].has_value());
  EXPECT_TRUE(r->id_paths[1].has_value());
  EXPECT_FALSE(r->id_paths[2].has_value());
  // source[2] pairs with source[1] (the input file, in request order), the
  // closest preceding source with an _id path; its custom_id, when present, is checked.
  ASSERT_EQ(r->position_anchor.size(), 3u);
  EXPECT_FALSE(r->position_anchor[0].has_value());
  EXPECT_FALSE(r->position_anchor[1].has_value());
  EXPECT_EQ(r->position_anchor[2], std::optional<size_t>(1));
  EXPECT_EQ(r->position_check[2], "custom_id");
  const MappedField& q = r->fields[0];
  EXPECT_EQ(q.name, "question");
  ASSERT_EQ(q.paths.size(), 1u);
  EXPECT_EQ(q.paths[0].source, 1u);
  EXPECT_EQ(r->fields.back().name, "custom_field2");
  EXPECT_EQ(r->fields.back().paths[0].source, 2u);
}

TEST(IngestRequestTest, ThePersistedRequestHasNoCredential) {
  for (const char* body : {kSeedSingle, kSeedThree}) {
    auto r = ParseIngestRequest(body);
    ASSERT_TRUE(r.ok());
    for (const char* secret : {"SECRETKEY", "TOKEN", "sk-KEY", "AKID", "credential"}) {
      EXPECT_EQ(r->persisted_json.find(secret), std::string::npos) << secret;
    }
    EXPECT_NE(r->persisted_json.find("field_map"), std::string::npos);
    EXPECT_TRUE(r->credential_given) << "the service seals it with the task, or keeps it in memory";
  }
}

TEST(IngestRequestTest, HttpUrlsArePersistedWithoutUserInfoOrQuery) {
  auto r = ParseIngestRequest(
      R"({"index_name":"i","field_map":{"v":"$.v"},"data_source":{"type":"http",
          "source":["https://u:pw@h.example/p/f.jsonl?sig=SIG#frag"]}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->persisted_json.find("pw"), std::string::npos);
  EXPECT_EQ(r->persisted_json.find("SIG"), std::string::npos);
  EXPECT_NE(r->persisted_json.find("https://h.example/p/f.jsonl"), std::string::npos);
  EXPECT_FALSE(r->resumable);
  EXPECT_EQ(r->data_source.locations[0], "https://u:pw@h.example/p/f.jsonl?sig=SIG#frag")
      << "the job itself still needs the full URL";
}

TEST(IngestRequestTest, LocalFileRequestsAreResumable) {
  auto r = ParseIngestRequest(FileBody(R"({"v":"$.v"})"));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->resumable);
}

TEST(IngestRequestTest, BodyShapeErrors) {
  EXPECT_NE(Reason("").find("empty body"), std::string::npos);
  auto not_object = ParseIngestRequest("[1]");
  ASSERT_FALSE(not_object.ok());
  EXPECT_EQ(not_object.status().type(), "parsing_exception");
  EXPECT_NE(Reason(R"({"index_name":"i","x":1})").find("[x]"), std::string::npos);
  EXPECT_NE(Reason(R"({"field_map":{}})").find("index name"), std::string::npos);
  EXPECT_NE(Reason(R"({"index_name":"i","field_map":{"v":"$.v"}})").find("No data sources"),
            std::string::npos);
}

TEST(IngestRequestTest, FieldMapErrorsNameTheField) {
  EXPECT_NE(Reason(FileBody("3")).find("[field_map]"), std::string::npos);
  EXPECT_NE(Reason(FileBody(R"({"t":7})")).find("[field_map.t]"), std::string::npos);
  EXPECT_NE(Reason(FileBody(R"({"t":[]})")).find("[field_map.t]"), std::string::npos);
  EXPECT_NE(Reason(FileBody(R"({"t":["$.a",1]})")).find("[field_map.t]"), std::string::npos);
  std::string bad_path = Reason(FileBody(R"({"t":"$.a["})"));
  EXPECT_NE(bad_path.find("[field_map.t]"), std::string::npos);
  EXPECT_NE(bad_path.find("invalid JSONPath"), std::string::npos);
  EXPECT_NE(Reason(FileBody(R"({"t":"source[1].$.a"})")).find("source[1]"), std::string::npos);
  EXPECT_NE(Reason(FileBody(R"({"t":"source[].$.a"})")).find("[field_map.t]"), std::string::npos);
  EXPECT_NE(Reason(FileBody(R"({"_id":"$.a[*]"})")).find("[field_map._id]"), std::string::npos);
  EXPECT_NE(Reason(FileBody("{}")).find("maps no field"), std::string::npos);
  EXPECT_NE(Reason(FileBody(R"({"v":"$.v"})", R"(,"ingest_fields":["$.["])")).find("ingest_fields"),
            std::string::npos);
}

TEST(IngestRequestTest, APositionalSourcePairsWithTheClosestPrecedingSourceWithAnId) {
  auto r = ParseIngestRequest(
      R"({"index_name":"i","field_map":{"_id":["source[0].$.a.key","source[2].$['k']"],)"
      R"("v":"source[1].$.v","w":"source[3].$.w"},)"
      R"("data_source":{"type":"file","source":["/a","/b","/c","/d"]}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->position_anchor[1], std::optional<size_t>(0));
  EXPECT_EQ(r->position_check[1], "key");
  EXPECT_EQ(r->position_anchor[3], std::optional<size_t>(2));
}

TEST(IngestRequestTest, SeveralSourcesNeedPrefixesAndASource0IdPath) {
  auto three = [](const std::string& fm) {
    return R"({"index_name":"i","field_map":)" + fm +
           R"(,"data_source":{"type":"file","source":["/a","/b","/c"]}})";
  };
  EXPECT_NE(Reason(three(R"({"_id":"source[0].$.id","v":"$.v"})")).find("source[N]."),
            std::string::npos);
  EXPECT_NE(Reason(three(R"({"v":"source[0].$.v"})")).find("[field_map._id]"), std::string::npos);
  EXPECT_NE(Reason(three(R"({"_id":"source[1].$.id","v":"source[0].$.v"})"))
                .find("no path for source[0] and no earlier source has one"),
            std::string::npos);
  EXPECT_NE(Reason(three(R"({"_id":["source[0].$.a","source[0].$.b"],"v":"source[0].$.v"})"))
                .find("two paths"),
            std::string::npos);
  EXPECT_NE(Reason(three(R"({"_id":"source[0].$.id","v":"source[3].$.v"})")).find("3 entries"),
            std::string::npos);
}

TEST(IngestRequestTest, CredentialRules) {
  auto body = [](const std::string& type, const std::string& cred) {
    return R"({"index_name":"i","field_map":{"v":"$.v"},"credential":)" + cred +
           R"(,"data_source":{"type":")" + type + R"(","source":["s3://bkt/k"]}})";
  };
  EXPECT_TRUE(ParseIngestRequest(body("s3", "{}")).ok()) << "no keys: the AWS credential chain";
  EXPECT_NE(Reason(body("s3", R"({"secret_key":"s"})")).find("access_key and secret_key"),
            std::string::npos);
  EXPECT_NE(Reason(body("s3", R"({"access_key":"a"})")).find("[credential]"), std::string::npos);
  EXPECT_NE(Reason(body("openAI", R"({"openai_key":"k"})")).find("[credential]"),
            std::string::npos);
  EXPECT_NE(Reason(body("OPENAI", "{}")).find("openAI_key"), std::string::npos);
  EXPECT_NE(
      Reason(body("s3", R"({"access_key":"a","secret_key":1})")).find("[credential.secret_key]"),
      std::string::npos);
  EXPECT_TRUE(ParseIngestRequest(body("S3", R"({"access_key":"a","secret_key":"s"})")).ok());
}

TEST(IngestRequestTest, DataSourceRules) {
  auto body = [](const std::string& ds) {
    return R"({"index_name":"i","field_map":{"v":"$.v"},"data_source":)" + ds + "}";
  };
  EXPECT_NE(Reason(body(R"({"source":["/a"]})")).find("[data_source.type]"), std::string::npos);
  EXPECT_NE(Reason(body(R"({"type":"gcs","source":["/a"]})")).find("gcs"), std::string::npos);
  EXPECT_NE(Reason(body(R"({"type":"file","source":[]})")).find("[data_source.source]"),
            std::string::npos);
  EXPECT_NE(Reason(body(R"({"type":"file","source":[""]})")).find("[data_source.source]"),
            std::string::npos);
  EXPECT_NE(Reason(body(R"({"type":"http","source":["ftp://h/x"]})")).find("http(s)"),
            std::string::npos);
}

TEST(IngestRequestTest, AnIngestFieldReplacesAFieldMapEntryOfTheSameName) {
  auto r = ParseIngestRequest(
      FileBody(R"({"id":"$.other","v":"$.v"})", R"(,"ingest_fields":["$.x.id"])"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  int ids = 0;
  for (const auto& f : r->fields) {
    if (f.name == "id") {
      ++ids;
      EXPECT_EQ(f.paths[0].text, "$.x.id");
    }
  }
  EXPECT_EQ(ids, 1);
}

TEST(IngestRequestTest, IngestFieldNameIsTheTextAfterTheLastDot) {
  EXPECT_EQ(IngestFieldName("$.id"), "id");
  EXPECT_EQ(IngestFieldName("$.body.input"), "input");
  EXPECT_EQ(IngestFieldName("$.content[0]"), "content[0]");
  EXPECT_EQ(IngestFieldName("$['x']"), "$['x']");
}

TEST(IngestRequestTest, RedactLocationDropsUserInfoQueryAndFragment) {
  EXPECT_EQ(RedactLocation("https://u:p@h/x?sig=1#f"), "https://h/x");
  EXPECT_EQ(RedactLocation("http://h:8080/a@b"), "http://h:8080/a@b");
  EXPECT_EQ(RedactLocation("s3://bucket/key.jsonl"), "s3://bucket/key.jsonl");
  EXPECT_EQ(RedactLocation("/data/import/f.jsonl"), "/data/import/f.jsonl");
}

TEST(IngestRequestTest, RedactLocationKeepsFileNamesAndS3KeysAsGiven) {
  EXPECT_EQ(RedactLocation("/data/import/run#2?.jsonl"), "/data/import/run#2?.jsonl");
  EXPECT_EQ(RedactLocation("s3://bkt/out/a#b?c.jsonl"), "s3://bkt/out/a#b?c.jsonl");
  EXPECT_EQ(RedactLocation("file:///data/run#2.jsonl"), "file:///data/run#2.jsonl");
  EXPECT_EQ(RedactLocation("HTTPS://u:p@h/x?sig=1"), "HTTPS://h/x");
  EXPECT_EQ(RedactLocation("ftp://u:p@h/x?sig=1"), "ftp://h/x");
}

TEST(IngestRequestTest, PersistsAFileNameWithAHashWhole) {
  auto r = ParseIngestRequest(R"({"index_name":"i","field_map":{"v":"$.v"},)"
                              R"("data_source":{"type":"file","source":["/data/run#2.jsonl"]}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NE(r->persisted_json.find("/data/run#2.jsonl"), std::string::npos) << r->persisted_json;
  EXPECT_TRUE(r->resumable);
  // What recovery re-parses reads the same file.
  auto again = ParseIngestRequest(r->persisted_json);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->data_source.locations, r->data_source.locations);
}

TEST(IngestRequestTest, RefusesADuplicateCredentialKey) {
  // RapidJSON keeps both members: the second one used to be persisted in plain text.
  auto r = ParseIngestRequest(R"({"index_name":"i","field_map":{"v":"$.v"},)"
                              R"("credential":{"access_key":"AK","secret_key":"first"},)"
                              R"("credential":{"access_key":"AK","secret_key":"PLAINTEXT-SECRET"},)"
                              R"("data_source":{"type":"s3","source":["s3://bkt/k"]}})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().type(), "json_parse_exception");
  EXPECT_EQ(r.status().reason(), "Duplicate field 'credential'");
  EXPECT_EQ(r.status().code(), util::Code::kInvalidArgument);
}

TEST(IngestRequestTest, RefusesDuplicateKeysAtAnyDepth) {
  EXPECT_EQ(Reason(FileBody(R"({"v":"$.v","v":"$.w"})")), "Duplicate field 'v'");
  EXPECT_EQ(Reason(R"({"index_name":"i","index_name":"j","field_map":{"v":"$.v"},)"
                   R"("data_source":{"type":"file","source":["/a"]}})"),
            "Duplicate field 'index_name'");
  EXPECT_EQ(Reason(R"({"index_name":"i","field_map":{"v":"$.v"},)"
                   R"("data_source":{"type":"file","type":"s3","source":["/a"]}})"),
            "Duplicate field 'type'");
  EXPECT_EQ(
      Reason(R"({"index_name":"i","field_map":{"v":"$.v"},"credential":)"
             R"({"region":"us-east-1","region":"eu-west-1","access_key":"a","secret_key":"s"},)"
             R"("data_source":{"type":"s3","source":["s3://bkt/k"]}})"),
      "Duplicate field 'region'");
}

TEST(IngestRequestTest, RefusesARegionThatIsNotAnAwsRegionName) {
  auto body = [](const std::string& region) {
    return R"({"index_name":"i","field_map":{"v":"$.v"},"credential":{"region":")" + region +
           R"(","access_key":"a","secret_key":"s"},"data_source":{"type":"s3","source":["s3://bkt/k"]}})";
  };
  // The SSRF probe: the region is part of the default AWS host name.
  EXPECT_NE(Reason(body("x@127.0.0.2:19403/?")).find("[credential.region]"), std::string::npos);
  for (const char* bad : {"US-EAST-1", "us east 1", "a.b", "a/b", "a#b", "a:1", "%41"}) {
    EXPECT_NE(Reason(body(bad)).find("^[a-z0-9-]+$"), std::string::npos) << bad;
  }
  EXPECT_TRUE(ParseIngestRequest(body("eu-central-2")).ok());
}

TEST(IngestRequestTest, RefusesS3LocationsThatBreakBucketRulesOrHaveDotSegments) {
  auto body = [](const std::string& location) {
    return R"({"index_name":"i","field_map":{"v":"$.v"},"credential":{"access_key":"a",)"
           R"("secret_key":"s"},"data_source":{"type":"s3","source":[")" +
           location + R"("]}})";
  };
  for (const char* bad :
       {"s3://../k", "s3://b/k", "s3://Upper/k", "s3://a..b/k", "s3://-ab/k", "s3://192.168.1.1/k",
        "s3://bkt/../other/k", "s3://bkt/a/./b", "s3://bkt/a/.."}) {
    std::string reason = Reason(body(bad));
    EXPECT_NE(reason.find("[data_source.source]"), std::string::npos) << bad << ": " << reason;
  }
  EXPECT_TRUE(ParseIngestRequest(body("s3://my.bucket-1/a/..b/c.d/k")).ok());
}

TEST(IngestRequestTest, WaitForSourceIsATimeValue) {
  const std::string base =
      R"({"index_name":"i","field_map":{"v":"$.v"},"data_source":{"type":"file","source":["/f"]})";
  auto none = ParseIngestRequest(base + "}");
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_EQ(none->wait_for_source_ms, 0);
  auto thirty = ParseIngestRequest(base + R"(,"wait_for_source":"30m"})");
  ASSERT_TRUE(thirty.ok()) << thirty.status().ToString();
  EXPECT_EQ(thirty->wait_for_source_ms, 30 * 60 * 1000);
  for (const char* bad : {R"(,"wait_for_source":30})", R"(,"wait_for_source":"later"})"}) {
    auto r = ParseIngestRequest(base + bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), util::Code::kInvalidArgument);
    EXPECT_NE(r.status().reason().find("[wait_for_source]"), std::string::npos)
        << r.status().reason();
  }
}

}  // namespace
}  // namespace sluice::ingest
