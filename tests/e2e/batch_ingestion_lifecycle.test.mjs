// The life of a batch-ingestion task: RUNNING with live progress, cancel (the
// task stops within about a second and keeps what it wrote), the queue of
// --max-running-tasks, delete, and a server SIGKILLed in the middle of an
// ingest that resumes the task after restart to COMPLETED with exactly the
// expected documents and no duplicates (type "file"; s3/openAI tasks, whose
// credentials are held in memory only, become FAILED after a restart).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';

import { randomVector, rng } from './lib/datasets.mjs';
import {
  count,
  createIndex,
  docsByIds,
  getTask,
  sameVector,
  startIngestServer,
  startMockS3,
  submitIngest,
  waitTask,
} from './lib/ingest.mjs';
import { request } from './lib/http.mjs';

const DIM = 384;
const servers = new Set();
let s3;
let resumedWritten;

after(async () => {
  for (const s of servers) await s.kill();
  await s3?.close();
});

async function start(opts) {
  const s = await startIngestServer(opts);
  servers.add(s);
  return s;
}

function indexBody() {
  return {
    settings: { 'index.knn': true },
    mappings: {
      properties: {
        text: { type: 'text' },
        emb: {
          type: 'knn_vector',
          dimension: DIM,
          method: { name: 'hnsw', engine: 'nmslib', space_type: 'cosinesimil', parameters: { m: 16, ef_construction: 512 } },
        },
      },
    },
  };
}

/** Writes n records {t, e: [384 floats]} (no id field); returns their vectors by line. */
async function writeBigFile(path, n, seed) {
  const rand = rng(seed);
  const vectors = [];
  const out = createWriteStream(path);
  for (let i = 0; i < n; i++) {
    const v = randomVector(rand, DIM).map((x) => Math.round(x * 1e4) / 1e4);
    vectors.push(v);
    if (!out.write(`${JSON.stringify({ t: `record ${i}`, e: v })}\n`)) await new Promise((r) => out.once('drain', r));
  }
  await new Promise((r) => out.end(r));
  return vectors;
}

function ingestBody(index, path) {
  return { index_name: index, field_map: { text: '$.t', emb: '$.e' }, data_source: { type: 'file', source: [path] } };
}

const running = (t) => t.state === 'RUNNING' && t.ingest_status?.documents_written > 0;

describe('cancel and the task queue', () => {
  test('a running task is cancelled before its end and keeps the documents it wrote', async () => {
    const server = await start();
    await createIndex(server.url, 'c', indexBody());
    const path = join(server.importDir, 'big.jsonl');
    const N = 20000;
    await writeBigFile(path, N, 1);
    const res = await submitIngest(server.url, ingestBody('c', path));
    assert.equal(res.status, 200, res.text);
    const id = res.body.task_id;
    const live = await waitTask(server.url, id, { until: running, timeoutMs: 60000 });
    assert.equal(live.ingest_status.phase, 'reading');
    assert.ok(live.ingest_status.bytes_total > 0 && live.ingest_status.bytes_read <= live.ingest_status.bytes_total);
    assert.ok(live.ingest_status.records_read >= live.ingest_status.documents_written);
    assert.ok(live.ingest_status.elapsed_ms > 0);

    const cancel = await request(server.url, { method: 'POST', path: `/_plugins/_ml/tasks/${id}/_cancel` });
    assert.equal(cancel.status, 200, cancel.text);
    assert.equal(cancel.body.task_id, id);
    assert.ok(['RUNNING', 'CANCELLED'].includes(cancel.body.state));
    // Behaviour, not speed: the task ends CANCELLED before it has read its whole
    // input. (Cancel latency is measured by bench/, not asserted here.)
    const done = await waitTask(server.url, id, { until: (t) => t.state === 'CANCELLED', timeoutMs: 60000 });
    assert.equal(done.ingest_status.phase, 'cancelled');
    assert.ok(done.ingest_status.documents_written < N, 'stopped before the end');
    assert.equal(await count(server.url, 'c'), done.ingest_status.documents_written, 'written documents stay');

    const again = await request(server.url, { method: 'POST', path: `/_plugins/_ml/tasks/${id}/_cancel` });
    assert.equal(again.status, 400);
    assert.equal(again.body.error.type, 'illegal_argument_exception');
    assert.match(again.body.error.reason, /already CANCELLED/);
  });

  test('--max-running-tasks 1: a second task waits as CREATED, can be cancelled or deleted there', async () => {
    const server = await start({ args: ['--max-running-tasks', '1'] });
    await createIndex(server.url, 'q', indexBody());
    const path = join(server.importDir, 'q.jsonl');
    await writeBigFile(path, 3000, 2);
    const first = (await submitIngest(server.url, ingestBody('q', path))).body.task_id;
    const second = (await submitIngest(server.url, ingestBody('q', path))).body.task_id;
    const third = (await submitIngest(server.url, ingestBody('q', path))).body.task_id;
    await waitTask(server.url, first, { until: running });
    assert.equal((await getTask(server.url, second)).state, 'CREATED');
    const search = await request(server.url, { method: 'POST', path: '/_plugins/_ml/tasks/_search', json: { query: { term: { state: 'CREATED' } } } });
    assert.deepEqual(search.body.hits.hits.map((h) => h._id).sort(), [second, third].sort());

    const cancel = await request(server.url, { method: 'POST', path: `/_plugins/_ml/tasks/${second}/_cancel` });
    assert.equal(cancel.status, 200);
    assert.equal(cancel.body.state, 'CANCELLED', 'a task that had not started is cancelled at once');
    const del = await request(server.url, { method: 'DELETE', path: `/_plugins/_ml/tasks/${third}` });
    assert.equal(del.status, 200, del.text);
    assert.equal(del.body.result, 'deleted');
    assert.equal(del.body._index, '.plugins-ml-task');
    assert.equal((await request(server.url, { path: `/_plugins/_ml/tasks/${third}` })).status, 404);

    const done = await waitTask(server.url, first, { timeoutMs: 120000 });
    assert.equal(done.state, 'COMPLETED');
    assert.equal(done.ingest_status.documents_written, 3000);
    assert.equal((await getTask(server.url, second)).state, 'CANCELLED', 'a cancelled task never starts');
    assert.equal(await count(server.url, "q"), 3000);
  });
});

