// The OpenSearch-compatible core through the official client and raw HTTP:
// index lifecycle, mappings, bulk, the query DSL basics, document CRUD with
// versions, the error shapes of rest-api.md §1, transport rules (405, 400, 413,
// gzip request bodies), _cat/indices and _cluster/health.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';

import { createClient } from './lib/client.mjs';
import { request } from './lib/http.mjs';
import { startServer } from './lib/server.mjs';

const INDEX = 'foundation';
const N = 10_000;
const COLORS = ['red', 'green', 'blue', 'yellow'];
const CITIES = ['paris', 'tokyo'];
const PAD = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor '.repeat(9);
const T0 = Date.UTC(2024, 0, 1);

const MAPPINGS = {
  properties: {
    tag: { type: 'keyword' },
    title: { type: 'text' },
    count: { type: 'integer' },
    big: { type: 'long' },
    price: { type: 'float' },
    ratio: { type: 'double' },
    active: { type: 'boolean' },
    created: { type: 'date' },
    optional: { type: 'keyword' },
    notes: { type: 'text' },
    owner: {
      properties: {
        name: { type: 'keyword' },
        address: { properties: { city: { type: 'keyword' }, zip: { type: 'integer' } } },
      },
    },
    embedding: { type: 'knn_vector', dimension: 4 },
  },
};

function makeDoc(i) {
  const doc = {
    tag: COLORS[i % 4],
    title: `document number ${i} about ${COLORS[i % 4]} things`,
    count: i,
    big: 10_000_000_000 + i,
    price: (i % 100) + 0.5,
    ratio: i / 10_000,
    active: i % 2 === 0,
    created: new Date(T0 + i * 3_600_000).toISOString(),
    owner: { name: `owner${i % 10}`, address: { city: CITIES[i % 2], zip: i % 1000 } },
    embedding: [i % 7, (i % 11) / 10, 1, 0 - (i % 3)],
    notes: PAD,
  };
  if (i % 1000 === 0) doc.optional = 'present';
  return doc;
}

const DOCS = Array.from({ length: N }, (_, i) => makeDoc(i));

function idsWhere(pred) {
  const out = [];
  DOCS.forEach((d, i) => {
    if (pred(d, i)) out.push(String(i));
  });
  return out.sort();
}

let server;
let client;

before(async () => {
  server = await startServer();
  client = createClient(server.url);
});

after(async () => {
  await client?.close();
  await server?.stop();
});

async function searchIds(query, extra = {}) {
  const res = await client.search({ index: INDEX, body: { query, size: N, _source: false, ...extra } });
  return { ids: res.body.hits.hits.map((h) => h._id).sort(), body: res.body };
}

test('GET / reports the opensearch distribution, a semver number and the tagline', async () => {
  const res = await client.info();
  assert.equal(res.statusCode, 200);
  assert.equal(res.body.version.distribution, 'opensearch');
  assert.match(res.body.version.number, /^\d+\.\d+\.\d+$/);
  assert.equal(typeof res.body.cluster_name, 'string');
  assert.match(res.body.cluster_uuid, /^[A-Za-z0-9_-]{22}$/);
  assert.equal(res.body.tagline, 'The OpenSearch Project: https://opensearch.org/');
});

