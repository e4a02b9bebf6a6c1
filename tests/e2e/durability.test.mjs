// Acknowledged writes survive a crash: bulk-load, SIGKILL the server right after
// the acknowledgement (no shutdown, no flush), restart on the same data directory,
// and every document is back with the same _source and _version; knn_vector
// fields are searchable again (graphs rebuilt or recovered from the document store).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';

import { createClient } from './lib/client.mjs';
import { bulkBody, randomVector, rng } from './lib/datasets.mjs';
import { request } from './lib/http.mjs';
import { makeTempDir, startServer } from './lib/server.mjs';

const servers = new Set();

async function start(dataDir) {
  const server = await startServer({ dataDir });
  servers.add(server);
  return server;
}

after(async () => {
  for (const s of servers) await s.kill();
});

async function bulk(server, body) {
  const res = await request(server.url, {
    method: 'POST',
    path: '/_bulk',
    body,
    headers: { 'Content-Type': 'application/x-ndjson' },
  });
  assert.equal(res.status, 200);
  assert.equal(res.body.errors, false);
  return res.body;
}

test('documents acknowledged by _bulk survive SIGKILL with the same _source and _version', async () => {
  const dataDir = makeTempDir();
  let server = await start(dataDir);
  const N = 2000;
  const docs = Array.from({ length: N }, (_, i) => ({
    _id: `doc-${i}`,
    n: i,
    s: `text ${i} ${'y'.repeat(i % 50)}`,
    nested: { flag: i % 3 === 0, list: [i, `${i}`] },
  }));
  const res = await bulk(server, bulkBody('crash', docs));
  assert.equal(res.items.length, N);
  // A second write to some ids: their _version must come back as 2.
  const rewritten = docs.slice(0, 100).map((d) => ({ ...d, s: `rewritten ${d.n}` }));
  await bulk(server, bulkBody('crash', rewritten));
  // An acknowledged delete must stay deleted.
  const del = await request(server.url, { method: 'DELETE', path: '/crash/_doc/doc-1999' });
  assert.equal(del.status, 200);

  const killed = await server.kill();
  assert.equal(killed.signal, 'SIGKILL');
  servers.delete(server);

  server = await start(dataDir);
  const client = createClient(server.url);
  try {
    const expected = new Map(docs.map(({ _id, ...src }) => [_id, { src, version: 1 }]));
    for (const { _id, ...src } of rewritten) expected.set(_id, { src, version: 2 });
    expected.delete('doc-1999');

    const ids = [...expected.keys()];
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const mget = await Promise.all(chunk.map((id) => client.get({ index: 'crash', id })));
      mget.forEach((r, j) => {
        const want = expected.get(chunk[j]);
        assert.equal(r.body.found, true, chunk[j]);
        assert.deepEqual(r.body._source, want.src);
        assert.equal(r.body._version, want.version, `${chunk[j]} version`);
      });
    }
    const gone = await request(server.url, { path: '/crash/_doc/doc-1999' });
    assert.equal(gone.status, 404);
    assert.equal(gone.body.found, false);

    await client.indices.refresh({ index: 'crash' });
    assert.equal((await client.count({ index: 'crash' })).body.count, N - 1);
    const hit = await client.search({ index: 'crash', body: { query: { term: { n: 1234 } } } });
    assert.equal(hit.body.hits.hits[0]._id, 'doc-1234');
  } finally {
    await client.close();
  }
});

test('knn_vector documents survive SIGKILL and a knn query finds each by its own vector', async () => {
  const dataDir = makeTempDir();
  let server = await start(dataDir);
  const DIM = 16;
  const create = await request(server.url, {
    method: 'PUT',
    path: '/vectors',
    json: {
      settings: { 'index.knn': true },
      mappings: {
        properties: {
          v: { type: 'knn_vector', dimension: DIM, method: { name: 'hnsw', engine: 'faiss', space_type: 'l2' } },
          w: {
            type: 'knn_vector',
            dimension: DIM,
            method: { name: 'hnsw', engine: 'nmslib', space_type: 'cosinesimil' },
          },
          label: { type: 'keyword' },
        },
      },
    },
  });
  assert.equal(create.status, 200);
  const rand = rng(42);
  const N = 1000;
  const docs = Array.from({ length: N }, (_, i) => ({
    _id: String(i),
    v: randomVector(rand, DIM),
    w: randomVector(rand, DIM),
    label: `l${i % 5}`,
  }));
  await bulk(server, bulkBody('vectors', docs));
  await server.kill();
  servers.delete(server);

  server = await start(dataDir);
  const client = createClient(server.url);
  try {
    await client.indices.refresh({ index: 'vectors' });
    assert.equal((await client.count({ index: 'vectors' })).body.count, N);
    for (const i of [0, 1, 17, 500, 998, 999]) {
      const got = await client.get({ index: 'vectors', id: String(i) });
      assert.deepEqual(got.body._source.v, docs[i].v);
      for (const field of ['v', 'w']) {
        const res = await client.search({
          index: 'vectors',
          body: { size: 3, query: { knn: { [field]: { vector: docs[i][field], k: 3 } } } },
        });
        assert.equal(res.body.hits.hits[0]._id, String(i), `${field} nearest to doc ${i}`);
        assert.ok(Math.abs(res.body.hits.hits[0]._score - 1) <= 1e-6, `score ${res.body.hits.hits[0]._score}`);
      }
    }
  } finally {
    await client.close();
  }
});
