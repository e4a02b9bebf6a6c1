// `sluice ingest` end to end: in-process on a data directory (no server) and
// against a running server (--server), with the shorthand flags and with a
// REST request body (--request). Checks exit codes, the summary (documents
// written, failed records with their reasons), the plain progress log lines
// printed when stderr is not a terminal, the live line when forced, and a
// FAILED task (exit 1).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createWriteStream, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';

import { progressFields, runCli, runCliAsync } from './lib/cli.mjs';
import { count, jsonl, sagemakerRecords, seedSingleFileRequest, startIngestServer, waitTask } from './lib/ingest.mjs';
import { makeTempDir, sluiceBin, startServer } from './lib/server.mjs';

const DIM = 8;
const N = 300;
const FIELD_MAP = JSON.stringify({
  chapter: '$.content[0]',
  title: '$.content[1]',
  chapter_embedding: '$.SageMakerOutput[0]',
  title_embedding: '$.SageMakerOutput[1]',
  _id: '$.id',
});
const CREATE_ARGS = ['--dimension', String(DIM), '--field', 'chapter_embedding', '--field', 'title_embedding',
  '--text', 'chapter', '--text', 'title'];

// N good records, then a line that is not JSON and a record without vectors (lines N+1, N+2).
function writeSample(dir) {
  const lines = [...sagemakerRecords(N, DIM, 7), '{"id": 9999, "content": ["broken"', { id: 10000, content: ['no vectors', 'x'] }];
  const path = join(dir, 'batch.json.out');
  writeFileSync(path, jsonl(lines));
  return path;
}

function summaryValue(stdout, label) {
  const m = new RegExp(`^\\s+${label}:\\s+(.*)$`, 'm').exec(stdout);
  assert.ok(m, `no "${label}" in the summary:\n${stdout}`);
  return m[1].trim();
}

function assertSummary(r, { written, read, failed }) {
  if (failed > 0) {
    // Some records failed: ml-commons' COMPLETED_WITH_ERROR, with the counts in its error.
    assert.match(r.stdout, new RegExp(`^Task \\S+ COMPLETED_WITH_ERROR: ${failed} of ${read} records failed: `, 'm'), r.stdout + r.stderr);
  } else {
    assert.match(r.stdout, /^Task \S+ COMPLETED$/m, r.stdout + r.stderr);
  }
  assert.equal(summaryValue(r.stdout, 'documents written'), String(written));
  assert.equal(summaryValue(r.stdout, 'records read'), String(read));
  assert.equal(summaryValue(r.stdout, 'records failed'), String(failed));
  assert.match(summaryValue(r.stdout, 'time'), /^\d+\.\d s \(task \d+\.\d s\)$/);
  assert.match(summaryValue(r.stdout, 'rate'), /^\d+ docs\/s$/);
}

