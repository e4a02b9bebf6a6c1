// A fake OpenAI Files API on loopback: GET {base}/files/{id}/content (and the
// file's metadata, GET {base}/files/{id}) with "Authorization: Bearer KEY", as
// sluice's openAI data source calls it.
//
//   const openai = await startFakeOpenAI({ key: 'sk-test', files: { 'file-out': buffer } });
//   ... sluice serve --openai-base-url openai.baseUrl ...
//   openai.failNext('file-out', [429, 503]);   // the next content requests answer these
//   openai.requests                            // [{method, path, authorization, status}]
//   await openai.stop();
//
// Answers: a wrong or missing bearer key → 401 with OpenAI's error shape;
// an unknown file → 404; anything but GET .../content → 404.
import http from 'node:http';

/**
 * @param {object} options
 * @param {string} options.key the only accepted API key
 * @param {Record<string, string|Buffer>} [options.files] file id → content
 */
export async function startFakeOpenAI({ key, files = {} }) {
  const contents = new Map(Object.entries(files).map(([id, c]) => [id, Buffer.from(c)]));
  const scripted = new Map(); // id → statuses to answer before the real content
  const requests = [];

  const server = http.createServer((req, res) => {
    const record = { method: req.method, path: req.url, authorization: req.headers.authorization };
    requests.push(record);
    const answer = (status, body, headers = {}) => {
      record.status = status;
      const payload = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      res.end(payload);
    };
    const error = (status, message, type, code, headers = {}) =>
      answer(status, { error: { message, type, param: null, code } }, headers);

    const m = /^\/v1\/files\/([^/?]+)(\/content)?$/.exec(req.url);
    if (req.method !== 'GET' || !m) return error(404, `Invalid URL (${req.method} ${req.url})`, 'invalid_request_error', null);
    if (req.headers.authorization !== `Bearer ${key}`) {
      // Like OpenAI, the message shows only the key's ends.
      const given = (req.headers.authorization || '').replace(/^Bearer /, '');
      return error(401, `Incorrect API key provided: ${given.slice(0, 3)}***${given.slice(-2)}.`,
        'invalid_request_error', 'invalid_api_key');
    }
    const id = decodeURIComponent(m[1]);
    if (!m[2]) {
      // File metadata, as GET /v1/files/{id} returns it.
      const content = contents.get(id);
      if (!content) return error(404, `No such File object: ${id}`, 'invalid_request_error', null);
      return answer(200, { id, object: 'file', bytes: content.length, created_at: 1700000000,
        filename: `${id}.jsonl`, purpose: 'batch_output', status: 'processed' });
    }
    const queue = scripted.get(id);
    if (queue && queue.length > 0) {
      const status = queue.shift();
      if (status === 429) {
        return error(429, 'Rate limit reached for requests', 'requests', 'rate_limit_exceeded',
          { 'Retry-After': '0' });
      }
      return error(status, `scripted failure ${status}`, 'server_error', null);
    }
    const content = contents.get(id);
    if (!content) return error(404, `No such File object: ${id}`, 'invalid_request_error', null);
    record.status = 200;
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': content.length });
    res.end(content);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    /** Adds or replaces a file. */
    setFile(id, content) {
      contents.set(id, Buffer.from(content));
    },
    /** The next requests for `id` (with the right key) answer these statuses, in order. */
    failNext(id, statuses) {
      scripted.set(id, [...(scripted.get(id) || []), ...statuses]);
    },
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
