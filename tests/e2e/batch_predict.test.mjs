// Batch Predict with OpenAI's Batch API and sluice's pipeline: connector →
// remote model → _batch_predict with "ingest" → the remote job moves on the
// test's clock (a loopback fake of OpenAI's Files + Batches API) → on
// completion a BATCH_INGEST task joins output (written out of input order)
// and input by custom_id → knn finds each document by its own embedding.
// Also: cancel mid-job, a failed job, resume after kill -9, and the OpenAI key
// never in a response, the log or the data directory.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';

import { startFakeOpenAI } from './lib/fake_openai.mjs';
import { filesContaining, waitTask } from './lib/ingest.mjs';
import { request } from './lib/http.mjs';
import { makeTempDir, startServer } from './lib/server.mjs';

const KEY = 'sk-batch-predict-radioactive-7';
const keyFile = join(makeTempDir('sluice-predict-key-'), 'k.key');
const dataDir = makeTempDir('sluice-predict-');
const TEXTS = ['red apple', 'green pear', 'yellow banana', 'purple plum', 'orange orange'];

// A deterministic 4-d embedding of a text.
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

let openai;
let server;
const transcript = [];

async function start() {
  return startServer({
    dataDir,
    args: ['--log-level', 'trace', '--secrets-key-file', keyFile, '--openai-base-url', openai.baseUrl,
      '--batch-predict-poll-ms', '20'],
  });
}

async function call(options) {
  const res = await request(server.url, options);
  transcript.push(`${options.method ?? 'GET'} ${options.path} → ${res.status} ${res.text}`);
  return res;
}

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

const ingest = {
  index_name: 'fruit',
  field_map: {
    _id: ['source[0].$.custom_id', 'source[1].$.custom_id'],
    embedding: 'source[0].$.response.body.data[0].embedding',
    text: 'source[1].$.body.input',
  },
};

let modelId;

before(async () => {
  openai = await startFakeOpenAI({ key: KEY, files: { 'file-in': input } });
  server = await start();
  const idx = await call({
    method: 'PUT', path: '/fruit',
    json: { settings: { 'index.knn': true }, mappings: { properties: { text: { type: 'text' }, embedding: { type: 'knn_vector', dimension: 4, space_type: 'cosinesimil' } } } },
  });
  assert.equal(idx.status, 200, idx.text);
});

after(async () => {
  await server?.kill();
  await openai?.stop();
});

async function batchId(taskId) {
  const t = await waitTask(server.url, taskId, { until: (x) => x.remote_job?.id });
  return t.remote_job.id;
}

test('models: register with a connector_id, get, search, deploy, undeploy', async () => {
  const c = await call({ method: 'POST', path: '/_plugins/_ml/connectors/_create', json: connector });
  assert.equal(c.status, 200, c.text);
  const reg = await call({ method: 'POST', path: '/_plugins/_ml/models/_register', json: { name: 'openai batch', function_name: 'remote', connector_id: c.body.connector_id } });
  assert.equal(reg.status, 200, reg.text);
  assert.deepEqual(Object.keys(reg.body), ['task_id', 'status', 'model_id']);
  assert.equal(reg.body.status, 'CREATED');
  modelId = reg.body.model_id;
  const regTask = await waitTask(server.url, reg.body.task_id);
  assert.equal(regTask.task_type, 'REGISTER_MODEL');
  assert.equal(regTask.state, 'COMPLETED');
  const got = await call({ path: `/_plugins/_ml/models/${modelId}` });
  assert.equal(got.status, 200, got.text);
  assert.equal(got.body.name, 'openai batch');
  assert.equal(got.body.algorithm, 'REMOTE');
  assert.equal(got.body.model_state, 'REGISTERED');
  assert.equal(got.body.connector_id, c.body.connector_id);
  const dep = await call({ method: 'POST', path: `/_plugins/_ml/models/${modelId}/_deploy` });
  assert.equal(dep.status, 200, dep.text);
  assert.equal(dep.body.status, 'COMPLETED');
  assert.equal((await call({ path: `/_plugins/_ml/models/${modelId}` })).body.model_state, 'DEPLOYED');
  const found = await call({ method: 'POST', path: '/_plugins/_ml/models/_search', json: { query: { match_all: {} }, size: 5 } });
  assert.equal(found.status, 200, found.text);
  assert.deepEqual(found.body.hits.hits.map((h) => h._id), [modelId]);
  const badConn = await call({ method: 'POST', path: '/_plugins/_ml/models/_register', json: { name: 'x', connector_id: 'nope' } });
  assert.equal(badConn.status, 404, badConn.text);
  const missing = await call({ path: '/_plugins/_ml/models/nope' });
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error.reason, 'Failed to find model');
  // A throwaway model: undeploy and delete.
  const other = await call({ method: 'POST', path: '/_plugins/_ml/models/_register', json: { name: 'tmp', connector_id: c.body.connector_id } });
  const un = await call({ method: 'POST', path: `/_plugins/_ml/models/${other.body.model_id}/_undeploy` });
  assert.equal(un.status, 200, un.text);
  // Keyed by the node id, as ml-commons and GET /_nodes give it.
  const nodes = await call({ method: 'GET', path: '/_nodes' });
  const nodeId = Object.keys(nodes.body.nodes)[0];
  assert.deepEqual(un.body, { [nodeId]: { stats: { [other.body.model_id]: 'UNDEPLOYED' } } });
  const del = await call({ method: 'DELETE', path: `/_plugins/_ml/models/${other.body.model_id}` });
  assert.equal(del.status, 200, del.text);
  assert.equal(del.body.result, 'deleted');
  assert.equal((await call({ path: `/_plugins/_ml/models/${other.body.model_id}` })).status, 404);
});

