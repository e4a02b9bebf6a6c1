// The AWS credential chain for S3 sources whose request has no keys, each
// step against a loopback stand-in written here: environment variables, a
// shared credentials file with a profile, web identity through a fake STS,
// the container credentials endpoint with its authorization token, and
// IMDSv2 (which answers only with the session token from its PUT).
// Temporary credentials are fetched again when they are within 5 minutes of
// expiring, and kept while they are not.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { startBulkFaultProxy } from './lib/bulk_fault_proxy.mjs';
import {
  createIndex, filesContaining, INGEST_PATH, jsonl, sagemakerRecords, seedIndexBody, seedSingleFileRequest, startIngestServer,
  startMockS3, waitTask, writeJsonl,
} from './lib/ingest.mjs';
import { request } from './lib/http.mjs';
import { makeTempDir, startServer } from './lib/server.mjs';

const data = jsonl([{ id: 'a', t: 'alpha', v: [1, 0] }, { id: 'b', t: 'beta', v: [0, 1] }]);
const dir = makeTempDir('sluice-aws-chain-');
const CLEAN = Object.fromEntries(
  ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_SHARED_CREDENTIALS_FILE',
    'AWS_CONFIG_FILE', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ROLE_ARN', 'AWS_ROLE_SESSION_NAME', 'AWS_ENDPOINT_URL_STS',
    'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN',
    'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE', 'AWS_EC2_METADATA_SERVICE_ENDPOINT', 'AWS_REGION', 'AWS_DEFAULT_REGION']
    .map((k) => [k, '']),
);
const SECRETS = [];

let s3;
let stand;  // one loopback server playing STS, the container endpoint and IMDS
const hits = { sts: [], container: [], imdsToken: 0, imdsCreds: 0 };
let imdsExpiresInMs = 3600e3;
let containerExpiresInMs = 3600e3;

function creds(prefix) {
  const secret = `${prefix}-secret-radioactive`;
  const token = `${prefix}-token-radioactive`;
  SECRETS.push(secret, token);
  return { id: `AKIA${prefix.toUpperCase()}`, secret, token };
}
const STS = creds('sts');
const CONTAINER = creds('container');
const IMDS = creds('imds');
const ENV = creds('env');
const PROFILE = creds('profile');

function readBody(req) {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => resolve(body));
  });
}

before(async () => {
  s3 = await startMockS3({ 'bucket/data.jsonl': data });
  stand = http.createServer(async (req, res) => {
    const body = await readBody(req);
    const json = (status, obj) => { res.writeHead(status, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(obj)); };
    if (req.url === '/sts' && req.method === 'POST') {
      const form = new URLSearchParams(body);
      hits.sts.push(Object.fromEntries(form));
      if (form.get('WebIdentityToken') !== 'the-oidc-token') {
        res.writeHead(400); res.end('<ErrorResponse><Error><Code>InvalidIdentityToken</Code><Message>bad token</Message></Error></ErrorResponse>');
        return;
      }
      const exp = new Date(Date.now() + 3600e3).toISOString();
      res.writeHead(200, { 'Content-Type': 'text/xml' });
      res.end(`<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>${STS.id}</AccessKeyId><SecretAccessKey>${STS.secret}</SecretAccessKey><SessionToken>${STS.token}</SessionToken><Expiration>${exp}</Expiration></Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>`);
      return;
    }
    if (req.url === '/creds' && req.method === 'GET') {
      hits.container.push(req.headers.authorization);
      if (req.headers.authorization !== 'container-auth-token') return json(401, { message: 'no' });
      return json(200, { AccessKeyId: CONTAINER.id, SecretAccessKey: CONTAINER.secret, Token: CONTAINER.token,
        Expiration: new Date(Date.now() + containerExpiresInMs).toISOString() });
    }
    if (req.url === '/latest/api/token' && req.method === 'PUT') {
      hits.imdsToken++;
      if (!req.headers['x-aws-ec2-metadata-token-ttl-seconds']) return json(400, {});
      res.writeHead(200); res.end('imds-session-token');
      return;
    }
    if (req.url.startsWith('/latest/meta-data/iam/security-credentials/')) {
      if (req.headers['x-aws-ec2-metadata-token'] !== 'imds-session-token') { res.writeHead(401); res.end(); return; }
      const role = req.url.slice('/latest/meta-data/iam/security-credentials/'.length);
      if (role === '') { res.writeHead(200); res.end('batch-role'); return; }
      hits.imdsCreds++;
      return json(200, { Code: 'Success', AccessKeyId: IMDS.id, SecretAccessKey: IMDS.secret, Token: IMDS.token,
        Expiration: new Date(Date.now() + imdsExpiresInMs).toISOString() });
    }
    res.writeHead(404); res.end();
  });
  await new Promise((r) => stand.listen(0, '127.0.0.1', r));
});

