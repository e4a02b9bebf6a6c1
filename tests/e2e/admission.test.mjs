// Admission control seen from outside, against the release binary: the accept
// loop under descriptor exhaustion (ulimit -n), held-open large bodies against
// the in-flight bytes budget, and strict input (invalid UTF-8, duplicate keys).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { makeTempDir, sluiceBin, startServer } from './lib/server.mjs';
import { request } from './lib/http.mjs';

// Polls `check` until it returns a truthy value (the events here are in another process).
async function until(check, what, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function cpuSeconds(pid) {
  // utime and stime, fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 Hz on Linux).
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function rssBytes(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]) * 1024;
}

function countLines(text, needle) {
  return text.split('\n').filter((l) => l.includes(needle)).length;
}

// Starts sluice through `sh -c 'ulimit -n N; exec sluice ...'`.
async function startWithFdLimit(limit, args) {
  const dir = makeTempDir('sluice-ulimit-');
  const wrapper = join(dir, 'sluice-ulimit.sh');
  writeFileSync(wrapper, `#!/bin/sh\nulimit -n ${limit} || exit 97\nexec "${sluiceBin()}" "$@"\n`);
  chmodSync(wrapper, 0o755);
  const saved = process.env.SLUICE_BIN;
  process.env.SLUICE_BIN = wrapper;
  try {
    return await startServer({ args });
  } finally {
    if (saved === undefined) delete process.env.SLUICE_BIN;
    else process.env.SLUICE_BIN = saved;
  }
}

function connect(port) {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.on('error', reject);
  });
}

test('descriptor exhaustion: accept backs off, logs little, and recovers', async () => {
  const server = await startWithFdLimit(128, ['--max-connections', '1000']);
  const sockets = [];
  try {
    // More connections than descriptors: the kernel completes them in the
    // backlog, the server's accept() fails with EMFILE.
    for (let i = 0; i < 200; i++) {
      const s = await connect(server.port);
      s.on('error', () => {});
      sockets.push(s);
    }
    await until(() => server.logs().includes('accept_failed'), 'the first accept_failed line');
    const cpu0 = cpuSeconds(server.proc.pid);
    const lines0 = countLines(server.logs(), 'accept_failed');
    const t0 = Date.now();
    // A measuring window, not a synchronisation: the spinning loop of old burnt
    // a whole core and wrote ~20 MB of log lines per second here.
    await new Promise((r) => setTimeout(r, 2000));
    const window = (Date.now() - t0) / 1000;
    const cpu = cpuSeconds(server.proc.pid) - cpu0;
    const lines = countLines(server.logs(), 'accept_failed') - lines0;
    assert.ok(cpu < 0.25 * window, `server used ${cpu}s of CPU in ${window}s while out of descriptors`);
    assert.ok(lines <= 1, `${lines} accept_failed lines in ${window}s`);
  } finally {
    for (const s of sockets) s.destroy();
  }
  // Descriptors come back as the clients go: the server serves again.
  const res = await until(async () => {
    try {
      const r = await request(server.url, { path: '/_cluster/health', timeoutMs: 2000 });
      return r.status === 200 && r;
    } catch {
      return false;
    }
  }, 'GET /_cluster/health after the clients left');
  assert.equal(res.body.status, 'green');
  await server.stop();
});

