// The one door to C libraries from TypeScript (ffi-rs). The platform binary is loaded directly:
// ffi-rs's own loader probes for musl by spawning `which ldd`, which costs ~10 ms of start-up.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { installDir } from '../paths.js';

export interface FfiBinding {
  DataType: Record<string, number>;
  FFITypeTag: Record<string, number>;
  open(opts: { library: string; path: string }): void;
  createPointer(opts: { paramsType: unknown[]; paramsValue: unknown[] }): unknown[];
  unwrapPointer(pointers: unknown[]): unknown[];
  createExternalBuffer(pointer: unknown, length: number): Buffer;
  load(opts: {
    library: string;
    funcName: string;
    retType: unknown;
    paramsType: unknown[];
    paramsValue: unknown[];
    errno?: boolean;
    freeResultMemory?: boolean;
  }): unknown;
}

let binding: FfiBinding | undefined;
const opened = new Set<string>();

export function ffi(): FfiBinding {
  if (binding) return binding;
  const require = createRequire(import.meta.url);
  const bundled = join(installDir(), 'ffi-rs.node');
  binding = (existsSync(bundled)
    ? require(bundled)
    : require('@yuuang/ffi-rs-linux-x64-gnu/ffi-rs.linux-x64-gnu.node')) as FfiBinding;
  return binding;
}

/** Opens a shared library once under a short name (`libc`, `libseccomp`). */
export function openLibrary(name: string, path: string): FfiBinding {
  const b = ffi();
  if (!opened.has(name)) {
    b.open({ library: name, path });
    opened.add(name);
  }
  return b;
}

/** Describes a byte buffer parameter (ffi-rs needs its length up front). */
export function bytesParam(buf: Buffer): unknown {
  const b = ffi();
  return { ffiTypeTag: b.FFITypeTag['Array'], type: b.DataType['U8Array'], length: buf.length };
}

/** ffi-rs's type codes by name: I32, I64, U32, U64, String ... */
export function types(): Record<string, number> {
  return ffi().DataType;
}

export interface CallResult { value: number; errno: number; message: string }

/** Calls a libc function: its return value, and errno with its message. */
export function libcCall(funcName: string, retType: number, paramsType: unknown[], paramsValue: unknown[]): CallResult {
  const b = openLibrary('libc', 'libc.so.6');
  const r = b.load({ library: 'libc', funcName, retType, paramsType, paramsValue, errno: true, freeResultMemory: false }) as { value: number; errnoCode: number; errnoMessage: string };
  return { value: Number(r.value), errno: r.errnoCode, message: r.errnoMessage };
}

/**
 * SO_PEERCRED of a connected unix socket (Node has no call for it): the uid at the other end,
 * as the kernel recorded it at connect(). The two out-parameters are ffi-rs allocations,
 * 16 bytes a connection, left to the process's end rather than risk freeing them twice.
 */
export function peerUid(fd: number): number {
  const b = openLibrary('libc', 'libc.so.6');
  const T = b.DataType;
  const ucred = bytesParam(Buffer.alloc(12));
  const [cred] = b.createPointer({ paramsType: [ucred], paramsValue: [Buffer.alloc(12)] });
  const [len] = b.createPointer({ paramsType: [T['I32']], paramsValue: [12] });
  const credPtr = b.unwrapPointer([cred])[0];
  const SOL_SOCKET = 1;
  const SO_PEERCRED = 17;
  const r = libcCall('getsockopt', T['I32']!, [T['I32'], T['I32'], T['I32'], T['External'], T['External']], [fd, SOL_SOCKET, SO_PEERCRED, credPtr, len]);
  if (r.value !== 0) throw new Error(`getsockopt(SO_PEERCRED): ${r.message}`);
  // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
  return Buffer.from(b.createExternalBuffer(credPtr, 12)).readUInt32LE(4);
}
