// Record-level rules of batch ingestion (sluice's documented behaviour, where
// ml-commons fails the whole task): blank lines are skipped, a bad record
// (invalid JSON, not an object, no id, no vector, rejected by the index) fails
// alone and is reported with its source, location and line, the task still
// COMPLETES with everything else written; unmapped fields and mapped fields
// without value are null; without an _id path ids are "<task>-<object>-<line>";
// multi-source joins report records with a missing join id and incomplete joins.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { allDocs, createIndex, ingestAndWait, startIngestServer, writeJsonl } from './lib/ingest.mjs';

let server;

function indexBody(extra = {}) {
  return {
    settings: { 'index.knn': true },
    mappings: {
      properties: {
        text: { type: 'text' },
        tag: { type: 'keyword' },
        n: { type: 'long' },
        vec: { type: 'knn_vector', dimension: 3, method: { name: 'hnsw', engine: 'nmslib', space_type: 'l2' } },
        ...extra,
      },
    },
  };
}

before(async () => {
  server = await startIngestServer();
});

after(async () => {
  await server?.stop();
});

function file(name, text) {
  const path = join(server.importDir, name);
  writeFileSync(path, text);
  return path;
}

function request(index, source, fieldMap, ingestFields = []) {
  return { index_name: index, field_map: fieldMap, ingest_fields: ingestFields, data_source: { type: 'file', source } };
}

describe('one source', () => {
  test('bad records fail alone with source, location, line and reason; blank and CRLF lines are fine', async () => {
    await createIndex(server.url, 'rec', indexBody());
    const lines = [
      '{"id":"a","t":"alpha","v":[1,0,0],"n":1}', //       1 ok
      '', //                                                2 blank: skipped, not a record
      '   \t ', //                                          3 blank
      '{"id":"b","t":"beta","v":[0,1,0]', //                4 invalid JSON
      '[1,2,3]', //                                         5 not an object
      '{"t":"no id","v":[0,0,1]}', //                       6 no _id
      '{"id":{"x":1},"t":"object id","v":[0,0,1]}', //      7 _id not a scalar
      '{"id":"c","t":"no vector"}', //                      8 knn_vector path selects nothing
      '{"id":"d","t":"wrong dim","v":[1,2]}', //            9 rejected by the index mapping
      '{"id":"e","v":[2,0,0],"n":5}', //                    10 ok, t missing → text null
      '{"id":7,"t":"numeric id","v":[3,0,0],"n":"x"}', //   11 n not a long → rejected by the index
      '{"id":8,"t":"numeric id","v":[3,0,0]}', //           12 ok, id 8
    ];
    const path = file('records.jsonl', lines.join('\r\n') + '\r\n\r\n');
    const { task } = await ingestAndWait(server.url, request('rec', [path], { _id: '$.id', text: '$.t', vec: '$.v', n: '$.n' }));
    assert.equal(task.state, 'COMPLETED_WITH_ERROR', JSON.stringify(task));
    assert.match(task.error, /^7 of 10 records failed: /);
    const p = task.ingest_status;
    assert.equal(p.records_read, 10, 'blank lines are not records');
    assert.equal(p.documents_written, 3);
    assert.equal(p.records_failed, 7);
    const byLine = new Map(p.failures.map((f) => [f.line, f]));
    assert.deepEqual([...byLine.keys()].sort((a, b) => a - b), [4, 5, 6, 7, 8, 9, 11]);
    for (const f of p.failures) {
      assert.equal(f.source, 0);
      assert.equal(f.location, path);
      assert.equal(typeof f.reason, 'string');
      assert.ok(f.reason.length > 0);
    }
    assert.match(byLine.get(4).reason, /JSON/i);
    assert.match(byLine.get(5).reason, /object/i);
    assert.match(byLine.get(6).reason, /_id/);
    assert.match(byLine.get(7).reason, /_id/);
    assert.match(byLine.get(8).reason, /vec/);
    assert.match(byLine.get(9).reason, /dimension|vec/i);
    assert.match(byLine.get(11).reason, /\bn\b|long|number/i);

    const { docs } = await allDocs(server.url, 'rec');
    assert.deepEqual([...docs.keys()].sort(), ['8', 'a', 'e']);
    assert.deepEqual(docs.get('a'), { text: 'alpha', vec: [1, 0, 0], n: 1, tag: null });
    assert.deepEqual(docs.get('e'), { text: null, vec: [2, 0, 0], n: 5, tag: null });
    assert.deepEqual(docs.get('8'), { text: 'numeric id', vec: [3, 0, 0], n: null, tag: null });
  });

  test('failures lists the first ten; records_failed counts them all', async () => {
    await createIndex(server.url, 'many-bad', indexBody());
    const lines = [];
    for (let i = 0; i < 30; i++) lines.push(i % 2 ? `{"id":${i},"v":[${i},0,0]}` : `not json ${i}`);
    const path = file('many-bad.jsonl', lines.join('\n'));  // no trailing newline: the last line counts
    const { task } = await ingestAndWait(server.url, request('many-bad', [path], { _id: '$.id', vec: '$.v' }));
    assert.equal(task.state, 'COMPLETED_WITH_ERROR');
    assert.match(task.error, /^15 of 30 records failed: .*many-bad\.jsonl:1: invalid JSON.*; \.\.\.$/);
    assert.equal(task.ingest_status.records_read, 30);
    assert.equal(task.ingest_status.records_failed, 15);
    assert.equal(task.ingest_status.documents_written, 15);
    assert.deepEqual(task.ingest_status.failures.map((f) => f.line), [1, 3, 5, 7, 9, 11, 13, 15, 17, 19]);
  });

  test('without an _id path, ids are <task_id>-<object>-<line> and values keep their JSON types', async () => {
    await createIndex(server.url, 'noid', indexBody({ obj: { type: 'object' }, arr: { type: 'long' } }));
    const path = writeJsonl(join(server.importDir, 'noid.jsonl'), [
      { v: [1, 1, 1], o: { k: 'x', deep: { y: 2, z: [1, 2] } }, a: [5, 6], t: 'é ☃ "q"' },
      '',
      { v: [2, 2, 2], o: null, a: [] },
    ]);
    const { taskId, task } = await ingestAndWait(server.url, request('noid', [path], { vec: '$.v', obj: '$.o', arr: '$.a[*]', text: '$.t' }));
    assert.equal(task.state, 'COMPLETED', JSON.stringify(task));
    const { docs } = await allDocs(server.url, 'noid');
    assert.deepEqual([...docs.keys()].sort(), [`${taskId}-0-1`, `${taskId}-0-3`]);
    assert.deepEqual(docs.get(`${taskId}-0-1`), { vec: [1, 1, 1], obj: { k: 'x', deep: { y: 2, z: [1, 2] } }, arr: [5, 6], text: 'é ☃ "q"', tag: null, n: null });
    assert.deepEqual(docs.get(`${taskId}-0-3`), { vec: [2, 2, 2], obj: null, arr: [], text: null, tag: null, n: null });
  });

  test('an empty file completes with nothing written', async () => {
    await createIndex(server.url, 'empty', indexBody());
    const path = file('empty.jsonl', '');
    const { task } = await ingestAndWait(server.url, request('empty', [path], { _id: '$.id', vec: '$.v' }));
    assert.equal(task.state, 'COMPLETED');
    assert.equal(task.ingest_status.records_read, 0);
    assert.equal(task.ingest_status.documents_written, 0);
  });
});

