#include "text/token_filter.h"

#include <libstemmer.h>
#include <unicode/translit.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <mutex>

namespace sluice::text {
namespace {

icu::UnicodeString FromUtf8(std::string_view s) {
  return icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())));
}

class LowercaseFilter : public TokenFilter {
 public:
  void Apply(std::vector<Token>& tokens) const override {
    for (auto& t : tokens) t.term = LowercaseTerm(t.term);
  }
};

class AsciiFoldingFilter : public TokenFilter {
 public:
  AsciiFoldingFilter() {
    UErrorCode err = U_ZERO_ERROR;
    latin_ascii_.reset(icu::Transliterator::createInstance("Latin-ASCII", UTRANS_FORWARD, err));
    if (U_FAILURE(err)) latin_ascii_.reset();
  }
  void Apply(std::vector<Token>& tokens) const override {
    if (!latin_ascii_) return;
    std::lock_guard<std::mutex> lock(mu_);  // ICU transliterators are not re-entrant
    for (auto& t : tokens) {
      bool ascii = std::all_of(t.term.begin(), t.term.end(),
                               [](char c) { return static_cast<unsigned char>(c) < 0x80; });
      if (ascii) continue;
      icu::UnicodeString s = FromUtf8(t.term);
      latin_ascii_->transliterate(s);
      t.term.clear();
      s.toUTF8String(t.term);
    }
  }

 private:
  mutable std::mutex mu_;
  std::unique_ptr<icu::Transliterator> latin_ascii_;
};

class StopFilter : public TokenFilter {
 public:
  StopFilter(std::set<std::string> words, bool ignore_case)
      : words_(std::move(words)), ignore_case_(ignore_case) {}
  void Apply(std::vector<Token>& tokens) const override {
    std::erase_if(tokens, [&](const Token& t) {
      return words_.count(ignore_case_ ? LowercaseTerm(t.term) : t.term) > 0;
    });
  }

 private:
  std::set<std::string> words_;
  bool ignore_case_;
};

class EnglishPossessiveFilter : public TokenFilter {
 public:
  void Apply(std::vector<Token>& tokens) const override {
    for (auto& t : tokens) {
      std::string& s = t.term;
      if (s.size() < 2 || (s.back() != 's' && s.back() != 'S')) continue;
      std::string_view head(s.data(), s.size() - 1);
      for (std::string_view apo : {"'", "\xE2\x80\x99", "\xEF\xBC\x87"}) {  // ' ’ ＇
        if (head.size() >= apo.size() && head.substr(head.size() - apo.size()) == apo) {
          s.resize(head.size() - apo.size());
          break;
        }
      }
    }
  }
};

class SnowballFilter : public TokenFilter {
 public:
  SnowballFilter(const char* algorithm, size_t min_chars)
      : algorithm_(algorithm), min_chars_(min_chars) {}
  void Apply(std::vector<Token>& tokens) const override {
    // A stemmer holds per-call state; one per Apply keeps the filter shareable.
    sb_stemmer* stemmer = sb_stemmer_new(algorithm_, "UTF_8");
    if (stemmer == nullptr) return;
    for (auto& t : tokens) {
      if (FromUtf8(t.term).length() < static_cast<int32_t>(min_chars_)) continue;
      const sb_symbol* out =
          sb_stemmer_stem(stemmer, reinterpret_cast<const sb_symbol*>(t.term.data()),
                          static_cast<int>(t.term.size()));
      if (out == nullptr) continue;  // out of memory: keep the word as it is
      t.term.assign(reinterpret_cast<const char*>(out), sb_stemmer_length(stemmer));
    }
    sb_stemmer_delete(stemmer);
  }

 private:
  const char* algorithm_;
  size_t min_chars_;
};

class LengthFilter : public TokenFilter {
 public:
  LengthFilter(int min, int max) : min_(min), max_(max) {}
  void Apply(std::vector<Token>& tokens) const override {
    std::erase_if(tokens, [&](const Token& t) {
      int len = FromUtf8(t.term).length();
      return len < min_ || len > max_;
    });
  }

 private:
  int min_, max_;
};

}  // namespace

std::string LowercaseTerm(std::string_view term) {
  icu::UnicodeString s = FromUtf8(term);
  icu::UnicodeString lower;
  for (int32_t i = 0; i < s.length(); i = s.moveIndex32(i, 1))
    lower.append(u_tolower(s.char32At(i)));
  std::string out;
  lower.toUTF8String(out);
  return out;
}

const std::set<std::string>& EnglishStopWords() {
  static const std::set<std::string> kWords = {
      "a",   "an",    "and",  "are",   "as",    "at",   "be",   "but", "by",  "for",  "if",
      "in",  "into",  "is",   "it",    "no",    "not",  "of",   "on",  "or",  "such", "that",
      "the", "their", "then", "there", "these", "they", "this", "to",  "was", "will", "with"};
  return kWords;
}

std::unique_ptr<TokenFilter> NewLowercaseFilter() { return std::make_unique<LowercaseFilter>(); }
std::unique_ptr<TokenFilter> NewAsciiFoldingFilter() {
  return std::make_unique<AsciiFoldingFilter>();
}
std::unique_ptr<TokenFilter> NewStopFilter(std::set<std::string> words, bool ignore_case) {
  return std::make_unique<StopFilter>(std::move(words), ignore_case);
}
std::unique_ptr<TokenFilter> NewEnglishPossessiveFilter() {
  return std::make_unique<EnglishPossessiveFilter>();
}
// Lucene's PorterStemmer leaves words of up to two letters alone; Snowball's
// porter would strip "is" to "i".
std::unique_ptr<TokenFilter> NewPorterStemFilter() {
  return std::make_unique<SnowballFilter>("porter", 3);
}
std::unique_ptr<TokenFilter> NewSnowballEnglishFilter() {
  return std::make_unique<SnowballFilter>("english", 0);
}
std::unique_ptr<TokenFilter> NewLengthFilter(int min, int max) {
  return std::make_unique<LengthFilter>(min, max);
}

}  // namespace sluice::text
