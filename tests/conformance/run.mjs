#!/usr/bin/env node
// The conformance run: OpenSearch's YAML REST tests (../shared/testdata/
// opensearch-rest-api-spec) against the real sluice binary, with the
// expected-failure file. See tests/conformance/README.md.
//
//   node tests/conformance/run.mjs [--only REGEX] [--jobs N] [--verbose]
//                                  [--update-expected] [--report FILE.json]
//
// Every file runs on its own fresh server (temp data dir, free loopback port);
// between the tests of a file every index and template is deleted.
// Exit status 0 when the results agree with expected_failures.txt, 1 otherwise.
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

import { startServer } from '../e2e/lib/server.mjs';
import { loadSpecs } from './lib/spec.mjs';
import { parseSuite } from './lib/suite.mjs';
import { runFile } from './lib/executor.mjs';
import { readExpected, writeExpected, testKey, UNTRIAGED } from './lib/expected.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const DEFAULT_SPEC = join(HERE, '../../../shared/testdata/opensearch-rest-api-spec/rest-api-spec');

// The version sluice reports, for `skip: version`.
export const SLUICE_VERSION = '2.19.0';
// Features of the test format this runner implements (`skip: features`).
// warnings / allowed_warnings are accepted and not asserted: sluice sends no
// deprecation warnings. default_shards: sluice's default is one shard.
export const FEATURES = new Set([
  'headers',
  'catch_unauthorized',
  'stash_in_key',
  'stash_in_path',
  'embedded_stash_key',
  'contains',
  'warnings',
  'allowed_warnings',
  'arbitrary_key',
  'default_shards',
  'regex',
]);

function parseArgs(argv) {
  const opts = { jobs: 2, verbose: false, update: false, only: null, report: null, spec: process.env.SLUICE_REST_SPEC || DEFAULT_SPEC, expected: join(HERE, 'expected_failures.txt') };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--jobs') opts.jobs = Math.max(1, Number(next()));
    else if (a === '--only') opts.only = new RegExp(next());
    else if (a === '--verbose' || a === '-v') opts.verbose = true;
    else if (a === '--update-expected') opts.update = true;
    else if (a === '--report') opts.report = next();
    else if (a === '--spec') opts.spec = next();
    else if (a === '--expected') opts.expected = next();
    else throw new Error(`unknown argument ${a}`);
  }
  return opts;
}

