// Full-text search through the official JS client: BM25 scores of match,
// multi_match (best_fields, most_fields, cross_fields, phrase_prefix),
// match_phrase, match_phrase_prefix, regexp and rescore equal OpenSearch 2.19's formula (computed here
// independently with float32 rounding at every step, as Lucene's Java code
// rounds), their ordering, _analyze's token shape, and the same answers after
// a restart.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { createClient } from './lib/client.mjs';
import { makeTempDir, startServer } from './lib/server.mjs';

const f = Math.fround;

// Lucene's SmallFloat.intToByte4 / byte4ToInt.
function intToByte4(i) {
  if (i < 24) return i;
  const v = i - 24;
  const bits = 32 - Math.clz32(v);
  if (bits < 4) return 24 + v;
  const shift = bits - 4;
  return 24 + (((v >>> shift) & 7) | ((shift + 1) << 3));
}
function byte4ToInt(b) {
  if (b < 24) return b;
  const i = b - 24;
  const shift = (i >>> 3) - 1;
  return 24 + (shift === -1 ? (i & 7) : ((i & 7) | 8) * 2 ** shift);
}

// LegacyBM25Similarity: BM25Similarity with boost * (1 + k1), k1 = 1.2, b = 0.75.
function bm25({ freq, dl, df, N, sumTtf, boost = 1, idfSum }) {
  const k1 = f(1.2);
  const b = f(0.75);
  const idf = idfSum ?? f(Math.log(1 + (N - df + 0.5) / (df + 0.5)));
  const avgdl = f(sumTtf / N);
  const norm = f(1 / f(k1 * f(f(1 - b) + f(f(b * byte4ToInt(intToByte4(dl))) / avgdl))));
  const w = f(f(boost * f(1 + k1)) * idf);
  return f(w - f(w / f(1 + f(freq * norm))));
}
const idfOf = (df, N) => f(Math.log(1 + (N - df + 0.5) / (df + 0.5)));

function assertClose(actual, expected, what) {
  assert.ok(Math.abs(actual - expected) <= 1e-5 * Math.abs(expected),
    `${what}: score ${actual}, expected ${expected}`);
}

const filler = Array.from({ length: 48 }, (_, i) => `filler${i}`).join(' ');
const DOCS = [
  { _id: 'a', title: 'The quick brown fox', body: 'a quick brown fox jumps over the lazy dog' },
  { _id: 'b', title: 'Lazy dogs', body: 'the dog sleeps all day' },
  { _id: 'c', title: 'Fox news', body: `fox ${filler} quick` }, // 50 tokens: norm stored as 50
  { _id: 'd', title: 'Quick quick quick', body: 'quick quick fox' },
  { _id: 'e', title: 'Brown bears', body: 'brown bears eat fish' },
];
const tokens = (s) => s.toLowerCase().split(/\s+/).filter(Boolean);
const N = DOCS.length;
const bodyLen = Object.fromEntries(DOCS.map((d) => [d._id, tokens(d.body).length]));
const bodySum = Object.values(bodyLen).reduce((a, b) => a + b, 0);
const tf = (id, field, term) => tokens(DOCS.find((d) => d._id === id)[field]).filter((t) => t === term).length;
const dfOf = (field, term) => DOCS.filter((d) => tokens(d[field]).includes(term)).length;

const dataDir = makeTempDir();
let server;
let client;

before(async () => {
  server = await startServer({ dataDir });
  client = createClient(server.url);
  await client.indices.create({
    index: 'texts',
    body: { mappings: { properties: { title: { type: 'text' }, body: { type: 'text' }, en: { type: 'text', analyzer: 'english' } } } },
  });
  await client.bulk({ refresh: true, body: DOCS.flatMap(({ _id, ...doc }) => [{ index: { _index: 'texts', _id } }, doc]) });
});

after(async () => {
  await client?.close();
  await server?.stop();
});

function expectedMatch(field, terms, lens, sum) {
  const out = {};
  for (const d of DOCS) {
    let s = 0;
    let any = false;
    for (const t of terms) {
      const freq = tf(d._id, field, t);
      if (!freq) continue;
      any = true;
      s += bm25({ freq, dl: lens[d._id], df: dfOf(field, t), N, sumTtf: sum });
    }
    if (any) out[d._id] = f(s);
  }
  return out;
}

async function hits(body) {
  const res = await client.search({ index: 'texts', body });
  return res.body.hits.hits.map((h) => [h._id, h._score]);
}

