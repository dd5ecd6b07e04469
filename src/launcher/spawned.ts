// The launcher as a child nook waits for (cp's and export's tar), fed its directives and a
// seccomp program on the fds of fd-layout.ts. Its stderr is collected for the caller's error.
import { spawn, type ChildProcess, type IOType } from 'node:child_process';
import type { Writable } from 'node:stream';
import { LAUNCHER_ENV, launcherPath } from '../paths.js';
import { ARGS_FD } from './fd-layout.js';

export interface Spawned {
  child: ChildProcess;
  /** what the launcher (or the program) wrote to stderr so far */
  stderr(): string;
}

/** `io` is the child's fds 0-2 (stderr is always a pipe); `seccomp` lands on SPAWNED_SECCOMP_FD. */
export function spawnLauncher(directives: Buffer, io: [IOType | number, IOType | number], seccomp: number): Spawned {
  const child = spawn(launcherPath(), ['--args', String(ARGS_FD)], { stdio: [...io, 'pipe', 'pipe', seccomp], env: LAUNCHER_ENV });
  (child.stdio[ARGS_FD] as Writable).end(directives);
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
  return { child, stderr: () => err };
}
