#include "cli/predict_command.h"

#include <rapidjson/document.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "cli/predict_request.h"
#include "cli/progress_printer.h"
#include "cli/rest_client.h"

namespace sluice::cli {
namespace {

constexpr int kExitTaskFailed = 1;
constexpr int kExitRejected = 2;
constexpr int kExitPartial = 3;
constexpr int kExitInterrupted = 130;

struct PredictFlags {
  PredictArgs args;
  std::string server = "http://127.0.0.1:9200";
  std::string user;
  std::string password_file;
  std::string progress = "auto";
  double poll_interval_s = 1;
  double reconnect_timeout_s = 300;
};

[[noreturn]] void Fail(int rc, const std::string& message) {
  std::cerr << "sluice predict: " << message << "\n";
  throw CLI::RuntimeError(rc);
}

// Basic auth for --user: the password from $SLUICE_PASSWORD or
// --password-file, never the command line (shell history, ps).
std::string Authorization(const PredictFlags& flags) {
  if (flags.user.empty()) return {};
  std::string password;
  if (!flags.password_file.empty()) {
    std::ifstream in(flags.password_file);
    if (!in) Fail(kExitRejected, "cannot read --password-file " + flags.password_file);
    std::getline(in, password);
  } else if (const char* env = std::getenv("SLUICE_PASSWORD"); env != nullptr) {
    password = env;
  } else {
    Fail(kExitRejected, "--user needs its password in $SLUICE_PASSWORD or --password-file");
  }
  return BasicAuthorization(flags.user, password);
}

int WaitForSignal(const sigset_t& signals, std::chrono::milliseconds wait) {
  const timespec ts{static_cast<time_t>(wait.count() / 1000),
                    static_cast<long>(wait.count() % 1000) * 1'000'000};
  int sig = sigtimedwait(&signals, nullptr, &ts);
  return sig > 0 ? sig : 0;
}

// Follows a task across restarts of the server (its tasks are durable and
// resume): an unreachable server or a 5xx is retried for --reconnect-timeout
// before the command gives up; anything else ends it. Returns the task's body,
// or "" when this poll got no answer (the caller waits and polls again).
class TaskPoller {
 public:
  TaskPoller(RestClient& client, std::chrono::milliseconds patience)
      : client_(client), patience_(patience) {}

  std::string Get(const std::string& id) {
    auto reply = client_.Call("GET", "/_plugins/_ml/tasks/" + id);
    bool transient = !reply.ok() || reply->status >= 500;
    if (!transient) {
      if (reply->status != 200) Fail(kExitRejected, "task " + id + ": " + ReplyError(*reply));
      if (failing_since_)
        std::cerr << "sluice predict: " << client_.Describe() << " answers again\n";
      failing_since_.reset();
      return reply->body;
    }
    std::string why = reply.ok() ? ReplyError(*reply) : reply.status().reason();
    auto now = std::chrono::steady_clock::now();
    if (!failing_since_) {
      failing_since_ = now;
      std::cerr << "sluice predict: " << why << "; retrying for "
                << std::chrono::duration_cast<std::chrono::seconds>(patience_).count() << " s\n";
    } else if (now - *failing_since_ > patience_) {
      Fail(kExitRejected, why);
    }
    return {};
  }

