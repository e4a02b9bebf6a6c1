// lexical_bench: full-text query throughput of sluice (BM25 over its RocksDB
// postings: match 2-term OR, match 2-term AND, match_phrase) vs Xapian (BM25
// weighting, same documents and queries, its own disk database), single
// thread, in the same run; indexing docs/s of both; and the overlap of the
// top-10 sets (the two BM25 variants differ: Xapian's default BM25Weight has
// k1 = 1, b = 0.5 and no one-byte norm, so the sets are close, not equal).
//
// The corpus: N documents of 20-80 words drawn from a Zipfian (s = 1) vocabulary
// of 50,000 words. Query terms are drawn from ranks 50-2000 (frequent enough
// to match, rare enough to discriminate).
//
//   build/bench/lexical_bench [N=1000000] [queries=300]
#include <unistd.h>
#include <xapian.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "index/index.h"
#include "search/text_queries.h"
#include "storage/store.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;
constexpr size_t kBatch = 1000;
constexpr size_t kVocabulary = 50000;

std::string Word(size_t rank) { return "w" + std::to_string(rank); }

class Zipf {
 public:
  explicit Zipf(size_t n) : cdf_(n) {
    double sum = 0;
    for (size_t i = 0; i < n; ++i) cdf_[i] = (sum += 1.0 / static_cast<double>(i + 1));
    for (auto& c : cdf_) c /= sum;
  }
  size_t operator()(std::mt19937_64& rng) const {
    double u = std::uniform_real_distribution<double>(0, 1)(rng);
    return static_cast<size_t>(std::lower_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin());
  }

 private:
  std::vector<double> cdf_;
};

struct Query {
  enum Kind { kOr, kAnd, kPhrase } kind;
  std::string a, b;
};

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

std::vector<std::string> Top10Sluice(const sluice::index::Index& index, const Query& q) {
  std::unique_ptr<sluice::search::Query> query;
  if (q.kind == Query::kPhrase) {
    auto p = std::make_unique<sluice::search::MatchPhraseQuery>();
    p->field = "body";
    p->text = q.a + " " + q.b;
    query = std::move(p);
  } else {
    auto m = std::make_unique<sluice::search::MatchQuery>();
    m->field = "body";
    m->text = q.a + " " + q.b;
    m->require_all = q.kind == Query::kAnd;
    query = std::move(m);
  }
  sluice::index::Index::ReadGuard guard(index);
  auto docs = query->Execute(index);
  if (!docs.ok()) std::exit(1);
  size_t k = std::min<size_t>(10, docs->size());
  std::partial_sort(docs->begin(), docs->begin() + k, docs->end(), [](auto& x, auto& y) {
    return x.score != y.score ? x.score > y.score : x.doc < y.doc;
  });
  std::vector<std::string> out;
  for (size_t i = 0; i < k; ++i) out.push_back(index.id((*docs)[i].doc));
  return out;
}