describe('restart during a running ingest', () => {
  test('SIGKILL mid-ingest, restart: the task resumes to COMPLETED with exactly N documents and no duplicates', async () => {
    s3 = await startMockS3({ 'b/k.jsonl': '{"t":"x","e":[]}\n' });
    let server = await start({ args: ['--max-running-tasks', '1', '--s3-endpoint', s3.url] });
    const dataDir = server.dataDir;
    await createIndex(server.url, 'r', indexBody());
    const path = join(server.importDir, 'resume.jsonl');
    const N = 8000;
    const vectors = await writeBigFile(path, N, 3);
    const res = await submitIngest(server.url, ingestBody('r', path));
    const id = res.body.task_id;
    // Queued behind it: an s3 task, whose credential is not persisted.
    const s3Task = await submitIngest(server.url, {
      index_name: 'r',
      field_map: { text: '$.t', emb: '$.e' },
      credential: { access_key: 'AKIARESTART', secret_key: 'restart-secret' },
      data_source: { type: 's3', source: ['s3://bkt/k.jsonl'] },
    });
    assert.equal(s3Task.status, 200, s3Task.text);
    const before = await waitTask(server.url, id, { until: (t) => running(t) && t.ingest_status.documents_written >= 1000, timeoutMs: 60000 });
    assert.ok(before.ingest_status.documents_written < N, `too fast to interrupt: ${before.ingest_status.documents_written}`);
    const killed = await server.kill();
    assert.equal(killed.signal, 'SIGKILL');
    servers.delete(server);

    server = await start({ dataDir, args: ['--max-running-tasks', '1', '--s3-endpoint', s3.url] });
    const after = await getTask(server.url, id);
    assert.ok(['CREATED', 'RUNNING', 'COMPLETED'].includes(after.state), after.state);
    assert.ok(after.ingest_status.documents_written >= 0);
    const done = await waitTask(server.url, id, { timeoutMs: 120000 });
    assert.equal(done.state, 'COMPLETED', JSON.stringify(done));
    assert.equal(done.ingest_status.records_read, N, 'counters continue from the checkpoint');
    resumedWritten = done.ingest_status.documents_written;
    assert.equal(done.ingest_status.records_failed, 0);

    const expectedIds = Array.from({ length: N }, (_, i) => `${id}-0-${i + 1}`);
    const docs = await docsByIds(server.url, 'r', expectedIds);
    const missing = [];
    for (let line = 1; line <= N; line++) if (!docs.has(`${id}-0-${line}`)) missing.push(line);
    const ranges = missing.reduce((acc, l) => {
      const last = acc[acc.length - 1];
      if (last && last[1] === l - 1) last[1] = l;
      else acc.push([l, l]);
      return acc;
    }, []);
    assert.deepEqual(ranges, [], `missing lines (killed at ${JSON.stringify(before.ingest_status)})`);
    assert.equal(await count(server.url, 'r'), N, 'exactly N documents: no duplicates');
    for (let line = 1; line <= N; line++) {
      const doc = docs.get(`${id}-0-${line}`);
      assert.equal(doc.text, `record ${line - 1}`);
      if (line % 997 === 0) assert.ok(sameVector(doc.emb, vectors[line - 1]));
    }
    const knn = await request(server.url, {
      method: 'POST',
      path: '/r/_search',
      json: { size: 1, query: { knn: { emb: { vector: vectors[4321], k: 1 } } } },
    });
    assert.equal(knn.body.hits.hits[0]._id, `${id}-0-4322`);

    const failed = await waitTask(server.url, s3Task.body.task_id, { until: (t) => t.state !== 'CREATED' && t.state !== 'RUNNING' });
    assert.equal(failed.state, 'FAILED');
    assert.match(failed.error, /credential/);
    assert.equal(s3.requests.length, 0, 'the s3 task never ran');
  });

  // A checkpoint takes the writing side's counters when its batch is durable, so a
  // resumed task counts on from there (it used to lag by the batches queued ahead).
  // Only a batch that was durable but not yet checkpointed when the process died
  // is written, and counted, twice: at most one batch (500 documents) over.
  test('after the resume, documents_written is N (at most one replayed batch over)', () => {
    assert.ok(resumedWritten >= 8000 && resumedWritten <= 8500, `documents_written ${resumedWritten}`);
  });
});
