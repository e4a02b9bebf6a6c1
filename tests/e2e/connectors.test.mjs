// ml-commons connectors: create, get, search, update, delete, with the
// credential sealed under --secrets-key-file and never returned; a batch
// ingestion with "connector_id" uses the connector's S3 keys and region, or
// its openAI_key. The secrets never appear in a response, the log (trace) or
// any file of the data directory, also after kill -9 and a restart.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';

import { createIndex, filesContaining, INGEST_PATH, jsonl, startMockOpenAI, startMockS3, waitTask } from './lib/ingest.mjs';
import { request } from './lib/http.mjs';
import { makeTempDir, startServer } from './lib/server.mjs';

const SECRETS = {
  secret: 'connector-secret-key-radioactive-1',
  token: 'connector-session-token-radioactive-2',
  openai: 'sk-connector-openai-radioactive-3',
  rotated: 'sk-connector-openai-rotated-radioactive-4',
};
const ALL = Object.values(SECRETS);
const data = jsonl([{ id: 'a', t: 'alpha', v: [1, 0] }, { id: 'b', t: 'beta', v: [0, 1] }]);
const keyFile = join(makeTempDir('sluice-connector-key-'), 'k.key');

let s3;
let openai;
let server;
const transcript = [];
const logs = [];

async function start(dataDir, withKey = true) {
  const args = ['--log-level', 'trace', '--s3-endpoint', s3.url, '--openai-base-url', openai.baseUrl];
  if (withKey) args.push('--secrets-key-file', keyFile);
  return startServer({ dataDir, args });
}

async function call(options) {
  const res = await request(server.url, options);
  transcript.push(`${options.method ?? 'GET'} ${options.path} → ${res.status} ${res.text}`);
  return res;
}

const s3Connector = {
  name: 'S3 batch',
  description: 'reads batch output',
  version: 1,
  protocol: 'aws_sigv4',
  parameters: { region: 'eu-west-1', service_name: 's3', max_batch: 10 },
  credential: { access_key: 'AKIACONNECTOR', secret_key: SECRETS.secret, session_token: SECRETS.token },
  actions: [
    {
      action_type: 'batch_predict',
      method: 'POST',
      url: 'https://bedrock.${parameters.region}.amazonaws.com/model-invocation-job',
      headers: { 'content-type': 'application/json' },
      request_body: '{ "inputDataConfig": "${parameters.input}" }',
      post_process_function: 'connector.post_process.bedrock.batch_job_arn',
    },
  ],
};

function ingestBody(type, source, connectorId) {
  return {
    index_name: 'conn',
    field_map: { _id: '$.id', text: '$.t', vec: '$.v' },
    connector_id: connectorId,
    data_source: { type, source },
  };
}

before(async () => {
  s3 = await startMockS3({ 'bucket/data.jsonl': data });
  openai = await startMockOpenAI({ 'file-abc': data }, SECRETS.openai);
  server = await start(makeTempDir('sluice-connectors-'));
  const res = await request(server.url, {
    method: 'PUT',
    path: '/conn',
    json: { settings: { 'index.knn': true }, mappings: { properties: { text: { type: 'text' }, vec: { type: 'knn_vector', dimension: 2 } } } },
  });
  assert.equal(res.status, 200, res.text);
});

after(async () => {
  await server?.kill();
  await s3?.close();
  await openai?.close();
});

let s3Id;
let openaiId;

