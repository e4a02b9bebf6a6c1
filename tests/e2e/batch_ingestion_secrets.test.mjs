// Credentials are radioactive: the strings a batch-ingestion request carries as
// credentials (S3 keys and session token, the OpenAI key, a presigned URL's
// signature, URL user-info) reach the source they are for and nothing else —
// never a response (creation, task GET, task search, errors), never the server's
// log (at trace level), never a file in the data directory — on success, on a
// failed task, on a rejected request and across a restart.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  INGEST_PATH,
  createIndex,
  filesContaining,
  jsonl,
  startIngestServer,
  startMockOpenAI,
  startMockS3,
  waitTask,
} from './lib/ingest.mjs';
import { request } from './lib/http.mjs';

const SECRETS = {
  access_key: 'AKIAZZACCESSKEYSECRET7',
  secret_key: 'wJalrXUtnFEMI-secret-key-radioactive-1',
  session_token: 'FwoGZXIvYXdzE-session-token-radioactive-2',
  openai: 'sk-proj-openai-key-radioactive-3',
  openaiWrong: 'sk-proj-wrong-openai-key-radioactive-4',
  signature: 'presignedsignatureradioactive5',
  password: 'urlpasswordradioactive6',
};
const ALL = Object.values(SECRETS);

const data = jsonl([{ id: 'a', t: 'alpha', v: [1, 0] }, { id: 'b', t: 'beta', v: [0, 1] }]);
let s3;
let openai;
let server;
const responses = [];

async function call(options) {
  const res = await request(server.url, options);
  responses.push(`${options.method ?? 'GET'} ${options.path} → ${res.status} ${res.text}`);
  return res;
}

function body(source, type, credential) {
  return {
    index_name: 'sec',
    field_map: { _id: '$.id', text: '$.t', vec: '$.v' },
    ...(credential ? { credential } : {}),
    data_source: { type, source },
  };
}

before(async () => {
  s3 = await startMockS3({ 'bucket/data.jsonl': data, 'web/data.jsonl': data });
  openai = await startMockOpenAI({ 'file-abc': data }, SECRETS.openai);
  server = await startIngestServer({
    args: ['--log-level', 'trace', '--s3-endpoint', s3.url, '--openai-base-url', openai.baseUrl, '--allow-source-host', '127.0.0.1'],
  });
  await createIndex(server.url, 'sec', {
    settings: { 'index.knn': true },
    mappings: { properties: { text: { type: 'text' }, vec: { type: 'knn_vector', dimension: 2 } } },
  });
});

after(async () => {
  await server?.kill();
  await s3?.close();
  await openai?.close();
});

const s3Credential = {
  region: 'eu-west-1',
  access_key: SECRETS.access_key,
  secret_key: SECRETS.secret_key,
  session_token: SECRETS.session_token,
};

async function ingest(b) {
  const res = await call({ method: 'POST', path: INGEST_PATH, json: b });
  assert.equal(res.status, 200, res.text);
  const id = res.body.task_id;
  await waitTask(server.url, id);
  return (await call({ path: `/_plugins/_ml/tasks/${id}` })).body;
}

test('s3, openAI and http tasks succeed with their credentials, which reach only their source', async () => {
  const t1 = await ingest(body(['s3://bucket/data.jsonl'], 's3', s3Credential));
  assert.equal(t1.state, 'COMPLETED', JSON.stringify(t1));
  const t2 = await ingest(body(['file-abc'], 'openAI', { openAI_key: SECRETS.openai }));
  assert.equal(t2.state, 'COMPLETED', JSON.stringify(t2));
  const url = `http://user:${SECRETS.password}@127.0.0.1:${new URL(s3.url).port}/web/data.jsonl?X-Amz-Signature=${SECRETS.signature}`;
  const t3 = await ingest(body([url], 'http'));
  assert.equal(t3.state, 'COMPLETED', JSON.stringify(t3));
  assert.equal(t3.request.data_source.source[0], `http://127.0.0.1:${new URL(s3.url).port}/web/data.jsonl`);

  const s3Gets = s3.requests.filter((r) => r.url.startsWith('/bucket/'));
  assert.ok(s3Gets.length > 0);
  for (const r of s3Gets) {
    assert.match(r.headers.authorization, new RegExp(`^AWS4-HMAC-SHA256 Credential=${SECRETS.access_key}/\\d{8}/eu-west-1/s3/aws4_request`));
    assert.ok(!r.headers.authorization.includes(SECRETS.secret_key), 'the secret key signs, it is not sent');
    assert.equal(r.headers['x-amz-security-token'], SECRETS.session_token);
  }
  const webGets = s3.requests.filter((r) => r.url.startsWith('/web/'));
  assert.ok(webGets.some((r) => r.url.includes(SECRETS.signature)), 'the presigned query reaches its host');
  assert.ok(openai.requests.every((r) => r.headers.authorization === `Bearer ${SECRETS.openai}`));
});

