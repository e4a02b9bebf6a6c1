// knn_http_bench: knn QPS over HTTP (`_source: false`, k=10, keep-alive) against raw
// hnswlib searchKnn on the same vectors, parameters, ef and client/thread counts, in one
// run (run by hand, never by ctest), with the QPS of GET / through the same client as
// the transport's ceiling. Two clients: Node's `http` (as applications use) and
// bench/http_qps (C++, blocking sockets, requests formatted in advance: the server's
// figure, not the client's). Dataset: ann/ngt-sift5k (4,800 base, 200 queries,
// 128-d, L2), m 16, ef_construction 200, ef = the smallest of 16..256 giving raw
// recall@10 >= 0.95. Rounds interleave raw and HTTP; each figure is the best of them.
// Prints the 1-minute load average before and after (the machine is shared), and CPU time
// per query — raw hnswlib's process against the server's, from /proc, with the C++
// client — which other processes on a shared machine move far less than QPS.
//
//   cmake --build build --target sluice knn_raw_qps http_qps
//   SLUICE_BIN=build/sluice RAW_BIN=build/bench/knn_raw_qps HTTP_QPS_BIN=build/bench/http_qps \
//     node bench/knn_http_bench.mjs
//   (SECONDS_PER_RUN=3 ROUNDS=2 CLIENTS=1,4 by default)
import http from 'node:http';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { startServer, makeTempDir } from '../tests/e2e/lib/server.mjs';

const here = new URL('.', import.meta.url).pathname;
const data = process.env.SIFT || join(here, '../../shared/testdata/ann/ngt-sift5k/sift-dataset-5k.tsv');
const rawBin = process.env.RAW_BIN || join(here, '../build/bench/knn_raw_qps');
const execFileAsync = promisify(execFile);
const qpsBin = process.env.HTTP_QPS_BIN || join(here, '../build/bench/http_qps');
const seconds = Number(process.env.SECONDS_PER_RUN || 3);
const rounds = Number(process.env.ROUNDS || 2);
const clients = (process.env.CLIENTS || '1,4').split(',').map(Number);
const load0 = loadavg()[0];
const dim = 128;

// Same split as bench/knn_bench.cc: every 25th row is a query.
const base = [];
const queries = [];
readFileSync(data, 'utf8').split('\n').filter(Boolean).forEach((line, row) => {
  const v = line.trim().split(/\s+/).slice(0, dim).map(Number);
  (row % 25 === 0 ? queries : base).push(v);
});
const truth = queries.map((q) => base.map((b, i) => [b.reduce((s, x, j) => s + (x - q[j]) ** 2, 0), i])
  .sort((a, b) => a[0] - b[0]).slice(0, 10).map((p) => p[1]));
const recall = (got) => got.reduce((s, ls, q) => s + ls.filter((l) => truth[q].includes(l)).length, 0) / (10 * queries.length);

const dir = makeTempDir('knn-http-bench-');
const f32 = (rows, path) => writeFileSync(path, Buffer.from(new Float32Array(rows.flat()).buffer));
f32(base, join(dir, 'base.f32'));
f32(queries, join(dir, 'queries.f32'));
function raw(ef, threads) {
  const out = execFileSync(rawBin, [join(dir, 'base.f32'), join(dir, 'queries.f32'), dim, 16, 200, ef, seconds, ...threads].map(String), { encoding: 'utf8' });
  const qps = {};
  const labels = [];
  const cpu = {};
  for (const line of out.split('\n')) {
    let m = line.match(/^raw_qps threads=(\d+) qps=(\d+) cpu_us_per_query=([\d.]+)/);
    if (m) { qps[m[1]] = Number(m[2]); cpu[m[1]] = Number(m[3]); }
    m = line.match(/^labels (\d+) (.*)$/);
    if (m) labels[Number(m[1])] = m[2].split(' ').map(Number);
  }
  return { qps, cpu, recall: recall(labels) };
}

