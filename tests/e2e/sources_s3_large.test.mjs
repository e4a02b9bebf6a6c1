// A 200 MB S3 object is streamed, not loaded: the server's peak RSS (VmHWM)
// grows by far less than the object's size.
//
// The object holds ~21,000 SageMaker-shaped lines of ~9.9 KB (two 384-float
// vectors each). The index maps only _id and one short text field (no knn
// field), so what the ingest writes is ~2 MB and the index stays small.
//
// Bound: the reading path holds O(1) buffers: the HTTP stream pauses at
// chunk_size (1 MiB), the decompressor/line reader hold 2 x 256 KiB plus one
// line, and the writer queues at most queue_depth (2) + 1 batches of at most
// 500 documents (~100 bytes each here, a few hundred KB with parsing state).
// RocksDB's memtable for ~2 MB of documents, allocator slack and thread
// stacks add some tens of MB at most. So the growth over the idle server
// must stay under 64 MiB, i.e. under a third of the object: an implementation
// that buffered the object (200 MB) or its documents would exceed it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { startServer } from './lib/server.mjs';
import { startS3, S3RVER_ACCESS_KEY } from './lib/s3.mjs';
import { countDocs, createIndex, ingest, peakRssKiB, Transcript, assertNoSecrets } from './lib/sources_helpers.mjs';

const OBJECT_BYTES = 200 * 1000 * 1000;
const GROWTH_BOUND_KIB = 64 * 1024;
const SECRET_KEY = 'large-SECRET-KEY-5566';

// Fixed-width lines so the object's exact length is known before streaming it.
function vectorText(seed) {
  const values = [];
  let x = seed;
  for (let i = 0; i < 384; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    values.push((x / 2147483648 - 0.5).toFixed(9).padStart(12, ' ').trim());
  }
  return `[${values.join(',')}]`;
}
const V1 = vectorText(1);
const V2 = vectorText(2);
const line = (i) => {
  const id = String(i).padStart(8, '0');
  return `{"SageMakerOutput":[${V1},${V2}],"content":["chapter ${id}","title ${id}"],"id":"${id}"}\n`;
};
const LINE_BYTES = Buffer.byteLength(line(0));
const LINES = Math.ceil(OBJECT_BYTES / LINE_BYTES);

function* objectChunks() {
  const perChunk = Math.max(1, Math.floor((1 << 20) / LINE_BYTES));
  for (let i = 0; i < LINES; i += perChunk) {
    let text = '';
    for (let j = i; j < Math.min(LINES, i + perChunk); j++) text += line(j);
    yield Buffer.from(text);
  }
}

let s3;
let server;
const transcript = new Transcript();

before(async () => {
  s3 = await startS3({ buckets: ['big'] });
  await s3.put('big', 'output/large.json.out', Readable.from(objectChunks()), LINES * LINE_BYTES);
  server = await startServer({ args: ['--s3-endpoint', s3.endpoint] });
});

after(async () => {
  if (server) {
    assertNoSecrets(server, transcript, [SECRET_KEY]);
    await server.stop();
  }
  await s3?.stop();
});

test('a 200 MB object is ingested in full with the server peak RSS growing by less than 64 MiB', async () => {
  await createIndex(server, 'large', { chapter: { type: 'keyword' } }, false);
  const idle = peakRssKiB(server.proc.pid);
  const task = await ingest(server, {
    index_name: 'large',
    field_map: { _id: '$.id', chapter: '$.content[0]' },
    credential: { access_key: S3RVER_ACCESS_KEY, secret_key: SECRET_KEY },
    data_source: { type: 's3', source: ['s3://big/output/large.json.out'] },
  }, { transcript, timeoutMs: 120000 });
  assert.equal(task.state, 'COMPLETED', JSON.stringify(task).slice(0, 2000));
  assert.equal(task.ingest_status.records_read, LINES);
  assert.equal(task.ingest_status.records_failed, 0);
  assert.equal(task.ingest_status.bytes_total, LINES * LINE_BYTES);
  assert.equal(task.ingest_status.bytes_read, LINES * LINE_BYTES);
  assert.equal(await countDocs(server, 'large'), LINES);
  const peak = peakRssKiB(server.proc.pid);
  const growth = peak - idle;
  console.log(`# ${LINES} lines of ${LINE_BYTES} bytes; VmHWM idle ${idle} KiB, after ${peak} KiB, growth ${growth} KiB`);
  assert.ok(growth < GROWTH_BOUND_KIB, `peak RSS grew by ${growth} KiB (bound ${GROWTH_BOUND_KIB} KiB)`);
});
