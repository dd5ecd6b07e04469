// Compiled programs are kept under $XDG_CACHE_HOME/nook/seccomp/<hash>.bpf, keyed by
// everything that changes the program, so a cache hit never needs libseccomp's compiler.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { cacheHome } from '../../paths.js';
import { join } from 'node:path';

export function seccompCacheDir(): string {
  return join(cacheHome(), 'seccomp');
}

export const LIBSECCOMP_SONAME = 'libseccomp.so.2';
const MULTIARCH: Record<string, string> = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu', arm: 'arm-linux-gnueabihf', ppc64: 'powerpc64le-linux-gnu', s390x: 's390x-linux-gnu', riscv64: 'riscv64-linux-gnu' };

/** Where the loader usually finds libseccomp on this architecture. */
export function libseccompDirs(): string[] {
  const triplet = MULTIARCH[process.arch];
  const arch = triplet ? [`/lib/${triplet}`, `/usr/lib/${triplet}`] : [];
  return [...arch, '/usr/lib64', '/lib64', '/usr/lib', '/lib', '/usr/local/lib'];
}

/**
 * Which libseccomp would compile, without loading it: the versioned file the soname points
 * to (libseccomp.so.2 -> libseccomp.so.2.5.4) and its size.
 */
export function libseccompIdentity(): string {
  for (const dir of libseccompDirs()) {
    try {
      const real = realpathSync(join(dir, LIBSECCOMP_SONAME));
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

/**
 * cyrb53 over the key's UTF-8 bytes taken 4 at a time (zero-padded; the length seeds it): a
 * 53-bit file name for the key, not a proof of it. It runs once per start on ~30 KB, in the
 * interpreter: per character, or through a helper call per word, it took 2-6 ms; so inline.
 */
function hash53(text: string): string {
  const bytes = Buffer.from(text);
  const words = new Uint32Array((bytes.length + 3) >> 2);
  Buffer.from(words.buffer).set(bytes);
  let h1 = 0xdeadbeef ^ bytes.length;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < words.length; i++) {
    const c = words[i]!;
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, '0');
}

/**
 * The cache entry for a key: its file name, and the header the file starts with: the whole
 * key. node:crypto is not needed (loading it cost every `nook run` ~7 ms), and because every
 * hit compares the full key, a colliding name can only cause a recompile, never a wrong filter.
 */
export function cacheKey(k: CacheKey): { name: string; header: Buffer } {
  const material = [k.profileText, [...k.capabilities].sort().join(','), k.arch, k.kernel, k.libseccomp].join('\0');
  return { name: hash53(material), header: Buffer.from(`nook-seccomp-cache-1\0${material.length}\0${material}\0`) };
}

export function cachedProgram(path: string, header: Buffer): Buffer | undefined {
  try {
    const data = readFileSync(path);
    if (data.length <= header.length || !data.subarray(0, header.length).equals(header)) return undefined;
    const bpf = data.subarray(header.length);
    return bpf.length % 8 === 0 ? bpf : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Writes `header`, lets `write` append the program through the fd, then publishes the file
 * atomically at `path` (fsync, rename). Returns the program (without the header).
 */
export function writeAtomically(path: string, header: Buffer, write: (fd: number) => void): Buffer {
  mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w+', 0o600);
  try {
    try {
      writeSync(fd, header);
      write(fd);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    const bytes = readFileSync(tmp).subarray(header.length);
    renameSync(tmp, path);
    return bytes;
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
