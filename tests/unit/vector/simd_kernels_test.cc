// The run-time selected distance kernels agree with the portable ones and with plain sums, on
// every length (SIMD bodies plus scalar tails), and fp16 conversion is IEEE round-to-nearest.
#include "vector/simd_kernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace sluice::vector::internal {
namespace {

double RefL2(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
  return s;
}

double RefDot(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += double(a[i]) * b[i];
  return s;
}

TEST(SimdKernelsTest, FloatHalfAndInt8KernelsMatchReferenceSums) {
  std::mt19937 gen(5);
  std::uniform_real_distribution<float> u(-2.0f, 2.0f);
  std::uniform_int_distribution<int> bytes(-128, 127);
  for (const Kernels* k : {&ActiveKernels(), &GenericKernels()}) {
    for (size_t dim : {1, 3, 8, 15, 16, 17, 31, 32, 33, 100, 128, 384, 385}) {
      std::vector<float> q(dim), x(dim), xh(dim), xi(dim);
      std::vector<uint16_t> h(dim);
      std::vector<int8_t> i8(dim), j8(dim);
      for (size_t i = 0; i < dim; ++i) {
        q[i] = u(gen);
        x[i] = u(gen);
        i8[i] = static_cast<int8_t>(bytes(gen));
        j8[i] = static_cast<int8_t>(bytes(gen));
        xi[i] = i8[i];
      }
      k->to_f16(x.data(), h.data(), dim);
      k->from_f16(h.data(), xh.data(), dim);
      double tol = 1e-4 * static_cast<double>(dim);
      EXPECT_NEAR(k->l2_f32(q.data(), x.data(), dim), RefL2(q, x), tol) << k->name << dim;
      EXPECT_NEAR(k->dot_f32(q.data(), x.data(), dim), RefDot(q, x), tol) << k->name << dim;
      EXPECT_NEAR(k->l2_f16(q.data(), h.data(), dim), RefL2(q, xh), tol) << k->name << dim;
      EXPECT_NEAR(k->dot_f16(q.data(), h.data(), dim), RefDot(q, xh), tol) << k->name << dim;
      EXPECT_NEAR(k->l2_i8(q.data(), i8.data(), dim), RefL2(q, xi), 1e-2 * dim) << k->name;
      EXPECT_NEAR(k->dot_i8(q.data(), i8.data(), dim), RefDot(q, xi), 1e-3 * dim) << k->name;
      std::vector<float> xj(j8.begin(), j8.end());
      EXPECT_EQ(k->l2_i8i8(i8.data(), j8.data(), dim), static_cast<int32_t>(RefL2(xi, xj)));
      EXPECT_EQ(k->dot_i8i8(i8.data(), j8.data(), dim), static_cast<int32_t>(RefDot(xi, xj)));
      for (size_t i = 0; i < dim; ++i) {
        EXPECT_LE(std::fabs(xh[i] - x[i]), std::fabs(x[i]) / 2048.0f + 1e-7f);
      }
    }
  }
}

TEST(SimdKernelsTest, HalfConversionRoundsToNearestEvenAndSaturatesToInfinity) {
  // 1 + 2^-11 is halfway between 1 and the next half (1 + 2^-10): ties go to even (1.0);
  // 1 + 3 * 2^-11 goes up to 1 + 2^-9 (even mantissa).
  std::vector<float> in = {0.0f,     -0.0f,    1.0f,     1.0f + 1.0f / 2048, 1.0f + 3.0f / 2048,
                           65504.0f, 65519.0f, 65520.0f, -1e9f,              5.96046448e-8f,
                           1e-9f,    6.1035156e-5f};
  std::vector<uint16_t> expect = {0x0000, 0x8000, 0x3c00, 0x3c00, 0x3c02, 0x7bff,
                                  0x7bff, 0x7c00, 0xfc00, 0x0001, 0x0000, 0x0400};
  for (const Kernels* k : {&ActiveKernels(), &GenericKernels()}) {
    std::vector<uint16_t> out(in.size());
    k->to_f16(in.data(), out.data(), in.size());
    for (size_t i = 0; i < in.size(); ++i) {
      EXPECT_EQ(out[i], expect[i]) << k->name << " value " << in[i];
    }
    std::vector<float> back(in.size());
    k->from_f16(expect.data(), back.data(), in.size());
    EXPECT_EQ(back[5], 65504.0f);
    EXPECT_TRUE(std::isinf(back[7]));
    EXPECT_EQ(back[9], 5.96046448e-8f);
  }
}

}  // namespace
}  // namespace sluice::vector::internal
