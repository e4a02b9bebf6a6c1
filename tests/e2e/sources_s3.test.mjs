// Batch ingestion from a real S3 server (s3rver on loopback; objects uploaded
// with @aws-sdk/client-s3): the seed's examples, prefixes and globs,
// compressed objects, and S3 errors that fail the task without leaking secrets.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { startServer } from './lib/server.mjs';
import { startS3, S3RVER_ACCESS_KEY } from './lib/s3.mjs';
import {
  Transcript, assertNoSecrets, countDocs, createIndex, getDoc, ingest, readConstructed,
} from './lib/sources_helpers.mjs';

const SECRET_KEY = 'sk3-SECRET-4f1d2c9e8b7a';
const SESSION_TOKEN = 'tok3-SESSION-77aa55cc33ee';
const CREDENTIAL = {
  region: 'us-east-1',
  access_key: S3RVER_ACCESS_KEY,
  secret_key: SECRET_KEY,
  session_token: SESSION_TOKEN,
};

const knn = (dimension) => ({
  type: 'knn_vector',
  dimension,
  method: { engine: 'faiss', space_type: 'l2', name: 'hnsw' },
});

let s3;
let server;
const transcript = new Transcript();

// custom_field1/2 for the first four input lines, in the input file's order: the
// metadata file has no _id path, so it is joined by position with source[1] (the
// closest preceding source with one), not with the shuffled output file.
const INPUT_ORDER = ['request-1', 'request-2', 'request-3', 'request-4'];
const OTHER_FILE = INPUT_ORDER.map((id) => JSON.stringify({ custom_field1: `meta-${id}`, custom_field2: id.length })).join('\n') + '\n';

function seedLines(prefix, count) {
  let out = '';
  for (let i = 0; i < count; i++) out += JSON.stringify({ id: `${prefix}-${i}`, text: `record ${prefix} ${i}` }) + '\n';
  return out;
}

before(async () => {
  s3 = await startS3({ buckets: ['offlinebatch', 'other-bucket'] });
  await s3.put('offlinebatch', 'output/sagemaker_batch.json.out', readConstructed('sagemaker/sagemaker_batch.json.out'));
  await s3.put('offlinebatch', 'openai/batch_output.jsonl', readConstructed('openai/batch_output.jsonl'));
  await s3.put('offlinebatch', 'openai/batch_input.jsonl', readConstructed('openai/batch_input.jsonl'));
  await s3.put('offlinebatch', 'openai/other.jsonl', OTHER_FILE);
  for (let p = 0; p < 5; p++) await s3.put('offlinebatch', `parts/part-${p}.jsonl`, seedLines(`p${p}`, 10 + p));
  await s3.put('offlinebatch', 'parts/README.txt', 'not jsonl\n');
  await s3.put('offlinebatch', 'parts-old/part-9.jsonl', seedLines('old', 7));
  // Debug logging: secrets must stay out of the most verbose logs too.
  server = await startServer({ args: ['--s3-endpoint', s3.endpoint, '--log-level', 'debug'] });
});

after(async () => {
  if (server) {
    assertNoSecrets(server, transcript, [SECRET_KEY, SESSION_TOKEN], { canary: 'meta-request-3' });
    await server.stop();
  }
  await s3?.stop();
});

test('the seed SageMaker example ingests from S3 with its field_map and ingest_fields', async () => {
  await createIndex(server, 'my-nlp-index', {
    chapter_embedding: knn(384), title_embedding: knn(384), chapter: { type: 'text' }, title: { type: 'text' },
  });
  const task = await ingest(server, {
    index_name: 'my-nlp-index',
    field_map: {
      chapter: '$.content[0]', title: '$.content[1]',
      chapter_embedding: '$.SageMakerOutput[0]', title_embedding: '$.SageMakerOutput[1]', _id: '$.id',
    },
    ingest_fields: ['$.id'],
    credential: CREDENTIAL,
    data_source: { type: 's3', source: ['s3://offlinebatch/output/sagemaker_batch.json.out'] },
  }, { transcript });
  assert.equal(task.state, 'COMPLETED', JSON.stringify(task));
  assert.equal(await countDocs(server, 'my-nlp-index'), 3);
  const line = JSON.parse(readConstructed('sagemaker/sagemaker_batch.json.out').toString().split('\n')[0]);
  const doc = await getDoc(server, 'my-nlp-index', String(line.id));
  assert.equal(doc.chapter, line.content[0]);
  assert.equal(doc.title, line.content[1]);
  assert.equal(doc.id, line.id);
  assert.deepEqual(doc.chapter_embedding.length, 384);
  assert.ok(Math.abs(doc.title_embedding[5] - line.SageMakerOutput[1][5]) < 1e-6);
  const size = readConstructed('sagemaker/sagemaker_batch.json.out').length;
  assert.equal(task.ingest_status.bytes_total, size);
  assert.equal(task.ingest_status.bytes_read, size);
});