describe('index with typed mappings and 10,000 bulk-loaded documents', () => {
  test('create index answers acknowledged with the index name', async () => {
    const res = await client.indices.create({
      index: INDEX,
      body: { settings: { index: { number_of_shards: 1, number_of_replicas: 0, knn: true } }, mappings: MAPPINGS },
    });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.body, { acknowledged: true, shards_acknowledged: true, index: INDEX });
  });

  test('GET _mapping returns the mappings as given, including nested object properties', async () => {
    const res = await client.indices.getMapping({ index: INDEX });
    assert.deepEqual(res.body, { [INDEX]: { mappings: MAPPINGS } });
  });

  test('GET _settings returns index settings as strings nested under index', async () => {
    const res = await client.indices.getSettings({ index: INDEX });
    const s = res.body[INDEX].settings.index;
    assert.equal(s.number_of_shards, '1');
    assert.equal(s.number_of_replicas, '0');
    assert.equal(s.knn, 'true');
    assert.equal(s.provided_name, INDEX);
    assert.equal(typeof s.uuid, 'string');
    assert.match(s.creation_date, /^\d+$/);
  });

  test('client.bulk of 10,000 ~1 KB documents succeeds item by item', async () => {
    assert.ok(JSON.stringify(DOCS[0]).length >= 900, 'documents are about 1 KB');
    const body = DOCS.flatMap((doc, i) => [{ index: { _index: INDEX, _id: String(i) } }, doc]);
    const res = await client.bulk({ body, refresh: 'true' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body.errors, false);
    assert.equal(res.body.items.length, N);
    assert.equal(typeof res.body.took, 'number');
    res.body.items.forEach((item, i) => {
      assert.equal(item.index._id, String(i));
      assert.equal(item.index.status, 201);
      assert.equal(item.index.result, 'created');
      assert.equal(item.index._version, 1);
    });
  });

  test('count is 10000', async () => {
    const res = await client.count({ index: INDEX });
    assert.equal(res.body.count, N);
    assert.deepEqual(res.body._shards, { total: 1, successful: 1, skipped: 0, failed: 0 });
  });

  test('match_all reports hits.total 10000 eq and the standard response shape', async () => {
    const res = await client.search({ index: INDEX, body: { query: { match_all: {} } } });
    const b = res.body;
    assert.equal(b.timed_out, false);
    assert.deepEqual(b._shards, { total: 1, successful: 1, skipped: 0, failed: 0 });
    assert.deepEqual(b.hits.total, { value: N, relation: 'eq' });
    assert.equal(b.hits.max_score, 1);
    assert.equal(b.hits.hits.length, 10);
    for (const h of b.hits.hits) {
      assert.equal(h._index, INDEX);
      assert.equal(h._score, 1);
      assert.deepEqual(h._source, DOCS[Number(h._id)]);
    }
  });

  test('bool must/filter/must_not selects exactly the matching documents', async () => {
    const { ids, body } = await searchIds({
      bool: {
        must: [{ term: { tag: 'red' } }],
        filter: { range: { count: { gte: 1000, lt: 2000 } } },
        must_not: [{ terms: { 'owner.name': ['owner0'] } }],
        should: [{ range: { price: { lt: 10 } } }],
      },
    });
    const expected = idsWhere((d, i) => d.tag === 'red' && i >= 1000 && i < 2000 && d.owner.name !== 'owner0');
    assert.equal(expected.length, 200);
    assert.deepEqual(ids, expected);
    assert.deepEqual(body.hits.total, { value: 200, relation: 'eq' });
  });

  test('bool with only should clauses needs one of them to match', async () => {
    const { ids } = await searchIds({
      bool: { should: [{ term: { tag: 'red' } }, { term: { 'owner.address.city': 'tokyo' } }] },
    });
    assert.deepEqual(ids, idsWhere((d) => d.tag === 'red' || d.owner.address.city === 'tokyo'));
  });

  test('should clauses add to the score of a must match', async () => {
    const res = await client.search({
      index: INDEX,
      body: {
        size: 20,
        query: {
          bool: {
            filter: [{ range: { count: { lt: 20 } } }],
            should: [{ term: { tag: 'blue' } }],
          },
        },
      },
    });
    const hits = res.body.hits.hits;
    assert.equal(hits.length, 20);
    const blue = hits.filter((h) => DOCS[Number(h._id)].tag === 'blue');
    assert.equal(blue.length, 5);
    // Matching the should clause ranks above documents that only pass the filter.
    assert.deepEqual(hits.slice(0, 5).map((h) => h._id).sort(), blue.map((h) => h._id).sort());
    assert.ok(hits[0]._score > hits[19]._score);
  });

  test('range on integer, long, float and double fields', async () => {
    assert.deepEqual((await searchIds({ range: { count: { gt: 9989 } } })).ids, idsWhere((d, i) => i > 9989));
    assert.deepEqual(
      (await searchIds({ range: { big: { gte: 10_000_009_990 } } })).ids,
      idsWhere((d) => d.big >= 10_000_009_990),
    );
    assert.deepEqual((await searchIds({ range: { price: { gte: 99 } } })).ids, idsWhere((d) => d.price >= 99));
    assert.deepEqual((await searchIds({ range: { ratio: { lt: 0.001 } } })).ids, idsWhere((d) => d.ratio < 0.001));
  });

  test('range on a date field with ISO strings', async () => {
    const { ids } = await searchIds({
      range: { created: { gte: '2024-01-02T00:00:00Z', lt: '2024-01-03T00:00:00.000Z' } },
    });
    const lo = Date.UTC(2024, 0, 2);
    const hi = Date.UTC(2024, 0, 3);
    const expected = idsWhere((d) => Date.parse(d.created) >= lo && Date.parse(d.created) < hi);
    assert.equal(expected.length, 24);
    assert.deepEqual(ids, expected);
  });

  test('term on keyword and boolean, terms, exists and ids', async () => {
    assert.deepEqual((await searchIds({ term: { tag: 'blue' } })).ids, idsWhere((d) => d.tag === 'blue'));
    assert.deepEqual((await searchIds({ term: { active: false } })).ids, idsWhere((d) => !d.active));
    assert.deepEqual(
      (await searchIds({ terms: { 'owner.name': ['owner1', 'owner2'] } })).ids,
      idsWhere((d) => d.owner.name === 'owner1' || d.owner.name === 'owner2'),
    );
    assert.deepEqual((await searchIds({ exists: { field: 'optional' } })).ids, idsWhere((d) => 'optional' in d));
    assert.deepEqual((await searchIds({ ids: { values: ['1', '2', 'no-such-id'] } })).ids, ['1', '2']);
  });

  test('size and from page through the same ordering', async () => {
    const all = await client.search({ index: INDEX, body: { query: { term: { tag: 'green' } }, size: 30 } });
    const page = await client.search({
      index: INDEX,
      body: { query: { term: { tag: 'green' } }, size: 5, from: 20 },
    });
    assert.equal(page.body.hits.hits.length, 5);
    assert.deepEqual(
      page.body.hits.hits.map((h) => h._id),
      all.body.hits.hits.slice(20, 25).map((h) => h._id),
    );
    assert.deepEqual(page.body.hits.total, { value: 2500, relation: 'eq' });
    const none = await client.search({ index: INDEX, body: { query: { match_all: {} }, size: 0 } });
    assert.deepEqual(none.body.hits.hits, []);
    assert.deepEqual(none.body.hits.total, { value: N, relation: 'eq' });
  });

  test('_source includes and excludes with wildcards', async () => {
    const res = await client.search({
      index: INDEX,
      body: {
        query: { ids: { values: ['7'] } },
        _source: { includes: ['owner.*', 'count'], excludes: ['owner.address'] },
      },
    });
    assert.deepEqual(res.body.hits.hits[0]._source, { count: 7, owner: { name: 'owner7' } });
    const off = await client.search({ index: INDEX, body: { query: { ids: { values: ['7'] } }, _source: false } });
    assert.equal(off.body.hits.hits[0]._source, undefined);
    const excl = await client.search({
      index: INDEX,
      body: { query: { ids: { values: ['7'] } }, _source: { excludes: ['notes', 'embedding', 'owner'] } },
    });
    const { notes, embedding, owner, ...rest } = DOCS[7];
    assert.deepEqual(excl.body.hits.hits[0]._source, rest);
  });

  test('a no-match search has max_score null and no hits', async () => {
    const res = await client.search({ index: INDEX, body: { query: { term: { tag: 'purple' } } } });
    assert.deepEqual(res.body.hits, { total: { value: 0, relation: 'eq' }, max_score: null, hits: [] });
  });
});

