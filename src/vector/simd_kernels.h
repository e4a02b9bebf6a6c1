// Distance kernels over stored vector codes (float32, IEEE fp16, int8) for the graph engines.
// Internal to vector/.
//
// Why here and not FAISS's: Debian's libfaiss 1.7.3 is built for baseline x86-64 (its
// get_compile_options() is "OPTIMIZE GENERIC"; no libfaiss_avx2 ships), so faiss::fvec_L2sqr
// is a tail call into the scalar fvec_L2sqr_ref, one element per iteration, and its
// ScalarQuantizer codecs take the non-SIMD path too. These kernels are compiled for several
// instruction sets (GCC target attributes) and the best one the CPU supports is chosen once at
// run time, so a binary built for baseline x86-64 still runs everywhere.
//
// Contract: pure functions over `dim` elements; thread-safe. Float results may differ from a
// sequential sum in the last bits (the sum is split across lanes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sluice::vector::internal {

struct Kernels {
  // float query against float32 / fp16 / int8 codes.
  float (*l2_f32)(const float* q, const float* x, size_t dim);
  float (*dot_f32)(const float* q, const float* x, size_t dim);
  float (*l2_f16)(const float* q, const uint16_t* x, size_t dim);
  float (*dot_f16)(const float* q, const uint16_t* x, size_t dim);
  float (*l2_i8)(const float* q, const int8_t* x, size_t dim);
  float (*dot_i8)(const float* q, const int8_t* x, size_t dim);
  // int8 against int8, exact in integer arithmetic (dimension < 2^16 keeps it in range).
  int32_t (*l2_i8i8)(const int8_t* a, const int8_t* b, size_t dim);
  int32_t (*dot_i8i8)(const int8_t* a, const int8_t* b, size_t dim);
  // float32 <-> IEEE binary16 (round to nearest even; values beyond ±65504 become ±inf).
  void (*to_f16)(const float* in, uint16_t* out, size_t dim);
  void (*from_f16)(const uint16_t* in, float* out, size_t dim);
  std::string_view name;  // "avx512", "avx2" or "generic"
};

// The kernels for this CPU, chosen on first use.
const Kernels& ActiveKernels();
// The portable kernels (tests compare the others against them).
const Kernels& GenericKernels();

}  // namespace sluice::vector::internal
