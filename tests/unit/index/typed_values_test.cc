#include "index/typed_values.h"

#include <gtest/gtest.h>

namespace sluice::index {
namespace {

TEST(TypedValuesTest, UnsignedLongKeepsTheFull64BitRange) {
  EXPECT_EQ(*ParseUnsignedLong("18446744073709551615", true), UINT64_MAX);
  EXPECT_EQ(*ParseUnsignedLong("0", true), 0u);
  EXPECT_EQ(*ParseUnsignedLong(" 42 ", true), 42u);
}

TEST(TypedValuesTest, UnsignedLongTruncatesDecimalsWhenCoerced) {
  EXPECT_EQ(*ParseUnsignedLong("10223372036854775807.23", true), 10223372036854775807ull);
  auto refused = ParseUnsignedLong("1.5", false);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().reason(), "Value [1.5] has a decimal part");
  EXPECT_EQ(*ParseUnsignedLong("1.0", false), 1u);
  EXPECT_EQ(*ParseUnsignedLong("1e3", true), 1000u);
}

TEST(TypedValuesTest, UnsignedLongRefusesOutOfRangeAndNonNumbers) {
  auto big = ParseUnsignedLong("18446744073709551616", true);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().type(), "illegal_argument_exception");
  EXPECT_EQ(big.status().reason(),
            "Value [18446744073709551616] is out of range for an unsigned long");
  auto negative = ParseUnsignedLong("-1", true);
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.status().reason(), "Value [-1] is out of range for an unsigned long");
  auto text = ParseUnsignedLong("abc", true);
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().type(), "number_format_exception");
  EXPECT_EQ(text.status().reason(), "For input string: \"abc\"");
}

TEST(TypedValuesTest, IntegralTextRendersUnsignedAboveInt64) {
  EXPECT_EQ(IntegralText(18446744073709551615.0, FieldType::kUnsignedLong), "18446744073709551615");
  EXPECT_EQ(IntegralText(1e19, FieldType::kUnsignedLong), "10000000000000000000");
  EXPECT_EQ(IntegralText(-5, FieldType::kLong), "-5");
  EXPECT_EQ(IntegralText(1e19, FieldType::kLong), "9223372036854775807");
}

TEST(TypedValuesTest, IpAddressesParseAndRenderAsJavaDoes) {
  auto v4 = ParseIp("192.168.0.1");
  ASSERT_TRUE(v4);
  EXPECT_EQ(FormatIp(*v4), "192.168.0.1");
  EXPECT_EQ(FormatIp(*ParseIp("::ffff:10.0.0.1")), "10.0.0.1");
  EXPECT_EQ(FormatIp(*ParseIp("2001:DB8:0:0:0:0:0:1")), "2001:db8::1");
  EXPECT_EQ(FormatIp(*ParseIp("2001:db8:0:1:0:0:0:1")), "2001:db8:0:1::1");
  EXPECT_EQ(FormatIp(*ParseIp("::1")), "::1");
  EXPECT_EQ(FormatIp(*ParseIp("::")), "::");
  // IPv4-compatible addresses are hex groups, not a dotted tail.
  EXPECT_EQ(FormatIp(*ParseIp("::102:304")), "::102:304");
  EXPECT_FALSE(ParseIp("192.168.0"));
  EXPECT_FALSE(ParseIp("not an ip"));
  EXPECT_FALSE(ParseIp("1.2.3.256"));
}

TEST(TypedValuesTest, IpOrdersV4BeforeV6AndCidrCoversItsBlock) {
  EXPECT_LT(*ParseIp("10.0.0.1"), *ParseIp("10.0.0.2"));
  EXPECT_LT(*ParseIp("255.255.255.255"), *ParseIp("2001:db8::1"));
  auto r = ParseIpOrCidr("192.168.0.0/16");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(FormatIp(r->lo), "192.168.0.0");
  EXPECT_EQ(FormatIp(r->hi), "192.168.255.255");
  auto v6 = ParseIpOrCidr("2001:db8::/32");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(FormatIp(v6->hi), "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
  auto bad = ParseIpOrCidr("10.0.0.0/33");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().reason(), "Illegal prefix length [33] in [10.0.0.0/33]. Must be 0-32.");
  auto not_ip = ParseIpOrCidr("foo");
  ASSERT_FALSE(not_ip.ok());
  EXPECT_EQ(not_ip.status().reason(), "'foo' is not an IP string literal.");
}

