#include "cli/command_target.h"

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <utility>

#include "sources/aws_credentials.h"

namespace sluice::cli {

void AddTargetFlags(CLI::App* cmd, TargetFlags* flags) {
  cmd->add_option("--data-dir", flags->data_dir,
                  "Data directory to work on in-process (no server needed; it must not be "
                  "served at the same time)")
      ->envname("SLUICE_DATA_DIR")
      ->capture_default_str();
  cmd->add_option("--server", flags->server,
                  "Talk to a running sluice (or OpenSearch) at this URL instead, e.g. "
                  "http://127.0.0.1:9200")
      ->envname("SLUICE_SERVER");
  cmd->add_option("--log-level", flags->log_level, "trace, debug, info, warn, error")
      ->envname("SLUICE_LOG_LEVEL")
      ->capture_default_str();
}

util::Result<CommandTarget> OpenTarget(
    const TargetFlags& flags, const std::function<util::Status(EngineOptions*)>& configure) {
  spdlog::set_level(spdlog::level::from_str(flags.log_level));
  CommandTarget target;
  if (!flags.server.empty()) {
    SLUICE_ASSIGN_OR_RETURN(target.client, MakeHttpClient(flags.server));
    return target;
  }
  EngineOptions options;
  options.data_dir = flags.data_dir;
  options.sources.allow_any_file = true;
  // s3 sources without keys sign with the user's AWS credential chain.
  options.sources.aws_credentials = std::make_shared<sources::AwsCredentialChain>(
      sources::AwsEnvironment::FromProcess(), options.sources);
  options.in_use_hint = "use --server URL";
  if (configure) SLUICE_RETURN_IF_ERROR(configure(&options));
  SLUICE_ASSIGN_OR_RETURN(target.engine, Engine::Open(std::move(options)));
  target.client = MakeInProcessClient(target.engine->router(),
                                      "data dir " + target.engine->data_dir().string());
  return target;
}

}  // namespace sluice::cli
