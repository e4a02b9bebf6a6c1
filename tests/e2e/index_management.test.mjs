// Index management through the official opensearch-js client: by-query
// operations (deleteByQuery of failed records, updateByQuery with the Painless
// subset, reindex with a query, wait_for_completion=false tasks), index
// templates applied on creation (explicit and automatic), PUT _settings,
// close/open and _stats — with OpenSearch's response shapes and errors, and
// their state surviving a restart; alias filters applied to what is
// searched, counted and deleted through the alias.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';

import { createClient } from './lib/client.mjs';
import { makeTempDir, startServer } from './lib/server.mjs';

let server;
let client;
const dataDir = makeTempDir('sluice-e2e-index-mgmt-');

before(async () => {
  server = await startServer({ dataDir });
  client = createClient(server.url);
});

after(async () => {
  await client?.close();
  await server?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function load(index, docs) {
  await client.indices.create({ index, body: { settings: { number_of_replicas: 0 } } });
  await client.bulk({
    refresh: true,
    body: docs.flatMap((d, i) => [{ index: { _index: index, _id: String(i) } }, d]),
  });
}

async function count(index, query) {
  const { body } = await client.count({ index, body: query ? { query } : undefined });
  return body.count;
}

const BY_SCROLL_KEYS = [
  'took', 'timed_out', 'total', 'updated', 'created', 'deleted', 'batches', 'version_conflicts',
  'noops', 'retries', 'throttled_millis', 'requests_per_second', 'throttled_until_millis',
  'failures',
];

test('deleteByQuery removes the failed records and answers as BulkByScrollResponse', async () => {
  await load('records', [
    { status: 'ok', n: 1 }, { status: 'failed', n: 2 }, { status: 'ok', n: 3 },
    { status: 'failed', n: 4 }, { status: 'failed', n: 5 },
  ]);
  const { body } = await client.deleteByQuery({
    index: 'records',
    body: { query: { term: { status: 'failed' } } },
    scroll_size: 2,
  });
  assert.deepEqual(Object.keys(body).sort(), [...BY_SCROLL_KEYS].sort());
  assert.equal(body.total, 3);
  assert.equal(body.deleted, 3);
  assert.equal(body.batches, 2);
  assert.equal(body.version_conflicts, 0);
  assert.deepEqual(body.retries, { bulk: 0, search: 0 });
  assert.deepEqual(body.failures, []);
  assert.equal(await count('records'), 2);
  assert.equal(await count('records', { term: { status: 'failed' } }), 0);

  // max_docs bounds the operation.
  const bounded = await client.deleteByQuery({
    index: 'records', body: { query: { match_all: {} }, max_docs: 1 },
  });
  assert.equal(bounded.body.deleted, 1);
  assert.equal(await count('records'), 1);

  // A missing index is OpenSearch's 404.
  await assert.rejects(
    client.deleteByQuery({ index: 'nope', body: { query: { match_all: {} } } }),
    (err) => err.meta.statusCode === 404 &&
      err.meta.body.error.type === 'index_not_found_exception',
  );
});

test('updateByQuery rewrites documents and runs the one-line Painless forms', async () => {
  await load('people', [{ name: 'a', tier: 'free' }, { name: 'b', tier: 'free' },
    { name: 'c', tier: 'paid' }]);
  const { body } = await client.updateByQuery({
    index: 'people',
    body: {
      query: { term: { tier: 'free' } },
      script: { source: "ctx._source.tier = params.t; ctx._source.remove('name')", params: { t: 'trial' } },
    },
  });
  assert.equal(body.updated, 2);
  assert.equal(body.total, 2);
  assert.equal(await count('people', { term: { tier: 'trial' } }), 2);
  const doc = await client.get({ index: 'people', id: '0' });
  assert.deepEqual(doc.body._source, { tier: 'trial' });
  assert.equal(doc.body._version, 2);

  // Without a script every matching document is written again.
  const all = await client.updateByQuery({ index: 'people', conflicts: 'proceed' });
  assert.equal(all.body.updated, 3);

  // Painless beyond the subset is a clear 400, and nothing is changed.
  await assert.rejects(
    client.updateByQuery({
      index: 'people',
      body: { script: { source: 'if (ctx._source.tier == "paid") { ctx._source.x = 1 }' } },
    }),
    (err) => err.meta.statusCode === 400 &&
      err.meta.body.error.type === 'illegal_argument_exception' &&
      /Painless/.test(err.meta.body.error.reason),
  );
  assert.equal((await client.get({ index: 'people', id: '2' })).body._version, 2);
});

test('reindex copies the documents a query selects, with _source selection and op_type', async () => {
  await load('src', [{ k: 'x', v: 1, junk: 'j' }, { k: 'y', v: 2, junk: 'j' }, { k: 'x', v: 3, junk: 'j' }]);
  const { body } = await client.reindex({
    refresh: true,
    body: {
      source: { index: 'src', query: { term: { k: 'x' } }, _source: ['k', 'v'] },
      dest: { index: 'dst' },
    },
  });
  assert.equal(body.created, 2);
  assert.equal(body.total, 2);
  assert.equal(await count('dst'), 2);
  const copied = await client.get({ index: 'dst', id: '2' });
  assert.deepEqual(copied.body._source, { k: 'x', v: 3 });

  // op_type create: existing documents are version conflicts; proceed counts them.
  const again = await client.reindex({
    body: { conflicts: 'proceed', source: { index: 'src' }, dest: { index: 'dst', op_type: 'create' } },
  });
  assert.equal(again.body.version_conflicts, 2);
  assert.equal(again.body.created, 1);
  // ...and without proceed they are failures in OpenSearch's shape, with a 409.
  await assert.rejects(
    client.reindex({ body: { source: { index: 'src' }, dest: { index: 'dst', op_type: 'create' } } }),
    (err) => err.meta.statusCode === 409 &&
      err.meta.body.failures[0].cause.type === 'version_conflict_engine_exception' &&
      err.meta.body.failures[0].status === 409,
  );
  await assert.rejects(
    client.reindex({ body: { source: { index: 'src' } } }),
    (err) => err.meta.statusCode === 400 &&
      err.meta.body.error.type === 'action_request_validation_exception',
  );
});

test('wait_for_completion=false returns a task that GET _tasks reports when done', async () => {
  await load('bg', [{ a: 1 }, { a: 2 }]);
  const { body } = await client.deleteByQuery({
    index: 'bg', wait_for_completion: false, body: { query: { match_all: {} } },
  });
  assert.match(body.task, /^.+:.+$/);
  let task;
  for (;;) {
    task = (await client.tasks.get({ task_id: body.task, wait_for_completion: true })).body;
    if (task.completed) break;
  }
  assert.equal(task.task.action, 'indices:data/write/delete/byquery');
  assert.equal(task.response.deleted, 2);
  assert.equal(task.task.status.deleted, 2);
  assert.equal(await count('bg'), 0);
});

test('templates apply on creation: composable by priority, components, legacy, automatic', async () => {
  await client.cluster.putComponentTemplate({
    name: 'vectors',
    body: { template: { mappings: { properties: { title: { type: 'keyword' } } } } },
  });
  await client.indices.putIndexTemplate({
    name: 'logs-low',
    body: { index_patterns: ['logs-*'], priority: 1, template: { settings: { number_of_replicas: 2 } } },
  });
  await client.indices.putIndexTemplate({
    name: 'logs',
    body: {
      index_patterns: ['logs-*'], priority: 10, composed_of: ['vectors'],
      template: { settings: { number_of_replicas: 0 }, aliases: { 'all-logs': {} } },
    },
  });
  await client.indices.putTemplate({
    name: 'legacy', body: { index_patterns: ['old-*'], order: 1, settings: { number_of_replicas: 0 } },
  });
  // Automatic creation by the first write goes through the templates too.
  await client.index({ index: 'logs-2026', id: '1', body: { title: 't' }, refresh: true });
  const got = (await client.indices.get({ index: 'logs-2026' })).body['logs-2026'];
  assert.equal(got.settings.index.number_of_replicas, '0');
  assert.deepEqual(got.mappings.properties.title, { type: 'keyword' });
  assert.deepEqual(got.aliases, { 'all-logs': {} });
  assert.equal(await count('all-logs'), 1);
  await client.indices.create({ index: 'old-1' });
  const old = (await client.indices.getSettings({ index: 'old-1' })).body['old-1'];
  assert.equal(old.settings.index.number_of_replicas, '0');

  const listed = (await client.indices.getIndexTemplate({ name: 'logs' })).body;
  assert.equal(listed.index_templates[0].name, 'logs');
  assert.deepEqual(listed.index_templates[0].index_template.composed_of, ['vectors']);
  assert.equal((await client.indices.existsTemplate({ name: 'legacy' })).statusCode, 200);
  await assert.rejects(
    client.cluster.deleteComponentTemplate({ name: 'vectors' }),
    (err) => err.meta.statusCode === 400 && /still in use/.test(err.meta.body.error.reason),
  );
  await assert.rejects(
    client.indices.putIndexTemplate({ name: 'bad', body: { index_patterns: ['x'], composed_of: ['missing'] } }),
    (err) => err.meta.statusCode === 400 && /that do not exist/.test(err.meta.body.error.reason),
  );
  await client.indices.deleteIndexTemplate({ name: 'logs' });
  await assert.rejects(client.indices.getIndexTemplate({ name: 'logs' }),
    (err) => err.meta.statusCode === 404 && err.meta.body.error.type === 'resource_not_found_exception');
});

test('PUT _settings changes dynamic settings and refuses static ones on an open index', async () => {
  await client.indices.create({ index: 'tuned', body: { settings: { number_of_replicas: 0 } } });
  await client.indices.putSettings({
    index: 'tuned', body: { index: { refresh_interval: '-1', max_result_window: 50 } },
  });
  const s = (await client.indices.getSettings({ index: 'tuned', flat_settings: true })).body;
  assert.equal(s.tuned.settings['index.refresh_interval'], '-1');
  assert.equal(s.tuned.settings['index.max_result_window'], '50');
  await assert.rejects(
    client.search({ index: 'tuned', body: { from: 45, size: 10 } }),
    (err) => err.meta.statusCode === 400,
  );
  await assert.rejects(
    client.indices.putSettings({ index: 'tuned', body: { number_of_shards: 3 } }),
    (err) => err.meta.statusCode === 400 &&
      err.meta.body.error.reason === 'final index setting [index.number_of_shards], not updateable',
  );
  await assert.rejects(
    client.indices.putSettings({ index: 'tuned', body: { 'index.codec': 'best_compression' } }),
    (err) => err.meta.statusCode === 400 &&
      /^Can't update non dynamic settings \[\[index.codec\]\] for open indices/.test(err.meta.body.error.reason),
  );
  // null resets to the default.
  await client.indices.putSettings({ index: 'tuned', body: { index: { max_result_window: null } } });
  const reset = (await client.indices.getSettings({ index: 'tuned', flat_settings: true })).body;
  assert.equal(reset.tuned.settings['index.max_result_window'], undefined);
});

test('a closed index refuses reads and writes, keeps its data, and reopens', async () => {
  await load('archive', [{ a: 1 }, { a: 2 }]);
  const closed = (await client.indices.close({ index: 'archive' })).body;
  assert.deepEqual(closed.indices, { archive: { closed: true } });
  for (const call of [
    () => client.search({ index: 'archive' }),
    () => client.index({ index: 'archive', body: { a: 3 } }),
    () => client.get({ index: 'archive', id: '0' }),
  ]) {
    await assert.rejects(call(), (err) => err.meta.statusCode === 400 &&
      err.meta.body.error.type === 'index_closed_exception' && err.meta.body.error.index === 'archive');
  }
  // Wildcard searches skip it; its settings stay readable.
  await client.search({ index: '*' });
  assert.ok((await client.indices.getSettings({ index: 'archive' })).body.archive);

  // Closed state, settings and templates survive a restart.
  await client.indices.putSettings({ index: 'archive', body: { number_of_replicas: 0 } });
  await client.close();
  await server.stop();
  server = await startServer({ dataDir });
  client = createClient(server.url);
  await assert.rejects(client.search({ index: 'archive' }),
    (err) => err.meta.body.error.type === 'index_closed_exception');
  assert.equal((await client.indices.existsTemplate({ name: 'legacy' })).statusCode, 200);
  await client.indices.open({ index: 'archive' });
  assert.equal(await count('archive'), 2);
  const stats = (await client.indices.stats({ index: 'archive' })).body;
  assert.equal(stats.indices.archive.primaries.docs.count, 2);
  assert.ok(stats.indices.archive.primaries.store.size_in_bytes > 0);
  assert.equal(stats._all.total.docs.count, 2);
});

test('a filtered alias shows only its documents to search, count, msearch and deleteByQuery', async () => {
  await load('events', [{ kind: 'click', n: 1 }, { kind: 'view', n: 2 }, { kind: 'click', n: 3 }]);
  await client.indices.putAlias({
    index: 'events', name: 'clicks', body: { filter: { term: { kind: 'click' } }, routing: '1' },
  });
  assert.equal(await count('clicks'), 2);
  assert.equal(await count('events'), 3);
  // Named both directly and through the alias: unfiltered, as OpenSearch.
  assert.equal(await count('events,clicks'), 3);
  const hits = (await client.search({ index: 'clicks', body: { aggs: { n: { sum: { field: 'n' } } } } })).body;
  assert.equal(hits.hits.total.value, 2);
  assert.equal(hits.aggregations.n.value, 4);
  const ms = (await client.msearch({ body: [{ index: 'clicks' }, { query: { match_all: {} } }] })).body;
  assert.equal(ms.responses[0].hits.total.value, 2);
  const del = (await client.deleteByQuery({ index: 'clicks', body: { query: { match_all: {} } } })).body;
  assert.equal(del.deleted, 2);
  assert.equal(await count('events'), 1);
});

test('fieldCaps merges field types across indices, as Dashboards reads index patterns', async () => {
  await client.indices.create({ index: 'fc-1', body: { mappings: { properties: {
    title: { type: 'text', fields: { raw: { type: 'keyword' } } }, n: { type: 'long', meta: { unit: 'ms' } },
  } } } });
  await client.indices.create({ index: 'fc-2', body: { mappings: { properties: { n: { type: 'keyword' } } } } });
  const { body } = await client.fieldCaps({ index: 'fc-*', fields: 'title*,n,_id' });
  assert.deepEqual(body.indices, ['fc-1', 'fc-2']);
  assert.deepEqual(body.fields.title, { text: { type: 'text', searchable: true, aggregatable: false } });
  assert.deepEqual(body.fields['title.raw'].keyword, { type: 'keyword', searchable: true, aggregatable: true });
  assert.deepEqual(body.fields.n.long, {
    type: 'long', searchable: true, aggregatable: true, indices: ['fc-1'], meta: { unit: ['ms'] },
  });
  assert.deepEqual(body.fields.n.keyword.indices, ['fc-2']);
  assert.equal(body.fields._id._id.aggregatable, true);
  await assert.rejects(client.fieldCaps({ index: 'fc-*' }),
    (err) => err.meta.statusCode === 400 &&
      err.meta.body.error.type === 'action_request_validation_exception');
});
