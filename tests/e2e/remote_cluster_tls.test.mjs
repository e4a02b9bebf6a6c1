// Remote cluster over TLS: a cluster whose certificate the system does not
// trust is refused with a clear reason; --remote-ca-cert trusts it;
// --remote-insecure skips verification, with a warning in the log; the gateway
// (--gateway) forwards over HTTPS with the same options.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { startBulkFaultProxy } from './lib/bulk_fault_proxy.mjs';
import { request } from './lib/http.mjs';
import {
  INGEST_PATH, allDocs, createIndex, sagemakerRecords, seedIndexBody, seedSingleFileRequest, startIngestServer,
  waitTask, writeJsonl,
} from './lib/ingest.mjs';
import { makeTempDir, startServer } from './lib/server.mjs';

const DIM = 16;
let cluster;
let proxy;
let certFile;

before(async () => {
  const dir = makeTempDir('sluice-tls-');
  certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile,
    '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  cluster = await startServer();
  await createIndex(cluster.url, 'tls-index', seedIndexBody(DIM));
  proxy = await startBulkFaultProxy({ target: cluster.url, tls: { key: readFileSync(keyFile), cert: readFileSync(certFile) } });
});

after(async () => {
  await proxy?.close();
  await cluster?.stop();
});

async function ingestVia(args, n) {
  const front = await startIngestServer({ args: ['--remote-cluster', proxy.url, '--remote-max-retries', '1', ...args] });
  try {
    writeJsonl(join(front.importDir, 'in.jsonl'), sagemakerRecords(n, DIM, 5));
    const res = await request(front.url, {
      method: 'POST', path: INGEST_PATH, json: seedSingleFileRequest('tls-index', join(front.importDir, 'in.jsonl'), 'file'),
    });
    if (res.status !== 200) return { res, logs: front.logs() };
    const task = await waitTask(front.url, res.body.task_id);
    return { res, task, logs: front.logs() };
  } finally {
    await front.stop();
  }
}

test('an untrusted certificate is refused with the TLS reason', async () => {
  const { res } = await ingestVia([], 5);
  assert.notEqual(res.status, 200, res.text);
  assert.match(res.body.error.reason, /https:\/\/127\.0\.0\.1:\d+.*(SSL|certificate)/i);
});

test('--remote-ca-cert trusts the cluster certificate', async () => {
  const { task } = await ingestVia(['--remote-ca-cert', certFile], 25);
  assert.equal(task.state, 'COMPLETED', JSON.stringify(task));
  assert.equal((await allDocs(cluster.url, 'tls-index')).total, 25);
});

test('--remote-insecure works without the CA and says so in the log', async () => {
  const { task, logs } = await ingestVia(['--remote-insecure'], 30);
  assert.equal(task.state, 'COMPLETED', JSON.stringify(task));
  assert.match(logs, /tls_verification_disabled/);
  assert.equal((await allDocs(cluster.url, 'tls-index')).total, 30);
});

test('the gateway forwards over HTTPS: untrusted → 502, --remote-ca-cert → the cluster\'s answers', async () => {
  const untrusted = await startServer({ args: ['--remote-cluster', proxy.url, '--gateway'] });
  try {
    const res = await request(untrusted.url, { path: '/tls-index/_count' });
    assert.equal(res.status, 502, res.text);
    assert.equal(res.body.error.type, 'connect_exception');
    assert.match(res.body.error.reason, /SSL|certificate/i);
  } finally {
    await untrusted.stop();
  }
  const gw = await startServer({ args: ['--remote-cluster', proxy.url, '--remote-ca-cert', certFile, '--gateway'] });
  try {
    const direct = await request(cluster.url, { path: '/tls-index/_mapping' });
    const res = await request(gw.url, { path: '/tls-index/_mapping' });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.text, direct.text);
    const root = await request(gw.url, { path: '/' });
    assert.ok(root.headers['x-sluice-gateway']);
  } finally {
    await gw.stop();
  }
});
