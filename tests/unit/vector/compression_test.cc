// Compressed vector storage: faiss `encoder: sq fp16`, `data_type: byte` on faiss (int8 codes
// under FAISS's HNSW) and lucene (int8 hnswlib space). Recall floors on real SIFT vectors,
// memory, value validation with the plugin's messages, and checkpoint round trips.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <unordered_set>

#include "test_vectors.h"
#include "vector/distance.h"
#include "vector/vector_index.h"

namespace sluice::vector {
namespace {

using ::testing::HasSubstr;
using testing::Iota;

constexpr size_t kDim = 128;
constexpr size_t kK = 10;

// 2,000 SIFT base vectors and 50 held-out queries, shifted by -64 so that they fit int8
// (SIFT components are 0..191; a shift leaves L2 distances unchanged).
struct Sift {
  std::vector<float> base, queries;
  std::vector<std::vector<uint64_t>> truth;
  size_t n() const { return base.size() / kDim; }
  size_t nq() const { return queries.size() / kDim; }
};

const Sift& Data() {
  static const Sift sift = [] {
    Sift s;
    auto lines = testing::Lines(testing::DataPath("ann/ngt-sift5k/sift-dataset-5k.tsv"));
    for (size_t row = 0; row < lines.size() && row < 2500; ++row) {
      std::istringstream in(lines[row]);
      std::vector<float>& dst = row >= 2000 && row % 10 == 0 ? s.queries : s.base;
      if (row >= 2000 && row % 10 != 0) continue;
      float v;
      for (size_t i = 0; i < kDim && in >> v; ++i) dst.push_back(v - 64.0f);
    }
    for (size_t q = 0; q < s.nq(); ++q) {
      std::vector<std::pair<float, uint64_t>> all;
      for (size_t i = 0; i < s.n(); ++i) {
        all.emplace_back(L2SquaredDistance(&s.queries[q * kDim], &s.base[i * kDim], kDim), i);
      }
      std::partial_sort(all.begin(), all.begin() + kK, all.end());
      std::vector<uint64_t> top;
      for (size_t i = 0; i < kK; ++i) top.push_back(all[i].second);
      s.truth.push_back(top);
    }
    return s;
  }();
  return sift;
}

KnnMethod Method(Engine engine, DataType data_type, Encoder encoder) {
  KnnMethod m;
  m.engine = engine;
  m.data_type = data_type;
  m.encoder = encoder;
  m.dimension = kDim;
  m.ef_construction = 100;
  m.ef_search = 100;
  return m;
}

std::unique_ptr<VectorIndex> Build(const KnnMethod& m) {
  const Sift& s = Data();
  VectorIndexOptions options;
  options.threads = 2;
  auto index = std::move(CreateVectorIndex(m, options)).value();
  util::Status added = index->AddBatch(Iota(s.n()), s.base);
  EXPECT_TRUE(added.ok()) << added.ToString();
  return index;
}

double Recall(const VectorIndex& index) {
  const Sift& s = Data();
  size_t hits = 0;
  for (size_t q = 0; q < s.nq(); ++q) {
    auto r = index.Search(std::span<const float>(&s.queries[q * kDim], kDim), kK);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) continue;
    std::unordered_set<uint64_t> truth(s.truth[q].begin(), s.truth[q].end());
    for (const Neighbor& n : *r) hits += truth.count(n.label);
  }
  return static_cast<double>(hits) / static_cast<double>(s.nq() * kK);
}

struct Case {
  const char* name;
  Engine engine;
  DataType data_type;
  Encoder encoder;
};

class CompressionRecallTest : public ::testing::TestWithParam<Case> {};

TEST_P(CompressionRecallTest, RecallFloorAndExactDistances) {
  const Case& c = GetParam();
  ASSERT_GT(Data().nq(), 40u);
  auto index = Build(Method(c.engine, c.data_type, c.encoder));
  EXPECT_EQ(index->Size(), Data().n());
  EXPECT_GE(Recall(*index), 0.95) << c.name;
  // A stored vector is its own nearest neighbour at (near) zero distance: byte codes are exact,
  // fp16 codes are off by at most half a unit in the 11th bit.
  auto self = index->Search(std::span<const float>(&Data().base[7 * kDim], kDim), 1);
  ASSERT_TRUE(self.ok());
  ASSERT_EQ(self->size(), 1u);
  EXPECT_EQ((*self)[0].label, 7u);
  EXPECT_LT((*self)[0].distance, c.encoder == Encoder::kSqFp16 ? 1.0f : 1e-6f);
}

INSTANTIATE_TEST_SUITE_P(
    Engines, CompressionRecallTest,
    ::testing::Values(Case{"faiss_float", Engine::kFaiss, DataType::kFloat, Encoder::kNone},
                      Case{"faiss_fp16", Engine::kFaiss, DataType::kFloat, Encoder::kSqFp16},
                      Case{"faiss_byte", Engine::kFaiss, DataType::kByte, Encoder::kNone},
                      Case{"lucene_byte", Engine::kLucene, DataType::kByte, Encoder::kNone}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(CompressionTest, CodesShrinkMemoryPerVector) {
  auto flat = Build(Method(Engine::kFaiss, DataType::kFloat, Encoder::kNone));
  auto fp16 = Build(Method(Engine::kFaiss, DataType::kFloat, Encoder::kSqFp16));
  auto bytes = Build(Method(Engine::kFaiss, DataType::kByte, Encoder::kNone));
  size_t n = Data().n();
  // Codes alone: 512, 256 and 128 bytes a vector; the graph adds the same to each.
  EXPECT_GE(flat->MemoryBytes() - fp16->MemoryBytes(), n * 256);
  EXPECT_GE(fp16->MemoryBytes() - bytes->MemoryBytes(), n * 128);
}

TEST(CompressionTest, ByteValuesMustBeIntegersInRange) {
  auto index = std::move(CreateVectorIndex(Method(Engine::kFaiss, DataType::kByte,
                                                  Encoder::kNone))).value();
  std::vector<float> v(kDim, 1.0f);
  v[3] = 1.5f;
  util::Status fraction = index->Add(1, v);
  EXPECT_THAT(fraction.reason(), HasSubstr("floats instead of byte integers"));
  v[3] = 128.0f;
  util::Status range = index->Add(1, v);
  EXPECT_THAT(range.reason(), HasSubstr("not within in the byte range [-128, 127]"));
  v[3] = -128.0f;
  EXPECT_TRUE(index->Add(1, v).ok());
  std::vector<float> query(kDim, 0.5f);
  auto bad_query = index->Search(query, 1);
  ASSERT_FALSE(bad_query.ok());
  EXPECT_THAT(bad_query.status().reason(), HasSubstr("[byte]"));
}

TEST(CompressionTest, Fp16RangeIsCheckedOrClipped) {
  auto strict = std::move(CreateVectorIndex(Method(Engine::kFaiss, DataType::kFloat,
                                                   Encoder::kSqFp16))).value();
  std::vector<float> v(kDim, 0.0f);
  v[0] = 70000.0f;
  util::Status s = strict->Add(1, v);
  EXPECT_EQ(s.reason(),
            "encoder name is set as [sq] and type is set as [fp16] in index mapping. But, KNN "
            "vector values are not within in the FP16 range [-65504.000000, 65504.000000]");
  KnnMethod clip = Method(Engine::kFaiss, DataType::kFloat, Encoder::kSqFp16);
  clip.fp16_clip = true;
  auto clipped = std::move(CreateVectorIndex(clip)).value();
  ASSERT_TRUE(clipped->Add(1, v).ok());
  std::vector<float> at_max(kDim, 0.0f);
  at_max[0] = 65504.0f;
  auto r = clipped->Search(at_max, 1);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].distance, 0.0f);  // stored as exactly 65504
}

TEST(CompressionTest, LuceneByteCosineComputesOnIntegers) {
  KnnMethod m = Method(Engine::kLucene, DataType::kByte, Encoder::kNone);
  m.space = SpaceType::kCosineSimil;
  m.dimension = 4;
  auto index = std::move(CreateVectorIndex(m)).value();
  std::vector<float> a = {10, 0, 0, 0}, b = {0, 20, 0, 0}, c = {-5, -5, 0, 0};
  ASSERT_TRUE(index->Add(1, a).ok());
  ASSERT_TRUE(index->Add(2, b).ok());
  ASSERT_TRUE(index->Add(3, c).ok());
  std::vector<float> q = {100, 0, 0, 0};
  auto r = index->Search(q, 3);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].label, 1u);
  EXPECT_NEAR((*r)[0].distance, 0.0f, 1e-6);
  EXPECT_NEAR((*r)[1].distance, 1.0f, 1e-6);  // orthogonal
  EXPECT_EQ((*r)[2].label, 3u);
  std::vector<float> zero(4, 0.0f);
  EXPECT_FALSE(index->Search(zero, 1).ok());
}

