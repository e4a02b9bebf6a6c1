#include "index/knn_mapping.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace sluice::index {
namespace {

using ::testing::HasSubstr;

// The error for a knn_vector field "v" defined by `params` (the members after "type").
util::Status Error(const std::string& params, bool knn = true) {
  auto r = ParseKnnFieldMapping("v", R"({"type":"knn_vector")" + params + "}", knn);
  EXPECT_FALSE(r.ok()) << "expected an error for " << params;
  return r.ok() ? util::Status() : r.status();
}

vector::KnnMethod Ok(const std::string& params, bool knn = true) {
  auto r = ParseKnnFieldMapping("v", R"({"type":"knn_vector")" + params + "}", knn);
  EXPECT_TRUE(r.ok()) << params << ": " << r.status().ToString();
  return r.ok() ? *r : vector::KnnMethod();
}

void ExpectError(const util::Status& s, const std::string& type, const std::string& reason) {
  EXPECT_EQ(s.type(), type) << s.ToString();
  EXPECT_EQ(s.reason(), reason);
  EXPECT_EQ(s.code(), util::Code::kInvalidArgument);
}

TEST(KnnMappingTest, DimensionOnlyResolvesPluginDefaults) {
  vector::KnnMethod m = Ok(R"(,"dimension":3)");
  EXPECT_EQ(m.dimension, 3);
  EXPECT_EQ(m.engine, vector::Engine::kFaiss);
  EXPECT_EQ(m.space, vector::SpaceType::kL2);
  EXPECT_EQ(m.data_type, vector::DataType::kFloat);
  EXPECT_EQ(m.m, 16);
  EXPECT_EQ(m.ef_construction, 100);
  EXPECT_EQ(m.method_name, "hnsw");
}

TEST(KnnMappingTest, DimensionAsNumericStringIsAccepted) {
  EXPECT_EQ(Ok(R"(,"dimension":"8")").dimension, 8);
}

TEST(KnnMappingTest, MissingDimension) {
  ExpectError(Error(""), "illegal_argument_exception", "Dimension value missing for vector: v");
}

TEST(KnnMappingTest, NullDimension) {
  ExpectError(Error(R"(,"dimension":null)"), "illegal_argument_exception",
              "Dimension cannot be null");
}

TEST(KnnMappingTest, DimensionThatIsNotAnInteger) {
  ExpectError(Error(R"(,"dimension":"abc")"), "illegal_argument_exception",
              "Unable to parse [dimension] from provided value [abc] for vector [v]");
  ExpectError(Error(R"(,"dimension":3.5)"), "illegal_argument_exception",
              "Unable to parse [dimension] from provided value [3.5] for vector [v]");
  ExpectError(Error(R"(,"dimension":2147483648)"), "illegal_argument_exception",
              "Unable to parse [dimension] from provided value [2147483648] for vector [v]");
}

TEST(KnnMappingTest, DimensionNotPositive) {
  ExpectError(Error(R"(,"dimension":0)"), "illegal_argument_exception",
              "Dimension value must be greater than 0 for vector: v");
  ExpectError(Error(R"(,"dimension":-4)"), "illegal_argument_exception",
              "Dimension value must be greater than 0 for vector: v");
}

TEST(KnnMappingTest, DimensionOverTheEngineLimit) {
  EXPECT_EQ(Ok(R"(,"dimension":16000)").dimension, 16000);
  ExpectError(Error(R"(,"dimension":16001)"), "validation_exception",
              "Validation Failed: 1: Dimension value cannot be greater than 16000 for vector "
              "with engine: faiss;");
}

TEST(KnnMappingTest, BadTopLevelSpaceType) {
  ExpectError(Error(R"(,"dimension":3,"space_type":"foo")"), "illegal_argument_exception",
              "Unable to find space: foo . Valid values are: [l2, cosinesimil, l1, linf, "
              "innerproduct, hamming]");
}

TEST(KnnMappingTest, BadTopLevelEngine) {
  ExpectError(Error(R"(,"dimension":3,"engine":"foo")"), "illegal_argument_exception",
              "Invalid engine type: foo");
}

TEST(KnnMappingTest, BadMethodSpaceType) {
  ExpectError(Error(R"(,"dimension":3,"method":{"name":"hnsw","space_type":"foo"})"),
              "mapper_parsing_exception", "Invalid space_type: foo");
}

TEST(KnnMappingTest, BadMethodEngine) {
  ExpectError(Error(R"(,"dimension":3,"method":{"name":"hnsw","engine":"foo"})"),
              "mapper_parsing_exception", "Invalid engine: foo");
}

TEST(KnnMappingTest, UnknownKeyInMethod) {
  ExpectError(Error(R"(,"dimension":3,"method":{"name":"hnsw","foo":1})"),
              "mapper_parsing_exception", "Invalid parameter: foo");
}

TEST(KnnMappingTest, MethodWithoutName) {
  ExpectError(Error(R"(,"dimension":3,"method":{"engine":"faiss"})"), "mapper_parsing_exception",
              "name needs to be set");
}

TEST(KnnMappingTest, UnknownMethodName) {
  ExpectError(Error(R"(,"dimension":3,"method":{"name":"foo"})"), "illegal_argument_exception",
              "Invalid method name: foo");
}

TEST(KnnMappingTest, IvfRequiresTraining) {
  ExpectError(Error(R"(,"dimension":3,"method":{"name":"ivf","engine":"faiss"})"),
              "validation_exception", "Validation Failed: 1: \"method\" requires training.;");
}

TEST(KnnMappingTest, UnknownParameterInMethodParameters) {
  ExpectError(Error(R"(,"dimension":3,"method":{"name":"hnsw","parameters":{"foo":1}})"),
              "validation_exception", "Validation Failed: 1: Unknown parameter 'foo' found;");
}

TEST(KnnMappingTest, MethodParametersAreResolved) {
  vector::KnnMethod m =
      Ok(R"(,"dimension":4,"method":{"name":"hnsw","engine":"lucene","space_type":"cosinesimil",)"
         R"("parameters":{"m":8,"ef_construction":64,"ef_search":32}})");
  EXPECT_EQ(m.engine, vector::Engine::kLucene);
  EXPECT_EQ(m.space, vector::SpaceType::kCosineSimil);
  EXPECT_EQ(m.m, 8);
  EXPECT_EQ(m.ef_construction, 64);
  EXPECT_EQ(m.ef_search, 32);
}

TEST(KnnMappingTest, TopLevelSpaceAndEngineAreUsed) {
  vector::KnnMethod m = Ok(R"(,"dimension":2,"space_type":"innerproduct","engine":"lucene")");
  EXPECT_EQ(m.space, vector::SpaceType::kInnerProduct);
  EXPECT_EQ(m.engine, vector::Engine::kLucene);
}

TEST(KnnMappingTest, EngineSpaceMismatch) {
  ExpectError(
      Error(R"(,"dimension":3,"method":{"name":"hnsw","engine":"lucene","space_type":"l1"})"),
      "validation_exception",
      "Validation Failed: 1: \"hnsw\" with \"lucene\" configuration does not support space "
      "type: \"l1\".;");
}

TEST(KnnMappingTest, MethodWithKnnDisabled) {
  ExpectError(Error(R"(,"dimension":3,"method":{"name":"hnsw"})", /*knn=*/false),
              "illegal_argument_exception",
              "Cannot set modelId or method parameters when index.knn setting is false");
}

TEST(KnnMappingTest, NoMethodIsFineWithKnnDisabled) {
  EXPECT_EQ(Ok(R"(,"dimension":3,"space_type":"cosinesimil")", /*knn=*/false).space,
            vector::SpaceType::kCosineSimil);
}

TEST(KnnMappingTest, ConflictingEngines) {
  ExpectError(
      Error(R"(,"dimension":3,"engine":"faiss","method":{"name":"hnsw","engine":"lucene"})"),
      "mapper_parsing_exception", "Cannot specify conflicting engines: [lucene] and [faiss]");
}

TEST(KnnMappingTest, ConflictingSpaceTypes) {
  ExpectError(
      Error(
          R"(,"dimension":3,"space_type":"l2","method":{"name":"hnsw","space_type":"innerproduct"})"),
      "mapper_parsing_exception",
      "Space type in \"method\" and top level space type should be same or one of them should "
      "be defined");
}

TEST(KnnMappingTest, SameSpaceTypeAtBothLevelsIsFine) {
  EXPECT_EQ(
      Ok(R"(,"dimension":3,"space_type":"l2","method":{"name":"hnsw","space_type":"l2"})").space,
      vector::SpaceType::kL2);
}

TEST(KnnMappingTest, UnknownTopLevelParameter) {
  ExpectError(Error(R"(,"dimension":3,"foo":1)"), "mapper_parsing_exception",
              "unknown parameter [foo] on mapper [v] of type [knn_vector]");
}

TEST(KnnMappingTest, MethodAndModelTogether) {
  ExpectError(Error(R"(,"model_id":"m","method":{"name":"hnsw"})"), "illegal_argument_exception",
              "Method and model can not be both specified in the mapping: v");
}

TEST(KnnMappingTest, BadDataType) {
  util::Status s = Error(R"(,"dimension":3,"data_type":"int4")");
  EXPECT_EQ(s.type(), "illegal_argument_exception");
  EXPECT_THAT(s.reason(), HasSubstr("Invalid value provided for [data_type] field."));
}

TEST(KnnMappingTest, HammingWithFloatData) {
  ExpectError(Error(R"(,"dimension":8,"space_type":"hamming")"), "illegal_argument_exception",
              "Space type [hamming] is not supported with [float] data type");
}

TEST(KnnMappingTest, FaissCosineWithByteVectors) {
  util::Status s = Error(
      R"(,"dimension":3,"data_type":"byte","method":{"name":"hnsw","engine":"faiss","space_type":"cosinesimil"})");
  EXPECT_EQ(s.type(), "validation_exception");
  EXPECT_THAT(s.reason(), HasSubstr("Faiss engine does not support cosine similarity with byte "
                                    "vectors."));
}

TEST(KnnMappingTest, ByteVectorsWithLuceneAreAccepted) {
  vector::KnnMethod m = Ok(R"(,"dimension":3,"data_type":"byte","engine":"lucene")");
  EXPECT_EQ(m.data_type, vector::DataType::kByte);
}

TEST(KnnMappingTest, ByteVectorsWithFaissAreAccepted) {
  vector::KnnMethod m = Ok(R"(,"dimension":3,"data_type":"byte","engine":"faiss")");
  EXPECT_EQ(m.data_type, vector::DataType::kByte);
  EXPECT_EQ(m.engine, vector::Engine::kFaiss);
}

TEST(KnnMappingTest, SqFp16EncoderIsResolved) {
  vector::KnnMethod m = Ok(
      R"(,"dimension":3,"method":{"name":"hnsw","engine":"faiss","parameters":{"m":8,)"
      R"("encoder":{"name":"sq","parameters":{"type":"fp16","clip":true}}}})");
  EXPECT_EQ(m.encoder, vector::Encoder::kSqFp16);
  EXPECT_TRUE(m.fp16_clip);
  EXPECT_EQ(m.m, 8);
  vector::KnnMethod d = Ok(
      R"(,"dimension":3,"method":{"name":"hnsw","engine":"faiss","parameters":)"
      R"({"encoder":{"name":"sq"}}})");
  EXPECT_EQ(d.encoder, vector::Encoder::kSqFp16);  // type defaults to fp16
  EXPECT_FALSE(d.fp16_clip);
}

TEST(KnnMappingTest, FlatEncoderMeansFullFloats) {
  vector::KnnMethod m = Ok(
      R"(,"dimension":3,"method":{"name":"hnsw","engine":"faiss","parameters":)"
      R"({"encoder":{"name":"flat"}}})");
  EXPECT_EQ(m.encoder, vector::Encoder::kNone);
}

TEST(KnnMappingTest, SqEncoderNeedsFaissAndFloat) {
  util::Status lucene = Error(
      R"(,"dimension":3,"method":{"name":"hnsw","engine":"lucene","parameters":)"
      R"({"encoder":{"name":"sq","parameters":{"type":"fp16"}}}})");
  EXPECT_EQ(lucene.type(), "validation_exception");
  util::Status bytes = Error(
      R"(,"dimension":3,"data_type":"byte","method":{"name":"hnsw","engine":"faiss",)"
      R"("parameters":{"encoder":{"name":"sq"}}})");
  EXPECT_EQ(bytes.type(), "validation_exception");
  EXPECT_THAT(bytes.reason(), HasSubstr("[float] data type"));
}

TEST(KnnMappingTest, BadEncoderParameters) {
  EXPECT_EQ(Error(R"(,"dimension":3,"method":{"name":"hnsw","engine":"faiss","parameters":)"
                  R"({"encoder":{"name":"sq","parameters":{"type":"int4"}}}})")
                .type(),
            "validation_exception");
  EXPECT_EQ(Error(R"(,"dimension":3,"method":{"name":"hnsw","engine":"faiss","parameters":)"
                  R"({"encoder":{"name":"sq","parameters":{"clip":"yes"}}}})")
                .type(),
            "validation_exception");
  ExpectError(Error(R"(,"dimension":3,"method":{"name":"hnsw","engine":"faiss","parameters":)"
                    R"({"encoder":{"name":"pq"}}})"),
              "validation_exception", "Validation Failed: 1: \"method\" requires training.;");
  EXPECT_EQ(Error(R"(,"dimension":3,"method":{"name":"hnsw","engine":"faiss","parameters":)"
                  R"({"encoder":{"parameters":{}}})")
                .type(),
            "mapper_parsing_exception");
}

}  // namespace
}  // namespace sluice::index
