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
