#include "text/inverted_index.h"

#include <cstring>

#include "storage/store.h"

namespace sluice::text {
namespace {

using storage::Column;

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

bool GetVarint(std::string_view& in, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift <= 63 && !in.empty(); shift += 7) {
    uint8_t b = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    result |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (b < 0x80) {
      *v = result;
      return true;
    }
  }
  return false;
}

void PutBytes(std::string& out, std::string_view s) {
  PutVarint(out, s.size());
  out.append(s);
}

bool GetBytes(std::string_view& in, std::string_view* s) {
  uint64_t n;
  if (!GetVarint(in, &n) || n > in.size()) return false;
  *s = in.substr(0, n);
  in.remove_prefix(n);
  return true;
}

void PutBe32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

uint32_t GetBe32(std::string_view s) {
  uint32_t v = 0;
  for (char c : s.substr(0, 4)) v = (v << 8) | static_cast<uint8_t>(c);
  return v;
}

constexpr int32_t kPositionIncrementGap = 100;

class RocksPostingsCursor : public PostingsCursor {
 public:
  RocksPostingsCursor(std::unique_ptr<storage::Store::Cursor> cursor, std::string prefix,
                      bool positions)
      : cursor_(std::move(cursor)), prefix_(std::move(prefix)), positions_(positions) {
    cursor_->Seek(prefix_);
    Load();
  }
  bool Advance(uint32_t target) override {
    if (!valid_ || posting_.doc >= target) return valid_;
    // A seek costs a search of every RocksDB level; the target is often a few
    // postings ahead, so step first.
    for (int i = 0; i < 8; ++i) {
      if (!Next() || posting_.doc >= target) return valid_;
    }
    std::string key = prefix_;
    PutBe32(key, target);
    cursor_->Seek(key);
    return Load();
  }
  bool Next() override {
    if (!valid_) return false;
    cursor_->Next();
    return Load();
  }
  bool Valid() const override { return valid_; }
  const Posting& posting() const override { return posting_; }
  const std::vector<int32_t>& positions() override {
    if (!decoded_) {
      decoded_ = true;
      std::string_view v = encoded_;
      int64_t pos = 0;
      for (uint64_t i = 0, d; i < posting_.freq && GetVarint(v, &d); ++i) {
        pos += static_cast<int64_t>(d);
        positions_list_.push_back(static_cast<int32_t>(pos));
      }
    }
    return positions_list_;
  }
  util::Status status() const override { return status_.ok() ? cursor_->status() : status_; }

 private:
  bool Load() {
    valid_ = cursor_->Valid() && cursor_->key().starts_with(prefix_) &&
             cursor_->key().size() == prefix_.size() + 4;
    if (!valid_) return false;
    posting_.doc = GetBe32(cursor_->key().substr(prefix_.size()));
    std::string_view v = cursor_->value();
    uint64_t freq = 0;
    if (v.empty() || (posting_.norm = static_cast<uint8_t>(v[0]), v.remove_prefix(1), false) ||
        !GetVarint(v, &freq)) {
      status_ = util::Internal("corrupt posting");
      return valid_ = false;
    }
    posting_.freq = static_cast<uint32_t>(freq);
    // Phrase queries need positions for few of the documents they visit.
    positions_list_.clear();
    decoded_ = !positions_;
    if (positions_) encoded_.assign(v.data(), v.size());
    return true;
  }

  std::unique_ptr<storage::Store::Cursor> cursor_;
  std::string prefix_;
  bool positions_;
  bool valid_ = false;
  Posting posting_;
  std::string encoded_;  // the current posting's position deltas
  bool decoded_ = true;
  std::vector<int32_t> positions_list_;
  util::Status status_;
};

}  // namespace

void AddTokens(const std::vector<Token>& tokens, FieldTerms& into, int32_t* next_position) {
  int32_t base = *next_position;
  if (into.length > 0 || base > 0) base += kPositionIncrementGap;
  int32_t last = base - 1;
  for (const auto& t : tokens) {
    last = base + t.position;
    into.terms[t.term].push_back(last);
    ++into.length;
  }
  *next_position = tokens.empty() ? base : last + 1;
}

InvertedIndex::InvertedIndex(storage::Store* store, std::string uuid,
                             std::shared_ptr<const storage::Snapshot> snapshot)
    : store_(store), uuid_(std::move(uuid)), snapshot_(std::move(snapshot)) {}

util::Result<int64_t> InvertedIndex::Counter(const std::string& key) const {
  if (snapshot_) return store_->GetCounter(Column::kTextStats, key, *snapshot_);
  return store_->GetCounter(Column::kTextStats, key);
}

std::string InvertedIndex::Key(char kind, std::string_view rest) const {
  std::string key = uuid_;
  key.push_back('\0');
  key.push_back(kind);
  key.append(rest);
  return key;
}

std::string InvertedIndex::PostingPrefix(std::string_view field, std::string_view term) const {
  std::string key = Key('p', field);
  key.push_back('\0');
  for (char c : term) {
    key.push_back(c);
    if (c == '\0') key.push_back('\1');
  }
  key.append(2, '\0');
  return key;
}

