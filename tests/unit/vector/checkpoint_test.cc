#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "test_vectors.h"
#include "vector/vector_index.h"

namespace sluice::vector {
namespace {

using testing::Iota;
using testing::RandomVectors;

class CheckpointTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sluice_vector_ckpt_" + std::to_string(::getpid()) + "_" +
            std::string(EngineName(GetParam())));
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "field.vec").string();
    KnnMethod m;
    m.engine = GetParam();
    m.space = SpaceType::kCosineSimil;
    m.dimension = kDim;
    m.ef_search = 50;
    index_ = std::move(CreateVectorIndex(m)).value();
    data_ = RandomVectors(kCount, kDim, 21);
    ASSERT_TRUE(index_->AddBatch(Iota(kCount), data_).ok());
    ASSERT_TRUE(index_->Remove(3).ok());
    ASSERT_TRUE(index_->Add(4, Vec(100)).ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::span<const float> Vec(size_t i) const {
    return std::span<const float>(data_.data() + i * kDim, kDim);
  }
  std::string ReadFile() const {
    std::ifstream in(path_, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  void WriteFile(const std::string& bytes) const {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }

  static constexpr size_t kDim = 12;
  static constexpr size_t kCount = 600;
  std::filesystem::path dir_;
  std::string path_;
  std::vector<float> data_;
  std::unique_ptr<VectorIndex> index_;
};

TEST_P(CheckpointTest, RoundTripKeepsLabelsResultsAndLastSeq) {
  ASSERT_TRUE(index_->Save(path_, 4242).ok());
  EXPECT_FALSE(std::filesystem::exists(path_ + ".tmp"));
  auto loaded = LoadVectorIndex(path_);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->last_seq, 4242u);
  VectorIndex& copy = *loaded->index;
  EXPECT_EQ(copy.Size(), index_->Size());
  EXPECT_EQ(copy.method().engine, GetParam());
  EXPECT_EQ(copy.method().space, SpaceType::kCosineSimil);
  EXPECT_EQ(copy.method().ef_search, 50);
  EXPECT_FALSE(copy.Contains(3));
  for (size_t q = 0; q < 20; ++q) {
    auto a = index_->Search(Vec(q * 7), 10);
    auto b = copy.Search(Vec(q * 7), 10);
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_EQ(a->size(), b->size());
    for (size_t i = 0; i < a->size(); ++i) {
      EXPECT_EQ((*a)[i].label, (*b)[i].label);
      EXPECT_EQ((*a)[i].score, (*b)[i].score);
    }
  }
  auto replaced = copy.Search(Vec(100), 2);
  ASSERT_EQ(replaced->size(), 2u);
  EXPECT_EQ((*replaced)[0].label, 4u);  // label 4 now holds vector 100; tie with 100 by label
  EXPECT_EQ((*replaced)[1].label, 100u);
}

TEST_P(CheckpointTest, LoadedIndexAcceptsFurtherWrites) {
  ASSERT_TRUE(index_->Save(path_, 1).ok());
  auto loaded = LoadVectorIndex(path_);
  ASSERT_TRUE(loaded.ok());
  VectorIndex& copy = *loaded->index;
  std::vector<float> v(kDim, 0.5f);
  ASSERT_TRUE(copy.Add(100000, v).ok());
  ASSERT_TRUE(copy.Remove(5).ok());
  auto r = copy.Search(v, 1);
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].label, 100000u);
  EXPECT_EQ(copy.Size(), index_->Size());
  ASSERT_TRUE(copy.Save(path_, 2).ok());  // overwrite in place
  EXPECT_EQ(LoadVectorIndex(path_)->last_seq, 2u);
}

TEST_P(CheckpointTest, MissingFileIsAnError) {
  auto r = LoadVectorIndex((dir_ / "nope.vec").string());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().type(), "io_exception");
}

TEST_P(CheckpointTest, TruncatedFileIsCorrupt) {
  ASSERT_TRUE(index_->Save(path_, 7).ok());
  std::string bytes = ReadFile();
  for (size_t size : {size_t{0}, size_t{5}, size_t{60}, bytes.size() / 2, bytes.size() - 1}) {
    WriteFile(bytes.substr(0, size));
    auto r = LoadVectorIndex(path_);
    ASSERT_FALSE(r.ok()) << "size " << size;
    EXPECT_EQ(r.status().type(), "corrupt_index_exception");
  }
}

TEST_P(CheckpointTest, DamagedByteIsCorrupt) {
  ASSERT_TRUE(index_->Save(path_, 7).ok());
  std::string bytes = ReadFile();
  for (size_t pos : {size_t{0}, size_t{20}, bytes.size() / 3, bytes.size() - 2}) {
    std::string damaged = bytes;
    damaged[pos] = static_cast<char>(damaged[pos] ^ 0x5a);
    WriteFile(damaged);
    auto r = LoadVectorIndex(path_);
    ASSERT_FALSE(r.ok()) << "pos " << pos;
    EXPECT_EQ(r.status().type(), "corrupt_index_exception");
  }
  WriteFile(std::string(4096, 'x'));
  EXPECT_FALSE(LoadVectorIndex(path_).ok());
}

TEST_P(CheckpointTest, EmptyIndexRoundTrips) {
  KnnMethod m;
  m.engine = GetParam();
  m.dimension = 3;
  auto empty = std::move(CreateVectorIndex(m)).value();
  ASSERT_TRUE(empty->Save(path_, 0).ok());
  auto loaded = LoadVectorIndex(path_);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->index->Size(), 0u);
  ASSERT_TRUE(loaded->index->Add(1, std::vector<float>{1, 2, 3}).ok());
  EXPECT_EQ(loaded->index->Search(std::vector<float>{1, 2, 3}, 1)->size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Engines, CheckpointTest,
                         ::testing::Values(Engine::kFaiss, Engine::kNmslib),
                         [](const auto& info) { return std::string(EngineName(info.param)); });

}  // namespace
}  // namespace sluice::vector
