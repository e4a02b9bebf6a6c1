#include "text/bm25.h"

#include <bit>
#include <cmath>

namespace sluice::text {
namespace {

// SmallFloat.longToInt4: 3 mantissa bits plus an exponent, for values >= 8.
int32_t LongToInt4(uint64_t i) {
  int num_bits = 64 - std::countl_zero(i);
  if (num_bits < 4) return static_cast<int32_t>(i);  // subnormal
  int shift = num_bits - 4;
  int32_t encoded = static_cast<int32_t>(i >> shift) & 0x07;
  return encoded | ((shift + 1) << 3);
}

uint64_t Int4ToLong(int32_t i) {
  uint64_t bits = i & 0x07;
  int shift = (i >> 3) - 1;
  return shift == -1 ? bits : (bits | 0x08) << shift;
}

// 255 - longToInt4(Integer.MAX_VALUE): small values are stored as they are.
constexpr int32_t kNumFreeValues = 24;

}  // namespace

uint8_t IntToByte4(int32_t i) {
  if (i < 0) i = 0;
  if (i < kNumFreeValues) return static_cast<uint8_t>(i);
  return static_cast<uint8_t>(kNumFreeValues +
                              LongToInt4(static_cast<uint64_t>(i - kNumFreeValues)));
}

int32_t Byte4ToInt(uint8_t b) {
  if (b < kNumFreeValues) return b;
  return static_cast<int32_t>(kNumFreeValues + Int4ToLong(b - kNumFreeValues));
}

float Bm25Idf(int64_t doc_freq, int64_t doc_count) {
  return static_cast<float>(
      std::log(1.0 + (static_cast<double>(doc_count - doc_freq) + 0.5) / (doc_freq + 0.5)));
}

Bm25Weight::Bm25Weight(float idf, float boost, const FieldStats& stats) : idf_(idf) {
  boost_ = boost * (1.0f + kBm25K1);
  // BM25Similarity.avgFieldLength: (float) (sumTotalTermFreq / (double) docCount).
  avgdl_ = stats.doc_count > 0 ? static_cast<float>(static_cast<double>(stats.sum_total_term_freq) /
                                                    static_cast<double>(stats.doc_count))
                               : 1.0f;
  weight_ = boost_ * idf_;
  for (int i = 0; i < 256; ++i) {
    float length = static_cast<float>(Byte4ToInt(static_cast<uint8_t>(i)));
    cache_[i] = 1.0f / (kBm25K1 * ((1 - kBm25B) + kBm25B * length / avgdl_));
  }
}

}  // namespace sluice::text
