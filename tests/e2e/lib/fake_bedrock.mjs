// A loopback stand-in for Amazon Bedrock's batch inference control plane, from
// the Bedrock API reference: CreateModelInvocationJob (POST
// /model-invocation-job), GetModelInvocationJob (GET
// /model-invocation-job/{jobIdentifier}, an ARN or the job id) and
// StopModelInvocationJob (POST /model-invocation-job/{jobIdentifier}/stop),
// every request checked against the official SigV4 signer (service bedrock).
// Jobs move only when the test says so; finishing a job reads its input
// from S3 (s3rver) and writes the job's output folder
// <outputDataConfig.s3Uri>/<job id>/: <input file>.out first (records out of
// input order, with modelOutput), manifest.json.out last.
//
//   const bedrock = await startFakeBedrock({ s3, credentials: { accessKeyId, secretAccessKey, sessionToken }, region });
//   ... sluice serve --bedrock-endpoint bedrock.endpoint ...
//   bedrock.advance(jobId, 'InProgress');
//   await bedrock.finish(jobId, { embed, status: 'Completed', manifest: true });
//   bedrock.fail(jobId, 'Failed', 'message');
//   bedrock.loseCreateAnswers(1);  // the next create starts its job, its answer is lost
//   bedrock.requests    // [{method, path, status, problem, clientRequestToken}]
// A create with a clientRequestToken seen before answers with that token's job, as AWS does.
import http from 'node:http';
import { GetObjectCommand } from '@aws-sdk/client-s3';

import { checkSigV4 } from './sigv4_check.mjs';

const ACCOUNT = '123456789012';

function splitS3(uri) {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri);
  return { bucket: m[1], key: m[2] };
}

