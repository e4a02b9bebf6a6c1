// `sluice ingest`: runs a batch ingestion from the shell — in-process on a
// data directory (the default; no server needed) or through a running server
// (--server URL: submits, then polls the task) — with live progress and a
// summary. Exit code 0 when the task COMPLETED (even with failed records,
// which the summary lists), 1 when it FAILED or was CANCELLED, 2 when the
// request was rejected or sluice could not be reached.
#pragma once

namespace CLI {
class App;
}

namespace sluice::cli {

void AddIngestCommand(CLI::App& app);

}  // namespace sluice::cli
