#include "vector/simd_kernels.h"

#include <cmath>
#include <cstring>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

namespace sluice::vector::internal {
namespace {

// ---- portable kernels: eight independent partial sums, which compilers map to SIMD lanes even
// without -ffast-math, and which keep the dependency chains short on any target.

float HalfToFloat(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: mant * 2^-24
      float f = std::ldexp(static_cast<float>(mant), -24);
      std::memcpy(&bits, &f, 4);
      bits |= sign;
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 112u) << 23) | (mant << 13);
  }
  float out;
  std::memcpy(&out, &bits, 4);
  return out;
}

uint16_t FloatToHalf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  x &= 0x7fffffffu;
  if (x >= 0x7f800000u) return sign | 0x7c00u | (x > 0x7f800000u ? 0x200u : 0u);  // inf, nan
  if (x >= 0x477ff000u) return sign | 0x7c00u;  // >= 65520 rounds to infinity
  if (x < 0x38800000u) {                        // below 2^-14: a subnormal half (or zero)
    float a;
    std::memcpy(&a, &x, 4);
    return sign | static_cast<uint16_t>(std::nearbyint(a * 16777216.0f));
  }
  x += ((x >> 13) & 1u) + 0xfffu;  // round to nearest even on the 13 dropped bits
  return sign | static_cast<uint16_t>((x - (112u << 23)) >> 13);
}

float At(const float* x, size_t i) { return x[i]; }
float At(const uint16_t* x, size_t i) { return HalfToFloat(x[i]); }
float At(const int8_t* x, size_t i) { return static_cast<float>(x[i]); }

template <typename T>
float GenericL2(const float* q, const T* x, size_t dim) {
  float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = 0;
  for (; i + 8 <= dim; i += 8) {
    for (size_t j = 0; j < 8; ++j) {
      float d = q[i + j] - At(x, i + j);
      s[j] += d * d;
    }
  }
  for (; i < dim; ++i) {
    float d = q[i] - At(x, i);
    s[0] += d * d;
  }
  return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

template <typename T>
float GenericDot(const float* q, const T* x, size_t dim) {
  float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = 0;
  for (; i + 8 <= dim; i += 8) {
    for (size_t j = 0; j < 8; ++j) s[j] += q[i + j] * At(x, i + j);
  }
  for (; i < dim; ++i) s[0] += q[i] * At(x, i);
  return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

// The scalar tail of a SIMD kernel, from element `from` on.
template <typename T>
float TailL2(const float* q, const T* x, size_t from, size_t dim) {
  float s = 0;
  for (size_t i = from; i < dim; ++i) {
    float d = q[i] - At(x, i);
    s += d * d;
  }
  return s;
}

template <typename T>
float TailDot(const float* q, const T* x, size_t from, size_t dim) {
  float s = 0;
  for (size_t i = from; i < dim; ++i) s += q[i] * At(x, i);
  return s;
}

int32_t L2I8I8(const int8_t* a, const int8_t* b, size_t dim) {
  int32_t s = 0;
  for (size_t i = 0; i < dim; ++i) {
    int32_t d = int32_t{a[i]} - int32_t{b[i]};
    s += d * d;
  }
  return s;
}

int32_t DotI8I8(const int8_t* a, const int8_t* b, size_t dim) {
  int32_t s = 0;
  for (size_t i = 0; i < dim; ++i) s += int32_t{a[i]} * int32_t{b[i]};
  return s;
}

void ToF16(const float* in, uint16_t* out, size_t dim) {
  for (size_t i = 0; i < dim; ++i) out[i] = FloatToHalf(in[i]);
}

void FromF16(const uint16_t* in, float* out, size_t dim) {
  for (size_t i = 0; i < dim; ++i) out[i] = HalfToFloat(in[i]);
}

constexpr Kernels kGeneric{&GenericL2<float>,  &GenericDot<float>,  &GenericL2<uint16_t>,
                           &GenericDot<uint16_t>, &GenericL2<int8_t>, &GenericDot<int8_t>,
                           &L2I8I8, &DotI8I8, &ToF16, &FromF16, "generic"};

#if defined(__x86_64__)

// ---- AVX2 + FMA + F16C (Haswell and later): 16 values per step in two accumulators.
#define SLUICE_AVX2 __attribute__((target("avx2,fma,f16c")))

SLUICE_AVX2 float Sum8(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}

SLUICE_AVX2 int32_t Sum8(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  return _mm_cvtsi128_si32(s);
}

SLUICE_AVX2 __m256 Load8(const float* x) { return _mm256_loadu_ps(x); }
SLUICE_AVX2 __m256 Load8(const uint16_t* x) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x)));
}
SLUICE_AVX2 __m256 Load8(const int8_t* x) {
  long long bytes;
  std::memcpy(&bytes, x, 8);
  return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_cvtsi64_si128(bytes)));
}

