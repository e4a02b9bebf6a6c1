// Values and comparisons of the YAML REST test format: dotted paths into a
// response, the stash, Java regular expressions and the assertion operators.
//
// A failed assertion throws an AssertionFailure whose message says what was
// expected and what was found.
export class AssertionFailure extends Error {}

// Splits "a.b\.c.0" into ["a", "b.c", "0"]; "" → [].
export function splitPath(path) {
  if (path === '' || path === undefined || path === null) return [];
  const out = [];
  let cur = '';
  const s = String(path);
  for (let i = 0; i < s.length; ++i) {
    if (s[i] === '\\' && s[i + 1] === '.') {
      cur += '.';
      ++i;
    } else if (s[i] === '.') {
      out.push(cur);
      cur = '';
    } else {
      cur += s[i];
    }
  }
  out.push(cur);
  return out;
}

// Replaces `$name` (a whole string) with the stashed value and `${name}`
// inside strings with its text.
export function substitute(value, stash) {
  if (typeof value === 'string') {
    if (/^\$[A-Za-z_][\w]*$/.test(value) && stash.has(value.slice(1))) {
      const v = stash.get(value.slice(1));
      // As the Java runner's Stash: a value `set` from a missing field cannot be used.
      if (v === undefined || v === null) throw new AssertionFailure(`stash has no value for [${value.slice(1)}]`);
      return v;
    }
    return value.replace(/\$\{([A-Za-z_][\w]*)\}/g, (m, name) => {
      if (!stash.has(name)) return m;
      const v = stash.get(name);
      return typeof v === 'object' ? JSON.stringify(v) : String(v);
    });
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, stash));
  if (value !== null && typeof value === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(value)) out[String(substitute(k, stash))] = substitute(v, stash);
    return out;
  }
  return value;
}

// The value at `path` in the last response: undefined when a level is missing.
// `$body` (or a path starting with it) is the whole body; `$name` segments are stashed values.
export function evaluate(response, path, stash) {
  if (path === '$body') return response.body;
  let cur = response.json !== undefined ? response.json : undefined;
  const segments = splitPath(path);
  if (segments.length === 0) {
    if (response.json === undefined && response.method === 'HEAD') return response.status < 400;
    return response.json !== undefined ? response.json : response.body;
  }
  for (let seg of segments) {
    seg = String(substitute(seg, stash));
    if (cur === null || cur === undefined) return undefined;
    if (seg === '_arbitrary_key_' && typeof cur === 'object' && !Array.isArray(cur)) {
      const keys = Object.keys(cur);
      return keys.length > 0 ? keys[0] : undefined;
    }
    if (Array.isArray(cur)) {
      if (!/^\d+$/.test(seg)) return undefined;
      cur = cur[Number(seg)];
    } else if (typeof cur === 'object') {
      cur = Object.prototype.hasOwnProperty.call(cur, seg) ? cur[seg] : undefined;
    } else {
      return undefined;
    }
  }
  return cur;
}

// A Java regular expression (as the YAML tests write them) as a JS RegExp.
// comments: Pattern.COMMENTS (whitespace and #-comments outside classes ignored).
export function javaRegex(source, comments) {
  let src = source;
  let flags = '';
  const inline = /^\(\?([a-z]+)\)/.exec(src);
  if (inline) {
    for (const f of inline[1]) {
      if (f === 's' || f === 'm' || f === 'i') flags += f;
      if (f === 'x') comments = true;
    }
    src = src.slice(inline[0].length);
  }
  let out = '';
  let inClass = false;
  for (let i = 0; i < src.length; ++i) {
    const c = src[i];
    if (c === '\\') {
      const n = src[i + 1];
      if (n === 'A') out += '^';
      else if (n === 'z' || n === 'Z') out += '$';
      else if (comments && (n === ' ' || n === '#')) out += n === ' ' ? ' ' : '#';
      else out += c + (n ?? '');
      ++i;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      if (src[i + 1] === ']' || (src[i + 1] === '^' && src[i + 2] === ']')) {
        out += src[i + 1] === '^' ? '^]' : ']';
        i += src[i + 1] === '^' ? 2 : 1;
      }
      continue;
    }
    if (comments && /\s/.test(c)) continue;
    if (comments && c === '#') {
      while (i < src.length && src[i] !== '\n') ++i;
      continue;
    }
    // Java's `$` also matches before a final line terminator.
    if (c === '$' && !flags.includes('m')) {
      out += '(?=\\n?$)';
      continue;
    }
    out += c;
  }
  // Possessive quantifiers have no JS form; greedy is equivalent for these tests.
  out = out.replace(/([*+?}])\+/g, '$1');
  return new RegExp(out, flags);
}

