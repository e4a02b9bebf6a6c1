#include "secrets/sealer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <random>

namespace sluice::secrets {
namespace {

util::Secret Key(char fill) { return util::Secret(std::string(kKeyBytes, fill)); }

std::unique_ptr<Sealer> Make(char current, std::optional<char> previous = std::nullopt) {
  std::optional<util::Secret> prev;
  if (previous) prev = Key(*previous);
  auto s = Sealer::FromKeys(Key(current), std::move(prev));
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return std::move(s).value();
}

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("sealer-test-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

TEST(Sealer, RoundTripsAndNeverShowsThePlaintext) {
  auto sealer = Make('a');
  auto sealed = sealer->Seal("wJalrXUtnFEMI/K7MDENG", "task-credential:t1");
  ASSERT_TRUE(sealed.ok());
  EXPECT_TRUE(Sealer::LooksSealed(*sealed));
  EXPECT_EQ(sealed->find("wJalr"), std::string::npos);
  auto opened = sealer->Unseal(*sealed, "task-credential:t1");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->Reveal(), "wJalrXUtnFEMI/K7MDENG");
}

TEST(Sealer, EachSealUsesAFreshNonce) {
  auto sealer = Make('a');
  EXPECT_NE(*sealer->Seal("same", "c"), *sealer->Seal("same", "c"));
}

TEST(Sealer, EmptyPlaintextRoundTrips) {
  auto sealer = Make('a');
  auto opened = sealer->Unseal(*sealer->Seal("", "c"), "c");
  ASSERT_TRUE(opened.ok());
  EXPECT_TRUE(opened->empty());
}

TEST(Sealer, TamperedValueIsAnError) {
  auto sealer = Make('a');
  std::string sealed = *sealer->Seal("secret value", "c");
  // Flip one character of every position past the prefix in turn: none opens.
  const size_t prefix = std::string("sluice-sealed-v1:").size();
  for (size_t i = prefix; i < sealed.size(); ++i) {
    std::string bad = sealed;
    bad[i] = bad[i] == 'A' ? 'B' : 'A';
    auto opened = sealer->Unseal(bad, "c");
    EXPECT_FALSE(opened.ok()) << "position " << i;
    if (!opened.ok()) {
      EXPECT_EQ(opened.status().code(), util::Code::kInvalidArgument);
    }
  }
  EXPECT_FALSE(sealer->Unseal(sealed.substr(0, sealed.size() - 4), "c").ok());
  EXPECT_FALSE(sealer->Unseal("sluice-sealed-v1:", "c").ok());
  EXPECT_FALSE(sealer->Unseal("plain text", "c").ok());
}

TEST(Sealer, WrongContextIsAnError) {
  auto sealer = Make('a');
  auto opened = sealer->Unseal(*sealer->Seal("secret", "task-credential:t1"), "task-credential:t2");
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.status().reason().find("does not authenticate"), std::string::npos);
}

TEST(Sealer, WrongKeyIsAnErrorThatSaysSo) {
  std::string sealed = *Make('a')->Seal("plainvalue", "c");
  auto opened = Make('b')->Unseal(sealed, "c");
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.status().reason().find("another key"), std::string::npos);
  EXPECT_EQ(opened.status().reason().find("plainvalue"), std::string::npos);
}

TEST(Sealer, RotationReadsWithThePreviousKeyAndSealsWithTheCurrent) {
  std::string old_sealed = *Make('a')->Seal("old secret", "c");
  auto rotated = Make('b', 'a');
  auto opened = rotated->Unseal(old_sealed, "c");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->Reveal(), "old secret");
  std::string new_sealed = *rotated->Seal("new secret", "c");
  EXPECT_TRUE(Make('b')->Unseal(new_sealed, "c").ok()) << "new seals use the current key";
  EXPECT_FALSE(Make('a')->Unseal(new_sealed, "c").ok());
}

TEST(Sealer, KeysMustBe32Bytes) {
  EXPECT_FALSE(Sealer::FromKeys(util::Secret("short"), std::nullopt).ok());
}

TEST(Sealer, OpenCreatesAMissingKeyFile0600AndReusesIt) {
  TempDir dir;
  std::string path = dir.File("sluice.key");
  auto first = Sealer::Open({path, "", dir.File("data")});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string sealed = *(*first)->Seal("secret", "c");
  auto second = Sealer::Open({path, "", ""});
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE((*second)->Unseal(sealed, "c").ok());
}

TEST(Sealer, OpenWithAPreviousKeyFile) {
  TempDir dir;
  ASSERT_TRUE(CreateKeyFile(dir.File("old.key")).ok());
  std::string sealed = *(*Sealer::Open({dir.File("old.key"), "", ""}))->Seal("s", "c");
  auto rotated = Sealer::Open({dir.File("new.key"), dir.File("old.key"), ""});
  ASSERT_TRUE(rotated.ok()) << rotated.status().ToString();
  EXPECT_TRUE((*rotated)->Unseal(sealed, "c").ok());
  EXPECT_FALSE(Sealer::Open({dir.File("new.key"), dir.File("missing.key"), ""}).ok())
      << "a previous key file is never created";
}

TEST(Sealer, OpenRefusesAKeyInsideTheDataDirectory) {
  TempDir dir;
  std::filesystem::create_directories(dir.File("data"));
  auto s = Sealer::Open({dir.File("data/sluice.key"), "", dir.File("data")});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().reason().find("inside the data directory"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir.File("data/sluice.key")));
}

TEST(Sealer, OpenRefusesAMalformedKeyFile) {
  TempDir dir;
  std::ofstream(dir.File("bad.key")) << "not a key\n";
  auto s = Sealer::Open({dir.File("bad.key"), "", ""});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().reason().find("32-byte key"), std::string::npos);
  EXPECT_EQ(s.status().reason().find("not a key"), std::string::npos);
}

TEST(Sealer, CreateKeyFileNeverOverwrites) {
  TempDir dir;
  ASSERT_TRUE(CreateKeyFile(dir.File("k")).ok());
  EXPECT_FALSE(CreateKeyFile(dir.File("k")).ok());
}

}  // namespace
}  // namespace sluice::secrets
