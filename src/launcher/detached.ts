// Starts the launcher for a detached container and waits only for the outcome of the start:
// `started` (exec happened) or `error`. The launcher daemonizes itself (fork, setsid, fork);
// the status fd is the only thing still connecting us, and we drop it once we know.
import { spawn, type StdioOptions } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { NookError } from '../errors.js';
import { LAUNCHER_ENV } from '../paths.js';
import { ARGS_FD, DETACHED_STATUS_FD } from './fd-layout.js';

export interface StatusEvent { type: 'child' | 'started' | 'error' | 'exit' | 'usage'; pid?: number; code?: number; stage?: string; errno?: number; msg?: string }

/** Parses the launcher's JSON status lines. */
export function parseStatusLines(text: string): StatusEvent[] {
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as StatusEvent);
}

/**
 * `directives` is the encoded list; `extraFds` are inherited from DETACHED_SECCOMP_FD on (so a
 * plan that names `seccomp-fd 5` gets extraFds[0] there).
 */
export function startDetached(launcher: string, directives: Buffer, extraFds: number[] = []): Promise<{ pid: number }> {
  const stdio: StdioOptions = ['ignore', 'ignore', 'ignore', 'pipe', 'pipe', ...extraFds];
  const child = spawn(launcher, ['--args', String(ARGS_FD), '--status-fd', String(DETACHED_STATUS_FD)], { stdio, detached: true, env: LAUNCHER_ENV });
  (child.stdio[ARGS_FD] as Writable).end(directives);
  const status = child.stdio[DETACHED_STATUS_FD] as Readable;
  return new Promise((resolve, reject) => {
    let buf = '';
    let settled = false;
    const finish = (err: NookError | undefined, pid?: number) => {
      if (settled) return;
      settled = true;
      status.destroy();
      child.unref();
      if (err) reject(err);
      else resolve({ pid: pid! });
    };
    status.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      const nl = buf.lastIndexOf('\n');
      if (nl < 0) return;
      for (const ev of parseStatusLines(buf.slice(0, nl + 1))) {
        if (ev.type === 'started') finish(undefined, ev.pid);
        else if (ev.type === 'error') finish(new NookError(ev.msg ?? 'the container failed to start', { exitCode: ev.stage === 'exec' && ev.errno === 2 ? 127 : ev.stage === 'exec' ? 126 : 125 }));
      }
      buf = buf.slice(nl + 1);
    });
    status.on('end', () => finish(new NookError('the launcher ended before the container started')));
    child.on('error', (e) => finish(new NookError(`cannot start the launcher ${launcher}: ${e.message}`, { hint: 'reinstall nook with ./install.sh' })));
  });
}
