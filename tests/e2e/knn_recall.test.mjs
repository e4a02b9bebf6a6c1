// recall@10 of approximate k-NN search through the REST API, per engine, on
// (a) the OpenSearch k-NN plugin's own recall data (1000 × 128 synthetic, exact
// L2 ground truth shipped with it) and (b) real SIFT descriptors (NGT's 5k set:
// 200 held-out rows as queries, 4800 indexed, exact ground truth by brute force).
//
// Index parameters: method hnsw, space l2, m = 16, ef_construction = 200. ef_search
// is the index setting index.knn.algo_param.ef_search = 100 (the plugin's default,
// set explicitly); queries send no method_parameters. k = size = 10.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { bruteForceL2, bulkBody, loadKnnSynthetic, loadSift5k, recall } from './lib/datasets.mjs';
import { request } from './lib/http.mjs';
import { startServer } from './lib/server.mjs';

const ENGINES = ['faiss', 'nmslib'];
const MIN_RECALL = 0.95;
const K = 10;

let server;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.stop();
});

async function createIndex(index, engine, dimension) {
  const res = await request(server.url, {
    method: 'PUT',
    path: `/${index}`,
    json: {
      settings: { index: { knn: true, 'knn.algo_param.ef_search': 100, number_of_shards: 1, number_of_replicas: 0 } },
      mappings: {
        properties: {
          v: {
            type: 'knn_vector',
            dimension,
            method: { name: 'hnsw', engine, space_type: 'l2', parameters: { m: 16, ef_construction: 200 } },
          },
        },
      },
    },
  });
  assert.equal(res.status, 200, res.text);
}

async function bulkLoad(index, docs) {
  for (let i = 0; i < docs.length; i += 1000) {
    const res = await request(server.url, {
      method: 'POST',
      path: '/_bulk',
      body: bulkBody(index, docs.slice(i, i + 1000)),
      headers: { 'Content-Type': 'application/x-ndjson' },
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.errors, false);
  }
  const refresh = await request(server.url, { method: 'POST', path: `/${index}/_refresh` });
  assert.equal(refresh.status, 200);
  const count = await request(server.url, { path: `/${index}/_count` });
  assert.equal(count.body.count, docs.length);
}

async function knnIds(index, vector) {
  const res = await request(server.url, {
    method: 'POST',
    path: `/${index}/_search`,
    json: { size: K, _source: false, query: { knn: { v: { vector, k: K } } } },
  });
  assert.equal(res.status, 200, res.text);
  return res.body.hits.hits.map((h) => h._id);
}

async function meanRecall(index, queries, truths) {
  let sum = 0;
  for (let q = 0; q < queries.length; q++) {
    const ids = await knnIds(index, queries[q]);
    assert.equal(ids.length, K);
    sum += recall(ids, truths[q]);
  }
  return sum / queries.length;
}

describe('opensearch-knn-synthetic (1000 × 128, 100 queries, l2)', () => {
  const { docs, queries, groundTruth } = loadKnnSynthetic();
  const truths = groundTruth.map((ids) => ids.slice(0, K));

  test('the shipped ground truth is the exact L2 order of document ids', () => {
    assert.equal(docs.length, 1000);
    assert.equal(queries.length, 100);
    assert.equal(groundTruth.length, 100);
    const items = docs.map((d) => ({ id: String(d.id), vector: d.vector }));
    for (const q of [0, 50, 99]) {
      assert.deepEqual(bruteForceL2(items, queries[q], K), truths[q]);
    }
  });

  for (const engine of ENGINES) {
    test(`${engine}: recall@10 ≥ ${MIN_RECALL}`, async () => {
      const index = `synthetic-${engine}`;
      await createIndex(index, engine, 128);
      await bulkLoad(index, docs.map((d) => ({ _id: String(d.id), v: d.vector })));
      const r = await meanRecall(index, queries, truths);
      console.log(`recall@10 opensearch-knn-synthetic engine=${engine}: ${r.toFixed(4)}`);
      assert.ok(r >= MIN_RECALL, `recall@10 ${r} < ${MIN_RECALL}`);
    });
  }
});

describe('ngt-sift5k (4800 indexed, 200 held-out queries, l2)', () => {
  const rows = loadSift5k();
  const queries = [];
  const base = [];
  rows.forEach((vector, row) => {
    if (row % 25 === 0) queries.push(vector);
    else base.push({ id: String(row), vector });
  });
  const truths = queries.map((q) => bruteForceL2(base, q, K));

  test('hold-out split is 4800 base / 200 queries of 128 dimensions', () => {
    assert.equal(rows.length, 5000);
    assert.equal(base.length, 4800);
    assert.equal(queries.length, 200);
    assert.ok(rows.every((v) => v.length === 128 && v.every(Number.isInteger)));
  });

  for (const engine of ENGINES) {
    test(`${engine}: recall@10 ≥ ${MIN_RECALL}`, async () => {
      const index = `sift-${engine}`;
      await createIndex(index, engine, 128);
      await bulkLoad(index, base.map((b) => ({ _id: b.id, v: b.vector })));
      const r = await meanRecall(index, queries, truths);
      console.log(`recall@10 ngt-sift5k engine=${engine}: ${r.toFixed(4)}`);
      assert.ok(r >= MIN_RECALL, `recall@10 ${r} < ${MIN_RECALL}`);
    });
  }
});
