#include "cli/create_index_command.h"

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/command_target.h"
#include "json/json_writer.h"

namespace sluice::cli {
namespace {

struct CreateIndexFlags {
  TargetFlags target;
  std::string name;
  int dimension = 0;
  std::vector<std::string> vector_fields;
  std::vector<std::string> text_fields;
  std::vector<std::string> keyword_fields;
  std::string space = "cosinesimil";
  std::string engine = "nmslib";
  int m = 16;
  int ef_construction = 128;
  bool dry_run = false;
};

std::string MappingBody(const CreateIndexFlags& f) {
  json::JsonWriter w;
  w.StartObject();
  w.Key("settings").StartObject().Key("index.knn").Bool(true).EndObject();
  w.Key("mappings").StartObject().Key("properties").StartObject();
  std::vector<std::string> vectors = f.vector_fields;
  if (vectors.empty()) vectors.push_back("embedding");
  for (const auto& field : vectors) {
    w.Key(field).StartObject();
    w.Key("type").String("knn_vector").Key("dimension").Int(f.dimension);
    w.Key("method").StartObject();
    w.Key("name").String("hnsw").Key("engine").String(f.engine).Key("space_type").String(f.space);
    w.Key("parameters").StartObject();
    w.Key("m").Int(f.m).Key("ef_construction").Int(f.ef_construction);
    w.EndObject().EndObject().EndObject();
  }
  for (const auto& field : f.text_fields) {
    w.Key(field).StartObject().Key("type").String("text").EndObject();
  }
  for (const auto& field : f.keyword_fields) {
    w.Key(field).StartObject().Key("type").String("keyword").EndObject();
  }
  w.EndObject().EndObject().EndObject();
  return w.Take();
}

void RunCreateIndex(const CreateIndexFlags& flags) {
  std::string body = MappingBody(flags);
  if (flags.dry_run) {
    std::cout << "PUT /" << flags.name << "\n" << body << "\n";
    return;
  }
  auto target = OpenTarget(flags.target);
  if (!target.ok()) {
    std::cerr << "sluice create-index: " << target.status().ToString() << "\n";
    throw CLI::RuntimeError(2);
  }
  auto reply = target->client->Call("PUT", "/" + flags.name, body);
  if (!reply.ok()) {
    std::cerr << "sluice create-index: " << reply.status().ToString() << "\n";
    throw CLI::RuntimeError(2);
  }
  if (reply->status != 200) {
    std::cerr << "sluice create-index: " << ReplyError(*reply) << "\n";
    throw CLI::RuntimeError(1);
  }
  std::cout << reply->body << "\n";
}

}  // namespace

void AddCreateIndexCommand(CLI::App& app) {
  auto flags = std::make_shared<CreateIndexFlags>();
  CLI::App* cmd = app.add_subcommand(
      "create-index", "Create a k-NN index (the mapping you would PUT, written for you)");
  cmd->footer(R"(Examples:
  # The seed's my-nlp-index: two 384-d cosine HNSW fields and two text fields
  sluice create-index my-nlp-index --dimension 384 \
      --field chapter_embedding --field title_embedding --text chapter --text title

  # Show the body instead of creating the index
  sluice create-index docs --dimension 256 --space l2 --engine faiss --dry-run

  # Against a running server
  sluice create-index docs --dimension 1536 --server http://127.0.0.1:9200)");
  AddTargetFlags(cmd, &flags->target);
  cmd->add_option("name", flags->name, "Index name")->required();
  cmd->add_option("--dimension", flags->dimension, "Vector dimension")
      ->required()
      ->check(CLI::Range(1, 16000));
  cmd->add_option("--field", flags->vector_fields,
                  "knn_vector field name (repeatable; default: embedding)")
      ->allow_extra_args(false);
  cmd->add_option("--text", flags->text_fields, "text field name (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--keyword", flags->keyword_fields, "keyword field name (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--space", flags->space, "space_type: cosinesimil, l2, innerproduct, l1, linf")
      ->capture_default_str();
  cmd->add_option("--engine", flags->engine, "nmslib, faiss or lucene")->capture_default_str();
  cmd->add_option("--m", flags->m, "HNSW m")->capture_default_str();
  cmd->add_option("--ef-construction", flags->ef_construction, "HNSW ef_construction")
      ->capture_default_str();
  cmd->add_flag("--dry-run", flags->dry_run, "Print the request instead of sending it");
  cmd->callback([flags]() { RunCreateIndex(*flags); });
}

}  // namespace sluice::cli
