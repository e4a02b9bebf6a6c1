// data_source type "http": plain URLs streamed from an allowlisted host
// (--allow-source-host), redirects re-checked against the allowlist,
// compressed bodies, and URL secrets (user-info, query) never shown or stored.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { startServer } from './lib/server.mjs';
import { startStaticServer } from './lib/fault_proxy.mjs';
import { request } from './lib/http.mjs';
import {
  Transcript, assertNoSecrets, countDocs, createIndex, getDoc, ingest, readConstructed,
} from './lib/sources_helpers.mjs';

const QUERY_SECRET = 'X-Amz-Signature=presignedSECRET0123';
const USER_SECRET = 'httpuser:httpPASSWORD99';

let files;
let other;
let server;
const transcript = new Transcript();
const titanInput = readConstructed('bedrock/titan-embed-text-v2/input.jsonl');
const bedrockOut = readConstructed('bedrock/titan-embed-text-v2/input.jsonl.out');

before(async () => {
  // `other` listens on another port: a redirect there leaves the allowlist.
  other = await startStaticServer({ files: { '/elsewhere.jsonl': titanInput } });
  files = await startStaticServer({
    files: {
      '/bedrock/input.jsonl.out': bedrockOut,
      '/bedrock/input.jsonl.out.gz': gzipSync(bedrockOut),
      '/bedrock/input.jsonl.out.zst': execFileSync('zstd', ['-q', '-c'], { input: bedrockOut }),
    },
    redirects: { '/moved.jsonl': '/bedrock/input.jsonl.out' },
  });
  server = await startServer({ args: ['--allow-source-host', `127.0.0.1:${files.port}`] });
  await createIndex(server, 'titan', {
    embedding: { type: 'knn_vector', dimension: 256, method: { engine: 'faiss', space_type: 'l2', name: 'hnsw' } },
    text: { type: 'text' },
  });
});

after(async () => {
  if (server) {
    assertNoSecrets(server, transcript, ['presignedSECRET0123', 'httpPASSWORD99']);
    await server.stop();
  }
  await files?.stop();
  await other?.stop();
});

const bedrockRequest = (index, url) => ({
  index_name: index,
  field_map: { _id: '$.recordId', text: '$.modelInput.inputText', embedding: '$.modelOutput.embedding' },
  data_source: { type: 'http', source: [url] },
});

test('a Bedrock output file over HTTP: the error record fails with Bedrock\'s reason, the rest are indexed', async () => {
  const task = await ingest(server, bedrockRequest('titan', `${files.url}/bedrock/input.jsonl.out`), { transcript });
  assert.equal(task.state, 'COMPLETED_WITH_ERROR', JSON.stringify(task));
  assert.equal(task.ingest_status.records_read, 5);
  assert.equal(task.ingest_status.records_failed, 1);
  assert.equal(task.ingest_status.provider_failed, 1);
  assert.match(task.ingest_status.failures[0].reason, /^bedrock: 400: Malformed input request/);
  assert.equal(await countDocs(server, 'titan'), 4);
  const first = JSON.parse(bedrockOut.toString().split('\n')[0]);
  const doc = await getDoc(server, 'titan', first.recordId);
  assert.equal(doc.text, first.modelInput.inputText);
  assert.equal(doc.embedding.length, 256);
  assert.equal(task.ingest_status.bytes_read, bedrockOut.length);
  assert.equal(task.ingest_status.bytes_total, bedrockOut.length, 'the size from a one-byte ranged probe');
});

test('gzip and zstd bodies are detected by their magic bytes, whatever the URL says', async () => {
  for (const ext of ['gz', 'zst']) {
    await createIndex(server, `titan-${ext}`, { text: { type: 'text' } }, false);
    const task = await ingest(server, {
      index_name: `titan-${ext}`,
      field_map: { _id: '$.recordId', text: '$.modelInput.inputText' },
      data_source: { type: 'http', source: [`${files.url}/bedrock/input.jsonl.out.${ext}`] },
    }, { transcript });
    assert.equal(task.state, 'COMPLETED_WITH_ERROR', JSON.stringify(task));
    assert.equal(task.ingest_status.records_read, 5);
    assert.equal(await countDocs(server, `titan-${ext}`), 4);  // the error record is a failed record
    assert.ok(task.ingest_status.bytes_total < bedrockOut.length, 'compressed size');
    assert.equal(task.ingest_status.bytes_read, task.ingest_status.bytes_total);
  }
});

