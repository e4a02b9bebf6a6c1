// Bounded memory: a batch ingestion streams its input. A generated JSONL file
// of ~210 MB — more than 20× the configured batch memory (IngestOptions
// defaults: batch_bytes 8 MiB, 500 documents per batch, queue_depth 2) — is
// ingested, and the server's peak RSS (VmHWM) must stay under a bound that does
// not grow with the input file.
//
// Each line carries a 10 KB field the request does not map (like the request
// echo of a batch-predict output), so the file is large while the stored
// documents are small: reading, parsing and batching are what is measured.
//
// The bound, derived from the server's configuration:
//   idle          VmHWM of the started server before the ingest (binary, threads, RocksDB open)
// + 64 MiB        RocksDB block cache (StorageOptions.block_cache_bytes)
// + 2 × stored    memtables and WAL buffers can hold every stored byte (≈ 0.7 KB/doc × N; the
//                 128 MB write buffers of OptimizeLevelStyleCompaction are never filled here)
// + 4 × 8 MiB     batch memory: queue_depth 2 queued + 1 being written + 1 being built, each at
//                 most batch_bytes (here far less: 500 small documents)
// + 100 B × N     the index's doc table (id ↔ doc number) and keyword values
// + 48 MiB        allocator slack, line buffers (256 KiB reads), simdjson parser capacity
// With N = 20 000 that is ≈ idle + 190 MiB, below the file's 210 MB: slurping the
// file, or holding its lines, would exceed it.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream, statSync } from 'node:fs';
import { join } from 'node:path';

import { count, createIndex, startIngestServer, submitIngest, vmHwmKiB, waitTask } from './lib/ingest.mjs';

const N = 20000;
const MiB = 1024 * 1024;
let server;

after(async () => {
  await server?.kill();
});

test('peak RSS stays under the derived bound while ingesting a file 20× bigger than batch memory', async () => {
  server = await startIngestServer();
  await createIndex(server.url, 'mem', {
    settings: { 'index.knn': true },
    mappings: { properties: { text: { type: 'text' }, tag: { type: 'keyword' }, vec: { type: 'knn_vector', dimension: 4 } } },
  });
  const path = join(server.importDir, 'big.jsonl');
  const out = createWriteStream(path);
  const text = 'lorem ipsum dolor sit amet '.repeat(20);  // 540 B stored per document
  const raw = 'x'.repeat(10 * 1024);  // unmapped
  let stored = 0;
  for (let i = 0; i < N; i++) {
    const rec = { id: `d${i}`, t: `${i} ${text}`, g: `tag${i % 100}`, v: [i % 7, i % 11, i % 13, 1], raw: `${i}${raw}` };
    stored += rec.t.length + rec.g.length + 40;
    if (!out.write(`${JSON.stringify(rec)}\n`)) await new Promise((r) => out.once('drain', r));
  }
  await new Promise((r) => out.end(r));
  const fileBytes = statSync(path).size;
  assert.ok(fileBytes >= 20 * 8 * MiB, `the file (${fileBytes} B) is at least 20× batch_bytes`);

  const idle = vmHwmKiB(server.proc.pid) * 1024;
  const bound = idle + 64 * MiB + 2 * stored + 4 * 8 * MiB + 100 * N + 48 * MiB;
  assert.ok(bound < fileBytes, 'the bound is below the file size, so it is a real bound');

  const res = await submitIngest(server.url, {
    index_name: 'mem',
    field_map: { _id: '$.id', text: '$.t', tag: '$.g', vec: '$.v' },
    data_source: { type: 'file', source: [path] },
  });
  assert.equal(res.status, 200, res.text);
  let peak = 0;
  const task = await waitTask(server.url, res.body.task_id, {
    timeoutMs: 120000,
    everyMs: 200,
    until: (t) => {
      peak = Math.max(peak, vmHwmKiB(server.proc.pid) * 1024);
      return ['COMPLETED', 'COMPLETED_WITH_ERROR', 'FAILED', 'CANCELLED'].includes(t.state);
    },
  });
  assert.equal(task.state, 'COMPLETED', JSON.stringify(task));
  assert.equal(task.ingest_status.documents_written, N);
  assert.equal(task.ingest_status.bytes_read, fileBytes);
  peak = Math.max(peak, vmHwmKiB(server.proc.pid) * 1024);
  const mb = (x) => `${(x / MiB).toFixed(1)} MiB`;
  const report = `file ${mb(fileBytes)}, idle ${mb(idle)}, peak ${mb(peak)}, bound ${mb(bound)}`;
  console.log(`# ${report}`);
  assert.ok(peak < bound, report);
  assert.equal(await count(server.url, 'mem'), N);
});
