// Hybrid search through the official JS client: search pipelines with the
// neural-search normalization-processor and score-ranker-processor, each
// normalization and combination checked against scores computed here from
// neural-search's formulas (float32 at every step); pipeline selection by
// ?search_pipeline, index.search.default_pipeline and an inline definition;
// the errors of a hybrid query without a pipeline or wrapped in another query.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { createClient } from './lib/client.mjs';
import { makeTempDir, startServer } from './lib/server.mjs';

const f = Math.fround;

// pop is sub-query 1's score (function_score, boost_mode replace) for docs tagged "a";
// sub-query 2 is a knn query (l2: score 1 / (1 + d²)) with k = 4.
const DOCS = [
  { _id: '1', tag: 'a', pop: 8, vec: [1, 0] },
  { _id: '2', tag: 'a', pop: 4, vec: [3, 0] },
  { _id: '3', tag: 'a', pop: 2, vec: [9, 9] },
  { _id: '4', tag: 'b', pop: 1, vec: [1, 1] },
  { _id: '5', tag: 'b', pop: 1, vec: [2, 2] },
  { _id: '6', tag: 'b', pop: 1, vec: [0, 3] },
];
const QUERY_VEC = [1, 0];
const K = 4;

const lexical = Object.fromEntries(DOCS.filter((d) => d.tag === 'a').map((d) => [d._id, f(d.pop)]));
const knn = (() => {
  const scored = DOCS.map((d) => {
    const d2 = f(f((d.vec[0] - QUERY_VEC[0]) ** 2) + f((d.vec[1] - QUERY_VEC[1]) ** 2));
    return [d._id, f(1 / f(1 + d2))];
  }).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return Object.fromEntries(scored.slice(0, K));
})();

function normalize(technique, scores) {
  const v = Object.values(scores);
  const out = {};
  if (technique === 'min_max') {
    const min = Math.min(...v);
    const max = Math.max(...v);
    for (const [id, s] of Object.entries(scores)) {
      if (max === min && s === max) out[id] = 1;
      else {
        const n = f(f(s - min) / f(max - min));
        out[id] = n === 0 ? f(0.001) : n;
      }
    }
  } else if (technique === 'l2') {
    let sum = 0;
    for (const s of v) sum = f(sum + f(s * s));
    const norm = f(Math.sqrt(sum));
    for (const [id, s] of Object.entries(scores)) out[id] = f(s / norm);
  } else if (technique === 'z_score') {
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const sd = f(Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)));
    for (const [id, s] of Object.entries(scores)) {
      if (f(mean) === s) out[id] = Math.max(...v);
      else {
        const z = f(f(s - f(mean)) / sd);
        out[id] = z <= 0 ? f(0.001) : z;
      }
    }
  }
  return out;
}

function combine(technique, scores, weights) {
  const w = (i) => (weights ? weights[i] : 1);
  let sumW = 0;
  if (technique === 'arithmetic_mean') {
    let c = 0;
    scores.forEach((s, i) => { c = f(c + f(s * w(i))); sumW = f(sumW + w(i)); });
    return sumW === 0 ? 0 : f(c / sumW);
  }
  if (technique === 'geometric_mean') {
    let ln = 0;
    scores.forEach((s, i) => { if (s > 0) { sumW = f(sumW + w(i)); ln = f(ln + w(i) * Math.log(s)); } });
    return sumW === 0 ? 0 : f(Math.exp(f(ln / sumW)));
  }
  let h = 0;
  scores.forEach((s, i) => { if (s > 0) { sumW = f(sumW + w(i)); h = f(h + f(w(i) / s)); } });
  return h > 0 ? f(sumW / h) : 0;
}

function expected(normalization, combination, weights) {
  const n = [normalize(normalization, lexical), normalize(normalization, knn)];
  const ids = new Set([...Object.keys(lexical), ...Object.keys(knn)]);
  return [...ids]
    .map((id) => [id, combine(combination, n.map((m) => m[id] ?? 0), weights)])
    .sort((a, b) => b[1] - a[1] || Number(a[0]) - Number(b[0]));
}

function rrfExpected(rankConstant) {
  const rank = (scores) => Object.fromEntries(Object.entries(scores)
    .sort((a, b) => b[1] - a[1] || Number(a[0]) - Number(b[0]))
    .map(([id], i) => [id, f(1 / (rankConstant + i + 1))]));
  const r = [rank(lexical), rank(knn)];
  const ids = new Set([...Object.keys(lexical), ...Object.keys(knn)]);
  return [...ids].map((id) => [id, f((r[0][id] ?? 0) + (r[1][id] ?? 0))])
    .sort((a, b) => b[1] - a[1] || Number(a[0]) - Number(b[0]));
}

