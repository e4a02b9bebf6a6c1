// Batch Predict against Amazon Bedrock batch inference and SageMaker batch
// transform, end to end through the official OpenSearch client: connector
// (ml-commons' blueprint shapes, protocol aws_sigv4) → remote model →
// _batch_predict with "ingest" → the remote job moves on the test's clock
// (loopback stand-ins of the two AWS APIs that check every SigV4 signature
// and write real-shaped output into s3rver) → a BATCH_INGEST task joins the
// job's output (source[0]) and input (source[1]) → knn finds each document by
// its own text's embedding. Also: Bedrock's manifest written after the job
// reports Completed (the ingestion waits for it), cancel mid-job, failed and
// expired jobs with the provider's reason, kill -9 while the job runs and
// while its ingestion waits or reads (ingested once, for both providers), a
// create whose answer is lost (Bedrock's clientRequestToken, SageMaker's
// task-named job adopted on ResourceInUse: one job), and the AWS secret and
// session token in no response, log line or data-directory file.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';

import { createClient } from './lib/client.mjs';
import { startFakeBedrock } from './lib/fake_bedrock.mjs';
import { startFakeSageMaker } from './lib/fake_sagemaker.mjs';
import { startHoldingProxy } from './lib/holding_proxy.mjs';
import { filesContaining, waitTask } from './lib/ingest.mjs';
import { startS3, S3RVER_ACCESS_KEY } from './lib/s3.mjs';
import { makeTempDir, startServer } from './lib/server.mjs';

const SECRET = 'aws-secret-radioactive-B7q/+x';
const TOKEN = 'aws-session-token-radioactive-T9';
const REGION = 'us-east-1';
// s3rver takes access key S3RVER with any secret; the stand-ins check the secret.
const credentials = { accessKeyId: S3RVER_ACCESS_KEY, secretAccessKey: SECRET, sessionToken: TOKEN };
const keyFile = join(makeTempDir('sluice-predict-aws-key-'), 'k.key');
const dataDir = makeTempDir('sluice-predict-aws-');
const TEXTS = ['red apple', 'green pear', 'yellow banana', 'purple plum', 'orange orange'];

