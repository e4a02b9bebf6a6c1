// The seed's batch-ingestion examples (docs: "ingesting a single file" and
// "ingesting multiple files"), request bodies verbatim, end to end:
//   - over plain HTTP and with the official opensearch-js client;
//   - from local files (type "file") and from local stand-ins for S3 and the
//     OpenAI Files API (type "s3" / "openAI", as the seed writes them);
//   - input lines shuffled differently in every file.
// Each test checks the task's counts, every field's value of every document,
// null for index fields the request leaves unmapped or a record leaves
// without value, and that a knn search finds a document by its own embedding first.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';

import { createClient } from './lib/client.mjs';
import {
  INGEST_PATH,
  allDocs,
  createIndex,
  getTask,
  jsonl,
  openaiRecords,
  sagemakerRecords,
  sameVector,
  seedIndexBody,
  seedSingleFileRequest,
  seedThreeFileRequest,
  shuffled,
  startIngestServer,
  startMockOpenAI,
  startMockS3,
  waitTask,
  writeJsonl,
} from './lib/ingest.mjs';
import { request } from './lib/http.mjs';

const DIM = 384;
const N_SINGLE = 150;
const N_MULTI = 60;
const OPENAI_DIM = 1536;  // text-embedding-ada-002

const sagemaker = sagemakerRecords(N_SINGLE, DIM, 11);
const sagemakerFile = jsonl(shuffled(sagemaker, 5));
const openai = openaiRecords(N_MULTI, OPENAI_DIM, 12);
// Output and input shuffled differently (OpenAI does not keep input order in
// output files); source[2] (joined by position with source[1], the closest
// preceding source with an _id path) follows the input order.
const outputOrder = shuffled(openai.output, 21);
const inputOrder = shuffled(openai.input, 22);
const extraOrder = inputOrder.map((r, n) =>
  n % 7 === 3
    ? { custom_field1: `meta of ${r.custom_id}` }  // custom_field2 has no value here → null
    : { custom_field1: `meta of ${r.custom_id}`, custom_field2: n },
);
const S3_CREDENTIAL = {
  region: 'us-east-1',
  access_key: 'AKIASEEDEXAMPLE00001',
  secret_key: 'seed-secret-key-must-never-leak-1',
  session_token: 'seed-session-token-must-never-leak-2',
};
const OPENAI_KEY = 'sk-seed-openai-key-must-never-leak-3';

function openaiIndexBody() {
  const vector = (dimension) => ({
    type: 'knn_vector',
    dimension,
    method: { engine: 'nmslib', space_type: 'cosinesimil', name: 'hnsw', parameters: { ef_construction: 512, m: 16 } },
  });
  return {
    settings: { 'index.knn': true },
    mappings: {
      properties: {
        question: { type: 'text' },
        answer: { type: 'text' },
        question_embedding: vector(OPENAI_DIM),
        answer_embedding: vector(OPENAI_DIM),
        custom_field1: { type: 'keyword' },
        custom_field2: { type: 'long' },
        category: { type: 'keyword' },  // mapped by nothing in the request → null
      },
    },
  };
}

let s3;
let openaiMock;
let server;

before(async () => {
  s3 = await startMockS3({ 'offlinebatch/output/sagemaker_batch.json.out': sagemakerFile });
  openaiMock = await startMockOpenAI(
    { 'file-output01': jsonl(outputOrder), 'file-input01': jsonl(inputOrder), 'file-other01': jsonl(extraOrder) },
    OPENAI_KEY,
  );
  server = await startIngestServer({ args: ['--s3-endpoint', s3.url, '--openai-base-url', openaiMock.baseUrl] });
  writeJsonl(join(server.importDir, 'sagemaker_batch.json.out'), sagemakerFile.trimEnd().split('\n'));
  writeJsonl(join(server.importDir, 'output.jsonl'), outputOrder);
  writeJsonl(join(server.importDir, 'input.jsonl'), inputOrder);
  writeJsonl(join(server.importDir, 'other.jsonl'), extraOrder);
});

after(async () => {
  await server?.stop();
  await s3?.close();
  await openaiMock?.close();
});

function checkSingleFileDocs(docs) {
  assert.equal(docs.size, N_SINGLE);
  for (const rec of sagemaker) {
    const doc = docs.get(String(rec.id));
    assert.ok(doc, `document ${rec.id} is missing`);
    assert.deepEqual(Object.keys(doc).sort(), ['chapter', 'chapter_embedding', 'id', 'title', 'title_embedding']);
    assert.equal(doc.chapter, rec.content[0]);
    assert.equal(doc.title, rec.content[1]);
    assert.equal(doc.id, rec.id, 'ingest_fields $.id keeps its numeric value');
    assert.ok(sameVector(doc.chapter_embedding, rec.SageMakerOutput[0]), `chapter_embedding of ${rec.id}`);
    assert.ok(sameVector(doc.title_embedding, rec.SageMakerOutput[1]), `title_embedding of ${rec.id}`);
  }
}

