// A full disk, for real: the data directory lives on a small tmpfs that the
// test mounts (it runs as root in CI), fills with a filler file and frees again.
//
// - writes are refused with OpenSearch's flood-stage 429 cluster_block_exception
//   while the disk is full, reads and searches keep working, and writes work
//   again by themselves once space is freed — nothing acknowledged is lost;
// - SIGTERM after a disk-full shuts down cleanly (no RocksDB assertion abort);
// - a server started on a full disk starts read-only and says so;
// - a batch ingestion hit by the full disk pauses and completes once space is back.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { request } from './lib/http.mjs';
import { INGEST_PATH, jsonl } from './lib/ingest.mjs';
import { startServer } from './lib/server.mjs';

const MOUNT_MB = 48;
const servers = new Set();
let mountDir = null;
let mountError = null;

before(() => {
  mountDir = mkdtempSync(join(tmpdir(), 'sluice-diskfull-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${MOUNT_MB}m`, 'tmpfs', mountDir], { stdio: 'pipe' });
  } catch (e) {
    mountError = `cannot mount a tmpfs (needs root): ${String(e.stderr || e.message).trim()}`;
  }
});

after(async () => {
  for (const s of servers) await s.kill();
  if (mountDir && !mountError) execFileSync('umount', ['-l', mountDir]);
  if (mountDir) rmSync(mountDir, { recursive: true, force: true });
});

// Skips without a tmpfs; otherwise removes what an earlier failed test left.
async function skipUnlessMounted(t) {
  if (mountError) {
    t.skip(mountError);
    return true;
  }
  for (const server of servers) await server.kill();
  servers.clear();
  for (const name of readdirSync(mountDir)) rmSync(join(mountDir, name), { recursive: true, force: true });
  return false;
}

// Writes are refused while less than this is free (a fixed value: the tmpfs is small).
const FLOOD_STAGE = 1 << 20;

async function start(dataDir, args = []) {
  const server = await startServer({ dataDir, args: ['--disk-flood-stage-free-bytes', String(FLOOD_STAGE), ...args] });
  servers.add(server);
  return server;
}

async function stop(server) {
  const result = await server.stop();
  servers.delete(server);
  return result;
}

// Writes a filler file until the filesystem refuses more bytes; removed by
// free() (and by the after hook's unmount if a test fails first).
function fill(dir, name = 'filler') {
  const path = join(dir, name);
  const fd = openSync(path, 'a');
  const chunk = Buffer.alloc(64 << 10, 7);
  try {
    for (;;) {
      try {
        writeSync(fd, chunk);
      } catch (e) {
        if (e.code !== 'ENOSPC') throw e;
        break;
      }
    }
    // The last partial chunk: byte by byte would be slow; 4 KiB steps are enough.
    const small = Buffer.alloc(4096, 7);
    for (;;) {
      try {
        writeSync(fd, small);
      } catch (e) {
        if (e.code !== 'ENOSPC') throw e;
        break;
      }
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

function bulkBody(index, from, n) {
  let body = '';
  for (let i = from; i < from + n; i++) {
    body += JSON.stringify({ index: { _index: index, _id: `d${i}` } }) + '\n';
    body += JSON.stringify({ n: i, text: `document number ${i} `.repeat(4) }) + '\n';
  }
  return body;
}

async function bulk(url, index, from, n) {
  return request(url, {
    method: 'POST',
    path: '/_bulk',
    body: bulkBody(index, from, n),
    headers: { 'Content-Type': 'application/x-ndjson' },
  });
}

// Log lines arrive through a pipe: wait for one rather than read at once.
async function waitForLog(server, pattern, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(server.logs())) {
    assert.ok(Date.now() < deadline, `no log line matching ${pattern}:\n${server.logs()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function free(path) {
  rmSync(path, { force: true });
}

// Sends bulks of fresh ids until one is refused for the full disk; returns the
// acknowledged ids and the refusal seen (a 429 item or a 429 response).
async function writeUntilRefused(url, index, start) {
  const acked = [];
  let next = start;
  for (let round = 0; round < 400; round++) {
    const res = await bulk(url, index, next, 100);
    next += 100;
    if (res.status === 429) return { acked, next, error: res.body.error, status: 429 };
    assert.equal(res.status, 200, res.text);
    let refused = null;
    for (const item of res.body.items) {
      const r = item.index;
      if (r.status === 200 || r.status === 201) acked.push(r._id);
      else refused ??= r;
    }
    if (refused) return { acked, next, error: refused.error, status: refused.status };
  }
  throw new Error('the disk never filled up');
}

async function count(url, index) {
  await request(url, { method: 'POST', path: `/${index}/_refresh` });
  const res = await request(url, { path: `/${index}/_count` });
  assert.equal(res.status, 200, res.text);
  return res.body.count;
}

function assertDiskFullError(status, error) {
  assert.equal(status, 429);
  assert.equal(error.type, 'cluster_block_exception');
  assert.match(error.reason, /disk usage exceeded flood-stage watermark/);
}

describe('disk full', { concurrency: false }, () => {
  test('writes are refused with a 429 while the disk is full and recover by themselves once space is freed', async (t) => {
    if (await skipUnlessMounted(t)) return;
    const dataDir = join(mountDir, 'recover');
    mkdirSync(dataDir);
    const server = await start(dataDir);
    assert.equal((await request(server.url, { method: 'PUT', path: '/full', json: {} })).status, 200);
    const first = await bulk(server.url, 'full', 0, 50);
    assert.equal(first.body.errors, false, first.text);

    const filler = fill(mountDir);
    const refused = await writeUntilRefused(server.url, 'full', 50);
    assertDiskFullError(refused.status, refused.error);
    // Reads and searches keep working.
    assert.equal((await request(server.url, { path: '/' })).status, 200);
    assert.equal((await request(server.url, { path: '/full/_doc/d1' })).status, 200);
    const search = await request(server.url, { method: 'POST', path: '/full/_search', json: { query: { match_all: {} } } });
    assert.equal(search.status, 200, search.text);
    // Still refused while nothing was freed.
    const again = await request(server.url, { method: 'PUT', path: '/full/_doc/again', json: { n: 1 } });
    assertDiskFullError(again.status, again.body.error);

    free(filler);
    // The next writes resume the store (tried at most once a second).
    let res;
    const deadline = Date.now() + 30000;
    do {
      res = await request(server.url, { method: 'PUT', path: '/full/_doc/after', json: { n: -1 } });
      if (res.status !== 429) break;
      await new Promise((r) => setTimeout(r, 100));
    } while (Date.now() < deadline);
    assert.equal(res.status, 201, res.text);
    await waitForLog(server, /event=storage_writable/);

    const total = await count(server.url, 'full');
    assert.equal(total, 50 + refused.acked.length + 1);
    for (const id of [...refused.acked.slice(-5), 'd0', 'after']) {
      assert.equal((await request(server.url, { path: `/full/_doc/${id}` })).status, 200, id);
    }
    const stopped = await stop(server);
    assert.deepEqual(stopped, { code: 0, signal: null }, server.logs());
  });

  test('SIGTERM after a disk-full shuts down cleanly and every acknowledged write is back', async (t) => {
    if (await skipUnlessMounted(t)) return;
    const dataDir = join(mountDir, 'shutdown');
    mkdirSync(dataDir);
    let server = await start(dataDir);
    assert.equal((await request(server.url, { method: 'PUT', path: '/s', json: {} })).status, 200);
    const filler = fill(mountDir);
    const refused = await writeUntilRefused(server.url, 's', 0);
    assertDiskFullError(refused.status, refused.error);
    const stopped = await stop(server);
    assert.deepEqual(stopped, { code: 0, signal: null }, server.logs());

    free(filler);
    server = await start(dataDir);
    assert.equal(await count(server.url, 's'), refused.acked.length);
    assert.deepEqual(await stop(server), { code: 0, signal: null });
  });

  test('a server started on a full disk starts read-only, says so, and serves what it has', async (t) => {
    if (await skipUnlessMounted(t)) return;
    const dataDir = join(mountDir, 'readonly');
    mkdirSync(dataDir);
    let server = await start(dataDir);
    assert.equal((await request(server.url, { method: 'PUT', path: '/ro', json: {} })).status, 200);
    assert.equal((await bulk(server.url, 'ro', 0, 20)).body.errors, false);
    // Stopped with data still in the WAL only (no flush happened yet for most of it).
    await server.kill();
    servers.delete(server);

    const filler = fill(mountDir);
    server = await start(dataDir);
    await waitForLog(server, /event=storage_read_only/);
    assert.equal((await request(server.url, { path: '/ro/_doc/d7' })).status, 200);
    const search = await request(server.url, { method: 'POST', path: '/ro/_search', json: { query: { match: { text: 'number' } } } });
    assert.equal(search.status, 200, search.text);
    assert.equal(search.body.hits.total.value, 20);
    const put = await request(server.url, { method: 'PUT', path: '/ro/_doc/new', json: { n: 1 } });
    assertDiskFullError(put.status, put.body.error);
    assert.deepEqual(await stop(server), { code: 0, signal: null }, server.logs());

    free(filler);
    server = await start(dataDir);
    assert.doesNotMatch(server.logs(), /event=storage_read_only/);
    const put2 = await request(server.url, { method: 'PUT', path: '/ro/_doc/new', json: { n: 1 } });
    assert.equal(put2.status, 201, put2.text);
    assert.deepEqual(await stop(server), { code: 0, signal: null });
  });

  test('a batch ingestion hit by the full disk pauses and completes once space is back', async (t) => {
    if (await skipUnlessMounted(t)) return;
    const dataDir = join(mountDir, 'ingest');
    mkdirSync(join(dataDir, 'import'), { recursive: true });
    const N = 12000;
    const records = Array.from({ length: N }, (_, i) => ({ id: `r${i}`, t: `record ${i} `.repeat(8), e: [i % 7, 1, 2] }));
    writeFileSync(join(dataDir, 'import', 'in.jsonl'), jsonl(records));
    const server = await start(dataDir);
    const created = await request(server.url, {
      method: 'PUT',
      path: '/ing',
      json: { settings: { index: { knn: true } }, mappings: { properties: { t: { type: 'text' }, e: { type: 'knn_vector', dimension: 3 } } } },
    });
    assert.equal(created.status, 200, created.text);
    // Leave room for the task record and a few batches, not for all of them.
    const reserve = join(mountDir, 'reserve');
    writeFileSync(reserve, Buffer.alloc(FLOOD_STAGE + (512 << 10)));
    const filler = fill(mountDir);
    free(reserve);

    const submitted = await request(server.url, {
      method: 'POST',
      path: INGEST_PATH,
      json: { index_name: 'ing', field_map: { _id: '$.id', t: '$.t', e: '$.e' }, data_source: { type: 'file', source: [join(dataDir, 'import', 'in.jsonl')] } },
    });
    assert.equal(submitted.status, 200, submitted.text);
    const taskId = submitted.body.task_id;
    const deadline = Date.now() + 60000;
    while (!/event=ingest_paused/.test(server.logs())) {
      const task = (await request(server.url, { path: `/_plugins/_ml/tasks/${taskId}` })).body;
      assert.ok(!['COMPLETED', 'COMPLETED_WITH_ERROR', 'FAILED', 'CANCELLED'].includes(task.state), `ended before the disk filled: ${JSON.stringify(task)}`);
      assert.ok(Date.now() < deadline, 'the ingestion never paused');
      await new Promise((r) => setTimeout(r, 50));
    }
    const paused = (await request(server.url, { path: `/_plugins/_ml/tasks/${taskId}` })).body;
    assert.equal(paused.state, 'RUNNING');

    free(filler);
    let task;
    do {
      task = (await request(server.url, { path: `/_plugins/_ml/tasks/${taskId}` })).body;
      if (['COMPLETED', 'COMPLETED_WITH_ERROR', 'FAILED', 'CANCELLED'].includes(task.state)) break;
      await new Promise((r) => setTimeout(r, 100));
    } while (Date.now() < deadline + 60000);
    assert.equal(task.state, 'COMPLETED', JSON.stringify(task));
    assert.equal(task.ingest_status.records_failed, 0);
    assert.equal(task.ingest_status.documents_written, N);
    assert.equal(await count(server.url, 'ing'), N);
    await waitForLog(server, /event=ingest_resumed/);
    assert.deepEqual(await stop(server), { code: 0, signal: null }, server.logs());
  });
});
