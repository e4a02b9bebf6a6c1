// sluice as a transparent gateway (`sluice serve --remote-cluster URL
// --gateway`, src/gateway): a second sluice plays the cluster, behind a
// recording fake cluster (lib/recording_cluster.mjs) that keeps every
// request the gateway forwards and every answer the cluster gave.
//   - the official JS client runs a workflow through the gateway and gets
//     exactly the cluster's answers; the forwarded requests carry the
//     client's bytes and headers (hop-by-hop removed, X-Forwarded-* added);
//   - chunked request bodies and gzip answers pass through unchanged;
//   - _batch_ingestion through the gateway writes into the cluster, its task
//     id is answered by sluice, other ids and task searches reach the cluster;
//   - GET / is the cluster's answer plus X-Sluice-Gateway.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { join } from 'node:path';
import zlib from 'node:zlib';

import { createClient } from './lib/client.mjs';
import { request } from './lib/http.mjs';
import {
  INGEST_PATH, createIndex, sagemakerRecords, seedIndexBody, seedSingleFileRequest, startIngestServer,
  waitTask, writeJsonl,
} from './lib/ingest.mjs';
import { startRecordingCluster } from './lib/recording_cluster.mjs';
import { startServer } from './lib/server.mjs';

const DIM = 8;
let cluster;
let recorder;
let gateway;

before(async () => {
  cluster = await startServer();
  recorder = await startRecordingCluster({ target: cluster.url });
  gateway = await startIngestServer({ args: ['--remote-cluster', recorder.url, '--gateway'] });
});

after(async () => {
  await gateway?.stop();
  await recorder?.close();
  await cluster?.stop();
});

function header(rawHeaders, name) {
  const values = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i].toLowerCase() === name) values.push(rawHeaders[i + 1]);
  }
  return values;
}

// The client's answer is the one the cluster gave for the request last forwarded.
function assertClusterAnswer(res, pred) {
  const rec = recorder.last(pred);
  assert.ok(rec, 'the request reached the cluster');
  assert.equal(res.statusCode, rec.answer.status);
  assert.equal(JSON.stringify(res.body), JSON.stringify(JSON.parse(rec.answer.body.toString('utf8'))));
  return rec;
}

function vec(i) {
  return Array.from({ length: DIM }, (_, d) => Math.sin(i * 7 + d));
}

describe('the JS client through the gateway', () => {
  test('runs a whole workflow and gets exactly what the cluster answers', async () => {
    const client = createClient(gateway.url);
    const created = await client.indices.create({
      index: 'movies',
      body: {
        settings: { 'index.knn': true },
        mappings: { properties: { title: { type: 'text' }, year: { type: 'integer' }, v: { type: 'knn_vector', dimension: DIM } } },
      },
    });
    assertClusterAnswer(created, (r) => r.method === 'PUT' && r.target === '/movies');
    assert.equal(created.body.acknowledged, true);

    const body = [];
    for (let i = 0; i < 50; i++) {
      body.push({ index: { _index: 'movies', _id: String(i) } }, { title: `movie ${i}`, year: 1950 + i, v: vec(i) });
    }
    const bulk = await client.bulk({ body, refresh: 'true' });
    const bulkRec = assertClusterAnswer(bulk, (r) => r.target.startsWith('/_bulk'));
    assert.equal(bulk.body.errors, false);
    assert.equal(bulk.body.items.length, 50);
    // The bytes the client sent are the bytes the cluster got.
    assert.match(bulkRec.body.toString('utf8'), /"title":"movie 49"/);
    assert.equal(bulkRec.length, Number(header(bulkRec.rawHeaders, 'content-length')[0]));

    const knn = await client.search({ index: 'movies', body: { size: 3, query: { knn: { v: { vector: vec(7), k: 3 } } } } });
    assertClusterAnswer(knn, (r) => r.target.startsWith('/movies/_search'));
    assert.equal(knn.body.hits.hits[0]._id, '7');

    const page1 = await client.search({ index: 'movies', body: { size: 10, sort: [{ year: 'asc' }], query: { match_all: {} } } });
    assertClusterAnswer(page1, (r) => r.target.startsWith('/movies/_search'));
    const last = page1.body.hits.hits.at(-1).sort;
    const page2 = await client.search({ index: 'movies', body: { size: 10, sort: [{ year: 'asc' }], search_after: last } });
    assertClusterAnswer(page2, (r) => r.target.startsWith('/movies/_search'));
    assert.equal(page2.body.hits.hits[0]._id, '10');

    const scroll = await client.search({ index: 'movies', scroll: '1m', body: { size: 20, sort: ['_doc'] } });
    assertClusterAnswer(scroll, (r) => r.target.startsWith('/movies/_search'));
    const next = await client.scroll({ body: { scroll: '1m', scroll_id: scroll.body._scroll_id } });
    assertClusterAnswer(next, (r) => r.target.startsWith('/_search/scroll'));
    assert.equal(next.body.hits.hits.length, 20);

    const alias = await client.indices.putAlias({ index: 'movies', name: 'films' });
    assertClusterAnswer(alias, (r) => r.method === 'PUT' && r.target.includes('_alias'));
    const viaAlias = await client.count({ index: 'films' });
    assertClusterAnswer(viaAlias, (r) => r.target.startsWith('/films/_count'));
    assert.equal(viaAlias.body.count, 50);

    const cat = await client.cat.indices({ format: 'json' });
    assertClusterAnswer(cat, (r) => r.target.startsWith('/_cat/indices'));
    assert.ok(cat.body.some((row) => row.index === 'movies'));

    const missing = await client.indices.get({ index: 'no-such-index' }).catch((e) => e.meta);
    assertClusterAnswer(missing, (r) => r.target.startsWith('/no-such-index'));
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.body.error.type, 'index_not_found_exception');

    const deleted = await client.indices.delete({ index: 'movies' });
    assertClusterAnswer(deleted, (r) => r.method === 'DELETE' && r.target.startsWith('/movies'));
    const gone = await request(cluster.url, { path: '/movies' });
    assert.equal(gone.status, 404, 'the index is gone from the cluster itself');
  });

  test('GET / is the cluster\'s answer with X-Sluice-Gateway added', async () => {
    const res = await request(gateway.url, { path: '/' });
    const rec = recorder.last((r) => r.target === '/');
    assert.equal(res.status, 200);
    assert.deepEqual(res.raw, rec.answer.body);
    assert.match(res.headers['x-sluice-gateway'], /^\d+\.\d+/);
    assert.equal(res.body.version.distribution, (await request(cluster.url, { path: '/' })).body.version.distribution);
    const head = await request(gateway.url, { method: 'HEAD', path: '/' });
    assert.equal(head.status, 200);
    assert.ok(head.headers['x-sluice-gateway']);
  });
});

