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
// an unknown file → 404; anything but GET .../content → 404. With the Batches
// API too (POST /v1/batches, GET /v1/batches/{id}, POST .../cancel), whose
// jobs move only when the test calls advanceBatch(), and file uploads
// (POST /v1/files, multipart, purpose batch), kept in `uploads`.
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

  const batches = new Map(); // id → the batch object, as GET /v1/batches/{id} returns it
  let batchSeq = 0;
  const uploads = []; // [{id, filename, content}] of POST /v1/files
  let uploadSeq = 0;

  const server = http.createServer(async (req, res) => {
    const record = { method: req.method, path: req.url, authorization: req.headers.authorization };
    requests.push(record);
    let body = '';
    for await (const chunk of req) body += chunk;
    const answer = (status, body, headers = {}) => {
      record.status = status;
      const payload = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      res.end(payload);
    };
    const error = (status, message, type, code, headers = {}) =>
      answer(status, { error: { message, type, param: null, code } }, headers);

    if (req.method === 'POST' && req.url === '/v1/files') {
      if (req.headers.authorization !== `Bearer ${key}`) {
        return error(401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
      }
      return uploadFile(req, body, answer, error);
    }
    if (req.url.startsWith('/v1/batches')) {
      if (req.headers.authorization !== `Bearer ${key}`) {
        return error(401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
      }
      return batchesApi(req, body, answer, error);
    }
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
  // POST /v1/files (https://platform.openai.com/docs/api-reference/files/create):
  // multipart/form-data with a "purpose" field and a "file" part; answers the File object.
  function uploadFile(req, body, answer, error) {
    const m = /^multipart\/form-data;\s*boundary="?([^";]+)"?/i.exec(req.headers['content-type'] || '');
    if (!m) return error(400, 'Expected multipart/form-data.', 'invalid_request_error', null);
    const fields = {};
    for (const part of body.split(`--${m[1]}`).slice(1)) {
      if (part.startsWith('--')) break;
      const [head, ...rest] = part.replace(/^\r\n/, '').split('\r\n\r\n');
      const name = /name="([^"]+)"/.exec(head)?.[1];
      const filename = /filename="([^"]+)"/.exec(head)?.[1];
      if (name) fields[name] = { filename, value: rest.join('\r\n\r\n').replace(/\r\n$/, '') };
    }
    if (fields.purpose?.value !== 'batch') {
      return error(400, "Missing required parameter: 'purpose'.", 'invalid_request_error', 'missing_required_parameter');
    }
    if (!fields.file?.filename) return error(400, "Missing required parameter: 'file'.", 'invalid_request_error', 'missing_required_parameter');
    const id = `file-upload-${++uploadSeq}`;
    contents.set(id, Buffer.from(fields.file.value));
    uploads.push({ id, filename: fields.file.filename, content: fields.file.value });
    return answer(200, { id, object: 'file', bytes: Buffer.byteLength(fields.file.value), created_at: 1700000000,
      filename: fields.file.filename, purpose: 'batch', status: 'processed' });
  }

  // The Batches API (https://platform.openai.com/docs/api-reference/batch):
  // POST /v1/batches, GET /v1/batches/{id}, POST /v1/batches/{id}/cancel.
  function batchesApi(req, body, answer, error) {
    if (req.method === 'POST' && req.url === '/v1/batches') {
      let input;
      try {
        input = JSON.parse(body);
      } catch {
        return error(400, 'We could not parse the JSON body of your request.', 'invalid_request_error', null);
      }
      for (const field of ['input_file_id', 'endpoint', 'completion_window']) {
        if (typeof input[field] !== 'string') {
          return error(400, `Missing required parameter: '${field}'.`, 'invalid_request_error', 'missing_required_parameter');
        }
      }
      if (!contents.has(input.input_file_id)) {
        return error(400, `No such File object: ${input.input_file_id}`, 'invalid_request_error', null);
      }
      const id = `batch_${++batchSeq}`;
      const batch = {
        id, object: 'batch', endpoint: input.endpoint, errors: null, input_file_id: input.input_file_id,
        completion_window: input.completion_window, status: 'validating', output_file_id: null,
        error_file_id: null, created_at: 1700000000, in_progress_at: null, expires_at: 1700086400,
        finalizing_at: null, completed_at: null, failed_at: null, expired_at: null, cancelling_at: null,
        cancelled_at: null, request_counts: { total: 0, completed: 0, failed: 0 }, metadata: input.metadata ?? null,
      };
      batches.set(id, batch);
      return answer(200, batch);
    }
    const m = /^\/v1\/batches\/([^/?]+)(\/cancel)?$/.exec(req.url);
    const batch = m && batches.get(m[1]);
    if (!batch) return error(404, `No batch found with id '${m?.[1]}'.`, 'invalid_request_error', null);
    if (req.method === 'GET' && !m[2]) return answer(200, batch);
    if (req.method === 'POST' && m[2]) {
      if (!['validating', 'in_progress', 'finalizing'].includes(batch.status)) {
        return error(409, `Cannot cancel a batch with status '${batch.status}'.`, 'invalid_request_error', null);
      }
      batch.status = 'cancelling';
      batch.cancelling_at = 1700000100;
      return answer(200, batch);
    }
    return error(404, `Invalid URL (${req.method} ${req.url})`, 'invalid_request_error', null);
  }

  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    batches,
    uploads,
    /**
     * Moves a batch to `status` (the test's clock): "in_progress" counts the
     * input's requests; "completed" writes the output file, one response per
     * input line in reverse order, each embedding `embed(input text)`;
     * "failed" sets `errors` to `failure` ({code, message}); "cancelled"
     * follows a cancel request. With `failCustomIds` (a Set), "completed"
     * writes those requests to an error file (error_file_id) instead, each a
     * 400 whose message names its custom_id, as OpenAI does for requests that
     * fail.
     */
    advanceBatch(id, status, { embed, failure, failCustomIds } = {}) {
      const batch = batches.get(id);
      const lines = contents.get(batch.input_file_id).toString('utf8').split('\n').filter((l) => l.trim());
      batch.status = status;
      if (status === 'in_progress') batch.request_counts = { total: lines.length, completed: 0, failed: 0 };
      if (status === 'completed') {
        const failing = (line) => failCustomIds?.has(JSON.parse(line).custom_id);
        const errors = lines.filter(failing).map((line, i) => {
          const r = JSON.parse(line);
          return JSON.stringify({
            id: `batch_req_err_${i}`, custom_id: r.custom_id,
            response: { status_code: 400, request_id: `req_err_${i}`, body: {
              error: { message: `Invalid input for ${r.custom_id}: too many tokens`, type: 'invalid_request_error', param: 'input', code: null } } },
            error: null,
          });
        });
        const failed = errors.length;
        const out = lines.filter((l) => !failing(l)).reverse().map((line, i) => {
          const r = JSON.parse(line);
          return JSON.stringify({
            id: `batch_req_${i}`, custom_id: r.custom_id,
            response: { status_code: 200, request_id: `req_${i}`, body: {
              object: 'list', data: [{ object: 'embedding', index: 0, embedding: embed(r.body.input) }],
              model: r.body.model, usage: { prompt_tokens: 1, total_tokens: 1 } } },
            error: null,
          });
        });
        batch.output_file_id = `file-out-${id}`;
        contents.set(batch.output_file_id, Buffer.from(out.join('\n') + '\n'));
        if (failed > 0) {
          batch.error_file_id = `file-err-${id}`;
          contents.set(batch.error_file_id, Buffer.from(errors.join('\n') + '\n'));
        }
        batch.request_counts = { total: lines.length, completed: lines.length - failed, failed };
        batch.completed_at = 1700000200;
      }
      if (status === 'failed') {
        batch.errors = { object: 'list', data: [{ ...failure, param: null, line: 1 }] };
        batch.failed_at = 1700000200;
      }
      if (status === 'cancelled') batch.cancelled_at = 1700000200;
    },
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