describe('document CRUD with versions', () => {
  const idx = 'crud';

  test('index, get, update (merge), re-index, delete and the version sequence', async () => {
    const put = await client.index({ index: idx, id: 'd1', body: { a: 1, b: { c: 2 } } });
    assert.equal(put.statusCode, 201);
    assert.equal(put.body.result, 'created');
    assert.equal(put.body._version, 1);
    assert.equal(put.body._id, 'd1');
    assert.equal(put.body._index, idx);
    assert.equal(put.body._primary_term, 1);
    assert.equal(typeof put.body._seq_no, 'number');

    const got = await client.get({ index: idx, id: 'd1' });
    assert.equal(got.body.found, true);
    assert.equal(got.body._version, 1);
    assert.deepEqual(got.body._source, { a: 1, b: { c: 2 } });

    const upd = await client.update({ index: idx, id: 'd1', body: { doc: { b: { d: 3 }, e: 4 } } });
    assert.equal(upd.statusCode, 200);
    assert.equal(upd.body.result, 'updated');
    assert.equal(upd.body._version, 2);
    assert.ok(upd.body._seq_no > put.body._seq_no);
    const merged = await client.get({ index: idx, id: 'd1' });
    assert.deepEqual(merged.body._source, { a: 1, b: { c: 2, d: 3 }, e: 4 });
    assert.equal(merged.body._version, 2);

    const reput = await client.index({ index: idx, id: 'd1', body: { z: true } });
    assert.equal(reput.statusCode, 200);
    assert.equal(reput.body.result, 'updated');
    assert.equal(reput.body._version, 3);
    assert.deepEqual((await client.get({ index: idx, id: 'd1' })).body._source, { z: true });

    const del = await client.delete({ index: idx, id: 'd1' });
    assert.equal(del.statusCode, 200);
    assert.equal(del.body.result, 'deleted');
    assert.equal(del.body._version, 4);

    const gone = await request(server.url, { path: `/${idx}/_doc/d1` });
    assert.equal(gone.status, 404);
    assert.deepEqual(gone.body, { _index: idx, _id: 'd1', found: false });

    const again = await request(server.url, { method: 'DELETE', path: `/${idx}/_doc/d1` });
    assert.equal(again.status, 404);
    assert.equal(again.body.result, 'not_found');
  });

  test('update of a missing document is 404 document_missing_exception', async () => {
    const res = await request(server.url, { method: 'POST', path: `/${idx}/_update/nope`, json: { doc: { a: 1 } } });
    assert.equal(res.status, 404);
    assert.equal(res.body.error.type, 'document_missing_exception');
    assert.equal(res.body.error.reason, '[nope]: document missing');
    assert.equal(res.body.status, 404);
  });

  test('upserts create the index and the document; an unchanged update is a noop', async () => {
    const up = await client.update({ index: 'upserted', id: 'u1', body: { doc: { a: 1 }, doc_as_upsert: true } });
    assert.equal(up.statusCode, 201);
    assert.equal(up.body.result, 'created');
    assert.equal(up.body._version, 1);
    const withUpsert = await client.update({ index: 'upserted', id: 'u2', body: { doc: { a: 1 }, upsert: { b: 2 } } });
    assert.equal(withUpsert.body.result, 'created');
    assert.deepEqual((await client.get({ index: 'upserted', id: 'u2' })).body._source, { b: 2 });
    const applied = await client.update({ index: 'upserted', id: 'u2', body: { doc: { a: 1 }, upsert: { b: 3 } } });
    assert.equal(applied.body.result, 'updated');
    assert.deepEqual((await client.get({ index: 'upserted', id: 'u2' })).body._source, { b: 2, a: 1 });
    const noop = await client.update({ index: 'upserted', id: 'u1', body: { doc: { a: 1 } } });
    assert.equal(noop.statusCode, 200);
    assert.equal(noop.body.result, 'noop');
    assert.equal(noop.body._version, 1);
    assert.deepEqual(noop.body._shards, { total: 0, successful: 0, failed: 0 });
  });

  test('if_seq_no/if_primary_term writes succeed when current and conflict with 409 otherwise', async () => {
    const first = await client.index({ index: idx, id: 'cas', body: { n: 1 } });
    const { _seq_no: seq, _primary_term: term } = first.body;
    const ok = await client.index({ index: idx, id: 'cas', body: { n: 2 }, if_seq_no: seq, if_primary_term: term });
    assert.equal(ok.body.result, 'updated');
    const stale = await request(server.url, {
      method: 'PUT',
      path: `/${idx}/_doc/cas?if_seq_no=${seq}&if_primary_term=${term}`,
      json: { n: 3 },
    });
    assert.equal(stale.status, 409);
    assert.equal(stale.body.error.type, 'version_conflict_engine_exception');
    assert.equal(
      stale.body.error.reason,
      `[cas]: version conflict, required seqNo [${seq}], primary term [${term}]. ` +
        `current document has seqNo [${ok.body._seq_no}] and primary term [${term}]`,
    );
    assert.deepEqual((await client.get({ index: idx, id: 'cas' })).body._source, { n: 2 });
  });

  test('_create on an existing id is 409 version_conflict_engine_exception', async () => {
    const first = await client.create({ index: idx, id: 'c1', body: { v: 1 } });
    assert.equal(first.statusCode, 201);
    const res = await request(server.url, { method: 'PUT', path: `/${idx}/_create/c1`, json: { v: 2 } });
    assert.equal(res.status, 409);
    assert.equal(res.body.status, 409);
    const e = res.body.error;
    assert.equal(e.type, 'version_conflict_engine_exception');
    assert.equal(e.reason, '[c1]: version conflict, document already exists (current version [1])');
    assert.equal(e.index, idx);
    assert.equal(e.root_cause[0].type, 'version_conflict_engine_exception');
    // The official client raises it as a ResponseError with the status.
    await assert.rejects(client.create({ index: idx, id: 'c1', body: { v: 3 } }), (err) => {
      assert.equal(err.meta.statusCode, 409);
      assert.match(err.message, /version_conflict_engine_exception/);
      return true;
    });
    assert.deepEqual((await client.get({ index: idx, id: 'c1' })).body._source, { v: 1 });
  });
});

