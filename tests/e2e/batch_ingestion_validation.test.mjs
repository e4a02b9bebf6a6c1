// Request validation of POST /_plugins/_ml/_batch_ingestion: every rejected
// request is answered at once, with an OpenSearch error body whose reason names
// the offending field, and creates no task. The index must exist (404
// index_not_found_exception), field_map must be an object of JSONPath strings or
// lists of them, every JSONPath must compile, every source[N] must be in range,
// the index's knn_vector fields must be mapped, the data source type's credential
// must be given, and local files must resolve under --file-root (else 403).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { INGEST_PATH, createIndex, seedIndexBody, startIngestServer, submitIngest, writeJsonl } from './lib/ingest.mjs';
import { request } from './lib/http.mjs';
import { makeTempDir } from './lib/server.mjs';

let server;
let file;
let outside;

before(async () => {
  server = await startIngestServer();
  await createIndex(server.url, 'my-nlp-index', seedIndexBody(4));
  await createIndex(server.url, 'plain', { mappings: { properties: { t: { type: 'text' } } } });
  file = writeJsonl(join(server.importDir, 'data.jsonl'), [{ id: 1, v: [1, 2, 3, 4], content: ['a', 'b'] }]);
  outside = join(makeTempDir('sluice-outside-'), 'secret.jsonl');
  writeFileSync(outside, '{"id":1}\n');
  mkdirSync(join(server.importDir, 'sub'));
  symlinkSync(outside, join(server.importDir, 'sub', 'link.jsonl'));
});

after(async () => {
  await server?.stop();
});

function valid(overrides = {}) {
  return {
    index_name: 'my-nlp-index',
    field_map: {
      chapter: '$.content[0]',
      title: '$.content[1]',
      chapter_embedding: '$.v',
      title_embedding: '$.v',
      _id: '$.id',
    },
    ingest_fields: ['$.id'],
    data_source: { type: 'file', source: [file] },
    ...overrides,
  };
}

function multi(fieldMap, extra = {}) {
  return valid({ field_map: fieldMap, ingest_fields: [], data_source: { type: 'file', source: [file, file, file] }, ...extra });
}

async function expectError(body, status, type, ...reasonParts) {
  const res = typeof body === 'string' || body === undefined
    ? await request(server.url, { method: 'POST', path: INGEST_PATH, body, headers: { 'Content-Type': 'application/json' } })
    : await submitIngest(server.url, body);
  assert.equal(res.status, status, res.text);
  assert.equal(res.body.status, status);
  assert.equal(res.body.error.type, type, res.text);
  assert.equal(res.body.error.root_cause[0].type, type);
  for (const part of reasonParts) assert.ok(res.body.error.reason.includes(part), `reason ${JSON.stringify(res.body.error.reason)} lacks ${part}`);
  return res.body.error;
}

describe('request shape', () => {
  test('an empty body is rejected', async () => {
    const res = await request(server.url, { method: 'POST', path: INGEST_PATH });
    assert.ok(res.status >= 400 && res.status < 600, res.text);
    assert.match(res.body.error.reason, /empty body/);
  });
  test('a body that is not a JSON object is a parsing_exception', async () => {
    await expectError('[1,2]', 400, 'parsing_exception', 'START_OBJECT');
    await expectError('{"index_name":', 400, 'parsing_exception');
  });
  test('unknown keys are named; an unknown connector_id is a 404 (ml-commons message)', async () => {
    await expectError(valid({ bogus: 1 }), 400, 'illegal_argument_exception', '[bogus]');
    await expectError(valid({ connector_id: 'abc' }), 404, 'status_exception',
      'Failed to find connector with the provided connector id: abc');
    await expectError(valid({ connector_id: 7 }), 400, 'illegal_argument_exception', '[connector_id]');
  });
  test('index_name is required (ml-commons message)', async () => {
    const body = valid();
    delete body.index_name;
    await expectError(body, 400, 'illegal_argument_exception', 'The index name for data ingestion is missing');
    await expectError(valid({ index_name: 7 }), 400, 'illegal_argument_exception', 'index name');
  });
  test('the index must exist: 404 index_not_found_exception', async () => {
    const err = await expectError(valid({ index_name: 'no-such-index' }), 404, 'index_not_found_exception', 'no-such-index');
    assert.equal(err['resource.id'] ?? err.index, 'no-such-index');
  });
});