const HYBRID = {
  hybrid: {
    queries: [
      { function_score: { query: { term: { tag: 'a' } }, field_value_factor: { field: 'pop' }, boost_mode: 'replace' } },
      { knn: { vec: { vector: QUERY_VEC, k: K } } },
    ],
  },
};

const dataDir = makeTempDir();
let server;
let client;

before(async () => {
  server = await startServer({ dataDir });
  client = createClient(server.url);
  await client.indices.create({
    index: 'items',
    body: {
      settings: { 'index.knn': true },
      mappings: { properties: { tag: { type: 'keyword' }, pop: { type: 'integer' }, vec: { type: 'knn_vector', dimension: 2 } } },
    },
  });
  await client.bulk({ refresh: true, body: DOCS.flatMap(({ _id, ...doc }) => [{ index: { _index: 'items', _id } }, doc]) });
});

after(async () => {
  await client?.close();
  await server?.stop();
});

async function putPipeline(id, processor) {
  const res = await client.searchPipeline.put({ id, body: { description: id, phase_results_processors: [processor] } });
  assert.equal(res.body.acknowledged, true);
}

function assertHits(res, want, what) {
  const got = res.body.hits.hits.map((h) => [h._id, h._score]);
  assert.deepEqual(got.map(([id]) => id), want.map(([id]) => id), `${what}: order`);
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(got[i][1] - want[i][1]) <= 1e-6 * Math.max(1, Math.abs(want[i][1])),
      `${what}: doc ${got[i][0]} score ${got[i][1]}, expected ${want[i][1]}`);
  }
  assert.equal(res.body.hits.total.value, want.length, `${what}: total`);
  assert.ok(Math.abs(res.body.hits.max_score - want[0][1]) <= 1e-6, `${what}: max_score`);
}

describe('hybrid query with a normalization-processor', () => {
  for (const normalization of ['min_max', 'l2', 'z_score']) {
    for (const combination of ['arithmetic_mean', 'geometric_mean', 'harmonic_mean']) {
      test(`${normalization} + ${combination} with weights`, async () => {
        const id = `p-${normalization}-${combination}`;
        const weights = [0.3, 0.7];
        await putPipeline(id, {
          'normalization-processor': {
            normalization: { technique: normalization },
            combination: { technique: combination, parameters: { weights } },
          },
        });
        const res = await client.search({ index: 'items', search_pipeline: id, body: { query: HYBRID } });
        assertHits(res, expected(normalization, combination, weights.map(f)), id);
      });
    }
  }

  test('the defaults are min_max and arithmetic_mean with equal weights', async () => {
    await putPipeline('defaults', { 'normalization-processor': {} });
    const res = await client.search({ index: 'items', search_pipeline: 'defaults', body: { query: HYBRID } });
    assertHits(res, expected('min_max', 'arithmetic_mean'), 'defaults');
    // Doc 4 is only in the knn list: arithmetic_mean counts the lexical side as 0.
    const four = res.body.hits.hits.find((h) => h._id === '4');
    const n = normalize('min_max', knn);
    assert.ok(Math.abs(four._score - f(n['4'] / 2)) < 1e-6);
  });

  test('from/size page the combined list with pagination_depth', async () => {
    const all = expected('min_max', 'arithmetic_mean');
    const query = { hybrid: { ...HYBRID.hybrid, pagination_depth: 10 } };
    const res = await client.search({ index: 'items', search_pipeline: 'defaults', body: { query, from: 2, size: 2 } });
    assert.deepEqual(res.body.hits.hits.map((h) => h._id), all.slice(2, 4).map(([id]) => id));
    await assert.rejects(
      client.search({ index: 'items', search_pipeline: 'defaults', body: { query: HYBRID, from: 2 } }),
      (err) => err.meta.statusCode === 400 && /pagination_depth param is missing/.test(JSON.stringify(err.meta.body)));
  });

  test('index.search.default_pipeline applies, ?search_pipeline=_none turns it off', async () => {
    await client.indices.putSettings({ index: 'items', body: { 'index.search.default_pipeline': 'defaults' } });
    const settings = await client.indices.getSettings({ index: 'items' });
    assert.equal(settings.body.items.settings.index.search.default_pipeline, 'defaults');
    const res = await client.search({ index: 'items', body: { query: HYBRID } });
    assertHits(res, expected('min_max', 'arithmetic_mean'), 'default pipeline');
    await assert.rejects(client.search({ index: 'items', search_pipeline: '_none', body: { query: HYBRID } }),
      (err) => err.meta.statusCode === 400);
    // Reset, so that later tests search 'items' without a pipeline again.
    await client.indices.putSettings({ index: 'items', body: { 'index.search.default_pipeline': null } });
    const reset = await client.indices.getSettings({ index: 'items' });
    assert.equal(reset.body.items.settings.index.search?.default_pipeline, undefined);
  });

  test('an inline search_pipeline in the body', async () => {
    const res = await client.search({
      index: 'items',
      body: {
        query: HYBRID,
        search_pipeline: { phase_results_processors: [{ 'normalization-processor': { normalization: { technique: 'l2' } } }] },
      },
    });
    assertHits(res, expected('l2', 'arithmetic_mean'), 'inline');
  });
});