test('20 held-open large bodies: beyond the in-flight budget 429 before the body, RSS bounded', async () => {
  const MB = 1024 * 1024;
  const BODY = 15 * MB;
  const server = await startServer({
    args: ['--max-in-flight-bytes', '40mb', '--max-content-length', String(20 * MB)],
  });
  const pid = server.proc.pid;
  const rss0 = rssBytes(pid);
  const clients = [];
  try {
    for (let i = 0; i < 20; i++) {
      const s = await connect(server.port);
      const c = { socket: s, response: '', drained: false };
      s.on('data', (d) => { c.response += d.toString('latin1'); });
      s.on('error', () => {});
      clients.push(c);
      s.write(`POST /held/_doc/${i} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
              `Content-Length: ${BODY}\r\n\r\n`);
    }
    const refused = await until(() => {
      const n = clients.filter((c) => c.response.startsWith('HTTP/1.1 429')).length;
      return n === 18 && n;
    }, '18 answers of 429');
    assert.equal(refused, 18);
    const sample = clients.find((c) => c.response.startsWith('HTTP/1.1 429')).response;
    const body = JSON.parse(sample.slice(sample.indexOf('\r\n\r\n') + 4));
    assert.equal(body.status, 429);
    assert.equal(body.error.type, 'circuit_breaking_exception');
    assert.equal(body.error.durability, 'TRANSIENT');
    assert.equal(body.error.bytes_limit, 40 * MB);
    assert.equal(body.error.bytes_wanted, 3 * BODY);
    assert.match(body.error.reason,
      /^\[in_flight_requests\] Data too large, data for \[<http_request>\] would be \[47185920\/45mb\], which is larger than the limit of \[41943040\/40mb\]$/);
    // The two admitted ones send all but the last byte of their bodies and hold.
    const admitted = clients.filter((c) => c.response === '');
    assert.equal(admitted.length, 2);
    const doc = Buffer.alloc(BODY, 'x');
    doc.write('{"t":"', 0);
    doc.write('"}', BODY - 2);
    await Promise.all(admitted.map((c) => new Promise((resolve) => {
      c.socket.write(doc.subarray(0, BODY - 1), resolve);
    })));
    // Everyone else retrying finds the budget still taken.
    const retry = await request(server.url, { method: 'PUT', path: '/held/_doc/x', body: doc,
      headers: { 'Content-Type': 'application/json' } });
    assert.equal(retry.status, 429);
    const grown = rssBytes(pid) - rss0;
    assert.ok(grown < 150 * MB, `RSS grew by ${(grown / MB).toFixed(0)} MB`);
    // Cheap requests are still answered meanwhile, and the refusals are counted.
    assert.equal((await request(server.url, { path: '/' })).status, 200);
    const metrics = (await request(server.url, { path: '/_prometheus/metrics' })).text;
    const trips = Number(/^sluice_http_breaker_tripped_total (\S+)$/m.exec(metrics)?.[1]);
    assert.ok(trips >= 19, `sluice_http_breaker_tripped_total ${trips}`);
    assert.match(metrics, /^sluice_http_in_flight_bytes 31457280$/m);
    assert.match(metrics, /^sluice_http_pool_threads\{pool="search"\} \d+$/m);
    for (const c of admitted) c.socket.write(doc.subarray(BODY - 1));
    await until(() => admitted.every((c) => / 20[01] /.test(c.response.slice(0, 16))),
      // The write pool runs at nice +10: on a saturated machine two 15 MB documents take a while.
      'the two admitted documents written', 60000);
  } finally {
    for (const c of clients) c.socket.destroy();
  }
  await server.stop();
});

test('strict input: invalid UTF-8 and duplicate keys are 400 and never stored', async () => {
  const server = await startServer();
  try {
    const put = (path, raw, type = 'application/json') =>
      request(server.url, { method: 'PUT', path, body: Buffer.from(raw, 'latin1'),
        headers: { 'Content-Type': type } });
    let r = await put('/strict/_doc/1', '{"title":"a","title":"b"}');
    assert.equal(r.status, 400);
    assert.equal(r.body.error.type, 'json_parse_exception');
    assert.match(r.body.error.reason, /^Duplicate field 'title'\n at \[Source: REDACTED/);
    r = await put('/strict/_doc/1', '{"title":"\xff"}');
    assert.equal(r.status, 400);
    assert.match(r.body.error.reason, /^Invalid UTF-8 start byte 0xff/);
    r = await request(server.url, { method: 'POST', path: '/_bulk',
      body: Buffer.from('{"index":{"_index":"strict","_id":"2"}}\n{"t":"caf\xe9"}\n', 'latin1'),
      headers: { 'Content-Type': 'application/x-ndjson' } });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.type, 'json_parse_exception');
    r = await put('/strict/_doc/%FF', '{"title":"a"}');
    assert.equal(r.status, 400);
    assert.equal(r.body.error.type, 'illegal_argument_exception');
    // Nothing above was stored; valid UTF-8 still is.
    r = await put('/strict/_doc/ok', '{"title":"café"}'.replace('é', '\xc3\xa9'));
    assert.equal(r.status, 201);
    r = await request(server.url, { path: '/strict/_search' });
    assert.equal(r.status, 200);
    assert.equal(r.body.hits.total.value, 1);
    assert.equal(r.body.hits.hits[0]._source.title, 'café');
  } finally {
    await server.stop();
  }
});
