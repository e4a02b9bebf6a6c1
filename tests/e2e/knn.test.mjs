// The k-NN plugin behaviour of knn.md through the REST API: the seed's index
// body, self-queries, the published score formulas per engine and space, k vs
// size, efficient filtering, knn inside bool, radial search, _source excludes,
// query validation errors, and identical answers after a restart.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { createClient } from './lib/client.mjs';
import { bruteForceL2, bulkBody, expectedScore, randomVector, rng, squaredL2 } from './lib/datasets.mjs';
import { request } from './lib/http.mjs';
import { makeTempDir, startServer } from './lib/server.mjs';

// The index body of the batch-ingestion seed (shared/seed/batch-ingestion.md), verbatim.
const SEED_INDEX_BODY = {
  settings: {
    'index.knn': true,
  },
  mappings: {
    properties: {
      id: {
        type: 'text',
      },
      chapter_embedding: {
        type: 'knn_vector',
        dimension: 384,
        method: {
          engine: 'nmslib',
          space_type: 'cosinesimil',
          name: 'hnsw',
          parameters: {
            ef_construction: 512,
            m: 16,
          },
        },
      },
      chapter: {
        type: 'text',
      },
      title_embedding: {
        type: 'knn_vector',
        dimension: 384,
        method: {
          engine: 'nmslib',
          space_type: 'cosinesimil',
          name: 'hnsw',
          parameters: {
            ef_construction: 512,
            m: 16,
          },
        },
      },
      title: {
        type: 'text',
      },
    },
  },
};

const dataDir = makeTempDir();
let server;
let client;

before(async () => {
  server = await startServer({ dataDir });
  client = createClient(server.url);
});

after(async () => {
  await client?.close();
  await server?.stop();
});

async function bulk(body) {
  const res = await request(server.url, {
    method: 'POST',
    path: '/_bulk?refresh=true',
    body,
    headers: { 'Content-Type': 'application/x-ndjson' },
  });
  assert.equal(res.status, 200);
  assert.equal(res.body.errors, false, JSON.stringify(res.body.items.find((i) => Object.values(i)[0].error)));
}

async function search(index, body) {
  const res = await request(server.url, { method: 'POST', path: `/${index}/_search`, json: body });
  assert.equal(res.status, 200, res.text);
  return res.body;
}

function assertClose(actual, expected, what) {
  const ok = expected === 0 ? Math.abs(actual) <= 1e-6 : Math.abs(actual - expected) <= 1e-6 * Math.abs(expected);
  assert.ok(ok, `${what}: score ${actual}, expected ${expected}`);
}

