// Provider-aware batch ingestion and ml-commons' outcomes: OpenAI Batch output
// with failed lines plus its error file (fake OpenAI Files API on loopback), a
// Bedrock batch inference job folder with its manifest.json.out and an error
// record read from s3rver as a prefix, a folder still being written (refused,
// or waited for with wait_for_source), every record failing (FAILED), and
// sources refused at submission.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { startS3, S3RVER_ACCESS_KEY } from './lib/s3.mjs';
import { startFakeOpenAI } from './lib/fake_openai.mjs';
import { request } from './lib/http.mjs';
import {
  countDocs, createIndex, getDoc, ingest, readConstructed, submitIngest, waitTask,
} from './lib/sources_helpers.mjs';

const OPENAI_KEY = 'sk-providers-test-key';
const S3_CREDENTIAL = { region: 'us-east-1', access_key: S3RVER_ACCESS_KEY, secret_key: 'S3RVER' };
const knn = (dimension) => ({
  type: 'knn_vector', dimension, method: { engine: 'faiss', space_type: 'l2', name: 'hnsw' },
});

// request-6 was never run: OpenAI reports it with a top-level error in the output file.
const EXPIRED = {
  id: 'batch_req_000000000000000000abc005', custom_id: 'request-6', response: null,
  error: { code: 'batch_expired', message: 'This request could not be executed before the completion window expired.' },
};
const INPUT_6 = {
  custom_id: 'request-6', method: 'POST', url: '/v1/embeddings',
  body: { model: 'text-embedding-3-small', input: 'late', dimensions: 256, encoding_format: 'float' },
};

let s3;
let openai;
let server;

async function putBedrockJob(prefix, { manifest = true } = {}) {
  await s3.put('offlinebatch', `${prefix}input.jsonl.out`, readConstructed('bedrock/titan-embed-text-v2/input.jsonl.out'));
  await s3.put('offlinebatch', `${prefix}input.jsonl`, readConstructed('bedrock/titan-embed-text-v2/input.jsonl'));
  if (manifest) {
    await s3.put('offlinebatch', `${prefix}manifest.json.out`, readConstructed('bedrock/titan-embed-text-v2/manifest.json.out'));
  }
}

function bedrockRequest(index, prefix, extra = {}) {
  return {
    index_name: index,
    field_map: { text: '$.modelInput.inputText', embedding: '$.modelOutput.embedding', _id: '$.recordId' },
    credential: S3_CREDENTIAL,
    data_source: { type: 's3', source: [`s3://offlinebatch/${prefix}`] },
    ...extra,
  };
}

before(async () => {
  s3 = await startS3({ buckets: ['offlinebatch'] });
  openai = await startFakeOpenAI({
    key: OPENAI_KEY,
    files: {
      'file-out': Buffer.concat([readConstructed('openai/batch_output.jsonl'), Buffer.from(JSON.stringify(EXPIRED) + '\n')]),
      'file-err': readConstructed('openai/batch_errors.jsonl'),
      'file-in': Buffer.concat([readConstructed('openai/batch_input.jsonl'), Buffer.from(JSON.stringify(INPUT_6) + '\n')]),
    },
  });
  server = await startServer({
    args: ['--s3-endpoint', s3.endpoint, '--openai-base-url', openai.baseUrl, '--allow-source-host', 'allowed.example'],
  });
  await createIndex(server, 'openai-docs', { embedding: knn(256), model: { type: 'keyword' } });
  await createIndex(server, 'bedrock-docs', { embedding: knn(256), text: { type: 'text' } });
});

after(async () => {
  await server?.stop();
  await openai?.stop();
  await s3?.stop();
});

