// explain through the official JS client: `explain: true` and
// GET /<index>/_explain/<id> give Lucene's BM25 tree, whose root equals the
// hit's score and whose parts recompute it (boost * idf * tf, idf from n and
// N, tf from freq, k1, b, dl, avgdl) in float32; and `_name` → matched_queries.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { createClient } from './lib/client.mjs';
import { makeTempDir, startServer } from './lib/server.mjs';

const f = Math.fround;
const dataDir = makeTempDir();
let server;
let client;

before(async () => {
  server = await startServer({ dataDir });
  client = createClient(server.url);
  await client.indices.create({ index: 'docs', body: { mappings: { properties: { body: { type: 'text' }, tag: { type: 'keyword' } } } } });
  await client.bulk({
    refresh: true,
    body: [
      { index: { _index: 'docs', _id: 'a' } }, { body: 'quick brown fox', tag: 'x' },
      { index: { _index: 'docs', _id: 'b' } }, { body: 'lazy dog and fox fox', tag: 'y' },
      { index: { _index: 'docs', _id: 'c' } }, { body: 'the dog sleeps', tag: 'x' },
    ],
  });
});

after(async () => {
  await client?.close();
  await server?.stop();
});

const near = (a, b, what) => assert.ok(Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

// Checks one "weight(field:term in doc)" node against its own inputs.
function checkTermNode(node) {
  assert.match(node.description, /^weight\(body:\w+ in \d+\) \[PerFieldSimilarity\], result of:$/);
  const [score] = node.details;
  assert.match(score.description, /^score\(freq=\d+\.0\), computed as boost \* idf \* tf from:$/);
  const [boost, idf, tf] = score.details;
  assert.equal(boost.description, 'boost');
  near(boost.value, f(2.2), 'boost (legacy k1 + 1)');
  const [n, N] = idf.details.map((d) => d.value);
  near(idf.value, f(Math.log(1 + (N - n + 0.5) / (n + 0.5))), 'idf');
  const [freq, k1, b, dl, avgdl] = tf.details.map((d) => d.value);
  assert.deepEqual(tf.details.map((d) => d.description), ['freq, occurrences of term within document',
    'k1, term saturation parameter', 'b, length normalization parameter', 'dl, length of field', 'avgdl, average length of field']);
  near(tf.value, f(freq / f(freq + f(k1 * f(f(1 - b) + f(f(b * dl) / avgdl))))), 'tf');
  near(score.value, f(f(boost.value * idf.value) * tf.value), 'boost * idf * tf');
  return node.value;
}

describe('explain', () => {
  test('explain: true gives every hit a tree whose root is its score', async () => {
    const res = await client.search({ index: 'docs', body: { explain: true, query: { match: { body: 'fox dog' } } } });
    assert.equal(res.body.hits.hits.length, 3);
    for (const hit of res.body.hits.hits) {
      const e = hit._explanation;
      assert.equal(e.value, hit._score);
      if (e.description === 'sum of:') {
        const sum = e.details.reduce((acc, d) => acc + checkTermNode(d), 0);
        near(e.value, f(sum), `sum for ${hit._id}`);
      } else {
        checkTermNode(e);
      }
    }
  });

  test('bool sums its scoring clauses', async () => {
    const res = await client.search({ index: 'docs', body: { explain: true, query: { bool: { must: [{ match: { body: 'fox' } }], filter: [{ term: { tag: 'y' } }] } } } });
    const [hit] = res.body.hits.hits;
    assert.equal(hit._id, 'b');
    assert.equal(hit._explanation.description, 'sum of:');
    near(hit._explanation.value, checkTermNode(hit._explanation.details[0]), 'must clause');
  });

  test('GET _explain/<id>: matched, not matched, missing document', async () => {
    const yes = await client.explain({ index: 'docs', id: 'a', body: { query: { term: { body: 'fox' } } } });
    assert.equal(yes.body.matched, true);
    const search = await client.search({ index: 'docs', body: { query: { term: { body: 'fox' } } } });
    assert.equal(yes.body.explanation.value, search.body.hits.hits.find((h) => h._id === 'a')._score);
    checkTermNode(yes.body.explanation);
    const no = await client.explain({ index: 'docs', id: 'c', body: { query: { term: { body: 'fox' } } } });
    assert.equal(no.body.matched, false);
    await assert.rejects(client.explain({ index: 'docs', id: 'zz', body: { query: { match_all: {} } } }),
      (err) => err.meta.statusCode === 404 && err.meta.body.matched === false);
  });
});

describe('named queries', () => {
  test('matched_queries lists the named queries a hit matches, with scores on request', async () => {
    const body = { query: { bool: { should: [
      { match: { body: { query: 'fox', _name: 'has_fox' } } },
      { term: { tag: { value: 'x', _name: 'tag_x' } } },
    ] } } };
    const res = await client.search({ index: 'docs', body });
    const byId = Object.fromEntries(res.body.hits.hits.map((h) => [h._id, h.matched_queries]));
    assert.deepEqual(byId, { a: ['has_fox', 'tag_x'], b: ['has_fox'], c: ['tag_x'] });
    const scored = await client.search({ index: 'docs', include_named_queries_score: true, body });
    const a = scored.body.hits.hits.find((h) => h._id === 'a');
    assert.equal(a.matched_queries.tag_x, 1);
    const fox = await client.search({ index: 'docs', body: { query: { match: { body: 'fox' } } } });
    assert.equal(a.matched_queries.has_fox, fox.body.hits.hits.find((h) => h._id === 'a')._score);
  });
});