// ---------------------------------------------------------------------------------------------
describe('the seed index (nmslib, cosinesimil, 384-d, ef_construction 512, m 16)', () => {
  const rand = rng(7);
  const N = 300;
  const docs = Array.from({ length: N }, (_, i) => ({
    _id: String(i),
    id: `doc ${i}`,
    chapter: `chapter ${i}`,
    title: `title ${i}`,
    chapter_embedding: randomVector(rand, 384),
    title_embedding: randomVector(rand, 384),
  }));

  test('PUT /my-nlp-index with the seed body is acknowledged and the mapping reads back', async () => {
    const res = await client.indices.create({ index: 'my-nlp-index', body: SEED_INDEX_BODY });
    assert.deepEqual(res.body, { acknowledged: true, shards_acknowledged: true, index: 'my-nlp-index' });
    const mapping = await client.indices.getMapping({ index: 'my-nlp-index' });
    assert.deepEqual(mapping.body['my-nlp-index'].mappings, SEED_INDEX_BODY.mappings);
    const settings = await client.indices.getSettings({ index: 'my-nlp-index' });
    assert.equal(settings.body['my-nlp-index'].settings.index.knn, 'true');
  });

  test('a document queried with its own vector comes first with score 1.0', async () => {
    await bulk(bulkBody('my-nlp-index', docs));
    for (const i of [0, 42, 299]) {
      for (const field of ['chapter_embedding', 'title_embedding']) {
        const b = await search('my-nlp-index', { query: { knn: { [field]: { vector: docs[i][field], k: 5 } } } });
        assert.equal(b.hits.hits[0]._id, String(i));
        assertClose(b.hits.hits[0]._score, 1.0, `${field} self-score`);
        assertClose(b.hits.max_score, b.hits.hits[0]._score, 'max_score');
        assert.equal(b.hits.hits.length, 5);
        // Every returned score is (1 + cos) / 2 of the stored vector, in descending order.
        for (const h of b.hits.hits) {
          assertClose(h._score, expectedScore('cosinesimil', docs[i][field], docs[Number(h._id)][field]), `${field} hit`);
        }
        const scores = b.hits.hits.map((h) => h._score);
        assert.deepEqual(scores, [...scores].sort((x, y) => y - x));
      }
    }
  });

  test('k and size: hits = min(k, size), hits.total = k, from pages within k', async () => {
    const vector = docs[10].chapter_embedding;
    const q = (k) => ({ knn: { chapter_embedding: { vector, k } } });
    const k5 = await search('my-nlp-index', { query: q(5) });
    assert.equal(k5.hits.hits.length, 5);
    assert.deepEqual(k5.hits.total, { value: 5, relation: 'eq' });
    const k20 = await search('my-nlp-index', { query: q(20), size: 3 });
    assert.equal(k20.hits.hits.length, 3);
    assert.deepEqual(k20.hits.total, { value: 20, relation: 'eq' });
    const all20 = await search('my-nlp-index', { query: q(20), size: 20 });
    const page = await search('my-nlp-index', { query: q(20), from: 15, size: 10 });
    assert.deepEqual(
      page.hits.hits.map((h) => h._id),
      all20.hits.hits.slice(15).map((h) => h._id),
    );
    const k1 = await search('my-nlp-index', { query: q(1) });
    assert.deepEqual(k1.hits.hits.map((h) => h._id), ['10']);
  });

  test('_source excludes drop the vectors; the hit otherwise keeps its source', async () => {
    const b = await search('my-nlp-index', {
      query: { knn: { title_embedding: { vector: docs[3].title_embedding, k: 1 } } },
      _source: { excludes: ['chapter_embedding', 'title_embedding'] },
    });
    assert.deepEqual(b.hits.hits[0]._source, { id: 'doc 3', chapter: 'chapter 3', title: 'title 3' });
    const full = await search('my-nlp-index', {
      query: { knn: { title_embedding: { vector: docs[3].title_embedding, k: 1 } } },
    });
    assert.deepEqual(full.hits.hits[0]._source.title_embedding, docs[3].title_embedding);
  });
});

