// Helpers for the batch-ingestion end-to-end tests: seed-shaped input files
// (SageMaker batch output, OpenAI batch input/output), a server with a file
// root, task polling, local stand-ins for S3 and the OpenAI Files API that
// record what they were sent, and a byte search over a data directory.
import http from 'node:http';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { randomVector, rng } from './datasets.mjs';
import { request } from './http.mjs';
import { scaled } from './time_scale.mjs';
import { makeTempDir, startServer } from './server.mjs';

export const INGEST_PATH = '/_plugins/_ml/_batch_ingestion';

/** The seed's my-nlp-index mapping (two 384-d cosinesimil hnsw fields), dimension adjustable. */
export function seedIndexBody(dim = 384) {
  const vector = {
    type: 'knn_vector',
    dimension: dim,
    method: {
      engine: 'nmslib',
      space_type: 'cosinesimil',
      name: 'hnsw',
      parameters: { ef_construction: 512, m: 16 },
    },
  };
  return {
    settings: { 'index.knn': true },
    mappings: {
      properties: {
        id: { type: 'text' },
        chapter_embedding: vector,
        chapter: { type: 'text' },
        title_embedding: vector,
        title: { type: 'text' },
      },
    },
  };
}

/** The seed's single-file request body. */
export function seedSingleFileRequest(index, source, type = 's3', credential = undefined) {
  return {
    index_name: index,
    field_map: {
      chapter: '$.content[0]',
      title: '$.content[1]',
      chapter_embedding: '$.SageMakerOutput[0]',
      title_embedding: '$.SageMakerOutput[1]',
      _id: '$.id',
    },
    ingest_fields: ['$.id'],
    ...(credential ? { credential } : {}),
    data_source: { type, source: Array.isArray(source) ? source : [source] },
  };
}

/** The seed's three-file (OpenAI) request body. */
export function seedThreeFileRequest(index, sources, type = 'openAI', credential = undefined) {
  return {
    index_name: index,
    field_map: {
      question: 'source[1].$.body.input[0]',
      answer: 'source[1].$.body.input[1]',
      question_embedding: 'source[0].$.response.body.data[0].embedding',
      answer_embedding: 'source[0].$.response.body.data[1].embedding',
      _id: ['source[0].$.custom_id', 'source[1].$.custom_id'],
    },
    ingest_fields: ['source[2].$.custom_field1', 'source[2].$.custom_field2'],
    ...(credential ? { credential } : {}),
    data_source: { type, source: sources },
  };
}

