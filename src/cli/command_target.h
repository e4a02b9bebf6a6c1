// CommandTarget: what a client command (ingest, create-index, search) talks
// to — a data directory opened in this process (the default: no server
// needed) or a running server (--server URL). The flags are shared by those
// commands; OpenTarget() chooses the one place where the decision is made.
//
// In-process, the commands read local files with the user's own permissions
// (sources allow any file); the --file-root guard belongs to the server.
//
// Thread-safety: one command, one thread.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "cli/engine.h"
#include "cli/rest_client.h"
#include "util/result.h"

namespace CLI {
class App;
}

namespace sluice::cli {

struct TargetFlags {
  std::string data_dir = "./data";
  std::string server;  // "" = in-process on data_dir
  std::string log_level = "warn";
};

// Adds --data-dir, --server and --log-level (with SLUICE_* environment variables).
void AddTargetFlags(CLI::App* cmd, TargetFlags* flags);

struct CommandTarget {
  std::unique_ptr<Engine> engine;  // null with --server
  // Declared after the engine, so destroyed first (it may point into it).
  std::unique_ptr<RestClient> client;
  bool in_process() const { return engine != nullptr; }
};

// Opens the data directory (in-process) or prepares the HTTP client.
// `configure`, when given, adjusts the in-process engine's options (e.g. a
// remote cluster sink for `sluice ingest --target`).
util::Result<CommandTarget> OpenTarget(
    const TargetFlags& flags,
    const std::function<util::Status(EngineOptions*)>& configure = nullptr);

}  // namespace sluice::cli
