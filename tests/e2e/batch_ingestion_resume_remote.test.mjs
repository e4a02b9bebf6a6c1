// S3 and OpenAI tasks survive kill -9 when the server has a secrets key: the
// request's credential is sealed (AES-256-GCM) with the task under
// --secrets-key-file, which lives outside the data directory; a restart with
// the same key (or a new key with the old one as --secrets-previous-key-file)
// resumes the task to the exact count with no duplicates. A restart without
// the key, or a task accepted by a server without one, ends FAILED with a
// reason that says why. The credential is never in plain form in a response,
// the log or any file of the data directory (RocksDB's included).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { randomVector, rng } from './lib/datasets.mjs';
import { startFakeOpenAI } from './lib/fake_openai.mjs';
import { count, createIndex, docsByIds, filesContaining, getTask, submitIngest, waitTask } from './lib/ingest.mjs';
import { startS3, S3RVER_ACCESS_KEY } from './lib/s3.mjs';
import { makeTempDir, startServer } from './lib/server.mjs';

const DIM = 128;
const N = 8000;
const SECRETS = {
  s3Secret: 'resume-s3-secret-key-radioactive-1',
  s3Token: 'resume-s3-session-token-radioactive-2',
  openai: 'sk-resume-openai-key-radioactive-3',
};
const ALL = Object.values(SECRETS);

let s3;
let openai;
const keyDir = makeTempDir('sluice-keys-');
const keyFile = join(keyDir, 'sluice.key');
const newKeyFile = join(keyDir, 'sluice-new.key');
const servers = new Set();
const transcript = [];
const logs = [];

function records(prefix, seed) {
  const rand = rng(seed);
  const lines = [];
  for (let i = 0; i < N; i++) {
    const v = randomVector(rand, DIM).map((x) => Math.round(x * 1e4) / 1e4);
    lines.push(JSON.stringify({ id: `${prefix}-${i}`, t: `record ${i}`, e: v }));
  }
  return `${lines.join('\n')}\n`;
}

before(async () => {
  s3 = await startS3({ buckets: ['resume'] });
  await s3.put('resume', 'big.jsonl', records('s', 1));
  await s3.put('resume', 'again.jsonl', records('n', 3));
  openai = await startFakeOpenAI({ key: SECRETS.openai, files: { 'file-big': records('o', 2) } });
});

after(async () => {
  for (const s of servers) await s.kill();
  await s3?.stop();
  await openai?.stop();
});

async function start({ dataDir, key = keyFile, previous } = {}) {
  const args = ['--max-running-tasks', '1', '--s3-endpoint', s3.endpoint, '--openai-base-url', openai.baseUrl, '--log-level', 'debug'];
  if (key) args.push('--secrets-key-file', key);
  if (previous) args.push('--secrets-previous-key-file', previous);
  const server = await startServer({ dataDir, args });
  servers.add(server);
  return server;
}

async function kill(server) {
  logs.push(server.logs());
  const killed = await server.kill();
  assert.equal(killed.signal, 'SIGKILL');
  servers.delete(server);
}

function indexBody() {
  return {
    settings: { 'index.knn': true },
    mappings: { properties: { text: { type: 'text' }, emb: { type: 'knn_vector', dimension: DIM } } },
  };
}

function s3Body(index, key = 'big.jsonl') {
  return {
    index_name: index,
    field_map: { _id: '$.id', text: '$.t', emb: '$.e' },
    credential: { region: 'us-east-1', access_key: S3RVER_ACCESS_KEY, secret_key: SECRETS.s3Secret, session_token: SECRETS.s3Token },
    data_source: { type: 's3', source: [`s3://resume/${key}`] },
  };
}

function openaiBody(index) {
  return {
    index_name: index,
    field_map: { _id: '$.id', text: '$.t', emb: '$.e' },
    credential: { openAI_key: SECRETS.openai },
    data_source: { type: 'openAI', source: ['file-big'] },
  };
}

