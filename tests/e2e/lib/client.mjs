// The official OpenSearch JavaScript client, pointed at a sluice URL.
import { Client } from '@opensearch-project/opensearch';

export { Client };

/**
 * @param {string} url e.g. server.url from startServer()
 * @param {object} [options] extra opensearch-js Client options (compression, headers, ...)
 */
export function createClient(url, options = {}) {
  return new Client({ node: url, ...options });
}
