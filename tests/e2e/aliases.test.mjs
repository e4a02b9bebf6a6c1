// Aliases through the official opensearch-js client: the blue/green re-index
// behind an alias (products -> products-v1, then -v2 in one atomic _aliases
// call) while searches through the alias keep succeeding, writes through the
// alias, the OpenSearch errors, and aliases surviving a restart.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';

import { createClient } from './lib/client.mjs';
import { makeTempDir, startServer } from './lib/server.mjs';

let server;
let client;
const dataDir = makeTempDir('sluice-e2e-aliases-');

before(async () => {
  server = await startServer({ dataDir });
  client = createClient(server.url);
});

after(async () => {
  await client?.close();
  await server?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function load(index, docs) {
  await client.indices.create({ index, body: { settings: { number_of_replicas: 0 } } });
  if (docs.length === 0) return;
  await client.bulk({
    refresh: true,
    body: docs.flatMap((d, i) => [{ index: { _index: index, _id: String(i) } }, d]),
  });
}

test('blue/green: the alias moves atomically while searches through it never fail', async () => {
  await load('products-v1', [{ v: 1 }, { v: 1 }]);
  await load('products-v2', [{ v: 2 }, { v: 2 }, { v: 2 }]);
  await client.indices.putAlias({ index: 'products-v1', name: 'products' });

  // Searches run back to back until the swap is acknowledged, then once more.
  const seen = new Set();
  let swapped = false;
  let firstAnswered;
  const firstAnswer = new Promise((resolve) => {
    firstAnswered = resolve;
  });
  const loop = (async () => {
    for (;;) {
      const done = swapped;
      const res = await client.search({ index: 'products', body: { query: { match_all: {} } } });
      firstAnswered();
      const versions = new Set(res.body.hits.hits.map((h) => h._source.v));
      assert.equal(versions.size, 1, 'a search saw both indices');
      const [v] = versions;
      assert.equal(res.body.hits.total.value, v === 1 ? 2 : 3);
      seen.add(v);
      if (done) return;
    }
  })();
  // The swap waits for the loop's first answer, so the loop runs across it.
  await firstAnswer;
  const swap = await client.indices.updateAliases({
    body: {
      actions: [
        { remove: { index: 'products-v1', alias: 'products' } },
        { add: { index: 'products-v2', alias: 'products' } },
      ],
    },
  });
  assert.deepEqual(swap.body, { acknowledged: true });
  swapped = true;
  await loop;
  assert.ok(seen.has(1));
  assert.ok(seen.has(2), 'the search after the swap reads v2');

  const got = await client.indices.getAlias({ name: 'products' });
  assert.deepEqual(got.body, { 'products-v2': { aliases: { products: {} } } });
  const count = await client.count({ index: 'products' });
  assert.equal(count.body.count, 3);
  const doc = await client.get({ index: 'products', id: '0' });
  assert.equal(doc.body._index, 'products-v2');
  const cat = await client.cat.aliases({ format: 'json' });
  assert.deepEqual(cat.body, [
    {
      alias: 'products',
      index: 'products-v2',
      filter: '-',
      'routing.index': '-',
      'routing.search': '-',
      is_write_index: '-',
    },
  ]);
});

test('writes through an alias go to its write index; without one they are refused', async () => {
  await load('logs-a', []);
  await load('logs-b', []);
  await client.indices.updateAliases({
    body: {
      actions: [
        { add: { indices: ['logs-a', 'logs-b'], alias: 'logs' } },
        { add: { index: 'logs-b', alias: 'logs-w', is_write_index: true } },
        { add: { index: 'logs-a', alias: 'logs-w' } },
      ],
    },
  });
  const put = await client.index({ index: 'logs-w', id: 'x', body: { m: 1 }, refresh: true });
  assert.equal(put.body._index, 'logs-b');
  const bulk = await client.bulk({ body: [{ index: { _index: 'logs-w', _id: 'y' } }, { m: 2 }] });
  assert.equal(bulk.body.items[0].index._index, 'logs-b');
  await assert.rejects(client.index({ index: 'logs', body: { m: 3 } }), (err) => {
    assert.equal(err.meta.statusCode, 400);
    assert.equal(err.meta.body.error.type, 'illegal_argument_exception');
    assert.match(err.meta.body.error.reason, /^no write index is defined for alias \[logs\]/);
    return true;
  });
});

test('OpenSearch errors: index name as alias, missing alias, bad name', async () => {
  await assert.rejects(client.indices.putAlias({ index: 'logs-a', name: 'logs-b' }), (err) => {
    assert.equal(err.meta.statusCode, 400);
    assert.equal(err.meta.body.error.type, 'invalid_alias_name_exception');
    assert.equal(
      err.meta.body.error.reason,
      'Invalid alias name [logs-b], an index exists with the same name as the alias',
    );
    return true;
  });
  await assert.rejects(client.indices.deleteAlias({ index: 'logs-a', name: 'ghost' }), (err) => {
    assert.equal(err.meta.statusCode, 404);
    assert.equal(err.meta.body.error.type, 'aliases_not_found_exception');
    assert.equal(err.meta.body.error.reason, 'aliases [ghost] missing');
    return true;
  });
  await assert.rejects(client.indices.putAlias({ index: 'logs-a', name: '_x' }), (err) => {
    assert.equal(err.meta.body.error.type, 'invalid_alias_name_exception');
    return true;
  });
  // Deleting through an alias would drop the indices behind it: refused, as OpenSearch.
  await assert.rejects(client.indices.delete({ index: 'products' }), (err) => {
    assert.equal(err.meta.statusCode, 400);
    assert.equal(
      err.meta.body.error.reason,
      'The provided expression [products] matches an alias, specify the corresponding concrete indices instead.',
    );
    return true;
  });
  // A wildcard matches index names only: logs-w* names no index, only the alias logs-w.
  await client.indices.delete({ index: 'logs-w*' });
  assert.equal((await client.indices.exists({ index: 'logs-b' })).statusCode, 200);
  const exists = await client.indices.existsAlias({ name: 'ghost' }, { ignore: [404] });
  assert.equal(exists.statusCode, 404);
});

test('aliases survive a restart and show in GET /<index>', async () => {
  await server.stop();
  server = await startServer({ dataDir });
  await client.close();
  client = createClient(server.url);
  const index = await client.indices.get({ index: 'logs-b' });
  assert.deepEqual(index.body['logs-b'].aliases, { logs: {}, 'logs-w': { is_write_index: true } });
  const res = await client.search({ index: 'products' });
  assert.equal(res.body.hits.total.value, 3);
});