// ---------------------------------------------------------------------------------------------
describe('score formulas (knn.md §3.1) on hand-computed cases', () => {
  // [query, [doc vectors], [expected scores, computed by hand]]
  const CASES = {
    // 1 / (1 + squared L2 distance)
    l2: [[1, 2, 3], [[1, 2, 3], [1, 2, 4], [3, 2, 3], [0, 0, 0], [1, 1.5, 3]], [1, 0.5, 0.2, 1 / 15, 0.8]],
    // ip > 0: 1 + ip; ip ≤ 0: 1 / (1 − ip)
    innerproduct: [[1, 2, 3], [[2, 1, 0], [1, 0, 0], [0, 0, 0], [-1, 0, 0], [0, -1, -1]], [5, 2, 1, 0.5, 1 / 6]],
    // (1 + cos) / 2
    cosinesimil: [
      [1, 0, 0],
      [[2, 0, 0], [1, 1, 0], [0, 3, 0], [-1, 1, 0], [-4, 0, 0]],
      [1, (1 + Math.SQRT1_2) / 2, 0.5, (1 - Math.SQRT1_2) / 2, 0],
    ],
  };

  for (const engine of ['faiss', 'nmslib', 'lucene']) {
    for (const [space, [query, vectors, expected]] of Object.entries(CASES)) {
      test(`${engine} ${space}`, async () => {
        const index = `scores-${engine}-${space}`;
        const create = await request(server.url, {
          method: 'PUT',
          path: `/${index}`,
          json: {
            settings: { index: { knn: true } },
            mappings: {
              properties: {
                v: { type: 'knn_vector', dimension: 3, method: { name: 'hnsw', engine, space_type: space } },
              },
            },
          },
        });
        assert.equal(create.status, 200, create.text);
        await bulk(bulkBody(index, vectors.map((v, i) => ({ _id: String(i), v }))));
        const b = await search(index, { query: { knn: { v: { vector: query, k: vectors.length } } } });
        assert.equal(b.hits.hits.length, vectors.length);
        const byId = Object.fromEntries(b.hits.hits.map((h) => [h._id, h._score]));
        vectors.forEach((v, i) => {
          assertClose(byId[String(i)], expected[i], `${engine}/${space} doc ${JSON.stringify(v)}`);
          assertClose(byId[String(i)], expectedScore(space, query, v), `${engine}/${space} float32 formula`);
        });
        // Hits come in descending score order.
        const scores = b.hits.hits.map((h) => h._score);
        assert.deepEqual(scores, [...scores].sort((x, y) => y - x));
        // boost multiplies the score.
        const boosted = await search(index, { query: { knn: { v: { vector: query, k: 1, boost: 2 } } } });
        assertClose(boosted.hits.hits[0]._score, 2 * Math.max(...expected), `${engine}/${space} boost`);
      });
    }
  }
});