test('failed tasks and rejected requests do not echo credentials', async () => {
  const wrongKey = await ingest(body(['file-abc'], 'openAI', { openAI_key: SECRETS.openaiWrong }));
  assert.equal(wrongKey.state, 'FAILED');
  assert.match(wrongKey.error, /401|denied|unauthori[sz]ed|credential/i);
  const missing = await ingest(body(['s3://bucket/missing.jsonl'], 's3', s3Credential));
  assert.equal(missing.state, 'FAILED');
  assert.match(missing.error, /missing\.jsonl/);

  const rejected = [
    body(['s3://bucket/data.jsonl'], 's3', { ...s3Credential, bogus: SECRETS.secret_key }),
    body(['s3://bucket/data.jsonl'], 's3', { ...s3Credential, secret_key: [SECRETS.secret_key] }),
    body(['file-abc'], 'openAI', { openAI_key: SECRETS.openai, extra: SECRETS.openai }),
    { ...body(['file-abc'], 'openAI', { openAI_key: SECRETS.openai }), index_name: 'no-such-index' },
    { ...body(['s3://bucket/data.jsonl'], 's3', s3Credential), field_map: { vec: '$.v[' } },
    body([`ftp://user:${SECRETS.password}@127.0.0.1/x?sig=${SECRETS.signature}`], 'http'),
  ];
  for (const b of rejected) {
    const res = await call({ method: 'POST', path: INGEST_PATH, json: b });
    assert.ok(res.status >= 400 && res.status < 500, res.text);
  }
  // Malformed JSON around a credential: the parser's message must not quote it.
  const broken = `{"index_name":"sec","credential":{"openAI_key":"${SECRETS.openai}"},"data_source":`;
  const res = await call({ method: 'POST', path: INGEST_PATH, body: broken, headers: { 'Content-Type': 'application/json' } });
  assert.equal(res.status, 400);
});

test('the task search shows no credential', async () => {
  const res = await call({ method: 'POST', path: '/_plugins/_ml/tasks/_search', json: { size: 100 } });
  assert.equal(res.status, 200);
  assert.ok(res.body.hits.total.value >= 5);
});

test('no credential in any response, in the log (trace), or in the data directory, also after a restart', async () => {
  for (const text of responses) {
    for (const secret of ALL) assert.ok(!text.includes(secret), `response leaks ${secret}: ${text.slice(0, 300)}`);
  }
  const logs = server.logs();
  assert.ok(logs.length > 0);
  for (const secret of ALL) assert.ok(!logs.includes(secret), `log leaks ${secret}`);

  await server.stop();  // SIGTERM: memtables flushed, so the data dir holds everything
  assert.deepEqual(filesContaining(server.dataDir, ALL), []);

  const again = await startIngestServer({ dataDir: server.dataDir, args: ['--log-level', 'trace'] });
  try {
    const list = await request(again.url, { method: 'POST', path: '/_plugins/_ml/tasks/_search', json: { size: 100 } });
    for (const secret of ALL) assert.ok(!list.text.includes(secret));
    for (const secret of ALL) assert.ok(!again.logs().includes(secret));
  } finally {
    await again.stop();
  }
  assert.deepEqual(filesContaining(server.dataDir, ALL), []);
});
