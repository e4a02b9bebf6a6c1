// The checks RegisterAllRoutes puts before every handler (api/request_checks.h),
// the pools it assigns, and the 429 bodies of the transport's refusals.
#include "api/request_checks.h"

#include <gtest/gtest.h>

#include "api/api_fixture.h"
#include "api/rest_response.h"
#include "http/admission.h"

namespace sluice::api {
namespace {

class RequestChecksTest : public ApiTest {};

TEST_F(RequestChecksTest, DuplicateKeyInADocumentIs400AndNothingIsStored) {
  http::Response r = Call("PUT", "/idx/_doc/1", R"({"title":"a","title":"b"})");
  EXPECT_EQ(r.status, 400);
  auto d = Json(r);
  EXPECT_STREQ(d["error"]["type"].GetString(), "json_parse_exception");
  EXPECT_EQ(std::string(d["error"]["reason"].GetString()).substr(0, 23), "Duplicate field 'title'");
  EXPECT_EQ(Call("GET", "/idx/_doc/1").status, 404);
}

TEST_F(RequestChecksTest, InvalidUtf8InABodyIs400) {
  ASSERT_EQ(Call("PUT", "/idx").status, 200);
  http::Response r = Call("PUT", "/idx/_doc/1", "{\"title\":\"caf\xe9\"}");
  EXPECT_EQ(r.status, 400);
  auto d = Json(r);  // the response itself stays valid JSON
  EXPECT_EQ(std::string(d["error"]["reason"].GetString()).substr(0, 30),
            "Invalid UTF-8 middle byte 0x22");
  EXPECT_EQ(Call("GET", "/idx/_doc/1").status, 404);
  EXPECT_EQ(Call("POST", "/idx/_search", "{\"query\":{\"match\":{\"t\":\"\xff\"}}}").status, 400);
}

TEST_F(RequestChecksTest, BulkLinesAreCheckedOneByOne) {
  http::Response dup =
      Bulk("/_bulk", "{\"index\":{\"_index\":\"idx\",\"_id\":\"1\"}}\n{\"a\":1,\"a\":2}\n");
  EXPECT_EQ(dup.status, 400);
  EXPECT_NE(dup.body.find("Duplicate field 'a'"), std::string::npos);
  EXPECT_NE(dup.body.find("line: 2"), std::string::npos);
  http::Response bad_id =
      Bulk("/_bulk", "{\"index\":{\"_index\":\"idx\",\"_id\":\"\xc3\"}}\n{\"a\":1}\n");
  EXPECT_EQ(bad_id.status, 400);
  EXPECT_EQ(Call("GET", "/idx/_doc/1").status, 404);
  // The same key in two lines is not a duplicate.
  EXPECT_EQ(Bulk("/_bulk",
                 "{\"index\":{\"_index\":\"idx\",\"_id\":\"1\"}}\n{\"_id\":1}\n"
                 "{\"index\":{\"_index\":\"idx\",\"_id\":\"2\"}}\n{\"_id\":1}\n")
                .status,
            200);
}

TEST_F(RequestChecksTest, InvalidUtf8InIdsAndIndexNamesIs400) {
  http::Response id = Call("PUT", "/idx/_doc/%FF", R"({"a":1})");
  EXPECT_EQ(id.status, 400);
  EXPECT_NE(id.body.find("path parameter [id] is not valid UTF-8"), std::string::npos);
  EXPECT_EQ(Call("PUT", "/bad%C3").status, 400);
  EXPECT_EQ(Call("GET", "/_cat/indices").status, 200);
  EXPECT_EQ(Call("PUT", "/caf%C3%A9").status, 200);  // valid UTF-8 passes
}

TEST_F(RequestChecksTest, RoutesNameTheirPools) {
  EXPECT_EQ(router_.PoolFor("GET", "/"), http::Pool::kManagement);
  EXPECT_EQ(router_.PoolFor("GET", "/_cluster/health"), http::Pool::kManagement);
  EXPECT_EQ(router_.PoolFor("GET", "/_cat/indices"), http::Pool::kManagement);
  EXPECT_EQ(router_.PoolFor("POST", "/idx/_search"), http::Pool::kSearch);
  EXPECT_EQ(router_.PoolFor("GET", "/_count"), http::Pool::kSearch);
  EXPECT_EQ(router_.PoolFor("GET", "/idx/_doc/1"), http::Pool::kSearch);
  EXPECT_EQ(router_.PoolFor("POST", "/_bulk"), http::Pool::kWrite);
  EXPECT_EQ(router_.PoolFor("PUT", "/idx/_doc/1"), http::Pool::kWrite);
  EXPECT_EQ(router_.PoolFor("POST", "/idx/_refresh"), http::Pool::kWrite);
}

TEST(RefusalBodyTest, CircuitBreakingExceptionHasNumericByteFields) {
  http::Response r = ErrorResponse(http::Request::Make("POST", "/_bulk"),
                                   http::InFlightBreakerTripped(2000, 1000));
  EXPECT_EQ(r.status, 429);
  const std::string fields =
      R"("type":"circuit_breaking_exception","reason":"[in_flight_requests] Data too large, )"
      R"(data for [<http_request>] would be [2000/1.9kb], which is larger than the limit of )"
      R"([1000/1000b]","bytes_wanted":2000,"bytes_limit":1000,"durability":"TRANSIENT")";
  EXPECT_EQ(r.body,
            R"({"error":{"root_cause":[{)" + fields + "}]," + fields + R"(},"status":429})");
}

TEST(RefusalBodyTest, RejectedExecutionIs429) {
  http::Response r = ErrorResponse(http::Request::Make("GET", "/_search"),
                                   http::ExecutionRejected("x", "search", 1, 1, 1, 1, 0));
  EXPECT_EQ(r.status, 429);
  EXPECT_NE(r.body.find(R"("type":"rejected_execution_exception")"), std::string::npos);
}

}  // namespace
}  // namespace sluice::api
