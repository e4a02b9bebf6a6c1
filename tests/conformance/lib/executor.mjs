// Runs the sections of one YAML test file against a server: `do` steps as
// HTTP requests built from the API specs, the assertions on their responses.
//
//   const results = await runFile(url, specs, suite, { version, features });
//   // → [{ name, status: 'pass'|'fail'|'skip', message, answer }]
//
// Each test runs as the format says: setup, the test (with a fresh stash),
// teardown, then every index and template is deleted (resetState).
// `answer` is what the server said to the step that failed ("GET /x → 404
// index_not_found_exception: ..."), for the compatibility report.
import http from 'node:http';

import { buildRequest, ParamError } from './spec.mjs';
import { skipReason } from './suite.mjs';
import {
  AssertionFailure,
  assertCompare,
  assertContains,
  assertLength,
  assertMatch,
  evaluate,
  isRegexLiteral,
  isTruthy,
  javaRegex,
  substitute,
} from './assertions.mjs';

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
const REQUEST_TIMEOUT_MS = 30000;

export function send(base, { method, path, query, body, contentType, headers = {} }) {
  const url = new URL(base);
  const target = path + (query ? `?${query}` : '');
  const h = { ...headers };
  if (body !== undefined) {
    if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['Content-Type'] = contentType;
    h['Content-Length'] = Buffer.byteLength(body);
  }
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, method, path: target, headers: h, agent, timeout: REQUEST_TIMEOUT_MS },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json;
          if (text !== '' && /json/i.test(res.headers['content-type'] ?? '')) {
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
          }
          resolve({ method, target, status: res.statusCode, headers: res.headers, body: json !== undefined ? json : text, text, json });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

// "GET /x → 404 index_not_found_exception: no such index [x]" (short).
export function describeAnswer(r) {
  if (!r) return '';
  let what = '';
  const err = r.json?.error;
  if (err && typeof err === 'object') what = `${err.type}: ${err.reason ?? ''}`;
  else if (typeof err === 'string') what = err;
  else if (r.status >= 400 || typeof r.body === 'string') what = r.text.slice(0, 160);
  const line = `${r.method} ${r.target.length > 120 ? r.target.slice(0, 120) + '…' : r.target} → ${r.status}${what ? ' ' + what : ''}`;
  return line.replace(/\s+/g, ' ').slice(0, 300);
}

const NAMED_CATCHES = {
  bad_request: (s) => s === 400,
  unauthorized: (s) => s === 401,
  forbidden: (s) => s === 403,
  missing: (s) => s === 404,
  request_timeout: (s) => s === 408,
  conflict: (s) => s === 409,
  unavailable: (s) => s === 503,
  request: (s) => s >= 400 && ![400, 401, 403, 404, 408, 409].includes(s),
};

const DO_KEYS = new Set(['catch', 'headers', 'warnings', 'allowed_warnings', 'warnings_regex', 'allowed_warnings_regex', 'node_selector']);

async function runDo(ctx, spec) {
  const apiNames = Object.keys(spec).filter((k) => !DO_KEYS.has(k));
  if (apiNames.length !== 1) throw new AssertionFailure(`do: expected one API, got [${apiNames}]`);
  const name = apiNames[0];
  const args = substitute(spec[name] ?? {}, ctx.stash);
  const headers = substitute(spec.headers ?? {}, ctx.stash);
  const expectCatch = spec.catch;
  let req;
  try {
    req = buildRequest(ctx.specs, name, args);
  } catch (e) {
    if (e instanceof ParamError && expectCatch === 'param') return;
    throw new AssertionFailure(`${e.message}`);
  }
  if (expectCatch === 'param') throw new AssertionFailure(`do ${name}: expected a client-side parameter error`);
  const response = await send(ctx.url, { ...req, headers });
  ctx.last = response;
  ctx.stash.set('body', response.body);
  const isError = response.status >= 400 && !req.ignore.includes(response.status) && !(req.method === 'HEAD' && response.status === 404);
  if (expectCatch === undefined) {
    if (isError) throw new AssertionFailure(`do ${name}: unexpected error ${describeAnswer(response)}`);
    ctx.response = response;
    return;
  }
  ctx.response = response;
  if (!isError) throw new AssertionFailure(`do ${name}: expected error [${expectCatch}], got ${describeAnswer(response)}`);
  if (isRegexLiteral(expectCatch)) {
    const t = expectCatch.trim();
    if (!javaRegex(t.slice(1, -1), false).test(response.text)) {
      throw new AssertionFailure(`do ${name}: error does not match ${t}: ${describeAnswer(response)}`);
    }
    return;
  }
  const check = NAMED_CATCHES[expectCatch];
  if (!check) throw new AssertionFailure(`do ${name}: unknown catch [${expectCatch}]`);
  if (!check(response.status)) throw new AssertionFailure(`do ${name}: expected [${expectCatch}], got ${describeAnswer(response)}`);
}

