// The official OpenSearch JavaScript client, pointed at a sluice URL.
import { Client } from '@opensearch-project/opensearch';

import { scaled } from './time_scale.mjs';

export { Client };

/**
 * @param {string} url e.g. server.url from startServer()
 * @param {object} [options] extra opensearch-js Client options (compression, headers, ...)
 * The request timeout is the client's default 30 s, scaled for a sanitizer build: a
 * timeout makes the client send the request again, which a slow server would then
 * answer twice (a retried index answered 200 instead of 201).
 */
export function createClient(url, options = {}) {
  return new Client({ node: url, requestTimeout: scaled(30000), ...options });
}
