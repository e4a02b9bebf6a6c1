// Security end to end: HTTPS with a CA this test makes (openssl), users from a
// users file written by `sluice users add`, the built-in roles against each
// endpoint family, ingestion sources per role, task ownership, mutual TLS,
// and the refusal to listen beyond loopback without TLS and users.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import tls from 'node:tls';
import { join } from 'node:path';

import { Client } from './lib/client.mjs';
import { INGEST_PATH, sagemakerRecords, seedIndexBody, seedSingleFileRequest, writeJsonl } from './lib/ingest.mjs';
import { makeTempDir, sluiceBin, startServer } from './lib/server.mjs';

const DIM = 4;
const PASSWORDS = { admin: 'admin-Pw-1', reader: 'reader-Pw-2', ingester: 'ingest-Pw-3', anna: 'anna-Pw-4', bert: 'bert-Pw-5', late: 'late-Pw-6' };

function openssl(args, cwd) {
  execFileSync('openssl', args, { cwd, stdio: 'ignore' });
}

// CA, a server certificate for 127.0.0.1 and a client certificate, all PEM.
function makePki(dir) {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=sluice test CA'], dir);
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1'], dir);
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '1', '-extfile', 'server.ext'], dir);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=client'], dir);
  openssl(['x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.pem', '-days', '1'], dir);
  const read = (f) => readFileSync(join(dir, f), 'utf8');
  return { dir, ca: read('ca.pem'), clientCert: read('client.pem'), clientKey: read('client.key') };
}

function usersAdd(file, name, roles) {
  const res = spawnSync(sluiceBin(), ['users', 'add', name, ...roles.flatMap((r) => ['--role', r]), '--users-file', file], {
    input: `${PASSWORDS[name]}\n`,
    encoding: 'utf8',
  });
  assert.equal(res.status, 0, res.stderr);
  assert.ok(!readFileSync(file, 'utf8').includes(PASSWORDS[name]), 'the password itself is not stored');
}

let pki;
let server;
let usersFile;
let rootA;
let rootB;
const clients = {};

function client(user, password = PASSWORDS[user], extra = {}) {
  return new Client({
    node: server.url,
    ...(user ? { auth: { username: user, password } } : {}),
    ssl: { ca: pki.ca },
    ...extra,
  });
}

// {status, body, headers} of any request, success or not.
async function call(c, method, path, body, bulk = false) {
  try {
    const res = await c.transport.request({ method, path, ...(body === undefined ? {} : bulk ? { bulkBody: body } : { body }) });
    return { status: res.statusCode, body: res.body, headers: res.headers };
  } catch (err) {
    if (!err.meta || !err.meta.statusCode) throw err;
    return { status: err.meta.statusCode, body: err.meta.body, headers: err.meta.headers };
  }
}

before(async () => {
  const dir = makeTempDir('sluice-security-');
  pki = makePki(dir);
  rootA = join(dir, 'team-a');
  rootB = join(dir, 'team-b');
  mkdirSync(rootA);
  mkdirSync(rootB);
  writeJsonl(join(rootA, 'a.jsonl'), sagemakerRecords(5, DIM, 1));
  writeJsonl(join(rootB, 'b.jsonl'), sagemakerRecords(5, DIM, 2));
  usersFile = join(dir, 'users.json');
  const teamRole = (root, pattern) => ({
    cluster_permissions: ['cluster:monitor/*', 'batch_ingest', 'tasks'],
    index_permissions: [{ index_patterns: [pattern], allowed_actions: ['read', 'write', 'batch_ingest', 'manage'] }],
    ingest_sources: { file_roots: [root] },
  });
  writeFileSync(usersFile, JSON.stringify({ users: {}, roles: { team_a: teamRole(rootA, 'team-a-*'), team_b: teamRole(rootB, 'team-b-*') } }));
  usersAdd(usersFile, 'admin', ['all_access']);
  usersAdd(usersFile, 'reader', ['readall']);
  usersAdd(usersFile, 'ingester', ['ingest']);
  usersAdd(usersFile, 'anna', ['team_a']);
  usersAdd(usersFile, 'bert', ['team_b']);
  server = await startServer({
    args: ['--tls-cert', join(dir, 'server.pem'), '--tls-key', join(dir, 'server.key'), '--users-file', usersFile,
      '--file-root', rootA, '--file-root', rootB],
  });
  assert.match(server.url, /^https:/);
  for (const name of Object.keys(PASSWORDS)) if (name !== 'late') clients[name] = client(name);
  const admin = clients.admin;
  for (const index of ['shared', 'team-a-docs', 'team-b-docs']) {
    assert.equal((await call(admin, 'PUT', `/${index}`, seedIndexBody(DIM))).status, 200);
  }
  await call(admin, 'PUT', '/shared/_doc/1?refresh=true', { title: 'hello' });
});