// ---------------------------------------------------------------------------------------------
describe('filters, bool and radial search', () => {
  const DIM = 8;
  const N = 500;
  const rand = rng(99);
  const docs = Array.from({ length: N }, (_, i) => ({
    _id: String(i),
    v: randomVector(rand, DIM),
    label: `l${i % 10}`,
    n: i,
  }));
  const items = docs.map((d) => ({ id: d._id, vector: d.v }));
  const query = randomVector(rand, DIM);

  before(async () => {
    for (const engine of ['faiss', 'lucene', 'nmslib']) {
      const res = await request(server.url, {
        method: 'PUT',
        path: `/filtered-${engine}`,
        json: {
          settings: { 'index.knn': true },
          mappings: {
            properties: {
              v: {
                type: 'knn_vector',
                dimension: DIM,
                method: { name: 'hnsw', engine, space_type: 'l2', parameters: { m: 16, ef_construction: 128 } },
              },
              label: { type: 'keyword' },
              n: { type: 'integer' },
            },
          },
        },
      });
      assert.equal(res.status, 200, res.text);
      await bulk(bulkBody(`filtered-${engine}`, docs));
    }
  });

  for (const engine of ['faiss', 'lucene']) {
    test(`${engine}: knn.filter returns only matching docs, k of them when at least k match`, async () => {
      const b = await search(`filtered-${engine}`, {
        size: 10,
        query: { knn: { v: { vector: query, k: 10, filter: { term: { label: 'l3' } } } } },
      });
      assert.equal(b.hits.hits.length, 10);
      for (const h of b.hits.hits) assert.equal(h._source.label, 'l3');
      const truth = bruteForceL2(items.filter((it) => Number(it.id) % 10 === 3), query, 10);
      assert.equal(b.hits.hits[0]._id, truth[0], 'nearest matching doc first');
      assert.deepEqual(b.hits.hits.map((h) => h._id).sort(), [...truth].sort());

      // A restrictive filter (3 docs) returns exactly those, nearest first.
      const few = await search(`filtered-${engine}`, {
        query: { knn: { v: { vector: query, k: 10, filter: { range: { n: { gte: 100, lt: 103 } } } } } },
      });
      assert.deepEqual(few.hits.hits.map((h) => h._id).sort(), ['100', '101', '102']);
      assert.deepEqual(few.hits.total, { value: 3, relation: 'eq' });
      for (const h of few.hits.hits) {
        assertClose(h._score, expectedScore('l2', query, docs[Number(h._id)].v), 'filtered score');
      }

      // A bool filter inside knn.filter, combining terms and range.
      const combo = await search(`filtered-${engine}`, {
        size: 5,
        query: {
          knn: {
            v: {
              vector: query,
              k: 5,
              filter: { bool: { must: [{ terms: { label: ['l1', 'l2'] } }], must_not: [{ range: { n: { lt: 250 } } }] } },
            },
          },
        },
      });
      assert.equal(combo.hits.hits.length, 5);
      for (const h of combo.hits.hits) {
        assert.ok(['l1', 'l2'].includes(h._source.label) && h._source.n >= 250, JSON.stringify(h._source));
      }
    });
  }

  for (const engine of ['faiss', 'lucene', 'nmslib']) {
    test(`${engine}: knn in bool.must with a bool.filter post-filters the k neighbours`, async () => {
      const b = await search(`filtered-${engine}`, {
        size: 50,
        query: {
          bool: {
            must: [{ knn: { v: { vector: query, k: 30 } } }],
            filter: [{ term: { label: 'l5' } }],
          },
        },
      });
      const top30 = bruteForceL2(items, query, 30);
      const expected = top30.filter((id) => Number(id) % 10 === 5);
      assert.ok(b.hits.hits.length < 30);
      assert.deepEqual(b.hits.hits.map((h) => h._id).sort(), [...expected].sort());
      for (const h of b.hits.hits) {
        assert.equal(h._source.label, 'l5');
        assertClose(h._score, expectedScore('l2', query, docs[Number(h._id)].v), 'bool score = knn score');
      }
    });
  }

  test('post_filter also applies after the k neighbours are found; method_parameters.ef_search is accepted', async () => {
    const b = await search('filtered-faiss', {
      size: 50,
      query: { knn: { v: { vector: query, k: 30, method_parameters: { ef_search: 200 } } } },
      post_filter: { term: { label: 'l5' } },
    });
    const expected = bruteForceL2(items, query, 30).filter((id) => Number(id) % 10 === 5);
    assert.deepEqual(b.hits.hits.map((h) => h._id).sort(), [...expected].sort());
  });

  for (const engine of ['faiss', 'lucene']) {
    test(`${engine}: min_score and max_distance return every doc within the threshold`, async () => {
      const dists = items.map((it) => ({ id: it.id, d: squaredL2(it.vector, query) })).sort((a, b) => a.d - b.d);
      // A threshold between the 25th and 26th nearest distances.
      const maxDistance = (dists[24].d + dists[25].d) / 2;
      const within = dists.filter((x) => x.d <= maxDistance).map((x) => x.id);
      assert.equal(within.length, 25);

      const byDistance = await search(`filtered-${engine}`, {
        size: 100,
        query: { knn: { v: { vector: query, max_distance: maxDistance } } },
      });
      assert.deepEqual(byDistance.hits.hits.map((h) => h._id).sort(), [...within].sort());
      assert.equal(byDistance.hits.total.value, 25);

      const minScore = 1 / (1 + maxDistance);
      const byScore = await search(`filtered-${engine}`, {
        size: 100,
        query: { knn: { v: { vector: query, min_score: minScore } } },
      });
      assert.deepEqual(byScore.hits.hits.map((h) => h._id).sort(), [...within].sort());
      for (const h of byScore.hits.hits) assert.ok(h._score >= minScore);

      // size limits the page; hits.total still counts everything found.
      const page = await search(`filtered-${engine}`, {
        size: 5,
        query: { knn: { v: { vector: query, min_score: minScore } } },
      });
      assert.equal(page.hits.hits.length, 5);
      assert.equal(page.hits.total.value, 25);

      // Radial search combined with a filter.
      const filtered = await search(`filtered-${engine}`, {
        size: 100,
        query: { knn: { v: { vector: query, max_distance: maxDistance, filter: { term: { label: 'l0' } } } } },
      });
      assert.deepEqual(
        filtered.hits.hits.map((h) => h._id).sort(),
        within.filter((id) => Number(id) % 10 === 0).sort(),
      );
    });
  }
});

