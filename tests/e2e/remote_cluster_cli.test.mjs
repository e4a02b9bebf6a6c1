// `sluice ingest --target URL`: the CLI reads the sources in-process and
// writes into a remote cluster (a second sluice behind the faulty _bulk proxy,
// as in remote_cluster.test.mjs). Checks: exact documents and a summary with
// the cluster's counters; a wrong password (exit 2, clear reason, never
// printed or stored); a CLI killed mid-ingest and run again leaves each
// document once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { startBulkFaultProxy } from './lib/bulk_fault_proxy.mjs';
import { request } from './lib/http.mjs';
import { allDocs, createIndex, filesContaining, sagemakerRecords, sameVector, seedIndexBody, writeJsonl } from './lib/ingest.mjs';
import { makeTempDir, sluiceBin, startServer } from './lib/server.mjs';

const DIM = 64;
const USER = 'cli-writer';
const PASSWORD = 'cli-cluster-password-must-never-leak-11';
const FIELD_MAP = JSON.stringify({
  chapter: '$.content[0]',
  title: '$.content[1]',
  chapter_embedding: '$.SageMakerOutput[0]',
  title_embedding: '$.SageMakerOutput[1]',
  _id: '$.id',
});

let cluster;
let proxy;
const work = makeTempDir('sluice-remote-cli-');

before(async () => {
  cluster = await startServer();
  proxy = await startBulkFaultProxy({
    target: cluster.url, status429Every: 5, rejectItemEvery: 11, dropBulk: 2, basicAuth: { user: USER, password: PASSWORD },
  });
});

after(async () => {
  await proxy?.close();
  await cluster?.stop();
});

function runIngest(args, { password = PASSWORD, onSpawn } = {}) {
  return new Promise((resolve) => {
    const proc = spawn(sluiceBin(), ['ingest', '--progress', 'log', ...args], {
      env: { ...process.env, SLUICE_REMOTE_PASSWORD: password },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (c) => (stdout += c));
    proc.stderr.on('data', (c) => (stderr += c));
    proc.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
    onSpawn?.(proc);
  });
}

function ingestArgs(dataDir, index, file, bulkSize = '16384') {
  return ['--data-dir', dataDir, '--target', proxy.url, '--remote-user', USER, '--remote-bulk-size', bulkSize,
    '--remote-max-retries', '12', '--index', index, '--field-map', FIELD_MAP, '--ingest-fields', '$.id', file];
}

test('ingest --target writes exactly the records to the cluster and summarises its counters', async () => {
  await createIndex(cluster.url, 'cli-index', seedIndexBody(DIM));
  const records = sagemakerRecords(200, DIM, 9);
  const file = join(work, 'cli.jsonl');
  writeJsonl(file, records);
  const dataDir = join(work, 'data-ok');
  const out = await runIngest(ingestArgs(dataDir, 'cli-index', file));
  assert.equal(out.code, 0, out.stdout + out.stderr);
  assert.match(out.stdout, /COMPLETED/);
  assert.match(out.stdout, /documents written: 200/);
  assert.match(out.stdout, /cluster: +http:\/\/127\.0\.0\.1:\d+: \d+ _bulk requests, \d+ documents retried, [1-9]\d* items rejected, \d+ docs\/s/);
  const { docs, total } = await allDocs(cluster.url, 'cli-index');
  assert.equal(total, 200);
  for (const rec of records) {
    const doc = docs.get(String(rec.id));
    assert.ok(doc && sameVector(doc.title_embedding, rec.SageMakerOutput[1]), `document ${rec.id}`);
  }
  const local = await startServer({ dataDir });
  try {
    assert.equal((await request(local.url, { path: '/cli-index' })).status, 404, 'nothing is written locally');
  } finally {
    await local.stop();
  }
});

test('a wrong password: exit 2 with the cluster\'s reason, the password nowhere', async () => {
  const wrong = 'cli-wrong-password-must-never-leak-12';
  const file = join(work, 'cli.jsonl');
  const dataDir = join(work, 'data-wrong');
  const out = await runIngest(ingestArgs(dataDir, 'cli-index', file), { password: wrong });
  assert.equal(out.code, 2, out.stdout + out.stderr);
  assert.match(out.stderr, /security_exception/);
  assert.match(out.stderr, /authentication failed/);
  for (const secret of [wrong, PASSWORD]) {
    assert.ok(!out.stdout.includes(secret) && !out.stderr.includes(secret), 'password printed');
  }
  assert.deepEqual(filesContaining(dataDir, [wrong, PASSWORD]), []);
});

test('a CLI killed mid-ingest and run again leaves each document once on the cluster', async () => {
  await createIndex(cluster.url, 'cli-resume', seedIndexBody(DIM));
  const N = 800;
  const records = sagemakerRecords(N, DIM, 10);
  const file = join(work, 'resume.jsonl');
  writeJsonl(file, records);
  const dataDir = join(work, 'data-resume');
  const args = ingestArgs(dataDir, 'cli-resume', file, '8192');
  let proc;
  const first = runIngest(args, { onSpawn: (p) => (proc = p) });
  for (const deadline = Date.now() + 60000; ;) {
    const { total } = await allDocs(cluster.url, 'cli-resume');
    if (total >= 100) break;
    assert.ok(Date.now() < deadline, 'ingestion did not start');
    await new Promise((r) => setTimeout(r, 20));
  }
  proc.kill('SIGKILL');
  const killed = await first;
  assert.equal(killed.signal, 'SIGKILL');
  const partial = (await allDocs(cluster.url, 'cli-resume')).total;
  assert.ok(partial < N, `killed mid-run (${partial} of ${N})`);

  const again = await runIngest(args);
  assert.equal(again.code, 0, again.stdout + again.stderr);
  const { docs, total } = await allDocs(cluster.url, 'cli-resume');
  assert.equal(total, N, 'no duplicates, nothing missing');
  for (const rec of records) assert.ok(docs.has(String(rec.id)));
});