test('OpenAI output with failed lines plus its error file: COMPLETED_WITH_ERROR with the provider\'s reasons', async () => {
  const task = await ingest(server, {
    index_name: 'openai-docs',
    field_map: {
      embedding: ['source[0].$.response.body.data[0].embedding', 'source[1].$.response.body.data[0].embedding'],
      model: 'source[2].$.body.model',
      _id: ['source[0].$.custom_id', 'source[1].$.custom_id', 'source[2].$.custom_id'],
    },
    credential: { openAI_key: OPENAI_KEY },
    data_source: { type: 'openAI', source: ['file-out', 'file-err', 'file-in'] },
  });
  assert.equal(task.state, 'COMPLETED_WITH_ERROR', JSON.stringify(task));
  assert.equal(typeof task.progress, 'number');
  assert.equal(task.progress, 1);
  const s = task.ingest_status;
  assert.equal(s.records_read, 5 + 1 + 6);
  assert.equal(s.records_failed, 2);
  assert.equal(s.provider_failed, 2);
  assert.deepEqual(s.sources.map((x) => x.provider), ['openai', 'openai', 'openai']);
  assert.deepEqual(s.sources.map((x) => x.provider_failed), [1, 1, 0]);
  const reasons = s.failures.map((f) => `${f.location}:${f.line}: ${f.reason}`);
  assert.ok(reasons.includes('openai://file-out:5: openai: batch_expired: This request could not be executed before the completion window expired.'), reasons.join('\n'));
  assert.ok(reasons.includes("openai://file-err:1: openai: status 400: '$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference."), reasons.join('\n'));
  assert.match(task.error, /^2 of 12 records failed \(2 by the provider\): /);
  assert.match(task.error, /openai: status 400: '\$\.input' is invalid/);
  // The four successful requests have their embedding; the failed ones have none.
  for (const id of ['request-1', 'request-2', 'request-3', 'request-4']) {
    const doc = await getDoc(server, 'openai-docs', id);
    assert.equal(doc.embedding.length, 256, id);
    assert.equal(doc.model, 'text-embedding-3-small', id);
  }
  for (const id of ['request-5', 'request-6']) {
    const doc = await getDoc(server, 'openai-docs', id);
    assert.equal(doc.embedding, null, id);
  }
});

test('an error file alone: every record fails, so the task is FAILED and says why', async () => {
  const task = await ingest(server, {
    index_name: 'openai-docs',
    field_map: { embedding: '$.response.body.data[0].embedding', _id: '$.custom_id' },
    credential: { openAI_key: OPENAI_KEY },
    data_source: { type: 'openAI', source: ['file-err'] },
  });
  assert.equal(task.state, 'FAILED', JSON.stringify(task));
  assert.equal(task.error, "Failed to batch ingest: no document was written: 1 of 1 records failed (1 by the provider): "
    + "openai://file-err:1: openai: status 400: '$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.");
  assert.equal(task.ingest_status.documents_written, 0);
});

test('a Bedrock job folder as an S3 prefix: the manifest is the summary, its counts match the task\'s', async () => {
  await putBedrockJob('bedrock/job-1/');
  const task = await ingest(server, bedrockRequest('bedrock-docs', 'bedrock/job-1/', {
    field_map: {
      text: '$.modelInput.inputText', embedding: '$.modelOutput.embedding', _id: '$.recordId',
      title: '$.modelInput.title',  // a typo: warned about
    },
  }));
  assert.equal(task.state, 'COMPLETED_WITH_ERROR', JSON.stringify(task));
  const s = task.ingest_status;
  assert.equal(s.records_read, 5);
  assert.equal(s.documents_written, 4);
  assert.equal(s.records_failed, 1);
  assert.equal(s.provider_failed, 1);
  const source = s.sources[0];
  assert.equal(source.provider, 'bedrock');
  assert.deepEqual(source.skipped_objects, ['s3://offlinebatch/bedrock/job-1/input.jsonl']);
  assert.deepEqual(source.manifest, {
    location: 's3://offlinebatch/bedrock/job-1/manifest.json.out',
    totalRecordCount: 5, processedRecordCount: 5, successRecordCount: 4, errorRecordCount: 1,
    inputTokenCount: 37, outputTokenCount: 0, mismatches: [],
  });
  assert.deepEqual(s.failures, [{
    source: 0, location: 's3://offlinebatch/bedrock/job-1/input.jsonl.out', line: 3, id: 'CALL0000005',
    reason: 'bedrock: 400: Malformed input request: expected minLength: 1, actual: 0, please reformat your input and try again.',
  }]);
  assert.equal(task.error, '1 of 5 records failed (1 by the provider): s3://offlinebatch/bedrock/job-1/input.jsonl.out:3: '
    + 'bedrock: 400: Malformed input request: expected minLength: 1, actual: 0, please reformat your input and try again.');
  assert.deepEqual(s.warnings, ['source[0] path [$.modelInput.title] of field [title] selects nothing on the first record of '
    + '[s3://offlinebatch/bedrock/job-1/input.jsonl.out]: check the field_map against the file']);
  assert.equal(await countDocs(server, 'bedrock-docs'), 4);
});

