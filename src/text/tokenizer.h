// The tokenizers OpenSearch's analyzers are built from.
//
// - Standard: Unicode word segmentation (UAX #29) with ICU's BreakIterator,
//   token types as Lucene's StandardTokenizer names them (<ALPHANUM>, <NUM>,
//   <IDEOGRAPHIC> one per ideograph, <HIRAGANA>, <KATAKANA>, <HANGUL>,
//   <EMOJI>); tokens longer than max_token_length UTF-16 units are cut into
//   pieces of that length, as Lucene does.
// - Letter: maximal runs of letters (Character.isLetter), type "word".
// - Whitespace: maximal runs of non-whitespace, type "word".
// - Keyword: the whole input as one token, type "word".
#pragma once

#include <memory>

#include "text/analyzer.h"

namespace sluice::text {

inline constexpr int kDefaultMaxTokenLength = 255;

std::unique_ptr<Tokenizer> NewStandardTokenizer(int max_token_length = kDefaultMaxTokenLength);
std::unique_ptr<Tokenizer> NewLetterTokenizer();
std::unique_ptr<Tokenizer> NewWhitespaceTokenizer();
std::unique_ptr<Tokenizer> NewKeywordTokenizer();

}  // namespace sluice::text
