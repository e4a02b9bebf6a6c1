// Export with the client helpers (helpers.scrollDocuments, helpers.scrollSearch)
// and with search_after over a point in time while writes go on: every
// document present when the scroll (or PIT) opened comes out exactly once, in
// the version it had then; documents written afterwards do not. SLUICE_SCROLL_DOCS sets the index size (default 5000; the issue's
// 100k is run by hand).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { createClient } from './lib/client.mjs';
import { request } from './lib/http.mjs';
import { makeTempDir, startServer } from './lib/server.mjs';

const N = Number(process.env.SLUICE_SCROLL_DOCS || 5000);
const dataDir = makeTempDir();
let server;
let client;

async function bulk(lines) {
  const res = await request(server.url, {
    method: 'POST',
    path: '/_bulk',
    body: lines.map((l) => JSON.stringify(l)).join('\n') + '\n',
    headers: { 'Content-Type': 'application/x-ndjson' },
  });
  assert.equal(res.status, 200);
  assert.equal(res.body.errors, false);
}

before(async () => {
  server = await startServer({ dataDir });
  client = createClient(server.url);
  await client.indices.create({
    index: 'export',
    body: { mappings: { properties: { n: { type: 'long' }, gen: { type: 'integer' } } } },
  });
  for (let start = 0; start < N; start += 5000) {
    const lines = [];
    for (let i = start; i < Math.min(N, start + 5000); i++) {
      lines.push({ index: { _index: 'export', _id: `d${i}` } }, { n: i, gen: 0 });
    }
    await bulk(lines);
  }
});

after(async () => {
  await client?.close();
  await server?.stop();
});

// Writes new documents and rewrites old ones until stopped; resolves with the
// number of bulk requests it made.
let writers = 0;
function startWriter() {
  const tag = writers++;  // new documents of each writer have ids of their own
  let stop = false;
  let batches = 0;
  let waiters = [];
  const done = (async () => {
    while (!stop) {
      const lines = [];
      for (let j = 0; j < 200; j++) {
        lines.push({ index: { _index: 'export', _id: `new${tag}-${batches}-${j}` } }, { n: -1, gen: 1 });
        const old = (batches * 200 + j) % N;
        lines.push({ index: { _index: 'export', _id: `d${old}` } }, { n: old, gen: 1 });
      }
      await bulk(lines);
      batches++;
      for (const w of waiters) w();
      waiters = [];
    }
    return batches;
  })();
  return {
    stop: () => { stop = true; return done; },
    // Resolves when the next bulk request has been answered.
    nextBatch: () => new Promise((resolve) => waiters.push(resolve)),
  };
}

describe('scroll export while ingesting', () => {
  test('helpers.scrollDocuments exports every document exactly once', async () => {
    const writer = startWriter();
    const seen = new Map();
    let batches;
    try {
      for await (const doc of client.helpers.scrollDocuments({
        index: 'export',
        body: { size: 1000, query: { match_all: {} }, sort: ['_doc'] },
      })) {
        seen.set(doc.n, (seen.get(doc.n) ?? 0) + 1);
        assert.equal(doc.gen, 0, 'a rewritten document shows the version of the snapshot');
      }
    } finally {
      batches = await writer.stop();
    }
    assert.ok(batches > 0, 'writes ran during the export');
    assert.equal(seen.size, N);
    for (let i = 0; i < N; i++) assert.equal(seen.get(i), 1, `document ${i}`);
    // The writes are all there for the next reader.
    const count = await client.count({ index: 'export' });
    assert.equal(count.body.count, N + batches * 200);
  });

  test('helpers.scrollSearch pages carry the scroll id and a stable total', async () => {
    const total = (await client.count({ index: 'export' })).body.count;
    const writer = startWriter();
    let docs = 0;
    const ids = new Set();
    try {
      for await (const page of client.helpers.scrollSearch({
        index: 'export',
        scroll: '30s',
        body: { size: 2500, _source: false, track_total_hits: true },
      })) {
        assert.ok(page.body._scroll_id);
        assert.equal(page.body.hits.total.value, total);
        for (const h of page.body.hits.hits) ids.add(h._id);
        docs += page.body.hits.hits.length;
      }
    } finally {
      await writer.stop();
    }
    assert.equal(docs, total);
    assert.equal(ids.size, total);
  });

  test('scroll contexts are cleared by the helpers and by DELETE /_search/scroll', async () => {
    const open = await client.search({ index: 'export', scroll: '1m', body: { size: 10 } });
    const id = open.body._scroll_id;
    // The id in the body overrides the one in the URL, as in OpenSearch.
    const next = await client.scroll({ scroll_id: 'bogus', body: { scroll_id: id, scroll: '1m' } });
    assert.equal(next.body._scroll_id, id);
    assert.equal(next.body.hits.hits.length, 10);
    // Ids in the body override the one in the URL, as in OpenSearch.
    const cleared = await client.clearScroll({ scroll_id: 'invalid_scroll_id', body: { scroll_id: [id] } });
    assert.deepEqual(cleared.body, { succeeded: true, num_freed: 1 });
    await assert.rejects(
      client.scroll({ body: { scroll_id: id, scroll: '1m' } }),
      (err) => err.meta.statusCode === 404 &&
        err.meta.body.error.root_cause[0].type === 'search_context_missing_exception',
    );
  });
});