class CompressionCheckpointTest : public ::testing::TestWithParam<Case> {};

TEST_P(CompressionCheckpointTest, RoundTripThroughRestartKeepsResults) {
  const Case& c = GetParam();
  KnnMethod m = Method(c.engine, c.data_type, c.encoder);
  auto index = Build(m);
  ASSERT_TRUE(index->Remove(5).ok());
  auto dir = std::filesystem::temp_directory_path() /
             ("sluice_compression_" + std::to_string(::getpid()) + "_" + c.name);
  std::filesystem::create_directories(dir);
  std::string path = (dir / "v.vec").string();
  ASSERT_TRUE(index->Save(path, 77).ok());
  auto loaded = LoadVectorIndex(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->last_seq, 77u);
  EXPECT_EQ(loaded->index->method().encoder, c.encoder);
  EXPECT_EQ(loaded->index->method().data_type, c.data_type);
  EXPECT_EQ(loaded->index->Size(), index->Size());
  EXPECT_FALSE(loaded->index->Contains(5));
  const Sift& s = Data();
  for (size_t q = 0; q < 10; ++q) {
    std::span<const float> query(&s.queries[q * kDim], kDim);
    auto before = index->Search(query, kK);
    auto after = loaded->index->Search(query, kK);
    ASSERT_TRUE(before.ok() && after.ok());
    ASSERT_EQ(before->size(), after->size());
    for (size_t i = 0; i < before->size(); ++i) {
      EXPECT_EQ((*before)[i].label, (*after)[i].label);
      EXPECT_EQ((*before)[i].distance, (*after)[i].distance);
    }
  }
  // The restored graph keeps growing.
  ASSERT_TRUE(loaded->index->Add(100000, std::span<const float>(&s.queries[0], kDim)).ok());
  auto self = loaded->index->Search(std::span<const float>(&s.queries[0], kDim), 1);
  ASSERT_TRUE(self.ok());
  EXPECT_EQ((*self)[0].label, 100000u);
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(
    Engines, CompressionCheckpointTest,
    ::testing::Values(Case{"faiss_float", Engine::kFaiss, DataType::kFloat, Encoder::kNone},
                      Case{"faiss_fp16", Engine::kFaiss, DataType::kFloat, Encoder::kSqFp16},
                      Case{"faiss_byte", Engine::kFaiss, DataType::kByte, Encoder::kNone},
                      Case{"lucene_byte", Engine::kLucene, DataType::kByte, Encoder::kNone}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(CompressionTest, CompactionRebuildsFromDecodedCodes) {
  VectorIndexOptions options;
  options.compact_deleted_ratio = 0.2;
  auto index = std::move(CreateVectorIndex(
                             Method(Engine::kFaiss, DataType::kFloat, Encoder::kSqFp16), options))
                   .value();
  const Sift& s = Data();
  ASSERT_TRUE(index->AddBatch(Iota(500), std::span<const float>(s.base.data(), 500 * kDim)).ok());
  for (uint64_t l = 0; l < 200; ++l) ASSERT_TRUE(index->Remove(l).ok());
  EXPECT_EQ(index->Size(), 300u);
  auto r = index->Search(std::span<const float>(&s.base[321 * kDim], kDim), 1);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].label, 321u);
}

}  // namespace
}  // namespace sluice::vector
