// Fault injection: a loopback proxy between sluice and the S3 / HTTP / OpenAI
// servers drops connections mid-body and answers 503 on some requests; every
// ingest still completes with the exact record count (resumed with Range,
// never skipping or duplicating bytes).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { startServer } from './lib/server.mjs';
import { startS3, S3RVER_ACCESS_KEY } from './lib/s3.mjs';
import { startFakeOpenAI } from './lib/fake_openai.mjs';
import { startFaultProxy, startStaticServer } from './lib/fault_proxy.mjs';
import { Transcript, assertNoSecrets, countDocs, createIndex, getDoc, ingest } from './lib/sources_helpers.mjs';

const SECRET_KEY = 'faults-SECRET-KEY-0b1c2d';
const OPENAI_KEY = 'sk-faults-OPENAI-KEY-3e4f5a';
const RECORDS = 20000;

// Seed-shaped records (an id, two texts, a short vector), ~140 bytes a line.
function records(prefix, count) {
  const lines = [];
  for (let i = 0; i < count; i++) {
    lines.push(JSON.stringify({ id: `${prefix}-${i}`, content: [`chapter ${i}`, `title ${i}`], v: [i % 7, 0.5, -0.25] }));
  }
  return Buffer.from(lines.join('\n') + '\n');
}

const plain = records('r', RECORDS);
const gz = gzipSync(records('g', RECORDS));
// Object content requests: not listings, size probes or OpenAI file metadata.
const isObjectGet = (req) => req.method === 'GET' && !req.url.includes('list-type') &&
  req.headers.range !== 'bytes=0-0' && !/\/v1\/files\/[^/]+$/.test(req.url);

let s3;
let files;
let openai;
const proxies = [];
let server;
const transcript = new Transcript();

async function proxy(target, plan) {
  // plan: object-GET number (1-based) → fault; other requests pass, except listings when plan.list is set.
  let gets = 0;
  const p = await startFaultProxy({
    target,
    fault: (req) => {
      if (req.url.includes('list-type') && plan.list && !plan.listDone) {
        plan.listDone = true;
        return plan.list;
      }
      if (!isObjectGet(req)) return null;
      gets += 1;
      return plan[gets] || null;
    },
  });
  proxies.push(p);
  return p;
}

before(async () => {
  s3 = await startS3({ buckets: ['faulty'] });
  await s3.put('faulty', 'data/plain.jsonl', plain);
  await s3.put('faulty', 'data/records.jsonl.gz', gz);
  files = await startStaticServer({ files: { '/plain.jsonl': plain } });
  openai = await startFakeOpenAI({ key: OPENAI_KEY, files: { 'file-big': plain } });
});

after(async () => {
  if (server) {
    assertNoSecrets(server, transcript, [SECRET_KEY, OPENAI_KEY]);
    await server.stop();
  }
  for (const p of proxies) await p.stop();
  await files?.stop();
  await openai?.stop();
  await s3?.stop();
});

async function startWith(args) {
  if (server) {
    assertNoSecrets(server, transcript, [SECRET_KEY, OPENAI_KEY]);
    await server.stop();
  }
  server = await startServer({ args });
}

test('S3: drops mid-body and 503s (listing and object) are retried and resumed; the count is exact', async () => {
  const drops = { list: { status: 503 }, 1: { dropAfter: 300_000 }, 2: { status: 503 }, 3: { dropAfter: 500_000 }, 5: { dropAfter: 65_536 } };
  const p = await proxy(s3.endpoint, drops);
  await startWith(['--s3-endpoint', p.url]);
  await createIndex(server, 'faulty-s3', { content: { type: 'text' } }, false);
  const task = await ingest(server, {
    index_name: 'faulty-s3',
    field_map: { _id: '$.id', content: '$.content[0]' },
    credential: { access_key: S3RVER_ACCESS_KEY, secret_key: SECRET_KEY },
    data_source: { type: 's3', source: ['s3://faulty/data/'] },
  }, { transcript });
  assert.equal(task.state, 'COMPLETED', JSON.stringify(task));
  assert.equal(task.ingest_status.records_read, 2 * RECORDS);
  assert.equal(task.ingest_status.records_failed, 0);
  assert.equal(await countDocs(server, 'faulty-s3'), 2 * RECORDS);
  assert.equal((await getDoc(server, 'faulty-s3', 'r-19999')).content, 'chapter 19999');
  assert.equal((await getDoc(server, 'faulty-s3', 'g-12345')).content, 'chapter 12345');

  // The faults really happened, and each retry asked for the rest with Range.
  assert.ok(p.requests.some((r) => r.dropped === 300_000));
  assert.ok(p.requests.some((r) => r.status === 503 && r.url.includes('list-type')));
  const gets = p.requests.filter((r) => isObjectGet(r));
  assert.ok(gets.length >= 6, `object GETs: ${gets.length}`);
  const resumed = gets.filter((r) => /^bytes=[1-9]\d*-$/.test(r.headers.range || ''));
  assert.ok(resumed.some((r) => r.headers.range === 'bytes=300000-'), JSON.stringify(gets.map((g) => g.headers.range)));
  assert.equal(task.ingest_status.bytes_read, plain.length + gz.length);
});

test('HTTP: a URL behind a proxy that drops and answers 503 still ingests every record once', async () => {
  const p = await proxy(files.url, { 1: { dropAfter: 1_000_000 }, 2: { status: 503 }, 3: { dropAfter: 100 } });
  await startWith(['--allow-source-host', `127.0.0.1:${p.port}`]);
  await createIndex(server, 'faulty-http', { content: { type: 'text' } }, false);
  const task = await ingest(server, {
    index_name: 'faulty-http',
    field_map: { _id: '$.id', content: '$.content[1]' },
    data_source: { type: 'http', source: [`${p.url}/plain.jsonl`] },
  }, { transcript });
  assert.equal(task.state, 'COMPLETED', JSON.stringify(task));
  assert.equal(task.ingest_status.records_read, RECORDS);
  assert.equal(await countDocs(server, 'faulty-http'), RECORDS);
  const ranges = p.requests.map((r) => r.headers.range || '');
  assert.ok(ranges.includes('bytes=1000000-'), JSON.stringify(ranges));
});

test('OpenAI: a file server without Range support is re-read from the start after a drop, skipping what was read', async () => {
  const p = await proxy(openai.baseUrl.replace(/\/v1$/, ''), { 1: { dropAfter: 777_777 }, 2: { status: 503 } });
  await startWith(['--openai-base-url', `${p.url}/v1`]);
  await createIndex(server, 'faulty-openai', { content: { type: 'text' } }, false);
  const task = await ingest(server, {
    index_name: 'faulty-openai',
    field_map: { _id: '$.id', content: '$.content[0]' },
    credential: { openAI_key: OPENAI_KEY },
    data_source: { type: 'openAI', source: ['file-big'] },
  }, { transcript });
  assert.equal(task.state, 'COMPLETED', JSON.stringify(task));
  assert.equal(task.ingest_status.records_read, RECORDS);
  assert.equal(task.ingest_status.records_failed, 0);
  assert.equal(await countDocs(server, 'faulty-openai'), RECORDS);
  assert.ok(p.requests.length >= 3);
  for (const r of p.requests) assert.equal(r.headers.authorization, `Bearer ${OPENAI_KEY}`);
});
