// The gateway (src/gateway), continued: limits, failures and authentication,
// against a recording fake cluster (lib/recording_cluster.mjs).
//   - a 50 MB _bulk streams through (and a 40 MB answer back) while the
//     gateway's peak RSS grows by less than 10 MB;
//   - the in-flight byte limit refuses a body before it is forwarded;
//   - a cluster that is down → 502, one that does not answer → 504, both in
//     OpenSearch's error shape;
//   - the client's basic auth passes through (a wrong password is the
//     cluster's own 401); --remote-user replaces it;
//   - --remote-sigv4 re-signs each request as the official AWS signer
//     (@smithy/signature-v4) does, with the body's hash or UNSIGNED-PAYLOAD.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';

import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

import { request } from './lib/http.mjs';
import { vmHwmKiB } from './lib/ingest.mjs';
import { SECURITY_401, startRecordingCluster } from './lib/recording_cluster.mjs';
import { startServer } from './lib/server.mjs';

const MB = 1 << 20;

function header(rawHeaders, name) {
  const values = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i].toLowerCase() === name) values.push(rawHeaders[i + 1]);
  }
  return values;
}

async function withGateway(args, env, fn) {
  const gw = await startServer({ args: ['--gateway', ...args], env });
  try {
    return await fn(gw);
  } finally {
    await gw.stop();
  }
}

// POST `size` bytes of bulk-shaped NDJSON written in 256 KiB pieces; the answer and the body's hash.
function streamBulk(url, size) {
  const u = new URL(url);
  const line = JSON.stringify({ index: { _index: 'big' } }) + '\n' + JSON.stringify({ text: 'x'.repeat(900) }) + '\n';
  const piece = Buffer.from(line.repeat(Math.ceil((256 << 10) / line.length)));
  const hash = createHash('sha256');
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method: 'POST', path: '/_bulk', agent: false,
      headers: { 'Content-Type': 'application/x-ndjson', 'Content-Length': String(size) } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8'), sha256: hash.digest('hex') }));
    });
    req.on('error', reject);
    let sent = 0;
    const pump = () => {
      while (sent < size) {
        const part = piece.subarray(0, Math.min(piece.length, size - sent));
        sent += part.length;
        hash.update(part);
        if (!req.write(part)) return req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

describe('streaming and limits', () => {
  test('a 50 MB _bulk and a 40 MB answer stream through with the gateway\'s RSS growing < 10 MB', async () => {
    const ANSWER = 40 * MB;
    const rec = await startRecordingCluster({
      handle: (req, body, entry) => {
        if (req.url === '/_bulk') {
          return { status: 200, body: JSON.stringify({ took: 1, errors: false, items: [], length: entry.length, sha256: entry.sha256 }) };
        }
        if (req.url === '/big-answer') {
          return {
            status: 200, headers: { 'Content-Type': 'application/json' },
            body: (res) => {
              const piece = Buffer.alloc(1 << 20, 'a');
              let left = ANSWER / piece.length;
              const pump = () => {
                while (left > 0) {
                  left--;
                  if (!res.write(piece)) return res.once('drain', pump);
                }
                res.end();
              };
              pump();
            },
          };
        }
        return undefined;
      },
    });
    try {
      await withGateway(['--remote-cluster', rec.url], {}, async (gw) => {
        // Warm up the pools (threads, curl handle, buffers) before the baseline.
        const warm = await streamBulk(gw.url, 1 * MB);
        assert.equal(warm.status, 200);
        const before = vmHwmKiB(gw.proc.pid);
        const SIZE = 50 * MB;
        const res = await streamBulk(gw.url, SIZE);
        assert.equal(res.status, 200, res.body);
        const seen = JSON.parse(res.body);
        assert.equal(seen.length, SIZE);
        assert.equal(seen.sha256, res.sha256, 'the cluster got the client\'s bytes');
        const answer = await new Promise((resolve, reject) => {
          const u = new URL(gw.url);
          http.get({ host: u.hostname, port: u.port, path: '/big-answer', agent: false }, (r) => {
            let n = 0;
            r.on('data', (c) => { n += c.length; });
            r.on('end', () => resolve({ status: r.statusCode, n }));
          }).on('error', reject);
        });
        assert.equal(answer.status, 200);
        assert.equal(answer.n, ANSWER);
        const grown = vmHwmKiB(gw.proc.pid) - before;
        assert.ok(grown < 10 * 1024, `peak RSS grew by ${grown} KiB`);
      });
    } finally {
      await rec.close();
    }
  });

  test('the in-flight byte limit refuses a body before anything is forwarded', async () => {
    const rec = await startRecordingCluster({ handle: () => ({ status: 200, body: '{}' }) });
    try {
      await withGateway(['--remote-cluster', rec.url, '--max-in-flight-bytes', '1mb'], {}, async (gw) => {
        const res = await request(gw.url, { method: 'POST', path: '/_bulk', body: Buffer.alloc(2 * MB, 'a'), headers: { 'Content-Type': 'application/x-ndjson' } });
        assert.equal(res.status, 429);
        assert.equal(res.body.error.type, 'circuit_breaking_exception');
        assert.equal(rec.requests.length, 0);
      });
    } finally {
      await rec.close();
    }
  });

  test('a cluster that is down is a 502, one that does not answer a 504', async () => {
    const port = await new Promise((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = s.address().port;
        s.close(() => resolve(p));
      });
    });
    await withGateway(['--remote-cluster', `http://127.0.0.1:${port}`], {}, async (gw) => {
      const res = await request(gw.url, { path: '/_cluster/health' });
      assert.equal(res.status, 502);
      assert.equal(res.body.status, 502);
      assert.equal(res.body.error.type, 'connect_exception');
      assert.equal(res.body.error.root_cause[0].type, 'connect_exception');
      assert.ok(!res.text.includes('password'));
    });
    const rec = await startRecordingCluster({ handle: () => 'hang' });
    try {
      await withGateway(['--remote-cluster', rec.url, '--gateway-timeout', '1'], {}, async (gw) => {
        const res = await request(gw.url, { path: '/slow/_search' });
        assert.equal(res.status, 504);
        assert.equal(res.body.status, 504);
        assert.equal(res.body.error.type, 'timeout_exception');
        // The gateway itself stays responsive.
        const again = await request(gw.url, { path: '/_prometheus/metrics' });
        assert.equal(again.status, 200);
      });
    } finally {
      await rec.close();
    }
  });
});

