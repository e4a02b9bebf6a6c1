// The other client commands end to end: `sluice --help` and every command's
// help (complete, with examples), `sluice create-index` (the mapping a user
// would PUT; --dry-run; an existing index is refused) and `sluice search`
// (--vector and --vector-from, the table, errors), in-process and via --server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { runCli, runCliAsync } from './lib/cli.mjs';
import { request } from './lib/http.mjs';
import { makeTempDir, sluiceBin, startServer } from './lib/server.mjs';

describe('help', () => {
  test('sluice --help lists every command and a quick start', () => {
    const r = runCli(['--help']);
    assert.equal(r.status, 0);
    for (const cmd of ['serve', 'ingest', 'create-index', 'search', 'jsonpath', 'version']) {
      assert.match(r.stdout, new RegExp(`^\\s+${cmd}\\s`, 'm'), `${cmd} missing:\n${r.stdout}`);
    }
    assert.match(r.stdout, /Quick start/);
  });

  test('the quick start in sluice --help works as written (in-process, on the sample output)', () => {
    const help = runCli(['--help']).stdout;
    const block = help.slice(help.indexOf('Quick start')).split('\n\n')[0];
    const commands = block.replace(/\\\n\s*/g, ' ').split('\n').slice(1)
      .map((l) => l.trim()).filter((l) => l.startsWith('sluice ') && !l.startsWith('sluice serve'));
    assert.equal(commands.length, 3, block);
    const cwd = makeTempDir('sluice-help-qs-');
    copyFileSync(fileURLToPath(new URL('../../examples/data/sagemaker_batch.json.out', import.meta.url)),
      join(cwd, 'output.json.out'));
    let last;
    for (const command of commands) {
      last = spawnSync('bash', ['-c', command.replace(/^sluice /, `"${sluiceBin()}" `)], { cwd, encoding: 'utf8' });
      assert.equal(last.status, 0, `${command}\n${last.stdout}${last.stderr}`);
    }
    // The search finds record 1 by its own vector.
    assert.match(last.stdout.split('\n')[1], /^1\s+1\s+1\.0+\s+this is chapter 1$/);
  });

  for (const [cmd, flags] of [
    ['ingest', ['--index', '--field-map', '--ingest-fields', '--request', '--server', '--data-dir', '--progress']],
    ['create-index', ['--dimension', '--space', '--engine', '--field', '--dry-run', '--server']],
    ['search', ['--index', '--vector', '--vector-from', '--vector-path', '--field', '--k', '--show', '--server']],
    ['serve', ['--port', '--data-dir', '--file-root', '--log-level']],
  ]) {
    test(`sluice ${cmd} --help documents its flags with examples`, () => {
      const r = runCli([cmd, '--help']);
      assert.equal(r.status, 0);
      for (const flag of flags) assert.ok(r.stdout.includes(flag), `${cmd}: ${flag} missing`);
      assert.match(r.stdout, /Example/);
    });
  }
});

