// knn.memory.circuit_breaker.limit through the REST API: PUT/GET
// /_cluster/settings (persistent and transient, nested and flat), the k-NN
// plugin's refusal of new vectors once the graphs would pass the limit, the
// breaker in _plugins/_knn/stats, its reset when memory is freed, and the
// persistent limit surviving a restart.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

import { request } from './lib/http.mjs';
import { makeTempDir, startServer } from './lib/server.mjs';

const dataDir = makeTempDir();
let server;
before(async () => {
  server = await startServer({ dataDir });
});
after(async () => {
  await server?.stop();
});

const call = (method, path, json) => request(server.url, { method, path, json });

function bulk(index, from, count) {
  let nd = '';
  for (let i = from; i < from + count; i++) {
    nd += JSON.stringify({ index: { _index: index, _id: String(i) } }) + '\n';
    nd += JSON.stringify({ v: [i % 7, i % 11, i % 13, 1 + (i % 5)] }) + '\n';
  }
  return request(server.url, { method: 'POST', path: '/_bulk', body: nd, headers: { 'Content-Type': 'application/x-ndjson' } });
}

test('cluster settings: validation, nested and flat forms', async () => {
  let r = await call('GET', '/_cluster/settings');
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { persistent: {}, transient: {} });
  r = await call('GET', '/_cluster/settings?include_defaults=true&flat_settings=true');
  assert.equal(r.body.defaults['knn.memory.circuit_breaker.limit'], '50%');

  r = await call('PUT', '/_cluster/settings', { persistent: { 'no.such.setting': 1 } });
  assert.equal(r.status, 400);
  assert.equal(r.body.error.type, 'illegal_argument_exception');
  assert.equal(r.body.error.reason, 'persistent setting [no.such.setting], not recognized');
  r = await call('PUT', '/_cluster/settings', { transient: { knn: { memory: { circuit_breaker: { limit: 'lots' } } } } });
  assert.equal(r.status, 400);
  assert.match(r.body.error.reason, /failed to parse setting \[knn\.memory\.circuit_breaker\.limit\] with value \[lots\]/);
  r = await call('PUT', '/_cluster/settings', {});
  assert.equal(r.status, 400);
  assert.equal(r.body.error.type, 'action_request_validation_exception');

  r = await call('PUT', '/_cluster/settings', { persistent: { 'knn.memory.circuit_breaker.limit': '60%' } });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { acknowledged: true, persistent: { knn: { memory: { circuit_breaker: { limit: '60%' } } } }, transient: {} });
  r = await call('GET', '/_cluster/settings?flat_settings=true');
  assert.deepEqual(r.body, { persistent: { 'knn.memory.circuit_breaker.limit': '60%' }, transient: {} });
});

test('vectors over the limit are refused with the k-NN plugin error until memory is freed', async () => {
  let r = await call('PUT', '/_cluster/settings', { transient: { 'knn.memory.circuit_breaker.limit': '64kb' } });
  assert.equal(r.status, 200);
  const mapping = { settings: { 'index.knn': true }, mappings: { properties: { v: { type: 'knn_vector', dimension: 4 }, t: { type: 'keyword' } } } };
  assert.equal((await call('PUT', '/vec', mapping)).status, 200);
  r = await call('GET', '/_plugins/_knn/stats');
  assert.equal(r.body.circuit_breaker_triggered, false);

  let refused;
  let accepted = 0;
  for (let from = 0; from < 20000 && !refused; from += 200) {
    r = await bulk('vec', from, 200);
    assert.equal(r.status, 200);
    for (const item of r.body.items) {
      if (item.index.status === 201) accepted++;
      else refused ??= item.index;
    }
  }
  assert.ok(refused, '64 KiB of graphs never refused a vector');
  assert.ok(accepted > 0);
  assert.equal(refused.status, 500);
  assert.equal(refused.error.type, 'knn_circuit_breaker_exception');
  assert.match(refused.error.reason, /circuit breaker triggered.*Check _plugins\/_knn\/stats/);
  r = await call('GET', '/_plugins/_knn/stats');
  assert.equal(r.body.circuit_breaker_triggered, true);
  // Documents without vectors still go in; vectors do not.
  assert.equal((await call('PUT', '/vec/_doc/text?refresh=true', { t: 'x' })).status, 201);
  r = await call('PUT', '/vec/_doc/another', { v: [1, 2, 3, 4] });
  assert.equal(r.status, 500);
  assert.equal(r.body.error.type, 'knn_circuit_breaker_exception');
  r = await call('GET', '/vec/_count');
  assert.equal(r.body.count, accepted + 1);

  // Deleting the index frees its graph: the breaker resets and vectors are taken again.
  assert.equal((await call('DELETE', '/vec')).status, 200);
  r = await call('GET', '/_plugins/_knn/stats');
  assert.equal(r.body.circuit_breaker_triggered, false);
  assert.equal((await call('PUT', '/vec2', mapping)).status, 200);
  assert.equal((await call('PUT', '/vec2/_doc/1', { v: [1, 2, 3, 4] })).status, 201);

  // Resetting the transient value leaves the persistent 60 %.
  r = await call('PUT', '/_cluster/settings', { transient: { 'knn.memory.circuit_breaker.limit': null } });
  assert.deepEqual(r.body, { acknowledged: true, persistent: {}, transient: {} });
  r = await call('GET', '/_cluster/settings?flat_settings=true');
  assert.deepEqual(r.body, { persistent: { 'knn.memory.circuit_breaker.limit': '60%' }, transient: {} });
});

test('the persistent limit survives a restart, the transient one does not', async () => {
  assert.equal((await call('PUT', '/_cluster/settings', { transient: { 'knn.memory.circuit_breaker.limit': '1mb' } })).status, 200);
  await server.stop();
  server = await startServer({ dataDir });
  const r = await call('GET', '/_cluster/settings?flat_settings=true');
  assert.deepEqual(r.body, { persistent: { 'knn.memory.circuit_breaker.limit': '60%' }, transient: {} });
});
