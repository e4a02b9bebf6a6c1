// `sluice predict`: the offline pipeline from the shell, against a running
// server — submits POST /_plugins/_ml/models/<id>/_batch_predict (with an
// "ingest" object when --ingest-into is given), shows the remote job's
// progress, then the ingestion's, and a summary. Exit code 0 when the job
// (and its ingestion) COMPLETED, 3 when the ingestion COMPLETED_WITH_ERROR,
// 1 when the job or the ingestion FAILED or was CANCELLED, 2 when the
// request was rejected or the server could not be reached (while following,
// for longer than --reconnect-timeout: a restarting server is waited for,
// its tasks resume), 130 on Ctrl-C (the tasks go on on the server).
#pragma once

namespace CLI {
class App;
}

namespace sluice::cli {

void AddPredictCommand(CLI::App& app);

}  // namespace sluice::cli
