// Batch ingestion from the OpenAI Files API (a fake server on loopback that
// checks the bearer key): batch output and input files with the field_maps a
// user would write, retries on 429/5xx, clear failures on 401/404, and the
// key never leaking.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer } from './lib/server.mjs';
import { startFakeOpenAI } from './lib/fake_openai.mjs';
import {
  Transcript, assertNoSecrets, countDocs, createIndex, getDoc, ingest, readConstructed,
} from './lib/sources_helpers.mjs';

const KEY = 'sk-proj-OPENAI-SECRET-9c8b7a6d5e4f';
const OUTPUT_ID = 'file-OutPut123';
const INPUT_ID = 'file-InPut456';
const ZSTD_ID = 'file-zstd789';

let openai;
let server;
const transcript = new Transcript();
const outputLines = readConstructed('openai/batch_output.jsonl').toString().trim().split('\n').map((l) => JSON.parse(l));

before(async () => {
  openai = await startFakeOpenAI({
    key: KEY,
    files: {
      [OUTPUT_ID]: readConstructed('openai/batch_output.jsonl'),
      [INPUT_ID]: readConstructed('openai/batch_input.jsonl'),
      [ZSTD_ID]: execFileSync('zstd', ['-q', '-c'], { input: readConstructed('openai/batch_input.jsonl') }),
    },
  });
  server = await startServer({ args: ['--openai-base-url', openai.baseUrl, '--log-level', 'debug'] });
  await createIndex(server, 'openai-docs', {
    embedding: { type: 'knn_vector', dimension: 256, method: { engine: 'faiss', space_type: 'l2', name: 'hnsw' } },
    text: { type: 'text' },
  });
  await createIndex(server, 'openai-inputs', { text: { type: 'text' }, model: { type: 'keyword' } }, false);
});

after(async () => {
  if (server) {
    assertNoSecrets(server, transcript, [KEY], { canary: 'Vector search finds the nearest neighbours' });
    await server.stop();
  }
  await openai?.stop();
});

const requestsFor = (id) => openai.requests.filter((r) => r.path === `/v1/files/${id}/content`);

test('a batch output file joined with its input file by custom_id', async () => {
  const task = await ingest(server, {
    index_name: 'openai-docs',
    field_map: {
      _id: ['source[0].$.custom_id', 'source[1].$.custom_id'],
      embedding: 'source[0].$.response.body.data[0].embedding',
      text: 'source[1].$.body.input',
    },
    credential: { openAI_key: KEY },
    data_source: { type: 'openAI', source: [OUTPUT_ID, INPUT_ID] },
  }, { transcript });
  assert.equal(task.state, 'COMPLETED', JSON.stringify(task));
  assert.deepEqual(task.ingest_status.sources.map((s) => s.records_read), [4, 5]);
  assert.deepEqual(task.ingest_status.sources.map((s) => s.location), [OUTPUT_ID, INPUT_ID]);
  // Sizes come from the files' metadata; all bytes were read.
  const sizes = [readConstructed('openai/batch_output.jsonl').length, readConstructed('openai/batch_input.jsonl').length];
  assert.deepEqual(task.ingest_status.sources.map((s) => s.bytes_total), sizes);
  assert.deepEqual(task.ingest_status.sources.map((s) => s.bytes_read), sizes);
  // request-5 failed at OpenAI: it is in the input file only.
  assert.equal(task.ingest_status.incomplete_joins, 1);
  assert.deepEqual(task.ingest_status.incomplete_join_ids, ['request-5']);
  assert.equal(await countDocs(server, 'openai-docs'), 5);

  const doc = await getDoc(server, 'openai-docs', 'request-1');
  assert.deepEqual(doc.text, ['What is the meaning of life?', 'The food was delicious and the waiter was friendly.']);
  const expected = outputLines.find((o) => o.custom_id === 'request-1').response.body.data[0].embedding;
  assert.equal(doc.embedding.length, 256);
  assert.ok(doc.embedding.every((v, i) => Math.abs(v - expected[i]) < 1e-6));
  assert.equal((await getDoc(server, 'openai-docs', 'request-4')).text, 'Émile a mangé une crème brûlée à Paris.');

  for (const r of [...requestsFor(OUTPUT_ID), ...requestsFor(INPUT_ID)]) {
    assert.equal(r.method, 'GET');
    assert.equal(r.authorization, `Bearer ${KEY}`);
  }
});

