// Batch Predict with an OpenAI input given as a sluice source: sluice uploads
// the file (POST /v1/files, multipart, purpose batch) and creates the batch
// with the returned id; the job then runs and is ingested as with an
// input_file_id. Also the 400s that come before any task: both an input and
// an input_file_id, a missing file, an input for a Bedrock connector.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { createClient } from './lib/client.mjs';
import { startFakeOpenAI } from './lib/fake_openai.mjs';
import { waitTask } from './lib/ingest.mjs';
import { makeTempDir, startServer } from './lib/server.mjs';

const KEY = 'sk-upload-radioactive-3';
const keyFile = join(makeTempDir('sluice-upload-key-'), 'k.key');
const root = makeTempDir('sluice-upload-root-');
const TEXTS = ['red apple', 'green pear', 'yellow banana'];

function embed(text) {
  const v = [0, 0, 0, 0];
  for (let i = 0; i < text.length; i++) v[i % 4] += text.charCodeAt(i) * (i + 1);
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

const input = TEXTS.map((t, i) => JSON.stringify({
  custom_id: `doc-${i}`, method: 'POST', url: '/v1/embeddings', body: { model: 'text-embedding-3-small', input: t },
})).join('\n') + '\n';

let openai;
let server;
let client;
let modelId;

async function call(method, path, body) {
  return client.transport.request({ method, path, body }, { ignore: [400, 403, 404] });
}

before(async () => {
  mkdirSync(join(root, 'in'));
  writeFileSync(join(root, 'in', 'fruit batch.jsonl'), input);
  openai = await startFakeOpenAI({ key: KEY });
  server = await startServer({
    args: ['--secrets-key-file', keyFile, '--openai-base-url', openai.baseUrl, '--batch-predict-poll-ms', '20', '--file-root', root],
  });
  client = createClient(server.url);
  const c = await client.ml.createConnector({ body: {
    name: 'OpenAI batch', version: '1', protocol: 'http',
    parameters: { endpoint: '/v1/embeddings' },
    credential: { openAI_key: KEY },
    actions: [{
      action_type: 'batch_predict', method: 'POST', url: 'https://api.openai.com/v1/batches',
      headers: { Authorization: 'Bearer ${credential.openAI_key}' },
      request_body: '{ "input_file_id": "${parameters.input_file_id}", "endpoint": "${parameters.endpoint}", "completion_window": "24h" }',
    }],
  } });
  modelId = (await client.ml.registerModel({ body: { name: 'openai', function_name: 'remote', connector_id: c.body.connector_id } })).body.model_id;
  await client.indices.create({ index: 'fruit', body: { settings: { 'index.knn': true }, mappings: { properties: { text: { type: 'text' }, embedding: { type: 'knn_vector', dimension: 4, space_type: 'cosinesimil' } } } } });
});

after(async () => {
  await server?.kill();
  await openai?.stop();
});

test('a local file as input is uploaded with purpose batch, and the batch uses its id', async () => {
  const res = await call('POST', `/_plugins/_ml/models/${modelId}/_batch_predict`, {
    input: { type: 'file', source: join(root, 'in', 'fruit batch.jsonl') },
    ingest: {
      index_name: 'fruit',
      field_map: { _id: ['source[0].$.custom_id', 'source[1].$.custom_id'], embedding: 'source[0].$.response.body.data[0].embedding', text: 'source[1].$.body.input' },
    },
  });
  assert.equal(res.statusCode, 200, JSON.stringify(res.body));
  const t0 = await waitTask(server.url, res.body.task_id, { until: (x) => x.remote_job?.id });
  assert.equal(openai.uploads.length, 1);
  const [upload] = openai.uploads;
  assert.equal(upload.content, input);
  assert.equal(upload.filename, 'fruit_batch.jsonl');
  const files = openai.requests.filter((r) => r.method === 'POST' && r.path === '/v1/files');
  assert.equal(files.length, 1);
  assert.equal(files[0].authorization, `Bearer ${KEY}`);
  assert.equal(t0.remote_job.input_file_id, upload.id);
  openai.advanceBatch(t0.remote_job.id, 'in_progress');
  openai.advanceBatch(t0.remote_job.id, 'completed', { embed });
  const t = await waitTask(server.url, res.body.task_id);
  assert.equal(t.state, 'COMPLETED', JSON.stringify(t));
  const ing = await waitTask(server.url, t.ingest_task_id);
  assert.equal(ing.state, 'COMPLETED', JSON.stringify(ing));
  assert.equal(ing.ingest_status.documents_written, 3);
  await client.indices.refresh({ index: 'fruit' });
  for (const [i, text] of TEXTS.entries()) {
    const s = await client.search({ index: 'fruit', body: { size: 1, query: { knn: { embedding: { vector: embed(text), k: 1 } } } } });
    assert.equal(s.body.hits.hits[0]._id, `doc-${i}`);
  }
});

test('what is wrong with an input is a 400 or 404 before any task or upload', async () => {
  const before = openai.requests.length;
  const both = await call('POST', `/_plugins/_ml/models/${modelId}/_batch_predict`, {
    input: { type: 'file', source: join(root, 'in', 'fruit batch.jsonl') }, parameters: { input_file_id: 'file-x' },
  });
  assert.equal(both.statusCode, 400);
  assert.match(both.body.error.reason, /either \[input\].*or \[parameters\.input_file_id\]/);
  const missing = await call('POST', `/_plugins/_ml/models/${modelId}/_batch_predict`, { input: { type: 'file', source: join(root, 'in', 'nope.jsonl') } });
  assert.equal(missing.statusCode, 404, JSON.stringify(missing.body));
  const outside = await call('POST', `/_plugins/_ml/models/${modelId}/_batch_predict`, { input: { type: 'file', source: '/etc/passwd' } });
  assert.equal(outside.statusCode, 403, JSON.stringify(outside.body));
  const badType = await call('POST', `/_plugins/_ml/models/${modelId}/_batch_predict`, { input: { type: 'ftp', source: 'x' } });
  assert.equal(badType.statusCode, 400);
  assert.equal(badType.body.error.reason, '[input.type] must be one of [file, s3, http]');
  const c = await client.ml.createConnector({ body: {
    name: 'bedrock', version: '1', protocol: 'aws_sigv4', parameters: { region: 'us-east-1' },
    credential: { access_key: 'AKID', secret_key: 'secret-radioactive' },
    actions: [{ action_type: 'batch_predict', method: 'POST', url: 'https://bedrock.${parameters.region}.amazonaws.com/model-invocation-job', request_body: '{}' }],
  } });
  const m = await client.ml.registerModel({ body: { name: 'br', function_name: 'remote', connector_id: c.body.connector_id } });
  const bedrock = await call('POST', `/_plugins/_ml/models/${m.body.model_id}/_batch_predict`, { input: { type: 'file', source: join(root, 'in', 'fruit batch.jsonl') } });
  assert.equal(bedrock.statusCode, 400);
  assert.match(bedrock.body.error.reason, /\[input\] is for OpenAI/);
  assert.equal(openai.requests.length, before);
  const tasks = await call('POST', '/_plugins/_ml/tasks/_search', { query: { term: { task_type: 'BATCH_PREDICTION' } } });
  assert.equal(tasks.body.hits.total.value, 1);
});