test('a redirect to an allowed host is followed', async () => {
  await createIndex(server, 'moved', { text: { type: 'text' } }, false);
  const task = await ingest(server, {
    index_name: 'moved',
    field_map: { _id: '$.recordId', text: '$.modelInput.inputText' },
    data_source: { type: 'http', source: [`${files.url}/moved.jsonl`] },
  }, { transcript });
  assert.equal(task.state, 'COMPLETED_WITH_ERROR', JSON.stringify(task));
  assert.equal(await countDocs(server, 'moved'), 4);
  assert.ok(files.requests.some((r) => r.url === '/moved.jsonl' && r.status === 302));
});

test('a host that is not allowlisted is refused at submission (403), through a redirect it fails the task before any byte is read', async () => {
  // Same address, another port: "127.0.0.1:<files.port>" does not cover it.
  const res = await request(server.url, {
    method: 'POST', path: '/_plugins/_ml/_batch_ingestion',
    json: { index_name: 'moved', field_map: { text: '$.x' }, data_source: { type: 'http', source: [`${other.url}/elsewhere.jsonl`] } },
  });
  transcript.add(res);
  assert.equal(res.status, 403, res.text);
  assert.equal(res.body.error.type, 'security_exception');
  assert.match(res.body.error.reason, /allow-source-host/);
  assert.equal(other.requests.length, 0, 'nothing was fetched from the forbidden host');

  // A redirect from the allowed host to the forbidden one.
  files.requests.length = 0;
  const redirects = { '/away.jsonl': `${other.url}/elsewhere.jsonl` };
  const hop = await startStaticServer({ redirects });
  try {
    const server2 = await startServer({ args: ['--allow-source-host', `127.0.0.1:${hop.port}`] });
    try {
      await createIndex(server2, 'hop', { text: { type: 'text' } }, false);
      const task = await ingest(server2, {
        index_name: 'hop',
        field_map: { text: '$.x' },
        data_source: { type: 'http', source: [`${hop.url}/away.jsonl`] },
      });
      assert.equal(task.state, 'FAILED');
      assert.match(task.error, /allow-source-host/);
      assert.match(task.error, new RegExp(`${other.port}`));
      assert.equal(other.requests.length, 0, 'the redirect target was not fetched');
      // The size probe and the GET each got the 302; neither was followed off the allowlist.
      assert.ok(hop.requests.length >= 1 && hop.requests.every((r) => r.status === 302));
    } finally {
      await server2.stop();
    }
  } finally {
    await hop.stop();
  }
});

test('a query string (e.g. a presigned signature) is sent but never shown or stored', async () => {
  await createIndex(server, 'secret-url', { text: { type: 'text' } }, false);
  const url = `${files.url}/bedrock/input.jsonl.out?${QUERY_SECRET}`;
  const task = await ingest(server, {
    index_name: 'secret-url',
    field_map: { _id: '$.recordId', text: '$.modelInput.inputText' },
    data_source: { type: 'http', source: [url] },
  }, { transcript });
  assert.equal(task.state, 'COMPLETED_WITH_ERROR', JSON.stringify(task));
  assert.equal(await countDocs(server, 'secret-url'), 4);
  assert.ok(files.requests.some((r) => r.url === `/bedrock/input.jsonl.out?${QUERY_SECRET}`), 'the query string was sent');
  assert.equal(task.ingest_status.sources[0].location, `${files.url}/bedrock/input.jsonl.out`);
  assert.deepEqual(task.request.data_source.source, [`${files.url}/bedrock/input.jsonl.out`]);
  transcript.add(await request(server.url, { path: '/_plugins/_ml/tasks/_search' }));
});

// Runs on its own server with its own transcript and data-dir check.
test('URL user-info is sent as Basic auth but never shown or stored', async () => {
  const own = await startServer({ args: ['--allow-source-host', `127.0.0.1:${files.port}`] });
  try {
    const seen = new Transcript();
    await createIndex(own, 'userinfo', { text: { type: 'text' } }, false);
    const task = await ingest(own, {
      index_name: 'userinfo',
      field_map: { _id: '$.recordId', text: '$.modelInput.inputText' },
      data_source: { type: 'http', source: [`http://${USER_SECRET}@127.0.0.1:${files.port}/bedrock/input.jsonl.out`] },
    }, { transcript: seen });
    assert.equal(task.state, 'COMPLETED_WITH_ERROR', JSON.stringify(task));
    const got = files.requests.filter((r) => r.headers.authorization);
    assert.equal(got.at(-1).headers.authorization, `Basic ${Buffer.from(USER_SECRET).toString('base64')}`);
    assertNoSecrets(own, seen, ['httpPASSWORD99']);
  } finally {
    await own.stop();
  }
});

test('a URL that answers 404 fails the task naming the URL', async () => {
  const task = await ingest(server, bedrockRequest('titan', `${files.url}/missing.jsonl`), { transcript });
  assert.equal(task.state, 'FAILED');
  assert.match(task.error, /missing\.jsonl/);
  assert.match(task.error, /404/);
});