describe('forwarded requests', () => {
  test('keep method, target, headers and body; drop hop-by-hop headers; add X-Forwarded-*', async () => {
    const target = '/_cat/indices?v=true&h=index,health&s=index:desc';
    const res = await request(gateway.url, {
      path: target,
      headers: { Connection: 'keep-alive, X-Hop', 'X-Hop': 'secret-hop', 'Keep-Alive': 'timeout=5', 'X-Opaque-Id': 'op-42', 'X-Forwarded-For': '10.1.2.3' },
    });
    assert.equal(res.status, 200);
    const rec = recorder.last((r) => r.target === target);
    assert.ok(rec, `the target is forwarded byte for byte: ${recorder.requests.map((r) => r.target)}`);
    assert.equal(rec.method, 'GET');
    assert.deepEqual(header(rec.rawHeaders, 'x-opaque-id'), ['op-42']);
    assert.deepEqual(header(rec.rawHeaders, 'x-hop'), []);
    assert.deepEqual(header(rec.rawHeaders, 'keep-alive'), []);
    assert.deepEqual(header(rec.rawHeaders, 'x-forwarded-for'), ['10.1.2.3, 127.0.0.1']);
    assert.deepEqual(header(rec.rawHeaders, 'x-forwarded-proto'), ['http']);
    assert.deepEqual(header(rec.rawHeaders, 'x-forwarded-host'), [`127.0.0.1:${gateway.port}`]);
    assert.deepEqual(header(rec.rawHeaders, 'host'), [`127.0.0.1:${recorder.port}`]);
    assert.deepEqual(header(rec.rawHeaders, 'user-agent'), [], 'nothing added by the gateway');
    assert.equal(res.text, rec.answer.body.toString('utf8'));
  });

  test('a request target that cannot go on byte for byte is a 400, not forwarded', async () => {
    const net = await import('node:net');
    const before = recorder.requests.length;
    const answer = await new Promise((resolve, reject) => {
      const sock = net.connect(gateway.port, '127.0.0.1', () => {
        sock.write(Buffer.concat([Buffer.from('GET /caf'), Buffer.from([0xc3, 0xa9]), Buffer.from(' HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')]));
      });
      let text = '';
      sock.on('data', (d) => { text += d.toString('latin1'); });
      sock.on('end', () => resolve(text));
      sock.on('error', reject);
    });
    assert.match(answer, /^HTTP\/1\.1 400 /);
    assert.equal(recorder.requests.length, before);
  });

  test('a chunked request body arrives whole; a gzip answer passes through compressed', async () => {
    await createIndex(cluster.url, 'chunky', { mappings: { properties: { n: { type: 'integer' }, text: { type: 'text' } } } });
    const lines = [];
    for (let i = 0; i < 300; i++) lines.push(JSON.stringify({ index: { _id: String(i) } }), JSON.stringify({ n: i, text: `words ${i} `.repeat(20) }));
    const ndjson = lines.join('\n') + '\n';
    const url = new URL(gateway.url);
    const status = await new Promise((resolve, reject) => {
      const req = http.request({ host: url.hostname, port: url.port, method: 'POST', path: '/chunky/_bulk?refresh=true', headers: { 'Content-Type': 'application/x-ndjson' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      });
      req.on('error', reject);
      for (let i = 0; i < ndjson.length; i += 1000) req.write(ndjson.slice(i, i + 1000));
      req.end();
    });
    assert.equal(status, 200);
    const rec = recorder.last((r) => r.target.startsWith('/chunky/_bulk'));
    assert.equal(rec.body.toString('utf8'), ndjson);
    assert.deepEqual(header(rec.rawHeaders, 'transfer-encoding'), ['chunked']);

    const search = await new Promise((resolve, reject) => {
      const req = http.request({ host: url.hostname, port: url.port, path: '/chunky/_search?size=100', headers: { 'Accept-Encoding': 'gzip' } }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, raw: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.end();
    });
    const srec = recorder.last((r) => r.target.startsWith('/chunky/_search'));
    assert.equal(search.status, 200);
    assert.equal(search.headers['content-encoding'], 'gzip');
    assert.deepEqual(search.raw, srec.answer.body, 'the compressed bytes are the cluster\'s');
    assert.equal(JSON.parse(zlib.gunzipSync(search.raw)).hits.hits.length, 100);
  });
});

describe('what the gateway owns', () => {
  test('_batch_ingestion writes into the cluster; task ids route to their owner', async () => {
    await createIndex(cluster.url, 'ingested', seedIndexBody(DIM));
    const records = sagemakerRecords(120, DIM, 5);
    writeJsonl(join(gateway.importDir, 'in.jsonl'), records);
    const res = await request(gateway.url, {
      method: 'POST', path: INGEST_PATH, json: seedSingleFileRequest('ingested', join(gateway.importDir, 'in.jsonl'), 'file'),
    });
    assert.equal(res.status, 200, res.text);
    assert.ok(!recorder.requests.some((r) => r.target.startsWith(INGEST_PATH)), 'sluice answered it itself');
    const task = await waitTask(gateway.url, res.body.task_id);
    assert.equal(task.state, 'COMPLETED', JSON.stringify(task));
    assert.ok(!recorder.requests.some((r) => r.target.includes(res.body.task_id)), 'its own task id stays local');
    await request(cluster.url, { method: 'POST', path: '/ingested/_refresh' });
    const count = await request(gateway.url, { path: '/ingested/_count' });
    assert.equal(count.body.count, 120, 'the documents are on the cluster');
    assert.ok(recorder.last((r) => r.target === '/ingested/_count'), 'the count was the cluster\'s');

    const other = await request(gateway.url, { path: '/_plugins/_ml/tasks/not-a-sluice-task' });
    const rec = recorder.last((r) => r.target === '/_plugins/_ml/tasks/not-a-sluice-task');
    assert.ok(rec, 'an unknown task id is asked of the cluster');
    assert.equal(other.status, rec.answer.status);
    assert.equal(other.text, rec.answer.body.toString('utf8'));
  });

  test('a task search merges sluice\'s tasks with the cluster\'s', async () => {
    const fake = await startRecordingCluster({
      handle: (req) => (req.url.startsWith('/_plugins/_ml/tasks/_search')
        ? { status: 200, body: JSON.stringify({ took: 1, timed_out: false, hits: { total: { value: 1, relation: 'eq' }, max_score: 1, hits: [{ _index: '.plugins-ml-task', _id: 'cluster-task-1', _score: 1, _source: { task_type: 'BATCH_PREDICTION', state: 'COMPLETED' } }] } }) }
        : undefined),
    });
    const gw = await startIngestServer({ args: ['--remote-cluster', fake.url, '--gateway'] });
    try {
      writeJsonl(join(gw.importDir, 'in.jsonl'), sagemakerRecords(3, DIM, 6));
      const sub = await request(gw.url, {
        method: 'POST', path: INGEST_PATH, json: seedSingleFileRequest('nowhere', join(gw.importDir, 'in.jsonl'), 'file'),
      });
      const own = sub.status === 200 ? sub.body.task_id : null;
      const res = await request(gw.url, { method: 'POST', path: '/_plugins/_ml/tasks/_search', json: { query: { match_all: {} } } });
      assert.equal(res.status, 200, res.text);
      const ids = res.body.hits.hits.map((h) => h._id);
      assert.ok(ids.includes('cluster-task-1'), JSON.stringify(res.body));
      const mine = res.body.hits.hits.filter((h) => h._sluice === true).map((h) => h._id);
      assert.equal(res.body.hits.total.value, mine.length + 1);
      if (own) assert.deepEqual(mine, [own]);
      assert.ok(!res.body.hits.hits.find((h) => h._id === 'cluster-task-1')._sluice);
    } finally {
      await gw.stop();
      await fake.close();
    }
  });

  test('metrics are sluice\'s own', async () => {
    const res = await request(gateway.url, { path: '/_prometheus/metrics' });
    assert.equal(res.status, 200);
    assert.match(res.text, /sluice_http_requests_total/);
    assert.ok(!recorder.requests.some((r) => r.target.startsWith('/_prometheus')));
  });
});
