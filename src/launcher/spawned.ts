// The launcher as a child nook waits for (cp's and export's tar, store tasks in the user
// namespace, judge mode's boxes), fed its directives and a seccomp program on the fds of
// fd-layout.ts. spawnLauncher collects its stderr for the caller's error.
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
 * The launcher spawned with `stdio` as its fds from 0 (ARGS_FD a pipe: the directives go in
 * there) and `args` after `--args`; the fds in `owned` are the child's alone, closed here once
 * it has its copy, also when the spawn fails. Judge mode's boxes take it as it is.
 */
export function spawnLauncherWith(launcher: string, stdio: readonly (IOType | number)[], args: readonly string[], directives: Buffer, owned: readonly number[]): ChildProcess {
  let child: ChildProcess;
  try {
    child = spawn(launcher, ['--args', String(ARGS_FD), ...args], { stdio: [...stdio], env: LAUNCHER_ENV });
  } finally {
    for (const fd of owned) closeSync(fd);
  }
  (child.stdio[ARGS_FD] as Writable).end(directives);
  return child;
}

/**
 * `io` is the child's fds 0-1 (stderr is always a pipe); `seccomp`, when given, lands on
 * SPAWNED_SECCOMP_FD and is closed here once the child has its copy.
 */
export function spawnLauncher(directives: Buffer, io: [IOType | number, IOType | number], seccomp?: number): Spawned {
  const child = spawnLauncherWith(launcherPath(), [...io, 'pipe', 'pipe', ...(seccomp === undefined ? [] : [seccomp])], [], directives, seccomp === undefined ? [] : [seccomp]);
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
