// Benchmark (run by hand, not by CTest): _bulk and knn _search throughput
// through the gateway (`serve --remote-cluster URL --gateway`) against the
// same requests sent straight to the cluster (a second sluice), same client
// (keep-alive, N concurrent requests), in the same run, rounds interleaved so
// that machine noise hits both alike. Prints both rates and the ratio
// gateway/direct for each.
//
//   SLUICE_BIN=build/sluice node bench/gateway_bench.mjs [rounds] [concurrency]
import http from 'node:http';

import { startServer } from '../tests/e2e/lib/server.mjs';

const ROUNDS = Number(process.argv[2] || 6);
const CONCURRENCY = Number(process.argv[3] || 4);
const DIM = 64;
const DOCS_PER_BULK = 500;
const BULKS_PER_ROUND = 8;
const SEARCHES_PER_ROUND = 400;

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function send(base, method, path, body, type = 'application/json') {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method, path, agent,
      headers: body ? { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) } : {} }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode >= 300) reject(new Error(`${method} ${path}: ${res.statusCode} ${Buffer.concat(chunks)}`));
        else resolve(Buffer.concat(chunks));
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

function vec(i) {
  return Array.from({ length: DIM }, (_, d) => Number(Math.sin(i * 13.7 + d * 0.31).toFixed(5)));
}

let nextId = 0;
function bulkBody() {
  const lines = [];
  for (let i = 0; i < DOCS_PER_BULK; i++) {
    const id = nextId++;
    lines.push(JSON.stringify({ index: { _index: 'bench', _id: String(id) } }), JSON.stringify({ n: id, v: vec(id) }));
  }
  return lines.join('\n') + '\n';
}

async function pool(n, fn) {
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < n) await fn(next++);
  }));
}

async function timeBulk(base) {
  const bodies = Array.from({ length: BULKS_PER_ROUND }, bulkBody);
  const t = process.hrtime.bigint();
  await pool(bodies.length, (i) => send(base, 'POST', '/_bulk', bodies[i], 'application/x-ndjson'));
  return { seconds: Number(process.hrtime.bigint() - t) / 1e9, bytes: bodies.reduce((s, b) => s + b.length, 0) };
}

async function timeSearch(base) {
  const t = process.hrtime.bigint();
  await pool(SEARCHES_PER_ROUND, (i) => send(base, 'POST', '/bench/_search',
    JSON.stringify({ size: 10, query: { knn: { v: { vector: vec(i * 7 + 3), k: 10 } } } })));
  return Number(process.hrtime.bigint() - t) / 1e9;
}

const cluster = await startServer();
const gateway = await startServer({ args: ['--remote-cluster', cluster.url, '--gateway'] });
try {
  await send(cluster.url, 'PUT', '/bench', JSON.stringify({
    settings: { 'index.knn': true },
    mappings: { properties: { n: { type: 'integer' }, v: { type: 'knn_vector', dimension: DIM } } },
  }));
  // Warm-up: connections, pools, the first graph inserts.
  await timeBulk(cluster.url);
  await timeBulk(gateway.url);
  const totals = { direct: { bulk: 0, bytes: 0, search: 0 }, gateway: { bulk: 0, bytes: 0, search: 0 } };
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? [['direct', cluster.url], ['gateway', gateway.url]] : [['gateway', gateway.url], ['direct', cluster.url]];
    for (const [name, url] of order) {
      const b = await timeBulk(url);
      totals[name].bulk += b.seconds;
      totals[name].bytes += b.bytes;
    }
  }
  await send(cluster.url, 'POST', '/bench/_refresh');
  await timeSearch(cluster.url);
  await timeSearch(gateway.url);
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? [['direct', cluster.url], ['gateway', gateway.url]] : [['gateway', gateway.url], ['direct', cluster.url]];
    for (const [name, url] of order) totals[name].search += await timeSearch(url);
  }
  const docs = ROUNDS * BULKS_PER_ROUND * DOCS_PER_BULK;
  const searches = ROUNDS * SEARCHES_PER_ROUND;
  const rate = (t) => ({ bulk: docs / t.bulk, mbps: t.bytes / t.bulk / 1e6, search: searches / t.search });
  const d = rate(totals.direct);
  const g = rate(totals.gateway);
  console.log(`bulk direct: ${d.bulk.toFixed(0)} docs/s (${d.mbps.toFixed(1)} MB/s); gateway: ${g.bulk.toFixed(0)} docs/s (${g.mbps.toFixed(1)} MB/s)`);
  console.log(`gateway_vs_direct_bulk: ${(g.bulk / d.bulk).toFixed(2)}x`);
  console.log(`knn search direct: ${d.search.toFixed(0)} q/s; gateway: ${g.search.toFixed(0)} q/s`);
  console.log(`gateway_vs_direct_knn_search: ${(g.search / d.search).toFixed(2)}x`);
} finally {
  agent.destroy();
  await gateway.stop();
  await cluster.stop();
}