after(async () => {
  for (const c of Object.values(clients)) await c.close();
  await server?.stop();
});

describe('authentication', () => {
  test('no credentials: 401 with the Basic challenge of the security plugin', async () => {
    const res = await call(client(null), 'GET', '/');
    assert.equal(res.status, 401);
    assert.equal(res.headers['www-authenticate'], 'Basic realm="OpenSearch Security"');
  });

  test('a wrong password is 401; the right one passes', async () => {
    const wrong = client('reader', 'not-the-password');
    assert.equal((await call(wrong, 'GET', '/')).status, 401);
    await wrong.close();
    const unknown = client('nobody', 'whatever');
    assert.equal((await call(unknown, 'GET', '/_cluster/health')).status, 401);
    await unknown.close();
    const res = await call(clients.reader, 'GET', '/');
    assert.equal(res.status, 200);
    assert.equal(res.body.version.distribution, 'opensearch');
  });

  test('failed logins are audited without the password', () => {
    const logs = server.logs();
    assert.match(logs, /audit event=failed_login user=reader remote=127\.0\.0\.1/);
    assert.ok(!logs.includes('not-the-password'));
    assert.ok(!logs.includes(PASSWORDS.reader));
  });

  test('authinfo names the caller and their roles', async () => {
    const res = await call(clients.anna, 'GET', '/_plugins/_security/authinfo');
    assert.equal(res.status, 200);
    assert.equal(res.body.user_name, 'anna');
    assert.deepEqual(res.body.roles, ['team_a']);
    assert.equal(res.body.user, 'User [name=anna, backend_roles=[], requestedTenant=null]');
    assert.deepEqual(res.body.backend_roles, []);
  });
});

