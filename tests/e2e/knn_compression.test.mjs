// Compressed k-NN fields through the official JavaScript client: a faiss field with
// `encoder: {name: sq, parameters: {type: fp16}}` and `byte` fields on faiss and lucene.
// Real SIFT descriptors (NGT's 5k set: 1,500 indexed, 30 held-out queries, exact ground
// truth by brute force); byte fields get the values shifted by -64 (SIFT is 0..191), which
// leaves L2 distances unchanged. Checks recall@10, the plugin's validation errors, and that
// the graphs answer the same after a restart on the same data directory.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { createClient } from './lib/client.mjs';
import { bruteForceL2, loadSift5k, recall } from './lib/datasets.mjs';
import { makeTempDir, startServer } from './lib/server.mjs';

const K = 10;
const BASE = 1500;
const QUERIES = 30;

const sift = loadSift5k();
const base = sift.slice(0, BASE).map((vector, i) => ({ id: String(i), vector }));
const queries = sift.slice(BASE, BASE + QUERIES);
const shift = (v) => v.map((x) => x - 64);
const truth = queries.map((q) => bruteForceL2(base, q, K));

const FIELDS = {
  fp16: {
    type: 'knn_vector',
    dimension: 128,
    method: {
      name: 'hnsw',
      engine: 'faiss',
      space_type: 'l2',
      parameters: { m: 16, ef_construction: 128, encoder: { name: 'sq', parameters: { type: 'fp16' } } },
    },
  },
  faiss_byte: {
    type: 'knn_vector',
    dimension: 128,
    data_type: 'byte',
    method: { name: 'hnsw', engine: 'faiss', space_type: 'l2', parameters: { m: 16, ef_construction: 128 } },
  },
  lucene_byte: {
    type: 'knn_vector',
    dimension: 128,
    data_type: 'byte',
    method: { name: 'hnsw', engine: 'lucene', space_type: 'l2', parameters: { m: 16, ef_construction: 128 } },
  },
};

let dataDir;
let server;
let client;

async function start() {
  server = await startServer({ dataDir });
  client = createClient(server.url);
}

before(async () => {
  dataDir = makeTempDir();
  await start();
});

after(async () => {
  await server?.stop();
});

async function meanRecall(field, transform) {
  let sum = 0;
  for (let q = 0; q < queries.length; q++) {
    const res = await client.search({
      index: 'compressed',
      body: { size: K, _source: false, query: { knn: { [field]: { vector: transform(queries[q]), k: K } } } },
    });
    sum += recall(res.body.hits.hits.map((h) => h._id), truth[q]);
  }
  return sum / queries.length;
}

