// JSONPath field projection vs raw parsing, on SageMaker-shaped batch output.
//
// Generates ~100 MB of JSONL records shaped like SageMaker batch transform
// output ({"content":[2 texts],"SageMakerOutput":[[384 floats],[384 floats]],
// "id":N}) in a temp dir, then times in one run:
//   (a) simdjson DOM parse of every line (the baseline: the floor of any ingest)
//   (b) the same parse plus the four field_map paths of the OpenSearch docs
//       ($.content[0], $.content[1], $.SageMakerOutput[0], $.id), touching the
//       results (string lengths, every float of the vector, the id).
// Prints MB/s for both and `jsonpath_vs_raw_parse: <b/a>x`.
//
//   jsonpath_bench [--mb N] [--rounds N]
#include <simdjson.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "json/jsonpath/json_path.h"

namespace {

using Clock = std::chrono::steady_clock;
using sluice::json::jsonpath::JsonPath;

constexpr int kDims = 384;

std::string MakeRecord(std::mt19937_64& rng, size_t id) {
  static const char* kWords[] = {"batch",  "ingestion", "vector", "search",   "embedding", "model",
                                 "output", "record",    "text",   "semantic", "neural",    "index"};
  std::uniform_real_distribution<float> unit(-0.2f, 0.2f);
  std::string line = "{\"content\":[";
  for (int t = 0; t < 2; ++t) {
    line += t ? ",\"" : "\"";
    for (int w = 0; w < 16; ++w) {
      if (w) line += ' ';
      line += kWords[rng() % std::size(kWords)];
    }
    line += '"';
  }
  line += "],\"SageMakerOutput\":[";
  char buf[32];
  for (int v = 0; v < 2; ++v) {
    line += v ? ",[" : "[";
    for (int d = 0; d < kDims; ++d) {
      int n = std::snprintf(buf, sizeof(buf), d ? ",%.9g" : "%.9g", unit(rng));
      line.append(buf, static_cast<size_t>(n));
    }
    line += ']';
  }
  line += "],\"id\":" + std::to_string(id) + "}\n";
  return line;
}

std::filesystem::path WriteData(const std::filesystem::path& dir, size_t target_bytes) {
  std::filesystem::path file = dir / "sagemaker_batch.json.out";
  std::ofstream out(file, std::ios::binary);
  std::mt19937_64 rng(42);
  size_t written = 0;
  for (size_t id = 0; written < target_bytes; ++id) {
    std::string line = MakeRecord(rng, id);
    out << line;
    written += line.size();
  }
  return file;
}

struct Lines {
  simdjson::padded_string data;
  std::vector<std::pair<size_t, size_t>> spans;  // offset, length
};

Lines LoadLines(const std::filesystem::path& file) {
  Lines lines;
  lines.data = simdjson::padded_string::load(file.string()).value();
  std::string_view all(lines.data.data(), lines.data.size());
  size_t start = 0;
  while (start < all.size()) {
    size_t end = all.find('\n', start);
    if (end == std::string_view::npos) end = all.size();
    if (end > start) lines.spans.emplace_back(start, end - start);
    start = end + 1;
  }
  return lines;
}

// (a): parse only. Returns seconds; `check` keeps the work observable.
double TimeParse(const Lines& lines, simdjson::dom::parser& parser, size_t* check) {
  auto t0 = Clock::now();
  for (auto [offset, length] : lines.spans) {
    simdjson::dom::element doc;
    // The padded file buffer continues past each line, so no copy is needed.
    if (parser.parse(lines.data.data() + offset, length, false).get(doc) != simdjson::SUCCESS) {
      std::abort();
    }
    *check += doc.is_object();
  }
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// (b): parse + the four field_map paths, touching every result.
double TimeParseAndProject(const Lines& lines, simdjson::dom::parser& parser,
                           const std::vector<JsonPath>& paths, size_t* check, double* sum) {
  auto t0 = Clock::now();
  for (auto [offset, length] : lines.spans) {
    simdjson::dom::element doc;
    if (parser.parse(lines.data.data() + offset, length, false).get(doc) != simdjson::SUCCESS) {
      std::abort();
    }
    for (const JsonPath& path : paths) {
      std::optional<simdjson::dom::element> v = path.EvaluateSingular(doc);
      if (!v) std::abort();
      std::string_view text;
      simdjson::dom::array vector;
      int64_t id = 0;
      if (v->get_string().get(text) == simdjson::SUCCESS) {
        *check += text.size();
      } else if (v->get_array().get(vector) == simdjson::SUCCESS) {
        for (simdjson::dom::element x : vector) {
          double d = 0;
          if (x.get_double().get(d) == simdjson::SUCCESS) {
            *sum += d;
            ++*check;
          }
        }
      } else if (v->get_int64().get(id) == simdjson::SUCCESS) {
        *check += static_cast<size_t>(id);
      }
    }
  }
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  size_t mb = 100;
  int rounds = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--mb")) mb = std::strtoull(argv[i + 1], nullptr, 10);
    if (!std::strcmp(argv[i], "--rounds")) rounds = std::atoi(argv[i + 1]);
  }
  std::string tmpl = (std::filesystem::temp_directory_path() / "jsonpath_bench.XXXXXX").string();
  if (!mkdtemp(tmpl.data())) {
    std::perror("mkdtemp");
    return 1;
  }
  std::filesystem::path dir(tmpl);
  std::filesystem::path file = WriteData(dir, mb << 20);
  Lines lines = LoadLines(file);
  const double megabytes = static_cast<double>(lines.data.size()) / (1 << 20);
  std::printf("jsonpath_bench: %zu records, %.1f MB (%s)\n", lines.spans.size(), megabytes,
              file.c_str());

  std::vector<JsonPath> paths;
  for (const char* expr : {"$.content[0]", "$.content[1]", "$.SageMakerOutput[0]", "$.id"}) {
    paths.push_back(JsonPath::Compile(expr).value());
  }
  simdjson::dom::parser parser;
  size_t check = 0;
  double sum = 0;
  double best_parse = 1e30, best_project = 1e30;
  for (int r = 0; r < rounds; ++r) {  // interleaved, best of N: both see the same machine noise
    best_parse = std::min(best_parse, TimeParse(lines, parser, &check));
    best_project = std::min(best_project, TimeParseAndProject(lines, parser, paths, &check, &sum));
  }
  std::filesystem::remove_all(dir);

  const double parse_mbs = megabytes / best_parse;
  const double project_mbs = megabytes / best_project;
  std::printf("raw_parse: %.1f MB/s\n", parse_mbs);
  std::printf("parse_plus_4_jsonpaths: %.1f MB/s\n", project_mbs);
  std::printf("jsonpath_vs_raw_parse: %.2fx\n", project_mbs / parse_mbs);
  std::printf("(checksum %zu %.3f)\n", check, sum);
  return 0;
}
