// Writes seed inputs for query_fuzz, bulk_fuzz and mapping_fuzz from OpenSearch's
// YAML REST tests (../shared/testdata/opensearch-rest-api-spec): the bodies of their
// `search`/`count` steps, `bulk` steps and the mappings of `indices.create` steps,
// deduplicated, at most 4 KiB each, as tests/fuzz/corpus/<target>/spec-<sha1-prefix>;
// at most 120 a target (the first by hash: a spread over the files, and a corpus
// that a 20-second run still gets through).
// The committed seeds came from this script; run it again after the spec changes:
//   node tests/fuzz/seeds_from_spec.mjs
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '../e2e/package.json'));
const YAML = require('yaml');
const specDir = join(here, '../../../shared/testdata/opensearch-rest-api-spec/rest-api-spec/test');
const kMaxBytes = 4096;
const kMaxSeeds = 120;

function* yamlFiles(dir) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* yamlFiles(path);
    else if (name.endsWith('.yml') || name.endsWith('.yaml')) yield path;
  }
}

// Every `do` step of a test file, from its setup and its tests.
function* doSteps(docs) {
  for (const doc of docs) {
    if (!doc || typeof doc !== 'object') continue;
    for (const steps of Object.values(doc)) {
      if (!Array.isArray(steps)) continue;
      for (const step of steps) if (step && step.do) yield step.do;
    }
  }
}

const seeds = { query_fuzz: new Set(), bulk_fuzz: new Set(), mapping_fuzz: new Set() };
for (const file of yamlFiles(specDir)) {
  let docs;
  try {
    docs = YAML.parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS({ mapAsMap: false }));
  } catch {
    continue;  // a file the YAML library cannot read gives no seeds
  }
  for (const action of doSteps(docs)) {
    for (const [api, args] of Object.entries(action)) {
      if (!args || typeof args !== 'object' || args.body === undefined) continue;
      const body = args.body;
      if ((api === 'search' || api === 'count') && typeof body === 'object') {
        seeds.query_fuzz.add(JSON.stringify(body));
      } else if (api === 'bulk') {
        const lines = Array.isArray(body) ? body.map((l) => (typeof l === 'string' ? l : JSON.stringify(l)))
                                          : [String(body)];
        seeds.bulk_fuzz.add(lines.join('\n') + '\n');
      } else if (api === 'indices.create' && body && typeof body === 'object' && body.mappings) {
        seeds.mapping_fuzz.add(JSON.stringify(body.mappings));
      }
    }
  }
}

for (const [target, set] of Object.entries(seeds)) {
  const dir = join(here, 'corpus', target);
  mkdirSync(dir, { recursive: true });
  const named = [...set]
    .filter((text) => Buffer.byteLength(text) <= kMaxBytes)
    .map((text) => [createHash('sha1').update(text).digest('hex').slice(0, 12), text])
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .slice(0, kMaxSeeds);
  for (const [sha, text] of named) writeFileSync(join(dir, `spec-${sha}`), text);
  const n = named.length;
  console.log(`${target}: ${n} seeds`);
}