template <typename T>
SLUICE_AVX2 float Avx2L2(const float* q, const T* x, size_t dim) {
  __m256 a = _mm256_setzero_ps(), b = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= dim; i += 16) {
    __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(q + i), Load8(x + i));
    __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(q + i + 8), Load8(x + i + 8));
    a = _mm256_fmadd_ps(d0, d0, a);
    b = _mm256_fmadd_ps(d1, d1, b);
  }
  for (; i + 8 <= dim; i += 8) {
    __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(q + i), Load8(x + i));
    a = _mm256_fmadd_ps(d0, d0, a);
  }
  return Sum8(_mm256_add_ps(a, b)) + TailL2(q, x, i, dim);
}

template <typename T>
SLUICE_AVX2 float Avx2Dot(const float* q, const T* x, size_t dim) {
  __m256 a = _mm256_setzero_ps(), b = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= dim; i += 16) {
    a = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), Load8(x + i), a);
    b = _mm256_fmadd_ps(_mm256_loadu_ps(q + i + 8), Load8(x + i + 8), b);
  }
  for (; i + 8 <= dim; i += 8) a = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), Load8(x + i), a);
  return Sum8(_mm256_add_ps(a, b)) + TailDot(q, x, i, dim);
}

SLUICE_AVX2 __m256i Load16(const int8_t* x) {
  return _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x)));
}

SLUICE_AVX2 int32_t Avx2L2I8I8(const int8_t* a, const int8_t* b, size_t dim) {
  __m256i s = _mm256_setzero_si256();
  size_t i = 0;
  for (; i + 16 <= dim; i += 16) {
    __m256i d = _mm256_sub_epi16(Load16(a + i), Load16(b + i));
    s = _mm256_add_epi32(s, _mm256_madd_epi16(d, d));
  }
  return Sum8(s) + L2I8I8(a + i, b + i, dim - i);
}

SLUICE_AVX2 int32_t Avx2DotI8I8(const int8_t* a, const int8_t* b, size_t dim) {
  __m256i s = _mm256_setzero_si256();
  size_t i = 0;
  for (; i + 16 <= dim; i += 16) {
    s = _mm256_add_epi32(s, _mm256_madd_epi16(Load16(a + i), Load16(b + i)));
  }
  return Sum8(s) + DotI8I8(a + i, b + i, dim - i);
}

SLUICE_AVX2 void Avx2ToF16(const float* in, uint16_t* out, size_t dim) {
  size_t i = 0;
  for (; i + 8 <= dim; i += 8) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i),
                     _mm256_cvtps_ph(_mm256_loadu_ps(in + i), _MM_FROUND_TO_NEAREST_INT));
  }
  ToF16(in + i, out + i, dim - i);
}

SLUICE_AVX2 void Avx2FromF16(const uint16_t* in, float* out, size_t dim) {
  size_t i = 0;
  for (; i + 8 <= dim; i += 8) _mm256_storeu_ps(out + i, Load8(in + i));
  FromF16(in + i, out + i, dim - i);
}