function checkCompleted(task, { records, written, sources }) {
  assert.equal(task.task_type, 'BATCH_INGEST');
  assert.equal(task.state, 'COMPLETED', JSON.stringify(task));
  assert.equal(task.error, undefined);
  assert.equal(task.is_async, true);
  assert.equal(task.task_id, undefined, 'GET does not echo task_id (ml-commons)');
  assert.ok(task.create_time <= task.last_update_time);
  const p = task.ingest_status;
  assert.equal(p.records_read, records);
  assert.equal(p.documents_written, written);
  assert.equal(p.records_failed, 0);
  assert.equal(p.phase, 'done');
  assert.deepEqual(p.failures ?? [], []);
  assert.equal(p.sources.length, sources);
  // The OpenAI Files API lists no sizes: bytes_total stays 0 (unknown) there.
  if (p.bytes_total !== 0) assert.equal(p.bytes_read, p.bytes_total);
  assert.ok(p.bytes_read > 0);
}

async function knnFindsItself(index, field, vector, id) {
  const res = await request(server.url, {
    method: 'POST',
    path: `/${index}/_search`,
    json: { size: 3, query: { knn: { [field]: { vector, k: 3 } } } },
  });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.hits.hits[0]._id, id, `${field} of ${id}`);
}

describe('the seed single-file example', () => {
  test('type file, official client: every document, field and vector arrives; knn finds each by its embedding', async () => {
    const client = createClient(server.url);
    await client.indices.create({ index: 'my-nlp-index', body: seedIndexBody(DIM) });
    const body = seedSingleFileRequest('my-nlp-index', join(server.importDir, 'sagemaker_batch.json.out'), 'file');
    const created = await client.transport.request({ method: 'POST', path: INGEST_PATH, body });
    assert.equal(created.statusCode, 200);
    assert.deepEqual(Object.keys(created.body), ['task_id', 'task_type', 'status']);
    assert.equal(created.body.task_type, 'BATCH_INGEST');
    assert.equal(created.body.status, 'CREATED');
    const taskId = created.body.task_id;
    await waitTask(server.url, taskId);
    const { body: task } = await client.ml.getTask({ task_id: taskId });
    checkCompleted(task, { records: N_SINGLE, written: N_SINGLE, sources: 1 });
    assert.deepEqual(task.request.field_map, body.field_map, 'the task keeps its request');

    const { docs } = await allDocs(server.url, 'my-nlp-index');
    checkSingleFileDocs(docs);
    const count = await client.count({ index: 'my-nlp-index' });
    assert.equal(count.body.count, N_SINGLE);
    for (const rec of sagemaker.filter((_, i) => i % 10 === 0)) {
      const res = await client.search({
        index: 'my-nlp-index',
        body: { size: 1, query: { knn: { chapter_embedding: { vector: rec.SageMakerOutput[0], k: 1 } } } },
      });
      assert.equal(res.body.hits.hits[0]._id, String(rec.id));
      await knnFindsItself('my-nlp-index', 'title_embedding', rec.SageMakerOutput[1], String(rec.id));
    }
  });

  test('type s3 verbatim over plain HTTP: the object is fetched with the credential and ingested the same way', async () => {
    await createIndex(server.url, 'my-nlp-index-s3', seedIndexBody(DIM));
    const body = seedSingleFileRequest('my-nlp-index-s3', 's3://offlinebatch/output/sagemaker_batch.json.out', 's3', S3_CREDENTIAL);
    const res = await request(server.url, { method: 'POST', path: INGEST_PATH, json: body });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(Object.keys(res.body), ['task_id', 'task_type', 'status']);
    const task = await waitTask(server.url, res.body.task_id);
    checkCompleted(task, { records: N_SINGLE, written: N_SINGLE, sources: 1 });
    assert.equal(task.request.credential, undefined, 'the credential is not kept with the task');

    const gets = s3.requests.filter((r) => r.url.startsWith('/offlinebatch/output/sagemaker_batch.json.out'));
    assert.ok(gets.length >= 1);
    for (const r of gets) {
      assert.match(r.headers.authorization, new RegExp(`Credential=${S3_CREDENTIAL.access_key}/\\d{8}/us-east-1/s3/aws4_request`));
      assert.equal(r.headers['x-amz-security-token'], S3_CREDENTIAL.session_token);
    }
    const { docs } = await allDocs(server.url, 'my-nlp-index-s3');
    checkSingleFileDocs(docs);
    const rec = sagemaker[42];
    await knnFindsItself('my-nlp-index-s3', 'chapter_embedding', rec.SageMakerOutput[0], '42');
  });
});

