// Runs the sluice command line (not the server) for the CLI end-to-end tests.
//
//   const r = runCli(['ingest', '--data-dir', dir, ...]);   // r.status, r.stdout, r.stderr
//
// Output goes to pipes, so the CLI sees no terminal (non-TTY progress mode).
import { spawn, spawnSync } from 'node:child_process';

import { sluiceBin } from './server.mjs';

export function runCli(args, { env = {}, input, timeoutMs = 120000 } = {}) {
  const r = spawnSync(sluiceBin(), args, {
    env: { ...process.env, ...env },
    input,
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** As runCli, without blocking the event loop (for commands talking to a server in this process). */
export function runCliAsync(args, { env = {}, timeoutMs = 120000 } = {}) {
  return new Promise((resolve, reject) => {
    const proc = spawn(sluiceBin(), args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8').on('data', (c) => { stdout += c; });
    proc.stderr.setEncoding('utf8').on('data', (c) => { stderr += c; });
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.once('error', reject);
    proc.once('exit', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** The key=value fields of a progress log line. */
export function progressFields(line) {
  return Object.fromEntries(line.trim().split(/\s+/).slice(1).map((kv) => {
    const i = kv.indexOf('=');
    return [kv.slice(0, i), kv.slice(i + 1)];
  }));
}
