#include "cli/ingest_command.h"

#include <CLI/CLI.hpp>
#include <rapidjson/document.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cli/command_target.h"
#include "cli/progress_printer.h"
#include "cli/remote_cluster_flags.h"
#include "json/json_writer.h"
#include "sources/http_client.h"

namespace sluice::cli {
namespace {

constexpr int kExitTaskFailed = 1;
constexpr int kExitPartial = 3;  // COMPLETED_WITH_ERROR: some records failed
constexpr int kExitInterrupted = 130;  // 128 + SIGINT, as shells report it
constexpr int kExitRejected = 2;
constexpr const char* kIngestPath = "/_plugins/_ml/_batch_ingestion";

struct IngestFlags {
  TargetFlags target;
  std::string request_file;
  std::string index;
  std::string field_map;
  std::vector<std::string> ingest_fields;
  std::string type;
  std::vector<std::string> sources;
  std::string progress = "auto";
  double progress_interval_s = 5;
  double poll_interval_s = 0.2;
  RemoteClusterFlags remote;  // --target: write into an OpenSearch cluster
};

[[noreturn]] void Fail(int rc, const std::string& message) {
  std::cerr << "sluice ingest: " << message << "\n";
  throw CLI::RuntimeError(rc);
}

std::string ReadFileOrStdin(const std::string& path) {
  std::ostringstream out;
  if (path == "-") {
    out << std::cin.rdbuf();
    return out.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) Fail(kExitRejected, "cannot read " + path);
  out << in.rdbuf();
  return out.str();
}

// The data_source type from the locations, unless --type says it.
std::string SourceType(const IngestFlags& flags) {
  if (!flags.type.empty()) return flags.type;
  const std::string& first = flags.sources.front();
  if (first.starts_with("s3://")) return "s3";
  if (first.starts_with("http://") || first.starts_with("https://")) return "http";
  if (first.starts_with("file-")) return "openAI";
  return "file";
}

const char* Env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : nullptr;
}

// Credentials for the shorthand come from the environment, as the AWS and
// OpenAI command-line tools take them, never from flags (shell history).
void WriteCredential(json::JsonWriter& w, const std::string& type) {
  if (type == "s3" && Env("AWS_ACCESS_KEY_ID") && Env("AWS_SECRET_ACCESS_KEY")) {
    w.Key("credential").StartObject();
    w.Key("access_key").String(Env("AWS_ACCESS_KEY_ID"));
    w.Key("secret_key").String(Env("AWS_SECRET_ACCESS_KEY"));
    if (Env("AWS_SESSION_TOKEN")) w.Key("session_token").String(Env("AWS_SESSION_TOKEN"));
    const char* region = Env("AWS_REGION") ? Env("AWS_REGION") : Env("AWS_DEFAULT_REGION");
    if (region) w.Key("region").String(region);
    w.EndObject();
  } else if ((type == "openAI" || type == "openai") && Env("OPENAI_API_KEY")) {
    w.Key("credential").StartObject().Key("openAI_key").String(Env("OPENAI_API_KEY")).EndObject();
  }
}

// The REST request body: --request as given, or built from the shorthand flags.
std::string RequestBody(const IngestFlags& flags) {
  if (!flags.request_file.empty()) return ReadFileOrStdin(flags.request_file);
  if (flags.index.empty() || flags.field_map.empty() || flags.sources.empty()) {
    Fail(kExitRejected, "give --request FILE, or --index, --field-map and at least one FILE|URL");
  }
  std::string map_text = flags.field_map;
  if (map_text.find('{') == std::string::npos) map_text = ReadFileOrStdin(flags.field_map);
  rapidjson::Document map;
  map.Parse(map_text.data(), map_text.size());
  if (map.HasParseError() || !map.IsObject()) {
    Fail(kExitRejected, "--field-map must be a JSON object (or a file holding one)");
  }
  std::string type = SourceType(flags);
  json::JsonWriter w;
  w.StartObject();
  w.Key("index_name").String(flags.index);
  w.Key("field_map").Raw(map_text);
  if (!flags.ingest_fields.empty()) {
    w.Key("ingest_fields").StartArray();
    for (const auto& f : flags.ingest_fields) w.String(f);
    w.EndArray();
  }
  WriteCredential(w, type);
  w.Key("data_source").StartObject().Key("type").String(type).Key("source").StartArray();
  for (const auto& source : flags.sources) {
    // Local paths become absolute: a server resolves them against its own root.
    bool local = type == "file" && !source.starts_with("file://");
    w.String(local ? std::filesystem::absolute(source).lexically_normal().string() : source);
  }
  w.EndArray().EndObject();
  w.EndObject();
  return w.Take();
}

std::string IndexOf(const std::string& body) {
  rapidjson::Document d;
  d.Parse(body.data(), body.size());
  if (!d.HasParseError() && d.IsObject() && d.HasMember("index_name") &&
      d["index_name"].IsString()) {
    return d["index_name"].GetString();
  }
  return "?";
}

bool UseLiveLine(const std::string& mode) {
  if (mode == "live") return true;
  if (mode == "log" || mode == "none") return false;
  return isatty(fileno(stderr)) != 0;
}

// With --target, the summary's cluster line: requests, retried and rejected
// documents and the cluster's throughput, from the task's ingest_status.cluster.
std::string ClusterSummary(const std::string& task_body, const std::string& url) {
  rapidjson::Document d;
  d.Parse(task_body.data(), task_body.size());
  if (d.HasParseError() || !d.IsObject() || !d.HasMember("ingest_status") ||
      !d["ingest_status"].IsObject() || !d["ingest_status"].HasMember("cluster") ||
      !d["ingest_status"]["cluster"].IsObject()) {
    return "";
  }
  const auto& c = d["ingest_status"]["cluster"];
  auto u = [&](const char* k) -> uint64_t {
    return c.HasMember(k) && c[k].IsUint64() ? c[k].GetUint64() : 0;
  };
  double rate = c.HasMember("docs_per_second") && c["docs_per_second"].IsNumber()
                    ? c["docs_per_second"].GetDouble()
                    : 0.0;
  std::ostringstream out;
  out << "  cluster:           " << url << ": " << u("bulk_requests") << " _bulk requests, "
      << u("documents_retried") << " documents retried, " << u("items_rejected")
      << " items rejected, " << static_cast<uint64_t>(rate) << " docs/s\n";
  return out.str();
}

// Waits up to `wait` for SIGINT or SIGTERM (blocked in every thread, see
// RunIngest); returns the signal, or 0 when none came.
int WaitForSignal(const sigset_t& signals, std::chrono::milliseconds wait) {
  const timespec ts{static_cast<time_t>(wait.count() / 1000),
                    static_cast<long>(wait.count() % 1000) * 1'000'000};
  int sig = sigtimedwait(&signals, nullptr, &ts);
  return sig > 0 ? sig : 0;
}

// Ctrl-C while waiting. In-process, the first one cancels the task (it stops
// within a second and the summary shows what was written); a second one
// leaves at once (the task resumes at the next open of the data dir). With
// --server the task belongs to the server: the CLI stops following it.
void OnInterrupt(RestClient& client, bool in_process, const std::string& task_id,
                 int* interrupts) {
  if (!in_process) {
    std::cerr << "\nsluice ingest: stopped following task " << task_id
              << "; it goes on at " << client.Describe() << " (GET /_plugins/_ml/tasks/" << task_id
              << ", POST .../_cancel to stop it)\n";
    throw CLI::RuntimeError(kExitInterrupted);
  }
  if (++*interrupts > 1) {
    std::cerr << "\nsluice ingest: leaving now; task " << task_id
              << " resumes when this data dir is next opened\n";
    std::_Exit(kExitInterrupted);
  }
  std::cerr << "\nsluice ingest: cancelling task " << task_id
            << " (interrupt again to leave at once)\n";
  auto reply = client.Call("POST", "/_plugins/_ml/tasks/" + task_id + "/_cancel");
  if (!reply.ok() || reply->status != 200) {
    std::cerr << "sluice ingest: cancel failed: "
              << (reply.ok() ? ReplyError(*reply) : reply.status().ToString()) << "\n";
  }
}

void RunIngest(const IngestFlags& flags) {
  std::string body = RequestBody(flags);
  // Signals are taken by the polling loop below (sigtimedwait); threads
  // started from here on (the in-process engine's) inherit the blocked mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::function<util::Status(EngineOptions*)> configure;
  if (!flags.remote.url.empty()) {
    if (!flags.target.server.empty()) {
      Fail(kExitRejected, "--target writes from this process; it cannot be used with --server");
    }
    configure = [&flags](EngineOptions* options) -> util::Status {
      SLUICE_ASSIGN_OR_RETURN(options->sinks, RemoteSinkFactory(flags.remote, &options->ingest));
      return util::Status::Ok();
    };
  }
  auto target = OpenTarget(flags.target, configure);
  if (!target.ok()) Fail(kExitRejected, target.status().ToString());
  RestClient& client = *target->client;
  const auto start = std::chrono::steady_clock::now();

  auto submitted = client.Call("POST", kIngestPath, body);
  if (!submitted.ok()) Fail(kExitRejected, submitted.status().ToString());
  if (submitted->status != 200) Fail(kExitRejected, "rejected: " + ReplyError(*submitted));
  rapidjson::Document d;
  d.Parse(submitted->body.data(), submitted->body.size());
  if (d.HasParseError() || !d.IsObject() || !d.HasMember("task_id") || !d["task_id"].IsString()) {
    Fail(kExitRejected, "unexpected answer: " + submitted->body);
  }
  const std::string task_id = d["task_id"].GetString();
  std::cerr << "sluice ingest: task " << task_id << " submitted to " << client.Describe() << "\n";

  ProgressPrinter printer(stderr, UseLiveLine(flags.progress),
                          std::chrono::milliseconds(
                              static_cast<int64_t>(flags.progress_interval_s * 1000)));
  const auto poll = std::chrono::milliseconds(static_cast<int64_t>(flags.poll_interval_s * 1000));
  TaskView task;
  std::string last_reply;
  int interrupts = 0;
  for (;;) {
    auto reply = client.Call("GET", "/_plugins/_ml/tasks/" + task_id);
    if (!reply.ok()) Fail(kExitRejected, reply.status().ToString());
    if (reply->status != 200) Fail(kExitRejected, "task lookup: " + ReplyError(*reply));
    last_reply = reply->body;
    auto view = ParseTaskView(reply->body);
    if (!view.ok()) Fail(kExitRejected, view.status().ToString());
    task = std::move(view).value();
    if (task.task_id.empty()) task.task_id = task_id;
    if (flags.progress != "none") printer.Update(task);
    if (task.finished()) break;
    if (WaitForSignal(signals, poll) != 0) {
      OnInterrupt(client, target->in_process(), task_id, &interrupts);
    }
  }
  printer.Finish();
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << FormatSummary(task, IndexOf(body), wall);
  if (!flags.remote.url.empty()) {
    std::cout << ClusterSummary(last_reply, sources::RedactUrl(flags.remote.url));
  }
  std::cout << std::flush;
  if (task.state == "COMPLETED_WITH_ERROR") throw CLI::RuntimeError(kExitPartial);
  if (task.state != "COMPLETED") throw CLI::RuntimeError(kExitTaskFailed);
}

}  // namespace