describe('authentication', () => {
  const USER = 'alice';
  const PASSWORD = 'gateway-password-must-never-leak-3';
  const basic = (u, p) => 'Basic ' + Buffer.from(`${u}:${p}`).toString('base64');

  test('the client\'s basic auth passes through; a wrong password is the cluster\'s 401', async () => {
    const rec = await startRecordingCluster({ basicAuth: { user: USER, password: PASSWORD }, handle: () => ({ status: 200, body: '{"ok":true}' }) });
    try {
      await withGateway(['--remote-cluster', rec.url], {}, async (gw) => {
        const ok = await request(gw.url, { path: '/_cat/health', headers: { Authorization: basic(USER, PASSWORD) } });
        assert.equal(ok.status, 200);
        assert.deepEqual(header(rec.last().rawHeaders, 'authorization'), [basic(USER, PASSWORD)]);
        const wrong = await request(gw.url, { path: '/_cat/health', headers: { Authorization: basic(USER, 'nope') } });
        assert.equal(wrong.status, 401);
        assert.equal(wrong.text, SECURITY_401);
        assert.equal(wrong.headers['www-authenticate'], 'Basic realm="OpenSearch Security"');
        const none = await request(gw.url, { path: '/_cat/health' });
        assert.equal(none.status, 401);
        assert.ok(!gw.logs().includes(PASSWORD));
      });
    } finally {
      await rec.close();
    }
  });

  test('--remote-user signs forwarded requests with sluice\'s credentials instead', async () => {
    const rec = await startRecordingCluster({ basicAuth: { user: USER, password: PASSWORD }, handle: () => ({ status: 200, body: '{"ok":true}' }) });
    try {
      await withGateway(['--remote-cluster', rec.url, '--remote-user', USER], { SLUICE_REMOTE_PASSWORD: PASSWORD }, async (gw) => {
        const res = await request(gw.url, { path: '/_cat/health', headers: { Authorization: basic('mallory', 'x') } });
        assert.equal(res.status, 200);
        assert.deepEqual(header(rec.last().rawHeaders, 'authorization'), [basic(USER, PASSWORD)]);
        assert.ok(!gw.logs().includes(PASSWORD));
      });
    } finally {
      await rec.close();
    }
  });

  const ACCESS_KEY = 'AKIDGATEWAYSIGV4TEST1';
  const SECRET_KEY = 'gateway-sigv4-secret-must-never-leak-5';
  const SESSION_TOKEN = 'gateway-sigv4-session-token-must-never-leak-6';
  const REGION = 'eu-central-1';
  const AWS_ENV = { AWS_ACCESS_KEY_ID: ACCESS_KEY, AWS_SECRET_ACCESS_KEY: SECRET_KEY, AWS_SESSION_TOKEN: SESSION_TOKEN };

  function signingDate(amzDate) {
    const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
    return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
  }

  async function expectedAuthorization(rec, entry, service) {
    const signedNames = /SignedHeaders=([^,]+)/.exec(entry.headers.authorization)[1].split(';');
    const headers = {};
    for (const name of signedNames) headers[name] = entry.headers[name];
    const [path, query = ''] = entry.target.split('?');
    const signer = new SignatureV4({
      service, region: REGION, sha256: Sha256,
      credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY, sessionToken: SESSION_TOKEN },
    });
    const signed = await signer.sign(
      { method: entry.method, protocol: 'http:', hostname: '127.0.0.1', port: rec.port, path,
        query: Object.fromEntries(new URLSearchParams(query)), headers, body: entry.body },
      { signingDate: signingDate(entry.headers['x-amz-date']) },
    );
    return { expected: signed.headers.authorization, signedNames };
  }

  for (const [label, args, service] of [
    ['the body\'s hash (es)', [], 'es'],
    ['UNSIGNED-PAYLOAD, streamed (aoss)', ['--gateway-unsigned-payload'], 'aoss'],
  ]) {
    test(`--remote-sigv4 re-signs each request as the official signer does: ${label}`, async () => {
      const rec = await startRecordingCluster({ handle: () => ({ status: 200, body: '{"hits":{}}' }) });
      try {
        await withGateway(['--remote-cluster', rec.url, '--remote-sigv4', service, '--remote-region', REGION, ...args], AWS_ENV, async (gw) => {
          const body = JSON.stringify({ query: { match: { title: 'caf\u00e9 & co' } } });
          const res = await request(gw.url, {
            method: 'POST', path: '/my-index/_search?size=5&q=a%20b',
            body, headers: { 'Content-Type': 'application/json', Authorization: 'Bearer client-token', 'X-Amz-Date': '19990101T000000Z' },
          });
          assert.equal(res.status, 200);
          const entry = rec.last();
          assert.equal(entry.body.toString('utf8'), body);
          assert.deepEqual(header(entry.rawHeaders, 'authorization').length, 1, 'the client\'s Authorization is replaced');
          assert.notEqual(entry.headers['x-amz-date'], '19990101T000000Z');
          assert.equal(entry.headers['x-amz-security-token'], SESSION_TOKEN);
          const hash = createHash('sha256').update(body).digest('hex');
          assert.equal(entry.headers['x-amz-content-sha256'], args.length ? 'UNSIGNED-PAYLOAD' : hash);
          const { expected, signedNames } = await expectedAuthorization(rec, entry, service);
          assert.ok(signedNames.includes('x-amz-content-sha256') && signedNames.includes('host'), signedNames.join(';'));
          assert.equal(entry.headers.authorization, expected);
          assert.match(entry.headers.authorization, new RegExp(`Credential=${ACCESS_KEY}/\\d{8}/${REGION}/${service}/aws4_request`));

          const get = await request(gw.url, { path: '/_cat/indices?v' });
          assert.equal(get.status, 200);
          const g = rec.last();
          assert.equal(g.headers['x-amz-content-sha256'], createHash('sha256').update('').digest('hex'));
          assert.equal(g.headers.authorization, (await expectedAuthorization(rec, g, service)).expected);
          for (const secret of [SECRET_KEY, SESSION_TOKEN]) assert.ok(!gw.logs().includes(secret));
        });
      } finally {
        await rec.close();
      }
    });
  }
});

