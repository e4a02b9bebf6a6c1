// InvertedIndex: the postings, norms and statistics of an index's text
// fields, kept in the Store (nothing held in memory per document or term).
//
// Layout (keys start with "<index uuid>\0"):
//   kPostings  p<field>\0<term*>\0\0<doc BE32>  → norm byte, varint freq, varint position deltas
//   kPostings  d<doc BE32>                      → the doc's fields, lengths and terms (for removal)
//   kTextStats c<field> / s<field>              → doc count / sum of total term freq
//   kTextStats t<field>\0<term>                 → doc freq
// (*a \0 inside a term is written \0\1.) Writes are added to the caller's
// WriteBatch, so postings are durable with the documents they index.
// Deleted documents leave the statistics at once (like a force-merged Lucene
// index: docFreq and docCount never count deleted documents).
//
// Thread-safety: reads may run concurrently with each other and with writes;
// writes (Add/Remove) must be serialised by the caller (Index's writer lock).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "text/analyzer.h"
#include "text/bm25.h"
#include "util/result.h"

namespace sluice::storage {
class Snapshot;
class Store;
class WriteBatch;
}  // namespace sluice::storage

namespace sluice::text {

// What one document's field contributes to the index.
struct FieldTerms {
  std::string field;
  int32_t length = 0;                                 // tokens (norm and sum of term freqs)
  std::map<std::string, std::vector<int32_t>> terms;  // term → positions, ascending
};

// Adds one value's tokens to a field (multi-valued fields: call per value;
// positions continue after a gap of position_increment_gap, 100 as OpenSearch).
void AddTokens(const std::vector<Token>& tokens, FieldTerms& into, int32_t* next_position);

struct Posting {
  uint32_t doc = 0;
  uint32_t freq = 0;
  uint8_t norm = 0;
};

// Reads one term's postings in doc order.
class PostingsCursor {
 public:
  virtual ~PostingsCursor() = default;
  // Moves to the first posting with doc >= target (from the current one on).
  virtual bool Advance(uint32_t target) = 0;
  virtual bool Next() = 0;
  virtual bool Valid() const = 0;
  virtual const Posting& posting() const = 0;
  // The current posting's positions, decoded on first use (empty unless the
  // cursor was created with positions).
  virtual const std::vector<int32_t>& positions() = 0;
  virtual util::Status status() const = 0;
};

class InvertedIndex {
 public:
  // With a snapshot, every read is as of it (point-in-time searches); such an
  // index is only read, never written.
  InvertedIndex(storage::Store* store, std::string uuid,
                std::shared_ptr<const storage::Snapshot> snapshot = nullptr);

  // Statistic changes of several documents, summed per counter so that a
  // batch of documents writes each counter once (a reader's cost grows with
  // the number of unmerged additions to a counter). Apply with FlushStats.
  using StatsDelta = std::map<std::string, int64_t>;

  // Indexes doc's fields (the doc must have no postings: Remove first). With
  // delta, statistic changes are added there instead of to the batch.
  void Add(storage::WriteBatch& batch, uint32_t doc, const std::vector<FieldTerms>& fields,
           StatsDelta* delta = nullptr) const;
  // Removes doc's postings and its share of the statistics; nothing when it has none.
  util::Status Remove(storage::WriteBatch& batch, uint32_t doc, StatsDelta* delta = nullptr) const;
  // Adds the summed changes to the batch and clears delta.
  void FlushStats(storage::WriteBatch& batch, StatsDelta& delta) const;
  // Removes everything of the index.
  void Drop(storage::WriteBatch& batch) const;

  util::Result<FieldStats> Stats(std::string_view field) const;
  util::Result<int64_t> DocFreq(std::string_view field, std::string_view term) const;
  // Terms of the field starting with prefix (doc freq > 0), in order, at most max.
  util::Result<std::vector<std::string>> TermsWithPrefix(std::string_view field,
                                                         std::string_view prefix, size_t max) const;
  // Calls visit(term, doc_freq) for the terms of the field that start with
  // prefix and have a doc freq > 0, in byte order, until visit returns false
  // (the term dictionary walk of the term suggester).
  util::Status ForEachTerm(std::string_view field, std::string_view prefix,
                           const std::function<bool(std::string_view, int64_t)>& visit) const;
  // Positioned on the first posting (or not Valid when the term has none).
  std::unique_ptr<PostingsCursor> Postings(std::string_view field, std::string_view term,
                                           bool positions) const;

 private:
  std::string PostingPrefix(std::string_view field, std::string_view term) const;
  std::string Key(char kind, std::string_view rest) const;

  util::Result<int64_t> Counter(const std::string& key) const;

  storage::Store* store_;
  std::string uuid_;
  std::shared_ptr<const storage::Snapshot> snapshot_;  // null: read the current state
};

}  // namespace sluice::text
