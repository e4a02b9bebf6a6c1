#include "cli/search_command.h"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <simdjson.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/command_target.h"
#include "json/json_writer.h"
#include "json/jsonpath/json_path.h"
#include "json/value_text.h"

namespace sluice::cli {
namespace {

constexpr int kExitRefused = 1;
constexpr int kExitBadInput = 2;

// Where batch-inference outputs keep a record's (first) embedding.
constexpr const char* kKnownVectorPaths[] = {
    "$.SageMakerOutput[0]",               // SageMaker batch transform (seed's shape)
    "$.response.body.data[0].embedding",  // OpenAI batch output
    "$.modelOutput.embedding",            // Bedrock Titan
    "$.modelOutput.embeddings[0]",        // Bedrock Cohere
    "$.embedding",
};

struct SearchFlags {
  TargetFlags target;
  std::string index;
  std::string vector;
  std::string vector_from;
  std::string vector_path;
  std::string field;
  int k = 10;
  std::vector<std::string> show;
};

[[noreturn]] void Fail(int rc, const std::string& message) {
  std::cerr << "sluice search: " << message << "\n";
  throw CLI::RuntimeError(rc);
}

// A JSON array of numbers, re-serialised; nullopt when `e` is not one.
std::optional<std::string> VectorJson(const simdjson::dom::element& e) {
  simdjson::dom::array array;
  if (e.get_array().get(array) != simdjson::SUCCESS || array.size() == 0) return std::nullopt;
  json::JsonWriter w;
  w.StartArray();
  for (simdjson::dom::element v : array) {
    double d;
    if (v.get_double().get(d) != simdjson::SUCCESS) return std::nullopt;
    w.Double(d);
  }
  w.EndArray();
  return w.Take();
}

// --vector-from FILE:LINE (1-based line of a JSON or JSONL file).
std::string VectorFromFile(const SearchFlags& flags) {
  size_t colon = flags.vector_from.rfind(':');
  std::string path = flags.vector_from.substr(0, colon);
  uint64_t line_no = 1;
  if (colon != std::string::npos) {
    try {
      line_no = std::stoull(flags.vector_from.substr(colon + 1));
    } catch (const std::exception&) {
      Fail(kExitBadInput, "--vector-from wants FILE:LINE, got [" + flags.vector_from + "]");
    }
    if (line_no == 0) Fail(kExitBadInput, "--vector-from lines count from 1");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) Fail(kExitBadInput, "cannot read " + path);
  std::string line;
  for (uint64_t n = 0; n < line_no; ++n) {
    if (!std::getline(in, line)) {
      Fail(kExitBadInput, fmt::format("{} has fewer than {} lines", path, line_no));
    }
  }
  simdjson::dom::parser parser;
  simdjson::dom::element record;
  if (parser.parse(line).get(record) != simdjson::SUCCESS) {
    Fail(kExitBadInput, fmt::format("{}:{} is not JSON", path, line_no));
  }
  if (auto v = VectorJson(record)) return *v;
  std::vector<std::string> paths;
  if (!flags.vector_path.empty()) {
    paths.push_back(flags.vector_path);
  } else {
    paths.assign(std::begin(kKnownVectorPaths), std::end(kKnownVectorPaths));
  }
  for (const auto& expression : paths) {
    auto compiled = json::jsonpath::JsonPath::Compile(expression);
    if (!compiled.ok()) Fail(kExitBadInput, "--vector-path: " + compiled.status().reason());
    std::vector<simdjson::dom::element> nodes;
    if (!compiled->Evaluate(record, &nodes).ok() || nodes.empty()) continue;
    if (auto v = VectorJson(nodes.front())) return *v;
  }
  Fail(kExitBadInput, fmt::format("no vector found in {}:{} (give --vector-path)", path, line_no));
}

// The index's first top-level knn_vector field.
std::string DefaultVectorField(RestClient& client, const std::string& index) {
  auto reply = client.Call("GET", "/" + index + "/_mapping");
  if (!reply.ok()) Fail(kExitBadInput, reply.status().ToString());
  if (reply->status != 200) Fail(kExitRefused, ReplyError(*reply));
  rapidjson::Document d;
  d.Parse(reply->body.data(), reply->body.size());
  if (d.HasParseError() || !d.IsObject()) Fail(kExitRefused, "unexpected mapping answer");
  for (const auto& idx : d.GetObject()) {
    if (!idx.value.IsObject() || !idx.value.HasMember("mappings")) continue;
    const auto& mappings = idx.value["mappings"];
    if (!mappings.IsObject() || !mappings.HasMember("properties")) continue;
    for (const auto& prop : mappings["properties"].GetObject()) {
      if (prop.value.IsObject() && prop.value.HasMember("type") && prop.value["type"].IsString() &&
          std::string_view(prop.value["type"].GetString()) == "knn_vector") {
        return prop.name.GetString();
      }
    }
  }
  Fail(kExitRefused, "index [" + index + "] has no knn_vector field");
}

std::string Cell(const rapidjson::Value* v) {
  if (v == nullptr || v->IsNull()) return "-";
  if (v->IsString()) return v->GetString();
  return json::ValueText(*v);
}

void PrintTable(const rapidjson::Document& d, const std::vector<std::string>& show) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header = {"rank", "_id", "_score"};
  header.insert(header.end(), show.begin(), show.end());
  rows.push_back(header);
  if (d.HasMember("hits") && d["hits"].IsObject() && d["hits"].HasMember("hits") &&
      d["hits"]["hits"].IsArray()) {
    int rank = 0;
    for (const auto& hit : d["hits"]["hits"].GetArray()) {
      std::vector<std::string> row = {
          std::to_string(++rank), Cell(&hit["_id"]),
          hit["_score"].IsNumber() ? fmt::format("{:.6f}", hit["_score"].GetDouble()) : "-"};
      const rapidjson::Value* source =
          hit.HasMember("_source") && hit["_source"].IsObject() ? &hit["_source"] : nullptr;
      for (const auto& field : show) {
        const rapidjson::Value* value = nullptr;
        if (source != nullptr && source->HasMember(field.c_str()))
          value = &(*source)[field.c_str()];
        row.push_back(Cell(value));
      }
      rows.push_back(std::move(row));
    }
  }
  std::vector<size_t> widths(header.size(), 0);
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      line += c + 1 == row.size() ? row[c] : fmt::format("{:<{}}  ", row[c], widths[c]);
    }
    std::cout << line << "\n";
  }
  if (rows.size() == 1) std::cout << "(no hits)\n";
}