test("the seed's three-file OpenAI flow reads all three files from S3 and joins them", async () => {
  await createIndex(server, 'my-nlp-index-openai', {
    question_embedding: knn(256), answer_embedding: knn(256),
    question: { type: 'text' }, answer: { type: 'text' },
  });
  const task = await ingest(server, {
    index_name: 'my-nlp-index-openai',
    field_map: {
      question: 'source[1].$.body.input[0]',
      answer: 'source[1].$.body.input[1]',
      question_embedding: 'source[0].$.response.body.data[0].embedding',
      answer_embedding: 'source[0].$.response.body.data[1].embedding',
      _id: ['source[0].$.custom_id', 'source[1].$.custom_id'],
    },
    ingest_fields: ['source[2].$.custom_field1', 'source[2].$.custom_field2'],
    credential: CREDENTIAL,
    data_source: {
      type: 's3',
      source: ['s3://offlinebatch/openai/batch_output.jsonl', 's3://offlinebatch/openai/batch_input.jsonl',
        's3://offlinebatch/openai/other.jsonl'],
    },
  }, { transcript });
  assert.equal(task.state, 'COMPLETED_WITH_ERROR', JSON.stringify(task));
  assert.deepEqual(task.ingest_status.sources.map((s) => s.records_read), [4, 5, 4]);
  // request-1 and request-3 have two embeddings; the others have one, so the
  // output lines of request-2 and request-4 fail on answer_embedding.
  const failed = task.ingest_status.failures.filter((f) => f.source === 0).map((f) => f.line).sort();
  assert.deepEqual(failed, [1, 3]);
  for (const f of task.ingest_status.failures) assert.match(f.reason, /answer_embedding/);

  const output = readConstructed('openai/batch_output.jsonl').toString().trim().split('\n').map((l) => JSON.parse(l));
  const r1 = output.find((o) => o.custom_id === 'request-1');
  const doc = await getDoc(server, 'my-nlp-index-openai', 'request-1');
  assert.equal(doc.question, 'What is the meaning of life?');
  assert.equal(doc.answer, 'The food was delicious and the waiter was friendly.');
  assert.equal(doc.question_embedding.length, 256);
  assert.ok(Math.abs(doc.answer_embedding[7] - r1.response.body.data[1].embedding[7]) < 1e-6);
  assert.equal(doc.custom_field1, 'meta-request-1');
  assert.equal(doc.custom_field2, 9);
  const doc3 = await getDoc(server, 'my-nlp-index-openai', 'request-3');
  assert.equal(doc3.question, 'this is chapter 1');
  assert.equal(doc3.custom_field1, 'meta-request-3');
});

