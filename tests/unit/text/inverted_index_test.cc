#include "text/inverted_index.h"

#include <gtest/gtest.h>

#include "index/test_store.h"
#include "storage/store.h"
#include "text/analyzer_registry.h"

namespace sluice::text {
namespace {

FieldTerms Field(std::string field, std::string_view text) {
  FieldTerms f;
  f.field = std::move(field);
  int32_t next = 0;
  AddTokens(NewBuiltinAnalyzer("standard")->Analyze(text), f, &next);
  return f;
}

class InvertedIndexTest : public ::testing::Test {
 protected:
  void Index(uint32_t doc, std::vector<FieldTerms> fields) {
    storage::WriteBatch batch;
    ASSERT_TRUE(index_.Remove(batch, doc).ok());
    index_.Add(batch, doc, fields);
    ASSERT_TRUE(store_->Write(batch).ok());
  }
  void Delete(uint32_t doc) {
    storage::WriteBatch batch;
    ASSERT_TRUE(index_.Remove(batch, doc).ok());
    ASSERT_TRUE(store_->Write(batch).ok());
  }
  std::vector<uint32_t> Docs(std::string_view term) {
    std::vector<uint32_t> out;
    for (auto c = index_.Postings("body", term, false); c->Valid(); c->Next()) {
      out.push_back(c->posting().doc);
    }
    return out;
  }
  testutil::TempStore store_;
  InvertedIndex index_{store_.get(), "uuid1"};
};

TEST_F(InvertedIndexTest, KeepsFrequenciesPositionsNormsAndStatistics) {
  Index(0, {Field("body", "the quick fox saw the fox")});
  Index(7, {Field("body", "a fox")});
  Index(3, {Field("title", "fox")});
  auto c = index_.Postings("body", "fox", true);
  ASSERT_TRUE(c->Valid());
  EXPECT_EQ(c->posting().doc, 0u);
  EXPECT_EQ(c->posting().freq, 2u);
  EXPECT_EQ(c->posting().norm, 6);
  EXPECT_EQ(c->positions(), (std::vector<int32_t>{2, 5}));
  ASSERT_TRUE(c->Next());
  EXPECT_EQ(c->posting().doc, 7u);
  EXPECT_FALSE(c->Next());
  EXPECT_EQ(*index_.DocFreq("body", "fox"), 2);
  EXPECT_EQ(index_.Stats("body")->doc_count, 2);
  EXPECT_EQ(index_.Stats("body")->sum_total_term_freq, 8);
  EXPECT_EQ(index_.Stats("title")->doc_count, 1);
}

TEST_F(InvertedIndexTest, UpdateAndDeleteRemoveOldPostingsAndStatistics) {
  Index(0, {Field("body", "fox fox")});
  Index(1, {Field("body", "dog")});
  Index(0, {Field("body", "cat")});  // update
  EXPECT_TRUE(Docs("fox").empty());
  EXPECT_EQ(*index_.DocFreq("body", "fox"), 0);
  EXPECT_EQ(index_.Stats("body")->sum_total_term_freq, 2);
  Delete(1);
  EXPECT_TRUE(Docs("dog").empty());
  EXPECT_EQ(index_.Stats("body")->doc_count, 1);
  EXPECT_EQ(*index_.TermsWithPrefix("body", "", 10), (std::vector<std::string>{"cat"}));
}

TEST_F(InvertedIndexTest, SummedStatisticsOfABatchEqualPerDocumentOnes) {
  storage::WriteBatch batch;
  InvertedIndex::StatsDelta delta;
  index_.Add(batch, 0, {Field("body", "fox fox dog")}, &delta);
  index_.Add(batch, 1, {Field("body", "fox")}, &delta);
  index_.FlushStats(batch, delta);
  EXPECT_TRUE(delta.empty());
  ASSERT_TRUE(store_->Write(batch).ok());
  EXPECT_EQ(*index_.DocFreq("body", "fox"), 2);
  EXPECT_EQ(index_.Stats("body")->doc_count, 2);
  EXPECT_EQ(index_.Stats("body")->sum_total_term_freq, 4);
  storage::WriteBatch removal;
  ASSERT_TRUE(index_.Remove(removal, 0, &delta).ok());
  index_.FlushStats(removal, delta);
  ASSERT_TRUE(store_->Write(removal).ok());
  EXPECT_EQ(*index_.DocFreq("body", "dog"), 0);
  EXPECT_EQ(index_.Stats("body")->sum_total_term_freq, 1);
}

TEST_F(InvertedIndexTest, AdvanceSkipsToTheTargetDoc) {
  for (uint32_t d = 0; d < 300; d += 3) Index(d, {Field("body", "x")});
  auto c = index_.Postings("body", "x", false);
  ASSERT_TRUE(c->Advance(100));
  EXPECT_EQ(c->posting().doc, 102u);
  EXPECT_FALSE(c->Advance(1000));
}

TEST_F(InvertedIndexTest, MultiValuedFieldsGetAPositionGap) {
  FieldTerms f;
  f.field = "body";
  int32_t next = 0;
  auto a = NewBuiltinAnalyzer("standard");
  AddTokens(a->Analyze("a b"), f, &next);
  AddTokens(a->Analyze("c"), f, &next);
  EXPECT_EQ(f.terms["c"], (std::vector<int32_t>{102}));
  EXPECT_EQ(f.length, 3);
}

TEST_F(InvertedIndexTest, SurvivesReopen) {
  Index(0, {Field("body", "durable words")});
  store_.Reopen();
  InvertedIndex reopened(store_.get(), "uuid1");
  EXPECT_EQ(*reopened.DocFreq("body", "durable"), 1);
  EXPECT_TRUE(reopened.Postings("body", "words", false)->Valid());
}

TEST_F(InvertedIndexTest, IndexesAreSeparatedByUuidAndDropRemovesOne) {
  Index(0, {Field("body", "shared")});
  InvertedIndex other(store_.get(), "uuid2");
  storage::WriteBatch batch;
  other.Add(batch, 0, {Field("body", "shared")});
  ASSERT_TRUE(store_->Write(batch).ok());
  storage::WriteBatch drop;
  other.Drop(drop);
  ASSERT_TRUE(store_->Write(drop).ok());
  EXPECT_EQ(*other.DocFreq("body", "shared"), 0);
  EXPECT_EQ(*index_.DocFreq("body", "shared"), 1);
}

}  // namespace
}  // namespace sluice::text