describe('data_source', () => {
  test('missing data_source (ml-commons message)', async () => {
    const body = valid();
    delete body.data_source;
    await expectError(body, 400, 'illegal_argument_exception', 'No data sources were provided');
  });
  test('type is required and must be known', async () => {
    await expectError(valid({ data_source: { source: [file] } }), 400, 'illegal_argument_exception', '[data_source.type]');
    await expectError(valid({ data_source: { type: 'azure', source: [file] } }), 400, 'illegal_argument_exception', '[data_source.type]', 'azure');
  });
  test('source must be a non-empty array of strings', async () => {
    for (const source of [[], 'x.jsonl', [1], [''], undefined]) {
      await expectError(valid({ data_source: { type: 'file', source } }), 400, 'illegal_argument_exception', '[data_source.source]');
    }
  });
  test('s3 locations must be s3:// URIs', async () => {
    const credential = { access_key: 'AK', secret_key: 'SK', region: 'us-east-1' };
    await expectError(valid({ credential, data_source: { type: 's3', source: ['http://bucket/key'] } }), 400,
      'illegal_argument_exception', '[data_source.source]');
  });
});

describe('credential', () => {
  test('s3 takes access_key and secret_key together (or neither: the AWS credential chain)', async () => {
    await expectError(valid({ credential: { secret_key: 'SK' }, data_source: { type: 's3', source: ['s3://b/k'] } }), 400,
      'illegal_argument_exception', '[credential]', 's3');
    await expectError(valid({ credential: { access_key: 'AK' }, data_source: { type: 's3', source: ['s3://b/k'] } }), 400,
      'illegal_argument_exception', '[credential]');
  });
  test('openAI needs openAI_key', async () => {
    await expectError(valid({ data_source: { type: 'openAI', source: ['file-1'] } }), 400, 'illegal_argument_exception', '[credential]', 'openAI_key');
    await expectError(valid({ credential: { openai_key: 'x' }, data_source: { type: 'openAI', source: ['file-1'] } }), 400,
      'illegal_argument_exception', '[credential]');
  });
  test('credential must be an object of strings', async () => {
    await expectError(valid({ credential: 'k' }), 400, 'illegal_argument_exception', '[credential]');
    await expectError(valid({ credential: { openAI_key: 5 } }), 400, 'illegal_argument_exception', '[credential.openAI_key]');
  });
});

describe('field_map and ingest_fields', () => {
  test('field_map is required and must be an object', async () => {
    const body = valid();
    delete body.field_map;
    await expectError(body, 400, 'illegal_argument_exception', '[field_map]');
    await expectError(valid({ field_map: '$.a' }), 400, 'illegal_argument_exception', '[field_map]');
    await expectError(valid({ field_map: ['$.a'] }), 400, 'illegal_argument_exception', '[field_map]');
  });
  test('every value is a JSONPath string or a non-empty list of them', async () => {
    for (const value of [5, true, null, { a: '$.a' }, [], ['$.a', 3]]) {
      await expectError(valid({ field_map: { ...valid().field_map, title: value } }), 400,
        'illegal_argument_exception', '[field_map.title]');
    }
  });
  test('every JSONPath must compile, naming the field', async () => {
    await expectError(valid({ field_map: { ...valid().field_map, title: '$.content[' } }), 400,
      'illegal_argument_exception', '[field_map.title]', '$.content[');
    await expectError(valid({ field_map: { ...valid().field_map, chapter: 'content..' } }), 400,
      'illegal_argument_exception', '[field_map.chapter]');
    await expectError(valid({ ingest_fields: ['$.a[?(@.x ==)]'] }), 400, 'illegal_argument_exception', '[ingest_fields]');
    await expectError(valid({ ingest_fields: '$.id' }), 400, 'illegal_argument_exception', '[ingest_fields]');
    await expectError(valid({ ingest_fields: [4] }), 400, 'illegal_argument_exception', '[ingest_fields]');
  });
  test('every source[N] must be in range, naming the field', async () => {
    await expectError(valid({ field_map: { ...valid().field_map, title: 'source[1].$.content[1]' } }), 400,
      'illegal_argument_exception', '[field_map.title]', 'source[1]');
    await expectError(multi({ _id: ['source[0].$.id'], chapter_embedding: 'source[3].$.v' }), 400,
      'illegal_argument_exception', '[field_map.chapter_embedding]', 'source[3]');
    await expectError(multi({ _id: ['source[0].$.id'], chapter_embedding: 'source[0].$.v' }, { ingest_fields: ['source[9].$.x'] }), 400,
      'illegal_argument_exception', '[ingest_fields]', 'source[9]');
    await expectError(valid({ field_map: { ...valid().field_map, title: 'source[x].$.a' } }), 400,
      'illegal_argument_exception', '[field_map.title]', 'source');
  });
  test('several sources: every path is prefixed and _id has a source[0] path', async () => {
    await expectError(multi({ _id: ['source[0].$.id'], chapter_embedding: '$.v' }), 400,
      'illegal_argument_exception', '[field_map.chapter_embedding]', 'source[N]');
    await expectError(multi({ chapter_embedding: 'source[0].$.v' }), 400, 'illegal_argument_exception', '[field_map._id]');
    await expectError(multi({ _id: ['source[1].$.id'], chapter_embedding: 'source[0].$.v' }), 400,
      'illegal_argument_exception', '[field_map._id]', 'source[0]');
    await expectError(multi({ _id: ['source[0].$.id', 'source[0].$.x'], chapter_embedding: 'source[0].$.v' }), 400,
      'illegal_argument_exception', '[field_map._id]');
  });
  test('_id paths must select a single value', async () => {
    await expectError(valid({ field_map: { ...valid().field_map, _id: '$.ids[*]' } }), 400, 'illegal_argument_exception', '[field_map._id]');
  });
  test('knn_vector fields must be mapped to something', async () => {
    const fm = { chapter: '$.content[0]', title: '$.content[1]', _id: '$.id' };
    await expectError(valid({ field_map: fm, ingest_fields: [] }), 400, 'illegal_argument_exception',
      '[field_map]', 'chapter_embedding', 'title_embedding');
    // One vector field mapped is enough; an index without vector fields needs none.
    const ok = await submitIngest(server.url, valid({ field_map: { ...fm, title_embedding: '$.v' } }));
    assert.equal(ok.status, 200, ok.text);
    const plain = await submitIngest(server.url, valid({ index_name: 'plain', field_map: { t: '$.content[0]' }, ingest_fields: [] }));
    assert.equal(plain.status, 200, plain.text);
  });
  test('a request that maps nothing is rejected', async () => {
    await expectError(valid({ index_name: 'plain', field_map: {}, ingest_fields: [] }), 400, 'illegal_argument_exception', '[field_map]');
  });
});