test('create answers {connector_id}; get shows the connector as given, never its credential', async () => {
  const res = await call({ method: 'POST', path: '/_plugins/_ml/connectors/_create', json: s3Connector });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(Object.keys(res.body), ['connector_id']);
  s3Id = res.body.connector_id;
  const got = await call({ path: `/_plugins/_ml/connectors/${s3Id}` });
  assert.equal(got.status, 200, got.text);
  assert.equal(got.body.credential, undefined);
  assert.equal(got.body.name, 'S3 batch');
  assert.equal(got.body.version, '1');
  assert.equal(got.body.protocol, 'aws_sigv4');
  assert.deepEqual(got.body.parameters, { region: 'eu-west-1', service_name: 's3', max_batch: '10' });
  assert.deepEqual(got.body.actions, [{ ...s3Connector.actions[0], action_type: 'BATCH_PREDICT' }]);
  assert.ok(got.body.created_time > 0 && got.body.last_updated_time >= got.body.created_time);

  const oa = await call({
    method: 'POST',
    path: '/_plugins/_ml/connectors/_create',
    json: { name: 'OpenAI', version: '1', protocol: 'http', parameters: {}, credential: { openAI_key: SECRETS.openai }, actions: [] },
  });
  assert.equal(oa.status, 200, oa.text);
  openaiId = oa.body.connector_id;
});

test('invalid connectors are refused with ml-commons messages', async () => {
  const cases = [
    [{ ...s3Connector, credential: undefined }, 'Connector credential is null or empty list'],
    [{ ...s3Connector, name: undefined }, 'Connector name is null'],
    [{ ...s3Connector, protocol: 'ftp' }, 'Unsupported connector protocol. Please use one of [aws_sigv4, http]'],
    [{ ...s3Connector, actions: [{ method: 'POST', url: 'u' }] }, "action type can't be null"],
    [{ ...s3Connector, actions: [{ action_type: 'predict', url: 'u' }] }, "method can't be null"],
  ];
  for (const [body, reason] of cases) {
    const res = await call({ method: 'POST', path: '/_plugins/_ml/connectors/_create', json: body });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body.error.type, 'illegal_argument_exception');
    assert.equal(res.body.error.reason, reason);
  }
  const missing = await call({ path: '/_plugins/_ml/connectors/nope' });
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error.type, 'status_exception');
  assert.equal(missing.body.error.reason, 'Failed to find connector with the provided connector id: nope');
});

test('search lists connectors without credentials', async () => {
  const res = await call({ method: 'POST', path: '/_plugins/_ml/connectors/_search', json: { query: { match_all: {} }, size: 1000 } });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.hits.total.value, 2);
  assert.deepEqual(res.body.hits.hits.map((h) => h._id), [s3Id, openaiId]);
  for (const hit of res.body.hits.hits) {
    assert.equal(hit._index, '.plugins-ml-connector');
    assert.equal(hit._source.credential, undefined);
  }
  const bad = await call({ method: 'POST', path: '/_plugins/_ml/connectors/_search', json: { query: { term: { name: 'x' } } } });
  assert.equal(bad.status, 400);
});

test('a batch ingestion with connector_id uses the connector S3 keys and region', async () => {
  const res = await call({ method: 'POST', path: INGEST_PATH, json: ingestBody('s3', ['s3://bucket/data.jsonl'], s3Id) });
  assert.equal(res.status, 200, res.text);
  const task = await waitTask(server.url, res.body.task_id);
  transcript.push(JSON.stringify(task));
  assert.equal(task.state, 'COMPLETED', JSON.stringify(task));
  assert.equal(task.request.connector_id, s3Id);
  const gets = s3.requests.filter((r) => r.url.startsWith('/bucket/'));
  assert.ok(gets.length > 0);
  for (const r of gets) {
    assert.match(r.headers.authorization, /^AWS4-HMAC-SHA256 Credential=AKIACONNECTOR\/\d{8}\/eu-west-1\/s3\/aws4_request/);
    assert.equal(r.headers['x-amz-security-token'], SECRETS.token);
  }
  const both = await call({
    method: 'POST',
    path: INGEST_PATH,
    json: { ...ingestBody('s3', ['s3://bucket/data.jsonl'], s3Id), credential: { access_key: 'x', secret_key: 'y' } },
  });
  assert.equal(both.status, 400);
  assert.match(both.body.error.reason, /exclusive/);
  const noKey = await call({ method: 'POST', path: INGEST_PATH, json: ingestBody('openAI', ['file-abc'], s3Id) });
  assert.equal(noKey.status, 400, 'an S3 connector has no openAI_key');
  assert.match(noKey.body.error.reason, /openAI_key/);
});

