#!/usr/bin/env node
// source_bench: batch-ingestion throughput of the same 20k seed-shaped records
// (SageMaker output lines: two 384-float vectors, two texts, an id; ~9.9 KB a
// line, ~200 MB) read from a local file vs from S3 (s3rver on loopback), and
// the cost of gzip / zstd decompression (same records compressed).
//
// Not a test: run by hand (needs the e2e npm packages and the zstd CLI):
//   SLUICE_BIN=build-remote/snap/sluice node bench/source_bench.mjs [--records N] [--runs R] [--knn]
// or: cmake --build <dir> --target source_bench
//
// The index maps _id and the two texts (no knn field unless --knn), so the
// figures show the source path (fetch, decompress, parse, map, write small
// documents) rather than vector-graph construction. Each variant runs on a
// fresh index; the best of R runs is reported (wall time from submission to
// COMPLETED, polled every 20 ms).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { startServer, makeTempDir } from '../tests/e2e/lib/server.mjs';
import { startS3, S3RVER_ACCESS_KEY } from '../tests/e2e/lib/s3.mjs';
import { request } from '../tests/e2e/lib/http.mjs';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const RECORDS = opt('--records', 20000);
const RUNS = opt('--runs', 2);
const KNN = args.includes('--knn');

function vector(seed) {
  const out = [];
  let x = seed;
  for (let i = 0; i < 384; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out.push(Number((x / 2147483648 - 0.5).toFixed(9)));
  }
  return out;
}

function makeRecords() {
  const lines = [];
  for (let i = 0; i < RECORDS; i++) {
    lines.push(JSON.stringify({
      SageMakerOutput: [vector(i * 2 + 1), vector(i * 2 + 2)],
      content: [`chapter ${i} of the book`, `title ${i}`],
      id: i,
    }));
  }
  return Buffer.from(lines.join('\n') + '\n');
}

async function waitTask(server, id) {
  for (;;) {
    const res = await request(server.url, { path: `/_plugins/_ml/tasks/${id}` });
    if (res.body.state === 'COMPLETED') return res.body;
    if (['FAILED', 'CANCELLED'].includes(res.body.state)) throw new Error(res.text);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let indexNo = 0;
async function run(server, dataSource, credential) {
  const index = `bench-${indexNo++}`;
  const properties = { chapter: { type: 'text' }, title: { type: 'text' } };
  if (KNN) {
    properties.chapter_embedding = { type: 'knn_vector', dimension: 384, method: { engine: 'faiss', space_type: 'l2', name: 'hnsw' } };
  }
  await request(server.url, { method: 'PUT', path: `/${index}`, json: { settings: { index: { knn: KNN } }, mappings: { properties } } });
  const fieldMap = { _id: '$.id', chapter: '$.content[0]', title: '$.content[1]' };
  if (KNN) fieldMap.chapter_embedding = '$.SageMakerOutput[0]';
  const started = process.hrtime.bigint();
  const res = await request(server.url, {
    method: 'POST',
    path: '/_plugins/_ml/_batch_ingestion',
    json: { index_name: index, field_map: fieldMap, ...(credential ? { credential } : {}), data_source: dataSource },
  });
  if (res.status !== 200) throw new Error(res.text);
  const task = await waitTask(server, res.body.task_id);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (task.ingest_status.documents_written !== RECORDS) throw new Error(`wrote ${task.ingest_status.documents_written}`);
  await request(server.url, { method: 'DELETE', path: `/${index}` });
  return seconds;
}

const plain = makeRecords();
const gz = gzipSync(plain, { level: 6 });
const zst = execFileSync('zstd', ['-q', '-c', '-3'], { input: plain, maxBuffer: 1 << 30 });
const root = makeTempDir('sluice-source-bench-');
writeFileSync(join(root, 'records.jsonl'), plain);
writeFileSync(join(root, 'records.jsonl.gz'), gz);
writeFileSync(join(root, 'records.jsonl.zst'), zst);

const s3 = await startS3({ buckets: ['bench'] });
await s3.put('bench', 'records.jsonl', plain);
await s3.put('bench', 'records.jsonl.gz', gz);
await s3.put('bench', 'records.jsonl.zst', zst);
const server = await startServer({ args: ['--s3-endpoint', s3.endpoint, '--file-root', root] });
const credential = { access_key: S3RVER_ACCESS_KEY, secret_key: 'bench-secret' };

const variants = [
  ['file plain', { type: 'file', source: [join(root, 'records.jsonl')] }, null, plain.length],
  ['file gzip', { type: 'file', source: [join(root, 'records.jsonl.gz')] }, null, gz.length],
  ['file zstd', { type: 'file', source: [join(root, 'records.jsonl.zst')] }, null, zst.length],
  ['s3 plain', { type: 's3', source: ['s3://bench/records.jsonl'] }, credential, plain.length],
  ['s3 gzip', { type: 's3', source: ['s3://bench/records.jsonl.gz'] }, credential, gz.length],
  ['s3 zstd', { type: 's3', source: ['s3://bench/records.jsonl.zst'] }, credential, zst.length],
];
const best = {};
try {
  console.log(`records ${RECORDS}, plain ${(plain.length / 1e6).toFixed(1)} MB, gzip ${(gz.length / 1e6).toFixed(1)} MB, ` +
    `zstd ${(zst.length / 1e6).toFixed(1)} MB, knn ${KNN}, best of ${RUNS}`);
  for (let r = 0; r < RUNS; r++) {
    for (const [name, ds, cred] of variants) {
      const s = await run(server, ds, cred);
      best[name] = Math.min(best[name] ?? Infinity, s);
    }
  }
  for (const [name, , , bytes] of variants) {
    const s = best[name];
    console.log(`${name.padEnd(11)} ${s.toFixed(2).padStart(6)} s  ${(RECORDS / s).toFixed(0).padStart(7)} docs/s  ` +
      `${(plain.length / 1e6 / s).toFixed(1).padStart(6)} MB/s decompressed  ${(bytes / 1e6 / s).toFixed(1).padStart(6)} MB/s read`);
  }
  const ratio = (a, b) => (best[a] / best[b]).toFixed(2);
  console.log(`s3/file time ratio: plain ${ratio('s3 plain', 'file plain')}, gzip ${ratio('s3 gzip', 'file gzip')}, zstd ${ratio('s3 zstd', 'file zstd')}`);
  console.log(`decompression overhead (time vs plain): file gzip ${ratio('file gzip', 'file plain')}, file zstd ${ratio('file zstd', 'file plain')}, ` +
    `s3 gzip ${ratio('s3 gzip', 's3 plain')}, s3 zstd ${ratio('s3 zstd', 's3 plain')}`);
} finally {
  await server.stop();
  await s3.stop();
}
