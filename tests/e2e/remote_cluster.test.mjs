// Batch ingestion into a remote OpenSearch cluster (`sluice serve
// --remote-cluster URL`, src/sinks/opensearch). Real OpenSearch cannot run
// here, so the cluster is a second sluice server (it speaks _bulk, mappings and
// search as OpenSearch does), behind a loopback proxy that requires basic auth
// and injects faults: every few _bulk requests a 429, some items rejected with
// es_rejected_execution_exception, one dropped connection.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';

import { startBulkFaultProxy } from './lib/bulk_fault_proxy.mjs';
import { request } from './lib/http.mjs';
import {
  INGEST_PATH,
  allDocs,
  createIndex,
  filesContaining,
  jsonl,
  openaiRecords,
  sagemakerRecords,
  sameVector,
  seedIndexBody,
  seedSingleFileRequest,
  seedThreeFileRequest,
  shuffled,
  startIngestServer,
  waitTask,
  writeJsonl,
} from './lib/ingest.mjs';
import { startServer } from './lib/server.mjs';

const DIM = 384;
const N_SINGLE = 150;
const N_MULTI = 60;
const OPENAI_DIM = 1536;
const USER = 'ingest-writer';
const PASSWORD = 'cluster-password-must-never-leak-7';

const sagemaker = sagemakerRecords(N_SINGLE, DIM, 31);
const openai = openaiRecords(N_MULTI, OPENAI_DIM, 32);
const outputOrder = shuffled(openai.output, 41);
const inputOrder = shuffled(openai.input, 42);
// Metadata in input order: source[2] joins by position with source[1].
const extraOrder = inputOrder.map((r, n) => ({ custom_field1: `meta of ${r.custom_id}`, custom_field2: n }));

function openaiIndexBody() {
  const vector = {
    type: 'knn_vector',
    dimension: OPENAI_DIM,
    method: { engine: 'nmslib', space_type: 'cosinesimil', name: 'hnsw', parameters: { ef_construction: 128, m: 16 } },
  };
  return {
    settings: { 'index.knn': true },
    mappings: {
      properties: {
        question: { type: 'text' },
        answer: { type: 'text' },
        question_embedding: vector,
        answer_embedding: vector,
        custom_field1: { type: 'keyword' },
        custom_field2: { type: 'long' },
      },
    },
  };
}

// The front server: batch ingestion reads local files and writes to `clusterUrl`.
async function startFront(clusterUrl, { env = {}, extraArgs = [], dataDir } = {}) {
  const front = await startIngestServer({
    dataDir,
    args: ['--remote-cluster', clusterUrl, '--remote-user', USER, '--remote-bulk-size', '16384',
      '--remote-in-flight', '3', '--remote-max-retries', '12', ...extraArgs],
    env: { SLUICE_REMOTE_PASSWORD: PASSWORD, ...env },
  });
  writeJsonl(join(front.importDir, 'sagemaker.jsonl'), shuffled(sagemaker, 5));
  writeJsonl(join(front.importDir, 'output.jsonl'), outputOrder);
  writeJsonl(join(front.importDir, 'input.jsonl'), inputOrder);
  writeJsonl(join(front.importDir, 'other.jsonl'), extraOrder);
  front.path = (name) => join(front.importDir, name);
  return front;
}

async function submit(front, body) {
  const res = await request(front.url, { method: 'POST', path: INGEST_PATH, json: body });
  return res;
}

async function knnFindsItself(url, index, field, vector, id) {
  const res = await request(url, {
    method: 'POST',
    path: `/${index}/_search`,
    json: { size: 3, query: { knn: { [field]: { vector, k: 3 } } } },
  });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.hits.hits[0]._id, id, `${field} of ${id}`);
}

let cluster;
let proxy;
let front;