describe('batch ingestion through a pass-through gateway', () => {
  const USER = 'writer';
  const PASSWORD = 'ingest-identity-password-must-never-leak-8';
  const basic = (u, p) => 'Basic ' + Buffer.from(`${u}:${p}`).toString('base64');

  test('writes with the identity of the client that submitted it', async () => {
    const { join } = await import('node:path');
    const { INGEST_PATH, createIndex, sagemakerRecords, seedIndexBody, seedSingleFileRequest, startIngestServer, waitTask, writeJsonl } =
      await import('./lib/ingest.mjs');
    const cluster = await startServer();
    const rec = await startRecordingCluster({ target: cluster.url, basicAuth: { user: USER, password: PASSWORD } });
    const gw = await startIngestServer({ args: ['--remote-cluster', rec.url, '--gateway'] });
    try {
      await createIndex(cluster.url, 'secured', seedIndexBody(8));
      writeJsonl(join(gw.importDir, 'in.jsonl'), sagemakerRecords(40, 8, 9));
      const body = seedSingleFileRequest('secured', join(gw.importDir, 'in.jsonl'), 'file');

      const refused = await request(gw.url, { method: 'POST', path: INGEST_PATH, json: body, headers: { Authorization: basic(USER, 'wrong') } });
      assert.equal(refused.status, 401, `a client the cluster refuses cannot ingest through sluice: ${refused.text}`);
      assert.equal(refused.body.error.type, 'security_exception');
      assert.ok(!rec.requests.some((r) => r.target.includes('_bulk')), 'nothing was written');

      const res = await request(gw.url, { method: 'POST', path: INGEST_PATH, json: body, headers: { Authorization: basic(USER, PASSWORD) } });
      assert.equal(res.status, 200, res.text);
      const task = await waitTask(gw.url, res.body.task_id);
      assert.equal(task.state, 'COMPLETED', JSON.stringify(task));
      const bulks = rec.requests.filter((r) => r.target.includes('_bulk'));
      assert.ok(bulks.length > 0);
      for (const b of bulks) assert.equal(b.headers.authorization, basic(USER, PASSWORD));
      await request(cluster.url, { method: 'POST', path: '/secured/_refresh' });
      const count = await request(gw.url, { path: '/secured/_count', headers: { Authorization: basic(USER, PASSWORD) } });
      assert.equal(count.body.count, 40);
      assert.ok(!gw.logs().includes(PASSWORD));
    } finally {
      await gw.stop();
      await rec.close();
      await cluster.stop();
    }
  });
});