// ---------------------------------------------------------------------------------------------
describe('deletes and vector updates', () => {
  for (const engine of ['faiss', 'nmslib', 'lucene']) {
    test(`${engine}: a deleted doc is never returned and an updated vector is found at its new place`, async () => {
      const index = `mutate-${engine}`;
      const create = await request(server.url, {
        method: 'PUT',
        path: `/${index}`,
        json: {
          settings: { 'index.knn': true },
          mappings: { properties: { v: { type: 'knn_vector', dimension: 2, method: { name: 'hnsw', engine } } } },
        },
      });
      assert.equal(create.status, 200);
      await bulk(bulkBody(index, [{ _id: '1', v: [1, 1] }, { _id: '2', v: [5, 5] }, { _id: '3', v: [9, 9] }]));
      assert.equal((await request(server.url, { method: 'DELETE', path: `/${index}/_doc/1?refresh=true` })).status, 200);
      const put = await request(server.url, { method: 'PUT', path: `/${index}/_doc/2?refresh=true`, json: { v: [100, 100] } });
      assert.equal(put.body.result, 'updated');

      const near = await search(index, { query: { knn: { v: { vector: [1, 1], k: 10 } } } });
      assert.deepEqual(near.hits.hits.map((h) => h._id), ['3', '2']);
      assert.deepEqual(near.hits.total, { value: 2, relation: 'eq' });
      assertClose(near.hits.hits[0]._score, 1 / (1 + 128), 'doc 3 score');
      assertClose(near.hits.hits[1]._score, 1 / (1 + 2 * 99 * 99), 'moved doc 2 score');
      const moved = await search(index, { query: { knn: { v: { vector: [100, 100], k: 1 } } } });
      assert.deepEqual(moved.hits.hits.map((h) => [h._id, h._score]), [['2', 1]]);
      const radial = await search(index, { query: { knn: { v: { vector: [1, 1], max_distance: 128 } } } });
      assert.deepEqual(radial.hits.hits.map((h) => h._id), ['3']);
    });
  }
});