test('a batch input file alone, and a zstd-compressed copy of it', async () => {
  for (const [index, id] of [['openai-inputs', INPUT_ID], ['openai-inputs-zstd', ZSTD_ID]]) {
    if (index !== 'openai-inputs') await createIndex(server, index, { text: { type: 'text' }, model: { type: 'keyword' } }, false);
    const task = await ingest(server, {
      index_name: index,
      field_map: { _id: '$.custom_id', text: '$.body.input', model: '$.body.model' },
      credential: { openAI_key: KEY },
      data_source: { type: 'openAI', source: [id] },
    }, { transcript });
    assert.equal(task.state, 'COMPLETED', JSON.stringify(task));
    assert.equal(await countDocs(server, index), 5);
    // Progress counts the compressed bytes against the compressed size.
    assert.equal(task.ingest_status.bytes_total, task.ingest_status.bytes_read);
    if (id === ZSTD_ID) assert.ok(task.ingest_status.bytes_total < readConstructed('openai/batch_input.jsonl').length);
    const doc = await getDoc(server, index, 'request-3');
    assert.deepEqual(doc.text, ['this is chapter 1', 'harry potter']);
    assert.equal(doc.model, 'text-embedding-3-small');
  }
});

test('429 and 503 answers are retried and the ingest completes with the exact count', async () => {
  openai.failNext(INPUT_ID, [429, 503, 429]);
  const before = requestsFor(INPUT_ID).length;
  await createIndex(server, 'openai-retry', { text: { type: 'text' } }, false);
  const task = await ingest(server, {
    index_name: 'openai-retry',
    field_map: { _id: '$.custom_id', text: '$.body.input' },
    credential: { openAI_key: KEY },
    data_source: { type: 'openAI', source: [INPUT_ID] },
  }, { transcript });
  assert.equal(task.state, 'COMPLETED', JSON.stringify(task));
  assert.equal(await countDocs(server, 'openai-retry'), 5);
  assert.deepEqual(requestsFor(INPUT_ID).slice(before).map((r) => r.status), [429, 503, 429, 200]);
});

test('a wrong key fails the task once (no retry) with a clear reason that does not show any key', async () => {
  const wrongKey = 'sk-proj-WRONG-KEY-1234567890';
  const before = requestsFor(OUTPUT_ID).length;
  const task = await ingest(server, {
    index_name: 'openai-inputs',
    field_map: { text: '$.body.input' },
    credential: { openAI_key: wrongKey },
    data_source: { type: 'openAI', source: [OUTPUT_ID] },
  }, { transcript });
  assert.equal(task.state, 'FAILED');
  assert.match(task.error, /401/);
  assert.match(task.error, /key/i);
  assert.match(task.error, new RegExp(OUTPUT_ID));
  assert.ok(!JSON.stringify(task).includes(wrongKey) && !JSON.stringify(task).includes(KEY));
  assert.ok(!server.logs().includes(wrongKey));
  assert.equal(requestsFor(OUTPUT_ID).length - before, 1, 'a 401 is not retried');
});

test('an unknown file id fails the task naming the file', async () => {
  const task = await ingest(server, {
    index_name: 'openai-inputs',
    field_map: { text: '$.body.input' },
    credential: { openAI_key: KEY },
    data_source: { type: 'openAI', source: ['file-doesNotExist'] },
  }, { transcript });
  assert.equal(task.state, 'FAILED');
  assert.match(task.error, /file-doesNotExist/);
  assert.match(task.error, /not found/);
  assert.equal(requestsFor('file-doesNotExist').length, 1, 'a 404 is not retried');
});

test('a file that keeps answering 429 fails the task after the retries, naming the status', async () => {
  openai.failNext('file-throttled', Array(20).fill(429));
  openai.setFile('file-throttled', '{"custom_id":"x"}\n');
  const task = await ingest(server, {
    index_name: 'openai-inputs',
    field_map: { text: '$.custom_id' },
    credential: { openAI_key: KEY },
    data_source: { type: 'openAI', source: ['file-throttled'] },
  }, { transcript, timeoutMs: 60000 });
  assert.equal(task.state, 'FAILED');
  assert.match(task.error, /429/);
  assert.match(task.error, /file-throttled/);
  assert.ok(requestsFor('file-throttled').length > 1, 'retried');
});