function embed(text) {
  const v = [0, 0, 0, 0];
  for (let i = 0; i < text.length; i++) v[i % 4] += text.charCodeAt(i) * (i + 1);
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

let s3;
let s3proxy; // sluice reads S3 through it (the SageMaker kill test holds the output)
let bedrock;
let sagemaker;
let server;
let client;
const transcript = [];

async function start() {
  server = await startServer({
    dataDir,
    args: ['--log-level', 'trace', '--secrets-key-file', keyFile, '--s3-endpoint', s3proxy.url,
      '--bedrock-endpoint', bedrock.endpoint, '--sagemaker-endpoint', sagemaker.endpoint,
      '--batch-predict-poll-ms', '20'],
  });
  client = createClient(server.url);
}

// One request through the official client, recorded for the secrets check.
async function call(method, path, body) {
  const res = await client.transport.request({ method, path, body }, { ignore: [400, 403, 404, 500] });
  transcript.push(`${method} ${path} → ${res.statusCode} ${JSON.stringify(res.body)}`);
  return res;
}

async function task(id, until) {
  const t = await waitTask(server.url, id, until ? { until } : {});
  transcript.push(JSON.stringify(t));
  return t;
}

const awsCredential = { access_key: S3RVER_ACCESS_KEY, secret_key: SECRET, session_token: TOKEN };

// ml-commons' Bedrock batch connector: the create action only; status and
// stop are derived from its URL, as ml-commons derives them.
const bedrockConnector = {
  name: 'Bedrock Titan embedding: batch inference',
  description: 'ml-commons Bedrock batch shape',
  version: '1',
  protocol: 'aws_sigv4',
  credential: awsCredential,
  parameters: {
    region: REGION, service_name: 'bedrock', model: 'amazon.titan-embed-text-v2:0',
    role_arn: 'arn:aws:iam::123456789012:role/bedrock-batch',
    input_s3Uri: 's3://offlinebatch/bedrock-in/input.jsonl', output_s3Uri: 's3://offlinebatch/bedrock-out/',
  },
  actions: [{
    action_type: 'batch_predict',
    method: 'POST',
    url: 'https://bedrock.${parameters.region}.amazonaws.com/model-invocation-job',
    headers: { 'content-type': 'application/json' },
    request_body: '{"inputDataConfig":{"s3InputDataConfig":{"s3Uri":"${parameters.input_s3Uri}"}},"jobName":"${parameters.job_name}","modelId":"${parameters.model}","outputDataConfig":{"s3OutputDataConfig":{"s3Uri":"${parameters.output_s3Uri}"}},"roleArn":"${parameters.role_arn}"}',
  }],
};

// ml-commons' SageMaker batch transform blueprint (batch_predict action only).
const sagemakerConnector = {
  name: 'DJL SageMaker connector: batch transform',
  description: 'ml-commons SageMaker batch blueprint',
  version: '1',
  protocol: 'aws_sigv4',
  credential: awsCredential,
  parameters: {
    region: REGION, service_name: 'sagemaker',
    DataProcessing: { InputFilter: '$.content', JoinSource: 'Input', OutputFilter: '$' },
    ModelName: 'DJL-Text-Embedding-Model-imageforjsonlines',
    TransformInput: { ContentType: 'application/json', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://offlinebatch/sm-in/sagemaker_batch.json' } }, SplitType: 'Line' },
    TransformJobName: 'SM-offline-batch-transform-default',
    TransformOutput: { AssembleWith: 'Line', Accept: 'application/json', S3OutputPath: 's3://offlinebatch/sm-out' },
    TransformResources: { InstanceCount: 1, InstanceType: 'ml.c5.xlarge' },
    BatchStrategy: 'SingleRecord',
  },
  actions: [{
    action_type: 'batch_predict',
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    url: 'https://api.sagemaker.us-east-1.amazonaws.com/CreateTransformJob',
    request_body: '{ "BatchStrategy": "${parameters.BatchStrategy}", "ModelName": "${parameters.ModelName}", "DataProcessing" : ${parameters.DataProcessing}, "TransformInput": ${parameters.TransformInput}, "TransformJobName" : "${parameters.TransformJobName}", "TransformOutput" : ${parameters.TransformOutput}, "TransformResources" : ${parameters.TransformResources}}',
  }],
};

const bedrockIngest = (index) => ({
  index_name: index,
  field_map: {
    _id: ['source[0].$.recordId', 'source[1].$.recordId'],
    embedding: 'source[0].$.modelOutput.embedding',
    text: 'source[1].$.modelInput.inputText',
  },
});

// SageMaker keeps input order: the input (source[1]) joins by position.
const sagemakerIngest = (index) => ({
  index_name: index,
  field_map: { _id: 'source[0].$.id', embedding: 'source[0].$.SageMakerOutput[0]', text: 'source[1].$.content[0]' },
});

const models = {};

async function createIndex(name) {
  const res = await client.indices.create({
    index: name,
    body: { settings: { 'index.knn': true }, mappings: { properties: { text: { type: 'text' }, embedding: { type: 'knn_vector', dimension: 4, space_type: 'cosinesimil' } } } },
  });
  assert.equal(res.statusCode, 200);
}

async function register(connector) {
  const c = await client.ml.createConnector({ body: connector });
  transcript.push(JSON.stringify(c.body));
  const reg = await client.ml.registerModel({ body: { name: connector.name, function_name: 'remote', connector_id: c.body.connector_id } });
  assert.equal(reg.statusCode, 200);
  return reg.body.model_id;
}

async function predict(model, body) {
  const res = await call('POST', `/_plugins/_ml/models/${model}/_batch_predict`, body);
  assert.equal(res.statusCode, 200, JSON.stringify(res.body));
  assert.deepEqual(Object.keys(res.body), ['task_id', 'status']);
  const t = await task(res.body.task_id, (x) => x.remote_job_id);
  return { taskId: res.body.task_id, jobId: t.remote_job_id };
}

async function assertFound(index, ids) {
  await client.indices.refresh({ index });
  for (const [i, text] of TEXTS.entries()) {
    const s = await client.search({ index, body: { size: 1, query: { knn: { embedding: { vector: embed(text), k: 1 } } } } });
    assert.equal(s.body.hits.hits[0]._id, ids[i], JSON.stringify(s.body));
    assert.equal(s.body.hits.hits[0]._source.text, text);
  }
}

before(async () => {
  s3 = await startS3({ buckets: ['offlinebatch'] });
  await s3.put('offlinebatch', 'bedrock-in/input.jsonl', TEXTS.map((t, i) => JSON.stringify({
    recordId: `CALL${String(i + 1).padStart(7, '0')}`, modelInput: { inputText: t, dimensions: 4, normalize: true },
  })).join('\n') + '\n');
  await s3.put('offlinebatch', 'sm-in/sagemaker_batch.json', TEXTS.map((t, i) => JSON.stringify({ content: [t, `title ${i}`], id: i + 1 })).join('\n') + '\n');
  s3proxy = await startHoldingProxy(s3.endpoint);
  bedrock = await startFakeBedrock({ s3, credentials, region: REGION });
  sagemaker = await startFakeSageMaker({ s3, credentials, region: REGION });
  await start();
  models.bedrock = await register(bedrockConnector);
  models.sagemaker = await register(sagemakerConnector);
});

after(async () => {
  await server?.kill();
  await bedrock?.stop();
  await sagemaker?.stop();
  await s3proxy?.stop();
  await s3?.stop();
});

test('Bedrock: _batch_predict with ingest; the manifest comes after Completed and the ingestion waits for it', async () => {
  await createIndex('bedrock-fruit');
  const { taskId, jobId } = await predict(models.bedrock, { parameters: { job_name: 'fruit-1' }, ingest: bedrockIngest('bedrock-fruit') });
  let t = await task(taskId, (x) => x.remote_job?.status === 'Submitted');
  assert.equal(t.task_type, 'BATCH_PREDICTION');
  assert.equal(t.state, 'RUNNING');
  assert.equal(t.remote_job.jobArn, `arn:aws:bedrock:${REGION}:123456789012:model-invocation-job/${jobId}`);
  const create = bedrock.requests.find((r) => r.method === 'POST' && r.path === '/model-invocation-job');
  assert.equal(create.status, 200);
  assert.ok(bedrock.requests.every((r) => !r.problem), JSON.stringify(bedrock.requests));
  assert.equal(bedrock.jobs.get(jobId).jobName, 'fruit-1');

  for (const status of ['Validating', 'Scheduled', 'InProgress']) {
    bedrock.advance(jobId, status);
    t = await task(taskId, (x) => x.remote_job?.status === status);
    assert.equal(t.state, 'RUNNING');
  }
  await bedrock.finish(jobId, { embed, manifest: false });
  t = await task(taskId);
  assert.equal(t.state, 'COMPLETED', JSON.stringify(t));
  assert.ok(t.ingest_task_id);
  const waiting = await task(t.ingest_task_id, (x) => x.ingest_status?.phase === 'waiting_for_source');
  assert.equal(waiting.state, 'RUNNING');
  await bedrock.writeManifest(jobId);
  const ing = await task(t.ingest_task_id);
  assert.equal(ing.task_type, 'BATCH_INGEST');
  assert.equal(ing.state, 'COMPLETED', JSON.stringify(ing));
  assert.equal(ing.ingest_status.documents_written, 5);
  assert.equal(ing.ingest_status.sources[0].manifest.location, `s3://offlinebatch/bedrock-out/${jobId}/manifest.json.out`);
  await assertFound('bedrock-fruit', TEXTS.map((_, i) => `CALL${String(i + 1).padStart(7, '0')}`));
  assert.ok(bedrock.requests.every((r) => !r.problem), JSON.stringify(bedrock.requests.filter((r) => r.problem)));
});

test('Bedrock: _cancel_batch stops the job; the task ends CANCELLED, nothing ingested', async () => {
  const { taskId, jobId } = await predict(models.bedrock, { parameters: { job_name: 'fruit-cancel' }, ingest: bedrockIngest('bedrock-cancel') });
  bedrock.advance(jobId, 'InProgress');
  await task(taskId, (x) => x.remote_job?.status === 'InProgress');
  const cancel = await call('POST', `/_plugins/_ml/tasks/${taskId}/_cancel_batch`);
  assert.equal(cancel.statusCode, 200, JSON.stringify(cancel.body));
  assert.deepEqual(cancel.body, { status: 'OK' });
  assert.ok(bedrock.requests.some((r) => r.method === 'POST' && r.path === `/model-invocation-job/${jobId}/stop` && r.status === 200));
  await task(taskId, (x) => x.remote_job?.status === 'Stopping');
  bedrock.advance(jobId, 'Stopped');
  const t = await task(taskId);
  assert.equal(t.state, 'CANCELLED', JSON.stringify(t));
  assert.equal(t.ingest_task_id, undefined);
});

test('Bedrock: failed and expired jobs fail the task with the job\'s message', async () => {
  for (const [status, message] of [['Failed', 'The input file s3://offlinebatch/bedrock-in/input.jsonl is not valid JSONL.'], ['Expired', 'The job did not start within 24 hours.']]) {
    const { taskId, jobId } = await predict(models.bedrock, { parameters: { job_name: `fruit-${status}` }, ingest: bedrockIngest('bedrock-fruit') });
    bedrock.advance(jobId, status, message);
    const t = await task(taskId);
    assert.equal(t.state, 'FAILED');
    assert.equal(t.error, `the remote batch job ${jobId} ${status}: ${message}`);
    assert.equal(t.ingest_task_id, undefined);
  }
});

test('Bedrock: a wrong secret is refused by the provider and is the caller\'s error, without the secret', async () => {
  const c = await client.ml.createConnector({ body: { ...bedrockConnector, credential: { ...awsCredential, secret_key: 'not-the-secret-radioactive' } } });
  const reg = await client.ml.registerModel({ body: { name: 'wrong key', function_name: 'remote', connector_id: c.body.connector_id } });
  const res = await call('POST', `/_plugins/_ml/models/${reg.body.model_id}/_batch_predict`, { parameters: { job_name: 'denied' } });
  assert.equal(res.statusCode, 200);
  const t = await task(res.body.task_id);
  assert.equal(t.state, 'FAILED');
  assert.match(t.error, /answered HTTP 403: The request signature we calculated does not match/);
  assert.ok(!JSON.stringify(t).includes('not-the-secret-radioactive'));
});

test('Bedrock: kill -9 while the job runs; after the restart polling resumes and the output is ingested once', async () => {
  await createIndex('bedrock-resume');
  const { taskId, jobId } = await predict(models.bedrock, { parameters: { job_name: 'fruit-resume' }, ingest: bedrockIngest('bedrock-resume') });
  bedrock.advance(jobId, 'InProgress');
  await task(taskId, (x) => x.remote_job?.status === 'InProgress');
  await server.kill();
  await bedrock.finish(jobId, { embed });
  await start();
  const t = await task(taskId);
  assert.equal(t.state, 'COMPLETED', JSON.stringify(t));
  const ing = await task(t.ingest_task_id);
  assert.equal(ing.state, 'COMPLETED', JSON.stringify(ing));
  // One create per job: the restart did not send the job again.
  const creates = bedrock.requests.filter((r) => r.method === 'POST' && r.path === '/model-invocation-job' && r.status === 200);
  assert.equal(creates.length, bedrock.jobs.size);
  const ingests = await call('POST', '/_plugins/_ml/tasks/_search', { query: { term: { task_type: 'BATCH_INGEST' } }, size: 100 });
  const mine = ingests.body.hits.hits.filter((h) => JSON.stringify(h._source).includes(`bedrock-out/${jobId}/`));
  assert.equal(mine.length, 1, JSON.stringify(ingests.body));
  await assertFound('bedrock-resume', TEXTS.map((_, i) => `CALL${String(i + 1).padStart(7, '0')}`));
});

test('Bedrock: kill -9 while the ingestion waits for the manifest; the ingestion resumes and runs once', async () => {
  await createIndex('bedrock-resume-ingest');
  const { taskId, jobId } = await predict(models.bedrock, { parameters: { job_name: 'fruit-resume-ingest' }, ingest: bedrockIngest('bedrock-resume-ingest') });
  await bedrock.finish(jobId, { embed, manifest: false });
  const t = await task(taskId);
  assert.equal(t.state, 'COMPLETED', JSON.stringify(t));
  await task(t.ingest_task_id, (x) => x.ingest_status?.phase === 'waiting_for_source');
  await server.kill();
  await bedrock.writeManifest(jobId);
  await start();
  const ing = await task(t.ingest_task_id);
  assert.equal(ing.state, 'COMPLETED', JSON.stringify(ing));
  assert.equal(ing.ingest_status.documents_written, 5);
  const again = await task(taskId);
  assert.equal(again.ingest_task_id, t.ingest_task_id);
  const ingests = await call('POST', '/_plugins/_ml/tasks/_search', { query: { term: { task_type: 'BATCH_INGEST' } }, size: 100 });
  assert.equal(ingests.body.hits.hits.filter((h) => JSON.stringify(h._source).includes(`bedrock-out/${jobId}/`)).length, 1);
  await assertFound('bedrock-resume-ingest', TEXTS.map((_, i) => `CALL${String(i + 1).padStart(7, '0')}`));
});

test('SageMaker: CreateTransformJob as JSON 1.1, the output ingested with its input by position', async () => {
  await createIndex('sm-fruit');
  const { taskId, jobId } = await predict(models.sagemaker, { parameters: { TransformJobName: 'SM-fruit-1' }, ingest: sagemakerIngest('sm-fruit') });
  assert.equal(jobId, 'SM-fruit-1');
  const create = sagemaker.requests.find((r) => r.target === 'SageMaker.CreateTransformJob');
  assert.equal(create.status, 200, JSON.stringify(sagemaker.requests));
  assert.equal(create.path, '/');
  assert.equal(create.contentType, 'application/x-amz-json-1.1');
  const job = sagemaker.jobs.get('SM-fruit-1');
  assert.deepEqual(job.DataProcessing, sagemakerConnector.parameters.DataProcessing);
  let t = await task(taskId, (x) => x.remote_job?.TransformJobStatus === 'InProgress');
  assert.equal(t.state, 'RUNNING');
  await sagemaker.finish('SM-fruit-1', { embed });
  t = await task(taskId);
  assert.equal(t.state, 'COMPLETED', JSON.stringify(t));
  const ing = await task(t.ingest_task_id);
  assert.equal(ing.state, 'COMPLETED', JSON.stringify(ing));
  assert.equal(ing.ingest_status.documents_written, 5);
  await assertFound('sm-fruit', TEXTS.map((_, i) => `${i + 1}`));
  assert.ok(sagemaker.requests.every((r) => !r.problem), JSON.stringify(sagemaker.requests.filter((r) => r.problem)));
});

test('SageMaker: cancel mid-job stops it; a failed job fails with its FailureReason', async () => {
  let { taskId } = await predict(models.sagemaker, { parameters: { TransformJobName: 'SM-fruit-cancel' }, ingest: sagemakerIngest('sm-cancel') });
  const cancel = await call('POST', `/_plugins/_ml/tasks/${taskId}/_cancel_batch`);
  assert.equal(cancel.statusCode, 200, JSON.stringify(cancel.body));
  assert.ok(sagemaker.requests.some((r) => r.target === 'SageMaker.StopTransformJob' && r.status === 200));
  await task(taskId, (x) => x.remote_job?.TransformJobStatus === 'Stopping');
  sagemaker.advance('SM-fruit-cancel', 'Stopped');
  let t = await task(taskId);
  assert.equal(t.state, 'CANCELLED', JSON.stringify(t));

  ({ taskId } = await predict(models.sagemaker, { parameters: { TransformJobName: 'SM-fruit-fail' }, ingest: sagemakerIngest('sm-fail') }));
  sagemaker.fail('SM-fruit-fail', 'ClientError: See job logs for more information');
  t = await task(taskId);
  assert.equal(t.state, 'FAILED');
  assert.equal(t.error, 'the transform job SM-fruit-fail Failed: ClientError: See job logs for more information');

  // A second create with a used name: SageMaker's ResourceInUse is the task's error.
  const again = await call('POST', `/_plugins/_ml/models/${models.sagemaker}/_batch_predict`, { parameters: { TransformJobName: 'SM-fruit-fail' } });
  assert.equal(again.statusCode, 200, JSON.stringify(again.body));
  t = await task(again.body.task_id);
  assert.equal(t.state, 'FAILED');
  assert.match(t.error, /answered HTTP 400: Job name must be unique within an AWS account and region/);
});

// What TaskToken derives from a task id: the Bedrock token and the SageMaker job name.
const taskToken = (taskId) => `sluice-${Buffer.from(taskId).toString('hex')}`;
const smCreates = (name) => sagemaker.requests.filter((r) => r.target === 'SageMaker.CreateTransformJob' && r.name === name);

test('Bedrock: a create whose answer is lost is sent again with the same clientRequestToken and gets the same job', async () => {
  await createIndex('bedrock-lost');
  const jobsBefore = bedrock.jobs.size;
  bedrock.loseCreateAnswers(1);
  const { taskId, jobId } = await predict(models.bedrock, { parameters: { job_name: 'fruit-lost' }, ingest: bedrockIngest('bedrock-lost') });
  const creates = bedrock.requests.filter((r) => r.method === 'POST' && r.path === '/model-invocation-job' && r.clientRequestToken === taskToken(taskId));
  assert.deepEqual(creates.map((r) => r.status), ['lost', 200], JSON.stringify(bedrock.requests.slice(-4)));
  assert.equal(bedrock.jobs.size, jobsBefore + 1, 'one job for the two creates');
  await bedrock.finish(jobId, { embed });
  const t = await task(taskId);
  assert.equal(t.state, 'COMPLETED', JSON.stringify(t));
  assert.equal((await task(t.ingest_task_id)).state, 'COMPLETED');
  await assertFound('bedrock-lost', TEXTS.map((_, i) => `CALL${String(i + 1).padStart(7, '0')}`));
});

// The blueprint connector without a default TransformJobName: the task names the job.
async function unnamedSageMakerModel() {
  if (!models.sagemakerUnnamed) {
    const { TransformJobName, ...parameters } = sagemakerConnector.parameters;
    models.sagemakerUnnamed = await register({ ...sagemakerConnector, name: 'SageMaker, job named by the task', parameters });
  }
  return models.sagemakerUnnamed;
}

test('SageMaker: the job is named after the task; a create whose answer is lost is answered ResourceInUse and the job is adopted', async () => {
  await createIndex('sm-lost');
  const model = await unnamedSageMakerModel();
  sagemaker.loseCreateAnswers(1);
  const { taskId, jobId } = await predict(model, { ingest: sagemakerIngest('sm-lost') });
  assert.equal(jobId, taskToken(taskId));
  assert.deepEqual(smCreates(jobId).map((r) => r.status), ['lost', 400], JSON.stringify(sagemaker.requests.slice(-4)));
  await sagemaker.finish(jobId, { embed });
  const t = await task(taskId);
  assert.equal(t.state, 'COMPLETED', JSON.stringify(t));
  const ing = await task(t.ingest_task_id);
  assert.equal(ing.state, 'COMPLETED', JSON.stringify(ing));
  await assertFound('sm-lost', TEXTS.map((_, i) => `${i + 1}`));
});

test('SageMaker: kill -9 while the job runs and again while the ingestion reads; one CreateTransformJob, one ingestion, each document once', async () => {
  await createIndex('sm-resume');
  const { taskId, jobId } = await predict(models.sagemaker, { parameters: { TransformJobName: 'SM-fruit-resume' }, ingest: sagemakerIngest('sm-resume') });
  await task(taskId, (x) => x.remote_job?.TransformJobStatus === 'InProgress');
  await server.kill(); // mid-job
  // The output object is held on its way to sluice: the ingestion is provably reading at the second kill.
  const reached = s3proxy.hold('/offlinebatch/sm-out/sagemaker_batch.json.out');
  await sagemaker.finish(jobId, { embed });
  await start();
  await reached;
  const t = await task(taskId);
  assert.equal(t.state, 'COMPLETED', JSON.stringify(t));
  assert.equal((await task(t.ingest_task_id, (x) => x.state === 'RUNNING')).state, 'RUNNING');
  await server.kill(); // mid-ingestion
  s3proxy.release();
  await start();
  const ing = await task(t.ingest_task_id);
  assert.equal(ing.state, 'COMPLETED', JSON.stringify(ing));
  assert.equal(ing.batch_predict_task_id, taskId);
  assert.equal(ing.ingest_status.documents_written, 5);
  assert.equal(smCreates(jobId).length, 1, JSON.stringify(smCreates(jobId)));
  const ingests = await call('POST', '/_plugins/_ml/tasks/_search', { query: { term: { task_type: 'BATCH_INGEST' } }, size: 100 });
  assert.equal(ingests.body.hits.hits.filter((h) => h._source.batch_predict_task_id === taskId).length, 1);
  await client.indices.refresh({ index: 'sm-resume' });
  assert.equal((await client.count({ index: 'sm-resume' })).body.count, 5);
  await assertFound('sm-resume', TEXTS.map((_, i) => `${i + 1}`));
});

test('the AWS secret and session token are in no response, no log line and no data-directory file', async () => {
  for (const line of transcript) {
    assert.ok(!line.includes(SECRET) && !line.includes(TOKEN), line);
  }
  assert.ok(!server.logs().includes(SECRET) && !server.logs().includes(TOKEN));
  await server.kill();
  assert.deepEqual(filesContaining(dataDir, [SECRET, TOKEN]), []);
  await start();
});
