#include "http/admission.h"

#include <gtest/gtest.h>

namespace sluice::http {
namespace {

TEST(FormatByteSizeTest, RendersLikeOpenSearchByteSizeValue) {
  EXPECT_EQ(FormatByteSize(0), "0b");
  EXPECT_EQ(FormatByteSize(1000), "1000b");
  EXPECT_EQ(FormatByteSize(1024), "1kb");
  EXPECT_EQ(FormatByteSize(12000), "11.7kb");
  EXPECT_EQ(FormatByteSize(1048576), "1mb");
  EXPECT_EQ(FormatByteSize(94371840), "90mb");
  EXPECT_EQ(FormatByteSize(566122900), "539.8mb");
  EXPECT_EQ(FormatByteSize(20293537836ull), "18.8gb");
}

TEST(InFlightBytesTest, ReservesWithinTheLimitAndReleasesOnReset) {
  InFlightBytes budget(100);
  InFlightBytes::Reservation a, b;
  EXPECT_TRUE(budget.Reserve(a, 60).ok());
  EXPECT_EQ(budget.used(), 60u);
  util::Status refused = budget.Reserve(b, 41);
  EXPECT_EQ(refused.code(), util::Code::kTooManyRequests);
  EXPECT_EQ(refused.type(), "circuit_breaking_exception");
  EXPECT_EQ(refused.reason(),
            "[in_flight_requests] Data too large, data for [<http_request>] would be "
            "[101/101b], which is larger than the limit of [100/100b]");
  EXPECT_EQ(refused.metadata(),
            (util::Status::Metadata{
                {"bytes_wanted", "101"}, {"bytes_limit", "100"}, {"durability", "TRANSIENT"}}));
  EXPECT_EQ(b.bytes(), 0u);
  EXPECT_TRUE(budget.Reserve(b, 40).ok());
  EXPECT_EQ(budget.available(), 0u);
  a.Reset();
  EXPECT_EQ(budget.used(), 40u);
  {
    InFlightBytes::Reservation moved = std::move(b);
    EXPECT_EQ(budget.used(), 40u);
  }
  EXPECT_EQ(budget.used(), 0u);
}

TEST(InFlightBytesTest, ZeroLimitIsUnlimited) {
  InFlightBytes budget(0);
  InFlightBytes::Reservation r;
  EXPECT_TRUE(budget.Reserve(r, uint64_t{1} << 40).ok());
}

TEST(ExecutionRejectedTest, NamesThePoolAndItsState) {
  util::Status s = ExecutionRejected("http request [GET /]", "search", 1000, 4, 4, 1000, 17);
  EXPECT_EQ(s.code(), util::Code::kTooManyRequests);
  EXPECT_EQ(s.type(), "rejected_execution_exception");
  EXPECT_EQ(s.reason(),
            "rejected execution of http request [GET /] on OpenSearchThreadPoolExecutor[name = "
            "sluice/search, queue capacity = 1000, [Running, pool size = 4, active threads = 4, "
            "queued tasks = 1000, completed tasks = 17]]");
}

}  // namespace
}  // namespace sluice::http