describe('create-index and search', () => {
  let dataDir;
  const vectors = { a: [1, 0, 0], b: [0.9, 0.1, 0], c: [0, 1, 0], d: [0, 0, 1] };
  before(async () => {
    dataDir = join(makeTempDir('sluice-cli-cmds-'), 'data');
    const r = runCli(['create-index', 'vecs', '--data-dir', dataDir, '--dimension', '3', '--space', 'l2',
      '--engine', 'faiss', '--keyword', 'tag']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { acknowledged: true, shards_acknowledged: true, index: 'vecs' });
    // Documents go in through a server on the same data dir (bulk), then it stops.
    const server = await startServer({ dataDir });
    try {
      const lines = Object.entries(vectors).flatMap(([id, v]) => [
        JSON.stringify({ index: { _index: 'vecs', _id: id } }), JSON.stringify({ embedding: v, tag: `tag-${id}` })]);
      const res = await request(server.url, { method: 'POST', path: '/_bulk?refresh=true', body: lines.join('\n') + '\n',
        headers: { 'Content-Type': 'application/x-ndjson' } });
      assert.equal(res.status, 200);
      assert.equal(res.body.errors, false);
    } finally {
      await server.stop();
    }
  });

  test('create-index writes the mapping a user would PUT', async () => {
    const server = await startServer({ dataDir });
    try {
      const res = await request(server.url, { path: '/vecs/_mapping' });
      assert.deepEqual(res.body.vecs.mappings.properties.embedding.type, 'knn_vector');
      assert.equal(res.body.vecs.mappings.properties.embedding.dimension, 3);
      assert.equal(res.body.vecs.mappings.properties.embedding.method.engine, 'faiss');
      assert.equal(res.body.vecs.mappings.properties.embedding.method.space_type, 'l2');
      assert.equal(res.body.vecs.mappings.properties.tag.type, 'keyword');
      const settings = await request(server.url, { path: '/vecs/_settings' });
      assert.equal(String(settings.body.vecs.settings.index.knn), 'true');
    } finally {
      await server.stop();
    }
  });

  test('--dry-run prints the request and creates nothing', () => {
    const r = runCli(['create-index', 'dry', '--data-dir', dataDir, '--dimension', '384', '--field', 'e1', '--field', 'e2', '--dry-run']);
    assert.equal(r.status, 0);
    const [first, body] = r.stdout.split('\n');
    assert.equal(first, 'PUT /dry');
    const parsed = JSON.parse(body);
    assert.equal(parsed.settings['index.knn'], true);
    assert.deepEqual(Object.keys(parsed.mappings.properties), ['e1', 'e2']);
    assert.deepEqual(parsed.mappings.properties.e1.method,
      { name: 'hnsw', engine: 'nmslib', space_type: 'cosinesimil', parameters: { m: 16, ef_construction: 128 } });
    const search = runCli(['search', '--data-dir', dataDir, '--index', 'dry', '--vector', '[1,2]']);
    assert.equal(search.status, 1, 'the index does not exist');
    assert.match(search.stderr, /index_not_found_exception/);
  });

  test('an existing index is refused with exit 1', () => {
    const r = runCli(['create-index', 'vecs', '--data-dir', dataDir, '--dimension', '3']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /resource_already_exists_exception/);
  });

  test('search --vector prints rank, id, score and chosen fields, nearest first', () => {
    const r = runCli(['search', '--data-dir', dataDir, '--index', 'vecs', '--vector', '[1, 0, 0]', '--k', '2', '--show', 'tag']);
    assert.equal(r.status, 0, r.stderr);
    const rows = r.stdout.trim().split('\n').map((l) => l.trim().split(/\s{2,}/));
    assert.deepEqual(rows.map((row) => [row[0], row[1], row[3]]),
      [['rank', '_id', 'tag'], ['1', 'a', 'tag-a'], ['2', 'b', 'tag-b']]);
    assert.equal(Number(rows[1][2]), 1);  // l2 score 1 / (1 + 0)
    assert.ok(Number(rows[2][2]) < 1);
  });

  test('search --vector-from takes a vector from a JSONL line (bare array or --vector-path)', () => {
    const file = join(makeTempDir(), 'queries.jsonl');
    writeFileSync(file, `${JSON.stringify({ q: { v: [0, 0, 1] } })}\n[0, 1, 0]\n`);
    const byPath = runCli(['search', '--data-dir', dataDir, '--index', 'vecs', '--vector-from', `${file}:1`, '--vector-path', '$.q.v', '--k', '1']);
    assert.equal(byPath.status, 0, byPath.stderr);
    assert.match(byPath.stdout.split('\n')[1], /^1\s+d\s/);
    const bare = runCli(['search', '--data-dir', dataDir, '--index', 'vecs', '--vector-from', `${file}:2`, '--k', '1']);
    assert.equal(bare.status, 0, bare.stderr);
    assert.match(bare.stdout.split('\n')[1], /^1\s+c\s/);
    const noVector = runCli(['search', '--data-dir', dataDir, '--index', 'vecs', '--vector-from', `${file}:1`]);
    assert.equal(noVector.status, 2);
    assert.match(noVector.stderr, /no vector found .*queries\.jsonl:1/);
    const pastEnd = runCli(['search', '--data-dir', dataDir, '--index', 'vecs', '--vector-from', `${file}:9`]);
    assert.equal(pastEnd.status, 2);
    assert.match(pastEnd.stderr, /fewer than 9 lines/);
  });

  test('search errors: a wrong dimension is refused by the index (1), a malformed vector is bad input (2)', () => {
    const wrongDim = runCli(['search', '--data-dir', dataDir, '--index', 'vecs', '--vector', '[1, 2]']);
    assert.equal(wrongDim.status, 1);
    assert.match(wrongDim.stderr, /dimension/);
    const malformed = runCli(['search', '--data-dir', dataDir, '--index', 'vecs', '--vector', '[1, "x"]']);
    assert.equal(malformed.status, 2);
    assert.match(malformed.stderr, /JSON array of numbers/);
  });

  describe('via --server', () => {
    let server;
    before(async () => { server = await startServer({ dataDir }); });
    after(() => server.stop());

    test('create-index and search talk to the server', async () => {
      const created = await runCliAsync(['create-index', 'remote', '--server', server.url, '--dimension', '3']);
      assert.equal(created.status, 0, created.stderr);
      const res = await request(server.url, { path: '/remote/_mapping' });
      assert.equal(res.body.remote.mappings.properties.embedding.dimension, 3);
      const r = await runCliAsync(['search', '--server', server.url, '--index', 'vecs', '--vector', '[0, 0.9, 0.1]', '--k', '1']);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout.split('\n')[1], /^1\s+c\s/);
    });

    test('in-process commands on a data dir that a server holds name the server and --server', () => {
      const expected = `the data directory ${dataDir} is in use by another sluice process ` +
        `(pid ${server.proc.pid}); stop it or use --server URL`;
      for (const args of [
        ['search', '--data-dir', dataDir, '--index', 'vecs', '--vector', '[1, 0, 0]'],
        ['create-index', 'other', '--data-dir', dataDir, '--dimension', '3'],
      ]) {
        const r = runCli(args);
        assert.equal(r.status, 2, r.stderr);
        assert.ok(r.stderr.includes(expected), r.stderr);
        assert.doesNotMatch(r.stderr, /Resource temporarily unavailable/);
      }
    });

    test('a second server on the same data dir names the first one', () => {
      const r = runCli(['serve', '--port', '0', '--data-dir', dataDir], { timeoutMs: 30000 });
      assert.equal(r.status, 1, r.stdout + r.stderr);
      assert.ok((r.stdout + r.stderr).includes(`the data directory ${dataDir} is in use by another sluice ` +
        `process (pid ${server.proc.pid}); stop it or use another --data-dir`), r.stdout + r.stderr);
    });
  });
});