export async function startFakeBedrock({ s3, credentials, region = 'us-east-1' }) {
  const jobs = new Map(); // id → GetModelInvocationJob's answer
  const tokens = new Map(); // clientRequestToken → job id
  const requests = [];
  let dropCreates = 0; // creates that are carried out but whose answer is lost
  let seq = 0;

  const now = () => new Date().toISOString();

  const server = http.createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const record = { method: req.method, path: req.url };
    requests.push(record);
    const answer = (status, payload, type) => {
      record.status = status;
      const headers = { 'Content-Type': 'application/json' };
      if (type) headers['x-amzn-ErrorType'] = type;
      res.writeHead(status, headers);
      res.end(JSON.stringify(payload));
    };
    const problem = await checkSigV4(req, body, { service: 'bedrock', region, ...credentials });
    if (problem) {
      record.problem = problem;
      return answer(403, { message: `The request signature we calculated does not match the signature you provided (${problem})` }, 'AccessDeniedException');
    }
    const path = req.url.split('?')[0];
    if (req.method === 'POST' && path === '/model-invocation-job') {
      let input;
      try { input = JSON.parse(body); } catch { return answer(400, { message: 'Malformed request body' }, 'ValidationException'); }
      for (const field of ['jobName', 'modelId', 'roleArn']) {
        if (typeof input[field] !== 'string' || !input[field]) {
          return answer(400, { message: `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must not be null` }, 'ValidationException');
        }
      }
      const inUri = input.inputDataConfig?.s3InputDataConfig?.s3Uri;
      const outUri = input.outputDataConfig?.s3OutputDataConfig?.s3Uri;
      if (!inUri?.startsWith('s3://') || !outUri?.startsWith('s3://')) {
        return answer(400, { message: 'inputDataConfig and outputDataConfig need an s3Uri' }, 'ValidationException');
      }
      record.clientRequestToken = input.clientRequestToken;
      // As AWS: a token seen before answers with the job it started.
      const known = input.clientRequestToken && tokens.get(input.clientRequestToken);
      const id = known || `job${String(++seq).padStart(9, '0')}`;
      const jobArn = `arn:aws:bedrock:${region}:${ACCOUNT}:model-invocation-job/${id}`;
      const lose = () => { record.status = 'lost'; res.socket.destroy(); };
      if (known) return dropCreates > 0 && dropCreates-- ? lose() : answer(200, { jobArn });
      if (input.clientRequestToken) tokens.set(input.clientRequestToken, id);
      jobs.set(id, {
        jobArn, jobName: input.jobName, modelId: input.modelId, roleArn: input.roleArn,
        status: 'Submitted', submitTime: now(), lastModifiedTime: now(),
        inputDataConfig: { s3InputDataConfig: { s3Uri: inUri, s3InputFormat: 'JSONL' } },
        outputDataConfig: { s3OutputDataConfig: { s3Uri: outUri } },
        timeoutDurationInHours: input.timeoutDurationInHours ?? 24,
      });
      if (dropCreates > 0) { dropCreates--; return lose(); }
      return answer(200, { jobArn });
    }
    const m = /^\/model-invocation-job\/([^/]+)(\/stop)?$/.exec(path);
    if (!m) return answer(404, { message: `Unknown operation ${req.method} ${path}` }, 'UnknownOperationException');
    const ident = decodeURIComponent(m[1]);
    const id = ident.slice(ident.lastIndexOf('/') + 1);
    const job = jobs.get(id);
    if (!job) return answer(404, { message: `The specified job ${ident} could not be found.` }, 'ResourceNotFoundException');
    if (m[2] && req.method === 'POST') {
      if (!['Submitted', 'Validating', 'Scheduled', 'InProgress'].includes(job.status)) {
        return answer(400, { message: `Job ${id} is ${job.status} and cannot be stopped` }, 'ValidationException');
      }
      job.status = 'Stopping';
      job.lastModifiedTime = now();
      return answer(200, {});
    }
    if (req.method === 'GET' && !m[2]) return answer(200, job);
    return answer(404, { message: `Unknown operation ${req.method} ${path}` }, 'UnknownOperationException');
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));

  const jobOf = (id) => {
    const job = jobs.get(id);
    if (!job) throw new Error(`no Bedrock job ${id}`);
    return job;
  };

  async function readObject(uri) {
    const { bucket, key } = splitS3(uri);
    const out = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return out.Body.transformToString();
  }

  return {
    endpoint: `http://127.0.0.1:${server.address().port}`,
    requests,
    jobs,
    /** The next `n` creates are carried out, but the connection closes before their answer. */
    loseCreateAnswers(n = 1) { dropCreates = n; },
    /** Sets a job's status (Validating, Scheduled, InProgress, Stopped, ...). */
    advance(id, status, message) {
      const job = jobOf(id);
      job.status = status;
      job.lastModifiedTime = now();
      if (message) job.message = message;
    },
    /**
     * Writes the output folder (records first, out of order; the manifest
     * last unless manifest is false), then sets the status.
     */
    async finish(id, { embed, status = 'Completed', manifest = true }) {
      const job = jobOf(id);
      const inUri = job.inputDataConfig.s3InputDataConfig.s3Uri;
      const lines = (await readObject(inUri)).split('\n').filter((l) => l.trim());
      const records = lines.map((l) => JSON.parse(l)).reverse().map((r) => ({
        ...r, modelOutput: { embedding: embed(r.modelInput.inputText), inputTextTokenCount: r.modelInput.inputText.split(' ').length },
      }));
      const out = splitS3(job.outputDataConfig.s3OutputDataConfig.s3Uri);
      const folder = `${out.key.replace(/\/?$/, '/')}${id}/`;
      const name = inUri.slice(inUri.lastIndexOf('/') + 1);
      await s3.put(out.bucket, `${folder}${name}.out`, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
      job.manifest = {
        bucket: out.bucket, key: `${folder}manifest.json.out`,
        body: JSON.stringify({
          totalRecordCount: records.length, processedRecordCount: records.length,
          successRecordCount: records.length, errorRecordCount: 0,
          inputTokenCount: records.reduce((n, r) => n + r.modelOutput.inputTextTokenCount, 0), outputTokenCount: 0,
        }),
      };
      if (manifest) await this.writeManifest(id);
      job.status = status;
      job.endTime = now();
      job.lastModifiedTime = now();
    },
    /** Writes the manifest.json.out of a job finished with manifest: false. */
    async writeManifest(id) {
      const { bucket, key, body } = jobOf(id).manifest;
      await s3.put(bucket, key, body);
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
