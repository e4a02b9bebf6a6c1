// KnnMethod: the resolved configuration of one knn_vector field's ANN method (engine, space,
// data type, dimension, HNSW parameters), independent of JSON, plus the OpenSearch k-NN plugin's
// validation rules and score conversions.
//
// Contract: plain value types and pure functions; safe to use from any thread. Parse* and
// ValidateKnnMethod return a Status carrying the plugin's exception type and exact message
// (knn spec §2.5) so that api/ can render the same error body the plugin would.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "util/result.h"
#include "util/status.h"

namespace sluice::vector {

enum class SpaceType { kL2, kCosineSimil, kInnerProduct, kL1, kLInf, kHamming };
enum class Engine { kNmslib, kFaiss, kLucene };
enum class DataType { kFloat, kByte, kBinary };
// How the engine stores vectors. kSqFp16 is the faiss encoder `{name: sq, parameters: {type:
// fp16}}`: IEEE half precision codes (2 bytes a dimension), distances from the float query.
enum class Encoder { kNone, kSqFp16 };

// Where a value came from in the mapping: the plugin words its errors differently for a top-level
// `space_type` / `engine` and for the same key inside `method`.
enum class MappingLevel { kTopLevel, kMethod };

// Plugin limits and defaults (knn spec §2.2, §2.3).
inline constexpr int kMaxDimension = 16000;
inline constexpr int kDefaultM = 16;
inline constexpr int kDefaultEfConstruction = 100;
inline constexpr int kDefaultEfSearch = 100;

struct KnnMethod {
  Engine engine = Engine::kFaiss;  // plugin default engine since 2.18/2.19
  SpaceType space = SpaceType::kL2;
  DataType data_type = DataType::kFloat;
  int dimension = 0;  // required; 1..16000
  int m = kDefaultM;
  int ef_construction = kDefaultEfConstruction;
  int ef_search = kDefaultEfSearch;
  std::string method_name = "hnsw";
  Encoder encoder = Encoder::kNone;
  // sq fp16 `clip`: values beyond ±65504 are clipped instead of rejected.
  bool fp16_clip = false;
};

// Whether a graph built under `a` can serve `b` unchanged (everything that shapes the stored
// codes and the graph; ef_search is a query-time default and does not count).
bool SameGraphLayout(const KnnMethod& a, const KnnMethod& b);

// Bytes one stored vector takes in the engine (codes only, without graph links).
size_t VectorCodeBytes(const KnnMethod& method);

// Canonical lower-case names as the plugin prints them ("l2", "faiss", "float", ...).
std::string_view SpaceTypeName(SpaceType space);
std::string_view EngineName(Engine engine);
std::string_view DataTypeName(DataType data_type);

// Parse a user-supplied name. Errors (plugin wording):
//   space, top level: illegal_argument_exception
//     "Unable to find space: foo . Valid values are: [l2, cosinesimil, l1, linf, innerproduct, hamming]"
//   space, in method: mapper_parsing_exception "Invalid space_type: foo"
//   engine, in method: mapper_parsing_exception "Invalid engine: foo"
//   engine, top level: illegal_argument_exception "Invalid engine type: foo"
//   data type: illegal_argument_exception
//     "Invalid value provided for [data_type] field. Supported values are [float,byte,binary]"
util::Result<SpaceType> ParseSpaceType(std::string_view name,
                                       MappingLevel level = MappingLevel::kMethod);
util::Result<Engine> ParseEngine(std::string_view name,
                                 MappingLevel level = MappingLevel::kMethod);
util::Result<DataType> ParseDataType(std::string_view name);

// The default space for a data type: hamming for binary, l2 otherwise.
SpaceType DefaultSpaceFor(DataType data_type);

// The plugin's error for a vector value outside the fp16 range when `clip` is false.
util::Status Fp16RangeError();
inline constexpr float kFp16Max = 65504.0f;

// Checks a resolved method against the plugin's engine × space × data type rules, limits and
// sluice's own support (binary/hamming vectors are rejected with illegal_argument_exception
// "... is not supported by sluice yet"). `field` names the field in messages that include it.
util::Status ValidateKnnMethod(const KnnMethod& method, std::string_view field = "");

// The plugin's `_score` for an engine distance d (knn spec §3.1), in float32:
//   l2/l1/linf/hamming: 1/(1+d); cosinesimil: max((2-d)/2, 0);
//   innerproduct (d = -dot): d >= 0 ? 1/(1+d) : 1-d.
float DistanceToScore(SpaceType space, float distance);

// Inverse of DistanceToScore on the score range where it is invertible: the largest distance
// whose score is >= `score`. For score <= 0 returns +infinity.
float ScoreToDistance(SpaceType space, float score);

}  // namespace sluice::vector