constexpr Kernels kAvx2{&Avx2L2<float>,    &Avx2Dot<float>,   &Avx2L2<uint16_t>,
                        &Avx2Dot<uint16_t>, &Avx2L2<int8_t>,  &Avx2Dot<int8_t>,
                        &Avx2L2I8I8,       &Avx2DotI8I8,      &Avx2ToF16,
                        &Avx2FromF16,      "avx2"};

// ---- AVX-512F (Skylake-SP and later): 16 floats per register, two accumulators.
// GCC 12's AVX-512 intrinsics self-initialise their "undefined" operands (`__Y = __Y`), which
// -Wuninitialized reports in every caller; the warning is about the header, not this code.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#define SLUICE_AVX512 __attribute__((target("avx512f,avx2,fma,f16c")))

SLUICE_AVX512 __m512 Load16f(const float* x) { return _mm512_loadu_ps(x); }
SLUICE_AVX512 __m512 Load16f(const uint16_t* x) {
  return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x)));
}
SLUICE_AVX512 __m512 Load16f(const int8_t* x) {
  return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x))));
}

template <typename T>
SLUICE_AVX512 float Avx512L2(const float* q, const T* x, size_t dim) {
  __m512 a = _mm512_setzero_ps(), b = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= dim; i += 32) {
    __m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(q + i), Load16f(x + i));
    __m512 d1 = _mm512_sub_ps(_mm512_loadu_ps(q + i + 16), Load16f(x + i + 16));
    a = _mm512_fmadd_ps(d0, d0, a);
    b = _mm512_fmadd_ps(d1, d1, b);
  }
  for (; i + 16 <= dim; i += 16) {
    __m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(q + i), Load16f(x + i));
    a = _mm512_fmadd_ps(d0, d0, a);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(a, b)) + TailL2(q, x, i, dim);
}

template <typename T>
SLUICE_AVX512 float Avx512Dot(const float* q, const T* x, size_t dim) {
  __m512 a = _mm512_setzero_ps(), b = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= dim; i += 32) {
    a = _mm512_fmadd_ps(_mm512_loadu_ps(q + i), Load16f(x + i), a);
    b = _mm512_fmadd_ps(_mm512_loadu_ps(q + i + 16), Load16f(x + i + 16), b);
  }
  for (; i + 16 <= dim; i += 16) a = _mm512_fmadd_ps(_mm512_loadu_ps(q + i), Load16f(x + i), a);
  return _mm512_reduce_add_ps(_mm512_add_ps(a, b)) + TailDot(q, x, i, dim);
}

constexpr Kernels kAvx512{&Avx512L2<float>,    &Avx512Dot<float>,  &Avx512L2<uint16_t>,
                          &Avx512Dot<uint16_t>, &Avx512L2<int8_t>, &Avx512Dot<int8_t>,
                          &Avx2L2I8I8,         &Avx2DotI8I8,       &Avx2ToF16,
                          &Avx2FromF16,        "avx512"};
#pragma GCC diagnostic pop

// F16C from CPUID leaf 1 (ECX bit 29): clang 14's __builtin_cpu_supports
// does not know the "f16c" feature string that GCC's does.
bool HasF16c() {
  unsigned int eax = 0, ebx = 0, ecx = 0, edx = 0;
  return __get_cpuid(1, &eax, &ebx, &ecx, &edx) != 0 && (ecx & bit_F16C) != 0;
}

const Kernels& Detect() {
  __builtin_cpu_init();
  bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && HasF16c();
  if (avx2 && __builtin_cpu_supports("avx512f")) return kAvx512;
  if (avx2) return kAvx2;
  return kGeneric;
}

#else

const Kernels& Detect() { return kGeneric; }

#endif

}  // namespace

const Kernels& ActiveKernels() {
  static const Kernels& kernels = Detect();
  return kernels;
}

const Kernels& GenericKernels() { return kGeneric; }

}  // namespace sluice::vector::internal
