// examples/quickstart.sh, run as a user would after `make run`: against a real
// server, with the server's file root as the import dir. It must exit 0, print
// every request and response, and its k-NN query must find document 2 first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { makeTempDir, startServer } from './lib/server.mjs';

const SCRIPT = fileURLToPath(new URL('../../examples/quickstart.sh', import.meta.url));

test('the quickstart script creates the indexes, ingests the samples and finds document 2 first', async () => {
  const server = await startServer();
  try {
    const run = spawnSync('bash', [SCRIPT], {
      env: { ...process.env, SLUICE_URL: server.url, SLUICE_IMPORT_DIR: join(server.dataDir, 'import') },
      encoding: 'utf8',
      timeout: 120000,
    });
    const output = `${run.stdout}\n${run.stderr}`;
    assert.equal(run.status, 0, output);
    // Every step is shown: requests, statuses and bodies.
    for (const step of ['=> PUT /my-nlp-index', '=> POST /_plugins/_ml/_batch_ingestion',
      '=> POST /my-nlp-index/_search', '=> GET /_cat/indices?v']) {
      assert.ok(output.includes(step), `missing ${step}\n${output}`);
    }
    // The search response printed after the knn query has document 2 first.
    const searchAt = output.lastIndexOf('=> POST /my-nlp-index/_search');
    const response = output.slice(searchAt).split('\n').find((l) => l.startsWith('{"took"'));
    const hits = JSON.parse(response).hits.hits;
    assert.equal(hits[0]._id, '2');
    assert.equal(hits[0]._source.title, 'draco malfoy');
    assert.match(output, /quickstart: OK/);
    // The Bedrock sample's failed record is reported by its task, which completes with error.
    assert.match(output, /"state":"COMPLETED_WITH_ERROR"/);
    assert.match(output, /"records_failed":1/);
    assert.match(output, /"reason":"bedrock: 400: Malformed input request/);
    // The indexes hold what the samples have.
    const cat = await fetch(`${server.url}/_cat/indices?h=index,docs.count&s=index`).then((r) => r.text());
    assert.deepEqual(cat.trim().split('\n').map((l) => l.trim().split(/\s+/)), [
      ['bedrock-index', '4'], ['my-nlp-index', '3'], ['my-nlp-index-openai', '3']]);
    // The seed's three-file OpenAI example: question and answer apart, each with its
    // own embedding, and the third file's fields, joined by custom_id although the
    // output file is not in input order.
    const output2 = await fetch(`${server.url}/my-nlp-index-openai/_doc/request-2`).then((r) => r.json());
    const doc = output2._source;
    assert.equal(doc.question, 'What is the meaning of work?');
    assert.equal(doc.answer, 'The travel was fantastic and the view was wonderful.');
    assert.equal(doc.custom_field1, 'work');
    assert.equal(doc.custom_field2, '2024-05-02');
    assert.equal(doc.question_embedding.length, 256);
    assert.equal(doc.answer_embedding.length, 256);
    const raw = readFileSync(fileURLToPath(new URL('../../examples/data/openai_qa_output.jsonl', import.meta.url)), 'utf8')
      .trim().split('\n').map((l) => JSON.parse(l)).find((r) => r.custom_id === 'request-2');
    assert.deepEqual(doc.answer_embedding, raw.response.body.data[1].embedding);
  } finally {
    await server.stop();
  }
});

test('the quickstart script fails with a clear message when no server answers', () => {
  const run = spawnSync('bash', [SCRIPT], {
    env: { ...process.env, SLUICE_URL: 'http://127.0.0.1:9', SLUICE_WAIT_S: '1', SLUICE_IMPORT_DIR: join(makeTempDir(), 'import') },
    encoding: 'utf8',
    timeout: 60000,
  });
  assert.notEqual(run.status, 0);
  assert.match(run.stderr, /no sluice answers at http:\/\/127\.0\.0\.1:9/);
});
