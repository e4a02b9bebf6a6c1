// Joins that cannot silently go wrong: the seed's three-file OpenAI request
// verbatim, with the batch output file in shuffled order (OpenAI does not keep
// input order) and a metadata file in input order. source[2] has no _id path,
// so it is joined by position with source[1] (the closest preceding source
// with one). When its records carry custom_id, every pairing is checked: a
// misaligned metadata file gives mismatch counts and failed records naming
// both ids, never wrong values on documents.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';

import {
  allDocs,
  createIndex,
  ingestAndWait,
  openaiRecords,
  seedThreeFileRequest,
  shuffled,
  startIngestServer,
  writeJsonl,
} from './lib/ingest.mjs';

const N = 40;
const DIM = 8;
const openai = openaiRecords(N, DIM, 31);
const outputOrder = shuffled(openai.output, 32);
const inputOrder = openai.input;  // the input file is in request order

function indexBody() {
  const vector = { type: 'knn_vector', dimension: DIM, method: { engine: 'nmslib', space_type: 'l2', name: 'hnsw' } };
  return {
    settings: { 'index.knn': true },
    mappings: {
      properties: {
        question: { type: 'text' },
        answer: { type: 'text' },
        question_embedding: vector,
        answer_embedding: vector,
        custom_field1: { type: 'keyword' },
        custom_field2: { type: 'long' },
      },
    },
  };
}

let server;
before(async () => {
  server = await startIngestServer();
  writeJsonl(join(server.importDir, 'output.jsonl'), outputOrder);
  writeJsonl(join(server.importDir, 'input.jsonl'), inputOrder);
  // Metadata in input order, carrying the custom_id of the line it belongs to.
  writeJsonl(
    join(server.importDir, 'meta.jsonl'),
    inputOrder.map((r, n) => ({ custom_id: r.custom_id, custom_field1: `meta of ${r.custom_id}`, custom_field2: n })),
  );
  // The same, with lines 5 and 6 swapped and line 20 naming another request.
  const misaligned = inputOrder.map((r, n) => ({ custom_id: r.custom_id, custom_field1: `meta of ${r.custom_id}`, custom_field2: n }));
  [misaligned[4], misaligned[5]] = [misaligned[5], misaligned[4]];
  misaligned[19] = { ...misaligned[19], custom_id: 'request-999' };
  writeJsonl(join(server.importDir, 'meta_misaligned.jsonl'), misaligned);
});
after(async () => server?.stop());

async function ingest(index, metaFile) {
  await createIndex(server.url, index, indexBody());
  const body = seedThreeFileRequest(
    index,
    ['output.jsonl', 'input.jsonl', metaFile].map((f) => join(server.importDir, f)),
    'file',
  );
  return ingestAndWait(server.url, body);
}

function joinOf(task, n) {
  return task.ingest_status.sources[n].join;
}

describe('the seed three-file example with a shuffled output file', () => {
  test('metadata in input order with custom_id: every pairing checked, every field on the right document', async () => {
    const { task } = await ingest('joins-aligned', 'meta.jsonl');
    assert.equal(task.state, 'COMPLETED', JSON.stringify(task));
    assert.equal(task.ingest_status.records_failed, 0);
    assert.deepEqual(joinOf(task, 0), { mode: 'by_id', joined: N, incomplete: 0, mismatched: 0 });
    assert.deepEqual(joinOf(task, 1), { mode: 'by_id', joined: N, incomplete: 0, mismatched: 0 });
    assert.deepEqual(joinOf(task, 2), {
      mode: 'by_position', by_position_with: 1, checked_by: 'custom_id', joined: N, incomplete: 0, mismatched: 0,
    });
    const { docs } = await allDocs(server.url, 'joins-aligned');
    assert.equal(docs.size, N);
    for (let i = 0; i < N; i++) {
      const id = openai.ids[i];
      const doc = docs.get(id);
      assert.equal(doc.question, openai.input[i].body.input[0], id);
      assert.deepEqual(doc.question_embedding.map((v) => Math.fround(v)), openai.output[i].response.body.data[0].embedding.map((v) => Math.fround(v)));
      assert.equal(doc.custom_field1, `meta of ${id}`);
      assert.equal(doc.custom_field2, i);
    }
  });

  test('a misaligned metadata file: mismatches counted and reported with both ids, no wrong values', async () => {
    const { task } = await ingest('joins-misaligned', 'meta_misaligned.jsonl');
    assert.equal(task.ingest_status.records_failed, 3, JSON.stringify(task.ingest_status));
    assert.deepEqual(joinOf(task, 2), {
      mode: 'by_position', by_position_with: 1, checked_by: 'custom_id', joined: N - 3, incomplete: 0, mismatched: 3,
    });
    assert.equal(joinOf(task, 0).incomplete, 3, 'the three documents lack their metadata');
    assert.equal(task.ingest_status.incomplete_joins, 3);
    const reasons = task.ingest_status.failures.map((f) => `${f.source} ${f.line} ${f.reason}`);
    assert.ok(
      reasons.includes('2 5 join by position mismatch: this record\'s custom_id [request-6] differs from [request-5] of source[1]\'s record at position 5'),
      reasons.join('\n'),
    );
    assert.ok(reasons.some((r) => r.startsWith('2 20 ') && r.includes('[request-999]') && r.includes('[request-20]')), reasons.join('\n'));
    const { docs } = await allDocs(server.url, 'joins-misaligned');
    assert.equal(docs.size, N);
    for (let i = 0; i < N; i++) {
      const id = openai.ids[i];
      const doc = docs.get(id);
      if ([4, 5, 19].includes(i)) {
        assert.equal(doc.custom_field1, null, `${id} has no metadata rather than another line's`);
      } else {
        assert.equal(doc.custom_field1, `meta of ${id}`);
        assert.equal(doc.custom_field2, i);
      }
    }
  });
});
