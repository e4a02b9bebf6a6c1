// Sorting, search_after paging, facets (terms + date_histogram), _mget and
// _msearch through the official JavaScript client, as an application paging
// and faceting over an index would use them; search-as-you-type and "did you
// mean" with the completion and term suggesters.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { createClient } from './lib/client.mjs';
import { makeTempDir, startServer } from './lib/server.mjs';

const dataDir = makeTempDir();
let server;
let client;
const N = 250;
const CATEGORIES = ['books', 'films', 'games', 'music'];
const DAY = 86400000;
const START = Date.UTC(2024, 0, 1);

function doc(i) {
  return {
    title: `item ${i}`,
    category: CATEGORIES[i % CATEGORIES.length],
    price: (i * 7) % 100,
    created: new Date(START + (i % 60) * DAY).toISOString(),
    ...(i % 10 === 0 ? {} : { rating: i % 5 }),
  };
}

before(async () => {
  server = await startServer({ dataDir });
  client = createClient(server.url);
  await client.indices.create({
    index: 'shop',
    body: {
      mappings: {
        properties: {
          title: { type: 'text' },
          category: { type: 'keyword' },
          price: { type: 'integer' },
          rating: { type: 'integer' },
          created: { type: 'date' },
        },
      },
    },
  });
  const body = [];
  for (let i = 0; i < N; i++) body.push({ index: { _index: 'shop', _id: String(i) } }, doc(i));
  const res = await client.bulk({ body, refresh: true });
  assert.equal(res.body.errors, false);
});

after(async () => {
  await client?.close();
  await server?.stop();
});

describe('sort and search_after', () => {
  test('pages through every document exactly once in sort order', async () => {
    const seen = [];
    let searchAfter;
    for (;;) {
      const res = await client.search({
        index: 'shop',
        body: {
          size: 40,
          sort: [{ price: 'desc' }, { _id: 'asc' }],
          ...(searchAfter ? { search_after: searchAfter } : {}),
        },
      });
      const hits = res.body.hits.hits;
      if (hits.length === 0) break;
      assert.equal(res.body.hits.max_score, null);
      for (const h of hits) {
        assert.equal(h._score, null);
        assert.deepEqual(h.sort, [h._source.price, h._id]);
        seen.push(h);
      }
      searchAfter = hits[hits.length - 1].sort;
    }
    assert.equal(seen.length, N);
    assert.equal(new Set(seen.map((h) => h._id)).size, N);
    for (let i = 1; i < seen.length; i++) {
      const [a, b] = [seen[i - 1], seen[i]];
      assert.ok(
        a._source.price > b._source.price || (a._source.price === b._source.price && a._id < b._id),
        `${a._id} before ${b._id}`,
      );
    }
  });

  test('dates sort as epoch millis and missing values go last', async () => {
    const res = await client.search({
      index: 'shop',
      body: { size: N, sort: [{ rating: { order: 'asc' } }, { created: 'desc' }], _source: false },
    });
    const hits = res.body.hits.hits;
    const missing = hits.filter((h) => h.sort[0] === 9223372036854775807);
    assert.equal(missing.length, N / 10);
    assert.deepEqual(hits.slice(-missing.length), missing);
    assert.equal(typeof hits[0].sort[1], 'number');
    assert.equal(hits[0].sort[0], 0);
  });

  test('sorting on a text field is refused as OpenSearch refuses it', async () => {
    await assert.rejects(
      client.search({ index: 'shop', body: { sort: ['title'] } }),
      (err) => err.meta.statusCode === 400 && /fielddata=true/.test(JSON.stringify(err.meta.body)),
    );
  });
});

describe('facets', () => {
  test('terms and date_histogram with sub-aggregations', async () => {
    const res = await client.search({
      index: 'shop',
      body: {
        size: 0,
        query: { range: { price: { gte: 50 } } },
        aggs: {
          categories: { terms: { field: 'category' }, aggs: { avg_price: { avg: { field: 'price' } } } },
          per_month: { date_histogram: { field: 'created', calendar_interval: 'month' } },
        },
      },
    });
    const matching = Array.from({ length: N }, (_, i) => doc(i)).filter((d) => d.price >= 50);
    assert.equal(res.body.hits.total.value, matching.length);
    assert.deepEqual(res.body.hits.hits, []);
    const { categories, per_month: perMonth } = res.body.aggregations;
    assert.equal(categories.sum_other_doc_count, 0);
    const expected = new Map();
    for (const d of matching) {
      const e = expected.get(d.category) ?? { count: 0, sum: 0 };
      e.count++;
      e.sum += d.price;
      expected.set(d.category, e);
    }
    const order = [...expected.entries()].sort((a, b) => b[1].count - a[1].count || (a[0] < b[0] ? -1 : 1));
    assert.deepEqual(
      categories.buckets.map((b) => [b.key, b.doc_count, b.avg_price.value]),
      order.map(([k, e]) => [k, e.count, e.sum / e.count]),
    );
    const months = new Map();
    for (const d of matching) {
      const m = d.created.slice(0, 7);
      months.set(m, (months.get(m) ?? 0) + 1);
    }
    assert.deepEqual(
      perMonth.buckets.map((b) => [b.key_as_string.slice(0, 7), b.doc_count]),
      [...months.entries()].sort(),
    );
    assert.equal(perMonth.buckets[0].key, Date.UTC(2024, 0, 1));
  });

  test('an unsupported pipeline aggregation is a 400 with a clear reason', async () => {
    await assert.rejects(
      client.search({
        index: 'shop',
        body: { size: 0, aggs: { s: { serial_diff: { buckets_path: '_count' } } } },
      }),
      (err) =>
        err.meta.statusCode === 400 &&
        err.meta.body.error.reason === 'pipeline aggregation [serial_diff] is not supported by sluice',
    );
  });

  test('a misplaced bucket_sort is OpenSearch\'s validation error', async () => {
    await assert.rejects(
      client.search({
        index: 'shop',
        body: { size: 0, aggs: { s: { bucket_sort: { size: 1 } } } },
      }),
      (err) =>
        err.meta.statusCode === 400 &&
        err.meta.body.error.type === 'action_request_validation_exception' &&
        err.meta.body.error.reason.includes('bucket_sort aggregation [s] must be declared inside of another aggregation'),
    );
  });
});