describe('built-in roles × endpoint families', () => {
  // [family, method, path, body, bulk?]
  const families = {
    info: ['GET', '/'],
    health: ['GET', '/_cluster/health'],
    cat: ['GET', '/_cat/indices?format=json'],
    search: ['POST', '/shared/_search', { query: { match_all: {} } }],
    get: ['GET', '/shared/_doc/1'],
    index: ['PUT', '/shared/_doc/2', { title: 'two' }],
    bulk: ['POST', '/_bulk', [{ index: { _index: 'shared', _id: '3' } }, { title: 'three' }], true],
    create: ['PUT', '/made-by-test', seedIndexBody(DIM)],
    mapping: ['PUT', '/shared/_mapping', { properties: { extra: { type: 'keyword' } } }],
    tasks: ['GET', '/_plugins/_ml/tasks/_search'],
    delete: ['DELETE', '/made-by-test'],
  };
  const expected = {
    all_access: { info: 200, health: 200, cat: 200, search: 200, get: 200, index: 201, bulk: 200, create: 200, mapping: 200, tasks: 200, delete: 200 },
    readall: { info: 200, health: 200, cat: 200, search: 200, get: 200, index: 403, bulk: 403, create: 403, mapping: 403, tasks: 403, delete: 403 },
    ingest: { info: 200, health: 200, cat: 200, search: 200, get: 200, index: 201, bulk: 200, create: 200, mapping: 403, tasks: 200, delete: 403 },
  };
  const userOf = { all_access: 'admin', readall: 'reader', ingest: 'ingester' };
  for (const [role, row] of Object.entries(expected)) {
    test(`${role}`, async () => {
      const c = clients[userOf[role]];
      const got = {};
      for (const [family, [method, path, body, bulk]] of Object.entries(families)) {
        const res = await call(c, method, path, body, bulk);
        got[family] = res.status === 200 && family === 'index' ? 201 : res.status;
        if (res.status === 403) {
          assert.equal(res.body.error.type, 'security_exception');
          assert.match(res.body.error.reason, new RegExp(`^no permissions for \\[[^\\]]+\\] and User \\[name=${userOf[role]}, backend_roles=\\[\\], requestedTenant=null\\]$`));
          assert.equal(res.body.status, 403);
          assert.equal(res.body.error.root_cause[0].type, 'security_exception');
        }
      }
      // index answers 201 on create and 200 on replace: both are success.
      assert.deepEqual(got, row);
    });
  }

  test('403 names the missing permission', async () => {
    const res = await call(clients.reader, 'PUT', '/shared/_doc/9', { a: 1 });
    assert.equal(res.status, 403);
    assert.equal(res.body.error.reason, 'no permissions for [indices:data/write/index] and User [name=reader, backend_roles=[], requestedTenant=null]');
    assert.match(server.logs(), /audit event=missing_privileges user=reader .*action=indices:data\/write\/index/);
  });

  test('index patterns: a team role reaches its own indexes only, in paths and in _bulk bodies', async () => {
    assert.equal((await call(clients.anna, 'POST', '/team-a-docs/_search', {})).status, 200);
    assert.equal((await call(clients.anna, 'POST', '/team-b-docs/_search', {})).status, 403);
    assert.equal((await call(clients.anna, 'POST', '/_search', {})).status, 403);
    const own = [{ index: { _index: 'team-a-docs', _id: 'x' } }, { title: 'x' }];
    assert.equal((await call(clients.anna, 'POST', '/_bulk', own, true)).status, 200);
    const mixed = [...own, { index: { _index: 'team-b-docs', _id: 'y' } }, { title: 'y' }];
    assert.equal((await call(clients.anna, 'POST', '/_bulk', mixed, true)).status, 403);
  });
});

describe('ingestion sources and tasks', () => {
  let annaTask;

  test('a user ingests from their role\'s file root, not another team\'s', async () => {
    const refused = await call(clients.anna, 'POST', INGEST_PATH, seedSingleFileRequest('team-a-docs', join(rootB, 'b.jsonl'), 'file'));
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.type, 'security_exception');
    assert.ok(!JSON.stringify(refused.body).includes('chapter'), 'no file contents in the refusal');
    const ok = await call(clients.anna, 'POST', INGEST_PATH, seedSingleFileRequest('team-a-docs', join(rootA, 'a.jsonl'), 'file'));
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    annaTask = ok.body.task_id;
    // Into another team's index: refused even from an allowed root.
    const wrongIndex = await call(clients.anna, 'POST', INGEST_PATH, seedSingleFileRequest('team-b-docs', join(rootA, 'a.jsonl'), 'file'));
    assert.equal(wrongIndex.status, 403);
    // readall may not ingest at all.
    assert.equal((await call(clients.reader, 'POST', INGEST_PATH, seedSingleFileRequest('shared', join(rootA, 'a.jsonl'), 'file'))).status, 403);
  });

  test('tasks are visible to their owner and all_access only', async () => {
    assert.ok(annaTask);
    assert.equal((await call(clients.anna, 'GET', `/_plugins/_ml/tasks/${annaTask}`)).status, 200);
    assert.equal((await call(clients.admin, 'GET', `/_plugins/_ml/tasks/${annaTask}`)).status, 200);
    const other = await call(clients.bert, 'GET', `/_plugins/_ml/tasks/${annaTask}`);
    assert.equal(other.status, 404);
    assert.equal((await call(clients.bert, 'POST', `/_plugins/_ml/tasks/${annaTask}/_cancel`)).status, 404);
    assert.equal((await call(clients.bert, 'DELETE', `/_plugins/_ml/tasks/${annaTask}`)).status, 404);
    const ids = async (c) => (await call(c, 'GET', '/_plugins/_ml/tasks/_search')).body.hits.hits.map((h) => h._id);
    assert.ok((await ids(clients.anna)).includes(annaTask));
    assert.ok(!(await ids(clients.bert)).includes(annaTask));
    assert.ok((await ids(clients.admin)).includes(annaTask));
  });
});

