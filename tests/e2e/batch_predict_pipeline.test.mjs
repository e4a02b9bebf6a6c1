// The offline pipeline around Batch Predict, against the loopback OpenAI
// Files + Batches stand-in (lib/fake_openai.mjs), with the official client:
//   - models as ml-commons has them: an inline connector (sealed, never
//     shown), register with ?deploy=true, delete refused while deployed, a
//     connector in use refused;
//   - _batch_predict with a model whose connector is inline, and `ingest`;
//   - _batch_ingestion with data_source type batch_predict_task, and its 400s;
//   - `sluice predict` following the remote job and then the ingestion, and
//     its exit code for a failed job;
//   - kill -9 while the remote job runs and again while the ingestion reads
//     the output (held by a proxy until the kill): polling resumes, the
//     output is ingested once, and `sluice predict` follows across both
//     restarts (through a front door that outlives the server processes);
//   - the OpenAI key in no response, log line, CLI output or data-dir byte.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { join } from 'node:path';

import { spawn } from 'node:child_process';

import { runCliAsync } from './lib/cli.mjs';
import { createClient } from './lib/client.mjs';
import { startFakeOpenAI } from './lib/fake_openai.mjs';
import { startHoldingProxy } from './lib/holding_proxy.mjs';
import { count, filesContaining, waitTask } from './lib/ingest.mjs';
import { makeTempDir, sluiceBin, startServer } from './lib/server.mjs';

const KEY = 'sk-pipeline-radioactive-19';
const keyFile = join(makeTempDir('sluice-pipeline-key-'), 'k.key');
const dataDir = makeTempDir('sluice-pipeline-');
const TEXTS = ['red apple', 'green pear', 'yellow banana', 'purple plum', 'orange orange'];

