// The token filters OpenSearch's analyzers are built from.
//
// - Lowercase: Character.toLowerCase per code point (locale-free, as Lucene).
// - AsciiFolding: Latin letters to ASCII (ICU's Latin-ASCII transform; close to
//   Lucene's ASCIIFoldingFilter table for Latin scripts).
// - Stop: drops the given words (compared after the filters before it),
//   leaving a position gap.
// - EnglishPossessive: removes a trailing 's / ’s (Lucene's
//   EnglishPossessiveFilter).
// - PorterStem: Porter's stemmer (Snowball's "porter"), words of one or two
//   letters unchanged as in Lucene's PorterStemmer.
// - SnowballEnglish: Snowball's "english" (Porter2) stemmer.
// - Length: drops tokens shorter than min or longer than max UTF-16 units.
#pragma once

#include <memory>
#include <set>
#include <string>

#include "text/analyzer.h"

namespace sluice::text {

// Lucene's EnglishAnalyzer.ENGLISH_STOP_WORDS_SET ("_english_").
const std::set<std::string>& EnglishStopWords();

std::unique_ptr<TokenFilter> NewLowercaseFilter();
std::unique_ptr<TokenFilter> NewAsciiFoldingFilter();
std::unique_ptr<TokenFilter> NewStopFilter(std::set<std::string> words, bool ignore_case = false);
std::unique_ptr<TokenFilter> NewEnglishPossessiveFilter();
std::unique_ptr<TokenFilter> NewPorterStemFilter();
std::unique_ptr<TokenFilter> NewSnowballEnglishFilter();
std::unique_ptr<TokenFilter> NewLengthFilter(int min, int max);

// term lowercased per code point (used by the lowercase filter and the
// case-insensitive stop filter).
std::string LowercaseTerm(std::string_view term);

}  // namespace sluice::text
