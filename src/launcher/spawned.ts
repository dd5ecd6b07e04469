// The launcher as a child nook waits for (cp's and export's tar, store tasks in the user
// namespace), fed its directives and a seccomp program on the fds of fd-layout.ts. Its stderr
// is collected for the caller's error.
import { spawn, type ChildProcess, type IOType } from 'node:child_process';
import { closeSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { NookError } from '../errors.js';
import { LAUNCHER_ENV, launcherPath } from '../paths.js';
import { ARGS_FD } from './fd-layout.js';

export interface Spawned {
  child: ChildProcess;
  /** Resolves when the launcher exits 0; else rejects with what `failure` makes of it. */
  done(failure: (code: number | null, signal: NodeJS.Signals | null, lastLine: string) => NookError): Promise<void>;
}

/**
 * `io` is the child's fds 0-1 (stderr is always a pipe); `seccomp`, when given, lands on
 * SPAWNED_SECCOMP_FD and is closed here once the child has its copy.
 */
export function spawnLauncher(directives: Buffer, io: [IOType | number, IOType | number], seccomp?: number): Spawned {
  let child: ChildProcess;
  try {
    child = spawn(launcherPath(), ['--args', String(ARGS_FD)], { stdio: [...io, 'pipe', 'pipe', ...(seccomp === undefined ? [] : [seccomp])], env: LAUNCHER_ENV });
  } finally {
    if (seccomp !== undefined) closeSync(seccomp);
  }
  (child.stdio[ARGS_FD] as Writable).end(directives);
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
  const done: Spawned['done'] = (failure) => new Promise((resolve, reject) => {
    child.on('error', (e) => reject(new NookError(`cannot start the launcher: ${e.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) return resolve();
      reject(failure(code, signal, err.trim().split('\n').at(-1)?.replace(/^nook(-run)?: /, '') ?? ''));
    });
  });
  return { child, done };
}