after(async () => {
  await s3?.close();
  await new Promise((r) => stand?.close(r));
});

const standUrl = () => `http://127.0.0.1:${stand.address().port}`;

/** Starts sluice with `env` over a clean AWS environment, ingests s3://bucket/data.jsonl without keys `times` times. */
async function ingestWith(env, times = 1) {
  const server = await startServer({
    args: ['--s3-endpoint', s3.url, '--log-level', 'debug'],
    env: { ...CLEAN, HOME: dir, AWS_EC2_METADATA_DISABLED: 'true', ...env },
  });
  const tasks = [];
  try {
    await createIndex(server.url, 'chain', {
      settings: { 'index.knn': true },
      mappings: { properties: { text: { type: 'text' }, vec: { type: 'knn_vector', dimension: 2 } } },
    });
    for (let i = 0; i < times; i++) {
      const before = s3.requests.length;
      const res = await request(server.url, {
        method: 'POST',
        path: INGEST_PATH,
        json: { index_name: 'chain', field_map: { _id: '$.id', text: '$.t', vec: '$.v' }, data_source: { type: 's3', source: ['s3://bucket/data.jsonl'] } },
      });
      assert.equal(res.status, 200, res.text);
      const task = await waitTask(server.url, res.body.task_id);
      for (const s of SECRETS) assert.ok(!JSON.stringify(task).includes(s));
      tasks.push({ task, requests: s3.requests.slice(before) });
    }
  } finally {
    await server.stop();
    for (const s of SECRETS) assert.ok(!server.logs().includes(s), `log leaks ${s}`);
    assert.deepEqual(filesContaining(server.dataDir, SECRETS), []);
  }
  return tasks;
}

function assertSignedBy(requests, keys) {
  const gets = requests.filter((r) => r.url.startsWith('/bucket/'));
  assert.ok(gets.length > 0);
  for (const r of gets) {
    assert.match(r.headers.authorization, new RegExp(`^AWS4-HMAC-SHA256 Credential=${keys.id}/`));
    assert.equal(r.headers['x-amz-security-token'], keys.token);
  }
}

test('environment variables', async () => {
  const [{ task, requests }] = await ingestWith({ AWS_ACCESS_KEY_ID: ENV.id, AWS_SECRET_ACCESS_KEY: ENV.secret, AWS_SESSION_TOKEN: ENV.token });
  assert.equal(task.state, 'COMPLETED', JSON.stringify(task));
  assertSignedBy(requests, ENV);
});

test('a profile of the shared credentials file', async () => {
  const file = join(dir, 'credentials');
  writeFileSync(file, `[default]\naws_access_key_id = AKIAWRONG\naws_secret_access_key = wrong\n\n[batch]\naws_access_key_id = ${PROFILE.id}\naws_secret_access_key = ${PROFILE.secret}\naws_session_token = ${PROFILE.token}\n`);
  const [{ task, requests }] = await ingestWith({ AWS_SHARED_CREDENTIALS_FILE: file, AWS_PROFILE: 'batch' });
  assert.equal(task.state, 'COMPLETED', JSON.stringify(task));
  assertSignedBy(requests, PROFILE);
  const [missing] = await ingestWith({ AWS_SHARED_CREDENTIALS_FILE: file, AWS_PROFILE: 'nope' });
  assert.equal(missing.task.state, 'FAILED');
  assert.match(missing.task.error, /AWS_PROFILE \[nope\]/);
});