describe('_mget and _msearch', () => {
  test('mget: docs with per-doc _source, ids, and a missing document', async () => {
    const res = await client.mget({
      body: {
        docs: [
          { _index: 'shop', _id: '3', _source: ['price'] },
          { _index: 'shop', _id: 'nope' },
          { _index: 'shop', _id: '4', _source: false },
        ],
      },
    });
    const [a, b, c] = res.body.docs;
    assert.equal(a.found, true);
    assert.deepEqual(a._source, { price: 21 });
    assert.deepEqual(b, { _index: 'shop', _id: 'nope', found: false });
    assert.equal(c.found, true);
    assert.equal(c._source, undefined);
    const ids = await client.mget({ index: 'shop', body: { ids: ['1', '2'] } });
    assert.deepEqual(ids.body.docs.map((d) => d._source.title), ['item 1', 'item 2']);
  });

  test('msearch: items answer independently, errors carry their status', async () => {
    const res = await client.msearch({
      body: [
        { index: 'shop' },
        { size: 1, query: { term: { category: 'games' } } },
        { index: 'missing-index' },
        { query: { match_all: {} } },
        { index: 'shop' },
        { size: 0, aggs: { c: { cardinality: { field: 'category' } } } },
        { index: 'shop' },
        { sort: ['no_such_field'] },
      ],
    });
    const [games, missing, agg, badSort] = res.body.responses;
    assert.equal(games.status, 200);
    assert.equal(games.hits.total.value, Array.from({ length: N }, (_, i) => doc(i)).filter((d) => d.category === 'games').length);
    assert.equal(missing.status, 404);
    assert.equal(missing.error.type, 'index_not_found_exception');
    assert.equal(agg.aggregations.c.value, 4);
    assert.equal(badSort.status, 400);
    assert.equal(badSort.error.root_cause[0].reason, 'No mapping found for [no_such_field] in order to sort on');
  });
});

describe('suggest', () => {
  before(async () => {
    await client.indices.create({
      index: 'catalog',
      body: { mappings: { properties: { name: { type: 'text' }, name_suggest: { type: 'completion' } } } },
    });
    const body = [];
    const items = [['Nintendo Switch', 10], ['Nintendo DS', 3], ['Nikon camera', 5], ['Sony PlayStation', 8]];
    items.forEach(([name, weight], i) => {
      body.push({ index: { _index: 'catalog', _id: String(i) } },
        { name, name_suggest: { input: [name, name.split(' ')[1]], weight } });
    });
    const res = await client.bulk({ body, refresh: true });
    assert.equal(res.body.errors, false);
  });

  test('completion options by weight, with _source, and term corrections', async () => {
    const res = await client.search({
      index: 'catalog',
      typed_keys: false,
      body: {
        _source: ['name'],
        suggest: {
          text: 'nintedo',
          as_you_type: { prefix: 'Ni', completion: { field: 'name_suggest', size: 2 } },
          did_you_mean: { term: { field: 'name' } },
        },
      },
    });
    const [entry] = res.body.suggest.as_you_type;
    assert.deepEqual([entry.text, entry.offset, entry.length], ['Ni', 0, 2]);
    assert.deepEqual(entry.options.map((o) => [o.text, o._id, o._score, o._source.name]), [
      ['Nintendo Switch', '0', 10, 'Nintendo Switch'],
      ['Nikon camera', '2', 5, 'Nikon camera'],
    ]);
    // "nintedo" is one edit from "nintendo", in 2 documents: 1 - 1/7 as a float.
    assert.deepEqual(res.body.suggest.did_you_mean, [
      { text: 'nintedo', offset: 0, length: 7, options: [{ text: 'nintendo', score: 0.85714287, freq: 2 }] },
    ]);
  });

  test('the phrase suggester is a 400 naming it', async () => {
    await assert.rejects(
      client.search({ index: 'catalog', body: { suggest: { p: { text: 'x', phrase: { field: 'name' } } } } }),
      (err) =>
        err.meta.statusCode === 400 &&
        err.meta.body.error.reason === '[phrase] suggester is not supported by sluice yet',
    );
  });
});
