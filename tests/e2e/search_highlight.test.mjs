// highlight through the official JS client: the unified highlighter's
// fragments (sentences bounded by fragment_size, best fragments in text
// order), custom tags, whole values with number_of_fragments 0, phrases,
// the field's own analyzer, wildcards and require_field_match.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { createClient } from './lib/client.mjs';
import { makeTempDir, startServer } from './lib/server.mjs';

const dataDir = makeTempDir();
let server;
let client;

const BODY = 'The quick brown fox jumps over the lazy dog. Then the fox sleeps. ' +
  'Nothing else happens here at all in this sentence which is rather long and goes on and on ' +
  'without any match whatsoever until the very end where a fox appears again.';

before(async () => {
  server = await startServer({ dataDir });
  client = createClient(server.url);
  await client.indices.create({
    index: 'articles',
    body: { mappings: { properties: { title: { type: 'text', analyzer: 'english' }, body: { type: 'text' }, tags: { type: 'text' }, kw: { type: 'keyword' } } } },
  });
  await client.bulk({
    refresh: true,
    body: [
      { index: { _index: 'articles', _id: '1' } },
      { title: 'Running dogs', body: BODY, tags: ['red fox', 'blue whale', 'grey fox'], kw: 'fox' },
      { index: { _index: 'articles', _id: '2' } },
      { title: 'Cats', body: 'No canines here.', tags: ['cat'], kw: 'cat' },
    ],
  });
});

after(async () => {
  await client?.close();
  await server?.stop();
});

async function highlight(query, hl) {
  const res = await client.search({ index: 'articles', body: { query, highlight: hl } });
  return res.body.hits.hits.map((h) => [h._id, h.highlight]);
}

describe('highlight (unified)', () => {
  test('sentences up to fragment_size, matches in <em>', async () => {
    const got = await highlight({ match: { body: 'fox' } }, { fields: { body: {} } });
    assert.deepEqual(got, [['1', { body: [
      'The quick brown <em>fox</em> jumps over the lazy dog. Then the <em>fox</em> sleeps.',
      'sentence which is rather long and goes on and on without any match whatsoever until the very end where a <em>fox</em>',
    ] }]]);
  });

  test('fragment_size, number_of_fragments and tags', async () => {
    const got = await highlight({ match: { body: 'fox dog' } },
      { pre_tags: ['<b>'], post_tags: ['</b>'], fields: { body: { fragment_size: 20, number_of_fragments: 2 } } });
    // Passages: "The quick brown fox jumps" | "over the lazy dog." | "Then the fox sleeps."; the
    // rarer term and the shorter passages score higher (Lucene's PassageScorer), text order kept.
    assert.deepEqual(got[0][1].body, ['over the lazy <b>dog</b>.', 'Then the <b>fox</b> sleeps.']);
  });

  test('number_of_fragments 0 gives each matching value whole', async () => {
    const got = await highlight({ match: { tags: 'fox' } }, { fields: { tags: { number_of_fragments: 0 } } });
    assert.deepEqual(got, [['1', { tags: ['red <em>fox</em>', 'grey <em>fox</em>'] }]]);
  });

  test('match_phrase marks the phrase occurrences only', async () => {
    const got = await highlight({ match_phrase: { body: 'the fox' } }, { fields: { body: { number_of_fragments: 0 } } });
    assert.match(got[0][1].body[0], /Then <em>the<\/em> <em>fox<\/em> sleeps/);
    assert.doesNotMatch(got[0][1].body[0], /<em>The<\/em> quick/);
  });

  test('the field analyzer stems; wildcards pick text fields; require_field_match', async () => {
    const stemmed = await highlight({ match: { title: 'run' } }, { fields: { '*': {} } });
    assert.deepEqual(stemmed, [['1', { title: ['<em>Running</em> dogs'] }]]);
    const term = await highlight({ term: { body: 'lazy' } }, { fields: { body: {}, tags: {} } });
    assert.deepEqual(Object.keys(term[0][1]), ['body']);
    const any = await highlight({ match: { tags: 'fox' } }, { require_field_match: false, fields: { body: { number_of_fragments: 1 } } });
    assert.equal(any[0][1].body.length, 1);
  });

  test('hits without a match have no highlight; fvh is refused', async () => {
    const res = await client.search({ index: 'articles', body: { query: { match_all: {} }, highlight: { fields: { body: {} } } } });
    assert.ok(res.body.hits.hits.every((h) => h.highlight === undefined));
    await assert.rejects(
      client.search({ index: 'articles', body: { query: { match: { body: 'fox' } }, highlight: { type: 'fvh', fields: { body: {} } } } }),
      (err) => err.meta.statusCode === 400);
  });
});
