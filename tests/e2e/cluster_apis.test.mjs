// The cluster-level APIs clients and OpenSearch Dashboards call, through the
// official opensearch-js client: _cat/count, _cat/health, _nodes, filter_path
// on any response, rest_total_hits_as_int, and the routing errors.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

import { createClient } from './lib/client.mjs';
import { request } from './lib/http.mjs';
import { startServer } from './lib/server.mjs';

let server;
let client;

before(async () => {
  server = await startServer();
  client = createClient(server.url);
  await client.indices.create({ index: 'books', body: { settings: { number_of_replicas: 0 } } });
  await client.bulk({
    refresh: true,
    body: [{ index: { _index: 'books', _id: '1' } }, { t: 'a' }, { index: { _index: 'books', _id: '2' } }, { t: 'b' }],
  });
});

after(async () => {
  await client?.close();
  await server?.stop();
});

test('cat.count and cat.health answer a single node truthfully, as text and JSON', async () => {
  const count = await client.cat.count({ index: 'books', format: 'json' });
  assert.equal(count.body.length, 1);
  assert.equal(count.body[0].count, '2');
  const text = await client.cat.count({ h: 'count' });
  assert.equal(text.body, '2\n');
  const health = await client.cat.health({ format: 'json', h: 'status,nt,pri' });
  assert.deepEqual(health.body, [{ status: 'green', nt: '1', pri: '1' }]);
  const help = await client.cat.health({ help: true });
  assert.match(help.body, /^epoch +\| t,time +\| seconds since 1970-01-01 00:00:00/);
});

test('cat.indices takes column aliases and sorts numbers numerically', async () => {
  await client.indices.create({ index: 'big', body: { settings: { number_of_replicas: 0 } } });
  await client.bulk({
    refresh: true,
    body: Array.from({ length: 10 }, (_, i) => [{ index: { _index: 'big', _id: String(i) } }, { t: i }]).flat(),
  });
  const res = await client.cat.indices({ h: 'i,dc', s: 'dc:desc', v: true });
  assert.equal(res.body, 'i     dc\nbig   10\nbooks  2\n');
});

test('nodes.info finds the one node (what Dashboards checks first)', async () => {
  const res = await client.nodes.info({ filter_path: 'nodes.*.version,nodes.*.http.publish_address' });
  const nodes = Object.values(res.body.nodes);
  assert.equal(nodes.length, 1);
  assert.equal(nodes[0].version, '2.19.0');
  assert.equal(nodes[0].http.publish_address, `127.0.0.1:${server.port}`);
});

test('filter_path filters any JSON response but not errors', async () => {
  const res = await client.search({ index: 'books', filter_path: 'hits.hits._id', body: { sort: ['_score'] } });
  assert.deepEqual(res.body.hits.hits.map((h) => h._id).sort(), ['1', '2']);
  assert.deepEqual(Object.keys(res.body), ['hits']);
  const err = await client.get({ index: 'nope', id: '1', filter_path: 'x' }).catch((e) => e);
  assert.equal(err.meta.statusCode, 404);
  assert.equal(err.meta.body.error.type, 'index_not_found_exception');
});

test('rest_total_hits_as_int gives hits.total as a number', async () => {
  const res = await client.search({ index: 'books', rest_total_hits_as_int: true });
  assert.equal(res.body.hits.total, 2);
});

test('an unknown path is a 400 without status field; a wrong method a 405 naming the allowed ones', async () => {
  const unknown = await request(server.url, { path: '/_no/such/api' });
  assert.equal(unknown.status, 400);
  assert.deepEqual(unknown.body, { error: 'no handler found for uri [/_no/such/api] and method [GET]' });
  const wrong = await request(server.url, { method: 'DELETE', path: '/_cat/count' });
  assert.equal(wrong.status, 405);
  assert.match(wrong.body.error, /^Incorrect HTTP method for uri \[\/_cat\/count\] and method \[DELETE\], allowed: \[/);
  assert.equal(wrong.body.status, 405);
});