describe('point in time paging while ingesting', () => {
  test('search_after over a PIT sees every document of its creation exactly once', async () => {
    const total = (await client.count({ index: 'export' })).body.count;
    const created = await client.createPit({ index: 'export', keep_alive: '1m' });
    const pitId = created.body.pit_id;
    assert.ok(pitId);
    assert.equal(created.body._shards.failed, 0);
    assert.equal(typeof created.body.creation_time, 'number');
    const listed = await client.getAllPits();
    assert.ok(listed.body.pits.some((p) => p.pit_id === pitId && p.keep_alive === 60000));

    const writer = startWriter();
    const ids = new Set();
    let pages = 0;
    try {
      let after;
      for (;;) {
        const body = {
          size: 1000,
          pit: { id: pitId, keep_alive: '1m' },
          sort: [{ n: 'asc' }, { _shard_doc: 'asc' }],
          track_total_hits: true,
        };
        if (after) body.search_after = after;
        const page = await client.search({ body });
        assert.equal(page.body.pit_id, pitId);
        assert.equal(page.body.hits.total.value, total, 'the total of the PIT, not of the index');
        const hits = page.body.hits.hits;
        if (hits.length === 0) break;
        for (const h of hits) {
          assert.ok(!ids.has(h._id), `document ${h._id} twice`);
          ids.add(h._id);
        }
        after = hits[hits.length - 1].sort;
        pages++;
        if (pages === 1) await writer.nextBatch();  // writes land between the pages
      }
    } finally {
      await writer.stop();
    }
    assert.equal(ids.size, total);
    assert.ok(pages > 1);
    // Documents written after the PIT are searchable in the index, not in the PIT.
    const now = (await client.count({ index: 'export' })).body.count;
    assert.ok(now > total);

    const deleted = await client.deletePit({ body: { pit_id: [pitId] } });
    assert.deepEqual(deleted.body, { pits: [{ successful: true, pit_id: pitId }] });
    await assert.rejects(
      client.search({ body: { pit: { id: pitId } } }),
      (err) => err.meta.statusCode === 404 &&
        err.meta.body.error.root_cause[0].type === 'search_context_missing_exception',
    );
  });

  test('a PIT search names no index; DELETE _all frees every PIT', async () => {
    const a = (await client.createPit({ index: 'export', keep_alive: '30s' })).body.pit_id;
    await assert.rejects(
      client.search({ index: 'export', body: { pit: { id: a } } }),
      (err) => err.meta.statusCode === 400 &&
        err.meta.body.error.type === 'action_request_validation_exception',
    );
    // The client checks keep_alive itself; the server answers as OpenSearch does.
    const noKeepAlive = await request(server.url, { method: 'POST', path: '/export/_search/point_in_time' });
    assert.equal(noKeepAlive.status, 400);
    assert.match(noKeepAlive.body.error.reason, /keep alive not specified/);
    const all = await client.deleteAllPits();
    assert.deepEqual(all.body, { pits: [{ successful: true, pit_id: a }] });
    assert.deepEqual((await client.getAllPits()).body, { pits: [] });
  });
});