test('a manifest whose counts disagree with the files is reported, never silently accepted', async () => {
  await putBedrockJob('bedrock/job-2/');
  await s3.put('offlinebatch', 'bedrock/job-2/manifest.json.out', JSON.stringify({
    totalRecordCount: 6, processedRecordCount: 6, successRecordCount: 5, errorRecordCount: 1, inputTokenCount: 40, outputTokenCount: 0,
  }));
  const task = await ingest(server, bedrockRequest('bedrock-docs', 'bedrock/job-2/'));
  assert.equal(task.state, 'COMPLETED_WITH_ERROR', JSON.stringify(task));
  assert.deepEqual(task.ingest_status.sources[0].manifest.mismatches, [
    'processedRecordCount is 6 but the task read 5',
    'successRecordCount is 5 but the task read records without a provider error: 4',
  ]);
  assert.match(task.error, /the provider's summary disagrees: source\[0\]'s s3:\/\/offlinebatch\/bedrock\/job-2\/manifest\.json\.out: processedRecordCount is 6 but the task read 5/);
});

test('a Bedrock folder without its manifest is refused, or waited for with wait_for_source', async () => {
  await putBedrockJob('bedrock/job-3/', { manifest: false });
  const refused = await ingest(server, bedrockRequest('bedrock-docs', 'bedrock/job-3/'));
  assert.equal(refused.state, 'FAILED');
  assert.match(refused.error, /source\[0\] \[s3:\/\/offlinebatch\/bedrock\/job-3\/\] is a Bedrock batch inference job folder without manifest\.json\.out: the job has not finished writing its output; submit the request again once it has, or add "wait_for_source": "30m"/);

  const id = await submitIngest(server, bedrockRequest('bedrock-docs', 'bedrock/job-3/', { wait_for_source: '30m' }));
  // Synchronise on the task's own report that it waits.
  for (;;) {
    const res = await request(server.url, { path: `/_plugins/_ml/tasks/${id}` });
    assert.equal(res.body.state === 'RUNNING' || res.body.state === 'CREATED', true, res.text);
    if (res.body.ingest_status?.phase === 'waiting_for_source') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await s3.put('offlinebatch', 'bedrock/job-3/manifest.json.out', readConstructed('bedrock/titan-embed-text-v2/manifest.json.out'));
  const done = await waitTask(server, id);
  assert.equal(done.state, 'COMPLETED_WITH_ERROR', JSON.stringify(done));
  assert.equal(done.ingest_status.documents_written, 4);
  assert.deepEqual(done.ingest_status.sources[0].manifest.mismatches, []);
});

test('a task waiting for its source is cancelled at once', async () => {
  await putBedrockJob('bedrock/job-4/', { manifest: false });
  const id = await submitIngest(server, bedrockRequest('bedrock-docs', 'bedrock/job-4/', { wait_for_source: '1h' }));
  for (;;) {
    const res = await request(server.url, { path: `/_plugins/_ml/tasks/${id}` });
    if (res.body.ingest_status?.phase === 'waiting_for_source') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const cancel = await request(server.url, { method: 'POST', path: `/_plugins/_ml/tasks/${id}/_cancel` });
  assert.equal(cancel.status, 200, cancel.text);
  const done = await waitTask(server, id, { timeoutMs: 5000 });
  assert.equal(done.state, 'CANCELLED');
});

test('submission refuses what can never work: a disallowed http host (403), a bad wait_for_source (400)', async () => {
  const body = {
    index_name: 'bedrock-docs',
    field_map: { embedding: '$.modelOutput.embedding', _id: '$.recordId' },
    data_source: { type: 'http', source: ['https://user:pw@not-allowed.example/out.jsonl?sig=abc'] },
  };
  const res = await request(server.url, { method: 'POST', path: '/_plugins/_ml/_batch_ingestion', json: body });
  assert.equal(res.status, 403, res.text);
  assert.equal(res.body.status, 403);
  assert.equal(res.body.error.type, 'security_exception');
  assert.equal(res.body.error.root_cause[0].type, 'security_exception');
  assert.match(res.body.error.reason, /host \[not-allowed\.example:443\] of \[https:\/\/not-allowed\.example\/out\.jsonl\] is not allowed .*--allow-source-host/);
  assert.ok(!res.text.includes('sig=abc') && !res.text.includes('pw@'), res.text);
  const tasks = await request(server.url, { path: '/_plugins/_ml/tasks/_search' });
  assert.ok(!JSON.stringify(tasks.body).includes('not-allowed.example'), 'no task was created');

  const bad = await request(server.url, {
    method: 'POST', path: '/_plugins/_ml/_batch_ingestion',
    json: bedrockRequest('bedrock-docs', 'bedrock/job-1/', { wait_for_source: 'soon' }),
  });
  assert.equal(bad.status, 400, bad.text);
  assert.match(bad.body.error.reason, /\[wait_for_source\] \[soon\] is not a time value/);
});