before(async () => {
  cluster = await startServer();
  await createIndex(cluster.url, 'my-nlp-index', seedIndexBody(DIM));
  await createIndex(cluster.url, 'openai-index', openaiIndexBody());
  proxy = await startBulkFaultProxy({
    target: cluster.url,
    status429Every: 4,
    rejectItemEvery: 9,
    dropBulk: 3,
    basicAuth: { user: USER, password: PASSWORD },
  });
  front = await startFront(proxy.url);
});

after(async () => {
  await front?.stop();
  await proxy?.close();
  await cluster?.stop();
});

describe('batch ingestion into a remote cluster through faults', () => {
  test('the seed single-file request writes exactly its documents to the cluster', async () => {
    const before429 = proxy.stats.status429;
    const res = await submit(front, seedSingleFileRequest('my-nlp-index', front.path('sagemaker.jsonl'), 'file'));
    assert.equal(res.status, 200, res.text);
    const task = await waitTask(front.url, res.body.task_id, { timeoutMs: 120000 });
    assert.equal(task.state, 'COMPLETED', JSON.stringify(task));
    assert.equal(task.ingest_status.documents_written, N_SINGLE);
    assert.equal(task.ingest_status.records_failed, 0);
    // The faults did happen and were absorbed.
    assert.ok(proxy.stats.status429 > before429, JSON.stringify(proxy.stats));
    assert.ok(proxy.stats.itemsRejected > 0, JSON.stringify(proxy.stats));
    assert.equal(proxy.stats.dropped, 1);
    // Progress shows the cluster's side: requests, retried and rejected documents, throughput.
    const c = task.ingest_status.cluster;
    assert.ok(c, JSON.stringify(task.ingest_status));
    assert.equal(c.items_rejected, proxy.stats.itemsRejected);
    assert.ok(c.documents_retried >= c.items_rejected, JSON.stringify(c));
    // A request whose connection the proxy dropped reached the proxy but got no answer,
    // so the sink may not count it (its retry is counted).
    assert.ok(c.bulk_requests >= proxy.stats.bulkRequests - proxy.stats.dropped,
      JSON.stringify({ c, p: proxy.stats }));
    assert.ok(c.docs_per_second > 0);

    const { docs, total } = await allDocs(cluster.url, 'my-nlp-index');
    assert.equal(total, N_SINGLE);
    for (const rec of sagemaker) {
      const doc = docs.get(String(rec.id));
      assert.ok(doc, `document ${rec.id} is missing on the cluster`);
      assert.deepEqual(Object.keys(doc).sort(), ['chapter', 'chapter_embedding', 'id', 'title', 'title_embedding']);
      assert.equal(doc.chapter, rec.content[0]);
      assert.equal(doc.title, rec.content[1]);
      assert.equal(doc.id, rec.id);
      assert.ok(sameVector(doc.chapter_embedding, rec.SageMakerOutput[0]));
      assert.ok(sameVector(doc.title_embedding, rec.SageMakerOutput[1]));
    }
    await knnFindsItself(cluster.url, 'my-nlp-index', 'title_embedding', sagemaker[17].SageMakerOutput[1], '17');
    // Nothing was written locally: the front server has no such index.
    const local = await request(front.url, { path: '/my-nlp-index' });
    assert.equal(local.status, 404);
  });

  test('the seed three-file request joins locally and writes the joined documents', async () => {
    const res = await submit(front, seedThreeFileRequest('openai-index', ['output.jsonl', 'input.jsonl', 'other.jsonl'].map(front.path), 'file'));
    assert.equal(res.status, 200, res.text);
    const task = await waitTask(front.url, res.body.task_id, { timeoutMs: 120000 });
    assert.equal(task.state, 'COMPLETED', JSON.stringify(task));
    assert.equal(task.ingest_status.documents_written, N_MULTI);
    const { docs, total } = await allDocs(cluster.url, 'openai-index');
    assert.equal(total, N_MULTI);
    const positionOf = new Map(inputOrder.map((r, n) => [r.custom_id, n]));
    for (let i = 0; i < N_MULTI; i++) {
      const id = openai.ids[i];
      const doc = docs.get(id);
      assert.ok(doc, `document ${id} is missing on the cluster`);
      assert.equal(doc.question, openai.input[i].body.input[0]);
      assert.equal(doc.answer, openai.input[i].body.input[1]);
      assert.ok(sameVector(doc.question_embedding, openai.output[i].response.body.data[0].embedding));
      assert.ok(sameVector(doc.answer_embedding, openai.output[i].response.body.data[1].embedding));
      assert.equal(doc.custom_field1, `meta of ${id}`);
      assert.equal(doc.custom_field2, positionOf.get(id));
    }
    await knnFindsItself(cluster.url, 'openai-index', 'answer_embedding', openai.output[5].response.body.data[1].embedding, openai.ids[5]);
  });

  test('a missing index on the cluster is the same index_not_found error as locally', async () => {
    const res = await submit(front, seedSingleFileRequest('no-such-index', front.path('sagemaker.jsonl'), 'file'));
    assert.equal(res.status, 404, res.text);
    assert.equal(res.body.error.type, 'index_not_found_exception');
    assert.equal(res.body.error.reason, 'no such index [no-such-index]');
  });

  test('vectors of another dimension than the cluster mapping fail fast with a clear reason', async () => {
    await createIndex(cluster.url, 'dim-index', seedIndexBody(8));
    const res = await submit(front, seedSingleFileRequest('dim-index', front.path('sagemaker.jsonl'), 'file'));
    assert.equal(res.status, 200, res.text);
    const task = await waitTask(front.url, res.body.task_id, { timeoutMs: 60000 });
    assert.equal(task.state, 'FAILED', JSON.stringify(task));
    assert.match(task.error, /knn_vector of dimension \[8\], but the first records carry vectors of dimension \[384\]/);
  });
});