void InvertedIndex::Add(storage::WriteBatch& batch, uint32_t doc,
                        const std::vector<FieldTerms>& fields, StatsDelta* delta) const {
  auto add = [&](std::string key, int64_t v) {
    if (delta)
      (*delta)[std::move(key)] += v;
    else
      batch.AddCounter(Column::kTextStats, key, v);
  };
  std::string record;
  for (const auto& f : fields) {
    if (f.length == 0) continue;
    uint8_t norm = IntToByte4(f.length);
    PutBytes(record, f.field);
    PutVarint(record, static_cast<uint64_t>(f.length));
    PutVarint(record, f.terms.size());
    for (const auto& [term, positions] : f.terms) {
      PutBytes(record, term);
      std::string key = PostingPrefix(f.field, term);
      PutBe32(key, doc);
      std::string value(1, static_cast<char>(norm));
      PutVarint(value, positions.size());
      int32_t prev = 0;
      for (int32_t p : positions) {
        PutVarint(value, static_cast<uint64_t>(p - prev));
        prev = p;
      }
      batch.Put(Column::kPostings, key, value);
      std::string term_key = f.field;
      term_key.push_back('\0');
      term_key.append(term);
      add(Key('t', term_key), 1);
    }
    add(Key('c', f.field), 1);
    add(Key('s', f.field), f.length);
  }
  std::string doc_key;
  PutBe32(doc_key, doc);
  if (!record.empty()) batch.Put(Column::kPostings, Key('d', doc_key), record);
}

util::Status InvertedIndex::Remove(storage::WriteBatch& batch, uint32_t doc,
                                   StatsDelta* delta) const {
  auto add = [&](std::string key, int64_t v) {
    if (delta)
      (*delta)[std::move(key)] += v;
    else
      batch.AddCounter(Column::kTextStats, key, v);
  };
  std::string doc_key;
  PutBe32(doc_key, doc);
  SLUICE_ASSIGN_OR_RETURN(auto record, store_->Get(Column::kPostings, Key('d', doc_key)));
  if (!record) return util::Status::Ok();
  std::string_view in = *record;
  while (!in.empty()) {
    std::string_view field, term;
    uint64_t length, count;
    if (!GetBytes(in, &field) || !GetVarint(in, &length) || !GetVarint(in, &count)) {
      return util::Internal("corrupt term list of doc " + std::to_string(doc));
    }
    for (uint64_t i = 0; i < count; ++i) {
      if (!GetBytes(in, &term))
        return util::Internal("corrupt term list of doc " + std::to_string(doc));
      std::string key = PostingPrefix(field, term);
      PutBe32(key, doc);
      batch.Delete(Column::kPostings, key);
      std::string term_key(field);
      term_key.push_back('\0');
      term_key.append(term);
      add(Key('t', term_key), -1);
    }
    add(Key('c', std::string(field)), -1);
    add(Key('s', std::string(field)), -static_cast<int64_t>(length));
  }
  batch.Delete(Column::kPostings, Key('d', doc_key));
  return util::Status::Ok();
}

void InvertedIndex::FlushStats(storage::WriteBatch& batch, StatsDelta& delta) const {
  for (const auto& [key, v] : delta) {
    if (v != 0) batch.AddCounter(Column::kTextStats, key, v);
  }
  delta.clear();
}

void InvertedIndex::Drop(storage::WriteBatch& batch) const {
  std::string begin = uuid_;
  begin.push_back('\0');
  std::string end = uuid_;
  end.push_back('\1');
  batch.DeleteRange(Column::kPostings, begin, end);
  batch.DeleteRange(Column::kTextStats, begin, end);
}

util::Result<FieldStats> InvertedIndex::Stats(std::string_view field) const {
  FieldStats stats;
  SLUICE_ASSIGN_OR_RETURN(stats.doc_count, Counter(Key('c', field)));
  SLUICE_ASSIGN_OR_RETURN(stats.sum_total_term_freq,
                          Counter(Key('s', field)));
  return stats;
}

util::Result<int64_t> InvertedIndex::DocFreq(std::string_view field, std::string_view term) const {
  std::string term_key(field);
  term_key.push_back('\0');
  term_key.append(term);
  return Counter(Key('t', term_key));
}

util::Status InvertedIndex::ForEachTerm(
    std::string_view field, std::string_view prefix,
    const std::function<bool(std::string_view, int64_t)>& visit) const {
  std::string base(field);
  base.push_back('\0');
  std::string start = Key('t', base);
  size_t term_at = start.size();
  start.append(prefix);
  auto cursor = snapshot_ ? store_->NewCursor(Column::kTextStats, snapshot_)
                          : store_->NewCursor(Column::kTextStats);
  for (cursor->Seek(start); cursor->Valid() && cursor->key().starts_with(start); cursor->Next()) {
    int64_t df = 0;
    if (cursor->value().size() == sizeof(df)) std::memcpy(&df, cursor->value().data(), sizeof(df));
    if (df > 0 && !visit(cursor->key().substr(term_at), df)) break;
  }
  return cursor->status();
}

util::Result<std::vector<std::string>> InvertedIndex::TermsWithPrefix(std::string_view field,
                                                                      std::string_view prefix,
                                                                      size_t max) const {
  std::vector<std::string> out;
  if (max == 0) return out;
  SLUICE_RETURN_IF_ERROR(ForEachTerm(field, prefix, [&](std::string_view term, int64_t) {
    out.emplace_back(term);
    return out.size() < max;
  }));
  return out;
}

std::unique_ptr<PostingsCursor> InvertedIndex::Postings(std::string_view field,
                                                        std::string_view term,
                                                        bool positions) const {
  return std::make_unique<RocksPostingsCursor>(
      snapshot_ ? store_->NewCursor(Column::kPostings, snapshot_)
                : store_->NewCursor(Column::kPostings),
                                               PostingPrefix(field, term), positions);
}

}  // namespace sluice::text
