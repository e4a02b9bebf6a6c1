#include "text/tokenizer.h"

#include <unicode/brkiter.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uscript.h>

namespace sluice::text {
namespace {

std::string Utf8(const icu::UnicodeString& s, int32_t start, int32_t end) {
  std::string out;
  s.tempSubStringBetween(start, end).toUTF8String(out);
  return out;
}

// Lucene's type for a word ICU found, from its rule status and first letter.
const char* StandardType(int32_t status, UChar32 first) {
  if (u_hasBinaryProperty(first, UCHAR_EXTENDED_PICTOGRAPHIC) ||
      u_hasBinaryProperty(first, UCHAR_EMOJI_PRESENTATION)) {
    return "<EMOJI>";
  }
  if (status >= UBRK_WORD_NUMBER && status < UBRK_WORD_NUMBER_LIMIT) return "<NUM>";
  UErrorCode err = U_ZERO_ERROR;
  UScriptCode script = uscript_getScript(first, &err);
  if (script == USCRIPT_HANGUL) return "<HANGUL>";
  if (script == USCRIPT_KATAKANA) return "<KATAKANA>";
  if (script == USCRIPT_HIRAGANA) return "<HIRAGANA>";
  if (script == USCRIPT_HAN) return "<IDEOGRAPHIC>";
  if (status >= UBRK_WORD_NONE_LIMIT || u_isalnum(first)) return "<ALPHANUM>";
  return nullptr;  // punctuation, spaces: not a token
}

class StandardTokenizer : public Tokenizer {
 public:
  explicit StandardTokenizer(int max_len) : max_len_(max_len) {}

  void Tokenize(std::string_view text, std::vector<Token>& out) const override {
    icu::UnicodeString s = icu::UnicodeString::fromUTF8(
        icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
    UErrorCode err = U_ZERO_ERROR;
    std::unique_ptr<icu::BreakIterator> words(
        icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), err));
    if (U_FAILURE(err)) return;  // ICU data missing: no tokens rather than a crash
    words->setText(s);
    int position = 0;
    int32_t start = words->first();
    for (int32_t end = words->next(); end != icu::BreakIterator::DONE;
         start = end, end = words->next()) {
      const char* type = StandardType(words->getRuleStatus(), s.char32At(start));
      if (type == nullptr) continue;
      std::string_view t(type);
      if (t == "<IDEOGRAPHIC>" || t == "<HIRAGANA>") {
        // Lucene emits one token per ideograph (and per hiragana letter).
        for (int32_t i = start; i < end; i = s.moveIndex32(i, 1)) {
          int32_t next = s.moveIndex32(i, 1);
          UErrorCode e = U_ZERO_ERROR;
          UScriptCode sc = uscript_getScript(s.char32At(i), &e);
          const char* ty = sc == USCRIPT_HIRAGANA ? "<HIRAGANA>" : "<IDEOGRAPHIC>";
          out.push_back({Utf8(s, i, next), i, next, ty, position++});
        }
        continue;
      }
      for (int32_t piece = start; piece < end;) {
        int32_t piece_end = std::min(end, piece + max_len_);
        if (piece_end < end && U16_IS_LEAD(s.charAt(piece_end - 1))) --piece_end;
        out.push_back({Utf8(s, piece, piece_end), piece, piece_end, type, position++});
        piece = piece_end;
      }
    }
  }

 private:
  int max_len_;
};

// Runs of code points for which in_token is true, cut at 255 UTF-16 units
// (Lucene's CharTokenizer limit).
template <typename Pred>
void RunTokens(std::string_view text, Pred in_token, std::vector<Token>& out) {
  icu::UnicodeString s = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  int position = 0;
  int32_t start = -1;
  auto emit = [&](int32_t end) {
    out.push_back({Utf8(s, start, end), start, end, "word", position++});
    start = -1;
  };
  for (int32_t i = 0; i < s.length(); i = s.moveIndex32(i, 1)) {
    UChar32 c = s.char32At(i);
    if (in_token(c)) {
      if (start < 0) start = i;
      if (s.moveIndex32(i, 1) - start > kDefaultMaxTokenLength) emit(i), start = i;
    } else if (start >= 0) {
      emit(i);
    }
  }
  if (start >= 0) emit(s.length());
}

class LetterTokenizer : public Tokenizer {
 public:
  void Tokenize(std::string_view text, std::vector<Token>& out) const override {
    RunTokens(
        text, [](UChar32 c) { return u_isalpha(c) != 0; }, out);
  }
};

class WhitespaceTokenizer : public Tokenizer {
 public:
  void Tokenize(std::string_view text, std::vector<Token>& out) const override {
    // Java's Character.isWhitespace: space separators except no-break spaces, and controls.
    RunTokens(
        text, [](UChar32 c) { return u_isWhitespace(c) == 0; }, out);
  }
};

class KeywordTokenizer : public Tokenizer {
 public:
  void Tokenize(std::string_view text, std::vector<Token>& out) const override {
    icu::UnicodeString s = icu::UnicodeString::fromUTF8(
        icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
    out.push_back({std::string(text), 0, s.length(), "word", 0});
  }
};

}  // namespace

std::unique_ptr<Tokenizer> NewStandardTokenizer(int max_token_length) {
  return std::make_unique<StandardTokenizer>(max_token_length);
}
std::unique_ptr<Tokenizer> NewLetterTokenizer() { return std::make_unique<LetterTokenizer>(); }
std::unique_ptr<Tokenizer> NewWhitespaceTokenizer() {
  return std::make_unique<WhitespaceTokenizer>();
}
std::unique_ptr<Tokenizer> NewKeywordTokenizer() { return std::make_unique<KeywordTokenizer>(); }

}  // namespace sluice::text
