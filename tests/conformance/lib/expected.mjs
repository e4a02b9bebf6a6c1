// The expected-failure file: one line per test that does not pass,
//
//   <dir>/<file>.yml :: <test name> — <reason>
//
// with `#` comments and blank lines ignored. The reason says why, in a line;
// new entries written by --update-expected say "not yet triaged" until
// someone gives them a real reason.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';

export const UNTRIAGED = 'not yet triaged';
const SEP = ' :: ';
const DASH = ' — ';

export function testKey(file, name) {
  return `${file}${SEP}${name}`;
}

// Map key → reason.
export function readExpected(path) {
  const out = new Map();
  if (!existsSync(path)) return out;
  const lines = readFileSync(path, 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    const sep = line.indexOf(SEP);
    const dash = line.indexOf(DASH, sep + SEP.length);
    if (sep < 0) throw new Error(`${path}:${i + 1}: expected "<dir>/<file>.yml :: <test> — <reason>"`);
    const key = dash < 0 ? line.trim() : line.slice(0, dash);
    const reason = dash < 0 ? UNTRIAGED : line.slice(dash + DASH.length).trim();
    out.set(key, reason);
  });
  return out;
}

const HEADER = `# Tests of OpenSearch's YAML REST suite that sluice does not pass yet, one per line:
#   <dir>/<file>.yml :: <test name> — <reason>
# The conformance run (tests/conformance/run.mjs, CTest "conformance") fails when a
# test listed here passes (remove the line) or a test not listed fails.
# Regenerate with: node tests/conformance/run.mjs --update-expected
# (existing reasons are kept; new entries say "${UNTRIAGED}" until given a reason).
`;

export function writeExpected(path, entries) {
  const keys = [...entries.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let text = HEADER;
  let dir = null;
  for (const key of keys) {
    const d = key.slice(0, key.indexOf('/'));
    if (d !== dir) {
      text += `\n# ${d}\n`;
      dir = d;
    }
    text += `${key}${DASH}${entries.get(key)}\n`;
  }
  writeFileSync(path, text);
}