describe('the seed three-file example', () => {
  function checkThreeFileDocs(docs) {
    assert.equal(docs.size, N_MULTI);
    const positionOf = new Map(inputOrder.map((r, n) => [r.custom_id, n]));
    for (let i = 0; i < N_MULTI; i++) {
      const id = openai.ids[i];
      const doc = docs.get(id);
      assert.ok(doc, `document ${id} is missing`);
      assert.deepEqual(Object.keys(doc).sort(), [
        'answer', 'answer_embedding', 'category', 'custom_field1', 'custom_field2', 'question', 'question_embedding',
      ]);
      assert.equal(doc.question, openai.input[i].body.input[0]);
      assert.equal(doc.answer, openai.input[i].body.input[1]);
      assert.ok(sameVector(doc.question_embedding, openai.output[i].response.body.data[0].embedding), `question_embedding of ${id}`);
      assert.ok(sameVector(doc.answer_embedding, openai.output[i].response.body.data[1].embedding), `answer_embedding of ${id}`);
      const n = positionOf.get(id);
      assert.equal(doc.custom_field1, `meta of ${id}`, 'source[2] joins by position with source[1]');
      assert.equal(doc.custom_field2, n % 7 === 3 ? null : n, 'a mapped field without value is null');
      assert.equal(doc.category, null, 'an index field the request does not map is null');
    }
  }

  function checkJoinProgress(task) {
    checkCompleted(task, { records: 3 * N_MULTI, written: N_MULTI, sources: 3 });
    assert.equal(task.ingest_status.incomplete_joins, 0);
    assert.deepEqual(task.ingest_status.incomplete_join_ids ?? [], []);
    for (const s of task.ingest_status.sources) assert.equal(s.records_read, N_MULTI, JSON.stringify(s));
  }

  test('type openAI verbatim over plain HTTP: three files joined by custom_id and by position', async () => {
    await createIndex(server.url, 'my-nlp-index-openai', openaiIndexBody());
    const body = seedThreeFileRequest('my-nlp-index-openai', ['file-output01', 'file-input01', 'file-other01'], 'openAI', {
      openAI_key: OPENAI_KEY,
    });
    const res = await request(server.url, { method: 'POST', path: INGEST_PATH, json: body });
    assert.equal(res.status, 200, res.text);
    const task = await waitTask(server.url, res.body.task_id);
    checkJoinProgress(task);
    assert.equal(task.request.credential, undefined);
    for (const r of openaiMock.requests) assert.equal(r.headers.authorization, `Bearer ${OPENAI_KEY}`);
    assert.deepEqual(
      [...new Set(openaiMock.requests.map((r) => r.url).filter((u) => u.endsWith('/content')))].sort(),
      ['/v1/files/file-input01/content', '/v1/files/file-other01/content', '/v1/files/file-output01/content'],
    );
    const { docs } = await allDocs(server.url, 'my-nlp-index-openai');
    checkThreeFileDocs(docs);
    for (const i of [0, 17, N_MULTI - 1]) {
      const id = openai.ids[i];
      await knnFindsItself('my-nlp-index-openai', 'question_embedding', openai.output[i].response.body.data[0].embedding, id);
      await knnFindsItself('my-nlp-index-openai', 'answer_embedding', openai.output[i].response.body.data[1].embedding, id);
    }
  });

  test('type file, official client: the same three files from local paths give the same documents', async () => {
    const client = createClient(server.url);
    await client.indices.create({ index: 'my-nlp-index-files', body: openaiIndexBody() });
    const body = seedThreeFileRequest(
      'my-nlp-index-files',
      ['output.jsonl', 'input.jsonl', 'other.jsonl'].map((f) => join(server.importDir, f)),
      'file',
    );
    const created = await client.transport.request({ method: 'POST', path: INGEST_PATH, body });
    assert.equal(created.statusCode, 200);
    await waitTask(server.url, created.body.task_id);
    const { body: task } = await client.ml.getTask({ task_id: created.body.task_id });
    checkJoinProgress(task);
    const { docs } = await allDocs(server.url, 'my-nlp-index-files');
    checkThreeFileDocs(docs);
    const res = await client.search({
      index: 'my-nlp-index-files',
      body: { size: 1, query: { knn: { answer_embedding: { vector: openai.output[5].response.body.data[1].embedding, k: 1 } } } },
    });
    assert.equal(res.body.hits.hits[0]._id, openai.ids[5]);
    const search = await client.ml.searchTasks({ body: { query: { term: { task_type: 'BATCH_INGEST' } } } });
    assert.ok(search.body.hits.hits.some((h) => h._id === created.body.task_id));
  });

  test('GET task shows ml-commons key order with progress and request', async () => {
    const list = await request(server.url, { path: '/_plugins/_ml/tasks/_search' });
    const id = list.body.hits.hits[0]._id;
    const task = await getTask(server.url, id);
    assert.deepEqual(Object.keys(task), ['task_type', 'state', 'progress', 'create_time', 'last_update_time', 'is_async', 'ingest_status', 'request']);
    assert.equal(typeof task.progress, 'number');
  });
});
