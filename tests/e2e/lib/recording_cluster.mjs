// A recording fake OpenSearch cluster on 127.0.0.1 for the gateway tests.
// Every request is recorded (method, target, raw headers, body bytes or only
// their SHA-256 and length for large ones) and then
//   - forwarded to `target` (a sluice playing the cluster), whose answer is
//     recorded too and returned byte for byte (status, headers, body), or
//   - answered by `handle(req, body)` when it returns a response
//     ({status, headers, body} or 'hang' to never answer), or
//   - refused with the security plugin's 401 when `basicAuth` is set and the
//     request lacks those credentials.
//
//   const rec = await startRecordingCluster({ target: cluster.url });
//   rec.url; rec.requests → [{method, target, rawHeaders, headers, body, sha256, length, answer}]
//   await rec.close();
import { createHash } from 'node:crypto';
import http from 'node:http';

export const SECURITY_401 = JSON.stringify({
  error: {
    root_cause: [{ type: 'security_exception', reason: 'Unauthorized' }],
    type: 'security_exception',
    reason: 'Unauthorized',
  },
  status: 401,
});

const KEEP_BODY = 1 << 20;

function forward(upstream, req, body) {
  return new Promise((resolve, reject) => {
    const headers = {};
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i].toLowerCase();
      if (['host', 'connection', 'transfer-encoding', 'content-length', 'keep-alive'].includes(name)) continue;
      headers[req.rawHeaders[i]] = req.rawHeaders[i + 1];
    }
    headers['content-length'] = String(body.length);
    const out = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent: false },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, rawHeaders: res.rawHeaders, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    out.on('error', reject);
    out.end(body);
  });
}

export async function startRecordingCluster({ target, handle, basicAuth } = {}) {
  const upstream = target ? new URL(target) : null;
  const requests = [];
  const expected = basicAuth
    ? 'Basic ' + Buffer.from(`${basicAuth.user}:${basicAuth.password}`).toString('base64')
    : null;
  const server = http.createServer((req, res) => {
    const hash = createHash('sha256');
    const kept = [];
    let length = 0;
    req.on('data', (c) => {
      hash.update(c);
      length += c.length;
      if (length <= KEEP_BODY) kept.push(c);
    });
    req.on('end', async () => {
      const body = length <= KEEP_BODY ? Buffer.concat(kept) : null;
      const entry = {
        method: req.method, target: req.url, rawHeaders: req.rawHeaders, headers: req.headers,
        body, length, sha256: hash.digest('hex'), answer: null,
      };
      requests.push(entry);
      try {
        if (expected && req.headers.authorization !== expected) {
          entry.answer = { status: 401, body: Buffer.from(SECURITY_401) };
          res.writeHead(401, { 'Content-Type': 'application/json; charset=UTF-8', 'WWW-Authenticate': 'Basic realm="OpenSearch Security"' });
          return res.end(SECURITY_401);
        }
        const own = handle ? await handle(req, body, entry) : undefined;
        if (own === 'hang') return;
        if (own) {
          entry.answer = own;
          res.writeHead(own.status, own.headers ?? { 'Content-Type': 'application/json; charset=UTF-8' });
          if (typeof own.body === 'function') return own.body(res);
          return res.end(own.body);
        }
        const answer = await forward(upstream, req, body ?? Buffer.alloc(0));
        entry.answer = answer;
        const headers = [];
        for (let i = 0; i < answer.rawHeaders.length; i += 2) {
          const name = answer.rawHeaders[i].toLowerCase();
          if (['connection', 'keep-alive', 'transfer-encoding'].includes(name)) continue;
          headers.push(answer.rawHeaders[i], answer.rawHeaders[i + 1]);
        }
        res.writeHead(answer.status, headers);
        res.end(answer.body);
      } catch (err) {
        res.destroy(err);
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sockets = new Set();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    last: (pred = () => true) => [...requests].reverse().find(pred),
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
