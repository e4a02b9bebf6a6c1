// BM25 as OpenSearch 2.19 scores text: Lucene's BM25Similarity with
// k1 = 1.2, b = 0.75, times (k1 + 1) (OpenSearch's LegacyBM25Similarity), in
// Lucene's float arithmetic, over field lengths stored with Lucene's lossy
// one-byte norm encoding (SmallFloat.intToByte4: exact up to 40 tokens).
//
// Bm25Weight is the per-query-term part (idf, boost, the norm cache of the
// field's average length); Score(freq, norm) is Lucene's BM25Scorer.score.
// Pure functions and immutable values; thread-safe.
#pragma once

#include <array>
#include <cstdint>

namespace sluice::text {

inline constexpr float kBm25K1 = 1.2f;
inline constexpr float kBm25B = 0.75f;

// Lucene's SmallFloat.intToByte4 / byte4ToInt.
uint8_t IntToByte4(int32_t i);
int32_t Byte4ToInt(uint8_t b);

// Lucene's BM25Similarity.idf: (float) log(1 + (N - n + 0.5) / (n + 0.5)).
float Bm25Idf(int64_t doc_freq, int64_t doc_count);

struct FieldStats {
  int64_t doc_count = 0;            // documents with at least one token in the field
  int64_t sum_total_term_freq = 0;  // tokens in the field over all documents
};

class Bm25Weight {
 public:
  // idf: one term's Bm25Idf, or a phrase's idfs summed in double and rounded
  // to float (Lucene's idfExplain over several terms). boost: the query's
  // boost; the legacy (k1 + 1) factor is applied here.
  Bm25Weight(float idf, float boost, const FieldStats& stats);

  float Score(float freq, uint8_t norm) const {
    float norm_inverse = cache_[norm];
    return weight_ - weight_ / (1.0f + freq * norm_inverse);
  }
  float idf() const { return idf_; }
  float boost() const { return boost_; }  // including the (k1 + 1) factor
  float avgdl() const { return avgdl_; }

 private:
  float idf_, boost_, avgdl_, weight_;
  std::array<float, 256> cache_;
};

}  // namespace sluice::text
