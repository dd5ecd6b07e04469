// Advisory locks (flock). flock is tied to the open file description, so a killed CLI releases
// its locks with its fds: whoever can take a lock knows its last holder is dead. That is also
// how leftovers are judged (src/storage/leftovers.ts): a store temp is locked by its creator.
import { closeSync, fstatSync, lstatSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { libcCall, types } from '../native/ffi.js';
import { NookError } from '../errors.js';

const LOCK_SH = 1;
const LOCK_EX = 2;
const LOCK_NB = 4;
const EWOULDBLOCK = 11;

function flock(fd: number, op: number): { ok: boolean; errno: number } {
  const I32 = types()['I32']!;
  const r = libcCall('flock', I32, [I32, I32], [fd, op]);
  return { ok: r.value === 0, errno: r.errno };
}

/** Takes an exclusive lock on `fd` without waiting: false when another open file holds one. */
export function tryLockExclusive(fd: number): boolean {
  const r = flock(fd, LOCK_EX | LOCK_NB);
  if (!r.ok && r.errno !== EWOULDBLOCK) throw new NookError(`cannot lock: errno ${r.errno}`);
  return r.ok;
}

/** True while `path` still names the file open as `fd` (a lock on an unlinked file guards nothing). */
export function namesFile(fd: number, path: string): boolean {
  const held = fstatSync(fd);
  const now = lstatSync(path, { throwIfNoEntry: false });
  return now !== undefined && now.ino === held.ino && now.dev === held.dev;
}

/** Locks `fd`, open as `path`, without waiting: true when the lock is ours and still guards `path`. */
export function lockIfCurrent(fd: number, path: string): boolean {
  return tryLockExclusive(fd) && namesFile(fd, path);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `fn` holding a lock on `lockPath`. Polls with LOCK_NB rather than blocking, because a
 * blocking flock would stall Node's only thread (and with it progress bars and downloads).
 * A lock file may be unlinked by whoever holds it (a dead layer's, see leftovers.ts): a lock
 * taken on a file no longer at `lockPath` is dropped and the path opened again.
 */
export async function withLock<T>(lockPath: string, fn: () => Promise<T> | T, opts: { shared?: boolean; timeoutMs?: number } = {}): Promise<T> {
  mkdirSync(dirname(lockPath), { recursive: true, mode: 0o700 });
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  let wait = 2;
  for (;;) {
    const fd = openSync(lockPath, 'a', 0o600);
    try {
      for (;;) {
        const r = flock(fd, (opts.shared ? LOCK_SH : LOCK_EX) | LOCK_NB);
        if (r.ok) break;
        if (r.errno !== EWOULDBLOCK) throw new NookError(`cannot lock ${lockPath}: errno ${r.errno}`);
        if (Date.now() > deadline) throw new NookError(`timed out waiting for the lock ${lockPath}`, { hint: 'another nook command holds it' });
        await sleep(wait);
        wait = Math.min(wait * 2, 100);
      }
      if (namesFile(fd, lockPath)) return await fn();
    } finally {
      closeSync(fd); // releases the lock
    }
  }
}
