#include "secrets/sealed_map.h"

#include <gtest/gtest.h>

namespace sluice::secrets {
namespace {

std::unique_ptr<Sealer> Make(char fill) {
  return std::move(Sealer::FromKeys(util::Secret(std::string(kKeyBytes, fill)), std::nullopt))
      .value();
}

TEST(SealedMap, RoundTripsEveryEntry) {
  auto sealer = Make('k');
  SecretMap values;
  values.emplace("access_key", util::Secret("AKIA\"quoted\\"));
  values.emplace("secret_key", util::Secret("s3cr3t/é"));
  auto sealed = SealMap(*sealer, values, "connector:abc");
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed->find("AKIA"), std::string::npos);
  auto opened = UnsealMap(*sealer, *sealed, "connector:abc");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(*opened, values);
}

TEST(SealedMap, WrongContextOrKeyIsAnError) {
  auto sealed = SealMap(*Make('k'), {}, "connector:abc");
  ASSERT_TRUE(sealed.ok());
  EXPECT_FALSE(UnsealMap(*Make('k'), *sealed, "connector:abd").ok());
  EXPECT_FALSE(UnsealMap(*Make('j'), *sealed, "connector:abc").ok());
}

TEST(SealedMap, ASealedNonObjectIsAnError) {
  auto sealer = Make('k');
  auto sealed = sealer->Seal("[1,2]", "c");
  auto opened = UnsealMap(*sealer, *sealed, "c");
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.status().reason().find("not a credential object"), std::string::npos);
}

}  // namespace
}  // namespace sluice::secrets
