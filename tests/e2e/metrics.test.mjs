// GET /_prometheus/metrics, read with a real Prometheus text-format parser:
// HTTP requests by route pattern and status with a latency histogram, ingest
// counters (records read/failed, documents written, bytes per source type),
// tasks by state, documents and vector graph sizes per index — and that they
// move after an ingest. Also the access log: one line per request, no bodies.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { createIndex, ingestAndWait, sagemakerRecords, seedIndexBody, seedSingleFileRequest,
  startIngestServer, writeJsonl } from './lib/ingest.mjs';
import { request } from './lib/http.mjs';

const parsePrometheusTextFormat = createRequire(import.meta.url)('parse-prometheus-text-format');

const DIM = 16;
const N = 40;

let server;
before(async () => { server = await startIngestServer(); });
after(() => server.stop());

async function scrape() {
  const res = await request(server.url, { path: '/_prometheus/metrics' });
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/);
  const families = parsePrometheusTextFormat(res.text);
  // The parser folds a histogram's series into one and drops their labels when
  // there are several (its flattenMetrics handles unlabelled histograms only),
  // so the _bucket/_sum/_count series are read again as untyped families.
  const untyped = parsePrometheusTextFormat(res.text.replace(/^# TYPE (\S+) histogram$/gm, '# TYPE $1 untyped'));
  return Object.fromEntries([...untyped, ...families].map((f) => [f.name, f]));
}

// The value of the one series of `family` whose labels include `labels` (0 when absent).
function value(families, name, labels = {}) {
  const family = families[name];
  if (!family) return 0;
  const matching = family.metrics.filter((m) =>
    Object.entries(labels).every(([k, v]) => (m.labels ?? {})[k] === v));
  assert.ok(matching.length <= 1, `${name} ${JSON.stringify(labels)} is ambiguous`);
  return matching.length ? Number(matching[0].value ?? matching[0].count) : 0;
}

test('metrics are valid Prometheus text with typed families', async () => {
  await request(server.url, { path: '/' });
  const m = await scrape();
  assert.equal(m.sluice_http_requests_total.type, 'COUNTER');
  assert.equal(m.sluice_http_request_duration_seconds.type, 'HISTOGRAM');
  assert.equal(m.sluice_tasks.type, 'GAUGE');
  for (const state of ['CREATED', 'RUNNING', 'COMPLETED', 'COMPLETED_WITH_ERROR', 'FAILED', 'CANCELLED']) {
    assert.equal(value(m, 'sluice_tasks', { state }), 0, state);
  }
  assert.equal(value(m, 'sluice_http_requests_total', { method: 'GET', route: '/', status: '200' }), 1);
});

test('counters move after an ingest: records, documents, bytes, tasks, index and graph sizes', async () => {
  const before = await scrape();
  await createIndex(server.url, 'metered', seedIndexBody(DIM));
  const records = [...sagemakerRecords(N, DIM, 3), { id: 'bad', content: ['no vectors'] }];
  const file = writeJsonl(join(server.importDir, 'metered.json.out'), records);
  const { task } = await ingestAndWait(server.url, seedSingleFileRequest('metered', file, 'file'));
  assert.equal(task.state, 'COMPLETED_WITH_ERROR');  // the bad record failed
  const m = await scrape();

  const delta = (name, labels) => value(m, name, labels) - value(before, name, labels);
  assert.equal(delta('sluice_ingest_records_read_total'), N + 1);
  assert.equal(delta('sluice_ingest_records_failed_total'), 1);
  assert.equal(delta('sluice_ingest_documents_written_total'), N);
  assert.equal(delta('sluice_ingest_bytes_read_total', { source_type: 'file' }), task.ingest_status.bytes_total);
  assert.equal(value(m, 'sluice_tasks', { state: 'COMPLETED_WITH_ERROR' }), 1);
  assert.equal(delta('sluice_ingest_tasks_finished_total', { state: 'COMPLETED_WITH_ERROR' }), 1);
  assert.equal(value(m, 'sluice_index_documents', { index: 'metered' }), N);
  assert.ok(value(m, 'sluice_index_stored_bytes', { index: 'metered' }) > 0);
  for (const field of ['chapter_embedding', 'title_embedding']) {
    assert.equal(value(m, 'sluice_vector_index_vectors', { index: 'metered', field }), N);
    assert.ok(value(m, 'sluice_vector_index_memory_bytes', { index: 'metered', field }) >= N * DIM * 4);
  }
  // HTTP: labelled by route pattern, not by raw path, with a latency histogram.
  assert.equal(delta('sluice_http_requests_total',
    { method: 'POST', route: '/_plugins/_ml/_batch_ingestion', status: '200' }), 1);
  assert.equal(delta('sluice_http_requests_total', { method: 'PUT', route: '/{index}', status: '200' }), 1);
  assert.ok(delta('sluice_http_requests_total',
    { method: 'GET', route: '/_plugins/_ml/tasks/{task_id}', status: '200' }) >= 1);
  const put = { method: 'PUT', route: '/{index}' };
  assert.equal(delta('sluice_http_request_duration_seconds_count', put), 1);
  assert.equal(delta('sluice_http_request_duration_seconds_bucket', { ...put, le: '+Inf' }), 1);
  assert.ok(delta('sluice_http_request_duration_seconds_sum', put) > 0);
  // Buckets are cumulative: each le holds at least what the smaller ones hold.
  const buckets = m.sluice_http_request_duration_seconds_bucket.metrics
    .filter((s) => s.labels.method === 'PUT' && s.labels.route === '/{index}')
    .map((s) => [s.labels.le === '+Inf' ? Infinity : Number(s.labels.le), Number(s.value)]);
  assert.equal(buckets.length, 14);
  for (let i = 1; i < buckets.length; i++) {
    assert.ok(buckets[i][0] > buckets[i - 1][0] && buckets[i][1] >= buckets[i - 1][1], JSON.stringify(buckets));
  }
});

test('unknown paths share one bounded label and errors are counted by status', async () => {
  const before = await scrape();
  for (const path of ['/a/b/c/d/e/f', '/x/y/z/w/v/u', '/nope/_search/extra/parts/here/too']) {
    const res = await request(server.url, { path });
    assert.equal(res.status, 400);
  }
  await request(server.url, { path: '/missing-index/_doc/1' });
  await request(server.url, { method: 'PURGE', path: '/' });
  const m = await scrape();
  const delta = (labels) =>
    value(m, 'sluice_http_requests_total', labels) - value(before, 'sluice_http_requests_total', labels);
  assert.equal(delta({ method: 'GET', route: 'unmatched', status: '400' }), 3);
  assert.equal(delta({ method: 'GET', route: '/{index}/_doc/{id}', status: '404' }), 1);
  assert.equal(delta({ method: 'other', route: 'unmatched' }) + delta({ method: 'other', route: '/' }), 1);
  const methods = new Set(m.sluice_http_requests_total.metrics.map((s) => s.labels.method));
  assert.ok(!methods.has('PURGE'), [...methods].join(' '));
  const routes = new Set(m.sluice_http_requests_total.metrics.map((s) => s.labels.route));
  assert.ok(![...routes].some((r) => r.includes('missing-index') || r.includes('/a/b')), [...routes].join(' '));
});

test('the access log has one line per request, without bodies', async () => {
  const marker = 'body-text-that-must-not-be-logged';
  await request(server.url, { method: 'PUT', path: '/logged/_doc/1?refresh=true', json: { text: marker } });
  // The line is written once the response is on the wire, so it may trail the response a little.
  const logged = () => server.logs().split('\n').filter((l) => l.includes('http method=PUT path=/logged/_doc/1'));
  for (let i = 0; i < 100 && logged().length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  const lines = logged();
  assert.equal(lines.length, 1, server.logs());
  assert.match(lines[0], /\[info\] http method=PUT path=\/logged\/_doc\/1 status=201 bytes=\d+ duration_ms=[\d.]+/);
  assert.ok(!server.logs().includes(marker));
});