describe('BM25 scores as OpenSearch 2.19', () => {
  test('match: scores, ordering and max_score', async () => {
    const expected = expectedMatch('body', ['quick', 'fox'], bodyLen, bodySum);
    const res = await client.search({ index: 'texts', body: { query: { match: { body: 'Quick FOX' } } } });
    const got = res.body.hits.hits;
    assert.equal(got.length, Object.keys(expected).length);
    for (const h of got) assertClose(h._score, expected[h._id], `doc ${h._id}`);
    const order = Object.entries(expected).sort((x, y) => y[1] - x[1]).map(([id]) => id);
    assert.deepEqual(got.map((h) => h._id), order);
    assertClose(res.body.hits.max_score, expected[order[0]], 'max_score');
    assert.equal(res.body.hits.total.value, order.length);
  });

  test('a 50-token field uses the rounded one-byte norm', async () => {
    const [[id, score]] = await hits({ query: { term: { body: 'filler7' } } });
    assert.equal(id, 'c');
    assertClose(score, bm25({ freq: 1, dl: 50, df: 1, N, sumTtf: bodySum }), 'filler7');
  });

  test('multi_match best_fields with tie_breaker and field boosts', async () => {
    const titleLen = Object.fromEntries(DOCS.map((d) => [d._id, tokens(d.title).length]));
    const titleSum = Object.values(titleLen).reduce((a, b) => a + b, 0);
    const body = expectedMatch('body', ['quick'], bodyLen, bodySum);
    const title = expectedMatch('title', ['quick'], titleLen, titleSum);
    const got = await hits({ query: { multi_match: { query: 'quick', fields: ['title^2', 'body'], tie_breaker: 0.3 } } });
    for (const [id, score] of got) {
      const t = f(2 * (title[id] ?? 0)); // the field boost is in the term weight: 2 * score within float rounding
      const b = body[id] ?? 0;
      const expected = f(Math.max(t, b) + 0.3 * Math.min(t, b));
      assertClose(score, expected, `doc ${id}`);
    }
    assert.equal(got[0][0], 'd');
  });

  test('match_phrase: exact phrases outrank, slop admits near ones', async () => {
    const exact = await hits({ query: { match_phrase: { body: 'quick fox' } } });
    assert.deepEqual(exact.map(([id]) => id), ['d']);
    const idfSum = f(idfOf(dfOf('body', 'quick'), N) + idfOf(dfOf('body', 'fox'), N));
    assertClose(exact[0][1], bm25({ freq: 1, dl: bodyLen.d, N, sumTtf: bodySum, idfSum }), 'phrase');
    const sloppy = await hits({ query: { match_phrase: { body: { query: 'quick fox', slop: 1 } } } });
    assert.deepEqual(sloppy.map(([id]) => id), ['d', 'a']);
    // "quick brown fox": one position between, sloppy freq 1 / (1 + 1).
    assertClose(sloppy[1][1], bm25({ freq: 0.5, dl: bodyLen.a, N, sumTtf: bodySum, idfSum }), 'sloppy');
  });

  test('match_phrase_prefix: idf over the leading term and every expansion', async () => {
    // "brown b": brown, then a term starting with "b" right after. "b" expands
    // to bears and brown, and MultiPhraseQuery's weight sums the idf of every
    // term of every position: brown twice.
    const got = await hits({ query: { match_phrase_prefix: { body: 'brown b' } } });
    assert.deepEqual(got.map(([id]) => id), ['e']);
    const brown = idfOf(dfOf('body', 'brown'), N);
    const idfSum = f(brown + idfOf(dfOf('body', 'bears'), N) + brown);
    assertClose(got[0][1], bm25({ freq: 1, dl: bodyLen.e, N, sumTtf: bodySum, idfSum }), 'phrase prefix');
    const typed = await hits({ query: { multi_match: { query: 'brown b', fields: ['body', 'title'], type: 'phrase_prefix' } } });
    assert.deepEqual(typed.map(([id]) => id), ['e']);
    await assert.rejects(
      client.search({ index: 'texts', body: { query: { match_phrase_prefix: { body: { query: 'x', fuzziness: 1 } } } } }),
      (e) => e.meta.statusCode === 400 && e.meta.body.error.type === 'parsing_exception'
        && /\[match_phrase_prefix\] query does not support \[fuzziness\]/.test(e.meta.body.error.reason));
  });

  test('multi_match most_fields sums, cross_fields blends, bool_prefix refuses slop', async () => {
    const titleLen = Object.fromEntries(DOCS.map((d) => [d._id, tokens(d.title).length]));
    const titleSum = Object.values(titleLen).reduce((a, b) => a + b, 0);
    const body = expectedMatch('body', ['fox'], bodyLen, bodySum);
    const title = expectedMatch('title', ['fox'], titleLen, titleSum);
    const most = await hits({ query: { multi_match: { query: 'fox', fields: ['title', 'body'], type: 'most_fields' } } });
    for (const [id, score] of most) assertClose(score, f((title[id] ?? 0) + (body[id] ?? 0)), `most_fields ${id}`);
    // fox: df 3 in body, 2 in title; blended, title (the rarer) gets 3 + 1, capped by N.
    const cross = await hits({ query: { multi_match: { query: 'fox', fields: ['title', 'body'], type: 'cross_fields' } } });
    const maxDoc = Math.min(N, titleSum, bodySum);
    const blended = { body: Math.min(3, N, maxDoc), title: Math.min(4, N, maxDoc) };
    for (const [id, score] of cross) {
      const b = tf(id, 'body', 'fox') ? bm25({ freq: tf(id, 'body', 'fox'), dl: bodyLen[id], df: blended.body, N, sumTtf: bodySum }) : 0;
      const t = tf(id, 'title', 'fox') ? bm25({ freq: tf(id, 'title', 'fox'), dl: titleLen[id], df: blended.title, N, sumTtf: titleSum }) : 0;
      assertClose(score, Math.max(b, t), `cross_fields ${id}`);
    }
    await assert.rejects(
      client.search({ index: 'texts', body: { query: { multi_match: { query: 'x', fields: ['title'], type: 'bool_prefix', slop: 1 } } } }),
      (e) => e.meta.statusCode === 400 && /\[slop\] not allowed for type \[bool_prefix\]/.test(e.meta.body.error.reason));
  });

  test('regexp matches whole terms; rescore re-weights the window', async () => {
    const re = await hits({ query: { regexp: { body: { value: 'fi.h|bear.', boost: 3 } } } });
    assert.deepEqual(re, [['e', 3]]);
    const res = await client.search({
      index: 'texts',
      body: {
        query: { match: { body: 'fox' } },
        rescore: { window_size: 1, query: { rescore_query: { match_all: {} }, query_weight: 0.5, rescore_query_weight: 10 } },
      },
    });
    const body = expectedMatch('body', ['fox'], bodyLen, bodySum);
    const [best, ...rest] = Object.entries(body).sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1));
    const got = res.body.hits.hits;
    assert.equal(got[0]._id, best[0]);
    assertClose(got[0]._score, f(f(best[1] * 0.5) + 10), 'rescored');
    for (const [id, score] of rest) assertClose(got.find((h) => h._id === id)._score, f(score * 0.5), `outside ${id}`);
  });

  test('errors: unknown analyzers are 400s', async () => {
    await assert.rejects(
      client.indices.create({ index: 'bad', body: { mappings: { properties: { t: { type: 'text', analyzer: 'nope' } } } } }),
      (e) => e.meta.statusCode === 400 && /analyzer \[nope\] has not been configured/.test(JSON.stringify(e.meta.body)));
  });
});

