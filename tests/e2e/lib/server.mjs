// Starts the real sluice binary for an end-to-end test.
//
//   const server = await startServer();          // temp data dir, free port
//   ... server.url ...
//   await server.stop();                         // SIGTERM, waits for exit
//
// The binary is process.env.SLUICE_BIN (CTest sets it), else <repo>/build/sluice.
// Data directories created here are removed when the test process exits; pass
// `dataDir` to reuse one across restarts (then it is the caller's to remove).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scaled } from './time_scale.mjs';

const DEFAULT_BIN = fileURLToPath(new URL('../../../build/sluice', import.meta.url));
const LISTENING = /listening.*url=(https?):\/\/127\.0\.0\.1:(\d+)/;

const createdDirs = new Set();
const liveProcs = new Set();
process.on('exit', () => {
  for (const proc of liveProcs) proc.kill('SIGKILL');
  for (const dir of createdDirs) rmSync(dir, { recursive: true, force: true });
});

export function sluiceBin() {
  return process.env.SLUICE_BIN || DEFAULT_BIN;
}

export function makeTempDir(prefix = 'sluice-e2e-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  createdDirs.add(dir);
  return dir;
}

/**
 * @param {object} [options]
 * @param {string[]} [options.args] extra arguments after `serve --host --port --data-dir`
 * @param {Record<string,string>} [options.env] extra environment variables
 * @param {string} [options.dataDir] data directory (default: a new temp dir)
 * @param {number} [options.startTimeoutMs] how long to wait for the listening line (default
 *   30 s, times SLUICE_E2E_TIME_SCALE: a sanitizer build recovers its indexes slowly)
 * @returns {Promise<{url: string, port: number, dataDir: string, proc: import('node:child_process').ChildProcess,
 *   logs: () => string, stop: () => Promise<{code: number|null, signal: string|null}>,
 *   kill: () => Promise<{code: number|null, signal: string|null}>}>}
 */
export async function startServer({ args = [], env = {}, dataDir, startTimeoutMs = scaled(30000) } = {}) {
  dataDir ??= makeTempDir();
  const bin = sluiceBin();
  const argv = ['serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir, ...args];
  const proc = spawn(bin, argv, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  liveProcs.add(proc);

  const lines = [];
  const exited = new Promise((resolve) => {
    proc.once('exit', (code, signal) => {
      liveProcs.delete(proc);
      resolve({ code, signal });
    });
  });
  let onLine = () => {};
  for (const stream of [proc.stdout, proc.stderr]) {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      partial += chunk;
      const parts = partial.split('\n');
      partial = parts.pop();
      for (const line of parts) {
        lines.push(line);
        onLine(line);
      }
    });
  }
  const logs = () => lines.join('\n');

  let scheme = 'http';
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`sluice did not report listening within ${startTimeoutMs} ms\n${logs()}`));
    }, startTimeoutMs);
    const done = (fn, value) => {
      clearTimeout(timer);
      onLine = () => {};
      fn(value);
    };
    proc.once('error', (err) => done(reject, new Error(`cannot start ${bin}: ${err.message}`)));
    exited.then(({ code, signal }) =>
      done(reject, new Error(`sluice exited (code=${code} signal=${signal}) before listening\n${logs()}`)),
    );
    const check = (line) => {
      const m = LISTENING.exec(line);
      if (m) {
        scheme = m[1];
        done(resolve, Number(m[2]));
      }
    };
    lines.forEach(check);
    onLine = check;
  });

  const waitExit = async (signal, graceMs) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return exited;
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    const result = await exited;
    clearTimeout(timer);
    return result;
  };

  return {
    url: `${scheme}://127.0.0.1:${port}`,
    port,
    dataDir,
    proc,
    logs,
    stop: () => waitExit('SIGTERM', 30000),
    kill: () => waitExit('SIGKILL', 30000),
  };
}
