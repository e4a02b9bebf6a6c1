// A loopback proxy in front of a sluice server that plays an OpenSearch
// cluster under load, for the remote-cluster (sinks/opensearch) tests:
//
//   const proxy = await startBulkFaultProxy({
//     target: cluster.url,
//     status429Every: 4,      // every 4th _bulk request answers 429 as a whole
//     rejectItemEvery: 7,     // every 7th document of the others: es_rejected_execution_exception
//     dropBulk: 3,            // the 3rd _bulk request: connection dropped, nothing answered
//     basicAuth: { user, password },   // 401 security_exception without these credentials
//   });
//   proxy.url; proxy.stats → {bulkRequests, status429, itemsRejected, dropped, unauthorized}
//   proxy.requests → [{method, path, headers, body: Buffer}] (with record: true)
//   tls: {key, cert} (PEM) serves HTTPS instead of HTTP
//
// Rejected items are cut out of the request before it is forwarded (the target
// never sees them), and their rejections are spliced into the target's
// response at their places, as a real cluster's per-shard rejections would be.
import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function forward(upstream, method, path, headers, body) {
  return new Promise((resolve, reject) => {
    const out = http.request(
      { host: upstream.hostname, port: upstream.port, method, path, headers: { ...headers, host: upstream.host, 'content-length': String(body.length) }, agent: false },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    out.on('error', reject);
    out.end(body);
  });
}

const SECURITY_401 = JSON.stringify({
  error: {
    root_cause: [{ type: 'security_exception', reason: 'authentication failed' }],
    type: 'security_exception',
    reason: 'authentication failed',
  },
  status: 401,
});
const REJECTED_429 = JSON.stringify({
  error: {
    root_cause: [{ type: 'es_rejected_execution_exception', reason: 'rejected execution of coordinating operation' }],
    type: 'es_rejected_execution_exception',
    reason: 'rejected execution of coordinating operation',
  },
  status: 429,
});

export async function startBulkFaultProxy({
  target,
  status429Every = 0,
  rejectItemEvery = 0,
  dropBulk = 0,
  basicAuth = null,
  authAfter = 0,
  record = false,
  tls = null,
} = {}) {
  const upstream = new URL(target);
  const stats = { bulkRequests: 0, status429: 0, itemsRejected: 0, dropped: 0, unauthorized: 0 };
  const requests = [];
  let docCounter = 0;
  let requestCount = 0;
  const expectedAuth = basicAuth
    ? 'Basic ' + Buffer.from(`${basicAuth.user}:${basicAuth.password}`).toString('base64')
    : null;

  const handler = async (req, res) => {
    try {
      const body = await readBody(req);
      requestCount += 1;
      if (record) requests.push({ method: req.method, path: req.url, headers: { ...req.headers }, body });
      if (expectedAuth && requestCount > authAfter && req.headers.authorization !== expectedAuth) {
        stats.unauthorized += 1;
        res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="test"' });
        res.end(SECURITY_401);
        return;
      }
      const headers = { ...req.headers };
      delete headers.authorization;
      delete headers['accept-encoding'];  // the proxy reads the target's responses
      const isBulk = req.method === 'POST' && /\/_bulk(\?|$)/.test(req.url);
      if (!isBulk) {
        const up = await forward(upstream, req.method, req.url, headers, body);
        res.writeHead(up.status, up.headers);
        res.end(up.body);
        return;
      }
      stats.bulkRequests += 1;
      if (dropBulk && stats.bulkRequests === dropBulk) {
        stats.dropped += 1;
        req.socket.destroy();
        return;
      }
      if (status429Every && stats.bulkRequests % status429Every === 0) {
        stats.status429 += 1;
        res.writeHead(429, { 'content-type': 'application/json' });
        res.end(REJECTED_429);
        return;
      }
      const gzipped = (req.headers['content-encoding'] || '').includes('gzip');
      const text = (gzipped ? zlib.gunzipSync(body) : body).toString('utf8');
      const lines = text.split('\n');
      if (lines[lines.length - 1] === '') lines.pop();
      const kept = [];
      const rejectedAt = new Set();
      for (let i = 0; i + 1 < lines.length; i += 2) {
        docCounter += 1;
        if (rejectItemEvery && docCounter % rejectItemEvery === 0) {
          rejectedAt.add(i / 2);
        } else {
          kept.push(lines[i], lines[i + 1]);
        }
      }
      const total = lines.length / 2;
      let items = [];
      if (kept.length > 0) {
        delete headers['content-encoding'];
        const up = await forward(upstream, req.method, req.url, headers, Buffer.from(kept.join('\n') + '\n'));
        if (up.status !== 200) {
          res.writeHead(up.status, up.headers);
          res.end(up.body);
          return;
        }
        items = JSON.parse(up.body.toString('utf8')).items;
      }
      const merged = [];
      let next = 0;
      for (let k = 0; k < total; k += 1) {
        if (rejectedAt.has(k)) {
          stats.itemsRejected += 1;
          const action = JSON.parse(lines[2 * k]);
          const op = Object.keys(action)[0];  // index, or update (an upsert)
          const id = action[op]._id;
          merged.push({
            [op]: {
              _index: 'proxied', _id: id, status: 429,
              error: { type: 'es_rejected_execution_exception', reason: 'rejected execution of primary operation' },
            },
          });
        } else {
          merged.push(items[next++]);
        }
      }
      const out = JSON.stringify({ took: 1, errors: merged.some((i) => Object.values(i)[0].error), items: merged });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(out);
    } catch (err) {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(String(err));
    }
  };
  const server = tls ? https.createServer({ key: tls.key, cert: tls.cert }, handler) : http.createServer(handler);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${server.address().port}`,
    stats,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