describe('error shapes (rest-api.md §1)', () => {
  test('missing index: 404 index_not_found_exception with its metadata', async () => {
    const res = await request(server.url, { path: '/nope/_search' });
    assert.equal(res.status, 404);
    const cause = {
      type: 'index_not_found_exception',
      reason: 'no such index [nope]',
      index: 'nope',
      'resource.id': 'nope',
      'resource.type': 'index_or_alias',
      index_uuid: '_na_',
    };
    assert.deepEqual(res.body, { error: { root_cause: [cause], ...cause }, status: 404 });
    assert.match(res.headers['content-type'], /^application\/json/);
  });

  test('creating an existing index: 400 resource_already_exists_exception', async () => {
    await client.indices.create({ index: 'dup' });
    const uuid = (await client.indices.getSettings({ index: 'dup' })).body.dup.settings.index.uuid;
    const res = await request(server.url, { method: 'PUT', path: '/dup' });
    assert.equal(res.status, 400);
    const e = res.body.error;
    assert.equal(e.type, 'resource_already_exists_exception');
    assert.equal(e.reason, `index [dup/${uuid}] already exists`);
    assert.equal(e.index, 'dup');
    assert.equal(e.index_uuid, uuid);
    assert.equal(e.root_cause[0].type, 'resource_already_exists_exception');
  });

  test('upper-case index name: 400 invalid_index_name_exception', async () => {
    const res = await request(server.url, { method: 'PUT', path: '/Foo' });
    assert.equal(res.status, 400);
    const cause = {
      type: 'invalid_index_name_exception',
      reason: 'Invalid index name [Foo], must be lowercase',
      index_uuid: '_na_',
      index: 'Foo',
    };
    assert.deepEqual(res.body, { error: { root_cause: [cause], ...cause }, status: 400 });
  });

  test('a string in an integer field fails only that bulk item with mapper_parsing_exception', async () => {
    await client.indices.create({ index: 'typed', body: { mappings: { properties: { n: { type: 'integer' } } } } });
    const res = await client.bulk({
      body: [
        { index: { _index: 'typed', _id: '1' } },
        { n: 1 },
        { index: { _index: 'typed', _id: '2' } },
        { n: 'abc' },
        { index: { _index: 'typed', _id: '3' } },
        { n: 3 },
      ],
      refresh: 'true',
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body.errors, true);
    const [a, b, c] = res.body.items.map((it) => it.index);
    assert.equal(a.status, 201);
    assert.equal(c.status, 201);
    assert.equal(b.status, 400);
    assert.equal(b._id, '2');
    assert.equal(b._index, 'typed');
    assert.equal(b.error.type, 'mapper_parsing_exception');
    assert.match(b.error.reason, /failed to parse field \[n\] of type \[integer\] in document with id '2'/);
    assert.equal(a.error, undefined);
    assert.equal((await client.count({ index: 'typed' })).body.count, 2);
  });

  test('an unknown query: 400 parsing_exception "unknown query [foo]"', async () => {
    const res = await request(server.url, {
      method: 'POST',
      path: `/${INDEX}/_search`,
      json: { query: { foo: {} } },
    });
    assert.equal(res.status, 400);
    assert.equal(res.body.status, 400);
    assert.equal(res.body.error.type, 'parsing_exception');
    assert.equal(res.body.error.reason, 'unknown query [foo]');
    assert.equal(res.body.error.root_cause[0].type, 'parsing_exception');
  });
  test('from + size over the result window: 400 search_phase_execution_exception, IAE root cause', async () => {
    const res = await request(server.url, {
      method: 'POST',
      path: `/${INDEX}/_search`,
      json: { query: { match_all: {} }, from: 10, size: 10_000 },
    });
    assert.equal(res.status, 400);
    const e = res.body.error;
    const reason =
      'Result window is too large, from + size must be less than or equal to: [10000] but was [10010]. ' +
      'See the scroll api for a more efficient way to request large data sets. This limit can be set by ' +
      'changing the [index.max_result_window] index level setting.';
    assert.equal(e.type, 'search_phase_execution_exception');
    assert.equal(e.reason, 'all shards failed');
    assert.equal(e.phase, 'query');
    assert.equal(e.grouped, true);
    // OpenSearch reports the shard failure's cause as the root cause, even a plain Java exception.
    assert.deepEqual(e.root_cause, [{ type: 'illegal_argument_exception', reason }]);
    assert.equal(e.caused_by.type, 'illegal_argument_exception');
    assert.equal(e.caused_by.reason, reason);
  });

  test('an unknown top-level search key names its JSON token', async () => {
    const res = await request(server.url, {
      method: 'POST',
      path: `/${INDEX}/_search`,
      json: { query: { match_all: {} }, foo: 1 },
    });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.type, 'parsing_exception');
    assert.equal(res.body.error.reason, 'Unknown key for a VALUE_NUMBER in [foo].');
  });
});