std::vector<std::string> Top10Xapian(Xapian::Database& db, const Query& q) {
  Xapian::Query query;
  std::vector<std::string> terms{q.a, q.b};
  if (q.kind == Query::kOr) query = Xapian::Query(Xapian::Query::OP_OR, terms.begin(), terms.end());
  if (q.kind == Query::kAnd)
    query = Xapian::Query(Xapian::Query::OP_AND, terms.begin(), terms.end());
  if (q.kind == Query::kPhrase) {
    query = Xapian::Query(Xapian::Query::OP_PHRASE, terms.begin(), terms.end(), 2);
  }
  Xapian::Enquire enquire(db);
  enquire.set_query(query);
  enquire.set_weighting_scheme(Xapian::BM25Weight());
  Xapian::MSet mset = enquire.get_mset(0, 10);
  std::vector<std::string> out;
  for (auto it = mset.begin(); it != mset.end(); ++it) out.push_back(it.get_document().get_data());
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  size_t num_queries = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 300;
  Zipf zipf(kVocabulary);
  std::mt19937_64 rng(42);
  std::vector<std::vector<size_t>> corpus(n);
  for (auto& doc : corpus) {
    size_t len = 20 + rng() % 61;
    for (size_t i = 0; i < len; ++i) doc.push_back(zipf(rng));
  }
  fs::path base = fs::temp_directory_path() / ("sluice-lexical-bench-" + std::to_string(getpid()));
  fs::remove_all(base);

  // sluice: the write path _bulk uses (Index::Write, one synced batch per 1000 docs).
  double sluice_index_s;
  auto store = sluice::storage::Store::Open({.path = (base / "sluice").string()});
  if (!store.ok()) return 1;
  auto settings = sluice::index::IndexSettings::Parse("{}");
  auto mapping = sluice::index::Mapping::Parse(R"({"properties":{"body":{"type":"text"}}})", false);
  auto index = sluice::index::Index::Create(store->get(), "bench", *settings, *mapping, {});
  if (!index.ok()) return 1;
  {
    auto start = Clock::now();
    for (size_t begin = 0; begin < n; begin += kBatch) {
      std::vector<sluice::index::WriteOp> ops;
      for (size_t i = begin; i < std::min(n, begin + kBatch); ++i) {
        std::string body;
        for (size_t w : corpus[i]) body += (body.empty() ? "" : " ") + Word(w);
        sluice::index::WriteOp op;
        op.id = std::to_string(i);
        op.source = "{\"body\":\"" + body + "\"}";
        ops.push_back(std::move(op));
      }
      for (const auto& r : (*index)->Write(std::move(ops))) {
        if (!r.status.ok()) return 1;
      }
    }
    sluice_index_s = Seconds(start);
  }

  // Xapian: the same terms and positions, committed every 1000 docs.
  double xapian_index_s;
  Xapian::WritableDatabase xdb((base / "xapian").string(), Xapian::DB_CREATE_OR_OVERWRITE);
  {
    auto start = Clock::now();
    for (size_t i = 0; i < n; ++i) {
      Xapian::Document doc;
      Xapian::termpos pos = 0;
      for (size_t w : corpus[i]) doc.add_posting(Word(w), ++pos);
      doc.set_data(std::to_string(i));
      xdb.add_document(doc);
      if ((i + 1) % kBatch == 0) xdb.commit();
    }
    xdb.commit();
    xapian_index_s = Seconds(start);
  }
  Xapian::Database xread((base / "xapian").string());

  std::vector<Query> queries;
  for (size_t i = 0; i < num_queries; ++i) {
    Query q{static_cast<Query::Kind>(i % 3), Word(50 + rng() % 1950), Word(50 + rng() % 1950)};
    if (q.kind == Query::kPhrase) {
      // A phrase that occurs: two neighbouring words of a random document.
      const auto& doc = corpus[rng() % n];
      size_t at = rng() % (doc.size() - 1);
      q.a = Word(doc[at]);
      q.b = Word(doc[at + 1]);
    }
    queries.push_back(q);
  }
  const char* kNames[] = {"match_or", "match_and", "match_phrase"};
  std::printf("lexical_bench: %zu docs (Zipfian, 50k words), %zu queries per kind\n", n,
              num_queries / 3);
  std::printf("indexing: sluice %.0f docs/s, xapian %.0f docs/s, ratio %.2fx\n", n / sluice_index_s,
              n / xapian_index_s, xapian_index_s / sluice_index_s);
  for (int kind = 0; kind < 3; ++kind) {
    double ts = 0, tx = 0, overlap = 0;
    size_t count = 0;
    for (const auto& q : queries) {
      if (q.kind != kind) continue;
      auto s0 = Clock::now();
      auto s = Top10Sluice(**index, q);
      ts += Seconds(s0);
      auto x0 = Clock::now();
      auto x = Top10Xapian(xread, q);
      tx += Seconds(x0);
      std::set<std::string> xs(x.begin(), x.end());
      size_t common = 0;
      for (const auto& id : s) common += xs.count(id);
      overlap +=
          s.empty() && x.empty() ? 1.0 : static_cast<double>(common) / std::max(s.size(), x.size());
      ++count;
    }
    std::printf("%s: sluice %.0f QPS, xapian %.0f QPS, ratio %.2fx, top-10 overlap %.2f\n",
                kNames[kind], count / ts, count / tx, tx / ts, overlap / count);
  }
  index->reset();
  store->reset();
  fs::remove_all(base);
  return 0;
}
