// The REST API specs (rest-api-spec/api/*.json): what an API name such as
// `indices.create` means as an HTTP request.
//
//   const specs = loadSpecs(dir);
//   const req = buildRequest(specs, 'indices.create', { index: 'test', body: {...} });
//   // → { method: 'PUT', path: '/test', query: '', body: '{"..."}', contentType }
//
// Path choice follows OpenSearch's Java YAML runner: among the API's paths whose
// parts are all given, the one with the most parts. Arguments that are neither
// a part of the chosen path, a parameter of the API, a common parameter
// (_common.json) nor `body`/`ignore` make buildRequest throw a ParamError: the
// `catch: param` of the test format ("a client-side error").
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export class ParamError extends Error {}

export function loadSpecs(dir) {
  const specs = new Map();
  let common = {};
  for (const file of readdirSync(dir)) {
    if (!file.endsWith('.json')) continue;
    const json = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    if (file === '_common.json') {
      common = json.params ?? {};
      continue;
    }
    for (const [name, api] of Object.entries(json)) specs.set(name, api);
  }
  return { apis: specs, common };
}

// A query-string or path value as the Java client renders it: lists joined
// with commas, booleans and numbers as text, objects as JSON.
function paramText(value) {
  if (Array.isArray(value)) return value.map(paramText).join(',');
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

// Percent-encodes a path part, keeping the characters the Java client leaves
// readable (`,` and `*` separate and expand index names).
function encodePart(value) {
  return encodeURIComponent(paramText(value)).replace(/%2C/gi, ',').replace(/%2A/gi, '*');
}

function chooseMethod(methods, hasBody) {
  if (hasBody) {
    for (const m of ['POST', 'PUT']) if (methods.includes(m)) return m;
  } else if (methods.includes('GET')) {
    return 'GET';
  }
  return methods[0];
}

function serializeBody(api, body) {
  if (typeof body === 'string') return body;
  if (api.body?.serialize === 'bulk') {
    const lines = Array.isArray(body) ? body : [body];
    return lines.map((l) => (typeof l === 'string' ? l.trim() : JSON.stringify(l))).join('\n') + '\n';
  }
  return JSON.stringify(body);
}

export function buildRequest(specs, name, args = {}) {
  const api = specs.apis.get(name);
  if (!api) throw new ParamError(`unknown API [${name}]`);
  const given = { ...args };
  const hasBody = given.body !== undefined && given.body !== null;
  const body = hasBody ? serializeBody(api, given.body) : undefined;
  delete given.body;
  const ignore = given.ignore;
  delete given.ignore;

  let best = null;
  for (const p of api.url.paths) {
    const parts = Object.keys(p.parts ?? {});
    if (!parts.every((part) => given[part] !== undefined)) continue;
    if (best === null || parts.length > Object.keys(best.parts ?? {}).length) best = p;
  }
  if (best === null) {
    throw new ParamError(`no path of [${name}] has all its parts among [${Object.keys(given)}]`);
  }
  let path = best.path;
  const used = new Set();
  for (const part of Object.keys(best.parts ?? {})) {
    path = path.replace(`{${part}}`, encodePart(given[part]));
    used.add(part);
  }
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(given)) {
    if (used.has(key)) continue;
    const known = api.params?.[key] ?? specs.common[key];
    if (!known) {
      // A part of another path (e.g. `index` given where the chosen path has none) is refused too,
      // as the Java runner does.
      throw new ParamError(`request [${name}] does not support parameter [${key}]`);
    }
    query.append(key, paramText(value));
  }
  const contentType = hasBody
    ? api.body?.serialize === 'bulk'
      ? 'application/x-ndjson'
      : 'application/json'
    : undefined;
  return {
    method: chooseMethod(best.methods, hasBody),
    path,
    query: query.toString(),
    body,
    contentType,
    ignore: ignore === undefined ? [] : [].concat(ignore).map(Number),
  };
}
