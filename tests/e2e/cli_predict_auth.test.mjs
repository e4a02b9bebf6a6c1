// `sluice predict --user` against a server with --users-file: the password
// comes from $SLUICE_PASSWORD (never the command line), a wrong one is the
// server's 401 and exit code 2, and the job runs as the user (the task's
// owner) through to a COMPLETED ingestion.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { runCliAsync } from './lib/cli.mjs';
import { startFakeOpenAI } from './lib/fake_openai.mjs';
import { request } from './lib/http.mjs';
import { makeTempDir, sluiceBin, startServer } from './lib/server.mjs';

const KEY = 'sk-cli-auth-radioactive';
const PASSWORD = 'pw-predict-admin-1';
const dir = makeTempDir('sluice-predict-auth-');
const input = JSON.stringify({ custom_id: 'a', method: 'POST', url: '/v1/embeddings', body: { model: 'm', input: 'hello' } }) + '\n';

let openai;
let server;
const auth = { Authorization: `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}` };
const call = (method, path, json) => request(server.url, { method, path, json, headers: auth });

before(async () => {
  const usersFile = join(dir, 'users.json');
  const added = spawnSync(sluiceBin(), ['users', 'add', 'admin', '--role', 'all_access', '--users-file', usersFile],
    { input: `${PASSWORD}\n`, encoding: 'utf8' });
  assert.equal(added.status, 0, added.stderr);
  openai = await startFakeOpenAI({ key: KEY, files: { 'file-in': input } });
  server = await startServer({
    dataDir: join(dir, 'data'),
    args: ['--users-file', usersFile, '--secrets-key-file', join(dir, 'k.key'), '--openai-base-url', openai.baseUrl,
      '--batch-predict-poll-ms', '20'],
  });
});

after(async () => {
  await server?.kill();
  await openai?.stop();
});

test('sluice predict --user authenticates with $SLUICE_PASSWORD; a wrong password exits 2', async () => {
  assert.equal((await call('PUT', '/docs', {
    settings: { 'index.knn': true },
    mappings: { properties: { text: { type: 'text' }, embedding: { type: 'knn_vector', dimension: 2 } } },
  })).status, 200);
  const reg = await call('POST', '/_plugins/_ml/models/_register', {
    name: 'm', function_name: 'remote',
    connector: {
      name: 'c', version: '1', protocol: 'http', parameters: { endpoint: '/v1/embeddings' },
      credential: { openAI_key: KEY },
      actions: [{ action_type: 'batch_predict', method: 'POST', url: 'https://api.openai.com/v1/batches',
        headers: { Authorization: 'Bearer ${credential.openAI_key}' },
        request_body: '{ "input_file_id": "${parameters.input_file_id}", "endpoint": "${parameters.endpoint}", "completion_window": "24h" }' }],
    },
  });
  assert.equal(reg.status, 200, reg.text);
  const args = ['predict', '--server', server.url, '--model-id', reg.body.model_id, '--input', 'file-in',
    '--ingest-into', 'docs', '--field-map', '_id=source[0].$.custom_id', '--field-map', '_id=source[1].$.custom_id',
    '--field-map', 'embedding=source[0].$.response.body.data[0].embedding', '--field-map', 'text=source[1].$.body.input',
    '--poll-interval', '0.02', '--user', 'admin'];

  const wrong = await runCliAsync(args, { env: { SLUICE_PASSWORD: 'not-it' } });
  assert.equal(wrong.status, 2, wrong.stderr);
  assert.match(wrong.stderr, /HTTP 401/);
  const none = await runCliAsync(args, { env: { SLUICE_PASSWORD: '' } });
  assert.equal(none.status, 2);

  const run = runCliAsync(args, { env: { SLUICE_PASSWORD: PASSWORD } });
  let id;
  while (!(id = [...openai.batches.keys()][0])) await new Promise((r) => setTimeout(r, 10));
  openai.advanceBatch(id, 'in_progress');
  openai.advanceBatch(id, 'completed', { embed: () => [0.6, 0.8] });
  const r = await run;
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.ok(!(r.stderr + r.stdout).includes(PASSWORD));
  const submitted = /task (\S+) submitted/.exec(r.stderr)[1];
  const task = await call('GET', `/_plugins/_ml/tasks/${submitted}`);
  assert.equal(task.body.state, 'COMPLETED', task.text);
  const doc = await call('GET', '/docs/_doc/a');
  assert.equal(doc.body._source.text, 'hello');
});