describe('auto-created indices, index names and request-level errors', () => {
  test('indexing into a missing index creates it with dynamic mappings (arrays of floats are float)', async () => {
    const res = await request(server.url, {
      method: 'POST',
      path: '/auto/_doc?refresh=true',
      json: { s: 'hello', n: 1, f: 1.5, b: true, d: '2024-01-01T00:00:00Z', o: { x: 'y' }, arr: [1.5, 2.5] },
    });
    assert.equal(res.status, 201);
    assert.match(res.body._id, /^[A-Za-z0-9_-]{20}$/);
    const mapping = await client.indices.getMapping({ index: 'auto' });
    const text = { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } };
    assert.deepEqual(mapping.body.auto.mappings.properties, {
      s: text,
      n: { type: 'long' },
      f: { type: 'float' },
      b: { type: 'boolean' },
      d: { type: 'date' },
      o: { properties: { x: text } },
      arr: { type: 'float' },
    });
    const exists = await client.indices.exists({ index: 'auto' });
    assert.equal(exists.body, true);
    const byKeyword = await client.search({ index: 'auto', body: { query: { term: { 's.keyword': 'hello' } } } });
    assert.equal(byKeyword.body.hits.total.value, 1);
  });

  test('index names with forbidden characters or a leading - are 400 invalid_index_name_exception', async () => {
    const cases = [
      ['/a%20b', 'a b', 'must not contain the following characters [ , ", *, \\, <, |, ,, >, /, ?]'],
      ['/a,b', 'a,b', 'must not contain the following characters [ , ", *, \\, <, |, ,, >, /, ?]'],
      ['/-a', '-a', "must not start with '_', '-', or '+'"],
      ['/a:b', 'a:b', "must not contain ':'"],
    ];
    for (const [path, name, desc] of cases) {
      const res = await request(server.url, { method: 'PUT', path });
      assert.equal(res.status, 400, path);
      assert.equal(res.body.error.type, 'invalid_index_name_exception');
      assert.equal(res.body.error.reason, `Invalid index name [${name}], ${desc}`);
      assert.equal(res.body.error.index, name);
    }
  });

  test('bulk bodies without a final newline or with an unknown action are rejected whole', async () => {
    const ndjson = { 'Content-Type': 'application/x-ndjson' };
    const noNewline = await request(server.url, {
      method: 'POST',
      path: '/_bulk',
      body: '{"index":{"_index":"x"}}\n{"a":1}',
      headers: ndjson,
    });
    assert.equal(noNewline.status, 400);
    assert.equal(noNewline.body.error.type, 'illegal_argument_exception');
    assert.equal(noNewline.body.error.reason, 'The bulk request must be terminated by a newline [\\n]');
    const unknown = await request(server.url, { method: 'POST', path: '/_bulk', body: '{"foo":{"_index":"x"}}\n', headers: ndjson });
    assert.equal(unknown.status, 400);
    assert.equal(
      unknown.body.error.reason,
      'Malformed action/metadata line [1], expected one of [create, delete, index, update] but found [foo]',
    );
    const x = await request(server.url, { path: '/x' });
    assert.equal(x.status, 404, 'a rejected bulk request creates nothing');
  });

  test('a body without Content-Type is 406; an unsupported Content-Type is 406', async () => {
    const missing = await request(server.url, { method: 'PUT', path: '/auto/_doc/9', body: '{"a":1}' });
    assert.equal(missing.status, 406);
    assert.deepEqual(missing.body, { error: 'Content-Type header is missing', status: 406 });
    const plain = await request(server.url, {
      method: 'POST',
      path: '/auto/_search',
      body: '{}',
      headers: { 'Content-Type': 'text/plain' },
    });
    assert.equal(plain.status, 406);
    assert.deepEqual(plain.body, { error: 'Content-Type header [text/plain] is not supported', status: 406 });
  });
});

