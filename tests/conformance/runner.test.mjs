// The conformance runner's own rules (node --test): version ranges, Java
// regexes, paths into responses, requests built from the API specs, and the
// expected-failure file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

import { versionInRanges, skipReason, parseSuite } from './lib/suite.mjs';
import { javaRegex, evaluate, substitute, assertMatch, isTruthy, AssertionFailure } from './lib/assertions.mjs';
import { loadSpecs, buildRequest, ParamError } from './lib/spec.mjs';
import { readExpected, writeExpected } from './lib/expected.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const SPEC = process.env.SLUICE_REST_SPEC || join(HERE, '../../../shared/testdata/opensearch-rest-api-spec/rest-api-spec');

test('version ranges: open ends, lists, and Elasticsearch versions before OpenSearch ones', () => {
  assert.equal(versionInRanges(' - 2.99.99', '2.19.0'), true);
  assert.equal(versionInRanges('3.0.0 - ', '2.19.0'), false);
  assert.equal(versionInRanges(' - 7.10.99', '2.19.0'), false); // legacy ES clusters only
  assert.equal(versionInRanges(' - 7.10.99 , 2.0.0 - ', '2.19.0'), true);
  assert.equal(versionInRanges('all', '2.19.0'), true);
  assert.equal(versionInRanges('2.19.0 - 2.19.0', '2.19.0'), true);
  const ctx = { version: '2.19.0', features: new Set(['headers']) };
  assert.equal(skipReason({ skip: { features: 'headers' } }, ctx), null);
  assert.match(skipReason({ skip: { features: ['headers', 'node_selector'] } }, ctx), /node_selector/);
});

test('Java regexes: COMMENTS mode, $ before a final newline, inline flags', () => {
  assert.ok(javaRegex('^ a \\s+ b # comment\n $', true).test('a  b\n'));
  assert.ok(!javaRegex('^a$', false).test('a\nb'));
  assert.ok(javaRegex('(?s)a.b', false).test('a\nb'));
  assert.ok(javaRegex('[ ]x', true).test(' x'));
  assert.throws(() => assertMatch('x', 'abc', '/^b/'), AssertionFailure);
  assertMatch('x', 'abc', '/b/'); // find(), not matches()
});

test('paths, stash and truthiness', () => {
  const response = { json: { a: { 'b.c': [1, { d: 'x' }] }, n: 0 }, body: '', status: 200 };
  const stash = new Map([['k', 'b.c']]);
  assert.equal(evaluate(response, 'a.b\\.c.1.d', stash), 'x');
  assert.equal(evaluate(response, 'a.$k.0', new Map([['k', 'b.c']])), 1);
  assert.equal(evaluate(response, 'a.missing.x', stash), undefined);
  assert.deepEqual(substitute({ $k: '$k', s: 'v=${k}' }, stash), { 'b.c': 'b.c', s: 'v=b.c' });
  assert.equal(isTruthy(evaluate(response, 'n', stash)), false);
  assert.equal(evaluate({ json: undefined, body: '', status: 404, method: 'HEAD' }, '', stash), false);
});

test('requests from the API specs: the path with most given parts, params, bulk bodies', () => {
  const specs = loadSpecs(join(SPEC, 'api'));
  const get = buildRequest(specs, 'get', { index: 'i', id: '1', _source: ['a', 'b'] });
  assert.equal(get.method, 'GET');
  assert.equal(get.path, '/i/_doc/1');
  assert.equal(get.query, '_source=a%2Cb');
  const search = buildRequest(specs, 'search', { index: ['a', 'b*'], body: { size: 1 } });
  assert.deepEqual([search.method, search.path, search.body], ['POST', '/a,b*/_search', '{"size":1}']);
  const bulk = buildRequest(specs, 'bulk', { body: [{ index: { _index: 'i' } }, { f: 1 }] });
  assert.equal(bulk.body, '{"index":{"_index":"i"}}\n{"f":1}\n');
  assert.equal(bulk.contentType, 'application/x-ndjson');
  assert.throws(() => buildRequest(specs, 'get', { index: 'i', id: '1', nope: 1 }), ParamError);
  assert.deepEqual(buildRequest(specs, 'indices.delete', { index: 'x', ignore: 404 }).ignore, [404]);
});

test('YAML sections: setup, teardown, tests; unparsable sections named', () => {
  const s = parseSuite('setup:\n  - do: {ping: {}}\n---\n"one":\n  - match: {a: 1}\n---\n"two":\n  - match: { a: 1\n  b: }\n');
  assert.equal(s.setup.length, 1);
  assert.deepEqual(s.tests.map((t) => t.name), ['one', 'two']);
  assert.ok(s.tests[1].unparsable);
});

test('expected-failure file round-trips and keeps reasons', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'conf-')), 'expected.txt');
  writeFileSync(path, '# c\nb/x.yml :: T one — why\na/y.yml :: T — two — dashes\n');
  const m = readExpected(path);
  assert.equal(m.get('b/x.yml :: T one'), 'why');
  assert.equal(m.get('a/y.yml :: T'), 'two — dashes');
  writeExpected(path, m);
  const text = readFileSync(path, 'utf8');
  assert.ok(text.indexOf('a/y.yml') < text.indexOf('b/x.yml'));
  assert.deepEqual(readExpected(path), m);
});
