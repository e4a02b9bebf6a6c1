// Test files of OpenSearch's YAML REST test format (rest-api-spec/test/README.md):
// a `setup` section, a `teardown` section and test sections, each a list of
// steps, in YAML documents separated by `---`.
//
//   const suite = parseSuite(text);   // { setup: [...], teardown: [...], tests: [{name, steps}] }
//   skipReason(steps[0], context)     // why a section is skipped here, or null
import { createRequire } from 'node:module';

// The YAML parser is an npm dependency pinned in tests/e2e/package-lock.json.
const require = createRequire(new URL('../../e2e/package.json', import.meta.url));
const YAML = require('yaml');

// A section the YAML parser refuses (SnakeYAML, which the Java runner uses, is
// more lenient about indentation inside flow collections and quoted scalars)
// becomes a test with `unparsable` set, named by its first key when it can be read.
export function parseSuite(text) {
  const suite = { setup: [], teardown: [], tests: [] };
  for (const doc of YAML.parseAllDocuments(text, { uniqueKeys: false, strict: false })) {
    if (doc.errors.length > 0) {
      const source = text.slice(doc.range[0], doc.range[2]);
      const m = /^(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([^\s#"'-][^:\n]*)):[ \t]*(?:#.*)?$/m.exec(source);
      const name = m ? (m[1] ?? m[2] ?? m[3]).trim() : `(section at offset ${doc.range[0]})`;
      const error = `the runner's YAML parser refuses this section: ${doc.errors[0].code} at line ${
        text.slice(0, doc.errors[0].pos[0]).split('\n').length
      }`;
      if (name === 'setup' || name === 'teardown') throw new Error(error);
      suite.tests.push({ name, steps: [], unparsable: error });
      continue;
    }
    const value = doc.toJS({ maxAliasCount: -1 });
    if (value === null || value === undefined) continue;
    for (const [name, steps] of Object.entries(value)) {
      const list = Array.isArray(steps) ? steps : [];
      if (name === 'setup') suite.setup = list;
      else if (name === 'teardown') suite.teardown = list;
      else suite.tests.push({ name, steps: list });
    }
  }
  return suite;
}

// "2.19.0" → [1, 2, 19, 0]; "1.0.0.Beta1" → [1, 1, 0, 0]; "" → null (open end).
// The first element orders Elasticsearch versions (5.x-7.x, which the older
// tests name) before every OpenSearch version, as OpenSearch's Version class
// does: " - 7.10.99" skips only legacy clusters.
function parseVersion(text) {
  const t = String(text).trim();
  if (t === '') return null;
  const m = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(t);
  if (!m) throw new Error(`bad version [${t}]`);
  const major = Number(m[1]);
  return [major >= 5 ? 0 : 1, major, Number(m[2] ?? 0), Number(m[3] ?? 0)];
}

function compareVersions(a, b) {
  for (let i = 0; i < 4; ++i) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

// True when `version` lies in one of the comma-separated ranges "min - max"
// (either bound may be empty) or the spec is "all".
export function versionInRanges(spec, version) {
  const current = parseVersion(version);
  for (const range of String(spec).split(',')) {
    const r = range.trim();
    if (r === 'all') return true;
    const dash = r.indexOf(' - ') >= 0 ? r.indexOf(' - ') : r.indexOf('-');
    if (dash < 0) {
      if (compareVersions(parseVersion(r), current) === 0) return true;
      continue;
    }
    const sep = r.indexOf(' - ') >= 0 ? 3 : 1;
    const lo = parseVersion(r.slice(0, dash));
    const hi = parseVersion(r.slice(dash + sep));
    if ((lo === null || compareVersions(lo, current) <= 0) && (hi === null || compareVersions(current, hi) <= 0)) {
      return true;
    }
  }
  return false;
}

// The reason a section whose first step is `step` does not run, or null.
// context: { version: '2.19.0', features: Set<string> }.
export function skipReason(step, context) {
  if (!step || typeof step !== 'object' || !('skip' in step)) return null;
  const skip = step.skip ?? {};
  if (skip.version !== undefined && versionInRanges(skip.version, context.version)) {
    return `version ${context.version} in [${skip.version}]: ${skip.reason ?? ''}`.trim();
  }
  if (skip.features !== undefined) {
    const missing = [].concat(skip.features).filter((f) => !context.features.has(f));
    if (missing.length > 0) return `feature not supported by the runner: ${missing.join(', ')}`;
  }
  return null;
}