test('web identity through STS AssumeRoleWithWebIdentity', async () => {
  const tokenFile = join(dir, 'oidc-token');
  writeFileSync(tokenFile, 'the-oidc-token\n');
  const [{ task, requests }] = await ingestWith({
    AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
    AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/batch',
    AWS_ROLE_SESSION_NAME: 'sluice-test',
    AWS_ENDPOINT_URL_STS: `${standUrl()}/sts`,
  });
  assert.equal(task.state, 'COMPLETED', JSON.stringify(task));
  assertSignedBy(requests, STS);
  const call = hits.sts.at(-1);
  assert.equal(call.Action, 'AssumeRoleWithWebIdentity');
  assert.equal(call.RoleArn, 'arn:aws:iam::123456789012:role/batch');
  assert.equal(call.RoleSessionName, 'sluice-test');

  writeFileSync(tokenFile, 'a-bad-token');
  const [refused] = await ingestWith({ AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile, AWS_ROLE_ARN: 'arn:aws:iam::1:role/x', AWS_ENDPOINT_URL_STS: `${standUrl()}/sts` });
  assert.equal(refused.task.state, 'FAILED');
  assert.match(refused.task.error, /InvalidIdentityToken/);
});

test('the container endpoint with its authorization token; long-lived credentials are cached', async () => {
  const tokenFile = join(dir, 'container-token');
  writeFileSync(tokenFile, 'container-auth-token\n');
  hits.container.length = 0;
  containerExpiresInMs = 3600e3;
  const runs = await ingestWith({ AWS_CONTAINER_CREDENTIALS_FULL_URI: `${standUrl()}/creds`, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile }, 2);
  for (const { task, requests } of runs) {
    assert.equal(task.state, 'COMPLETED', JSON.stringify(task));
    assertSignedBy(requests, CONTAINER);
  }
  assert.deepEqual(hits.container, ['container-auth-token'], 'fetched once for two ingestions');
});

test('IMDSv2: token PUT, then role and credentials with the token; refreshed before they expire', async () => {
  hits.imdsToken = 0;
  hits.imdsCreds = 0;
  imdsExpiresInMs = 120e3;  // inside the 5-minute refresh window: every use fetches again
  const runs = await ingestWith({ AWS_EC2_METADATA_DISABLED: '', AWS_EC2_METADATA_SERVICE_ENDPOINT: standUrl() }, 2);
  for (const { task, requests } of runs) {
    assert.equal(task.state, 'COMPLETED', JSON.stringify(task));
    assertSignedBy(requests, IMDS);
  }
  assert.ok(hits.imdsCreds >= 2, `credentials fetched again near expiry (${hits.imdsCreds})`);
  assert.equal(hits.imdsToken, hits.imdsCreds, 'a session token PUT precedes each fetch');
});

test('nothing configured: the task fails and says where it looked', async () => {
  const [{ task }] = await ingestWith({});
  assert.equal(task.state, 'FAILED');
  assert.match(task.error, /no AWS credentials/);
});

test('--remote-sigv4 signs with the chain too (here: the container endpoint)', async () => {
  const cluster = await startServer();
  const proxy = await startBulkFaultProxy({ target: cluster.url, record: true });
  const tokenFile = join(dir, 'container-token');
  writeFileSync(tokenFile, 'container-auth-token\n');
  const front = await startIngestServer({
    args: ['--remote-cluster', proxy.url, '--remote-sigv4', 'es', '--remote-region', 'eu-west-1'],
    env: { ...CLEAN, HOME: dir, AWS_EC2_METADATA_DISABLED: 'true', AWS_CONTAINER_CREDENTIALS_FULL_URI: `${standUrl()}/creds`,
      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile },
  });
  try {
    await createIndex(cluster.url, 'signed', seedIndexBody(8));
    writeJsonl(join(front.importDir, 'in.jsonl'), sagemakerRecords(5, 8, 1));
    const res = await request(front.url, { method: 'POST', path: INGEST_PATH, json: seedSingleFileRequest('signed', join(front.importDir, 'in.jsonl'), 'file') });
    assert.equal(res.status, 200, res.text);
    const task = await waitTask(front.url, res.body.task_id);
    assert.equal(task.state, 'COMPLETED', JSON.stringify(task));
    const bulk = proxy.requests.find((r) => r.method === 'POST' && r.path.endsWith('/_bulk'));
    assert.ok(bulk);
    assert.match(bulk.headers.authorization, new RegExp(`Credential=${CONTAINER.id}/\\d{8}/eu-west-1/es/aws4_request`));
    assert.equal(bulk.headers['x-amz-security-token'], CONTAINER.token);
  } finally {
    await front.stop();
    await proxy.close();
    await cluster.stop();
  }
  for (const secret of SECRETS) assert.ok(!front.logs().includes(secret));
});
