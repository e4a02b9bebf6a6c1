// Remote cluster (sinks/opensearch), continued:
//   - SigV4 for Amazon OpenSearch Service: a recorded _bulk request (gzip body)
//     carries the Authorization the official signer (@smithy/signature-v4, what
//     @aws-sdk/signature-v4 re-exports) computes for service "es";
//   - a front server killed mid-ingest and restarted resumes the task and
//     leaves exactly one copy of each document on the cluster.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

import { startBulkFaultProxy } from './lib/bulk_fault_proxy.mjs';
import { request } from './lib/http.mjs';
import {
  INGEST_PATH,
  allDocs,
  createIndex,
  filesContaining,
  getTask,
  sagemakerRecords,
  seedIndexBody,
  seedSingleFileRequest,
  startIngestServer,
  waitTask,
  writeJsonl,
} from './lib/ingest.mjs';
import { makeTempDir, startServer } from './lib/server.mjs';

const DIM = 32;
const ACCESS_KEY = 'AKIDREMOTECLUSTER001';
const SECRET_KEY = 'remote-cluster-secret-key-must-never-leak-9';
const SESSION_TOKEN = 'remote-cluster-session-token-must-never-leak-10';
const REGION = 'eu-west-1';

let cluster;

before(async () => {
  cluster = await startServer();
  await createIndex(cluster.url, 'signed-index', seedIndexBody(DIM));
  await createIndex(cluster.url, 'resume-index', seedIndexBody(DIM));
});

after(async () => {
  await cluster?.stop();
});

function signingDate(amzDate) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  assert.ok(m, `x-amz-date [${amzDate}]`);
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
}

test('a recorded _bulk request carries the SigV4 Authorization of the official signer for service es', async () => {
  const proxy = await startBulkFaultProxy({ target: cluster.url, record: true });
  const records = sagemakerRecords(40, DIM, 3);
  const front = await startIngestServer({
    args: ['--remote-cluster', proxy.url, '--remote-sigv4', 'es', '--remote-region', REGION, '--remote-gzip', 'on'],
    env: { AWS_ACCESS_KEY_ID: ACCESS_KEY, AWS_SECRET_ACCESS_KEY: SECRET_KEY, AWS_SESSION_TOKEN: SESSION_TOKEN },
  });
  try {
    writeJsonl(join(front.importDir, 'in.jsonl'), records);
    const res = await request(front.url, {
      method: 'POST', path: INGEST_PATH, json: seedSingleFileRequest('signed-index', join(front.importDir, 'in.jsonl'), 'file'),
    });
    assert.equal(res.status, 200, res.text);
    const task = await waitTask(front.url, res.body.task_id);
    assert.equal(task.state, 'COMPLETED', JSON.stringify(task));
    const { total } = await allDocs(cluster.url, 'signed-index');
    assert.equal(total, 40);

    const bulk = proxy.requests.find((r) => r.method === 'POST' && r.path.endsWith('/_bulk'));
    assert.ok(bulk, 'a _bulk request was recorded');
    assert.equal(bulk.headers['content-encoding'], 'gzip');
    assert.equal(bulk.headers['x-amz-content-sha256'], createHash('sha256').update(bulk.body).digest('hex'),
      'the signed payload hash is the hash of the bytes on the wire');
    assert.equal(bulk.headers['x-amz-security-token'], SESSION_TOKEN);
    const signedNames = /SignedHeaders=([^,]+)/.exec(bulk.headers.authorization)[1].split(';');
    for (const name of ['host', 'x-amz-date', 'x-amz-content-sha256', 'content-type', 'content-encoding']) {
      assert.ok(signedNames.includes(name), `${name} is signed: ${signedNames}`);
    }
    const headers = {};
    for (const name of signedNames) headers[name] = bulk.headers[name];
    const signer = new SignatureV4({
      service: 'es',
      region: REGION,
      credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY, sessionToken: SESSION_TOKEN },
      sha256: Sha256,
    });
    const url = new URL(proxy.url);
    const signed = await signer.sign(
      { method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: bulk.path, query: {},
        headers, body: bulk.body },
      { signingDate: signingDate(bulk.headers['x-amz-date']) },
    );
    assert.equal(bulk.headers.authorization, signed.headers.authorization);
    assert.match(bulk.headers.authorization, new RegExp(`Credential=${ACCESS_KEY}/\\d{8}/${REGION}/es/aws4_request`));
  } finally {
    await front.stop();
    await proxy.close();
  }
  for (const secret of [SECRET_KEY, SESSION_TOKEN]) assert.ok(!front.logs().includes(secret));
  assert.deepEqual(filesContaining(front.dataDir, [SECRET_KEY, SESSION_TOKEN]), []);
});

test('killing the ingesting server mid-run and restarting it leaves each document once on the cluster', async () => {
  const N = 1500;
  const records = sagemakerRecords(N, DIM, 4);
  const dataDir = makeTempDir('sluice-remote-resume-');
  const args = ['--remote-cluster', cluster.url, '--remote-bulk-size', '4096', '--remote-in-flight', '1'];
  let front = await startIngestServer({ dataDir, args });
  writeJsonl(join(front.importDir, 'in.jsonl'), records);
  const res = await request(front.url, {
    method: 'POST', path: INGEST_PATH, json: seedSingleFileRequest('resume-index', join(front.importDir, 'in.jsonl'), 'file'),
  });
  assert.equal(res.status, 200, res.text);
  const taskId = res.body.task_id;
  // Kill once part of the documents are on the cluster.
  for (const deadline = Date.now() + 60000; ;) {
    const { total } = await allDocs(cluster.url, 'resume-index');
    if (total >= 100) break;
    assert.ok(Date.now() < deadline, 'ingestion did not start');
    await new Promise((r) => setTimeout(r, 20));
  }
  await front.kill();
  const partial = (await allDocs(cluster.url, 'resume-index')).total;
  assert.ok(partial > 0 && partial < N, `killed mid-run (${partial} of ${N} written)`);

  front = await startIngestServer({ dataDir, args });
  try {
    const task = await waitTask(front.url, taskId, { timeoutMs: 120000 });
    assert.equal(task.state, 'COMPLETED', JSON.stringify(task));
    const { docs, total } = await allDocs(cluster.url, 'resume-index');
    assert.equal(total, N, 'no duplicates and nothing missing');
    for (const rec of records) assert.ok(docs.has(String(rec.id)), `document ${rec.id}`);
    const count = await request(cluster.url, { path: '/resume-index/_count' });
    assert.equal(count.body.count, N);
    assert.equal((await getTask(front.url, taskId)).state, 'COMPLETED');
  } finally {
    await front.stop();
  }
});
