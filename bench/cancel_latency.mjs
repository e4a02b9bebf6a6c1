#!/usr/bin/env node
// cancel_latency: how long `POST /_plugins/_ml/tasks/<id>/_cancel` takes to
// answer and how long until the task is CANCELLED, with N batch-ingestion
// tasks running at once (default 4, `--max-running-tasks N`) into indexes with
// the seed's mapping (two 384-d cosinesimil hnsw fields, ef_construction 512,
// so the writers are busy building graphs).
//
// Not a test: run by hand (needs the e2e npm packages installed):
//   SLUICE_BIN=build/sluice node bench/cancel_latency.mjs [--tasks 4] [--records 4000] [--runs 3]
//
// Each run starts the tasks, waits until every one has written documents,
// cancels one and reports the POST's answer time and the time until GET shows
// CANCELLED (polled every 10 ms); the others are cancelled before the next run.
import { join } from 'node:path';

import {
  createIndex, getTask, sagemakerRecords, seedIndexBody, seedSingleFileRequest,
  startIngestServer, submitIngest, writeJsonl,
} from '../tests/e2e/lib/ingest.mjs';
import { request } from '../tests/e2e/lib/http.mjs';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const TASKS = opt('--tasks', 4);
const RECORDS = opt('--records', 4000);
const RUNS = opt('--runs', 3);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const server = await startIngestServer({ args: ['--max-running-tasks', String(TASKS)] });
try {
  const file = writeJsonl(join(server.importDir, 'big.json.out'), sagemakerRecords(RECORDS, 384));
  const results = [];
  for (let run = 0; run < RUNS; run++) {
    const ids = [];
    for (let t = 0; t < TASKS; t++) {
      const index = `cancel-${run}-${t}`;
      await createIndex(server.url, index, seedIndexBody(384));
      const res = await submitIngest(server.url, seedSingleFileRequest(index, file, 'file'));
      if (res.status !== 200) throw new Error(`ingest: ${res.status} ${res.text}`);
      ids.push(res.body.task_id);
    }
    // Every task RUNNING with documents written: the writers are all busy.
    for (const id of ids) {
      for (;;) {
        const task = await getTask(server.url, id);
        if (task.state !== 'RUNNING' && task.state !== 'CREATED') throw new Error(`${id} ${task.state}`);
        if ((task.ingest_status?.documents_written ?? 0) > 0) break;
        await sleep(20);
      }
    }
    const t0 = performance.now();
    const cancel = await request(server.url, { method: 'POST', path: `/_plugins/_ml/tasks/${ids[0]}/_cancel` });
    const answered = performance.now() - t0;
    if (cancel.status !== 200) throw new Error(`cancel: ${cancel.status} ${cancel.text}`);
    let state;
    do {
      state = (await getTask(server.url, ids[0])).state;
      if (state !== 'CANCELLED') await sleep(10);
    } while (state !== 'CANCELLED');
    const cancelled = performance.now() - t0;
    results.push({ answered, cancelled });
    console.log(`run ${run + 1}: POST _cancel answered in ${answered.toFixed(0)} ms, ` +
      `CANCELLED after ${cancelled.toFixed(0)} ms (${TASKS} tasks running)`);
    for (const id of ids.slice(1)) {
      await request(server.url, { method: 'POST', path: `/_plugins/_ml/tasks/${id}/_cancel` });
    }
    for (const id of ids) {
      while (!['CANCELLED', 'COMPLETED', 'COMPLETED_WITH_ERROR', 'FAILED'].includes((await getTask(server.url, id)).state)) await sleep(20);
    }
  }
  const worst = Math.max(...results.map((r) => r.cancelled));
  const median = results.map((r) => r.cancelled).sort((a, b) => a - b)[Math.floor(results.length / 2)];
  console.log(`cancel → CANCELLED: median ${median.toFixed(0)} ms, worst ${worst.toFixed(0)} ms over ${RUNS} runs`);
} finally {
  await server.stop();
}
