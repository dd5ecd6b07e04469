// Compiled programs are kept under $XDG_CACHE_HOME/nook/seccomp/<sha256>.bpf, keyed by
// everything that changes the program, so a cache hit never needs libseccomp's compiler.
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export function seccompCacheDir(): string {
  const v = process.env['XDG_CACHE_HOME'];
  return join(v && v.startsWith('/') ? v : join(homedir(), '.cache'), 'nook', 'seccomp');
}

/**
 * Which libseccomp would compile, without loading it: the versioned file the soname points
 * to (libseccomp.so.2 -> libseccomp.so.2.5.4) and its size.
 */
export function libseccompIdentity(): string {
  for (const dir of ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib/aarch64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/lib64', '/usr/lib', '/lib']) {
    try {
      const real = realpathSync(join(dir, 'libseccomp.so.2'));
      return `${real}:${statSync(real).size}`;
    } catch {
      /* not here */
    }
  }
  return 'unknown';
}

export interface CacheKey {
  profileText: string;
  capabilities: readonly string[];
  arch: string;
  /** includes/excludes.minKernel depend on it */
  kernel: string;
  libseccomp: string;
}

export function cacheKey(k: CacheKey): string {
  const h = createHash('sha256');
  for (const part of [k.profileText, [...k.capabilities].sort().join(','), k.arch, k.kernel, k.libseccomp]) {
    h.update(part).update('\0');
  }
  return h.digest('hex');
}

export function cachedProgram(path: string): Buffer | undefined {
  try {
    const bpf = readFileSync(path);
    return bpf.length > 0 && bpf.length % 8 === 0 ? bpf : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Lets `write` fill a temporary file through its fd, then publishes it atomically at `path`
 * (fsync, rename). Returns what was written.
 */
export function writeAtomically(path: string, write: (fd: number) => void): Buffer {
  mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w+', 0o600);
  try {
    try {
      write(fd);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    const bytes = readFileSync(tmp);
    renameSync(tmp, path);
    return bytes;
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
