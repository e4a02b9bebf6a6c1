// s3rver does not verify SigV4 signatures, so this test checks them itself:
// sluice's S3 endpoint is a tiny recording server, and every Authorization
// header sluice sent is compared exactly with the one the official signer
// (@smithy/signature-v4, as used by the AWS SDK for JavaScript, with
// @aws-crypto/sha256-js) computes for the same request inputs and time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { startServer } from './lib/server.mjs';
import { Transcript, assertNoSecrets, countDocs, createIndex, ingest } from './lib/sources_helpers.mjs';

const ACCESS_KEY = 'AKIDEXAMPLESIGV4TEST';
const SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCY/SIGV4SECRET';
const SESSION_TOKEN = 'FwoGZXIvYXdzEXAMPLE//session+token=SIGV4TOKEN';
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

// Keys as S3 lists them; one needs percent-encoding in the path.
const SPECIAL_KEY = 'dir/My File+ü=(1)~.jsonl';
const PLAIN_KEY = 'dir/plain-2.jsonl';
const TOKEN = '1/a+b=c d';  // continuation token with characters that need encoding

let recorder;
let server;
const recorded = [];
const transcript = new Transcript();

const body = (key) => Buffer.from(JSON.stringify({ id: key, text: `text of ${key}` }) + '\n');

function xml(s) {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function listing(keys, nextToken) {
  const contents = keys.map((k) => `<Contents><Key>${xml(k)}</Key><Size>${body(k).length}</Size></Contents>`).join('');
  return '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult>' +
    `<Name>sig-bucket</Name><KeyCount>${keys.length}</KeyCount><IsTruncated>${nextToken ? 'true' : 'false'}</IsTruncated>` +
    (nextToken ? `<NextContinuationToken>${xml(nextToken)}</NextContinuationToken>` : '') +
    contents + '</ListBucketResult>';
}

// The request as the server saw it: raw path, raw query, headers.
function handle(req, res) {
  const [path, query = ''] = req.url.split(/\?(.*)/s);
  recorded.push({ method: req.method, path, query, headers: { ...req.headers } });
  const send = (status, payload, headers = {}) => {
    res.writeHead(status, { 'Content-Length': Buffer.byteLength(payload), ...headers });
    res.end(payload);
  };
  if (path === '/sig-bucket') {
    const params = parseQuery(query);
    if (params['continuation-token'] === TOKEN) return send(200, listing([PLAIN_KEY]));
    return send(200, listing([SPECIAL_KEY], TOKEN), { 'Content-Type': 'application/xml' });
  }
  const key = decodeURIComponent(path.replace(/^\/sig-bucket\//, ''));
  if (key !== SPECIAL_KEY && key !== PLAIN_KEY) return send(404, '<Error><Code>NoSuchKey</Code></Error>');
  const content = body(key);
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range || '');
  if (range) {
    const start = Number(range[1]);
    const end = range[2] === '' ? content.length - 1 : Math.min(Number(range[2]), content.length - 1);
    return send(206, content.subarray(start, end + 1),
      { 'Content-Range': `bytes ${start}-${end}/${content.length}` });
  }
  return send(200, content);
}

// Splits a raw query into decoded name → value ('+' is a plus, as S3 reads it).
function parseQuery(query) {
  const out = {};
  for (const part of query.split('&').filter(Boolean)) {
    const [k, v = ''] = part.split(/=(.*)/s);
    out[decodeURIComponent(k)] = decodeURIComponent(v);
  }
  return out;
}

function signingDate(amzDate) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  assert.ok(m, `x-amz-date [${amzDate}] has the basic ISO 8601 form`);
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
}

async function officialAuthorization(rec, { region, sessionToken }) {
  const signer = new SignatureV4({
    service: 's3',
    region,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY, ...(sessionToken ? { sessionToken } : {}) },
    sha256: Sha256,
    uriEscapePath: false, // S3: the wire path is the canonical path
    applyChecksum: true,
  });
  // The inputs: host and the x-amz-* headers sluice sent (Range, Accept and
  // the like are not signed by AWS SDKs either).
  const headers = {};
  for (const [name, value] of Object.entries(rec.headers)) {
    if (name === 'host' || (name.startsWith('x-amz-') && name !== 'x-amz-security-token')) headers[name] = value;
  }
  const signed = await signer.sign(
    { method: rec.method, protocol: 'http:', hostname: '127.0.0.1', port: recorder.address().port,
      path: rec.path, query: parseQuery(rec.query), headers },
    { signingDate: signingDate(rec.headers['x-amz-date']) },
  );
  return signed.headers.authorization;
}

