#!/usr/bin/env node
// Crash test for sluice, after RocksDB's db_crashtest: start the real server
// on one data directory, run a mixed workload (_bulk index/delete, batch
// ingestion tasks, searches) and SIGKILL the server at a random moment;
// restart, let recovered ingestion tasks finish, and check that
//   - every acknowledged write is there with its exact _source,
//   - every acknowledged delete is gone,
//   - an unacknowledged (in-flight) write is either fully there or not at
//     all (then the model takes what the server shows),
//   - nothing else exists (no document the workload never wrote).
// Repeat. The workload is drawn from a seeded PRNG; the kill moment and the
// interleaving are timing-dependent by nature, so a failure prints the seed,
// the iteration and the ids involved, and keeps the data directory.
//
//   node tests/stress/crash_test.mjs [--iterations N] [--seed S] [--max-seconds T]
//   SLUICE_BIN=build/sluice (default <repo>/build/sluice)
//
// Exit status 0 when every iteration verified, 1 on the first violation.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { rng } from '../e2e/lib/datasets.mjs';
import { request } from '../e2e/lib/http.mjs';
import { makeTempDir, sluiceBin, startServer } from '../e2e/lib/server.mjs';

const { values: opts } = parseArgs({
  options: {
    iterations: { type: 'string', default: '10' },
    seed: { type: 'string', default: String(Date.now() % 1000000) },
    'max-seconds': { type: 'string', default: '1200' },
    'min-kill-ms': { type: 'string', default: '150' },
    'max-kill-ms': { type: 'string', default: '1500' },
  },
});
const ITERATIONS = Number(opts.iterations);
const SEED = Number(opts.seed);
const DEADLINE = Date.now() + Number(opts['max-seconds']) * 1000;
const MIN_KILL_MS = Number(opts['min-kill-ms']);
const MAX_KILL_MS = Number(opts['max-kill-ms']);

const BULK_INDEX = 'crash';
const INGEST_INDEX = 'ingested';
const WRITERS = 3;
const IDS_PER_WRITER = 120;
const DIM = 4;
const INGEST_PATH = '/_plugins/_ml/_batch_ingestion';
const FINAL = new Set(['COMPLETED', 'COMPLETED_WITH_ERROR', 'FAILED', 'CANCELLED']);

const rand = rng(SEED);
const pick = (n) => Math.floor(rand() * n);
let generation = 0;

function log(...args) {
  console.log(`[crash_test seed=${SEED}]`, ...args);
}

class Violation extends Error {}

function fail(message) {
  throw new Violation(message);
}

// ---- the model ----------------------------------------------------------
// bulk: id → { state, pending }: state is null (absent) or a source object;
// pending, while a request is unacknowledged at the kill, is the state the
// request would produce.
const bulkModel = new Map();
// ingestion: one entry per submitted file: { ids: Map<id, source>, acked }.
const ingestFiles = [];

const sameSource = (a, b) => {
  try {
    assert.deepStrictEqual(a, b);
    return true;
  } catch {
    return false;
  }
};

function vector(r) {
  return Array.from({ length: DIM }, () => (Math.floor(r() * 64) - 32) / 8);
}

function newSource(id) {
  generation += 1;
  return { n: Number(id.slice(1)), gen: generation, tag: `t${generation % 5}`, body: `doc ${id} gen ${generation}`, v: vector(rand) };
}

// ---- server calls -------------------------------------------------------
async function call(server, method, path, { json, body, headers } = {}) {
  return request(server.url, { method, path, json, body, headers, timeoutMs: 60000 });
}

async function createIndices(server) {
  const mapping = {
    settings: { 'index.knn': true },
    mappings: {
      properties: {
        n: { type: 'long' },
        gen: { type: 'long' },
        tag: { type: 'keyword' },
        body: { type: 'text' },
        v: { type: 'knn_vector', dimension: DIM, method: { name: 'hnsw', engine: 'lucene', space_type: 'l2' } },
      },
    },
  };
  // Ingested documents carry every top-level mapped field (null when the
  // record has none, as ml-commons does): the ingest index maps only its own.
  const { n, gen, body, ...ingestFields } = mapping.mappings.properties;
  const ingestMapping = { ...mapping, mappings: { properties: ingestFields } };
  for (const [index, json] of [[BULK_INDEX, mapping], [INGEST_INDEX, ingestMapping]]) {
    const res = await call(server, 'PUT', `/${index}`, { json });
    if (res.status !== 200) fail(`create ${index}: ${res.status} ${res.text}`);
  }
}

async function allDocs(server, index, query = { match_all: {} }) {
  const res = await call(server, 'POST', `/${index}/_search`, {
    json: { size: 10000, track_total_hits: true, query },
  });
  if (res.status !== 200) fail(`search ${index}: ${res.status} ${res.text}`);
  const docs = new Map();
  for (const hit of res.body.hits.hits) {
    if (docs.has(hit._id)) fail(`${index}: duplicate hit ${hit._id}`);
    docs.set(hit._id, hit._source);
  }
  if (res.body.hits.total.value !== docs.size) {
    fail(`${index}: total ${res.body.hits.total.value} but ${docs.size} hits`);
  }
  return docs;
}