/** Fisher-Yates shuffle with a seeded PRNG (returns a new array). */
export function shuffled(items, seed) {
  const rand = rng(seed);
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * SageMaker batch-transform output records shaped like the seed's:
 * {"SageMakerOutput":[[chapter vec],[title vec]],"content":["this is chapter i","title i"],"id":i}
 */
export function sagemakerRecords(n, dim, seed = 1) {
  const rand = rng(seed);
  return Array.from({ length: n }, (_, i) => ({
    SageMakerOutput: [randomVector(rand, dim), randomVector(rand, dim)],
    content: [`this is chapter ${i}`, `title of book ${i}`],
    id: i,
  }));
}

/** OpenAI batch output / input / metadata records for the seed's three-file example. */
export function openaiRecords(n, dim, seed = 2) {
  const rand = rng(seed);
  const ids = Array.from({ length: n }, (_, i) => `request-${i + 1}`);
  const output = ids.map((custom_id, i) => ({
    id: `batch_req_${i}`,
    custom_id,
    response: {
      status_code: 200,
      request_id: `r${i}`,
      body: {
        object: 'list',
        data: [
          { object: 'embedding', index: 0, embedding: randomVector(rand, dim) },
          { object: 'embedding', index: 1, embedding: randomVector(rand, dim) },
        ],
        model: 'text-embedding-ada-002',
        usage: { prompt_tokens: 15, total_tokens: 15 },
      },
    },
    error: null,
  }));
  const input = ids.map((custom_id, i) => ({
    custom_id,
    method: 'POST',
    url: '/v1/embeddings',
    body: { model: 'text-embedding-ada-002', input: [`What is the meaning of ${i}?`, `Answer number ${i}`] },
  }));
  return { ids, output, input };
}

/** Writes records as JSONL (one JSON per line, trailing newline). */
export function jsonl(records) {
  return records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';
}

export function writeJsonl(path, records) {
  writeFileSync(path, jsonl(records));
  return path;
}

/** Starts sluice with a fresh data dir whose <data-dir>/import is the file root. */
export async function startIngestServer({ args = [], dataDir, env } = {}) {
  dataDir ??= makeTempDir('sluice-ingest-');
  const importDir = join(dataDir, 'import');
  mkdirSync(importDir, { recursive: true });
  const server = await startServer({ args, dataDir, env });
  return { ...server, importDir };
}

export async function createIndex(url, index, body) {
  const res = await request(url, { method: 'PUT', path: `/${index}`, json: body });
  if (res.status !== 200) throw new Error(`create ${index}: ${res.status} ${res.text}`);
  return res.body;
}

export function submitIngest(url, body) {
  return request(url, { method: 'POST', path: INGEST_PATH, json: body });
}

export async function getTask(url, taskId) {
  const res = await request(url, { path: `/_plugins/_ml/tasks/${taskId}` });
  if (res.status !== 200) throw new Error(`GET task ${taskId}: ${res.status} ${res.text}`);
  return res.body;
}

const FINAL = new Set(['COMPLETED', 'COMPLETED_WITH_ERROR', 'FAILED', 'CANCELLED']);

/**
 * Polls the task until `until(task)` holds (default: a final state). Returns the task.
 * timeoutMs is scaled by SLUICE_E2E_TIME_SCALE (time_scale.mjs).
 */
export async function waitTask(url, taskId, { until = (t) => FINAL.has(t.state), timeoutMs = 60000, everyMs = 50 } = {}) {
  const deadline = Date.now() + scaled(timeoutMs);
  let task;
  for (;;) {
    task = await getTask(url, taskId);
    if (until(task)) return task;
    if (FINAL.has(task.state)) throw new Error(`task ${taskId} ended ${task.state} first: ${JSON.stringify(task)}`);
    if (Date.now() > deadline) throw new Error(`task ${taskId} timed out: ${JSON.stringify(task)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Submits and waits for a final state; asserts nothing. */
export async function ingestAndWait(url, body, opts) {
  const res = await submitIngest(url, body);
  if (res.status !== 200) throw new Error(`ingest: ${res.status} ${res.text}`);
  const task = await waitTask(url, res.body.task_id, opts);
  return { taskId: res.body.task_id, task };
}

/** Every document of an index (≤ 10000), as {_id: _source}. Refreshes first. */
export async function allDocs(url, index) {
  await request(url, { method: 'POST', path: `/${index}/_refresh` });
  const res = await request(url, { method: 'POST', path: `/${index}/_search`, json: { size: 10000, query: { match_all: {} } } });
  if (res.status !== 200) throw new Error(`search ${index}: ${res.status} ${res.text}`);
  const out = new Map();
  for (const hit of res.body.hits.hits) {
    if (out.has(hit._id)) throw new Error(`duplicate hit ${hit._id}`);
    out.set(hit._id, hit._source);
  }
  return { docs: out, total: res.body.hits.total.value };
}

/** The documents with these ids (any number), as {_id: _source}, by ids queries of ≤ 5000. */
export async function docsByIds(url, index, ids) {
  await request(url, { method: 'POST', path: `/${index}/_refresh` });
  const out = new Map();
  for (let i = 0; i < ids.length; i += 5000) {
    const values = ids.slice(i, i + 5000);
    const res = await request(url, {
      method: 'POST',
      path: `/${index}/_search`,
      json: { size: values.length, query: { ids: { values } } },
    });
    if (res.status !== 200) throw new Error(`search ${index}: ${res.status} ${res.text}`);
    for (const hit of res.body.hits.hits) {
      if (out.has(hit._id)) throw new Error(`duplicate hit ${hit._id}`);
      out.set(hit._id, hit._source);
    }
  }
  return out;
}

export async function count(url, index) {
  await request(url, { method: 'POST', path: `/${index}/_refresh` });
  const res = await request(url, { path: `/${index}/_count` });
  if (res.status !== 200) throw new Error(`count ${index}: ${res.status} ${res.text}`);
  return res.body.count;
}

/** Float32 equality of two vectors (the index stores float32). */
export function sameVector(a, b) {
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  return a.every((x, i) => Math.fround(x) === Math.fround(b[i]));
}

/**
 * A local stand-in for S3 (path-style, as sluice uses with --s3-endpoint): GET
 * /<bucket>/<key> with Range support and ListObjectsV2. Records every request's
 * method, url and headers. objects: {"bucket/key": string|Buffer}.
 */
export async function startMockS3(objects) {
  const requests = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method, url: req.url, headers: req.headers });
    const url = new URL(req.url, 'http://x');
    const path = decodeURIComponent(url.pathname.slice(1));
    if (url.searchParams.get('list-type') === '2') {
      const prefix = `${path}/${url.searchParams.get('prefix') || ''}`;
      const keys = Object.keys(objects).filter((k) => k.startsWith(prefix)).sort();
      const items = keys
        .map((k) => `<Contents><Key>${k.slice(path.length + 1)}</Key><Size>${Buffer.byteLength(objects[k])}</Size></Contents>`)
        .join('');
      res.writeHead(200, { 'Content-Type': 'application/xml' });
      res.end(`<?xml version="1.0"?><ListBucketResult><IsTruncated>false</IsTruncated>${items}</ListBucketResult>`);
      return;
    }
    if (!(path in objects)) {
      res.writeHead(404, { 'Content-Type': 'application/xml' });
      res.end('<?xml version="1.0"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>');
      return;
    }
    serveBytes(req, res, Buffer.from(objects[path]));
  });
  return listen(server, requests);
}

/**
 * A local stand-in for the OpenAI Files API: GET /v1/files/<id> and /v1/files/<id>/content,
 * answering 401 unless "Authorization: Bearer <key>". files: {id: string}.
 */
export async function startMockOpenAI(files, key) {
  const requests = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method, url: req.url, headers: req.headers });
    const path = new URL(req.url, 'http://x').pathname;
    const m = /^\/v1\/files\/([^/]+)\/content$/.exec(path);
    const meta = /^\/v1\/files\/([^/]+)$/.exec(path);
    if (req.headers.authorization !== `Bearer ${key}`) {
      res.writeHead(401, { 'Content-Type': 'application/json' });
      res.end('{"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}');
      return;
    }
    if (meta && meta[1] in files) {
      // The file object (its size), as GET /v1/files/{id} returns it.
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ id: meta[1], object: 'file', bytes: Buffer.byteLength(files[meta[1]]), purpose: 'batch_output' }));
      return;
    }
    if (!m || !(m[1] in files)) {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end('{"error":{"message":"No such File object","type":"invalid_request_error"}}');
      return;
    }
    serveBytes(req, res, Buffer.from(files[m[1]]));
  });
  const mock = await listen(server, requests);
  return { ...mock, baseUrl: `${mock.url}/v1` };
}

function serveBytes(req, res, body) {
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range || '');
  if (range) {
    const start = Number(range[1]);
    if (start >= body.length) {
      res.writeHead(416, { 'Content-Range': `bytes */${body.length}` });
      res.end();
      return;
    }
    const end = range[2] ? Math.min(Number(range[2]), body.length - 1) : body.length - 1;
    res.writeHead(206, {
      'Content-Range': `bytes ${start}-${end}/${body.length}`,
      'Content-Length': String(end - start + 1),
      'Content-Type': 'application/octet-stream',
    });
    res.end(req.method === 'HEAD' ? undefined : body.subarray(start, end + 1));
    return;
  }
  res.writeHead(200, { 'Content-Length': String(body.length), 'Content-Type': 'application/octet-stream' });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function listen(server, requests) {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        url: `http://127.0.0.1:${port}`,
        requests,
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}

/** Paths of files under `dir` whose bytes contain any of `needles` (recursive). */
export function filesContaining(dir, needles) {
  const hits = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) {
        const bytes = readFileSync(p);
        for (const n of needles) if (bytes.includes(Buffer.from(n))) hits.push(`${p}: ${n}`);
      }
    }
  };
  walk(dir);
  return hits;
}

/** Peak resident set size (VmHWM) of a process, in KiB. */
export function vmHwmKiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  if (!m) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(m[1]);
}