before(async () => {
  recorder = http.createServer(handle);
  await new Promise((r) => recorder.listen(0, '127.0.0.1', r));
  server = await startServer({ args: ['--s3-endpoint', `http://127.0.0.1:${recorder.address().port}`] });
  await createIndex(server, 'signed', { text: { type: 'text' } }, false);
});

after(async () => {
  if (server) {
    assertNoSecrets(server, transcript, [SECRET_KEY, SESSION_TOKEN]);
    await server.stop();
  }
  recorder?.closeAllConnections();
  await new Promise((r) => (recorder ? recorder.close(r) : r()));
});

test('listing (two pages), probe and GET requests carry the Authorization the official signer computes, with a session token', async () => {
  recorded.length = 0;
  const credential = { region: 'eu-west-3', access_key: ACCESS_KEY, secret_key: SECRET_KEY, session_token: SESSION_TOKEN };
  // A prefix (listed) and then an exact key (probed).
  for (const source of ['s3://sig-bucket/dir/', `s3://sig-bucket/${PLAIN_KEY}`]) {
    const task = await ingest(server, {
      index_name: 'signed',
      field_map: { _id: '$.id', text: '$.text' },
      credential,
      data_source: { type: 's3', source: [source] },
    }, { transcript });
    assert.equal(task.state, 'COMPLETED', JSON.stringify(task));
  }

  const lists = recorded.filter((r) => r.path === '/sig-bucket');
  assert.equal(lists.length, 2, 'two listing pages');
  assert.equal(parseQuery(lists[1].query)['continuation-token'], TOKEN);
  const special = recorded.filter((r) => r.path.startsWith('/sig-bucket/dir/My'));
  assert.ok(special.length >= 1);
  // The key is encoded once per segment, as the AWS SDK does ('/' kept).
  const sdkPath = '/sig-bucket/' + SPECIAL_KEY.split('/').map((s) =>
    encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())).join('/');
  assert.equal(special[0].path, sdkPath);
  assert.ok(recorded.some((r) => r.path === `/sig-bucket/${PLAIN_KEY}` && r.headers.range === 'bytes=0-0'), 'a probe');

  assert.ok(recorded.length >= 5, `recorded ${recorded.length} requests`);
  for (const rec of recorded) {
    assert.equal(rec.headers['x-amz-content-sha256'], EMPTY_SHA256);
    assert.equal(rec.headers['x-amz-security-token'], SESSION_TOKEN);
    assert.match(rec.headers.authorization, /SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,/);
    assert.match(rec.headers.authorization, new RegExp(`Credential=${ACCESS_KEY}/\\d{8}/eu-west-3/s3/aws4_request`));
    const expected = await officialAuthorization(rec, { region: 'eu-west-3', sessionToken: SESSION_TOKEN });
    assert.equal(rec.headers.authorization, expected, `${rec.method} ${rec.path}?${rec.query}`);
  }
  assert.equal(await countDocs(server, 'signed'), 2);
});

test('without a session token nothing token-related is sent and the signature still matches; the region defaults to us-east-1', async () => {
  recorded.length = 0;
  const task = await ingest(server, {
    index_name: 'signed',
    field_map: { _id: '$.id', text: '$.text' },
    credential: { access_key: ACCESS_KEY, secret_key: SECRET_KEY },
    data_source: { type: 's3', source: [`s3://sig-bucket/${SPECIAL_KEY}`] },
  }, { transcript });
  assert.equal(task.state, 'COMPLETED', JSON.stringify(task));
  assert.ok(recorded.length >= 2);
  for (const rec of recorded) {
    assert.equal(rec.headers['x-amz-security-token'], undefined);
    assert.match(rec.headers.authorization, /\/us-east-1\/s3\/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date,/);
    const expected = await officialAuthorization(rec, { region: 'us-east-1' });
    assert.equal(rec.headers.authorization, expected, `${rec.method} ${rec.path}`);
  }
});
