// README.md's command blocks, run as written so that the README cannot rot.
//
// The ```sh blocks are read from README.md itself (not copied here), except
// those preceded by `<!-- readme-test: skip ... -->` (`make run`, which starts
// the server). They run in order in ONE bash process — as pasted into one
// terminal, so variables carry from block to block — with `set -e` (a failing
// command stops the run and names its block), against a real sluice started
// on a free port with a temp data dir; `localhost:9200` is rewritten to that
// port. The working directory stands in for a fresh clone after `make run`:
// `examples/` is the repository's, `build/sluice` the binary under test and
// `data/` the server's data directory. Each block's exit status and key
// outputs are checked; a block added to the README needs its checks here.
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { makeTempDir, sluiceBin, startServer } from './lib/server.mjs';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** The README's runnable sh blocks, in order. */
function readmeBlocks() {
  const text = readFileSync(join(REPO, 'README.md'), 'utf8');
  const blocks = [];
  const fence = /(<!--\s*readme-test:\s*skip[^>]*-->\s*\n)?```sh\n([\s\S]*?)```/g;
  for (const m of text.matchAll(fence)) {
    if (!m[1]) blocks.push(m[2]);
  }
  return blocks;
}

// Per block: what its output must show (in order of the README).
const CHECKS = [
  ['books: create, bulk, knn, _cat/indices', (out) => {
    assert.match(out, /"acknowledged":true/);
    assert.match(out, /"errors":false/);
    assert.match(out, /"hits":\[\{"_index":"books","_id":"1"/);
    assert.match(out, /^yellow\s+open\s+books\s/m, 'one replica by default: yellow on one node');
  }],
  ['my-nlp-index and the ingestion request', (out) => {
    assert.match(out, /"acknowledged":true,"shards_acknowledged":true,"index":"my-nlp-index"/);
    assert.match(out, /\{"task_id":"[^"]+","task_type":"BATCH_INGEST","status":"CREATED"\}\n/);
  }],
  ['task poll', (out) => {
    assert.match(out, /"state":"COMPLETED"/);
    assert.match(out, /"documents_written":3/);
    assert.match(out, /"records_failed":0/);
  }],
  ['knn query on the ingested index', (out) => {
    assert.match(out, /"hits":\[\{"_index":"my-nlp-index","_id":"2"/);
    assert.match(out, /"title":"draco malfoy"/);
  }],
  ['hybrid query through a normalization pipeline', (out) => {
    assert.match(out, /^\{"acknowledged":true\}/);
    assert.match(out, /"hits":\[\{"_index":"my-nlp-index","_id":"2","_score":1\.0,"_source":\{"title":"draco malfoy"\}\}/);
    // The second hit is only in the k-NN list: 0.7 × min_max's floor 0.001, the text side counted as 0.
    assert.match(out, /"_id":"1","_score":0\.0007(0000\d*)?,/);
  }],
  ['the command line, in-process and --server', (out) => {
    const lines = out.split('\n');
    // in-process search: line 1's own vector finds document 1 first
    const first = lines.findIndex((l) => /^rank\s+_id\s+_score/.test(l));
    assert.ok(first >= 0, out);
    assert.match(lines[first + 1], /^1\s+1\s+1\.0+\s+this is chapter 1$/);
    // --server search on my-nlp-index: line 3's title vector finds document 3
    const second = lines.findIndex((l, i) => i > first && /^rank\s+_id\s+_score/.test(l));
    assert.ok(second > first, out);
    assert.match(lines[second + 1], /^1\s+3\s+1\.0+\s+\S/);
  }],
];

let server;
let cwd;
before(async () => {
  server = await startServer();
  cwd = makeTempDir('sluice-readme-');
  symlinkSync(join(REPO, 'examples'), join(cwd, 'examples'));
  mkdirSync(join(cwd, 'build'));
  symlinkSync(sluiceBin(), join(cwd, 'build', 'sluice'));
  symlinkSync(server.dataDir, join(cwd, 'data'));
});
after(() => server?.stop());

test('every README command block works as written, in order', () => {
  const blocks = readmeBlocks();
  assert.equal(blocks.length, CHECKS.length,
    `README has ${blocks.length} runnable sh blocks, the test checks ${CHECKS.length}: update CHECKS`);
  const marker = (i) => `@@readme-block-${i}@@`;
  const script = ['set -e'];
  blocks.forEach((block, i) => {
    script.push(`echo '${marker(i)}'`);
    script.push(block.replaceAll('localhost:9200', `127.0.0.1:${server.port}`));
    script.push('echo');
  });
  script.push(`echo '${marker(blocks.length)}'`);
  const r = spawnSync('bash', ['-c', script.join('\n')], {
    cwd, encoding: 'utf8', timeout: 240000, env: { ...process.env, TMPDIR: cwd },
  });
  const outputs = r.stdout.split(/@@readme-block-\d+@@\n/).slice(1);
  const reached = outputs.length - 1;  // blocks that finished
  assert.equal(r.status, 0,
    `README block ${Math.min(reached, blocks.length - 1) + 1} failed (exit ${r.status}):\n` +
    `${blocks[Math.min(reached, blocks.length - 1)]}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}\n` +
    `--- server\n${server.logs()}`);
  assert.equal(reached, blocks.length, r.stdout);
  CHECKS.forEach(([name, check], i) => {
    try {
      check(outputs[i]);
    } catch (e) {
      e.message = `README block ${i + 1} (${name}): ${e.message}\n--- its output\n${outputs[i]}`;
      throw e;
    }
  });
});