function directories() {
  return readFileSync(join(HERE, 'directories.txt'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

async function runOneFile(specs, specDir, file) {
  const text = readFileSync(join(specDir, 'test', file), 'utf8');
  let suite;
  try {
    suite = parseSuite(text);
  } catch (e) {
    return [{ name: '(file)', status: 'fail', message: `cannot parse: ${e.message}`, answer: '' }];
  }
  const server = await startServer();
  try {
    return await runFile(server.url, specs, suite, { version: SLUICE_VERSION, features: FEATURES });
  } catch (e) {
    return [{ name: '(file)', status: 'fail', message: `runner: ${e.message}`, answer: '' }];
  } finally {
    const exit = await server.stop();
    if (exit.signal && exit.signal !== 'SIGTERM') console.error(`${file}: server ended by ${exit.signal}\n${server.logs().slice(-2000)}`);
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const specs = loadSpecs(join(opts.spec, 'api'));
  const files = [];
  for (const dir of directories()) {
    const full = join(opts.spec, 'test', dir);
    if (!existsSync(full)) throw new Error(`no test directory ${full}`);
    for (const f of readdirSync(full).sort()) {
      if (!f.endsWith('.yml') && !f.endsWith('.yaml')) continue;
      const rel = `${dir}/${f}`;
      if (opts.only && !opts.only.test(rel)) continue;
      files.push(rel);
    }
  }

  const started = Date.now();
  const results = [];
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const file = files[next++];
      for (const r of await runOneFile(specs, opts.spec, file)) results.push({ file, dir: file.slice(0, file.indexOf('/')), ...r });
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.jobs, files.length) }, worker));
  results.sort((a, b) => (a.file === b.file ? 0 : a.file < b.file ? -1 : 1));

  const expected = readExpected(opts.expected);
  const ranFiles = new Set(files);
  const unexpectedFailures = [];
  const unexpectedPasses = [];
  const seen = new Set();
  for (const r of results) {
    const key = testKey(r.file, r.name);
    seen.add(key);
    r.expected = expected.has(key);
    r.reason = expected.get(key);
    if (r.status === 'fail' && !r.expected) unexpectedFailures.push(r);
    if (r.status !== 'fail' && r.expected) unexpectedPasses.push(r);
  }
  const stale = [...expected.keys()].filter((k) => ranFiles.has(k.slice(0, k.indexOf(' :: '))) && !seen.has(k));

  // Per-directory counts.
  const byDir = new Map();
  for (const r of results) {
    const c = byDir.get(r.dir) ?? { pass: 0, fail: 0, skip: 0 };
    c[r.status] += 1;
    byDir.set(r.dir, c);
  }
  const total = { pass: 0, fail: 0, skip: 0 };
  console.log(`${'directory'.padEnd(34)} ${'passed'.padStart(6)} ${'failed'.padStart(6)} ${'skipped'.padStart(7)}`);
  for (const [dir, c] of [...byDir.entries()].sort()) {
    console.log(`${dir.padEnd(34)} ${String(c.pass).padStart(6)} ${String(c.fail).padStart(6)} ${String(c.skip).padStart(7)}`);
    for (const k of Object.keys(total)) total[k] += c[k];
  }
  const run = total.pass + total.fail;
  console.log(`${'total'.padEnd(34)} ${String(total.pass).padStart(6)} ${String(total.fail).padStart(6)} ${String(total.skip).padStart(7)}`);
  console.log(`${total.pass} of ${run} non-skipped tests pass (${run ? ((100 * total.pass) / run).toFixed(1) : '0.0'} %), ${files.length} files, ${((Date.now() - started) / 1000).toFixed(1)} s`);

  if (opts.verbose) {
    for (const r of results.filter((x) => x.status === 'fail')) console.log(`FAIL ${testKey(r.file, r.name)}\n     ${r.message}\n     answer: ${r.answer}`);
  }

  if (opts.report) {
    writeFileSync(opts.report, JSON.stringify({ version: SLUICE_VERSION, directories: directories(), results }, null, 1));
  }

  if (opts.update) {
    const updated = new Map();
    for (const [k, reason] of expected) if (!ranFiles.has(k.slice(0, k.indexOf(' :: ')))) updated.set(k, reason);
    for (const r of results) if (r.status === 'fail') updated.set(testKey(r.file, r.name), expected.get(testKey(r.file, r.name)) ?? UNTRIAGED);
    writeExpected(opts.expected, updated);
    const untriaged = [...updated.values()].filter((v) => v === UNTRIAGED).length;
    console.log(`wrote ${opts.expected}: ${updated.size} expected failures (${untriaged} ${UNTRIAGED})`);
    return 0;
  }

  for (const r of unexpectedFailures) console.log(`UNEXPECTED FAILURE ${testKey(r.file, r.name)}\n     ${r.message}\n     answer: ${r.answer}`);
  for (const r of unexpectedPasses) console.log(`UNEXPECTED ${r.status === 'pass' ? 'PASS' : 'SKIP'} ${testKey(r.file, r.name)} (listed: ${r.reason}) — remove it from expected_failures.txt`);
  for (const k of stale) console.log(`STALE ENTRY ${k} — no such test; remove it from expected_failures.txt`);
  const bad = unexpectedFailures.length + unexpectedPasses.length + stale.length;
  if (bad > 0) {
    console.log(`${bad} result(s) disagree with ${opts.expected} (see tests/conformance/README.md; --update-expected rewrites it)`);
    return 1;
  }
  console.log(`results agree with ${opts.expected}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e.stack ?? e.message);
    process.exit(2);
  },
);