describe('transport rules', () => {
  test('a known path with the wrong method is 405 with an Allow header', async () => {
    // (PUT /_refresh is not used: like OpenSearch, it also matches PUT /{index}, i.e. create
    // index "_refresh", which fails on the name.)
    const res = await request(server.url, { method: 'PUT', path: `/${INDEX}/_search` });
    assert.equal(res.status, 405);
    assert.match(
      res.body.error,
      new RegExp(`^Incorrect HTTP method for uri \\[/${INDEX}/_search\\] and method \\[PUT\\], allowed: \\[`),
    );
    assert.match(res.body.error, /GET/);
    assert.match(res.body.error, /POST/);
    assert.equal(res.body.status, 405);
    assert.match(res.headers.allow ?? '', /POST/);
    const health = await request(server.url, { method: 'PUT', path: '/_cluster/health' });
    assert.equal(health.status, 405);
    assert.match(health.headers.allow ?? '', /GET/);
  });

  test('an unknown path is 400 no handler found', async () => {
    const res = await request(server.url, { method: 'POST', path: '/a/b/c/d' });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, { error: 'no handler found for uri [/a/b/c/d] and method [POST]' });
  });

  test('a gzip-compressed request body (client compression: gzip) is inflated', async () => {
    const gz = createClient(server.url, { compression: 'gzip' });
    try {
      const body = [];
      for (let i = 0; i < 50; i++) body.push({ index: { _index: 'gzipped', _id: String(i) } }, { n: i, s: PAD });
      const res = await gz.bulk({ body, refresh: 'true' });
      assert.equal(res.body.errors, false);
      assert.equal(res.body.items.length, 50);
      const one = await gz.index({ index: 'gzipped', id: 'x', body: { hello: 'world' }, refresh: 'true' });
      assert.equal(one.statusCode, 201);
      const found = await gz.search({ index: 'gzipped', body: { query: { ids: { values: ['x'] } } } });
      assert.deepEqual(found.body.hits.hits[0]._source, { hello: 'world' });
      assert.equal((await gz.count({ index: 'gzipped' })).body.count, 51);
    } finally {
      await gz.close();
    }
  });

  test('raw Content-Encoding: gzip and deflate request bodies are inflated', async () => {
    for (const [encoding, pack] of [['gzip', zlib.gzipSync], ['deflate', zlib.deflateSync]]) {
      const res = await request(server.url, {
        method: 'PUT',
        path: `/gzipped/_doc/raw-${encoding}?refresh=true`,
        body: pack(Buffer.from(JSON.stringify({ encoding }))),
        headers: { 'Content-Type': 'application/json', 'Content-Encoding': encoding },
      });
      assert.equal(res.status, 201, res.text);
      const got = await request(server.url, { path: `/gzipped/_doc/raw-${encoding}` });
      assert.deepEqual(got.body._source, { encoding });
    }
  });

  test('a body over --max-content-length is 413', async () => {
    const small = await startServer({ args: ['--max-content-length', '1000'] });
    try {
      const ok = await request(small.url, { method: 'PUT', path: '/tiny/_doc/1', json: { s: 'x'.repeat(100) } });
      assert.equal(ok.status, 201);
      const res = await request(small.url, { method: 'PUT', path: '/tiny/_doc/2', json: { s: 'x'.repeat(2000) } });
      assert.equal(res.status, 413);
      const after413 = await request(small.url, { path: '/tiny/_doc/2' });
      assert.equal(after413.status, 404);
    } finally {
      await small.stop();
    }
  });
});

