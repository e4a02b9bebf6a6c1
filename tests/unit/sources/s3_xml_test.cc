#include "sources/s3_xml.h"

#include <gtest/gtest.h>

namespace sluice::sources {
namespace {

TEST(S3XmlTest, ParsesListPageWithEscapedKeysAndContinuationToken) {
  auto page = ParseListObjectsV2(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<Name>b</Name><Prefix>p/</Prefix><KeyCount>2</KeyCount>"
      "<Contents><Key>p/a&amp;b.jsonl</Key><LastModified>2024-01-01T00:00:00.000Z</LastModified>"
      "<ETag>&quot;x&quot;</ETag><Size>12</Size></Contents>"
      "<Contents><Key>p/c.jsonl</Key><Size>0</Size></Contents>"
      "<IsTruncated>true</IsTruncated><NextContinuationToken>1ueGcx+/=</NextContinuationToken>"
      "</ListBucketResult>");
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[0], (std::pair<std::string, uint64_t>{"p/a&b.jsonl", 12}));
  EXPECT_EQ(page->objects[1], (std::pair<std::string, uint64_t>{"p/c.jsonl", 0}));
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_continuation_token, "1ueGcx+/=");
}

TEST(S3XmlTest, LastPageIsNotTruncated) {
  auto page =
      ParseListObjectsV2("<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>");
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->objects.empty());
  EXPECT_FALSE(page->truncated);
}

TEST(S3XmlTest, MalformedListingIsUnavailable) {
  EXPECT_EQ(ParseListObjectsV2("<ListBucketResult><Contents>").status().code(),
            util::Code::kUnavailable);
  EXPECT_EQ(ParseListObjectsV2("<ListBucketResult><Contents><Key>k</Key><Size>x</Size>"
                               "</Contents></ListBucketResult>")
                .status()
                .code(),
            util::Code::kUnavailable);
}

TEST(S3XmlTest, ParsesErrorCodeAndMessage) {
  S3Error error = ParseS3Error(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code>"
      "<Message>The specified key does not exist.</Message><Key>a</Key></Error>");
  EXPECT_EQ(error.code, "NoSuchKey");
  EXPECT_EQ(error.message, "The specified key does not exist.");
}

TEST(S3XmlTest, NonXmlErrorBodyGivesEmptyFields) {
  S3Error error = ParseS3Error("<html>502 Bad Gateway");
  EXPECT_EQ(error.code, "");
  EXPECT_EQ(ParseS3Error("").code, "");
}

TEST(S3XmlTest, DoesNotExpandEntitiesIntoHugeStrings) {
  // A "billion laughs" document must fail or stay small, never blow up.
  std::string xml = "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\">";
  for (int i = 0; i < 9; ++i) {
    std::string prev = i == 0 ? "a" : "e" + std::to_string(i - 1);
    xml += "<!ENTITY e" + std::to_string(i) + " \"";
    for (int j = 0; j < 10; ++j) xml += "&" + prev + ";";
    xml += "\">";
  }
  xml += "]><Error><Code>&e8;</Code></Error>";
  S3Error error = ParseS3Error(xml);
  EXPECT_LT(error.code.size(), 1u << 20);
}

}  // namespace
}  // namespace sluice::sources