let ef = 16;
for (; ef < 256 && raw(ef, [1]).recall < 0.95; ef *= 2);
// Keep the QPS pass of the ef search short: only the recall matters there.

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
function call(url, method, path, body) {
  return new Promise((resolve, reject) => {
    const u = new URL(path, url);
    const payload = body === undefined ? undefined : Buffer.from(body);
    const req = http.request({ host: u.hostname, port: u.port, method, path: u.pathname, agent,
      headers: payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {} }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

const server = await startServer();
try {
  let r = await call(server.url, 'PUT', '/vec', JSON.stringify({
    settings: { 'index.knn': true, 'index.knn.algo_param.ef_search': ef },
    mappings: { properties: { v: { type: 'knn_vector', dimension: dim,
      method: { name: 'hnsw', engine: 'nmslib', space_type: 'l2', parameters: { m: 16, ef_construction: 200 } } } } } }));
  if (r.status !== 200) throw new Error(r.body);
  for (let s = 0; s < base.length; s += 1000) {
    let nd = '';
    for (let i = s; i < Math.min(base.length, s + 1000); i++) {
      nd += JSON.stringify({ index: { _index: 'vec', _id: String(i) } }) + '\n' + JSON.stringify({ v: base[i] }) + '\n';
    }
    r = await call(server.url, 'POST', '/_bulk?refresh=true', nd);
    if (r.status !== 200 || JSON.parse(r.body).errors) throw new Error(r.body.slice(0, 300));
  }
  const bodies = queries.map((v) => JSON.stringify({ size: 10, _source: false, query: { knn: { v: { vector: v, k: 10 } } } }));
  const got = [];
  for (let q = 0; q < queries.length; q++) {
    got.push(JSON.parse((await call(server.url, 'POST', '/vec/_search', bodies[q])).body).hits.hits.map((h) => Number(h._id)));
  }
  const httpRecall = recall(got);
  // The server's CPU time (user + system, seconds) so far, from /proc.
  const serverCpu = () => {
    const f = readFileSync(`/proc/${server.proc.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;  // utime, stime in USER_HZ ticks
  };
  // `floor`: GET / with the same client — the transport's ceiling for any request.
  async function httpQps(n, floor = false) {
    let done = 0;
    const until = Date.now() + seconds * 1000;
    await Promise.all(Array.from({ length: n }, async (_, c) => {
      for (let q = c; Date.now() < until; q = (q + n) % bodies.length) {
        const res = floor ? await call(server.url, 'GET', '/') : await call(server.url, 'POST', '/vec/_search', bodies[q]);
        if (res.status !== 200) throw new Error(res.body);
        done++;
      }
    }));
    return done / seconds;
  }
  const bodiesFile = join(dir, 'bodies.ndjson');
  writeFileSync(bodiesFile, bodies.join('\n') + '\n');
  const port = new URL(server.url).port;
  // The C++ client: one process per measurement, all connection counts in it. Run
  // asynchronously: this process must keep draining the server's log pipe meanwhile.
  // Also the server's CPU µs per query (the figure a loaded machine moves least).
  async function cppQps(method, path, file) {
    const qps = {}, cpu = {};
    for (const n of clients) {
      const cpu0 = serverCpu();
      const { stdout: out } = await execFileAsync(qpsBin, [port, method, path, file, seconds, n].map(String), { encoding: 'utf8' });
      const m = out.match(/^http_qps connections=(\d+) qps=(\d+) queries=(\d+)/m);
      qps[n] = Number(m[2]);
      cpu[n] = (serverCpu() - cpu0) * 1e6 / Number(m[3]);
    }
    return { qps, cpu };
  }
  const best = { raw: {}, http: {}, floor: {}, cpp: {}, cppFloor: {}, rawCpu: {}, cppCpu: {}, floorCpu: {} };
  const max = (table, n, v) => { table[n] = Math.max(table[n] || 0, v); };
  const min = (table, n, v) => { table[n] = Math.min(table[n] ?? Infinity, v); };
  let rawRecall = 0;
  for (let round = 0; round < rounds; round++) {
    const rr = raw(ef, clients);
    rawRecall = rr.recall;
    const cpp = await cppQps('POST', '/vec/_search', bodiesFile);
    const cppFloor = await cppQps('GET', '/', '-');
    for (const n of clients) {
      max(best.raw, n, rr.qps[n]);
      min(best.rawCpu, n, rr.cpu[n]);
      max(best.cpp, n, cpp.qps[n]);
      min(best.cppCpu, n, cpp.cpu[n]);
      max(best.cppFloor, n, cppFloor.qps[n]);
      min(best.floorCpu, n, cppFloor.cpu[n]);
      max(best.http, n, await httpQps(n));
      max(best.floor, n, await httpQps(n, true));
    }
  }
  console.log(`knn_http_bench: sift5k base=${base.length} queries=${queries.length} dim=${dim} m=16 ef_construction=200 ef=${ef} k=10 _source=false`);
  console.log(`recall@10: raw=${rawRecall.toFixed(4)} http=${httpRecall.toFixed(4)}`);
  console.log(`load average (1 min): ${load0.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after`);
  for (const n of clients) {
    const r = best.raw[n];
    console.log(`clients=${n}: raw_hnswlib=${r.toFixed(0)} qps` +
      ` | C++ client: http=${best.cpp[n].toFixed(0)} qps http_vs_raw=${(best.cpp[n] / r).toFixed(2)}x floor(GET /)=${best.cppFloor[n].toFixed(0)} qps` +
      ` | Node client: http=${best.http[n].toFixed(0)} qps http_vs_raw=${(best.http[n] / r).toFixed(2)}x floor(GET /)=${best.floor[n].toFixed(0)} qps`);
    console.log(`clients=${n} CPU per query: raw_hnswlib=${best.rawCpu[n].toFixed(1)} us server(knn, C++ client)=${best.cppCpu[n].toFixed(1)} us` +
      ` server(GET /)=${best.floorCpu[n].toFixed(1)} us cpu_raw_vs_http=${(best.rawCpu[n] / best.cppCpu[n]).toFixed(2)}x`);
  }
} finally {
  await server.stop();
  agent.destroy();
}