async function waitForTasks(server) {
  const deadline = Date.now() + 120000;
  for (;;) {
    const res = await call(server, 'GET', '/_plugins/_ml/tasks/_search?size=10000');
    if (res.status !== 200) fail(`task search: ${res.status} ${res.text}`);
    const tasks = res.body.hits.hits.map((h) => ({ id: h._id, ...h._source }));
    const open = tasks.filter((t) => !FINAL.has(t.state));
    if (open.length === 0) return tasks;
    if (Date.now() > deadline) fail(`tasks not finished after restart: ${JSON.stringify(open)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ---- verification -------------------------------------------------------
async function verify(server, iteration) {
  const tasks = await waitForTasks(server);
  for (const t of tasks) {
    if (t.state !== 'COMPLETED') fail(`ingestion task ${t.id} ended ${t.state}: ${t.error ?? ''}`);
  }

  const docs = await allDocs(server, BULK_INDEX);
  for (const [id, entry] of bulkModel) {
    const actual = docs.has(id) ? docs.get(id) : null;
    const allowed = [entry.state];
    if (entry.pending !== undefined) allowed.push(entry.pending);
    if (!allowed.some((s) => sameSource(s, actual))) {
      fail(
        `iteration ${iteration}: ${BULK_INDEX}/${id} is ${JSON.stringify(actual)}, ` +
          `expected ${allowed.map((s) => JSON.stringify(s)).join(' or ')}`,
      );
    }
    entry.state = actual;
    delete entry.pending;
  }
  for (const id of docs.keys()) {
    if (!bulkModel.has(id)) fail(`iteration ${iteration}: ${BULK_INDEX}/${id} was never written`);
  }

  // Per file (its records share a tag), so that no search needs more than
  // 10000 hits; the index's count then shows that nothing else is there.
  let ingestedDocs = 0;
  for (const file of ingestFiles) {
    const ingested = await allDocs(server, INGEST_INDEX, { term: { tag: file.tag } });
    for (const id of ingested.keys()) {
      if (!file.ids.has(id)) fail(`iteration ${iteration}: ${INGEST_INDEX}/${id} (tag ${file.tag}) was never written`);
    }
    const present = [...file.ids.keys()].filter((id) => ingested.has(id));
    if (present.length !== 0 && present.length !== file.ids.size) {
      fail(`iteration ${iteration}: ${file.name}: ${present.length} of ${file.ids.size} records present`);
    }
    if (file.acked && present.length === 0) {
      fail(`iteration ${iteration}: acknowledged ingestion of ${file.name} left no documents`);
    }
    if (present.length > 0) {
      file.acked = true;  // it ran: from now on its documents must stay
      for (const [id, src] of file.ids) {
        if (!sameSource(ingested.get(id), src)) {
          fail(`iteration ${iteration}: ${INGEST_INDEX}/${id} is ${JSON.stringify(ingested.get(id))}, expected ${JSON.stringify(src)}`);
        }
      }
      ingestedDocs += present.length;
    }
  }
  const count = await call(server, 'GET', `/${INGEST_INDEX}/_count`);
  if (count.status !== 200) fail(`count ${INGEST_INDEX}: ${count.status} ${count.text}`);
  if (count.body.count !== ingestedDocs) {
    fail(`iteration ${iteration}: ${INGEST_INDEX} holds ${count.body.count} documents, expected ${ingestedDocs}`);
  }
  return { bulkDocs: docs.size, ingestedDocs };
}

// ---- workload -----------------------------------------------------------
function isConnectionError(err) {
  return /ECONNRESET|ECONNREFUSED|socket hang up|EPIPE|timed out/.test(String(err?.message ?? err)) ||
    ['ECONNRESET', 'ECONNREFUSED', 'EPIPE'].includes(err?.code);
}

async function bulkWriter(server, w, stop) {
  while (!stop.killed) {
    const n = 1 + pick(40);
    const ids = new Set();
    while (ids.size < n) ids.add(`d${w + WRITERS * pick(IDS_PER_WRITER)}`);
    const actions = [];
    const lines = [];
    for (const id of ids) {
      const entry = bulkModel.get(id) ?? { state: null };
      bulkModel.set(id, entry);
      if (entry.state !== null && pick(4) === 0) {
        actions.push({ id, next: null });
        lines.push(JSON.stringify({ delete: { _index: BULK_INDEX, _id: id } }));
      } else {
        const src = newSource(id);
        actions.push({ id, next: src });
        lines.push(JSON.stringify({ index: { _index: BULK_INDEX, _id: id } }), JSON.stringify(src));
      }
      entry.pending = actions[actions.length - 1].next;
    }
    let res;
    try {
      res = await call(server, 'POST', '/_bulk', {
        body: lines.join('\n') + '\n',
        headers: { 'Content-Type': 'application/x-ndjson' },
      });
    } catch (err) {
      if (stop.killed && isConnectionError(err)) return;  // in flight at the kill: stays pending
      throw err;
    }
    if (res.status !== 200) fail(`_bulk answered ${res.status}: ${res.text}`);
    res.body.items.forEach((item, i) => {
      const { id, next } = actions[i];
      const result = item.index ?? item.delete;
      const entry = bulkModel.get(id);
      const ok = (item.index && (result.status === 200 || result.status === 201)) ||
        (item.delete && (result.status === 200 || result.status === 404));
      if (!ok) fail(`_bulk item ${id} failed: ${JSON.stringify(item)}`);
      entry.state = next;
      delete entry.pending;
    });
  }
}

async function searcher(server, stop) {
  while (!stop.killed) {
    const queries = [
      { query: { match_all: {} }, size: 5 },
      { query: { term: { tag: `t${pick(5)}` } }, size: 5 },
      { query: { match: { body: 'gen' } }, size: 3 },
      { query: { knn: { v: { vector: vector(rand), k: 5 } } } },
    ];
    const index = pick(2) ? BULK_INDEX : INGEST_INDEX;
    try {
      const res = await call(server, 'POST', `/${index}/_search`, { json: queries[pick(queries.length)] });
      if (res.status !== 200) fail(`search answered ${res.status}: ${res.text}`);
    } catch (err) {
      if (stop.killed && isConnectionError(err)) return;
      throw err;
    }
  }
}

async function ingester(server, importDir, iteration, stop) {
  const records = 20 + pick(300);
  const name = `ing-${iteration}.jsonl`;
  const ids = new Map();
  const lines = [];
  for (let k = 0; k < records; k++) {
    const id = `i${iteration}-${k}`;
    const emb = vector(rand);
    ids.set(id, { tag: `f${iteration}`, v: emb });
    lines.push(JSON.stringify({ id, tag: `f${iteration}`, emb }));
  }
  writeFileSync(join(importDir, name), lines.join('\n') + '\n');
  const file = { name, tag: `f${iteration}`, ids, acked: false };
  ingestFiles.push(file);
  const body = {
    index_name: INGEST_INDEX,
    field_map: { _id: '$.id', tag: '$.tag', v: '$.emb' },
    data_source: { type: 'file', source: [join(importDir, name)] },
  };
  try {
    const res = await call(server, 'POST', INGEST_PATH, { json: body });
    if (res.status !== 200) fail(`ingestion answered ${res.status}: ${res.text}`);
    file.acked = true;  // the task is durable: it must finish, after a restart if need be
  } catch (err) {
    if (stop.killed && isConnectionError(err)) return;
    throw err;
  }
}

// ---- main ---------------------------------------------------------------
async function main() {
  const dataDir = makeTempDir('sluice-crash-');
  const importDir = join(dataDir, 'import');
  log(`bin=${sluiceBin()} iterations=${ITERATIONS} data_dir=${dataDir}`);
  let server = await startServer({ dataDir });
  await createIndices(server);
  let done = 0;
  try {
    for (let iteration = 1; iteration <= ITERATIONS; iteration++) {
      if (Date.now() > DEADLINE) {
        log(`time budget used up after ${done} iterations`);
        break;
      }
      const stop = { killed: false };
      const workers = [];
      for (let w = 0; w < WRITERS; w++) workers.push(bulkWriter(server, w, stop));
      workers.push(searcher(server, stop), searcher(server, stop));
      if (pick(10) < 7) workers.push(ingester(server, importDir, iteration, stop));
      const killAfter = MIN_KILL_MS + pick(MAX_KILL_MS - MIN_KILL_MS);
      const failed = Promise.all(workers).then(() => null, (err) => err);
      const early = await Promise.race([failed, new Promise((r) => setTimeout(() => r('timer'), killAfter))]);
      if (early !== 'timer' && early !== null) throw early;
      stop.killed = true;
      const killed = await server.kill();
      if (killed.signal !== 'SIGKILL') fail(`server exited by itself: ${JSON.stringify(killed)}\n${server.logs()}`);
      const err = await failed;
      if (err) throw err;

      server = await startServer({ dataDir });
      const counts = await verify(server, iteration);
      done = iteration;
      log(`iteration ${iteration}: killed after ${killAfter} ms; verified ${counts.bulkDocs} bulk and ${counts.ingestedDocs} ingested documents`);
    }
    await server.stop();
  } catch (err) {
    log(`FAILED after ${done} verified iterations: ${err.stack ?? err}`);
    log(`data directory kept: ${dataDir}`);
    try {
      log(`server log tail:\n${server.logs().split('\n').slice(-30).join('\n')}`);
      await server.kill();
    } catch {}
    process.exitCode = 1;
    // Keep the directory for inspection: makeTempDir removes it at exit otherwise.
    process.removeAllListeners('exit');
    return;
  }
  log(`OK: ${done} iterations verified`);
  rmSync(dataDir, { recursive: true, force: true });
}

await main();