describe('credentials', () => {
  test('a wrong password is refused with a clear reason and appears nowhere', async () => {
    const wrong = 'wrong-password-must-never-leak-8';
    const bad = await startFront(proxy.url, { env: { SLUICE_REMOTE_PASSWORD: wrong } });
    try {
      const res = await submit(bad, seedSingleFileRequest('my-nlp-index', bad.path('sagemaker.jsonl'), 'file'));
      assert.equal(res.status, 401, res.text);
      assert.equal(res.body.error.type, 'security_exception');
      assert.match(res.body.error.reason, /refused GET \/my-nlp-index: authentication failed/);
      assert.ok(!res.text.includes(wrong));
    } finally {
      await bad.stop();
    }
    for (const secret of [wrong, PASSWORD]) assert.ok(!bad.logs().includes(secret), 'password in logs');
    assert.deepEqual(filesContaining(bad.dataDir, [wrong, PASSWORD]), []);
  });

  test('credentials rejected mid-run (password rotated) fail the task with the reason', async () => {
    // The proxy accepts the first requests (index check, gzip probe), then any password fails.
    const rotating = await startBulkFaultProxy({
      target: cluster.url,
      basicAuth: { user: USER, password: 'rotated-password' },
      authAfter: 2,
    });
    const front2 = await startFront(rotating.url);
    try {
      const res = await submit(front2, seedSingleFileRequest('my-nlp-index', front2.path('sagemaker.jsonl'), 'file'));
      assert.equal(res.status, 200, res.text);
      const task = await waitTask(front2.url, res.body.task_id, { timeoutMs: 60000 });
      assert.equal(task.state, 'FAILED', JSON.stringify(task));
      assert.match(task.error, /security_exception|authentication failed/);
      assert.ok(!JSON.stringify(task).includes(PASSWORD));
    } finally {
      await front2.stop();
      await rotating.close();
    }
    assert.ok(!front2.logs().includes(PASSWORD));
    assert.deepEqual(filesContaining(front2.dataDir, [PASSWORD]), []);
  });
});