 private:
  RestClient& client_;
  const std::chrono::milliseconds patience_;
  std::optional<std::chrono::steady_clock::time_point> failing_since_;
};

void StopFollowing(RestClient& client, const std::string& task_id) {
  std::cerr << "\nsluice predict: stopped following task " << task_id << "; it goes on at "
            << client.Describe() << " (GET /_plugins/_ml/tasks/" << task_id
            << ", POST .../_cancel_batch to cancel the remote job)\n";
  throw CLI::RuntimeError(kExitInterrupted);
}

void RunPredict(const PredictFlags& flags) {
  auto body = BuildPredictRequest(flags.args);
  if (!body.ok()) Fail(kExitRejected, body.status().reason());
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  auto made = MakeHttpClient(flags.server, std::chrono::seconds(60), Authorization(flags));
  if (!made.ok()) Fail(kExitRejected, made.status().reason());
  RestClient& client = **made;
  const auto start = std::chrono::steady_clock::now();
  auto submitted =
      client.Call("POST", "/_plugins/_ml/models/" + flags.args.model_id + "/_batch_predict", *body);
  if (!submitted.ok()) Fail(kExitRejected, submitted.status().ToString());
  if (submitted->status != 200) Fail(kExitRejected, "rejected: " + ReplyError(*submitted));
  rapidjson::Document d;
  d.Parse(submitted->body.data(), submitted->body.size());
  if (d.HasParseError() || !d.IsObject() || !d.HasMember("task_id") || !d["task_id"].IsString()) {
    Fail(kExitRejected, "unexpected answer: " + submitted->body);
  }
  const std::string task_id = d["task_id"].GetString();
  std::cerr << "sluice predict: task " << task_id << " submitted to " << client.Describe() << "\n";
  const bool quiet = flags.progress == "none";
  TaskPoller poller(
      client, std::chrono::milliseconds(static_cast<int64_t>(flags.reconnect_timeout_s * 1000)));
  const auto poll = std::chrono::milliseconds(static_cast<int64_t>(flags.poll_interval_s * 1000));

  // The remote job: a line whenever what it shows changes.
  PredictionView prediction;
  std::string last_line;
  for (;;) {
    std::string body = poller.Get(task_id);
    if (body.empty()) {
      if (WaitForSignal(signals, poll) != 0) StopFollowing(client, task_id);
      continue;
    }
    auto view = ParsePredictionView(body);
    if (!view.ok()) Fail(kExitRejected, view.status().reason());
    prediction = std::move(view).value();
    std::string line = FormatPredictionLine(prediction);
    if (!quiet && line != last_line) std::cerr << "sluice predict: " << line << "\n";
    last_line = line;
    if (prediction.finished()) break;
    if (WaitForSignal(signals, poll) != 0) StopFollowing(client, task_id);
  }
  if (prediction.state != "COMPLETED") {
    std::cout << "prediction " << task_id << " " << prediction.state
              << (prediction.error.empty() ? "" : ": " + prediction.error) << "\n"
              << std::flush;
    throw CLI::RuntimeError(kExitTaskFailed);
  }
  if (flags.args.index.empty()) {
    std::cout << "prediction " << task_id << " COMPLETED (remote job " << prediction.remote_id
              << ")\n"
              << std::flush;
    return;
  }
  if (prediction.ingest_task_id.empty()) {
    Fail(kExitTaskFailed, "the job completed but task " + task_id + " names no ingestion task");
  }

  // The ingestion the job started.
  const std::string& ingest_id = prediction.ingest_task_id;
  if (!quiet)
    std::cerr << "sluice predict: ingesting into " << flags.args.index << " (task " << ingest_id
              << ")\n";
  const bool tty = flags.progress == "live" || (flags.progress == "auto" && isatty(2) != 0);
  ProgressPrinter printer(stderr, tty, std::chrono::seconds(5));
  TaskView task;
  for (;;) {
    std::string body = poller.Get(ingest_id);
    if (body.empty()) {
      if (WaitForSignal(signals, poll) != 0) StopFollowing(client, ingest_id);
      continue;
    }
    auto view = ParseTaskView(body);
    if (!view.ok()) Fail(kExitRejected, view.status().reason());
    task = std::move(view).value();
    if (task.task_id.empty()) task.task_id = ingest_id;
    if (!quiet) printer.Update(task);
    if (task.finished()) break;
    if (WaitForSignal(signals, poll) != 0) StopFollowing(client, ingest_id);
  }
  printer.Finish();
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "prediction " << task_id << " COMPLETED (remote job " << prediction.remote_id
            << ")\n"
            << FormatSummary(task, flags.args.index, wall) << std::flush;
  if (task.state == "COMPLETED_WITH_ERROR") throw CLI::RuntimeError(kExitPartial);
  if (task.state != "COMPLETED") throw CLI::RuntimeError(kExitTaskFailed);
}

}  // namespace

void AddPredictCommand(CLI::App& app) {
  auto flags = std::make_shared<PredictFlags>();
  CLI::App* cmd = app.add_subcommand(
      "predict",
      "Run a remote batch prediction (OpenAI Batch, Bedrock, SageMaker) through a model's "
      "connector and ingest its output, following both to the end");
  cmd->footer(
      R"(Talks to a running server (--server). The model is registered there with a connector
that has a batch_predict action (see docs/batch-ingestion.md).

Exit code: 0 COMPLETED, 3 the ingestion COMPLETED_WITH_ERROR, 1 the job or the ingestion
FAILED or was CANCELLED, 2 rejected or unreachable (for --reconnect-timeout while it
follows: a server that restarts is waited for, its tasks resume), 130 interrupted (Ctrl-C
stops following; the tasks go on on the server).
--user takes its password from $SLUICE_PASSWORD or --password-file.

Example (OpenAI embeddings of input.jsonl into the index docs):
  sluice predict --model-id "$MODEL" --input file-abc123 --ingest-into docs \
      --field-map '_id=source[0].$.custom_id' --field-map '_id=source[1].$.custom_id' \
      --field-map 'embedding=source[0].$.response.body.data[0].embedding' \
      --field-map 'text=source[1].$.body.input')");
  cmd->add_option("--model-id", flags->args.model_id, "The remote model (POST .../_register)")
      ->required();
  cmd->add_option("--input", flags->args.input,
                  "The job's input: an OpenAI file id (file-…), s3://…, http(s)://…, or a "
                  "local FILE (read by the server, under its --file-root)");
  cmd->add_option("--input-param", flags->args.input_param,
                  "The connector parameter the input goes into")
      ->capture_default_str();
  cmd->add_option("--param", flags->args.params,
                  "NAME=VALUE: another connector parameter (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--ingest-into", flags->args.index,
                  "Ingest the output into this index when the job completes");
  cmd->add_option("--field-map", flags->args.field_map,
                  "FIELD=JSONPATH of the ingestion's field_map, source[0] the output, "
                  "source[1] the input; a FIELD given twice maps both (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--ingest-field", flags->args.ingest_fields,
                  "A JSONPath of ingest_fields (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--server", flags->server, "The sluice server")
      ->envname("SLUICE_SERVER")
      ->capture_default_str();
  cmd->add_option("--user", flags->user, "HTTP basic auth user")->envname("SLUICE_USER");
  cmd->add_option("--password-file", flags->password_file,
                  "File holding --user's password (one line)");
  cmd->add_option("--progress", flags->progress, "auto, live, log, none")
      ->check(CLI::IsMember({"auto", "live", "log", "none"}))
      ->capture_default_str();
  cmd->add_option("--poll-interval", flags->poll_interval_s, "Seconds between task polls")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--reconnect-timeout", flags->reconnect_timeout_s,
                  "Seconds to keep polling a server that does not answer (it restarts, and its "
                  "tasks resume) before giving up")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->callback([flags]() { RunPredict(*flags); });
}

}  // namespace sluice::cli
