// A real S3 server on loopback for end-to-end tests: s3rver (npm), started and
// stopped by the test, with objects uploaded through the official AWS SDK.
//
//   const s3 = await startS3({ buckets: ['offlinebatch'] });
//   await s3.put('offlinebatch', 'out/a.jsonl', 'text or Buffer or Readable');
//   ... sluice serve --s3-endpoint s3.endpoint ...
//   await s3.stop();
//
// s3rver accepts SigV4 requests from access key "S3RVER" with any secret (it
// does not check V4 signatures); other access keys get 403 InvalidAccessKeyId.
// Its objects live in a temp directory that stop() removes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client, PutObjectCommand } from '@aws-sdk/client-s3';
import S3rver from 's3rver';

export const S3RVER_ACCESS_KEY = 'S3RVER';

/**
 * @param {object} [options]
 * @param {string[]} [options.buckets] buckets created at start
 * @returns {Promise<{endpoint: string, port: number, client: S3Client,
 *   put: (bucket: string, key: string, body: any, length?: number) => Promise<void>,
 *   stop: () => Promise<void>}>}
 */
export async function startS3({ buckets = [] } = {}) {
  const directory = mkdtempSync(join(tmpdir(), 'sluice-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: S3RVER_ACCESS_KEY, secretAccessKey: 'S3RVER' },
    // s3rver predates the SDK's default CRC checksums.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  let stopped = false;
  return {
    endpoint,
    port,
    client,
    directory,
    /** Uploads one object; a stream body needs its `length`. */
    async put(bucket, key, body, length) {
      const input = { Bucket: bucket, Key: key, Body: body };
      if (length !== undefined) input.ContentLength = length;
      await client.send(new PutObjectCommand(input));
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      client.destroy();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
