// admission_bench: latency of cheap requests and of searches while bulks and
// searches saturate the machine (issue #13's benchmark; run by hand, never by ctest):
//   phase idle:   8 search clients (match over 5,000 ~300-byte docs) + a probe
//                 alternating GET / and GET /_cluster/health;
//   phase loaded: the same plus 4 clients sending _bulk of 500 ~1 KB docs to another index.
// Prints p50/p99 of each and search_p99_loaded_vs_idle (target ≤ 3x) and the probes'
// p99 under load (target < 20 ms), with the 1-minute load average of the machine.
// The probe runs in a worker thread with its own event loop and connection: on the
// main loop its requests queued behind the handling of twelve clients' responses and
// measured Node as much as the server.
//   SLUICE_BIN=build/sluice node bench/admission_bench.mjs [seconds per phase, default 8]
import http from 'node:http';
import { loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import { startServer } from '../tests/e2e/lib/server.mjs';

// GET / and GET /_cluster/health alternately, 10 ms apart, until workerData.end.
const probeSource = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const get = (path) => new Promise((resolve, reject) => {
  const t0 = process.hrtime.bigint();
  http.get(workerData.url + path, { agent }, (res) => {
    res.resume();
    res.on('end', () => resolve({ status: res.statusCode, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
  }).on('error', reject);
});
(async () => {
  const root = [], health = [], statuses = [];
  for (let i = 0; Date.now() < workerData.end; i++) {
    const r = await get(i % 2 ? '/_cluster/health' : '/');
    statuses.push(r.status);
    (i % 2 ? health : root).push(r.ms);
    await new Promise((res) => setTimeout(res, 10));
  }
  agent.destroy();
  parentPort.postMessage({ root, health, statuses });
})();
`;
function runProbe(url, end) {
  return new Promise((resolve, reject) => {
    const w = new Worker(probeSource, { eval: true, workerData: { url, end } });
    w.once('message', resolve);
    w.once('error', reject);
  });
}

const PHASE_S = Number(process.argv[2] ?? 8);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
function call(url, method, path, body, type = 'application/json') {
  return new Promise((resolve, reject) => {
    const u = new URL(path, url);
    const payload = body === undefined ? undefined : Buffer.from(body);
    const t0 = process.hrtime.bigint();
    const req = http.request({ host: u.hostname, port: u.port, method, path: u.pathname, agent,
      headers: payload ? { 'Content-Type': type, 'Content-Length': payload.length } : {} }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, ms: Number(process.hrtime.bigint() - t0) / 1e6,
        body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

let seed = 12345;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const words = ['vector', 'search', 'batch', 'ingest', 'embedding', 'model', 'chapter', 'index',
  'river', 'stone', 'signal', 'harbour', 'lantern', 'meadow', 'copper', 'orbit'];
const text = (n) => { let t = ''; while (t.length < n) t += words[Math.floor(rand() * words.length)] + ' '; return t; };
function bulkBody(index, n, size, prefix) {
  let nd = '';
  for (let i = 0; i < n; i++) {
    nd += JSON.stringify({ index: { _index: index, _id: `${prefix}-${i}` } }) + '\n';
    nd += JSON.stringify({ title: `doc ${i}`, n: i, body: text(size) }) + '\n';
  }
  return nd;
}
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN; };

const server = await startServer();
let stopBulk = false;
try {
  for (const idx of ['docs', 'ingest']) {
    await call(server.url, 'PUT', `/${idx}`, JSON.stringify({ mappings: { properties: {
      title: { type: 'text' }, n: { type: 'integer' }, body: { type: 'text' } } } }));
  }
  for (let b = 0; b < 5; b++) {
    const r = await call(server.url, 'POST', '/_bulk', bulkBody('docs', 1000, 300, `s${b}`), 'application/x-ndjson');
    if (r.status !== 200) throw new Error(r.body.slice(0, 300));
  }
  const queries = Array.from({ length: 64 }, () => JSON.stringify({ size: 10,
    query: { match: { body: `${words[Math.floor(rand() * 16)]} ${words[Math.floor(rand() * 16)]}` } } }));

  async function phase(withBulk) {
    const search = [], root = [], health = [], status = {};
    const end = Date.now() + PHASE_S * 1000;
    const count = (s) => { status[s] = (status[s] ?? 0) + 1; };
    let bulkDocs = 0;
    const bulkers = withBulk ? Array.from({ length: 4 }, async (_, c) => {
      const body = bulkBody('ingest', 500, 1000, `c${c}`);
      while (!stopBulk && Date.now() < end) {
        const r = await call(server.url, 'POST', '/_bulk', body, 'application/x-ndjson');
        count(r.status);
        if (r.status === 200) bulkDocs += 500;
      }
    }) : [];
    const searchers = Array.from({ length: 8 }, async (_, c) => {
      for (let q = c; Date.now() < end; q += 8) {
        const r = await call(server.url, 'POST', '/docs/_search', queries[q % queries.length]);
        count(r.status);
        if (r.status === 200) search.push(r.ms);
      }
    });
    const probe = runProbe(server.url, end).then((p) => {
      root.push(...p.root);
      health.push(...p.health);
      p.statuses.forEach(count);
    });
    const load = loadavg()[0];
    await Promise.all([...bulkers, ...searchers, probe]);
    return { search, root, health, status, bulkDocsPerS: bulkDocs / PHASE_S, load: [load, loadavg()[0]] };
  }
  const f = (x) => x.toFixed(1);
  const report = (name, r) => console.log(`${name}: search p50 ${f(pct(r.search, 0.5))} ms p99 ${f(pct(r.search, 0.99))} ms (${r.search.length}); ` +
    `GET / p99 ${f(pct(r.root, 0.99))} ms; _cluster/health p99 ${f(pct(r.health, 0.99))} ms; ` +
    `bulk ${r.bulkDocsPerS.toFixed(0)} docs/s; statuses ${JSON.stringify(r.status)}; load average ${f(r.load[0])} → ${f(r.load[1])}`);
  const idle = await phase(false);
  report('idle (8 search clients)', idle);
  const loaded = await phase(true);
  report('loaded (8 search + 4 bulk clients)', loaded);
  console.log(`search_p99_loaded_vs_idle: ${(pct(loaded.search, 0.99) / pct(idle.search, 0.99)).toFixed(2)}x (target <= 3x)`);
  console.log(`get_root_p99_loaded: ${f(pct(loaded.root, 0.99))} ms, cluster_health_p99_loaded: ${f(pct(loaded.health, 0.99))} ms (target < 20 ms)`);
} finally {
  stopBulk = true;
  await server.stop();
  agent.destroy();
}
