// `nook attach`: the running container's output from now until it ends (followed in its log),
// its input through the supervisor's attach socket when it was started with -i, and then its
// exit code. The detach keys (Docker's default ctrl-p,ctrl-q) leave it running. Without a
// terminal, SIGINT/SIGTERM/SIGHUP are forwarded to the container's init (--sig-proxy).
import { writeSync } from 'node:fs';
import { signalInit } from '../../containers/control.js';
import { attachSocketPath, containerFiles } from '../../containers/layout.js';
import { net } from '../../util/lazy-require.js';
import { followLog, readLogSnapshot, type LogEntry } from '../../containers/logs.js';
import { loadContainer, resolveContainer } from '../../containers/state.js';
import { NookError } from '../../errors.js';
import type { AttachFlags } from '../flags/attach.js';
import { waitForExit } from './wait.js';

function write(e: LogEntry): boolean {
  try {
    writeSync(e.stream === 'stderr' ? 2 : 1, e.log);
    return true;
  } catch {
    return false;
  }
}

/** Streams the log from `from` until the container ends (or `stop.requested`); its exit code. */
export async function followOutput(id: string, from: { ino: number; offset: number }, sigProxy: boolean, stop: { requested: boolean } = { requested: false }): Promise<number> {
  let detached = false;
  const forward = (sig: NodeJS.Signals) => {
    const c = loadContainer(id);
    if (sigProxy && c) signalInit(c, sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1);
    else detached = true;
  };
  const sigs: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of sigs) process.on(s, forward);
  try {
    await followLog(containerFiles(id).log, from, write, () => detached || stop.requested || !loadContainer(id)?.state.running);
  } finally {
    for (const s of sigs) process.off(s, forward);
  }
  if (detached || stop.requested) return 0;
  return waitForExit(id);
}

export async function attach(ref: string, flags: AttachFlags): Promise<number> {
  const c = resolveContainer(ref);
  if (!c.state.running) throw new NookError('You cannot attach to a stopped container, start it first');
  if (c.state.paused) throw new NookError('You cannot attach to a paused container, unpause it first');
  return attachFrom(c.id, readLogSnapshot(containerFiles(c.id).log), flags);
}

/** Output from the log position `from` on, input when the container takes it; its exit code. */
export async function attachFrom(id: string, from: { ino: number; offset: number }, flags: AttachFlags): Promise<number> {
  const c = loadContainer(id);
  if (!c) throw new NookError(`No such container: ${id}`);
  const stop = { requested: false };
  const input = flags.stdin && c.config.interactive ? await connectInput(c.id, c.config.tty ?? false, parseDetachKeys(flags.detachKeys), stop) : undefined;
  try {
    return await followOutput(c.id, from, flags.sigProxy && !c.config.tty, stop);
  } finally {
    input?.close();
  }
}

/** Docker's --detach-keys: `ctrl-X` and single characters, comma separated. */
export function parseDetachKeys(spec: string): number[] {
  return spec.split(',').map((k) => {
    const m = /^ctrl-([a-z@\[\\\]^_])$/.exec(k);
    if (m) return m[1]!.charCodeAt(0) & 0x1f;
    if (k.length === 1) return k.charCodeAt(0);
    throw new NookError(`invalid detach keys "${spec}"`, { hint: 'use e.g. ctrl-p,ctrl-q' });
  });
}

/**
 * Sends our stdin to the container through its supervisor's attach socket; on a terminal in
 * raw mode, so Ctrl-C and the rest reach the container's pty. The detach keys end it.
 */
async function connectInput(id: string, tty: boolean, keys: number[], stop: { requested: boolean }): Promise<{ close(): void }> {
  const socket = net().createConnection(attachSocketPath(id));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', (e) => reject(new NookError(`cannot attach to ${id.slice(0, 12)}: ${e.message}`, { hint: 'was it started with -i?' })));
  });
  socket.on('error', () => undefined);
  const raw = tty && process.stdin.isTTY;
  if (raw) process.stdin.setRawMode(true);
  let matched = 0;
  const onData = (chunk: Buffer) => {
    // the detach sequence is kept back until it is complete or broken
    const out: number[] = [];
    for (const byte of chunk) {
      if (byte === keys[matched]) {
        if (++matched === keys.length) {
          stop.requested = true;
          close();
          return;
        }
        continue;
      }
      out.push(...keys.slice(0, matched), byte);
      matched = 0;
    }
    if (out.length) socket.write(Buffer.from(out));
  };
  const close = () => {
    process.stdin.off('data', onData);
    if (raw) process.stdin.setRawMode(false);
    process.stdin.pause();
    socket.destroy();
  };
  process.stdin.on('data', onData);
  process.stdin.once('end', () => socket.end());
  return { close };
}