void AddIngestCommand(CLI::App& app) {
  auto flags = std::make_shared<IngestFlags>();
  CLI::App* cmd = app.add_subcommand(
      "ingest",
      "Load batch-inference output (JSONL) into an index, with live progress and a summary");
  cmd->footer(R"(Runs in-process on --data-dir (no server needed) or, with --server URL, submits the
request to a running sluice and polls the task. Local files are read with your own
permissions in-process; a server reads only files under its --file-root.

Exit code: 0 COMPLETED, 3 COMPLETED_WITH_ERROR (some records failed; they are listed in
the summary), 1 FAILED (nothing could be written, or a fatal error) or CANCELLED, 2 the
request was rejected or sluice could not be reached, 130 interrupted.
Ctrl-C in-process cancels the task (what was written stays; a second Ctrl-C leaves at
once and the task resumes at the next start); with --server it only stops following the
task, which goes on on the server.
Credentials for the shorthand come from the environment: AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION (s3); OPENAI_API_KEY (openAI).

Examples:
  # SageMaker batch-transform output into my-nlp-index (create it first: see create-index)
  sluice ingest --index my-nlp-index \
      --field-map '{"chapter":"$.content[0]","title":"$.content[1]",
                    "chapter_embedding":"$.SageMakerOutput[0]",
                    "title_embedding":"$.SageMakerOutput[1]","_id":"$.id"}' \
      --ingest-fields '$.id' examples/data/sagemaker_batch.json.out

  # The same body as POST /_plugins/_ml/_batch_ingestion, against a running server
  sluice ingest --server http://127.0.0.1:9200 --request my-request.json

  # Read locally, write into an OpenSearch cluster (password from $SLUICE_REMOTE_PASSWORD)
  sluice ingest --target https://cluster:9200 --remote-user admin --request my-request.json

  # From S3, progress as log lines
  sluice ingest --index docs --field-map map.json --progress log s3://bucket/output/)");
  AddTargetFlags(cmd, &flags->target);
  AddRemoteClusterFlags(cmd, &flags->remote, "--target");
  cmd->add_option("--request", flags->request_file,
                  "A batch-ingestion request body (JSON file, '-' for stdin), as for POST "
                  "/_plugins/_ml/_batch_ingestion");
  cmd->add_option("--index", flags->index, "Target index (index_name)");
  cmd->add_option("--field-map", flags->field_map,
                  "field_map: a JSON object, or a file holding one ({\"field\": \"$.path\", "
                  "\"_id\": \"$.id\"})");
  cmd->add_option("--ingest-fields", flags->ingest_fields,
                  "JSONPaths whose values are stored as fields too (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--type", flags->type,
                  "data_source.type: file, s3, openAI, http (default: from the first location)");
  cmd->add_option("sources", flags->sources,
                  "Input locations: local files, s3://bucket/key-or-prefix, OpenAI file ids, "
                  "http(s) URLs; several are joined by _id");
  cmd->add_option("--progress", flags->progress,
                  "auto (a live line on a terminal, log lines otherwise), live, log, none")
      ->check(CLI::IsMember({"auto", "live", "log", "none"}))
      ->capture_default_str();
  cmd->add_option("--progress-interval", flags->progress_interval_s,
                  "Seconds between progress log lines when not on a terminal")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--poll-interval", flags->poll_interval_s, "Seconds between task polls")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->callback([flags]() { RunIngest(*flags); });
}

}  // namespace sluice::cli