export function isRegexLiteral(v) {
  if (typeof v !== 'string') return false;
  const t = v.trim();
  return t.length > 2 && t.startsWith('/') && t.endsWith('/');
}

export function deepEqual(a, b) {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return a === b || (Number.isNaN(a) && Number.isNaN(b));
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    if (ka.length !== kb.length) return false;
    return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

function show(v) {
  const s = v === undefined ? 'undefined' : JSON.stringify(v);
  return s.length > 300 ? s.slice(0, 300) + '…' : s;
}

export function assertMatch(path, actual, expected) {
  if (isRegexLiteral(expected)) {
    const t = expected.trim();
    const re = javaRegex(t.slice(1, -1), true);
    const text = actual === undefined || actual === null ? '' : typeof actual === 'object' ? JSON.stringify(actual) : String(actual);
    if (actual === undefined || !re.test(text)) {
      throw new AssertionFailure(`match [${path}]: ${show(actual)} does not match ${t.slice(0, 200)}`);
    }
    return;
  }
  if (expected === null) {
    if (actual !== null && actual !== undefined) throw new AssertionFailure(`match [${path}]: expected null, got ${show(actual)}`);
    return;
  }
  if (!deepEqual(actual, expected)) {
    throw new AssertionFailure(`match [${path}]: expected ${show(expected)}, got ${show(actual)}`);
  }
}

export function isTruthy(v) {
  return !(v === undefined || v === null || v === false || v === 'false' || v === 0 || v === '');
}

export function assertLength(path, actual, expected) {
  let n;
  if (Array.isArray(actual) || typeof actual === 'string') n = actual.length;
  else if (actual && typeof actual === 'object') n = Object.keys(actual).length;
  if (n !== Number(expected)) throw new AssertionFailure(`length [${path}]: expected ${expected}, got ${n === undefined ? show(actual) : n}`);
}

export function assertCompare(op, path, actual, expected) {
  const num = (v) => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : undefined);
  const a = num(actual);
  const e = num(expected);
  let ok;
  if (a !== undefined && e !== undefined) {
    ok = op === 'gt' ? a > e : op === 'gte' ? a >= e : op === 'lt' ? a < e : a <= e;
  } else if (typeof actual === 'string' && typeof expected === 'string') {
    ok = op === 'gt' ? actual > expected : op === 'gte' ? actual >= expected : op === 'lt' ? actual < expected : actual <= expected;
  } else {
    ok = false;
  }
  if (!ok) throw new AssertionFailure(`${op} [${path}]: ${show(actual)} is not ${op} ${show(expected)}`);
}

// `contains`: an array holds the expected value; for an object, an element with
// those properties (as the Java runner's ContainsAssertion).
export function assertContains(path, actual, expected) {
  if (!Array.isArray(actual)) throw new AssertionFailure(`contains [${path}]: ${show(actual)} is not an array`);
  const hit = actual.some((el) => {
    if (expected && typeof expected === 'object' && !Array.isArray(expected) && el && typeof el === 'object') {
      return Object.entries(expected).every(([k, v]) => deepEqual(el[k], v));
    }
    return deepEqual(el, expected);
  });
  if (!hit) throw new AssertionFailure(`contains [${path}]: ${show(actual)} has no ${show(expected)}`);
}