function embed(text) {
  const v = [0, 0, 0, 0];
  for (let i = 0; i < text.length; i++) v[i % 4] += text.charCodeAt(i) * (i + 1);
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

const input = TEXTS.map((t, i) => JSON.stringify({
  custom_id: `doc-${i}`, method: 'POST', url: '/v1/embeddings',
  body: { model: 'text-embedding-3-small', input: t },
})).join('\n') + '\n';

const FIELD_MAP = {
  _id: ['source[0].$.custom_id', 'source[1].$.custom_id'],
  embedding: 'source[0].$.response.body.data[0].embedding',
  text: 'source[1].$.body.input',
};

const connector = {
  name: 'OpenAI embedding model for offline batch',
  description: 'ml-commons blueprint',
  version: '1',
  protocol: 'http',
  parameters: { model: 'text-embedding-3-small', endpoint: '/v1/embeddings' },
  credential: { openAI_key: KEY },
  actions: [{
    action_type: 'batch_predict',
    method: 'POST',
    url: 'https://api.openai.com/v1/batches',
    headers: { Authorization: 'Bearer ${credential.openAI_key}' },
    request_body: '{ "input_file_id": "${parameters.input_file_id}", "endpoint": "${parameters.endpoint}", "completion_window": "24h" }',
  }],
};

let openai;
let proxy;
let server;
let client;
const transcript = [];
const logs = []; // the logs of every server process of this file

// The CLI, with its stderr readable while it runs: waitFor(re) resolves once
// a line matches (the test moves the stand-in's clock on what the CLI saw).
function startCli(args) {
  const proc = spawn(sluiceBin(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters = [];
  proc.stdout.setEncoding('utf8').on('data', (c) => { stdout += c; });
  proc.stderr.setEncoding('utf8').on('data', (c) => {
    stderr += c;
    for (const w of waiters.splice(0)) {
      if (w.re.test(stderr)) w.resolve();
      else waiters.push(w);
    }
  });
  const done = new Promise((resolve) => proc.once('exit', (status) => resolve({ status, stdout, stderr })));
  return {
    done,
    stderr: () => stderr,
    waitFor: (re) => new Promise((resolve) => (re.test(stderr) ? resolve() : waiters.push({ re, resolve }))),
  };
}

async function stop() {
  logs.push(server.logs());
  await server.kill(); // SIGKILL
}

async function start() {
  server = await startServer({
    dataDir,
    args: ['--log-level', 'trace', '--secrets-key-file', keyFile, '--openai-base-url', `${proxy.url}/v1`,
      '--batch-predict-poll-ms', '20'],
  });
  client = createClient(server.url);
}

// Any request through the official client; the answer (2xx or not) is kept for the secrets check.
async function call(method, path, body, querystring) {
  let res;
  try {
    res = await client.transport.request({ method, path, body, querystring });
  } catch (e) {
    if (!e.meta) throw e;
    res = e.meta;
  }
  transcript.push(`${method} ${path} → ${res.statusCode} ${JSON.stringify(res.body)}`);
  return { status: res.statusCode, body: res.body };
}

async function createIndex(name) {
  const r = await call('PUT', `/${name}`, {
    settings: { 'index.knn': true },
    mappings: { properties: { text: { type: 'text' }, embedding: { type: 'knn_vector', dimension: 4, space_type: 'cosinesimil' } } },
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
}

// The id of the next batch the stand-in receives.
async function nextBatch(before) {
  for (let i = 0; i < 2000; i++) {
    const ids = [...openai.batches.keys()].filter((id) => !before.has(id));
    if (ids.length > 0) return ids[0];
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('no batch was created');
}

before(async () => {
  openai = await startFakeOpenAI({ key: KEY, files: { 'file-in': input } });
  proxy = await startHoldingProxy(openai.baseUrl.replace(/\/v1$/, ''));
  await start();
  for (const name of ['inline', 'partial', 'by-task', 'by-task-cli', 'cli', 'crash']) await createIndex(name);
});

after(async () => {
  await server?.kill();
  await proxy?.stop();
  await openai?.stop();
});

let modelId;
let completedTask;

test('register with an inline connector and ?deploy=true: the model is DEPLOYED, its connector never shown', async () => {
  const reg = await call('POST', '/_plugins/_ml/models/_register',
    { name: 'openai batch inline', function_name: 'remote', connector }, { deploy: 'true' });
  assert.equal(reg.status, 200, JSON.stringify(reg.body));
  assert.deepEqual(Object.keys(reg.body), ['task_id', 'status', 'model_id']);
  modelId = reg.body.model_id;
  const got = await call('GET', `/_plugins/_ml/models/${modelId}`);
  assert.equal(got.status, 200);
  assert.equal(got.body.model_state, 'DEPLOYED');
  assert.equal(got.body.connector.name, connector.name);
  assert.deepEqual(got.body.connector.actions[0].url, 'https://api.openai.com/v1/batches');
  assert.equal(got.body.connector.credential, undefined);
  assert.equal(got.body.connector_id, undefined);
  // The inline connector is the model's own: not a connector of the connector API.
  const listed = await call('POST', '/_plugins/_ml/connectors/_search', { query: { match_all: {} } });
  assert.equal(listed.body.hits.total.value, 0, JSON.stringify(listed.body));
  const searched = await call('POST', '/_plugins/_ml/models/_search', { query: { match_all: {} } });
  assert.ok(searched.body.hits.hits.some((h) => h._id === modelId && h._source.connector.credential === undefined));
  const del = await call('DELETE', `/_plugins/_ml/models/${modelId}`);
  assert.equal(del.status, 400);
  assert.equal(del.body.error.reason, 'Model cannot be deleted in deploying or deployed state. Try undeploy model first then delete');
  const bad = await call('POST', '/_plugins/_ml/models/_register', { name: 'x', connector: { name: 'c', version: '1', protocol: 'http' } });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.reason, 'Connector credential is null or empty list');
  const badDeploy = await call('POST', '/_plugins/_ml/models/_register', { name: 'x', connector }, { deploy: 'maybe' });
  assert.equal(badDeploy.status, 400);
});

test('a connector in use by a model cannot be deleted (409, as ml-commons)', async () => {
  const c = await call('POST', '/_plugins/_ml/connectors/_create', connector);
  const m = await call('POST', '/_plugins/_ml/models/_register', { name: 'user', connector_id: c.body.connector_id });
  const refused = await call('DELETE', `/_plugins/_ml/connectors/${c.body.connector_id}`);
  assert.equal(refused.status, 409, JSON.stringify(refused.body));
  assert.equal(refused.body.error.reason,
    `1 models are still using this connector, please delete or update the models first: [${m.body.model_id}]`);
  assert.equal((await call('DELETE', `/_plugins/_ml/models/${m.body.model_id}`)).status, 200);
  assert.equal((await call('DELETE', `/_plugins/_ml/connectors/${c.body.connector_id}`)).status, 200);
});

test('_batch_predict with an inline-connector model and ingest: completed, ingested, knn finds each text', async () => {
  const seen = new Set(openai.batches.keys());
  const res = await call('POST', `/_plugins/_ml/models/${modelId}/_batch_predict`,
    { parameters: { input_file_id: 'file-in' }, ingest: { index_name: 'inline', field_map: FIELD_MAP } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const id = await nextBatch(seen);
  assert.equal(openai.requests.find((r) => r.method === 'POST' && r.path === '/v1/batches').authorization, `Bearer ${KEY}`);
  openai.advanceBatch(id, 'in_progress');
  openai.advanceBatch(id, 'completed', { embed });
  const t = await waitTask(server.url, res.body.task_id);
  assert.equal(t.state, 'COMPLETED', JSON.stringify(t));
  const ing = await waitTask(server.url, t.ingest_task_id);
  assert.equal(ing.state, 'COMPLETED', JSON.stringify(ing));
  // The ingestion links back to its prediction task, in its request too.
  assert.equal(ing.batch_predict_task_id, res.body.task_id, JSON.stringify(ing));
  assert.equal(ing.request.batch_predict_task_id, res.body.task_id);
  assert.equal(await count(server.url, 'inline'), 5);
  for (const [i, text] of TEXTS.entries()) {
    const s = await call('POST', '/inline/_search', { size: 1, query: { knn: { embedding: { vector: embed(text), k: 1 } } } });
    assert.equal(s.body.hits.hits[0]._id, `doc-${i}`);
  }
  completedTask = res.body.task_id;
});

test('a batch with an error file: its successful records are ingested with their embeddings, the failed ones are per-record errors with their ids and OpenAI\'s messages', async () => {
  const seen = new Set(openai.batches.keys());
  const res = await call('POST', `/_plugins/_ml/models/${modelId}/_batch_predict`,
    { parameters: { input_file_id: 'file-in' }, ingest: { index_name: 'partial', field_map: FIELD_MAP } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const id = await nextBatch(seen);
  openai.advanceBatch(id, 'in_progress');
  openai.advanceBatch(id, 'completed', { embed, failCustomIds: new Set(['doc-1', 'doc-3']) });
  const t = await waitTask(server.url, res.body.task_id);
  assert.equal(t.state, 'COMPLETED', JSON.stringify(t));
  assert.equal(t.remote_job.error_file_id, `file-err-${id}`);
  const ing = await waitTask(server.url, t.ingest_task_id);
  // As any ingestion with failed records: COMPLETED_WITH_ERROR, the failures counted and listed.
  assert.equal(ing.state, 'COMPLETED_WITH_ERROR', JSON.stringify(ing));
  assert.deepEqual(ing.request.data_source.source, [`file-out-${id}`, 'file-in', `file-err-${id}`]);
  assert.deepEqual(ing.request.field_map._id, [...FIELD_MAP._id, 'source[2].$.custom_id']);
  const st = ing.ingest_status;
  // As in round two, a failed request's input still makes its document (text, no embedding).
  assert.equal(st.documents_written, 5, JSON.stringify(st));
  assert.equal(st.records_failed, 2);
  assert.equal(st.provider_failed, 2);
  assert.deepEqual(st.incomplete_join_ids, ['doc-1', 'doc-3'], JSON.stringify(st));
  assert.equal(st.sources[2].provider_failed, 2);
  const failures = st.failures.map((f) => ({ id: f.id, location: f.location, reason: f.reason }))
    .sort((a, b) => a.id.localeCompare(b.id));
  assert.deepEqual(failures, ['doc-1', 'doc-3'].map((doc) => ({
    id: doc, location: `openai://file-err-${id}`,
    reason: `openai: status 400: Invalid input for ${doc}: too many tokens`,
  })));
  assert.match(ing.error, /^2 of 10 records failed \(2 by the provider\)/);
  for (const [i, text] of TEXTS.entries()) {
    const doc = await call('GET', `/partial/_doc/doc-${i}`);
    assert.equal(doc.body._source.text, text);
    if (i === 1 || i === 3) {
      assert.equal(doc.body._source.embedding, null, `the failed doc-${i} has no embedding`);
    } else {
      assert.deepEqual(doc.body._source.embedding, embed(text));
    }
  }
});

test('_batch_ingestion of a finished prediction by its task id', async () => {
  const res = await call('POST', '/_plugins/_ml/_batch_ingestion', {
    index_name: 'by-task', field_map: FIELD_MAP,
    data_source: { type: 'batch_predict_task', source: [completedTask] },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const t = await waitTask(server.url, res.body.task_id);
  assert.equal(t.state, 'COMPLETED', JSON.stringify(t));
  assert.equal(t.ingest_status.documents_written, 5);
  assert.equal(await count(server.url, 'by-task'), 5);
  const doc = await call('GET', '/by-task/_doc/doc-2');
  assert.equal(doc.body._source.text, 'yellow banana');
  // The same from the shell.
  const r = await runCliAsync(['ingest', '--server', server.url, '--index', 'by-task-cli',
    '--field-map', JSON.stringify(FIELD_MAP), '--type', 'batch_predict_task', completedTask]);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(await count(server.url, 'by-task-cli'), 5);
  transcript.push(r.stdout, r.stderr);
});

test('_batch_ingestion of a prediction task: unknown, not a prediction, not completed, with a credential: 400', async () => {
  const body = (source, extra = {}) => ({ index_name: 'by-task', field_map: FIELD_MAP, ...extra, data_source: { type: 'batch_predict_task', source } });
  const unknown = await call('POST', '/_plugins/_ml/_batch_ingestion', body(['nope']));
  assert.equal(unknown.status, 400);
  assert.equal(unknown.body.error.type, 'illegal_argument_exception');
  assert.match(unknown.body.error.reason, /task \[nope\] does not exist/);
  const ingestTask = (await waitTask(server.url, completedTask)).ingest_task_id;
  const notPrediction = await call('POST', '/_plugins/_ml/_batch_ingestion', body([ingestTask]));
  assert.equal(notPrediction.status, 400);
  assert.match(notPrediction.body.error.reason, /is a BATCH_INGEST task, not a BATCH_PREDICTION task/);
  const seen = new Set(openai.batches.keys());
  const running = await call('POST', `/_plugins/_ml/models/${modelId}/_batch_predict`, { parameters: { input_file_id: 'file-in' } });
  const id = await nextBatch(seen);
  const notDone = await call('POST', '/_plugins/_ml/_batch_ingestion', body([running.body.task_id]));
  assert.equal(notDone.status, 400);
  assert.match(notDone.body.error.reason, /only a COMPLETED batch prediction has an output to ingest/);
  const withKey = await call('POST', '/_plugins/_ml/_batch_ingestion', body([completedTask], { credential: { openAI_key: 'x' } }));
  assert.equal(withKey.status, 400);
  // Only a pipeline names the prediction task an ingestion belongs to.
  const linked = await call('POST', '/_plugins/_ml/_batch_ingestion', body([completedTask], { batch_predict_task_id: completedTask }));
  assert.equal(linked.status, 400);
  assert.match(linked.body.error.reason, /\[batch_predict_task_id\] is set by a _batch_predict pipeline/);
  openai.advanceBatch(id, 'failed', { failure: { code: 'x', message: 'stopped by the test' } });
  assert.equal((await waitTask(server.url, running.body.task_id)).state, 'FAILED');
});

const cliMap = ['--field-map', '_id=source[0].$.custom_id', '--field-map', '_id=source[1].$.custom_id',
  '--field-map', 'embedding=source[0].$.response.body.data[0].embedding', '--field-map', 'text=source[1].$.body.input'];

test('sluice predict follows the remote job, then the ingestion, and exits 0', async () => {
  const seen = new Set(openai.batches.keys());
  const cli = startCli(['predict', '--server', server.url, '--model-id', modelId, '--input', 'file-in',
    '--ingest-into', 'cli', ...cliMap, '--poll-interval', '0.02', '--progress', 'log']);
  const id = await nextBatch(seen);
  // The clock moves once the CLI has shown each state (it prints every change).
  await cli.waitFor(new RegExp(`remote job ${id}: validating`));
  openai.advanceBatch(id, 'in_progress');
  await cli.waitFor(new RegExp(`remote job ${id}: in_progress, 0/5 requests done`));
  openai.advanceBatch(id, 'completed', { embed });
  const r = await cli.done;
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(r.stderr, new RegExp(`remote job ${id}: completed, 5/5 requests done`));
  assert.match(r.stderr, /ingesting into cli \(task /);
  assert.match(r.stdout, new RegExp(`prediction .* COMPLETED \\(remote job ${id}\\)`));
  assert.match(r.stdout, /COMPLETED/);
  assert.equal(await count(server.url, 'cli'), 5);
  transcript.push(r.stdout, r.stderr);
});

test('sluice predict: a failed job exits 1 with the provider\'s reason; a bad argument exits 2', async () => {
  const seen = new Set(openai.batches.keys());
  const run = runCliAsync(['predict', '--server', server.url, '--model-id', modelId, '--input', 'file-in',
    '--ingest-into', 'cli', ...cliMap, '--poll-interval', '0.02']);
  const id = await nextBatch(seen);
  openai.advanceBatch(id, 'failed', { failure: { code: 'invalid_json_line', message: 'This line is not parseable as valid JSON.' } });
  const r = await run;
  assert.equal(r.status, 1, r.stderr + r.stdout);
  assert.match(r.stdout, /FAILED: the remote batch job .* failed: invalid_json_line/);
  const bad = await runCliAsync(['predict', '--server', server.url, '--model-id', modelId, '--input', 'file-in', '--ingest-into', 'cli']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--field-map/);
  const unknown = await runCliAsync(['predict', '--server', server.url, '--model-id', 'nope', '--input', 'file-in']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /Failed to find model/);
  transcript.push(r.stdout, r.stderr, bad.stderr, unknown.stderr);
});

// A stable address for the CLI in front of whichever server process runs now;
// while none does, connections are refused by being closed.
async function startFrontDoor() {
  const front = http.createServer((req, res) => {
    if (!server || server.down) return req.socket.destroy();
    const up = http.request(new URL(req.url, server.url), { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode, r.headers);
      r.pipe(res);
    });
    up.on('error', () => req.socket.destroy());
    req.pipe(up);
  });
  await new Promise((r) => front.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${front.address().port}`,
    stop: () => new Promise((r) => { front.closeAllConnections(); front.close(() => r()); }),
  };
}

test('kill -9 while the job runs and again while the ingestion reads: polling resumes, ingested once, sluice predict follows it all', async () => {
  const front = await startFrontDoor();
  const seen = new Set(openai.batches.keys());
  const ingestsBefore = (await call('POST', '/_plugins/_ml/tasks/_search',
    { query: { term: { task_type: 'BATCH_INGEST' } } })).body.hits.total.value;
  const cli = startCli(['predict', '--server', front.url, '--model-id', modelId, '--input', 'file-in',
    '--ingest-into', 'crash', ...cliMap, '--poll-interval', '0.02', '--progress', 'log']);
  await cli.waitFor(/task \S+ submitted/);
  const id = await nextBatch(seen);
  openai.advanceBatch(id, 'in_progress');
  await cli.waitFor(new RegExp(`remote job ${id}: in_progress`));
  server.down = true;
  await stop();
  await cli.waitFor(/retrying for/); // the CLI noticed
  await start();
  const reached = proxy.hold(`/v1/files/file-out-${id}/content`);
  openai.advanceBatch(id, 'completed', { embed });
  await reached; // the ingestion is reading the output now
  await cli.waitFor(/ingesting into crash \(task /);
  const prediction = /task (\S+) submitted/.exec(cli.stderr())[1];
  const mid = await waitTask(server.url, prediction);
  assert.equal(mid.state, 'COMPLETED');
  const ingestId = mid.ingest_task_id;
  assert.equal((await waitTask(server.url, ingestId, { until: (x) => x.state === 'RUNNING' })).state, 'RUNNING');
  server.down = true;
  await stop(); // mid-ingestion
  proxy.release();
  await start();
  const r = await cli.done;
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(r.stderr, /answers again/);
  const ing = await waitTask(server.url, ingestId);
  assert.equal(ing.state, 'COMPLETED', JSON.stringify(ing));
  assert.equal(ing.ingest_status.documents_written, 5, JSON.stringify(ing));
  assert.equal(await count(server.url, 'crash'), 5);
  // One batch created, one ingestion of its output.
  assert.equal([...openai.batches.keys()].filter((k) => !seen.has(k)).length, 1);
  const ingests = await call('POST', '/_plugins/_ml/tasks/_search', { query: { term: { task_type: 'BATCH_INGEST' } } });
  assert.equal(ingests.body.hits.total.value, ingestsBefore + 1);
  assert.equal((await waitTask(server.url, prediction)).ingest_task_id, ingestId);
  // The link back survives both restarts.
  assert.equal(ing.batch_predict_task_id, prediction, JSON.stringify(ing));
  transcript.push(r.stdout, r.stderr);
  await front.stop();
});

test('the OpenAI key is in no response, no log line, no CLI output and no byte of the data directory', async () => {
  for (const line of transcript) assert.ok(!line.includes(KEY), line);
  // The control: a string sluice does store is found by the same grep.
  const canary = `canary-${process.pid}-stored-in-plain`;
  assert.equal((await call('PUT', '/inline/_doc/canary', { text: canary }, { refresh: 'true' })).status, 201);
  await stop();
  assert.notDeepEqual(filesContaining(dataDir, [canary]), []);
  for (const log of logs) assert.ok(!log.includes(KEY));
  assert.ok(logs.every((log) => log.length > 0), 'every server wrote its log');
  assert.deepEqual(filesContaining(dataDir, [KEY]), []);
  await start();
});
