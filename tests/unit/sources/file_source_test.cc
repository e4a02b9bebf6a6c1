#include "sources/file_source.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace sluice::sources {
namespace {

namespace fs = std::filesystem;

class FileSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sluice-file-source-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    fs::create_directories(dir_ / "root" / "sub");
    fs::create_directories(dir_ / "root2");
    fs::create_directories(dir_ / "outside");
    Write(dir_ / "root" / "sub" / "a.jsonl", "{\"id\":1}\n{\"id\":2}\n");
    Write(dir_ / "root2" / "b.jsonl", "x");
    Write(dir_ / "outside" / "secret.jsonl", "secret");
    options_.file_roots = {(dir_ / "root").string()};
  }
  void TearDown() override { fs::remove_all(dir_); }

  static void Write(const fs::path& path, const std::string& data) {
    std::ofstream(path, std::ios::binary) << data;
  }
  std::string P(const std::string& rel) const { return (dir_ / rel).string(); }

  fs::path dir_;
  SourcesOptions options_;
};

TEST_F(FileSourceTest, AllowsFileUnderRootAsPathOrFileUri) {
  auto file = ResolveLocalFile(P("root/sub/a.jsonl"), options_);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(file->path, fs::canonical(P("root/sub/a.jsonl")).string());
  EXPECT_EQ(file->size, 18u);
  auto uri = ResolveLocalFile("file://" + P("root/sub/a.jsonl"), options_);
  ASSERT_TRUE(uri.ok()) << uri.status().ToString();
  EXPECT_EQ(uri->path, file->path);
}

TEST_F(FileSourceTest, ForbidsEveryFileWithoutRoots) {
  options_.file_roots.clear();
  auto file = ResolveLocalFile(P("root/sub/a.jsonl"), options_);
  EXPECT_EQ(file.status().code(), util::Code::kForbidden);
  EXPECT_NE(file.status().reason().find("is not under an allowed file root (--file-root)"),
            std::string::npos);
}

TEST_F(FileSourceTest, AllowAnyFileReadsOutsideRoots) {
  options_.file_roots.clear();
  options_.allow_any_file = true;
  EXPECT_TRUE(ResolveLocalFile(P("outside/secret.jsonl"), options_).ok());
}

TEST_F(FileSourceTest, ForbidsDotDotEscapeFromRoot) {
  auto file = ResolveLocalFile(P("root/sub/../../outside/secret.jsonl"), options_);
  EXPECT_EQ(file.status().code(), util::Code::kForbidden);
}

TEST_F(FileSourceTest, ForbidsSymlinkPointingOutOfRoot) {
  fs::create_symlink(P("outside/secret.jsonl"), P("root/link.jsonl"));
  fs::create_directory_symlink(P("outside"), P("root/linkdir"));
  EXPECT_EQ(ResolveLocalFile(P("root/link.jsonl"), options_).status().code(),
            util::Code::kForbidden);
  EXPECT_EQ(ResolveLocalFile(P("root/linkdir/secret.jsonl"), options_).status().code(),
            util::Code::kForbidden);
}

TEST_F(FileSourceTest, AllowsSymlinkThatStaysInsideRoot) {
  fs::create_symlink(P("root/sub/a.jsonl"), P("root/alias.jsonl"));
  EXPECT_TRUE(ResolveLocalFile(P("root/alias.jsonl"), options_).ok());
}

TEST_F(FileSourceTest, RootDoesNotAllowSiblingSharingItsPrefix) {
  // "root2" starts with "root" but is not under it.
  EXPECT_EQ(ResolveLocalFile(P("root2/b.jsonl"), options_).status().code(), util::Code::kForbidden);
}

TEST_F(FileSourceTest, MissingFileUnderRootIsNotFound) {
  EXPECT_EQ(ResolveLocalFile(P("root/nope.jsonl"), options_).status().code(),
            util::Code::kNotFound);
}

TEST_F(FileSourceTest, MissingFileOutsideRootIsForbidden) {
  EXPECT_EQ(ResolveLocalFile(P("outside/nope.jsonl"), options_).status().code(),
            util::Code::kForbidden);
}

TEST_F(FileSourceTest, RejectsDirectoriesAndRelativePaths) {
  EXPECT_EQ(ResolveLocalFile(P("root/sub"), options_).status().code(),
            util::Code::kInvalidArgument);
  EXPECT_EQ(ResolveLocalFile("root/sub/a.jsonl", options_).status().code(),
            util::Code::kInvalidArgument);
  EXPECT_EQ(ResolveLocalFile("file://host/x", options_).status().code(),
            util::Code::kInvalidArgument);
}

TEST_F(FileSourceTest, ReadsFromOffsetAndCountsPosition) {
  auto source = FileSource::Open(fs::canonical(P("root/sub/a.jsonl")).string(), 9);
  ASSERT_TRUE(source.ok());
  char buf[64];
  auto n = (*source)->Read(buf, sizeof(buf));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::string(buf, *n), "{\"id\":2}\n");
  EXPECT_EQ((*source)->raw_bytes_read(), 18u);
  EXPECT_EQ(*(*source)->Read(buf, sizeof(buf)), 0u);
}

}  // namespace
}  // namespace sluice::sources