describe('in-process (no server)', () => {
  let dataDir;
  let sample;
  before(() => {
    dataDir = join(makeTempDir('sluice-cli-'), 'data');
    sample = writeSample(makeTempDir('sluice-cli-in-'));
    const created = runCli(['create-index', 'books', '--data-dir', dataDir, ...CREATE_ARGS]);
    assert.equal(created.status, 0, created.stderr);
  });

  test('ingests a file given by flags, reports bad lines by number and exits 3 (COMPLETED_WITH_ERROR)', () => {
    const r = runCli(['ingest', '--data-dir', dataDir, '--index', 'books', '--field-map', FIELD_MAP,
      '--ingest-fields', '$.id', '--progress-interval', '0.01', sample]);
    assert.equal(r.status, 3, r.stdout + r.stderr);
    assertSummary(r, { written: N, read: N + 2, failed: 2 });
    // The failed records are listed with file:line and a reason.
    assert.match(r.stdout, new RegExp(`batch\\.json\\.out:${N + 1}: .+`));
    assert.match(r.stdout, new RegExp(`batch\\.json\\.out:${N + 2}: .+`));
  });

  test('progress is plain key=value log lines when stderr is not a terminal', () => {
    const r = runCli(['ingest', '--data-dir', dataDir, '--index', 'books', '--field-map', FIELD_MAP,
      '--progress-interval', '0.01', sample]);
    assert.equal(r.status, 3, r.stderr);
    assert.ok(!r.stderr.includes('\r') && !r.stderr.includes('\x1b'), 'no terminal control characters');
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('progress '));
    assert.ok(lines.length >= 1, r.stderr);
    const keys = ['task', 'state', 'phase', 'bytes_read', 'bytes_total', 'records_read', 'documents_written',
      'records_failed', 'docs_per_second', 'eta_s'];
    for (const line of lines) assert.deepEqual(Object.keys(progressFields(line)), keys, line);
    const last = progressFields(lines.at(-1));
    assert.equal(last.state, 'COMPLETED_WITH_ERROR');
    assert.equal(last.documents_written, String(N));
    assert.equal(last.records_failed, '2');
    assert.equal(last.bytes_read, last.bytes_total);
    assert.match(r.stderr, /^sluice ingest: task \S+ submitted to data dir /m);
  });

  test('--progress live draws one redrawn line, --progress none prints none', () => {
    const live = runCli(['ingest', '--data-dir', dataDir, '--index', 'books', '--field-map', FIELD_MAP,
      '--progress', 'live', sample]);
    assert.equal(live.status, 3, live.stderr);
    assert.match(live.stderr, /\r\x1b\[K(CREATED|RUNNING|COMPLETED_WITH_ERROR) /);
    assert.match(live.stderr, /COMPLETED_WITH_ERROR done .*\| \d+ records, \d+ docs, 2 failed \| \d+ docs\/s \| ETA /);
    const none = runCli(['ingest', '--data-dir', dataDir, '--index', 'books', '--field-map', FIELD_MAP,
      '--progress', 'none', sample]);
    assert.equal(none.status, 3, none.stderr);
    assert.ok(!none.stderr.includes('progress '), none.stderr);
  });

  test('search finds a record by its own vector, and a server on the same data dir sees the documents', async () => {
    const line = 42;  // record id 41
    const r = runCli(['search', '--data-dir', dataDir, '--index', 'books', '--vector-from', `${sample}:${line}`,
      '--k', '3', '--show', 'title']);
    assert.equal(r.status, 0, r.stderr);
    const rows = r.stdout.trim().split('\n').map((l) => l.trim().split(/\s{2,}/));
    assert.deepEqual(rows[0], ['rank', '_id', '_score', 'title']);
    assert.deepEqual(rows[1].slice(0, 2), ['1', '41']);
    assert.equal(rows[1][3], 'title of book 41');
    assert.equal(rows.length, 4);

    const server = await startServer({ dataDir });
    try {
      assert.equal(await count(server.url, 'books'), N);
    } finally {
      await server.stop();
    }
  });

  test('a task where every record fails is FAILED: exits 1 and says why', () => {
    const bad = join(makeTempDir('sluice-cli-bad-'), 'bad.json.out');
    writeFileSync(bad, jsonl([{ id: 1, content: ['no vectors'] }, { id: 2, content: ['none either'] }]));
    const r = runCli(['ingest', '--data-dir', dataDir, '--index', 'books', '--field-map', FIELD_MAP, bad]);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^Task \S+ FAILED: Failed to batch ingest: no document was written: 2 of 2 records failed: /m);
    assert.equal(summaryValue(r.stdout, 'documents written'), '0');
  });

  test('an http host that is not allowed is rejected at submission: exits 2 and says why', () => {
    const r = runCli(['ingest', '--data-dir', dataDir, '--index', 'books', '--field-map', FIELD_MAP,
      '--type', 'http', 'http://127.0.0.1:9/batch.jsonl']);
    assert.equal(r.status, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /rejected: HTTP 403: security_exception: .*allow-source-host/);
  });

  test('a rejected request or bad usage exits 2 with the reason', () => {
    const missing = runCli(['ingest', '--data-dir', dataDir, '--index', 'nope', '--field-map', FIELD_MAP, sample]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /rejected: HTTP 404: index_not_found_exception/);
    const usage = runCli(['ingest', '--data-dir', dataDir, '--index', 'books']);
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /--field-map/);
  });
});

