// Test data and vector math for the k-NN end-to-end tests: a seeded PRNG,
// loaders for the shared ANN data sets (located relative to the repo, as CI lays
// them out: <root>/main and <root>/shared), exact brute-force neighbours, recall,
// and the k-NN plugin's published score formulas (knn.md §3.1) in float32.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ANN_DIR = new URL('../../../../shared/testdata/ann/', import.meta.url);

export function annPath(relative) {
  return fileURLToPath(new URL(relative, ANN_DIR));
}

/** Deterministic PRNG (mulberry32); returns floats in [0, 1). */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A vector of `dim` values in [-1, 1), rounded to float32. */
export function randomVector(rand, dim) {
  return Array.from({ length: dim }, () => Math.fround(rand() * 2 - 1));
}

/**
 * The OpenSearch k-NN plugin's recall data (opensearch-knn-synthetic): 1000 documents
 * {id, vector[128]}, 100 queries, and per query the ids of all 1000 documents sorted by
 * L2 distance (the ids are the documents' "id" values, which we use as _id).
 */
export function loadKnnSynthetic() {
  const docs = readFileSync(annPath('opensearch-knn-synthetic/test_vectors_1000x128.json'), 'utf8')
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => JSON.parse(l));
  const queries = readCsvNumbers(annPath('opensearch-knn-synthetic/test_queries_100x128.csv'));
  const groundTruth = readFileSync(annPath('opensearch-knn-synthetic/test_ground_truth_l2_100.csv'), 'utf8')
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => l.split(',').map((s) => s.trim()));
  return { docs, queries, groundTruth };
}

function readCsvNumbers(path) {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => l.split(',').map(Number));
}

/** NGT's 5,000 real SIFT descriptors: 128 ints per row (the 129th column is an id, dropped). */
export function loadSift5k() {
  return readFileSync(annPath('ngt-sift5k/sift-dataset-5k.tsv'), 'utf8')
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => l.split('\t').slice(0, 128).map(Number));
}

export function squaredL2(a, b) {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    s += d * d;
  }
  return s;
}

/** Exact k nearest ids by squared L2 (ties by lower position). items: [{id, vector}]. */
export function bruteForceL2(items, query, k) {
  return items
    .map((it, pos) => ({ id: it.id, d: squaredL2(it.vector, query), pos }))
    .sort((x, y) => x.d - y.d || x.pos - y.pos)
    .slice(0, k)
    .map((x) => x.id);
}

/** |found ∩ truth| / |truth|, ids compared as strings. */
export function recall(found, truth) {
  const t = new Set(truth.map(String));
  let hit = 0;
  for (const id of found) if (t.has(String(id))) hit++;
  return hit / truth.length;
}

// knn.md §3.1: scores as the plugin returns them, computed in float32.
const f = Math.fround;

function dotF32(a, b) {
  let s = f(0);
  for (let i = 0; i < a.length; i++) s = f(s + f(f(a[i]) * f(b[i])));
  return s;
}

export function expectedScore(space, query, doc) {
  if (space === 'l2') {
    let d = f(0);
    for (let i = 0; i < query.length; i++) {
      const diff = f(f(query[i]) - f(doc[i]));
      d = f(d + f(diff * diff));
    }
    return f(1 / (1 + d));
  }
  if (space === 'innerproduct') {
    const ip = dotF32(query, doc);
    return ip > 0 ? f(ip + 1) : f(1 / (1 - ip));
  }
  if (space === 'cosinesimil') {
    const cos = dotF32(query, doc) / Math.sqrt(dotF32(query, query) * dotF32(doc, doc));
    return f(Math.max((1 + cos) / 2, 0));
  }
  throw new Error(`no score formula for space ${space}`);
}

/** |actual − expected| ≤ rel × max(|expected|, tiny). */
export function closeRelative(actual, expected, rel = 1e-6) {
  return Math.abs(actual - expected) <= rel * Math.max(Math.abs(expected), 1e-30);
}

/** NDJSON _bulk body for [{_id, ...source}] into `index`. */
export function bulkBody(index, docs) {
  let out = '';
  for (const { _id, ...source } of docs) {
    out += JSON.stringify({ index: { _index: index, _id: String(_id) } }) + '\n';
    out += JSON.stringify(source) + '\n';
  }
  return out;
}
