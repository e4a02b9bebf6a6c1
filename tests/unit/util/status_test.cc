#include "util/status.h"

#include <gtest/gtest.h>

#include "util/result.h"

namespace sluice::util {
namespace {

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, CarriesTypeReasonMetadataAndCause) {
  Status s = NotFound("index_not_found_exception", "no such index [foo]")
                 .WithMetadata("index", "foo")
                 .WithCause(InvalidArgument("inner"));
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Code::kNotFound);
  EXPECT_EQ(s.type(), "index_not_found_exception");
  ASSERT_EQ(s.metadata().size(), 1u);
  EXPECT_EQ(s.metadata()[0].second, "foo");
  ASSERT_NE(s.cause(), nullptr);
  EXPECT_EQ(s.cause()->type(), "illegal_argument_exception");
  EXPECT_EQ(s.ToString(),
            "index_not_found_exception: no such index [foo] (caused by "
            "illegal_argument_exception: inner)");
}

Result<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgument("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  SLUICE_ASSIGN_OR_RETURN(int h, Half(x));
  return Half(h);
}

TEST(ResultTest, PropagatesErrorsAndValues) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), "odd");
}

}  // namespace
}  // namespace sluice::util
