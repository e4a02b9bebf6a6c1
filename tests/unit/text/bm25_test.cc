#include "text/bm25.h"

#include <gtest/gtest.h>

namespace sluice::text {
namespace {

// Expected values computed independently in Python, rounding every step to
// float32 as Java does (f = lambda x: struct.unpack('f', struct.pack('f', x))[0]):
//   i2b(L): L if L < 24 else 24 + longToInt4(L - 24)   (SmallFloat.intToByte4)
//   idf = f(log(1 + (N - n + 0.5) / (n + 0.5)));  avgdl = f(sumttf / N)
//   cache = f(1 / f(1.2 * f(f(1 - 0.75) + f(f(0.75 * b2i(i2b(dl))) / avgdl))))
//   w = f(f(boost * 2.2) * idf);  score = f(w - f(w / f(1 + f(freq * cache))))
TEST(SmallFloat, EncodesLengthsExactlyUpTo40AndRoundsAbove) {
  EXPECT_EQ(IntToByte4(3), 3);
  EXPECT_EQ(Byte4ToInt(IntToByte4(40)), 40);
  EXPECT_EQ(IntToByte4(41), 40);
  EXPECT_EQ(Byte4ToInt(IntToByte4(41)), 40);
  EXPECT_EQ(IntToByte4(43), 41);
  EXPECT_EQ(Byte4ToInt(IntToByte4(43)), 42);
  EXPECT_EQ(IntToByte4(50), 45);
  EXPECT_EQ(Byte4ToInt(IntToByte4(100)), 96);
  EXPECT_EQ(Byte4ToInt(IntToByte4(1000)), 984);
  EXPECT_EQ(Byte4ToInt(255), 24 + (int64_t{15} << 27));  // fits in an int, as in Lucene
}

float Score(float freq, int dl, int df, int n, int sumttf, float boost = 1.0f) {
  FieldStats stats{n, sumttf};
  Bm25Weight w(Bm25Idf(df, n), boost, stats);
  return w.Score(freq, IntToByte4(dl));
}

TEST(Bm25, MatchesLegacyBm25ScoresComputedByHand) {
  // Three docs of lengths 3, 5 and 43; "fox" in two of them.
  EXPECT_FLOAT_EQ(Score(1, 3, 2, 3, 51), 0.7087957859039307f);
  EXPECT_FLOAT_EQ(Score(3, 43, 2, 3, 51), 0.5616018176078796f);  // length 43 stored as 42
  EXPECT_FLOAT_EQ(Score(2, 5, 1, 3, 51), 1.6827069520950317f);
  EXPECT_FLOAT_EQ(Score(3, 43, 2, 3, 51, 2.0f), 1.1232036352157593f);
}

TEST(Bm25, IdfIsLuceneFormula) {
  EXPECT_FLOAT_EQ(Bm25Idf(1, 1), 0.2876821f);  // log(1 + 0.5/1.5), OpenSearch's single-doc idf
}

}  // namespace
}  // namespace sluice::text
