// Analyzer: turns text into the terms of an inverted index, as Lucene's
// analysis chains do for OpenSearch's built-in and custom analyzers.
//
// An Analyzer is a tokenizer followed by token filters. Tokens carry the
// offsets OpenSearch reports (UTF-16 code units into the input, as Java's
// String indexes) and a position; filters that drop tokens (stop, length)
// leave a gap in the positions, as Lucene's position increments do.
//
// Analyzers are immutable once built and safe to use from several threads
// (each Analyze call builds its own ICU and Snowball state).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace sluice::text {

struct Token {
  std::string term;      // UTF-8
  int start_offset = 0;  // UTF-16 code units
  int end_offset = 0;
  std::string type;  // "<ALPHANUM>", "<NUM>", "word", ...
  int position = 0;
};

// One stage after the tokenizer; see token_filter.h for the kinds.
class TokenFilter {
 public:
  virtual ~TokenFilter() = default;
  // Rewrites tokens in place; dropping a token keeps the positions of the
  // others (the gap stays, as with Lucene's position increments).
  virtual void Apply(std::vector<Token>& tokens) const = 0;
};

// One stage that splits text into tokens; see tokenizer.h for the kinds.
class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  // Appends the tokens of text, positions from 0, offsets from 0.
  virtual void Tokenize(std::string_view text, std::vector<Token>& out) const = 0;
};

// The length of UTF-8 text in UTF-16 code units (the unit of offsets).
int Utf16Length(std::string_view text);

class Analyzer {
 public:
  Analyzer(std::unique_ptr<Tokenizer> tokenizer, std::vector<std::unique_ptr<TokenFilter>> filters)
      : tokenizer_(std::move(tokenizer)), filters_(std::move(filters)) {}

  // The tokens of text. Positions start at 0.
  std::vector<Token> Analyze(std::string_view text) const;

 private:
  std::unique_ptr<Tokenizer> tokenizer_;
  std::vector<std::unique_ptr<TokenFilter>> filters_;
};

}  // namespace sluice::text
