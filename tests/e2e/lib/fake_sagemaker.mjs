// A loopback stand-in for SageMaker's batch transform API, from the SageMaker
// API reference: AWS JSON 1.1 (POST / with X-Amz-Target: SageMaker.<Op>,
// Content-Type: application/x-amz-json-1.1), every request checked against
// the official SigV4 signer (service sagemaker). CreateTransformJob,
// DescribeTransformJob, StopTransformJob. Jobs move only when the test says
// so; finishing one reads the input object from S3 (s3rver), applies the
// DataProcessing InputFilter ("$" or "$.<field>") and JoinSource ("Input":
// the output record is the input record plus "SageMakerOutput"), and writes
// <S3OutputPath>/<input file name>.out, one line per input line in order.
//
//   const sm = await startFakeSageMaker({ s3, credentials, region });
//   sm.advance(name, 'Stopped');  await sm.finish(name, { embed });  sm.fail(name, reason)
import http from 'node:http';
import { GetObjectCommand } from '@aws-sdk/client-s3';

import { checkSigV4 } from './sigv4_check.mjs';

const ACCOUNT = '123456789012';

function splitS3(uri) {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri);
  return { bucket: m[1], key: m[2] };
}

export async function startFakeSageMaker({ s3, credentials, region = 'us-east-1' }) {
  const jobs = new Map(); // name → DescribeTransformJob's answer
  const requests = [];
  let dropCreates = 0; // creates that are carried out but whose answer is lost
  const epoch = () => Date.now() / 1000;

  const server = http.createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const target = req.headers['x-amz-target'] || '';
    const record = { method: req.method, path: req.url, target, contentType: req.headers['content-type'] };
    requests.push(record);
    const answer = (status, payload) => {
      record.status = status;
      res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(payload));
    };
    const error = (status, type, message) => answer(status, { __type: type, message });
    const problem = await checkSigV4(req, body, { service: 'sagemaker', region, ...credentials });
    if (problem) {
      record.problem = problem;
      return error(403, 'InvalidSignatureException', `The request signature we calculated does not match the signature you provided (${problem})`);
    }
    if (req.method !== 'POST' || req.url !== '/' || req.headers['content-type'] !== 'application/x-amz-json-1.1') {
      return error(404, 'UnknownOperationException', 'JSON 1.1 requests are POST / with application/x-amz-json-1.1');
    }
    let input;
    try { input = JSON.parse(body); } catch { return error(400, 'SerializationException', 'Malformed body'); }
    const name = input.TransformJobName;
    record.name = name;
    if (typeof name !== 'string' || !/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/.test(name)) {
      return error(400, 'ValidationException', "1 validation error detected: Value at 'transformJobName' failed to satisfy constraint");
    }
    switch (target) {
      case 'SageMaker.CreateTransformJob': {
        if (jobs.has(name)) return error(400, 'ResourceInUse', `Job name must be unique within an AWS account and region, and a job with this name already exists (arn:aws:sagemaker:${region}:${ACCOUNT}:transform-job/${name.toLowerCase()})`);
        for (const field of ['ModelName', 'TransformInput', 'TransformOutput', 'TransformResources']) {
          if (input[field] === undefined) return error(400, 'ValidationException', `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`);
        }
        if (!input.TransformInput?.DataSource?.S3DataSource?.S3Uri?.startsWith('s3://') || !input.TransformOutput?.S3OutputPath?.startsWith('s3://')) {
          return error(400, 'ValidationException', 'S3Uri and S3OutputPath must be s3:// URIs');
        }
        const arn = `arn:aws:sagemaker:${region}:${ACCOUNT}:transform-job/${name.toLowerCase()}`;
        jobs.set(name, {
          TransformJobName: name, TransformJobArn: arn, TransformJobStatus: 'InProgress',
          ModelName: input.ModelName, BatchStrategy: input.BatchStrategy,
          TransformInput: input.TransformInput, TransformOutput: input.TransformOutput,
          TransformResources: input.TransformResources, DataProcessing: input.DataProcessing,
          CreationTime: epoch(),
        });
        if (dropCreates > 0) { dropCreates--; record.status = 'lost'; return res.socket.destroy(); }
        return answer(200, { TransformJobArn: arn });
      }
      case 'SageMaker.DescribeTransformJob': {
        const job = jobs.get(name);
        if (!job) return error(400, 'ResourceNotFound', `Could not find requested job with name ${name}`);
        return answer(200, job);
      }
      case 'SageMaker.StopTransformJob': {
        const job = jobs.get(name);
        if (!job) return error(400, 'ResourceNotFound', `Could not find requested job with name ${name}`);
        if (job.TransformJobStatus === 'InProgress') job.TransformJobStatus = 'Stopping';
        return answer(200, {});
      }
      default:
        return error(400, 'UnknownOperationException', `Unknown operation ${target}`);
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));

  const jobOf = (name) => {
    const job = jobs.get(name);
    if (!job) throw new Error(`no transform job ${name}`);
    return job;
  };

  return {
    endpoint: `http://127.0.0.1:${server.address().port}`,
    requests,
    jobs,
    /** The next `n` creates are carried out, but the connection closes before their answer. */
    loseCreateAnswers(n = 1) { dropCreates = n; },
    advance(name, status) { jobOf(name).TransformJobStatus = status; },
    fail(name, reason) {
      const job = jobOf(name);
      job.TransformJobStatus = 'Failed';
      job.FailureReason = reason;
      job.TransformEndTime = epoch();
    },
    /** Writes the output object, then marks the job Completed. */
    async finish(name, { embed }) {
      const job = jobOf(name);
      const inUri = job.TransformInput.DataSource.S3DataSource.S3Uri;
      const { bucket, key } = splitS3(inUri);
      const got = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const lines = (await got.Body.transformToString()).split('\n').filter((l) => l.trim());
      const filter = job.DataProcessing?.InputFilter ?? '$';
      const out = lines.map((l) => {
        const record = JSON.parse(l);
        const selected = filter === '$' ? record : record[filter.replace(/^\$\./, '')];
        const prediction = Array.isArray(selected) ? selected.map((t) => embed(String(t))) : embed(JSON.stringify(selected));
        return job.DataProcessing?.JoinSource === 'Input' ? { ...record, SageMakerOutput: prediction } : { SageMakerOutput: prediction };
      });
      const dest = splitS3(job.TransformOutput.S3OutputPath);
      const file = key.slice(key.lastIndexOf('/') + 1);
      await s3.put(dest.bucket, `${dest.key.replace(/\/?$/, '/')}${file}.out`, out.map((r) => JSON.stringify(r)).join('\n') + '\n');
      job.TransformJobStatus = 'Completed';
      job.TransformEndTime = epoch();
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
