#include "vector/knn_method.h"

#include <cmath>
#include <limits>
#include <string>

namespace sluice::vector {
namespace {

util::Status Validation(std::string message) {
  return util::Status(util::Code::kInvalidArgument, "validation_exception",
                      "Validation Failed: 1: " + std::move(message) + ";");
}

util::Status IllegalArgument(std::string message) {
  return util::InvalidArgument(std::move(message));
}

bool SpaceSupportedByEngine(Engine engine, SpaceType space) {
  switch (engine) {
    case Engine::kNmslib:
      return space != SpaceType::kHamming;
    case Engine::kFaiss:
      return space == SpaceType::kL2 || space == SpaceType::kInnerProduct ||
             space == SpaceType::kCosineSimil || space == SpaceType::kHamming;
    case Engine::kLucene:
      return space == SpaceType::kL2 || space == SpaceType::kInnerProduct ||
             space == SpaceType::kCosineSimil;
  }
  return false;
}

}  // namespace

std::string_view SpaceTypeName(SpaceType space) {
  switch (space) {
    case SpaceType::kL2: return "l2";
    case SpaceType::kCosineSimil: return "cosinesimil";
    case SpaceType::kInnerProduct: return "innerproduct";
    case SpaceType::kL1: return "l1";
    case SpaceType::kLInf: return "linf";
    case SpaceType::kHamming: return "hamming";
  }
  return "unknown";
}

std::string_view EngineName(Engine engine) {
  switch (engine) {
    case Engine::kNmslib: return "nmslib";
    case Engine::kFaiss: return "faiss";
    case Engine::kLucene: return "lucene";
  }
  return "unknown";
}

std::string_view DataTypeName(DataType data_type) {
  switch (data_type) {
    case DataType::kFloat: return "float";
    case DataType::kByte: return "byte";
    case DataType::kBinary: return "binary";
  }
  return "unknown";
}

util::Result<SpaceType> ParseSpaceType(std::string_view name, MappingLevel level) {
  for (SpaceType s : {SpaceType::kL2, SpaceType::kCosineSimil, SpaceType::kL1, SpaceType::kLInf,
                      SpaceType::kInnerProduct, SpaceType::kHamming}) {
    if (name == SpaceTypeName(s)) return s;
  }
  if (level == MappingLevel::kTopLevel) {
    return IllegalArgument("Unable to find space: " + std::string(name) +
                           " . Valid values are: [l2, cosinesimil, l1, linf, innerproduct, "
                           "hamming]");
  }
  return util::MapperParsingError("Invalid space_type: " + std::string(name));
}

util::Result<Engine> ParseEngine(std::string_view name, MappingLevel level) {
  for (Engine e : {Engine::kNmslib, Engine::kFaiss, Engine::kLucene}) {
    if (name == EngineName(e)) return e;
  }
  if (level == MappingLevel::kTopLevel) {
    return IllegalArgument("Invalid engine type: " + std::string(name));
  }
  return util::MapperParsingError("Invalid engine: " + std::string(name));
}

util::Result<DataType> ParseDataType(std::string_view name) {
  for (DataType d : {DataType::kFloat, DataType::kByte, DataType::kBinary}) {
    if (name == DataTypeName(d)) return d;
  }
  return IllegalArgument(
      "Invalid value provided for [data_type] field. Supported values are [float,byte,binary]");
}

SpaceType DefaultSpaceFor(DataType data_type) {
  return data_type == DataType::kBinary ? SpaceType::kHamming : SpaceType::kL2;
}

util::Status ValidateKnnMethod(const KnnMethod& method, std::string_view field) {
  const std::string engine(EngineName(method.engine));
  const std::string space(SpaceTypeName(method.space));
  const std::string data_type(DataTypeName(method.data_type));
  if (method.dimension <= 0) {
    return IllegalArgument("Dimension value must be greater than 0 for vector: " +
                           std::string(field));
  }
  if (method.dimension > kMaxDimension) {
    return Validation("Dimension value cannot be greater than " + std::to_string(kMaxDimension) +
                      " for vector with engine: " + engine);
  }
  if (method.data_type == DataType::kBinary && method.dimension % 8 != 0) {
    return Validation("Dimension should be multiply of 8 for binary vector data type");
  }
  // Space type vs data type (K/SpaceType validateVectorDataType).
  if ((method.space == SpaceType::kHamming) != (method.data_type == DataType::kBinary)) {
    return IllegalArgument("Space type [" + space + "] is not supported with [" + data_type +
                           "] data type");
  }
  if (method.method_name == "ivf" && method.engine == Engine::kFaiss) {
    return Validation("\"method\" requires training.");
  }
  if (method.method_name != "hnsw") {
    return IllegalArgument("Invalid method name: " + method.method_name);
  }
  if (!SpaceSupportedByEngine(method.engine, method.space)) {
    return Validation("\"hnsw\" with \"" + engine +
                      "\" configuration does not support space type: \"" + space + "\".");
  }
  if (method.engine == Engine::kNmslib && method.data_type != DataType::kFloat) {
    return Validation("\"nmslib\" engine does not support [" + data_type + "] data type");
  }
  if (method.engine == Engine::kLucene && method.data_type == DataType::kBinary) {
    return Validation("\"lucene\" engine does not support [binary] data type");
  }
  if (method.engine == Engine::kFaiss && method.space == SpaceType::kCosineSimil &&
      method.data_type == DataType::kByte) {
    return Validation("Faiss engine does not support cosine similarity with byte vectors.");
  }
  for (const auto& [name, value] : {std::pair<const char*, int>{"m", method.m},
                                    {"ef_construction", method.ef_construction},
                                    {"ef_search", method.ef_search}}) {
    if (value <= 0) {
      return Validation(std::string("Parameter [") + name + "] must be greater than 0, got " +
                        std::to_string(value));
    }
  }
  if (method.encoder == Encoder::kSqFp16) {
    if (method.engine != Engine::kFaiss) {
      return Validation("Invalid parameter: encoder is only supported by the faiss engine");
    }
    if (method.data_type != DataType::kFloat) {
      return Validation("encoder [sq] is only supported for [float] data type");
    }
  }
  if (method.data_type == DataType::kBinary) {
    return IllegalArgument("data_type [binary] with space_type [hamming] is not supported by "
                           "sluice yet");
  }
  return util::Status::Ok();
}

bool SameGraphLayout(const KnnMethod& a, const KnnMethod& b) {
  return a.engine == b.engine && a.space == b.space && a.data_type == b.data_type &&
         a.dimension == b.dimension && a.m == b.m && a.ef_construction == b.ef_construction &&
         a.encoder == b.encoder && a.fp16_clip == b.fp16_clip && a.method_name == b.method_name;
}

size_t VectorCodeBytes(const KnnMethod& method) {
  size_t dim = static_cast<size_t>(method.dimension);
  if (method.data_type == DataType::kByte) return dim;
  if (method.encoder == Encoder::kSqFp16) return dim * 2;
  return dim * sizeof(float);
}

util::Status Fp16RangeError() {
  return IllegalArgument(
      "encoder name is set as [sq] and type is set as [fp16] in index mapping. But, KNN vector "
      "values are not within in the FP16 range [-65504.000000, 65504.000000]");
}

float DistanceToScore(SpaceType space, float distance) {
  switch (space) {
    case SpaceType::kCosineSimil: {
      float score = (2.0f - distance) / 2.0f;
      return score < 0.0f ? 0.0f : score;
    }
    case SpaceType::kInnerProduct:
      if (distance >= 0.0f) return 1.0f / (1.0f + distance);
      return -distance + 1.0f;
    case SpaceType::kL2:
    case SpaceType::kL1:
    case SpaceType::kLInf:
    case SpaceType::kHamming:
      return 1.0f / (1.0f + distance);
  }
  return 0.0f;
}

float ScoreToDistance(SpaceType space, float score) {
  if (!(score > 0.0f)) return std::numeric_limits<float>::infinity();
  switch (space) {
    case SpaceType::kCosineSimil:
      return 2.0f - 2.0f * score;
    case SpaceType::kInnerProduct:
      if (score >= 1.0f) return 1.0f - score;
      return 1.0f / score - 1.0f;
    case SpaceType::kL2:
    case SpaceType::kL1:
    case SpaceType::kLInf:
    case SpaceType::kHamming:
      return 1.0f / score - 1.0f;
  }
  return std::numeric_limits<float>::infinity();
}

}  // namespace sluice::vector
