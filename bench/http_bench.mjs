// http_bench: end-to-end HTTP figures of a real server (run by hand, never by ctest):
//   - _bulk of ~1 KB documents (10 requests of 5,000), docs/s;
//   - knn query QPS over keep-alive connections (4 clients, 5 s), on 20k 128-d vectors,
//     next to the same queries' QPS through _count of match_all (the HTTP + JSON floor).
//   SLUICE_BIN=build/sluice node bench/http_bench.mjs
import http from 'node:http';
import { startServer } from '../tests/e2e/lib/server.mjs';

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
function call(url, method, path, body, type = 'application/json') {
  return new Promise((resolve, reject) => {
    const u = new URL(path, url);
    const payload = body === undefined ? undefined : Buffer.from(body);
    const req = http.request({ host: u.hostname, port: u.port, method, path: u.pathname + u.search, agent,
      headers: payload ? { 'Content-Type': type, 'Content-Length': payload.length } : {} }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

let seed = 12345;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const words = ['vector', 'search', 'batch', 'ingest', 'embedding', 'model', 'chapter', 'index'];

const server = await startServer();
try {
  await call(server.url, 'PUT', '/docs', JSON.stringify({ mappings: { properties: {
    title: { type: 'text' }, category: { type: 'keyword' }, price: { type: 'integer' }, body: { type: 'text' } } } }));
  const bulks = [];
  for (let b = 0; b < 10; b++) {
    let nd = '';
    for (let i = 0; i < 5000; i++) {
      let text = '';
      while (text.length < 880) text += words[Math.floor(rand() * words.length)] + ' ';
      nd += JSON.stringify({ index: { _index: 'docs', _id: `${b}-${i}` } }) + '\n';
      nd += JSON.stringify({ title: `document ${i}`, category: `c${i % 50}`, price: i % 997, body: text }) + '\n';
    }
    bulks.push(nd);
  }
  let start = process.hrtime.bigint();
  for (const nd of bulks) {
    const r = await call(server.url, 'POST', '/_bulk', nd, 'application/x-ndjson');
    if (r.status !== 200 || JSON.parse(r.body).errors) throw new Error(r.body.slice(0, 300));
  }
  let secs = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`http_bulk_1kb: ${(50000 / secs).toFixed(0)} docs/s (${(Buffer.byteLength(bulks.join('')) / secs / 1e6).toFixed(1)} MB/s)`);

  await call(server.url, 'PUT', '/vec', JSON.stringify({ settings: { 'index.knn': true }, mappings: { properties: {
    v: { type: 'knn_vector', dimension: 128, method: { name: 'hnsw', engine: 'nmslib', space_type: 'l2' } } } } }));
  const vectors = [];
  for (let b = 0; b < 20; b++) {
    let nd = '';
    for (let i = 0; i < 1000; i++) {
      const v = Array.from({ length: 128 }, () => Number(rand().toFixed(4)));
      vectors.push(v);
      nd += JSON.stringify({ index: { _index: 'vec', _id: String(b * 1000 + i) } }) + '\n' + JSON.stringify({ v }) + '\n';
    }
    await call(server.url, 'POST', '/_bulk', nd, 'application/x-ndjson');
  }
  async function qps(makeBody, path) {
    let done = 0;
    const until = Date.now() + 5000;
    await Promise.all(Array.from({ length: 4 }, async (_, c) => {
      for (let q = c; Date.now() < until; q += 4) {
        const r = await call(server.url, 'POST', path, makeBody(q));
        if (r.status !== 200) throw new Error(r.body);
        done++;
      }
    }));
    return done / 5;
  }
  const knn = await qps((q) => JSON.stringify({ size: 10, _source: false, query: { knn: { v: { vector: vectors[(q * 7919) % vectors.length], k: 10 } } } }), '/vec/_search');
  const floor = await qps(() => JSON.stringify({ query: { match_all: {} } }), '/vec/_count');
  console.log(`http_knn_qps: ${knn.toFixed(0)} (k=10, 4 keep-alive clients); http_count_qps: ${floor.toFixed(0)}; knn_vs_http_floor: ${(knn / floor).toFixed(2)}x`);
} finally {
  await server.stop();
  agent.destroy();
}
