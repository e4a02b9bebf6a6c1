// Loopback HTTP helpers for fault injection in end-to-end tests.
//
// startFaultProxy(): a reverse proxy in front of `target` (s3rver, a static
// server) that lets a test decide, per request, to pass it through, answer an
// error status (503 SlowDown by default), or forward the response and cut the
// connection after N body bytes:
//
//   const proxy = await startFaultProxy({
//     target: s3.endpoint,
//     fault: (req, n) => (n === 2 ? { dropAfter: 100_000 } : n === 3 ? { status: 503 } : null),
//   });
//   ... --s3-endpoint proxy.url ...; proxy.requests → [{n, method, url, headers, action, status}]
//
// startStaticServer(): serves fixed files with Range support and optional
// redirects, for data_source type "http".
import http from 'node:http';

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

function closer(server) {
  return () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
}

const S3_SLOW_DOWN =
  '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>' +
  '<Message>Please reduce your request rate.</Message></Error>';

/**
 * @param {object} options
 * @param {string} options.target base URL requests are forwarded to
 * @param {(req: http.IncomingMessage, n: number) => (null|{status?: number, body?: string, dropAfter?: number})} [options.fault]
 *   n counts requests from 1; null passes the request through
 */
export async function startFaultProxy({ target, fault = () => null }) {
  const upstream = new URL(target);
  const requests = [];
  const server = http.createServer((req, res) => {
    const n = requests.length + 1;
    const action = fault(req, n) || null;
    const record = { n, method: req.method, url: req.url, headers: { ...req.headers }, action };
    requests.push(record);
    if (action && action.status) {
      record.status = action.status;
      req.resume();
      res.writeHead(action.status, { 'Content-Type': 'application/xml', Connection: 'close' });
      res.end(action.body ?? S3_SLOW_DOWN);
      return;
    }
    const headers = { ...req.headers, host: upstream.host };
    const out = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent: false },
      (up) => {
        record.status = up.statusCode;
        res.writeHead(up.statusCode, up.headers);
        if (!action || action.dropAfter === undefined) {
          up.pipe(res);
          return;
        }
        let sent = 0;
        up.on('data', (chunk) => {
          if (sent >= action.dropAfter) return;
          const room = action.dropAfter - sent;
          const piece = chunk.length > room ? chunk.subarray(0, room) : chunk;
          sent += piece.length;
          res.write(piece);
          if (sent >= action.dropAfter) {
            record.dropped = sent;
            // Flush what was written, then cut both connections mid-body.
            res.socket.end(() => res.socket.destroy());
            up.destroy();
          }
        });
        up.on('end', () => {
          if (sent < action.dropAfter) res.end();
        });
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, port, requests, stop: closer(server) };
}

/**
 * @param {object} options
 * @param {Record<string, string|Buffer>} [options.files] path → content
 * @param {Record<string, string>} [options.redirects] path → Location (answered 302)
 */
export async function startStaticServer({ files = {}, redirects = {} } = {}) {
  const contents = new Map(Object.entries(files).map(([p, c]) => [p, Buffer.from(c)]));
  const requests = [];
  const server = http.createServer((req, res) => {
    const path = req.url.split('?')[0];
    const record = { method: req.method, url: req.url, headers: { ...req.headers } };
    requests.push(record);
    if (redirects[path]) {
      record.status = 302;
      res.writeHead(302, { Location: redirects[path], 'Content-Length': 0 });
      return res.end();
    }
    const content = contents.get(path);
    if (!content) {
      record.status = 404;
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      return res.end('not found');
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range || '');
    if (range) {
      const start = Number(range[1]);
      if (start >= content.length) {
        record.status = 416;
        res.writeHead(416, { 'Content-Range': `bytes */${content.length}` });
        return res.end();
      }
      record.status = 206;
      res.writeHead(206, {
        'Content-Range': `bytes ${start}-${content.length - 1}/${content.length}`,
        'Content-Length': content.length - start,
        'Accept-Ranges': 'bytes',
      });
      return res.end(content.subarray(start));
    }
    record.status = 200;
    res.writeHead(200, { 'Content-Length': content.length, 'Accept-Ranges': 'bytes' });
    res.end(content);
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, port, requests, stop: closer(server) };
}