describe('several sources', () => {
  test('a missing join id fails that record; ids in only some sources are incomplete joins', async () => {
    await createIndex(server.url, 'join', indexBody());
    const s0 = writeJsonl(join(server.importDir, 'j0.jsonl'), [
      { cid: 'x1', v: [1, 0, 0] },
      { cid: 'x2', v: [0, 1, 0] },
      { v: [0, 0, 1] }, //            line 3: no join id in source 0
      { cid: 'x4', v: [1, 1, 0] }, // only in source 0
    ]);
    const s1 = writeJsonl(join(server.importDir, 'j1.jsonl'), [
      { cid: 'x2', t: 'two' },
      { t: 'orphan' }, //             line 2: no join id in source 1
      { cid: 'x1', t: 'one' },
      { cid: 'x9', t: 'nine' }, //    only in source 1
    ]);
    const s2 = writeJsonl(join(server.importDir, 'j2.jsonl'), [{ tag: 'p1' }, { tag: 'p2' }, { tag: 'p3' }, { tag: 'p4' }, { tag: 'p5' }]);
    const { task } = await ingestAndWait(
      server.url,
      request('join', [s0, s1, s2], { _id: ['source[0].$.cid', 'source[1].$.cid'], vec: 'source[0].$.v', text: 'source[1].$.t' },
        ['source[2].$.tag']),
    );
    assert.equal(task.state, 'COMPLETED_WITH_ERROR', JSON.stringify(task));
    assert.match(task.error, /^4 of 13 records failed: /);
    const p = task.ingest_status;
    assert.equal(p.records_read, 13);
    const failures = p.failures.map((f) => `${f.source}:${f.line}`).sort();
    // source 0 line 3 has no id; source 1 line 2 has no id; source 2 (joined by position with
    // source 1, the closest preceding source with an _id path) line 2 pairs with source 1's
    // record 2 (no id), source 2 line 5 has no source 1 record at its position.
    assert.deepEqual(failures, ['0:3', '1:2', '2:2', '2:5'], JSON.stringify(p.failures));
    for (const f of p.failures) assert.match(f.reason, /_id|position|join/i, f.reason);
    assert.equal(p.failures.find((f) => f.source === 1).location, s1);
    assert.equal(p.incomplete_joins, 2);
    assert.deepEqual([...p.incomplete_join_ids].sort(), ['x4', 'x9']);

    const { docs } = await allDocs(server.url, 'join');
    assert.deepEqual(docs.get('x1'), { vec: [1, 0, 0], text: 'one', tag: 'p3', n: null });
    assert.deepEqual(docs.get('x2'), { vec: [0, 1, 0], text: 'two', tag: 'p1', n: null });
    assert.deepEqual(docs.get('x4'), { vec: [1, 1, 0], text: null, tag: null, n: null });
    // x9 has no vector (source 0 never saw it): written with a null vector, like any unmapped field.
    assert.deepEqual(docs.get('x9'), { vec: null, text: 'nine', tag: 'p4', n: null });
    assert.equal(docs.size, 4);
    assert.equal(p.documents_written, 4);
  });

  test('a later source overrides a same-named field of an earlier one', async () => {
    await createIndex(server.url, 'override', indexBody());
    const a = writeJsonl(join(server.importDir, 'o0.jsonl'), [{ id: 1, v: [1, 2, 3], t: 'from 0' }]);
    const b = writeJsonl(join(server.importDir, 'o1.jsonl'), [{ id: 1, t: 'from 1' }]);
    const { task } = await ingestAndWait(server.url,
      request('override', [a, b], { _id: ['source[0].$.id', 'source[1].$.id'], vec: 'source[0].$.v' }, ['source[0].$.t', 'source[1].$.t']));
    assert.equal(task.state, 'COMPLETED', JSON.stringify(task));
    const { docs } = await allDocs(server.url, 'override');
    assert.equal(docs.get('1').t, 'from 1');
  });
});
