// Smoke test: the binary starts, answers GET / like OpenSearch, and rejects
// unknown paths in OpenSearch's shape.
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
});

after(async () => {
  await client?.close();
  await server?.stop();
});

test('GET / through the official client reports the opensearch distribution', async () => {
  const res = await client.info();
  assert.equal(res.statusCode, 200);
  assert.equal(res.body.version.distribution, 'opensearch');
  assert.equal(typeof res.body.version.number, 'string');
});

test('an unknown path answers 400 "no handler found" with the simple error shape', async () => {
  const res = await request(server.url, { path: '/no/such/endpoint/at/all' });
  assert.equal(res.status, 400);
  assert.match(res.headers['content-type'], /^application\/json/);
  assert.deepEqual(res.body, {
    error: 'no handler found for uri [/no/such/endpoint/at/all] and method [GET]',
  });
});
