// `nook attach`: the running container's output from now until it ends, then its exit code.
// There is no attach socket yet, so stdin is not connected; SIGINT/SIGTERM/SIGHUP are
// forwarded to the container's init (Docker's --sig-proxy), or with --no-sig-proxy Ctrl-C
// only detaches.
import { writeSync } from 'node:fs';
import { signalInit } from '../../containers/control.js';
import { containerFiles } from '../../containers/layout.js';
import { followLog, readLogSnapshot, type LogEntry } from '../../containers/logs.js';
import { loadContainer, resolveContainer } from '../../containers/state.js';
import { NookError } from '../../errors.js';
import type { AttachFlags } from '../commands/attach.js';
import { waitForExit } from './wait.js';

function write(e: LogEntry): boolean {
  try {
    writeSync(e.stream === 'stderr' ? 2 : 1, e.log);
    return true;
  } catch {
    return false;
  }
}

/** Streams the log from `from` until the container ends; returns its exit code. */
export async function followOutput(id: string, from: { ino: number; offset: number }, sigProxy: boolean): Promise<number> {
  let detached = false;
  const forward = (sig: NodeJS.Signals) => {
    const c = loadContainer(id);
    if (sigProxy && c) signalInit(c, sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1);
    else detached = true;
  };
  const sigs: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of sigs) process.on(s, forward);
  try {
    await followLog(containerFiles(id).log, from, write, () => detached || !loadContainer(id)?.state.running);
  } finally {
    for (const s of sigs) process.off(s, forward);
  }
  if (detached) return 0;
  return waitForExit(id);
}

export async function attach(ref: string, flags: AttachFlags): Promise<number> {
  const c = resolveContainer(ref);
  if (!c.state.running) throw new NookError('You cannot attach to a stopped container, start it first');
  if (c.state.paused) throw new NookError('You cannot attach to a paused container, unpause it first');
  const snap = readLogSnapshot(containerFiles(c.id).log);
  return followOutput(c.id, snap, flags.sigProxy !== false);
}
