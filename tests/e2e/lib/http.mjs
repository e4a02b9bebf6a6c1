// Raw HTTP requests with full control over method, headers and body (unlike
// fetch, nothing is added: no default Content-Type, no compression).
//
//   const res = await request(server.url, { method: 'PUT', path: '/idx', json: {...} });
//   res.status, res.headers['content-type'], res.body (parsed JSON or text), res.raw (Buffer)
import http from 'node:http';
import zlib from 'node:zlib';

import { scaled } from './time_scale.mjs';

/**
 * @param {string} baseUrl e.g. "http://127.0.0.1:9200"
 * @param {object} [options]
 * @param {string} [options.method] default GET
 * @param {string} [options.path] request target with query string, default "/"
 * @param {object} [options.json] body sent as JSON with Content-Type application/json
 * @param {string|Buffer} [options.body] raw body (no Content-Type unless given in headers)
 * @param {Record<string,string>} [options.headers]
 * @param {number} [options.timeoutMs] default 30000, times SLUICE_E2E_TIME_SCALE (time_scale.mjs)
 * @returns {Promise<{status: number, headers: Record<string,string>, body: any, text: string, raw: Buffer}>}
 */
export function request(baseUrl, { method = 'GET', path = '/', json, body, headers = {}, timeoutMs = 30000 } = {}) {
  const url = new URL(path, baseUrl);
  const hdrs = { ...headers };
  let payload = body;
  if (json !== undefined) {
    payload = JSON.stringify(json);
    if (!Object.keys(hdrs).some((k) => k.toLowerCase() === 'content-type')) {
      hdrs['Content-Type'] = 'application/json';
    }
  }
  if (payload !== undefined) {
    payload = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
    hdrs['Content-Length'] = String(payload.length);
  }
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, method, path: url.pathname + url.search, headers: hdrs, agent: false },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          let raw = Buffer.concat(chunks);
          const encoding = res.headers['content-encoding'] || '';
          if (/gzip/.test(encoding)) raw = zlib.gunzipSync(raw);
          else if (/deflate/.test(encoding)) raw = zlib.inflateSync(raw);
          const text = raw.toString('utf8');
          let parsed = text;
          const type = res.headers['content-type'] || '';
          if (text.length > 0 && /json/.test(type)) {
            try {
              parsed = JSON.parse(text);
            } catch {
              parsed = text;
            }
          }
          resolve({ status: res.statusCode, headers: res.headers, body: parsed, text, raw });
        });
      },
    );
    req.setTimeout(scaled(timeoutMs), () => req.destroy(new Error(`request timed out after ${scaled(timeoutMs)} ms`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}
