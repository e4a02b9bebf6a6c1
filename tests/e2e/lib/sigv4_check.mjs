// Checks an incoming request's SigV4 Authorization header against the one the
// official signer (@smithy/signature-v4, as the AWS SDK for JavaScript uses it)
// computes for the same method, path, query, signed headers, body and time.
// For stand-ins of AWS JSON APIs (Bedrock, SageMaker): path escaping on, no
// x-amz-content-sha256 header.
//
//   const problem = await checkSigV4(req, body, { service: 'bedrock', region, accessKeyId, secretAccessKey, sessionToken });
//   if (problem) → answer 403 as AWS does
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

function signingDate(amzDate) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate || '');
  return m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6])) : null;
}

function parseQuery(query) {
  const out = {};
  for (const part of query.split('&').filter(Boolean)) {
    const [k, v = ''] = part.split(/=(.*)/s);
    out[decodeURIComponent(k)] = decodeURIComponent(v);
  }
  return out;
}

/** @returns {Promise<string|null>} null when the signature is the official one, else why not */
export async function checkSigV4(req, body, { service, region, accessKeyId, secretAccessKey, sessionToken }) {
  const auth = req.headers.authorization || '';
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=[0-9a-f]{64}$/.exec(auth);
  if (!m) return 'missing or malformed Authorization';
  if (m[1] !== accessKeyId) return `unknown access key ${m[1]}`;
  if (m[2] !== region || m[3] !== service) return `wrong scope ${m[2]}/${m[3]}`;
  const date = signingDate(req.headers['x-amz-date']);
  if (!date) return 'missing x-amz-date';
  if (sessionToken && req.headers['x-amz-security-token'] !== sessionToken) return 'wrong session token';
  const headers = {};
  for (const name of m[4].split(';')) {
    if (name === 'x-amz-date' || name === 'x-amz-security-token') continue;
    headers[name] = req.headers[name];
  }
  const [path, query = ''] = req.url.split(/\?(.*)/s);
  const signer = new SignatureV4({
    service, region, sha256: Sha256, applyChecksum: false,
    credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) },
  });
  const signed = await signer.sign({
    method: req.method, protocol: 'http:', hostname: req.headers.host.replace(/:\d+$/, ''),
    path, query: parseQuery(query), headers, body,
  }, { signingDate: date });
  return signed.headers.authorization === auth ? null : 'signature does not match';
}
