// libFuzzer target: the mapping parser (index::Mapping) and the document
// parser that applies a mapping to a `_source`.
//
// Input: a mappings object, then optionally "\n" and a document. The first
// byte's low bit turns index.knn on (knn_vector fields are then allowed).
// Invariants: no crash or sanitizer report; a refused mapping says why; a
// parsed mapping renders (ToJson) to a mapping that parses again and renders
// the same; merging a mapping into itself succeeds.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "index/document_parser.h"
#include "index/mapping.h"

namespace {

void Fail(const char* what, std::string_view input, const std::string& detail) {
  std::fprintf(stderr, "%s\ninput: %.*s\n%s\n", what, static_cast<int>(input.size()), input.data(),
               detail.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  bool knn = size > 0 && (data[0] & 1);
  std::string_view mapping_json = input.substr(0, input.find('\n'));
  std::string_view document;
  if (mapping_json.size() < input.size()) document = input.substr(mapping_json.size() + 1);

  auto mapping = sluice::index::Mapping::Parse(mapping_json, knn);
  if (!mapping.ok()) {
    if (mapping.status().reason().empty()) Fail("refused without a reason", input, "");
    return 0;
  }
  std::string rendered = mapping->ToJson();
  auto again = sluice::index::Mapping::Parse(rendered, knn);
  if (!again.ok()) Fail("rendered mapping does not parse", input, again.status().ToString());
  if (again->ToJson() != rendered) Fail("rendering is not stable", input, rendered);
  sluice::index::Mapping merged = *mapping;
  if (auto s = merged.Merge(rendered, knn); !s.ok()) {
    Fail("merging a mapping into itself failed", input, s.ToString());
  }

  if (!document.empty()) {
    auto parsed = sluice::index::ParseDocument(document, "id", *mapping);
    if (!parsed.ok() && parsed.status().reason().empty()) {
      Fail("document refused without a reason", input, "");
    }
  }
  return 0;
}
