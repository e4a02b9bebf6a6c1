// Attacks on POST /_plugins/_ml/_batch_ingestion that used to get through:
// - SSRF through credential.region: with the default AWS endpoint the region is
//   part of the host name, and "x@127.0.0.1:PORT/?" sent the signed request to
//   a loopback port (bypassing --allow-source-host); the error told whether the
//   port was open. A loopback listener here must never see a connection.
// - `..` in an S3 bucket or key, or a bucket breaking AWS's naming rules;
// - a duplicate `credential` key: the second one was persisted in plain text
//   and shown by the Tasks API;
// - a `#` in a file name was cut off in the persisted request.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { join } from 'node:path';

import { INGEST_PATH, createIndex, seedIndexBody, startIngestServer, submitIngest, waitTask, writeJsonl } from './lib/ingest.mjs';
import { request } from './lib/http.mjs';

let server;
let listener;
let connections = 0;

before(async () => {
  listener = net.createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise((resolve) => listener.listen(0, '127.0.0.1', resolve));
  // No --s3-endpoint: S3 requests go to BUCKET.s3.REGION.amazonaws.com.
  server = await startIngestServer();
  await createIndex(server.url, 'h', seedIndexBody(4));
});

after(async () => {
  await server?.stop();
  await new Promise((resolve) => listener.close(resolve));
});

function s3Body(region, source = 's3://offlinebatch/out.jsonl') {
  return {
    index_name: 'h',
    field_map: { chapter_embedding: '$.v', _id: '$.id' },
    credential: { region, access_key: 'AKIAEXAMPLE', secret_key: 'never-shown-secret' },
    data_source: { type: 's3', source: [source] },
  };
}

async function taskCount() {
  const res = await request(server.url, { method: 'POST', path: '/_plugins/_ml/tasks/_search', json: { query: { match_all: {} } } });
  assert.equal(res.status, 200, res.text);
  return res.body.hits.total.value;
}

test('a region cannot redirect S3 requests to another host: 400 before any connection', async () => {
  const port = listener.address().port;
  const before = await taskCount();
  for (const region of [`x@127.0.0.1:${port}/?`, `x@127.0.0.1:${port}#`, `127.0.0.1:${port}`, 'US-EAST-1', 'eu west 1']) {
    const res = await submitIngest(server.url, s3Body(region));
    assert.equal(res.status, 400, `${region}: ${res.text}`);
    assert.equal(res.body.error.type, 'illegal_argument_exception');
    assert.match(res.body.error.reason, /\[credential\.region\].*\^\[a-z0-9-\]\+\$/);
    assert.doesNotMatch(res.text, /never-shown-secret/);
  }
  assert.equal(await taskCount(), before, 'no task was created');
  assert.equal(connections, 0, 'nothing may connect to the loopback listener');
});

test('S3 buckets follow the naming rules and keys have no dot segments', async () => {
  for (const source of ['s3://../k', 's3://offlinebatch/../../etc/k', 's3://offlinebatch/a/./k', 's3://Upper/k', 's3://a..b/k', 's3://ab/k', 's3://10.1.2.3/k']) {
    const res = await submitIngest(server.url, s3Body('us-east-1', source));
    assert.equal(res.status, 400, `${source}: ${res.text}`);
    assert.match(res.body.error.reason, /\[data_source\.source\]/, source);
  }
});

test('a duplicate credential key is refused, so no secret is persisted or shown', async () => {
  const before = await taskCount();
  const body = '{"index_name":"h","field_map":{"chapter_embedding":"$.v","_id":"$.id"},' +
    '"credential":{"access_key":"AK","secret_key":"first-secret"},' +
    '"credential":{"access_key":"AK","secret_key":"PLAINTEXT-second-secret"},' +
    '"data_source":{"type":"s3","source":["s3://offlinebatch/out.jsonl"]}}';
  const res = await request(server.url, { method: 'POST', path: INGEST_PATH, body, headers: { 'Content-Type': 'application/json' } });
  assert.equal(res.status, 400, res.text);
  assert.equal(res.body.error.type, 'json_parse_exception');
  assert.match(res.body.error.reason, /Duplicate field 'credential'/);
  assert.equal(await taskCount(), before);
  const tasks = await request(server.url, { method: 'POST', path: '/_plugins/_ml/tasks/_search', json: { query: { match_all: {} } } });
  assert.doesNotMatch(tasks.text, /second-secret|first-secret/);
});

test('a # in a file name is kept whole in the persisted request and the right file is read', async () => {
  const name = join(server.importDir, 'run#2.jsonl');
  writeJsonl(name, [{ id: 'hash-1', v: [1, 2, 3, 4] }, { id: 'hash-2', v: [4, 3, 2, 1] }]);
  writeJsonl(join(server.importDir, 'run'), [{ id: 'wrong-file', v: [0, 0, 0, 1] }]);
  const res = await submitIngest(server.url, {
    index_name: 'h',
    field_map: { chapter_embedding: '$.v', _id: '$.id' },
    data_source: { type: 'file', source: [name] },
  });
  assert.equal(res.status, 200, res.text);
  const task = await waitTask(server.url, res.body.task_id);
  assert.equal(task.state, 'COMPLETED', JSON.stringify(task));
  assert.deepEqual(task.request.data_source.source, [name]);
  assert.equal(task.ingest_status.sources[0].location, name);
  assert.equal((await request(server.url, { path: '/h/_doc/hash-2' })).status, 200);
  assert.equal((await request(server.url, { path: '/h/_doc/wrong-file' })).status, 404);
});
