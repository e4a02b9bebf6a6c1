// Merge semantics as ml-commons (spec §2.5): with _id mapped every record is
// an update whose doc is the mapped fields and whose upsert adds null for the
// index fields nothing maps. Two ingestions into the same ids that map
// different fields leave both fields; nulls land only on documents a pass
// creates. The same through the remote-cluster sink (another sluice as the
// cluster), which receives update/upsert items.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';

import {
  allDocs,
  createIndex,
  ingestAndWait,
  sagemakerRecords,
  sameVector,
  seedIndexBody,
  startIngestServer,
  writeJsonl,
} from './lib/ingest.mjs';
import { request } from './lib/http.mjs';
import { startServer } from './lib/server.mjs';

const DIM = 8;
const records = sagemakerRecords(15, DIM, 41);

function pass(index, file, fields) {
  const all = {
    chapter: '$.content[0]',
    chapter_embedding: '$.SageMakerOutput[0]',
    title: '$.content[1]',
    title_embedding: '$.SageMakerOutput[1]',
  };
  const field_map = { _id: '$.id' };
  for (const f of fields) field_map[f] = all[f];
  return { index_name: index, field_map, data_source: { type: 'file', source: [file] } };
}

async function nearest(url, index, field, vector) {
  const res = await request(url, {
    method: 'POST', path: `/${index}/_search`, json: { size: 1, query: { knn: { [field]: { vector, k: 1 } } } },
  });
  assert.equal(res.status, 200, res.text);
  return res.body.hits.hits[0]?._id;
}

async function twoPasses(target, ingestServer, index) {
  await createIndex(target.url, index, seedIndexBody(DIM));
  const first = join(ingestServer.importDir, 'first.jsonl');
  const second = join(ingestServer.importDir, 'second.jsonl');
  writeJsonl(first, records.slice(0, 10));   // ids 0..9
  writeJsonl(second, records.slice(5, 15));  // ids 5..14
  const a = await ingestAndWait(ingestServer.url, pass(index, first, ['chapter', 'chapter_embedding']));
  assert.equal(a.task.state, 'COMPLETED', JSON.stringify(a.task));
  const b = await ingestAndWait(ingestServer.url, pass(index, second, ['title', 'title_embedding']));
  assert.equal(b.task.state, 'COMPLETED', JSON.stringify(b.task));
  const { docs } = await allDocs(target.url, index);
  assert.equal(docs.size, 15);
  for (const rec of records) {
    const doc = docs.get(String(rec.id));
    const inFirst = rec.id < 10;
    const inSecond = rec.id >= 5;
    assert.deepEqual(Object.keys(doc).sort(), ['chapter', 'chapter_embedding', 'id', 'title', 'title_embedding'], `${rec.id}`);
    assert.equal(doc.chapter, inFirst ? rec.content[0] : null, `chapter of ${rec.id}`);
    assert.equal(doc.title, inSecond ? rec.content[1] : null, `title of ${rec.id}`);
    if (inFirst) assert.ok(sameVector(doc.chapter_embedding, rec.SageMakerOutput[0]), `chapter_embedding of ${rec.id}`);
    else assert.equal(doc.chapter_embedding, null, 'created by the second pass: what it does not map is null');
    if (inSecond) assert.ok(sameVector(doc.title_embedding, rec.SageMakerOutput[1]), `title_embedding of ${rec.id}`);
    else assert.equal(doc.title_embedding, null);
    assert.equal(doc.id, null, 'an index field neither pass maps');
  }
  // The first pass's vectors are still in their graph after the second.
  for (const rec of [records[2], records[7]]) {
    assert.equal(await nearest(target.url, index, 'chapter_embedding', rec.SageMakerOutput[0]), String(rec.id));
  }
  for (const rec of [records[7], records[12]]) {
    assert.equal(await nearest(target.url, index, 'title_embedding', rec.SageMakerOutput[1]), String(rec.id));
  }
}

describe('two ingestions into the same ids, mapping different fields', () => {
  let local;
  let cluster;
  let remote;
  before(async () => {
    local = await startIngestServer();
    cluster = await startServer();
    remote = await startIngestServer({ args: ['--remote-cluster', cluster.url] });
  });
  after(async () => {
    await local?.stop();
    await remote?.stop();
    await cluster?.stop();
  });

  test('the local index keeps both passes\' fields; nulls only where a pass created the document', async () => {
    await twoPasses(local, local, 'merge-local');
  });

  test('a remote cluster gets update/upsert items with the same result', async () => {
    await twoPasses(cluster, remote, 'merge-remote');
  });
});