test('a parameter the connector needs and the request lacks is a 400 before any task', async () => {
  const res = await call({ method: 'POST', path: `/_plugins/_ml/models/${modelId}/_batch_predict`, json: { parameters: {} } });
  assert.equal(res.status, 400, res.text);
  assert.match(res.body.error.reason, /\[parameters\.input_file_id\]/);
});

test('_batch_predict with ingest: the job completes, ingestion starts once, knn finds each text', async () => {
  const res = await call({
    method: 'POST', path: `/_plugins/_ml/models/${modelId}/_batch_predict`,
    json: { parameters: { input_file_id: 'file-in' }, ingest },
  });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body, { task_id: res.body.task_id, status: 'CREATED' });
  const taskId = res.body.task_id;
  const id = await batchId(taskId);
  let t = await waitTask(server.url, taskId, { until: (x) => x.remote_job?.status === 'validating' });
  assert.equal(t.task_type, 'BATCH_PREDICTION');
  assert.equal(t.model_id, modelId);
  assert.equal(t.remote_job.input_file_id, 'file-in');
  const create = openai.requests.find((r) => r.method === 'POST' && r.path === '/v1/batches');
  assert.equal(create.authorization, `Bearer ${KEY}`);

  openai.advanceBatch(id, 'in_progress');
  t = await waitTask(server.url, taskId, { until: (x) => x.remote_job?.status === 'in_progress' });
  assert.deepEqual(t.remote_job.request_counts, { total: 5, completed: 0, failed: 0 });
  assert.equal(t.state, 'RUNNING');

  // A restart mid-job: polling resumes from the stored batch id, no new batch.
  await server.kill();
  server = await start();
  openai.advanceBatch(id, 'finalizing');
  t = await waitTask(server.url, taskId, { until: (x) => x.remote_job?.status === 'finalizing' });
  openai.advanceBatch(id, 'completed', { embed });
  t = await waitTask(server.url, taskId);
  assert.equal(t.state, 'COMPLETED', JSON.stringify(t));
  assert.equal(t.remote_job.output_file_id, `file-out-${id}`);
  assert.ok(t.ingest_task_id, JSON.stringify(t));
  assert.equal(openai.requests.filter((r) => r.method === 'POST' && r.path === '/v1/batches').length, 1);

  const ing = await waitTask(server.url, t.ingest_task_id);
  assert.equal(ing.task_type, 'BATCH_INGEST');
  assert.equal(ing.state, 'COMPLETED', JSON.stringify(ing));
  assert.equal(ing.ingest_status.documents_written, 5);
  const ingests = (await call({ method: 'POST', path: '/_plugins/_ml/tasks/_search', json: { query: { term: { task_type: 'BATCH_INGEST' } } } })).body;
  assert.equal(ingests.hits.total.value, 1);

  await call({ method: 'POST', path: '/fruit/_refresh' });
  for (const [i, text] of TEXTS.entries()) {
    const s = await call({ method: 'POST', path: '/fruit/_search', json: { size: 1, query: { knn: { embedding: { vector: embed(text), k: 1 } } } } });
    assert.equal(s.status, 200, s.text);
    assert.equal(s.body.hits.hits[0]._id, `doc-${i}`, s.text);
    assert.equal(s.body.hits.hits[0]._source.text, text);
  }
});

test('_cancel_batch mid-job cancels the remote job; the task ends CANCELLED, nothing ingested', async () => {
  const res = await call({ method: 'POST', path: `/_plugins/_ml/models/${modelId}/_batch_predict`, json: { parameters: { input_file_id: 'file-in' }, ingest: { ...ingest, index_name: 'fruit-cancel' } } });
  assert.equal(res.status, 200, res.text);
  const id = await batchId(res.body.task_id);
  openai.advanceBatch(id, 'in_progress');
  const cancel = await call({ method: 'POST', path: `/_plugins/_ml/tasks/${res.body.task_id}/_cancel_batch` });
  assert.equal(cancel.status, 200, cancel.text);
  assert.deepEqual(cancel.body, { status: 'OK' });
  assert.ok(openai.requests.some((r) => r.method === 'POST' && r.path === `/v1/batches/${id}/cancel`));
  await waitTask(server.url, res.body.task_id, { until: (x) => x.remote_job?.status === 'cancelling' });
  openai.advanceBatch(id, 'cancelled');
  const t = await waitTask(server.url, res.body.task_id);
  assert.equal(t.state, 'CANCELLED', JSON.stringify(t));
  assert.equal(t.ingest_task_id, undefined);
});

test('a failed job fails the task with the provider\'s reason', async () => {
  const res = await call({ method: 'POST', path: `/_plugins/_ml/models/${modelId}/_batch_predict`, json: { parameters: { input_file_id: 'file-in' }, ingest } });
  const id = await batchId(res.body.task_id);
  openai.advanceBatch(id, 'failed', { failure: { code: 'invalid_json_line', message: 'This line is not parseable as valid JSON.' } });
  const t = await waitTask(server.url, res.body.task_id);
  assert.equal(t.state, 'FAILED');
  assert.equal(t.error, `the remote batch job ${id} failed: invalid_json_line: This line is not parseable as valid JSON.`);
  assert.equal(t.ingest_task_id, undefined);
});

test('the OpenAI key is in no response, no log line and no file of the data directory', async () => {
  for (const line of transcript) assert.ok(!line.includes(KEY), line);
  assert.ok(!server.logs().includes(KEY));
  await server.kill();
  assert.deepEqual(filesContaining(dataDir, [KEY]), []);
  server = await start();
});
