// Hands the process over to the launcher: the directives go into a memfd (no temp file, no
// size limit, invisible to other users, unlike argv), then execve replaces Node, so a
// foreground container costs no Node process and no signal-forwarding layer of ours.
import { writeSync } from 'node:fs';
import { bytesParam, libcCall, types } from '../native/ffi.js';
import { NookError } from '../errors.js';
import { LAUNCHER_ENV } from '../paths.js';
import { DETACHED_SECCOMP_FD } from './fd-layout.js';

/** A memfd holding `data`, inherited across execve (no MFD_CLOEXEC). */
export function memfdWith(name: string, data: Buffer): number {
  const T = types();
  const fd = libcCall('memfd_create', T['I32']!, [T['String'], T['I32']], [name, 0]).value;
  if (fd < 0) throw new NookError('memfd_create failed');
  let off = 0;
  while (off < data.length) off += writeSync(fd, data, off, data.length - off);
  return fd;
}

/**
 * The fd a launch plan names for the seccomp program (none without one): detached, where the
 * spawn puts it (DETACHED_SECCOMP_FD); in the foreground, a memfd the launcher inherits as it
 * execs in place. For run and exec; cp and export spawn with their own layout.
 */
export function seccompFdFor(bpf: Buffer | null | undefined, detached: boolean): number | undefined {
  if (!bpf) return undefined;
  return detached ? DETACHED_SECCOMP_FD : memfdWith('nook-seccomp', bpf);
}

/**
 * Lays out a NULL-terminated char* array (argv or envp) in C memory. ffi-rs passes string
 * arrays without the terminating NULL that execve needs, so we build the block ourselves.
 */
function cStringArrays(lists: string[][]): number[] {
  const T = types();
  const strs = lists.flat().map((s) => Buffer.from(s + '\0'));
  const ptrBytes = lists.reduce((n, l) => n + (l.length + 1) * 8, 0);
  const size = ptrBytes + strs.reduce((n, b) => n + b.length, 0);
  const base = libcCall('malloc', T['I64']!, [T['I64']], [size]).value;
  if (!base) throw new NookError('out of memory');
  const block = Buffer.alloc(size);
  let str = ptrBytes;
  let slot = 0;
  let k = 0;
  const starts: number[] = [];
  for (const list of lists) {
    starts.push(base + slot * 8);
    for (let i = 0; i < list.length; i++, k++) {
      block.writeBigUInt64LE(BigInt(base + str), slot++ * 8);
      strs[k]!.copy(block, str);
      str += strs[k]!.length;
    }
    slot++; // the NULL terminator (Buffer.alloc zero-filled it)
  }
  libcCall('memcpy', T['I64']!, [T['I64'], bytesParam(block), T['I64']], [base, block, size]);
  return starts;
}

/** Which of fds 0-2 are terminals (through libc: node:tty would load node:net on run's path). */
export function terminalFds(): number[] {
  const T = types();
  return [0, 1, 2].filter((fd) => libcCall('isatty', T['I32']!, [T['I32']], [fd]).value === 1);
}

/** Replaces this process with `path argv` and the launcher's (empty) environment. Returns only on failure. */
export function execve(path: string, argv: string[]): never {
  const env = Object.entries(LAUNCHER_ENV).map(([k, v]) => `${k}=${v}`);
  const [argvPtr, envPtr] = cStringArrays([argv, env]);
  const T = types();
  // the entry (scripts/boot.cjs) writes its code cache here on a verb's first run: no 'exit' follows
  (process as NodeJS.EventEmitter).emit('nook-before-exec');
  // Node marks its stdio close-on-exec; the launcher (and the container) need them.
  const F_SETFD = 2;
  for (const fd of [0, 1, 2]) libcCall('fcntl', T['I32']!, [T['I32'], T['I32'], T['I32']], [fd, F_SETFD, 0]);
  const r = libcCall('execve', T['I32']!, [T['String'], T['I64'], T['I64']], [path, argvPtr, envPtr]);
  throw new NookError(`cannot start the launcher ${path}: ${r.message}`, { hint: 'reinstall nook with ./install.sh' });
}