function entries(arg, op) {
  if (arg === null || typeof arg !== 'object') throw new AssertionFailure(`${op}: expected a map`);
  return Object.entries(arg);
}

async function runStep(ctx, step) {
  const [op, arg] = Object.entries(step)[0] ?? [];
  const response = ctx.response ?? { json: undefined, body: undefined, status: 0 };
  switch (op) {
    case 'skip':
      return; // handled before the section runs
    case 'do':
      return runDo(ctx, arg);
    case 'set':
      for (const [path, name] of entries(arg, op)) ctx.stash.set(name, evaluate(response, path, ctx.stash));
      return;
    case 'match':
      for (const [path, expected] of entries(arg, op)) {
        assertMatch(path, evaluate(response, path, ctx.stash), substitute(expected, ctx.stash));
      }
      return;
    case 'length':
      for (const [path, n] of entries(arg, op)) assertLength(path, evaluate(response, path, ctx.stash), substitute(n, ctx.stash));
      return;
    case 'is_true':
    case 'is_false': {
      const path = String(arg ?? '');
      const v = evaluate(response, path, ctx.stash);
      if (isTruthy(v) !== (op === 'is_true')) throw new AssertionFailure(`${op} [${path}]: got ${JSON.stringify(v)}`);
      return;
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      for (const [path, e] of entries(arg, op)) assertCompare(op, path, evaluate(response, path, ctx.stash), substitute(e, ctx.stash));
      return;
    case 'contains':
      for (const [path, e] of entries(arg, op)) assertContains(path, evaluate(response, path, ctx.stash), substitute(e, ctx.stash));
      return;
    default:
      throw new AssertionFailure(`operator [${op}] is not supported by the runner`);
  }
}

async function runSteps(ctx, steps) {
  for (const step of steps) await runStep(ctx, step);
}

// Deletes every index, alias and template the server lists, so the next test
// starts clean. APIs the server lacks are passed over (their state cannot leak).
export async function resetState(url) {
  const listing = await send(url, { method: 'GET', path: '/_cat/indices', query: 'format=json&h=index&expand_wildcards=all' });
  if (listing.status === 200 && Array.isArray(listing.json)) {
    for (const row of listing.json) {
      await send(url, { method: 'DELETE', path: '/' + encodeURIComponent(row.index), query: '' });
    }
  }
  for (const [list, key] of [
    ['/_index_template', 'index_templates'],
    ['/_component_template', 'component_templates'],
  ]) {
    const r = await send(url, { method: 'GET', path: list, query: '' });
    for (const t of (r.status === 200 && Array.isArray(r.json?.[key]) ? r.json[key] : [])) {
      await send(url, { method: 'DELETE', path: `${list}/${encodeURIComponent(t.name)}`, query: '' });
    }
  }
  const legacy = await send(url, { method: 'GET', path: '/_template', query: '' });
  if (legacy.status === 200 && legacy.json && typeof legacy.json === 'object') {
    for (const name of Object.keys(legacy.json)) {
      await send(url, { method: 'DELETE', path: `/_template/${encodeURIComponent(name)}`, query: '' });
    }
  }
}

export async function runFile(url, specs, suite, context) {
  const results = [];
  const setupSkip = skipReason(suite.setup[0], context);
  for (const test of suite.tests) {
    if (test.unparsable) {
      results.push({ name: test.name, status: 'fail', message: test.unparsable, answer: '' });
      continue;
    }
    const skip = setupSkip ?? skipReason(test.steps[0], context);
    if (skip) {
      results.push({ name: test.name, status: 'skip', message: skip });
      continue;
    }
    const ctx = { url, specs, stash: new Map(), response: undefined, last: undefined };
    let failure = null;
    let phase = 'setup';
    try {
      await runSteps(ctx, suite.setup);
      phase = 'test';
      ctx.stash = new Map();
      ctx.response = undefined;
      await runSteps(ctx, test.steps);
    } catch (e) {
      failure = { message: `${phase}: ${e.message}`, answer: describeAnswer(ctx.last) };
    }
    try {
      if (!skipReason(suite.teardown[0], context)) await runSteps({ ...ctx, stash: ctx.stash }, suite.teardown);
    } catch (e) {
      failure ??= { message: `teardown: ${e.message}`, answer: describeAnswer(ctx.last) };
    }
    try {
      await resetState(url);
    } catch (e) {
      failure ??= { message: `cleanup: ${e.message}`, answer: '' };
    }
    results.push(failure ? { name: test.name, status: 'fail', ...failure } : { name: test.name, status: 'pass' });
  }
  return results;
}
