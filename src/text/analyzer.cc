#include "text/analyzer.h"

namespace sluice::text {

int Utf16Length(std::string_view text) {
  int n = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) n += c >= 0xF0 ? 2 : 1;  // a 4-byte sequence is a surrogate pair
  }
  return n;
}

std::vector<Token> Analyzer::Analyze(std::string_view text) const {
  std::vector<Token> tokens;
  tokenizer_->Tokenize(text, tokens);
  for (const auto& filter : filters_) filter->Apply(tokens);
  return tokens;
}

}  // namespace sluice::text
