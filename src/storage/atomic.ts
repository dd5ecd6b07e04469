// Crash-safe writes: a killed CLI leaves either the old file or the new one, never half of one.
// Every temp is created locked (flock, held until it is renamed or removed), so the next nook
// command can tell a dead process's leftover from a live one's work (src/storage/leftovers.ts).
import { closeSync, constants, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { randomBytes } from '../util/random.js';
import { basename, dirname, join } from 'node:path';
import { lockIfCurrent } from './lock.js';
import type { StoreLayout } from './layout.js';

/** A temp file or dir that is ours while `fd` is open: we hold its lock. Close it last. */
export interface OwnedTemp {
  path: string;
  fd: number;
}

/**
 * Creates a fresh name from `pathFor` exclusively and locks it. A sweeper may judge the new,
 * still unlocked entry dead and take it first: then it is left to that sweeper, and a new
 * name is tried.
 */
function createOwned(pathFor: () => string, kind: 'file' | 'dir', mode: number): OwnedTemp {
  for (;;) {
    const path = pathFor();
    let fd: number;
    if (kind === 'dir') {
      mkdirSync(path, { mode });
      fd = openSync(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
    } else {
      fd = openSync(path, 'wx', mode);
    }
    if (lockIfCurrent(fd, path)) return { path, fd };
    closeSync(fd);
  }
}

function storeTempName(s: StoreLayout, prefix: string): () => string {
  mkdirSync(s.tmpDir, { recursive: true, mode: 0o700 });
  return () => join(s.tmpDir, `${prefix}-${randomBytes(8).toString('hex')}`);
}

/** A new file in the store's tmp/, open for writing. */
export function storeTempFile(s: StoreLayout, prefix: string, mode: number): OwnedTemp {
  return createOwned(storeTempName(s, prefix), 'file', mode);
}

/** A new dir in the store's tmp/. Its files may get subordinate owners: remove it in the namespace. */
export function storeTempDir(s: StoreLayout, prefix: string): OwnedTemp {
  return createOwned(storeTempName(s, prefix), 'dir', 0o700);
}

/** A temp name beside `path`, so rename() stays on one file system. Prefix `.tmp-` marks a temp. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.tmp-${basename(path)}-${randomBytes(6).toString('hex')}`);
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `data` to `path` atomically: temp file, fsync, rename (still locked), fsync of the
 * directory. `durable: false` leaves out both fsyncs: the file is still whole or absent after
 * a kill, only a power cut may lose it (each fsync costs a journal commit, 1-30 ms here).
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600, { durable = true } = {}): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = createOwned(() => tempPathFor(path), 'file', mode);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    let off = 0;
    while (off < buf.length) off += writeSync(tmp.fd, buf, off, buf.length - off);
    if (durable) fsyncSync(tmp.fd);
    renameSync(tmp.path, path);
  } catch (err) {
    rmSync(tmp.path, { force: true });
    throw err;
  } finally {
    closeSync(tmp.fd);
  }
  if (durable) fsyncDir(dirname(path));
}

export function writeJsonAtomic(path: string, value: unknown, mode = 0o600, options: { durable?: boolean } = {}): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n', mode, options);
}