/** Submits, waits until some (not all) documents are in the index, then kills the server. */
async function submitAndKillMidway(server, index, body) {
  await createIndex(server.url, index, indexBody());
  const res = await submitIngest(server.url, body);
  transcript.push(res.text);
  assert.equal(res.status, 200, res.text);
  const id = res.body.task_id;
  let written = 0;
  const deadline = Date.now() + 120000;
  while (written < 500) {
    const task = await getTask(server.url, id);
    assert.ok(['CREATED', 'RUNNING'].includes(task.state), JSON.stringify(task));
    written = await count(server.url, index);
    assert.ok(Date.now() < deadline, 'the task never wrote');
    if (written < 500) await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(written < N, `too fast to interrupt: ${written}`);
  await kill(server);
  return id;
}

async function expectExactlyAll(server, index, prefix) {
  const ids = Array.from({ length: N }, (_, i) => `${prefix}-${i}`);
  const docs = await docsByIds(server.url, index, ids);
  assert.equal(docs.size, N, 'every record is a document');
  assert.equal(await count(server.url, index), N, 'no duplicates');
  assert.equal(docs.get(`${prefix}-${N - 7}`).text, `record ${N - 7}`);
}

test('the key file is created 0600 outside the data directory on first start', async () => {
  assert.ok(!existsSync(keyFile));
  const server = await start();
  assert.equal(statSync(keyFile).mode & 0o777, 0o600);
  assert.match(readFileSync(keyFile, 'utf8'), /^[A-Za-z0-9+/]{43}=\n$/);
  await server.stop();
  logs.push(server.logs());
  servers.delete(server);

  const inside = makeTempDir('sluice-data-');
  await assert.rejects(startServer({ dataDir: inside, args: ['--secrets-key-file', join(inside, 'k.key')] }), /inside the data directory/);
});

test('kill -9 during an S3 ingestion, restart with the same key: resumed to exactly N, no duplicates', async () => {
  let server = await start();
  const dataDir = server.dataDir;
  const id = await submitAndKillMidway(server, 's3-resume', s3Body('s3-resume'));
  assert.deepEqual(filesContaining(dataDir, ALL), [], 'the credential is on disk only sealed');

  server = await start({ dataDir });
  const done = await waitTask(server.url, id, { timeoutMs: 180000 });
  transcript.push(JSON.stringify(done));
  assert.equal(done.state, 'COMPLETED', JSON.stringify(done));
  await expectExactlyAll(server, 's3-resume', 's');
  await server.stop();
  logs.push(server.logs());
  servers.delete(server);
  assert.deepEqual(filesContaining(dataDir, ALL), []);
});

test('kill -9 during an OpenAI ingestion, restart after a key rotation: resumed to exactly N', async () => {
  let server = await start();
  const dataDir = server.dataDir;
  const id = await submitAndKillMidway(server, 'oa-resume', openaiBody('oa-resume'));
  const before = openai.requests.length;

  // A new current key; the one the task was sealed with is the previous key.
  server = await start({ dataDir, key: newKeyFile, previous: keyFile });
  const done = await waitTask(server.url, id, { timeoutMs: 180000 });
  transcript.push(JSON.stringify(done));
  assert.equal(done.state, 'COMPLETED', JSON.stringify(done));
  await expectExactlyAll(server, 'oa-resume', 'o');
  const resumed = openai.requests.slice(before);
  assert.ok(resumed.length > 0 && resumed.every((r) => r.authorization === `Bearer ${SECRETS.openai}`));
  await server.stop();
  logs.push(server.logs());
  servers.delete(server);
  assert.deepEqual(filesContaining(dataDir, ALL), []);
});

test('restart without the key file: the task is FAILED and says why', async () => {
  let server = await start();
  const dataDir = server.dataDir;
  const id = await submitAndKillMidway(server, 'no-key', s3Body('no-key', 'again.jsonl'));
  server = await start({ dataDir, key: null });
  const failed = await getTask(server.url, id);
  transcript.push(JSON.stringify(failed));
  assert.equal(failed.state, 'FAILED');
  assert.match(failed.error, /sealed.*without --secrets-key-file/);
  await server.stop();
  logs.push(server.logs());
  servers.delete(server);
});

test('a task accepted without a key file cannot resume, and the reason says so', async () => {
  let server = await start({ key: null });
  const dataDir = server.dataDir;
  const id = await submitAndKillMidway(server, 'memory', openaiBody('memory'));
  server = await start({ dataDir });
  const failed = await getTask(server.url, id);
  transcript.push(JSON.stringify(failed));
  assert.equal(failed.state, 'FAILED');
  assert.match(failed.error, /held in memory only.*--secrets-key-file/);
  await server.stop();
  logs.push(server.logs());
  servers.delete(server);
  assert.deepEqual(filesContaining(dataDir, ALL), []);
});

test('no credential in any response or log', () => {
  for (const text of transcript) for (const secret of ALL) assert.ok(!text.includes(secret), `response leaks ${secret}`);
  const all = logs.join('\n');
  assert.ok(all.length > 0);
  for (const secret of ALL) assert.ok(!all.includes(secret), `log leaks ${secret}`);
  const key = readFileSync(keyFile, 'utf8').trim();
  assert.ok(!all.includes(key), 'the key is never logged');
});