void RunSearch(const SearchFlags& flags) {
  if (flags.vector.empty() == flags.vector_from.empty()) {
    Fail(kExitBadInput, "give exactly one of --vector '[...]' or --vector-from FILE:LINE");
  }
  std::string vector = flags.vector;
  if (vector.empty()) {
    vector = VectorFromFile(flags);
  } else {
    simdjson::dom::parser parser;
    simdjson::dom::element e;
    if (parser.parse(vector).get(e) != simdjson::SUCCESS || !VectorJson(e)) {
      Fail(kExitBadInput, "--vector must be a JSON array of numbers");
    }
  }
  auto target = OpenTarget(flags.target);
  if (!target.ok()) Fail(kExitBadInput, target.status().ToString());
  RestClient& client = *target->client;
  std::string field = flags.field.empty() ? DefaultVectorField(client, flags.index) : flags.field;

  json::JsonWriter w;
  w.StartObject().Key("size").Int(flags.k);
  w.Key("query").StartObject().Key("knn").StartObject().Key(field).StartObject();
  w.Key("vector").Raw(vector).Key("k").Int(flags.k);
  w.EndObject().EndObject().EndObject();
  if (flags.show.empty()) {
    w.Key("_source").Bool(false);
  } else {
    w.Key("_source").StartArray();
    for (const auto& f : flags.show) w.String(f);
    w.EndArray();
  }
  w.EndObject();
  auto reply = client.Call("POST", "/" + flags.index + "/_search", w.Take());
  if (!reply.ok()) Fail(kExitBadInput, reply.status().ToString());
  if (reply->status != 200) Fail(kExitRefused, ReplyError(*reply));
  rapidjson::Document d;
  d.Parse(reply->body.data(), reply->body.size());
  if (d.HasParseError() || !d.IsObject()) Fail(kExitRefused, "unexpected search answer");
  PrintTable(d, flags.show);
}

}  // namespace

void AddSearchCommand(CLI::App& app) {
  auto flags = std::make_shared<SearchFlags>();
  CLI::App* cmd =
      app.add_subcommand("search", "Run a k-NN query from the shell and print ids and scores");
  cmd->footer(R"(Examples:
  # Use the vector of line 3 of a SageMaker output file (found at $.SageMakerOutput[0])
  sluice search --index my-nlp-index --vector-from examples/data/sagemaker_batch.json.out:3

  # The title vector instead, against the title_embedding field, showing the title
  sluice search --index my-nlp-index --field title_embedding --show title \
      --vector-from examples/data/sagemaker_batch.json.out:3 --vector-path '$.SageMakerOutput[1]'

  # A literal vector, against a running server
  sluice search --server http://127.0.0.1:9200 --index docs --vector '[0.1, 0.2, 0.3]' --k 5)");
  AddTargetFlags(cmd, &flags->target);
  cmd->add_option("--index", flags->index, "Index to search")->required();
  cmd->add_option("--vector", flags->vector, "Query vector as a JSON array");
  cmd->add_option("--vector-from", flags->vector_from,
                  "FILE:LINE of a JSONL file whose record holds the query vector");
  cmd->add_option("--vector-path", flags->vector_path,
                  "JSONPath of the vector in that record (default: the known places in "
                  "SageMaker, OpenAI and Bedrock output)");
  cmd->add_option("--field", flags->field,
                  "knn_vector field (default: the index's first knn_vector field)");
  cmd->add_option("--k", flags->k, "Number of neighbours")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  cmd->add_option("--show", flags->show, "_source fields to print as columns (repeatable)")
      ->allow_extra_args(false);
  cmd->callback([flags]() { RunSearch(*flags); });
}

}  // namespace sluice::cli
