// Benchmark (run by hand, not by CTest): the same 20k seed-shaped records
// (two 384-d vectors, the seed's my-nlp-index mapping) ingested from a local
// file into (a) the local embedded index and (b) a remote cluster — a second
// sluice server on this machine, through `--remote-cluster`. Prints docs/s
// of both and the ratio remote/local.
//
//   SLUICE_BIN=build/sluice node tests/e2e/remote_cluster_bench.mjs [N]
import { join } from 'node:path';

import { request } from './lib/http.mjs';
import {
  INGEST_PATH, createIndex, sagemakerRecords, seedIndexBody, seedSingleFileRequest, startIngestServer,
  waitTask, writeJsonl,
} from './lib/ingest.mjs';
import { startServer } from './lib/server.mjs';

const N = Number(process.argv[2] || 20000);
const records = sagemakerRecords(N, 384, 7);

async function run(label, target, args) {
  const front = await startIngestServer({ args });
  writeJsonl(join(front.importDir, 'in.jsonl'), records);
  await createIndex(target.url ?? front.url, 'my-nlp-index', seedIndexBody(384));
  const started = Date.now();
  const res = await request(front.url, {
    method: 'POST', path: INGEST_PATH,
    json: seedSingleFileRequest('my-nlp-index', join(front.importDir, 'in.jsonl'), 'file'),
  });
  const task = await waitTask(front.url, res.body.task_id, { timeoutMs: 3600_000, everyMs: 500 });
  const seconds = (Date.now() - started) / 1000;
  if (task.state !== 'COMPLETED' || task.ingest_status.documents_written !== N) {
    throw new Error(`${label}: ${JSON.stringify(task)}`);
  }
  await front.stop();
  const rate = N / seconds;
  console.log(`${label}: ${N} docs in ${seconds.toFixed(1)} s = ${rate.toFixed(0)} docs/s` +
    (task.ingest_status.cluster ? ` cluster=${JSON.stringify(task.ingest_status.cluster)}` : ''));
  return rate;
}

const local = await run('local embedded index', {}, []);
const cluster = await startServer();
const remote = await run('remote sluice via _bulk', cluster, ['--remote-cluster', cluster.url]);
await cluster.stop();
console.log(`remote_vs_local: ${(remote / local).toFixed(2)}x`);