describe('compressed knn_vector fields', () => {
  test('the index with fp16 and byte fields is created and filled through _bulk', async () => {
    const created = await client.indices.create({
      index: 'compressed',
      body: {
        settings: { index: { knn: true, 'knn.algo_param.ef_search': 100 } },
        mappings: { properties: FIELDS },
      },
    });
    assert.equal(created.body.acknowledged, true);
    const mapping = await client.indices.getMapping({ index: 'compressed' });
    const props = mapping.body.compressed.mappings.properties;
    assert.deepEqual(props.fp16.method.parameters.encoder, { name: 'sq', parameters: { type: 'fp16' } });
    assert.equal(props.faiss_byte.data_type, 'byte');

    const body = base.flatMap(({ id, vector }) => [
      { index: { _index: 'compressed', _id: id } },
      { fp16: vector, faiss_byte: shift(vector), lucene_byte: shift(vector) },
    ]);
    const bulk = await client.bulk({ body, refresh: true });
    assert.equal(bulk.body.errors, false);
    const count = await client.count({ index: 'compressed' });
    assert.equal(count.body.count, BASE);
  });

  test('recall@10 of each compressed field is at least 0.95', async () => {
    assert.ok((await meanRecall('fp16', (v) => v)) >= 0.95);
    assert.ok((await meanRecall('faiss_byte', shift)) >= 0.95);
    assert.ok((await meanRecall('lucene_byte', shift)) >= 0.95);
  });

  test('byte fields reject fractional and out-of-range values with the plugin message', async () => {
    const fraction = Array(128).fill(1);
    fraction[5] = 0.5;
    await assert.rejects(
      client.index({ index: 'compressed', id: 'bad1', body: { faiss_byte: fraction } }),
      (err) => {
        assert.equal(err.meta.statusCode, 400);
        assert.match(JSON.stringify(err.meta.body.error), /floats instead of byte integers/);
        return true;
      },
    );
    const big = Array(128).fill(200);
    await assert.rejects(
      client.index({ index: 'compressed', id: 'bad2', body: { lucene_byte: big } }),
      (err) => {
        assert.equal(err.meta.statusCode, 400);
        assert.match(JSON.stringify(err.meta.body.error), /not within in the byte range \[-128, 127\]/);
        return true;
      },
    );
  });

  test('fp16 fields reject values beyond the half-precision range', async () => {
    const huge = Array(128).fill(0);
    huge[0] = 70000;
    await assert.rejects(client.index({ index: 'compressed', id: 'bad3', body: { fp16: huge } }), (err) => {
      assert.equal(err.meta.statusCode, 400);
      assert.match(JSON.stringify(err.meta.body.error), /not within in the FP16 range \[-65504\.000000, 65504\.000000\]/);
      return true;
    });
  });

  test('with clip: true, fp16 values beyond the range are stored as ±65504', async () => {
    const created = await client.indices.create({
      index: 'clipped',
      body: {
        settings: { index: { knn: true } },
        mappings: {
          properties: {
            v: {
              type: 'knn_vector',
              dimension: 2,
              method: {
                name: 'hnsw',
                engine: 'faiss',
                parameters: { encoder: { name: 'sq', parameters: { type: 'fp16', clip: true } } },
              },
            },
          },
        },
      },
    });
    assert.equal(created.body.acknowledged, true);
    await client.index({ index: 'clipped', id: 'c', body: { v: [70000, -1e6] }, refresh: true });
    const res = await client.search({
      index: 'clipped',
      body: { size: 1, query: { knn: { v: { vector: [65504, -65504], k: 1 } } } },
    });
    assert.equal(res.body.hits.hits[0]._id, 'c');
    assert.equal(res.body.hits.hits[0]._score, 1); // distance 0: stored exactly at the bounds
    assert.deepEqual(res.body.hits.hits[0]._source.v, [70000, -1e6]); // _source as sent
  });

  test('an sq encoder on the lucene engine is refused at index creation', async () => {
    await assert.rejects(
      client.indices.create({
        index: 'bad-encoder',
        body: {
          settings: { index: { knn: true } },
          mappings: {
            properties: {
              v: {
                type: 'knn_vector',
                dimension: 4,
                method: { name: 'hnsw', engine: 'lucene', parameters: { encoder: { name: 'sq' } } },
              },
            },
          },
        },
      }),
      (err) => {
        assert.equal(err.meta.statusCode, 400);
        return true;
      },
    );
  });

  test('after a restart the compressed graphs answer the same', async () => {
    const query = (field, vector) =>
      client.search({
        index: 'compressed',
        body: { size: K, _source: false, query: { knn: { [field]: { vector, k: K } } } },
      });
    const before = {};
    for (const [field, v] of [['fp16', queries[0]], ['faiss_byte', shift(queries[0])], ['lucene_byte', shift(queries[0])]]) {
      before[field] = (await query(field, v)).body.hits.hits.map((h) => [h._id, h._score]);
    }
    await server.stop();
    await start();
    for (const [field, v] of [['fp16', queries[0]], ['faiss_byte', shift(queries[0])], ['lucene_byte', shift(queries[0])]]) {
      const after = (await query(field, v)).body.hits.hits.map((h) => [h._id, h._score]);
      assert.deepEqual(after, before[field], field);
    }
  });
});