// ---------------------------------------------------------------------------------------------
describe('knn query validation (knn.md §4.1)', () => {
  before(async () => {
    const res = await request(server.url, {
      method: 'PUT',
      path: '/validate',
      json: {
        settings: { 'index.knn': true },
        mappings: { properties: { v: { type: 'knn_vector', dimension: 3 }, t: { type: 'keyword' } } },
      },
    });
    assert.equal(res.status, 200);
    await bulk(bulkBody('validate', [{ _id: '1', v: [1, 2, 3], t: 'a' }]));
  });

  async function expect400(knnBody, reasonPattern) {
    const res = await request(server.url, {
      method: 'POST',
      path: '/validate/_search',
      json: { query: { knn: { v: knnBody } } },
    });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body.status, 400);
    assert.match(JSON.stringify(res.body.error), reasonPattern);
    return res.body;
  }

  test('k out of range (0, 10000] is 400', async () => {
    for (const k of [0, -1, 10001]) {
      const body = await expect400({ vector: [1, 2, 3], k }, /\[knn\] requires k to be in the range \(0, 10000\]/);
      assert.equal(body.error.root_cause[0].reason, '[knn] requires k to be in the range (0, 10000]');
    }
  });

  test('k together with min_score or max_distance, or none of them, is 400', async () => {
    const reason = /\[knn\] requires exactly one of k, distance or score to be set/;
    await expect400({ vector: [1, 2, 3], k: 2, min_score: 0.5 }, reason);
    await expect400({ vector: [1, 2, 3], k: 2, max_distance: 3 }, reason);
    await expect400({ vector: [1, 2, 3] }, reason);
  });

  test('a query vector of the wrong dimension is 400', async () => {
    await expect400({ vector: [1, 2], k: 2 }, /Query vector has invalid dimension: 2\. Dimension should be: 3/);
  });

  test('a document vector of the wrong dimension fails only its bulk item (400 mapper_parsing_exception)', async () => {
    const res = await request(server.url, {
      method: 'POST',
      path: '/_bulk?refresh=true',
      body: bulkBody('validate', [{ _id: 'bad', v: [1, 2] }, { _id: 'good', v: [3, 2, 1] }]),
      headers: { 'Content-Type': 'application/x-ndjson' },
    });
    assert.equal(res.body.errors, true);
    const [bad, good] = res.body.items.map((i) => i.index);
    assert.equal(bad.status, 400);
    assert.equal(bad.error.type, 'mapper_parsing_exception');
    assert.match(bad.error.reason, /^failed to parse field \[v\] of type \[knn_vector\] in document with id 'bad'/);
    assert.deepEqual(bad.error.caused_by, {
      type: 'illegal_argument_exception',
      reason: 'Vector dimension mismatch. Expected: 3, Given: 2',
    });
    assert.equal(good.status, 201);
  });

  test('a knn query on an index without index.knn is 400 "not built for ANN search"', async () => {
    const create = await request(server.url, {
      method: 'PUT',
      path: '/no-knn',
      json: { mappings: { properties: { v: { type: 'knn_vector', dimension: 3 } } } },
    });
    assert.equal(create.status, 200);
    await bulk(bulkBody('no-knn', [{ _id: '1', v: [1, 2, 3] }]));
    const res = await request(server.url, {
      method: 'POST',
      path: '/no-knn/_search',
      json: { query: { knn: { v: { vector: [1, 2, 3], k: 1 } } } },
    });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.type, 'search_phase_execution_exception');
    assert.equal(res.body.error.root_cause[0].type, 'query_shard_exception');
    assert.equal(res.body.error.root_cause[0].reason, "failed to create query: Field 'v' is not built for ANN search.");
  });

  test('min_score ≤ 0, a missing vector and a knn query on a non-vector field are 400', async () => {
    await expect400({ vector: [1, 2, 3], min_score: 0 }, /\[knn\] requires minScore to be greater than 0/);
    await expect400({ k: 2 }, /\[knn\] requires query vector/);
    const res = await request(server.url, {
      method: 'POST',
      path: '/validate/_search',
      json: { query: { knn: { t: { vector: [1, 2, 3], k: 1 } } } },
    });
    assert.equal(res.status, 400);
    assert.match(JSON.stringify(res.body.error), /Field 't' is not knn_vector type\./);
  });
});

// ---------------------------------------------------------------------------------------------
describe('restart', () => {
  test('after stop and start on the same data dir, the same knn queries give the same hits', async () => {
    const queries = [
      ['my-nlp-index', { size: 10, query: { knn: { chapter_embedding: { vector: randomVector(rng(1), 384), k: 10 } } } }],
      ['filtered-faiss', { size: 10, query: { knn: { v: { vector: randomVector(rng(2), 8), k: 10 } } } }],
      ['filtered-nmslib', { size: 10, query: { knn: { v: { vector: randomVector(rng(3), 8), k: 10 } } } }],
      ['filtered-lucene', {
        size: 10,
        query: { knn: { v: { vector: randomVector(rng(4), 8), k: 10, filter: { term: { label: 'l7' } } } } },
      }],
    ];
    const strip = (b) => b.hits.hits.map((h) => [h._id, h._score]);
    const before = [];
    for (const [index, body] of queries) before.push(strip(await search(index, body)));
    await client.close();
    const stopped = await server.stop();
    assert.equal(stopped.code, 0);
    server = await startServer({ dataDir });
    client = createClient(server.url);
    for (let i = 0; i < queries.length; i++) {
      const [index, body] = queries[i];
      assert.deepEqual(strip(await search(index, body)), before[i], `${index} after restart`);
    }
  });
});