describe('score-ranker-processor (RRF)', () => {
  for (const rankConstant of [60, 5]) {
    test(`rank_constant ${rankConstant}`, async () => {
      const id = `rrf-${rankConstant}`;
      await putPipeline(id, { 'score-ranker-processor': { combination: { technique: 'rrf', parameters: { rank_constant: rankConstant } } } });
      const res = await client.search({ index: 'items', search_pipeline: id, body: { query: HYBRID } });
      assertHits(res, rrfExpected(rankConstant), id);
    });
  }
});

describe('pipelines and errors', () => {
  test('GET shows pipelines as put, DELETE removes them, unknown ones are 404', async () => {
    const got = await client.searchPipeline.get({ id: 'defaults' });
    assert.deepEqual(got.body.defaults, { description: 'defaults', phase_results_processors: [{ 'normalization-processor': {} }] });
    await client.searchPipeline.put({ id: 'gone', body: { description: 'x' } });
    await client.searchPipeline.delete({ id: 'gone' });
    await assert.rejects(client.searchPipeline.get({ id: 'gone' }), (err) => err.meta.statusCode === 404);
    await assert.rejects(client.searchPipeline.delete({ id: 'gone' }), (err) => err.meta.statusCode === 404);
  });

  test('pipelines survive a restart', async () => {
    await server.stop();
    server = await startServer({ dataDir });
    await client.close();
    client = createClient(server.url);
    const res = await client.search({ index: 'items', search_pipeline: 'p-l2-harmonic_mean', body: { query: HYBRID } });
    assertHits(res, expected('l2', 'harmonic_mean', [f(0.3), f(0.7)]), 'after restart');
  });

  test('invalid pipelines are refused as neural-search refuses them', async () => {
    const bad = async (processor, pattern) => assert.rejects(
      client.searchPipeline.put({ id: 'bad', body: { phase_results_processors: [processor] } }),
      (err) => err.meta.statusCode === 400 && pattern.test(err.meta.body.error.reason));
    await bad({ 'normalization-processor': { combination: { parameters: { weights: [0.5, 0.6] } } } },
      /sum of weights for combination must be equal to 1.0/);
    await bad({ 'normalization-processor': { normalization: { technique: 'softmax' } } },
      /provided normalization technique is not supported/);
    await bad({ 'score-ranker-processor': { combination: { parameters: { rank_constant: 0 } } } },
      /rank constant must be in the interval between 1 and 10000/);
  });

  test('weights that do not match the sub-queries fail the search', async () => {
    await putPipeline('three', { 'normalization-processor': { combination: { parameters: { weights: [0.2, 0.3, 0.5] } } } });
    await assert.rejects(client.search({ index: 'items', search_pipeline: 'three', body: { query: HYBRID } }),
      (err) => err.meta.statusCode === 400 &&
        err.meta.body.error.reason === 'number of weights [3] must match number of sub-queries [2] in hybrid query');
  });

  test('hybrid without a pipeline, nested, or with an unknown pipeline is a 400', async () => {
    await assert.rejects(client.search({ index: 'items', body: { query: HYBRID } }),
      (err) => err.meta.statusCode === 400 && /search pipeline/.test(err.meta.body.error.reason));
    await assert.rejects(
      client.search({ index: 'items', search_pipeline: 'defaults', body: { query: { bool: { should: [HYBRID] } } } }),
      (err) => err.meta.statusCode === 400 &&
        err.meta.body.error.caused_by.reason === 'hybrid query must be a top level query and cannot be wrapped into other queries');
    await assert.rejects(client.search({ index: 'items', search_pipeline: 'nope', body: { query: HYBRID } }),
      (err) => err.meta.statusCode === 400 && err.meta.body.error.reason === 'Pipeline nope is not defined');
  });

  test('a non-hybrid query runs unchanged through a normalization pipeline', async () => {
    const res = await client.search({ index: 'items', search_pipeline: 'defaults', body: { query: { term: { tag: 'b' } } } });
    assert.equal(res.body.hits.total.value, 3);
    assert.ok(res.body.hits.hits.every((h) => h._score === 1));
  });
});