describe('_analyze', () => {
  test('POST /_analyze with the standard analyzer', async () => {
    const res = await client.indices.analyze({ body: { analyzer: 'standard', text: 'The 2 QUICK foxes' } });
    assert.deepEqual(res.body, {
      tokens: [
        { token: 'the', start_offset: 0, end_offset: 3, type: '<ALPHANUM>', position: 0 },
        { token: '2', start_offset: 4, end_offset: 5, type: '<NUM>', position: 1 },
        { token: 'quick', start_offset: 6, end_offset: 11, type: '<ALPHANUM>', position: 2 },
        { token: 'foxes', start_offset: 12, end_offset: 17, type: '<ALPHANUM>', position: 3 },
      ],
    });
  });

  test('POST /<index>/_analyze by field uses the field analyzer (english: stop words, stems)', async () => {
    const res = await client.indices.analyze({ index: 'texts', body: { field: 'en', text: "The dog's running" } });
    assert.deepEqual(res.body.tokens.map((t) => [t.token, t.position]), [['dog', 1], ['run', 2]]);
    const custom = await client.indices.analyze({ body: { tokenizer: 'whitespace', filter: ['lowercase'], text: 'Hello World!' } });
    assert.deepEqual(custom.body.tokens.map((t) => t.token), ['hello', 'world!']);
  });

  test('english-analyzed field matches stems', async () => {
    await client.index({ index: 'texts', id: 'f', body: { en: 'Foxes were running' }, refresh: true });
    const got = await hits({ query: { match: { en: 'fox runs' } } });
    assert.deepEqual(got.map(([id]) => id), ['f']);
    await client.delete({ index: 'texts', id: 'f', refresh: true });
  });
});

describe('durability', () => {
  test('scores are the same after a restart', async () => {
    const before = await hits({ query: { match: { body: 'quick fox lazy' } } });
    await client.close();
    await server.stop();
    server = await startServer({ dataDir });
    client = createClient(server.url);
    const afterRestart = await hits({ query: { match: { body: 'quick fox lazy' } } });
    assert.deepEqual(afterRestart, before);
  });
});
