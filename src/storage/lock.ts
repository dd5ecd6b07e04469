// Advisory locks (flock) on shared indexes. flock is tied to the open file description, so a
// killed CLI releases its locks with its fds: no stale lock files to clean up.
import { closeSync, mkdirSync, openSync } from 'node:fs';
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `fn` holding a lock on `lockPath`. Polls with LOCK_NB rather than blocking, because a
 * blocking flock would stall Node's only thread (and with it progress bars and downloads).
 */
export async function withLock<T>(lockPath: string, fn: () => Promise<T> | T, opts: { shared?: boolean; timeoutMs?: number } = {}): Promise<T> {
  mkdirSync(dirname(lockPath), { recursive: true, mode: 0o700 });
  const fd = openSync(lockPath, 'a', 0o600);
  try {
    const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
    let wait = 2;
    for (;;) {
      const r = flock(fd, (opts.shared ? LOCK_SH : LOCK_EX) | LOCK_NB);
      if (r.ok) break;
      if (r.errno !== EWOULDBLOCK) throw new NookError(`cannot lock ${lockPath}: errno ${r.errno}`);
      if (Date.now() > deadline) throw new NookError(`timed out waiting for the lock ${lockPath}`, { hint: 'another nook command holds it' });
      await sleep(wait);
      wait = Math.min(wait * 2, 100);
    }
    return await fn();
  } finally {
    closeSync(fd); // releases the lock
  }
}