test('an S3 prefix expands to its 5 objects and a glob to the matching keys, exactly once each', async () => {
  await createIndex(server, 'parts', { text: { type: 'text' } }, false);
  const task = await ingest(server, {
    index_name: 'parts',
    field_map: { _id: '$.id', text: '$.text' },
    credential: CREDENTIAL,
    data_source: { type: 's3', source: ['s3://offlinebatch/parts/'] },
  }, { transcript });
  // The prefix also holds README.txt, which is not JSON: its line is a failure.
  assert.equal(task.state, 'COMPLETED_WITH_ERROR', JSON.stringify(task));
  assert.equal(task.ingest_status.records_read, 10 + 11 + 12 + 13 + 14 + 1);
  assert.equal(task.ingest_status.records_failed, 1);
  assert.equal(await countDocs(server, 'parts'), 60);
  assert.equal((await getDoc(server, 'parts', 'p4-13')).text, 'record p4 13');

  await createIndex(server, 'parts-glob', { text: { type: 'text' } }, false);
  const globbed = await ingest(server, {
    index_name: 'parts-glob',
    field_map: { _id: '$.id', text: '$.text' },
    credential: CREDENTIAL,
    data_source: { type: 's3', source: ['s3://offlinebatch/parts/part-*.jsonl'] },
  }, { transcript });
  assert.equal(globbed.state, 'COMPLETED', JSON.stringify(globbed));
  assert.equal(globbed.ingest_status.records_failed, 0);
  assert.equal(await countDocs(server, 'parts-glob'), 60);
});

test('gzip and zstd objects are decompressed; progress counts compressed bytes', async () => {
  const plain = Buffer.from(seedLines('z', 2000));
  const gz = gzipSync(plain);
  const zst = execFileSync('zstd', ['-q', '-c', '-3'], { input: plain });
  await s3.put('offlinebatch', 'compressed/data.jsonl.gz', gz);
  await s3.put('offlinebatch', 'compressed/data.jsonl.zst', zst);
  for (const [name, object] of [['gz', gz], ['zst', zst]]) {
    await createIndex(server, `compressed-${name}`, { text: { type: 'text' } }, false);
    const task = await ingest(server, {
      index_name: `compressed-${name}`,
      field_map: { _id: '$.id', text: '$.text' },
      credential: CREDENTIAL,
      data_source: { type: 's3', source: [`s3://offlinebatch/compressed/data.jsonl.${name}`] },
    }, { transcript });
    assert.equal(task.state, 'COMPLETED', JSON.stringify(task));
    assert.equal(await countDocs(server, `compressed-${name}`), 2000);
    assert.equal(task.ingest_status.bytes_total, object.length, name);
    assert.equal(task.ingest_status.bytes_read, object.length, name);
    assert.equal((await getDoc(server, `compressed-${name}`, 'z-1999')).text, 'record z 1999');
  }
});

async function failedIngest(source, credential = CREDENTIAL) {
  return ingest(server, {
    index_name: 'errors',
    field_map: { text: '$.text' },
    credential,
    data_source: { type: 's3', source },
  }, { transcript });
}

test('a missing bucket, a missing key and a rejected access key fail the task naming bucket, key and S3 code', async () => {
  await createIndex(server, 'errors', { text: { type: 'text' } }, false);
  const noBucket = await failedIngest(['s3://no-such-bucket/output/a.jsonl']);
  assert.equal(noBucket.state, 'FAILED');
  assert.match(noBucket.error, /no-such-bucket/);
  assert.match(noBucket.error, /NoSuchBucket/);

  const noKey = await failedIngest(['s3://offlinebatch/output/missing.jsonl']);
  assert.equal(noKey.state, 'FAILED');
  assert.match(noKey.error, /offlinebatch\/output\/missing\.jsonl/);
  assert.match(noKey.error, /NoSuchKey/);

  const emptyPrefix = await failedIngest(['s3://offlinebatch/nothing-here/']);
  assert.equal(emptyPrefix.state, 'FAILED');
  assert.match(emptyPrefix.error, /offlinebatch\/nothing-here/);

  const denied = await failedIngest(['s3://offlinebatch/parts/part-0.jsonl'], { ...CREDENTIAL, access_key: 'AKIDNOTKNOWN' });
  assert.equal(denied.state, 'FAILED');
  assert.match(denied.error, /offlinebatch\/parts\/part-0\.jsonl/);
  assert.match(denied.error, /InvalidAccessKeyId/);
  for (const t of [noBucket, noKey, emptyPrefix, denied]) {
    assert.ok(!JSON.stringify(t).includes(SECRET_KEY) && !JSON.stringify(t).includes(SESSION_TOKEN));
    assert.equal(t.request?.credential, undefined, 'the stored request has no credential');
  }
});