describe('_cat/indices, _cluster/health and index deletion', () => {
  test('_cat/indices as text lists the index with its document count', async () => {
    const res = await request(server.url, { path: `/_cat/indices/${INDEX}?v` });
    assert.equal(res.status, 200);
    assert.match(res.headers['content-type'], /^text\/plain/);
    const lines = res.text.trim().split('\n');
    assert.equal(lines.length, 2);
    const header = lines[0].split(/\s+/);
    const row = lines[1].split(/\s+/);
    assert.deepEqual(header.slice(0, 7), ['health', 'status', 'index', 'uuid', 'pri', 'rep', 'docs.count']);
    assert.equal(row[header.indexOf('index')], INDEX);
    assert.equal(row[header.indexOf('docs.count')], String(N));
    assert.equal(row[header.indexOf('status')], 'open');
  });

  test('_cat/indices?format=json gives one object per index with string values', async () => {
    const res = await client.cat.indices({ format: 'json' });
    assert.ok(Array.isArray(res.body));
    const row = res.body.find((r) => r.index === INDEX);
    assert.ok(row, 'foundation index listed');
    assert.equal(row['docs.count'], String(N));
    assert.equal(row.pri, '1');
    assert.equal(row.rep, '0');
    assert.equal(row.health, 'green');
    for (const v of Object.values(row)) assert.equal(typeof v, 'string');
    assert.ok(res.body.some((r) => r.index === 'crud'));
  });

  test('_cluster/health has the OpenSearch keys and a yellow-or-better status', async () => {
    const res = await client.cluster.health({ wait_for_status: 'yellow' });
    assert.equal(res.statusCode, 200);
    const b = res.body;
    assert.ok(['green', 'yellow'].includes(b.status));
    assert.equal(b.timed_out, false);
    assert.equal(b.number_of_nodes, 1);
    assert.equal(b.number_of_data_nodes, 1);
    for (const key of ['cluster_name', 'active_primary_shards', 'active_shards', 'unassigned_shards',
      'active_shards_percent_as_number']) {
      assert.ok(key in b, `${key} present`);
    }
  });

  test('deleting an index acknowledges, then the index is 404', async () => {
    const del = await client.indices.delete({ index: 'crud' });
    assert.deepEqual(del.body, { acknowledged: true });
    const exists = await client.indices.exists({ index: 'crud' });
    assert.equal(exists.body, false);
    const res = await request(server.url, { path: '/crud/_doc/c1' });
    assert.equal(res.status, 404);
    assert.equal(res.body.error.type, 'index_not_found_exception');
    const again = await request(server.url, { method: 'DELETE', path: '/crud' });
    assert.equal(again.status, 404);
    assert.equal(again.body.error.reason, 'no such index [crud]');
  });
});
