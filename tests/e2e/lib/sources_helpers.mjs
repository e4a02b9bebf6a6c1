// Shared steps of the remote-source end-to-end tests (sources_*.test.mjs):
// submit a batch ingestion, wait for its task, count documents, and check
// that secrets never leak into responses, logs or the data directory.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from './http.mjs';
import { scaled } from './time_scale.mjs';

// The shared test data lies beside the repo (<root>/main, <root>/shared), as CI lays it out.
export const CONSTRUCTED = process.env.SLUICE_TESTDATA_DIR
  ? join(process.env.SLUICE_TESTDATA_DIR, 'batch-formats/constructed')
  : fileURLToPath(new URL('../../../../shared/testdata/batch-formats/constructed/', import.meta.url));

export function readConstructed(relative) {
  return readFileSync(join(CONSTRUCTED, relative));
}

/** Every HTTP response body a test saw, to scan for secrets at the end. */
export class Transcript {
  constructor() {
    this.texts = [];
  }
  add(res) {
    this.texts.push(res.text);
    return res;
  }
}

export async function createIndex(server, name, properties, knn = true) {
  const res = await request(server.url, {
    method: 'PUT',
    path: `/${name}`,
    json: { settings: { index: { knn, number_of_shards: 1 } }, mappings: { properties } },
  });
  assert.equal(res.status, 200, res.text);
}

/** POSTs a batch ingestion and returns its task id. */
export async function submitIngest(server, body, transcript) {
  const res = await request(server.url, { method: 'POST', path: '/_plugins/_ml/_batch_ingestion', json: body });
  transcript?.add(res);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.status, 'CREATED');
  return res.body.task_id;
}

/** Polls the task until it is COMPLETED, COMPLETED_WITH_ERROR, FAILED or CANCELLED; returns its body. */
export async function waitTask(server, taskId, { timeoutMs = 60000, transcript } = {}) {
  const deadline = Date.now() + scaled(timeoutMs);
  for (;;) {
    const res = await request(server.url, { path: `/_plugins/_ml/tasks/${taskId}` });
    transcript?.add(res);
    assert.equal(res.status, 200, res.text);
    if (['COMPLETED', 'COMPLETED_WITH_ERROR', 'FAILED', 'CANCELLED'].includes(res.body.state)) return res.body;
    if (Date.now() > deadline) assert.fail(`task ${taskId} still ${res.body.state} after ${timeoutMs} ms: ${res.text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Submits and waits; returns the final task body. */
export async function ingest(server, body, options = {}) {
  const id = await submitIngest(server, body, options.transcript);
  return waitTask(server, id, options);
}

export async function countDocs(server, index) {
  await request(server.url, { method: 'POST', path: `/${index}/_refresh` });
  const res = await request(server.url, { path: `/${index}/_count` });
  assert.equal(res.status, 200, res.text);
  return res.body.count;
}

export async function getDoc(server, index, id) {
  const res = await request(server.url, { path: `/${index}/_doc/${encodeURIComponent(id)}` });
  assert.equal(res.status, 200, `GET ${index}/_doc/${id}: ${res.text}`);
  return res.body._source;
}

function filesUnder(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory()) out.push(...filesUnder(path));
    else if (st.isFile()) out.push(path);
  }
  return out;
}

/**
 * Asserts that no secret occurs in the transcript's responses, the server's
 * logs, or any file under its data directory (searched as raw bytes). A
 * `canary` (a string the test stored, e.g. a document value) must be found in
 * the data dir, proving that the byte search sees what the server wrote.
 */
export function assertNoSecrets(server, transcript, secrets, { canary } = {}) {
  const logs = server.logs();
  for (const secret of secrets) {
    for (const text of transcript.texts) assert.ok(!text.includes(secret), `a response contains the secret: ${text}`);
    assert.ok(!logs.includes(secret), 'the server log contains a secret');
  }
  const files = filesUnder(server.dataDir);
  assert.ok(files.length > 0, 'the data dir has files');
  let canaryFound = false;
  for (const file of files) {
    const bytes = readFileSync(file);
    for (const secret of secrets) {
      assert.equal(bytes.indexOf(Buffer.from(secret)), -1, `${file} contains a secret`);
    }
    if (canary && bytes.indexOf(Buffer.from(canary)) !== -1) canaryFound = true;
  }
  if (canary) assert.ok(canaryFound, `the data dir holds the canary [${canary}]`);
}

/** Peak resident set size of a process in KiB (VmHWM from /proc/<pid>/status). */
export function peakRssKiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmHWM:\s+(\d+) kB/m.exec(status);
  assert.ok(m, 'VmHWM in /proc status');
  return Number(m[1]);
}