TEST(TypedValuesTest, GeoPointStringForms) {
  auto latlon = ParseGeoPointString("4.901618,52.369219");
  ASSERT_TRUE(latlon.ok());
  EXPECT_DOUBLE_EQ(latlon->lat, 4.901618);
  EXPECT_DOUBLE_EQ(latlon->lon, 52.369219);
  auto wkt = ParseGeoPointString("POINT (52.371667 4.914722)");
  ASSERT_TRUE(wkt.ok()) << wkt.status().ToString();
  EXPECT_DOUBLE_EQ(wkt->lat, 4.914722);
  EXPECT_DOUBLE_EQ(wkt->lon, 52.371667);
  auto hash = ParseGeoPointString("t0v5zsq1gpzf");
  ASSERT_TRUE(hash.ok());
  EXPECT_NEAR(hash->lat, 4.901618, 1e-6);
  EXPECT_NEAR(hash->lon, 52.369219, 1e-6);
  EXPECT_FALSE(ParseGeoPointString("a,b").ok());
  auto bad_hash = ParseGeoPointString("t0v5zsq1gpza");
  ASSERT_FALSE(bad_hash.ok());
  EXPECT_EQ(bad_hash.status().reason(), "unsupported symbol [a] in geohash [t0v5zsq1gpza]");
}

TEST(TypedValuesTest, GeoPointTextRoundTrips) {
  GeoPoint p{40.7128, -74.006};
  auto back = ParseGeoPointString(GeoPointText(p));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->lat, p.lat);
  EXPECT_EQ(back->lon, p.lon);
}

TEST(TypedValuesTest, GeoDistanceAndUnits) {
  // Amsterdam to Berlin: about 577 km.
  double d = GeoArcDistanceMeters({52.3676, 4.9041}, {52.52, 13.405});
  EXPECT_NEAR(d, 577000, 3000);
  EXPECT_EQ(*ParseDistanceMeters("12km"), 12000);
  EXPECT_EQ(*ParseDistanceMeters("100"), 100);
  EXPECT_NEAR(*ParseDistanceMeters("1mi"), 1609.344, 1e-9);
  EXPECT_EQ(*ParseDistanceMeters("2.5m"), 2.5);
  EXPECT_FALSE(ParseDistanceMeters("12parsecs"));
}

TEST(TypedValuesTest, DateNanosKeepsNineFractionDigits) {
  EXPECT_EQ(*ParseDateNanos("2018-10-29T12:12:12.123456789Z"), 1540815132123456789);
  EXPECT_EQ(*ParseDateNanos("2018-10-29T12:12:12.987Z"), 1540815132987000000);
  EXPECT_EQ(*ParseDateNanos("1540815132987"), 1540815132987000000);
  EXPECT_FALSE(ParseDateNanos("1969-12-31T23:59:59Z"));
  EXPECT_FALSE(ParseDateNanos("2263-01-01"));
  EXPECT_EQ(FormatDateNanos(1540815132123456789), "2018-10-29T12:12:12.123456789Z");
  EXPECT_EQ(FormatDateNanos(1540815132000000000), "2018-10-29T12:12:12.000Z");
  EXPECT_EQ(FormatDateNanos(1540815132120000000), "2018-10-29T12:12:12.120Z");
}

TEST(TypedValuesTest, RangeTextRoundTrips) {
  double lo = 0, hi = 0;
  ASSERT_TRUE(ParseRangeText(RangeText(-1.5, 1e18), &lo, &hi));
  EXPECT_EQ(lo, -1.5);
  EXPECT_EQ(hi, 1e18);
  EXPECT_FALSE(ParseRangeText("garbage", &lo, &hi));
}

}  // namespace
}  // namespace sluice::index