describe('against a server (--server)', () => {
  let server;
  let sample;
  before(async () => {
    server = await startIngestServer();
    sample = writeSample(server.importDir);
    const created = await runCliAsync(['create-index', 'books', '--server', server.url, ...CREATE_ARGS]);
    assert.equal(created.status, 0, created.stderr);
  });
  after(() => server.stop());

  test('submits a REST request body (--request), polls the task and prints the summary', async () => {
    const requestFile = join(makeTempDir(), 'request.json');
    writeFileSync(requestFile, JSON.stringify(seedSingleFileRequest('books', sample, 'file')));
    const r = await runCliAsync(['ingest', '--server', server.url, '--request', requestFile]);
    assert.equal(r.status, 3, r.stdout + r.stderr);
    assertSummary(r, { written: N, read: N + 2, failed: 2 });
    assert.match(r.stderr, new RegExp(`submitted to ${server.url.replace(/\./g, '\\.')}`));
    assert.equal(await count(server.url, 'books'), N);
    // The server ran it: its task list has the task the CLI named.
    const taskId = /^Task (\S+) COMPLETED_WITH_ERROR: /m.exec(r.stdout)[1];
    const task = await fetch(`${server.url}/_plugins/_ml/tasks/${taskId}`).then((res) => res.json());
    assert.equal(task.state, 'COMPLETED_WITH_ERROR');
  });

  test('the shorthand flags work through the server too', async () => {
    const r = await runCliAsync(['ingest', '--server', server.url, '--index', 'books', '--field-map', FIELD_MAP, sample]);
    assert.equal(r.status, 3, r.stdout + r.stderr);
    assertSummary(r, { written: N, read: N + 2, failed: 2 });
  });

  test('the server keeps its file root: a file outside it is rejected (exit 2)', async () => {
    const outside = writeSample(makeTempDir('sluice-cli-outside-'));
    const r = await runCliAsync(['ingest', '--server', server.url, '--index', 'books', '--field-map', FIELD_MAP, outside]);
    assert.equal(r.status, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /file root/);
  });

  test('a task that FAILS on the server exits 1', async () => {
    const bad = join(server.importDir, 'bad.json.out');
    writeFileSync(bad, jsonl([{ id: 1, content: ['no vectors'] }]));
    const r = await runCliAsync(['ingest', '--server', server.url, '--index', 'books', '--field-map', FIELD_MAP, bad]);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^Task \S+ FAILED: /m);
  });

  test('an unreachable server exits 2 with a clear message', async () => {
    const r = await runCliAsync(['ingest', '--server', 'http://127.0.0.1:9', '--index', 'books', '--field-map', FIELD_MAP, sample]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /cannot reach sluice at http:\/\/127\.0\.0\.1:9/);
  });
});

// A file big enough that the ingest is still running when the test interrupts it.
async function writeBigSample(dir, n = 100000) {
  const path = join(dir, 'big.json.out');
  const out = createWriteStream(path);
  let chunk = '';
  for (let i = 0; i < n; i++) {
    const v = [i % 7, (i * 3) % 11, (i * 5) % 13, 1].map((x) => x / 13);
    chunk += `{"SageMakerOutput":[${JSON.stringify(v)},${JSON.stringify(v)}],"content":["c${i}","t${i}"],"id":${i}}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
  return path;
}

// Runs `sluice ingest`, sends SIGINT once a progress line shows written
// documents, and returns how it ended.
async function interruptWhileRunning(args) {
  const proc = spawn(sluiceBin(), ['ingest', '--progress-interval', '0.02', '--poll-interval', '0.02', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let sent = false;
  proc.stdout.setEncoding('utf8').on('data', (c) => { stdout += c; });
  proc.stderr.setEncoding('utf8').on('data', (c) => {
    stderr += c;
    if (!sent && /state=RUNNING .*documents_written=[1-9]/.test(stderr)) {
      sent = true;
      proc.kill('SIGINT');
    }
  });
  const [status] = await once(proc, 'exit');
  assert.ok(sent, `the ingest finished before it could be interrupted:\n${stderr}`);
  return { status, stdout, stderr };
}

describe('Ctrl-C', () => {
  const DIM4 = ['--dimension', '4', '--field', 'chapter_embedding', '--field', 'title_embedding'];
  const MAP4 = JSON.stringify({ chapter_embedding: '$.SageMakerOutput[0]', title_embedding: '$.SageMakerOutput[1]', _id: '$.id' });

  test('in-process, cancels the task and prints what was written (exit 1)', async () => {
    const dataDir = join(makeTempDir('sluice-cli-int-'), 'data');
    const big = await writeBigSample(makeTempDir('sluice-cli-big-'));
    assert.equal(runCli(['create-index', 'big', '--data-dir', dataDir, ...DIM4]).status, 0);
    const r = await interruptWhileRunning(['--data-dir', dataDir, '--index', 'big', '--field-map', MAP4, big]);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /cancelling task \S+/);
    assert.match(r.stdout, /^Task \S+ CANCELLED$/m);
    const written = Number(/documents written: (\d+)/.exec(r.stdout)[1]);
    assert.ok(written > 0 && written < 100000, r.stdout);
    // What was written stays, and the data dir opens again.
    const server = await startServer({ dataDir });
    try {
      assert.equal(await count(server.url, 'big'), written);
    } finally {
      await server.stop();
    }
  });

  test('with --server, stops following the task, which completes on the server (exit 130)', async () => {
    const server = await startIngestServer();
    try {
      const big = await writeBigSample(server.importDir);
      assert.equal((await runCliAsync(['create-index', 'big', '--server', server.url, ...DIM4])).status, 0);
      const r = await interruptWhileRunning(['--server', server.url, '--index', 'big', '--field-map', MAP4, big]);
      assert.equal(r.status, 130, r.stdout + r.stderr);
      const taskId = /stopped following task (\S+);/.exec(r.stderr)[1];
      const task = await waitTask(server.url, taskId, { timeoutMs: 120000 });
      assert.equal(task.state, 'COMPLETED');
      assert.equal(await count(server.url, 'big'), 100000);
    } finally {
      await server.stop();
    }
  });
});