describe('local files and --file-root', () => {
  test('a file outside the file root is 403, whether it exists or not', async () => {
    for (const path of [outside, '/etc/passwd', '/no/such/file.jsonl', join(server.importDir, '..', 'x.jsonl'),
      join(server.importDir, 'sub', 'link.jsonl'), `file://${outside}`]) {
      const res = await submitIngest(server.url, valid({ data_source: { type: 'file', source: [path] } }));
      assert.equal(res.status, 403, `${path}: ${res.text}`);
      assert.equal(res.body.status, 403);
      assert.ok(res.body.error.reason.includes('file root'), res.text);
    }
  });
  test('a missing file under the root is 404 naming it; file:// under the root is accepted', async () => {
    const missing = join(server.importDir, 'missing.jsonl');
    await expectError(valid({ data_source: { type: 'file', source: [missing] } }), 404, 'resource_not_found_exception', missing);
    const res = await submitIngest(server.url, valid({ data_source: { type: 'file', source: [`file://${file}`] } }));
    assert.equal(res.status, 200, res.text);
  });
  test('--file-root replaces the default root', async () => {
    const root = makeTempDir('sluice-root-');
    const inRoot = writeJsonl(join(root, 'r.jsonl'), [{ id: 1, v: [1, 2, 3, 4] }]);
    const other = await startIngestServer({ args: ['--file-root', root] });
    try {
      await createIndex(other.url, 'my-nlp-index', seedIndexBody(4));
      const okRes = await submitIngest(other.url, valid({ data_source: { type: 'file', source: [inRoot] } }));
      assert.equal(okRes.status, 200, okRes.text);
      const inDefault = writeJsonl(join(other.importDir, 'd.jsonl'), [{ id: 1, v: [1, 2, 3, 4] }]);
      const res = await submitIngest(other.url, valid({ data_source: { type: 'file', source: [inDefault] } }));
      assert.equal(res.status, 403, res.text);
    } finally {
      await other.stop();
    }
  });
});

describe('no task for a rejected request; the Tasks API errors', () => {
  test('only accepted requests created tasks', async () => {
    const res = await request(server.url, { method: 'POST', path: '/_plugins/_ml/tasks/_search', json: { size: 100 } });
    assert.equal(res.status, 200);
    // test('knn_vector fields…') accepted 2, test('a missing file…') accepted 1.
    assert.equal(res.body.hits.total.value, 3, JSON.stringify(res.body.hits.hits.map((h) => h._source.request)));
  });
  test('unknown task: 404 status_exception "Failed to find task"', async () => {
    for (const [method, path] of [['GET', '/_plugins/_ml/tasks/nope'], ['DELETE', '/_plugins/_ml/tasks/nope'],
      ['POST', '/_plugins/_ml/tasks/nope/_cancel']]) {
      const res = await request(server.url, { method, path });
      assert.equal(res.status, 404, `${method} ${path}: ${res.text}`);
      assert.equal(res.body.error.type, 'status_exception');
      assert.equal(res.body.error.reason, 'Failed to find task');
    }
  });
});