test('update merges parameters and re-seals a new credential; the OpenAI connector ingests', async () => {
  const ok = await call({ method: 'POST', path: INGEST_PATH, json: ingestBody('openAI', ['file-abc'], openaiId) });
  assert.equal(ok.status, 200, ok.text);
  assert.equal((await waitTask(server.url, ok.body.task_id)).state, 'COMPLETED');

  const upd = await call({
    method: 'PUT',
    path: `/_plugins/_ml/connectors/${openaiId}`,
    json: { description: 'rotated', parameters: { model: 'text-embedding-3-small' }, credential: { openAI_key: SECRETS.rotated } },
  });
  assert.equal(upd.status, 200, upd.text);
  assert.equal(upd.body.result, 'updated');
  assert.equal(upd.body._id, openaiId);
  assert.equal(upd.body._version, 2);
  const got = await call({ path: `/_plugins/_ml/connectors/${openaiId}` });
  assert.equal(got.body.description, 'rotated');
  assert.deepEqual(got.body.parameters, { model: 'text-embedding-3-small' });
  assert.equal(got.body.name, 'OpenAI');
  const fails = await call({ method: 'POST', path: INGEST_PATH, json: ingestBody('openAI', ['file-abc'], openaiId) });
  const failed = await waitTask(server.url, fails.body.task_id);
  transcript.push(JSON.stringify(failed));
  assert.equal(failed.state, 'FAILED', 'the rotated key is what the ingestion sent');
  assert.ok(openai.requests.some((r) => r.headers.authorization === `Bearer ${SECRETS.rotated}`));
});

test('connectors survive kill -9 and still open with the key; delete removes one', async () => {
  const dataDir = server.dataDir;
  logs.push(server.logs());
  await server.kill();
  server = await start(dataDir);
  const got = await call({ path: `/_plugins/_ml/connectors/${s3Id}` });
  assert.equal(got.status, 200);
  const res = await call({ method: 'POST', path: INGEST_PATH, json: ingestBody('s3', ['s3://bucket/data.jsonl'], s3Id) });
  assert.equal((await waitTask(server.url, res.body.task_id)).state, 'COMPLETED');

  const del = await call({ method: 'DELETE', path: `/_plugins/_ml/connectors/${s3Id}` });
  assert.equal(del.status, 200, del.text);
  assert.equal(del.body.result, 'deleted');
  assert.equal(del.body._index, '.plugins-ml-connector');
  assert.equal((await call({ path: `/_plugins/_ml/connectors/${s3Id}` })).status, 404);
  assert.equal((await call({ method: 'DELETE', path: `/_plugins/_ml/connectors/${s3Id}` })).status, 404);

  logs.push(server.logs());
  await server.stop();
  assert.deepEqual(filesContaining(dataDir, ALL), [], 'no secret in the data directory, RocksDB files included');

  // Without the key, connectors cannot hold (or give) a credential.
  server = await start(dataDir, false);
  const refused = await call({ method: 'POST', path: '/_plugins/_ml/connectors/_create', json: s3Connector });
  assert.equal(refused.status, 400);
  assert.match(refused.body.error.reason, /--secrets-key-file/);
  const unusable = await call({ method: 'POST', path: INGEST_PATH, json: ingestBody('openAI', ['file-abc'], openaiId) });
  assert.equal(unusable.status, 400);
  assert.match(unusable.body.error.reason, /without --secrets-key-file/);
});

test('no secret in any response or log', () => {
  logs.push(server.logs());
  for (const text of transcript) for (const s of ALL) assert.ok(!text.includes(s), `response leaks ${s}: ${text.slice(0, 200)}`);
  const all = logs.join('\n');
  assert.ok(all.includes('connectors'), 'trace logs were captured');
  for (const s of ALL) assert.ok(!all.includes(s), `log leaks ${s}`);
});
