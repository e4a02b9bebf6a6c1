#include "vector/knn_method.h"

#include <gtest/gtest.h>

#include <cmath>

namespace sluice::vector {
namespace {

KnnMethod Method(Engine engine, SpaceType space, int dimension = 4) {
  KnnMethod m;
  m.engine = engine;
  m.space = space;
  m.dimension = dimension;
  return m;
}

TEST(KnnMethodTest, DefaultsMatchThePlugin) {
  KnnMethod m;
  EXPECT_EQ(m.engine, Engine::kFaiss);
  EXPECT_EQ(m.space, SpaceType::kL2);
  EXPECT_EQ(m.data_type, DataType::kFloat);
  EXPECT_EQ(m.m, 16);
  EXPECT_EQ(m.ef_construction, 100);
  EXPECT_EQ(m.ef_search, 100);
  EXPECT_EQ(m.method_name, "hnsw");
  EXPECT_EQ(DefaultSpaceFor(DataType::kBinary), SpaceType::kHamming);
  EXPECT_EQ(DefaultSpaceFor(DataType::kByte), SpaceType::kL2);
}

TEST(KnnMethodTest, ParsesKnownNames) {
  EXPECT_EQ(*ParseSpaceType("cosinesimil"), SpaceType::kCosineSimil);
  EXPECT_EQ(*ParseSpaceType("linf"), SpaceType::kLInf);
  EXPECT_EQ(*ParseEngine("nmslib"), Engine::kNmslib);
  EXPECT_EQ(*ParseEngine("lucene"), Engine::kLucene);
  EXPECT_EQ(*ParseDataType("byte"), DataType::kByte);
}

TEST(KnnMethodTest, TopLevelSpaceTypeErrorIsIllegalArgumentWithValidValues) {
  auto r = ParseSpaceType("foo", MappingLevel::kTopLevel);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().type(), "illegal_argument_exception");
  EXPECT_EQ(r.status().reason(),
            "Unable to find space: foo . Valid values are: [l2, cosinesimil, l1, linf, "
            "innerproduct, hamming]");
}

TEST(KnnMethodTest, MethodSpaceTypeAndEngineErrorsAreMapperParsing) {
  auto space = ParseSpaceType("foo", MappingLevel::kMethod);
  EXPECT_EQ(space.status().type(), "mapper_parsing_exception");
  EXPECT_EQ(space.status().reason(), "Invalid space_type: foo");
  auto engine = ParseEngine("bar", MappingLevel::kMethod);
  EXPECT_EQ(engine.status().type(), "mapper_parsing_exception");
  EXPECT_EQ(engine.status().reason(), "Invalid engine: bar");
  auto top = ParseEngine("bar", MappingLevel::kTopLevel);
  EXPECT_EQ(top.status().reason(), "Invalid engine type: bar");
}

TEST(KnnMethodTest, BadDataTypeIsIllegalArgument) {
  auto r = ParseDataType("double");
  EXPECT_EQ(r.status().type(), "illegal_argument_exception");
  EXPECT_EQ(r.status().reason(),
            "Invalid value provided for [data_type] field. Supported values are "
            "[float,byte,binary]");
}

TEST(KnnMethodTest, L1AndLinfAreOnlyForNmslib) {
  EXPECT_TRUE(ValidateKnnMethod(Method(Engine::kNmslib, SpaceType::kL1)).ok());
  EXPECT_TRUE(ValidateKnnMethod(Method(Engine::kNmslib, SpaceType::kLInf)).ok());
  util::Status lucene = ValidateKnnMethod(Method(Engine::kLucene, SpaceType::kL1));
  EXPECT_EQ(lucene.type(), "validation_exception");
  EXPECT_EQ(lucene.reason(),
            "Validation Failed: 1: \"hnsw\" with \"lucene\" configuration does not support space "
            "type: \"l1\".;");
  util::Status faiss = ValidateKnnMethod(Method(Engine::kFaiss, SpaceType::kLInf));
  EXPECT_EQ(faiss.reason(),
            "Validation Failed: 1: \"hnsw\" with \"faiss\" configuration does not support space "
            "type: \"linf\".;");
}

TEST(KnnMethodTest, HammingRequiresBinaryAndBinaryRequiresHamming) {
  util::Status s = ValidateKnnMethod(Method(Engine::kFaiss, SpaceType::kHamming));
  EXPECT_EQ(s.type(), "illegal_argument_exception");
  EXPECT_EQ(s.reason(), "Space type [hamming] is not supported with [float] data type");
  KnnMethod binary_l2 = Method(Engine::kFaiss, SpaceType::kL2, 16);
  binary_l2.data_type = DataType::kBinary;
  EXPECT_EQ(ValidateKnnMethod(binary_l2).reason(),
            "Space type [l2] is not supported with [binary] data type");
}

TEST(KnnMethodTest, BinaryHammingIsRejectedAsNotSupportedYet) {
  KnnMethod m = Method(Engine::kFaiss, SpaceType::kHamming, 16);
  m.data_type = DataType::kBinary;
  util::Status s = ValidateKnnMethod(m);
  EXPECT_EQ(s.type(), "illegal_argument_exception");
  EXPECT_NE(s.reason().find("not supported by sluice yet"), std::string::npos);
  m.dimension = 12;
  EXPECT_EQ(ValidateKnnMethod(m).reason(),
            "Validation Failed: 1: Dimension should be multiply of 8 for binary vector data "
            "type;");
}

TEST(KnnMethodTest, DimensionLimits) {
  util::Status zero = ValidateKnnMethod(Method(Engine::kFaiss, SpaceType::kL2, 0), "v");
  EXPECT_EQ(zero.type(), "illegal_argument_exception");
  EXPECT_EQ(zero.reason(), "Dimension value must be greater than 0 for vector: v");
  util::Status big = ValidateKnnMethod(Method(Engine::kFaiss, SpaceType::kL2, 16001));
  EXPECT_EQ(big.type(), "validation_exception");
  EXPECT_EQ(big.reason(),
            "Validation Failed: 1: Dimension value cannot be greater than 16000 for vector with "
            "engine: faiss;");
  EXPECT_TRUE(ValidateKnnMethod(Method(Engine::kLucene, SpaceType::kL2, 16000)).ok());
}

TEST(KnnMethodTest, RejectsOtherEngineAndDataTypeCombinations) {
  KnnMethod m = Method(Engine::kFaiss, SpaceType::kCosineSimil);
  m.data_type = DataType::kByte;
  EXPECT_EQ(ValidateKnnMethod(m).type(), "validation_exception");
  m.engine = Engine::kLucene;
  EXPECT_TRUE(ValidateKnnMethod(m).ok());
  m.engine = Engine::kNmslib;
  EXPECT_EQ(ValidateKnnMethod(m).type(), "validation_exception");
  KnnMethod ivf = Method(Engine::kFaiss, SpaceType::kL2);
  ivf.method_name = "ivf";
  EXPECT_EQ(ValidateKnnMethod(ivf).reason(), "Validation Failed: 1: \"method\" requires training.;");
  KnnMethod unknown = Method(Engine::kLucene, SpaceType::kL2);
  unknown.method_name = "foo";
  EXPECT_EQ(ValidateKnnMethod(unknown).reason(), "Invalid method name: foo");
  KnnMethod bad_m = Method(Engine::kFaiss, SpaceType::kL2);
  bad_m.m = 0;
  EXPECT_EQ(ValidateKnnMethod(bad_m).type(), "validation_exception");
}

TEST(KnnMethodTest, ScoresFollowThePluginFormulas) {
  EXPECT_FLOAT_EQ(DistanceToScore(SpaceType::kL2, 0.0f), 1.0f);
  EXPECT_FLOAT_EQ(DistanceToScore(SpaceType::kL2, 1.0f), 0.5f);
  EXPECT_EQ(DistanceToScore(SpaceType::kL2, 4.2f), 1.0f / 5.2f);
  EXPECT_FLOAT_EQ(DistanceToScore(SpaceType::kL1, 3.0f), 0.25f);
  EXPECT_FLOAT_EQ(DistanceToScore(SpaceType::kLInf, 9.0f), 0.1f);
  // cosinesimil: (2 - d) / 2, clamped at 0.
  EXPECT_FLOAT_EQ(DistanceToScore(SpaceType::kCosineSimil, 0.0f), 1.0f);
  EXPECT_FLOAT_EQ(DistanceToScore(SpaceType::kCosineSimil, 1.0f), 0.5f);
  EXPECT_FLOAT_EQ(DistanceToScore(SpaceType::kCosineSimil, 2.0f), 0.0f);
  EXPECT_FLOAT_EQ(DistanceToScore(SpaceType::kCosineSimil, 2.5f), 0.0f);
  // innerproduct, d = -dot: dot 3 -> 4; dot -3 -> 1/4; dot 0 -> 1.
  EXPECT_FLOAT_EQ(DistanceToScore(SpaceType::kInnerProduct, -3.0f), 4.0f);
  EXPECT_FLOAT_EQ(DistanceToScore(SpaceType::kInnerProduct, 3.0f), 0.25f);
  EXPECT_FLOAT_EQ(DistanceToScore(SpaceType::kInnerProduct, 0.0f), 1.0f);
  // The documented example: l2 between [2,3] and [1.5,2.5]... d = 0.5 -> 0.6666667.
  EXPECT_EQ(DistanceToScore(SpaceType::kL2, 0.5f), 1.0f / 1.5f);
}

TEST(KnnMethodTest, ScoreToDistanceInvertsDistanceToScore) {
  for (SpaceType s : {SpaceType::kL2, SpaceType::kL1, SpaceType::kLInf, SpaceType::kCosineSimil,
                      SpaceType::kInnerProduct}) {
    for (float d : {0.0f, 0.25f, 1.0f, 1.5f}) {
      EXPECT_NEAR(ScoreToDistance(s, DistanceToScore(s, d)), d, 1e-5) << SpaceTypeName(s);
    }
  }
  EXPECT_NEAR(ScoreToDistance(SpaceType::kInnerProduct, 4.0f), -3.0f, 1e-6);
  EXPECT_TRUE(std::isinf(ScoreToDistance(SpaceType::kL2, 0.0f)));
}

}  // namespace
}  // namespace sluice::vector
