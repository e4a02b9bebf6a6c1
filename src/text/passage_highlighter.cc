#include "text/passage_highlighter.h"

#include <unicode/brkiter.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>

namespace sluice::text {
namespace {

// OpenSearch's BoundedBreakIteratorScanner over ICU's sentence and word
// iterators; preceding() must be called with increasing offsets, following()
// right after it, as Lucene's FieldHighlighter does.
class BoundedSentences {
 public:
  BoundedSentences(const icu::UnicodeString& text, int max_len) : max_len_(max_len) {
    UErrorCode status = U_ZERO_ERROR;
    main_.reset(icu::BreakIterator::createSentenceInstance(icu::Locale::getRoot(), status));
    inner_.reset(icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
    if (U_FAILURE(status) || !main_ || !inner_) {
      main_.reset();
      inner_.reset();
      return;
    }
    main_->setText(text);
    inner_->setText(text);
    length_ = text.length();
  }

  bool ok() const { return main_ != nullptr; }

  int Preceding(int offset) {
    if (offset > window_start_ && offset < window_end_) {
      inner_start_ = inner_end_;
      inner_end_ = window_end_;
    } else {
      window_start_ = inner_start_ = Done(main_->preceding(offset), 0);
      window_end_ = inner_end_ = Done(main_->following(offset - 1), length_);
      while (inner_end_ - inner_start_ < max_len_) {
        int next = main_->following(inner_end_);
        if (next == icu::BreakIterator::DONE || next - inner_start_ > max_len_) break;
        window_end_ = inner_end_ = next;
      }
    }
    if (inner_end_ - inner_start_ > max_len_) {
      if (offset - max_len_ > inner_start_) {
        inner_start_ = std::max(inner_start_, Done(inner_->preceding(offset - max_len_), 0));
      }
      int remaining = std::max(0, max_len_ - (offset - inner_start_));
      if (offset + remaining < window_end_) {
        inner_end_ = std::min(window_end_, Done(inner_->following(offset + remaining), length_));
      }
    }
    return inner_start_;
  }
  int Following() const { return inner_end_; }

 private:
  static int Done(int32_t v, int fallback) { return v == icu::BreakIterator::DONE ? fallback : v; }

  std::unique_ptr<icu::BreakIterator> main_, inner_;
  int max_len_;
  int length_ = 0;
  int window_start_ = -1, window_end_ = -1, inner_start_ = -1, inner_end_ = 0;
};

struct Passage {
  int start = -1;
  int end = -1;
  std::vector<HighlightMatch> matches;
  float score = 0;
};

// Lucene's PassageScorer with its defaults.
constexpr float kK1 = 1.2f, kB = 0.75f, kPivot = 87.0f;

float Score(const Passage& p, int content_length, const std::map<int, int>& freq_in_doc) {
  std::map<int, int> in_passage;
  for (const auto& m : p.matches) ++in_passage[m.term];
  float score = 0;
  const int len = p.end - p.start;
  for (const auto& [term, freq] : in_passage) {
    float norm = kK1 * ((1 - kB) + kB * (static_cast<float>(len) / kPivot));
    float tf = static_cast<float>(freq) / (static_cast<float>(freq) + norm);
    float num_docs = 1 + static_cast<float>(content_length) / kPivot;
    float weight = (kK1 + 1) * static_cast<float>(
                                   std::log(1 + (num_docs + 0.5) / (freq_in_doc.at(term) + 0.5)));
    score += tf * weight;
  }
  return score * (1 + 1 / static_cast<float>(std::log(kPivot + static_cast<float>(p.start))));
}

std::string Utf8(const icu::UnicodeString& s, int start, int end) {
  std::string out;
  s.tempSubStringBetween(start, end).toUTF8String(out);
  return out;
}

std::string Format(const icu::UnicodeString& content, const Passage& p,
                   const HighlightOptions& options) {
  std::string out;
  int pos = p.start;
  for (size_t i = 0; i < p.matches.size(); ++i) {
    int start = std::max(p.matches[i].start, pos);
    int end = p.matches[i].end;
    // Overlapping matches merge into one tag.
    while (i + 1 < p.matches.size() && p.matches[i + 1].start < end) {
      end = std::max(end, p.matches[++i].end);
    }
    if (end <= start) continue;
    out += Utf8(content, pos, start);
    out += options.pre_tag;
    out += Utf8(content, start, end);
    out += options.post_tag;
    pos = end;
  }
  out += Utf8(content, pos, std::max(pos, p.end));
  // The value separators are not part of a snippet; snippets are trimmed as Java's trim().
  while (!out.empty() && (out.back() == '\0')) out.pop_back();
  if (out.size() >= kParagraphSeparator.size() &&
      std::string_view(out).substr(out.size() - kParagraphSeparator.size()) ==
          kParagraphSeparator) {
    out.resize(out.size() - kParagraphSeparator.size());
  }
  size_t b = 0, e = out.size();
  while (b < e && static_cast<unsigned char>(out[b]) <= ' ') ++b;
  while (e > b && static_cast<unsigned char>(out[e - 1]) <= ' ') --e;
  return out.substr(b, e - b);
}

}  // namespace

std::vector<std::string> HighlightPassages(std::string_view content,
                                           std::vector<HighlightMatch> matches,
                                           const HighlightOptions& options) {
  std::vector<std::string> out;
  if (matches.empty()) return out;
  icu::UnicodeString text = icu::UnicodeString::fromUTF8(
      icu::StringPiece(content.data(), static_cast<int32_t>(content.size())));
  const int length = text.length();
  std::map<int, int> freq_in_doc;
  for (const auto& m : matches) ++freq_in_doc[m.term];

  std::vector<Passage> passages;
  if (options.number_of_fragments == 0) {
    // Whole values: passages end at each value separator.
    int start = 0;
    size_t mi = 0;
    while (start <= length && mi < matches.size()) {
      int end = text.indexOf(static_cast<char16_t>(0), start);
      end = end < 0 ? length : end + 1;
      Passage p{start, end, {}, 0};
      while (mi < matches.size() && matches[mi].start < end) {
        if (matches[mi].end <= length) p.matches.push_back(matches[mi]);
        ++mi;
      }
      if (!p.matches.empty()) passages.push_back(std::move(p));
      start = end;
      if (end >= length) break;
    }
  } else {
    BoundedSentences breaks(text, options.fragment_size);
    if (!breaks.ok()) return out;
    Passage current;
    for (const auto& m : matches) {
      if (m.start < length && m.end > length) continue;
      if (m.start >= current.end) {
        if (current.start >= 0) passages.push_back(std::move(current));
        current = Passage();
        if (m.start >= length) break;
        current.start = std::max(breaks.Preceding(m.start + 1), 0);
        current.end = std::min(breaks.Following(), length);
      }
      current.matches.push_back(m);
    }
    if (current.start >= 0) passages.push_back(std::move(current));
    for (auto& p : passages) p.score = Score(p, length, freq_in_doc);
    // The best number_of_fragments (ties: the earlier passage).
    std::stable_sort(passages.begin(), passages.end(),
                     [](const Passage& a, const Passage& b) { return a.score > b.score; });
    if (passages.size() > static_cast<size_t>(options.number_of_fragments)) {
      passages.resize(static_cast<size_t>(options.number_of_fragments));
    }
    if (!options.order_by_score) {
      std::sort(passages.begin(), passages.end(),
                [](const Passage& a, const Passage& b) { return a.start < b.start; });
    }
  }
  for (const auto& p : passages) out.push_back(Format(text, p, options));
  return out;
}

}  // namespace sluice::text