async function sighupAndWait() {
  const count = () => (server.logs().match(/event=reloaded signal=SIGHUP/g) || []).length;
  const before = count();
  server.proc.kill('SIGHUP');
  while (count() === before) await new Promise((resolve) => setTimeout(resolve, 10));
}

function peerSerial(port) {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca: pki.ca }, () => {
      const serial = socket.getPeerCertificate().serialNumber;
      socket.end();
      resolve(serial);
    });
    socket.on('error', reject);
  });
}

describe('reload', () => {
  test('SIGHUP reloads the TLS certificate for new connections', async () => {
    const dir = pki.dir;
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'next.key', '-out', 'next.csr', '-subj', '/CN=127.0.0.1'], dir);
    openssl(['x509', '-req', '-in', 'next.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'next.pem', '-days', '1', '-extfile', 'server.ext'], dir);
    const serialOf = (f) => execFileSync('openssl', ['x509', '-in', join(dir, f), '-noout', '-serial'], { encoding: 'utf8' }).trim().split('=')[1].toUpperCase();
    assert.equal((await peerSerial(server.port)).toUpperCase(), serialOf('server.pem'));
    copyFileSync(join(dir, 'next.key'), join(dir, 'server.key'));
    copyFileSync(join(dir, 'next.pem'), join(dir, 'server.pem'));
    await sighupAndWait();
    assert.equal((await peerSerial(server.port)).toUpperCase(), serialOf('next.pem'));
    assert.equal((await call(clients.admin, 'GET', '/')).status, 200);
  });

  test('SIGHUP reloads the users file: a user added meanwhile can log in', async () => {
    const late = client('late');
    assert.equal((await call(late, 'GET', '/')).status, 401);
    usersAdd(usersFile, 'late', ['readall']);
    await sighupAndWait();
    assert.equal((await call(late, 'GET', '/')).status, 200);
    assert.equal((await call(late, 'PUT', '/shared/_doc/late', { a: 1 })).status, 403);
    await late.close();
  });
});

describe('mutual TLS and safe defaults', () => {
  test('with --tls-client-ca a client needs a certificate the CA signed', async () => {
    const mtls = await startServer({
      args: ['--tls-cert', join(pki.dir, 'server.pem'), '--tls-key', join(pki.dir, 'server.key'), '--tls-client-ca', join(pki.dir, 'ca.pem')],
    });
    try {
      const without = new Client({ node: mtls.url, ssl: { ca: pki.ca }, maxRetries: 0 });
      await assert.rejects(without.info());
      await without.close();
      const withCert = new Client({ node: mtls.url, ssl: { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey } });
      const info = await withCert.info();
      assert.equal(info.statusCode, 200);
      await withCert.close();
    } finally {
      await mtls.stop();
    }
  });

  test('a non-loopback --host without TLS and users is refused, naming the flags', () => {
    const res = spawnSync(sluiceBin(), ['serve', '--host', '0.0.0.0', '--port', '0', '--data-dir', makeTempDir()], { encoding: 'utf8', timeout: 30000 });
    assert.equal(res.status, 1);
    const out = res.stdout + res.stderr;
    assert.match(out, /--tls-cert and --tls-key and --users-file/);
    assert.match(out, /--allow-insecure-non-loopback/);
  });

  test('--allow-insecure-non-loopback starts with a warning', async () => {
    const proc = spawn(sluiceBin(), ['serve', '--host', '0.0.0.0', '--port', '0', '--data-dir', makeTempDir(), '--allow-insecure-non-loopback'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line:\n${out}`)), 30000);
      const onData = (d) => {
        out += d;
        if (/listening/.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout.on('data', onData);
      proc.stderr.on('data', onData);
      proc.once('exit', () => reject(new Error(`exited:\n${out}`)));
    });
    assert.match(out, /warn.*event=insecure_exposure host=0\.0\.0\.0/);
    proc.removeAllListeners('exit');
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGTERM');
    await exited;
  });
});
